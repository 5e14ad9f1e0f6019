"""`run --executor ray` on a two-node local Ray cluster against the scripted server.

The cluster (two nodes on this machine, one CPU each) is started once for the module; each
run is the CLI as a subprocess joining it through RAY_ADDRESS, as a user's would.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, EvalSample
from tests.arith_suite import clean_env, logs_in, sample_lines
from tests.conftest import ROOT, run_cli, write
from tests.extras import import_extra
from tests.servers.openai_server import start_openai_server
from tests.servers.scripted_server import scripted_reply

Cluster = import_extra("ray.cluster_utils", "ray").Cluster  # the file skips without ray

_NODE = {"num_cpus": 1, "object_store_memory": 80 * 1024**2}


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    nodes = Cluster(initialize_head=True, connect=False,
                    head_node_args={**_NODE, "include_dashboard": False})
    try:
        nodes.add_node(**_NODE)
        nodes.wait_for_nodes()
        yield str(nodes.address)
    finally:
        nodes.shutdown()


def make_suite(folder: Path, adds: int = 16, muls: int = 12, epochs: int = 2) -> Path:
    """Three tasks: sums over two epochs, products, and multiple choice."""
    write(folder / "adds.jsonl", "".join(
        f'{{"id": "a{i}", "input": "What is {i} + {i + 1}?", "target": "{2 * i + 1}"}}\n'
        for i in range(adds)))
    write(folder / "muls.jsonl", "".join(
        f'{{"id": {i}, "input": "What is {i} * 3?", "target": "{3 * i + (i % 5 == 0)}"}}\n'
        for i in range(muls)))
    choices = "".join(
        f'{{"input": "What is {i} + 2?", "choices": ["{i + 1}", "{i + 2}", "{i + 3}"], '
        f'"target": "B"}}\n' for i in range(6))
    write(folder / "choices.jsonl", choices)
    return write(
        folder / "several.yml",
        "name: several\n"
        "model: openai-api/test/scripted\n"
        "tasks:\n"
        "  - name: adds\n"
        "    dataset: {path: adds.jsonl}\n"
        f"    epochs: {epochs}\n"
        "    plan: [generate]\n"
        "    scorer: {match: {numeric: true, location: any}}\n"
        "  - name: muls\n"
        "    dataset: {path: muls.jsonl}\n"
        "    plan: [{system_message: Answer with a number.}, generate]\n"
        "    scorer: {match: {numeric: true, location: any}}\n"
        "    metrics: [accuracy, stderr]\n"
        "  - name: choices\n"
        "    dataset: {path: choices.jsonl}\n"
        "    plan: [{multiple_choice: {shuffle: false}}]\n"
        "    scorer: choice\n",
    )


def _env(url: str, address: str | None = None) -> dict[str, str]:
    env = {"TEST_BASE_URL": url, "TEST_API_KEY": "test-key"}
    if address:
        env["RAY_ADDRESS"] = address
    return env


def _comparable(sample: EvalSample) -> dict[str, Any]:
    """What a run decides about a sample (not when it ran, nor random message ids)."""
    return {
        "input": sample.input, "target": sample.target, "choices": sample.choices,
        "messages": [(m.role, m.text) for m in sample.messages],
        "completion": sample.output.completion if sample.output else None,
        "scores": {k: s.model_dump(mode="json") for k, s in sample.scores.items()},
        "usage": {k: u.model_dump(mode="json") for k, u in sample.model_usage.items()},
        "error": sample.error,
    }


def _by_task(folder: Path) -> dict[str, EvalLog]:
    return {log.eval.task: log for log in logs_in(folder)}


def test_ray_logs_equal_a_single_process_run(tmp_path: Path, cluster: str) -> None:
    suite = make_suite(tmp_path)
    with start_openai_server(responder=scripted_reply, latency=0.02) as server:
        local = run_cli("run", str(suite), "--log-dir", str(tmp_path / "local"),
                        env=_env(server.url))
        assert local.returncode == 0, local.stderr
        before, server.peak_concurrency = len(server.requests), 0
        ray = run_cli("run", str(suite), "--executor", "ray", "--max-connections", "3",
                      "--log-dir", str(tmp_path / "ray"), env=_env(server.url, cluster),
                      timeout=300)
        assert ray.returncode == 0, ray.stderr
        # Three connections between all the units of both nodes, never more.
        assert server.peak_concurrency <= 3
        assert len(server.requests) - before == 32 + 12 + 6  # each sample asked once
    one, many = _by_task(tmp_path / "local"), _by_task(tmp_path / "ray")
    assert sorted(one) == sorted(many) == ["adds", "choices", "muls"]
    for name, log in one.items():
        spread = many[name]
        assert spread.status == "success"
        assert spread.results == log.results
        assert spread.eval.model == log.eval.model and spread.eval.shard is None
        ours = {(str(s.id), s.epoch): _comparable(s) for s in spread.samples}
        theirs = {(str(s.id), s.epoch): _comparable(s) for s in log.samples}
        assert ours == theirs
        assert spread.stats.models[log.eval.model].calls == len(log.samples)
        assert spread.stats.model_usage == log.stats.model_usage
    # The logs are ordinary logs: `score` and `view`'s reader take them as they are.
    rescored = run_cli("score", str(many["muls"].location), "--no-overwrite")
    assert rescored.returncode == 0, rescored.stderr


def test_connection_limit_holds_across_the_cluster(tmp_path: Path, cluster: str) -> None:
    """Two models of one endpoint: units of (task, model, shard), two connections in all."""
    suite = make_suite(tmp_path, adds=20, muls=20)
    models = "openai-api/test/scripted,openai-api/test/other"
    with start_openai_server(responder=scripted_reply, latency=0.2) as server:
        result = run_cli("run", str(suite), "--executor", "ray", "--max-connections", "2",
                         "--model", models, "--log-dir", str(tmp_path / "logs"),
                         env=_env(server.url, cluster), timeout=300)
        assert result.returncode == 0, result.stderr
        # Units on both nodes ran at once, and together held two connections, never more.
        assert server.peak_concurrency == 2
    logs = logs_in(tmp_path / "logs")
    assert sorted((log.eval.task, log.eval.model) for log in logs) == sorted(
        (task, model) for task in ("adds", "muls", "choices") for model in models.split(","))
    assert all(log.status == "success" for log in logs)
    assert len(server.requests) == 2 * (40 + 20 + 6)


def _unit_pids() -> list[int]:
    """Ray worker processes running a unit right now (Ray titles them after the task)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"ray::evalrunner_unit"):
            pids.append(int(entry.name))
    return pids


def _asked(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def test_a_killed_worker_loses_and_resends_nothing(tmp_path: Path, cluster: str) -> None:
    suite = make_suite(tmp_path, adds=60, muls=1, epochs=1)
    logs = tmp_path / "logs"
    with start_openai_server(responder=scripted_reply, latency=0.15) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "evalrunner", "run", str(suite), "--executor", "ray",
             "--max-connections", "4", "--log-dir", str(logs), "-F", "name=adds"],
            cwd=ROOT, env={**clean_env(), **_env(server.url, cluster)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 120
        while sample_lines(logs) < 10 or not _unit_pids():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run did not get going"
            time.sleep(0.05)
        victim = _unit_pids()[0]
        os.kill(victim, signal.SIGKILL)
        # What the driver had when the worker died: finished, so never to be asked again.
        time.sleep(0.3)
        finished = {str(s["id"]) for s in _log_lines(logs)}
        _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "lost its worker" in err and "running it again" in err
    log = logs_in(logs)[0]
    keys = Counter((str(s.id), s.epoch) for s in log.samples)
    assert len(keys) == 60 and set(keys.values()) == {1}  # every sample once: none lost
    assert log.status == "success" and log.results is not None
    asks = Counter(_asked(r.body) for r in server.requests if not r.rejected)
    by_id = {str(s.id): _asked_of(s) for s in log.samples}
    assert finished, "nothing had finished before the kill"
    for sample_id in finished:
        assert asks[by_id[sample_id]] == 1  # asked once: nothing finished was resent
    assert sum(asks.values()) >= 60
    # The stats count every finished sample's calls, the killed unit's too, and no more
    # calls than the server answered.
    calls = log.stats.models[log.eval.model].calls
    assert 60 <= calls <= sum(asks.values())
    tokens = sum(s.model_usage[log.eval.model].total_tokens for s in log.samples)
    assert log.stats.model_usage[log.eval.model].total_tokens >= tokens


def _ray_under(pid: int) -> set[tuple[int, int | None]]:
    """The Ray processes (binaries, workers, agents) under a process, with start times."""
    from evalrunner.runner._ray_guard import _descendants, _is_ray, start_time

    return {(p, start_time(p)) for p in _descendants(pid) if _is_ray(p)}


def _kill_driver_once_going(
    tmp_path: Path, url: str, env: dict[str, str]
) -> set[tuple[int, int | None]]:
    """Runs a suite on Ray and SIGKILLs the CLI once units answer; the Ray processes it
    had started by then."""
    suite = make_suite(tmp_path, adds=400, muls=1, epochs=1)
    logs = tmp_path / "logs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", str(suite), "--executor", "ray",
         "--max-connections", "4", "--log-dir", str(logs), "-F", "name=adds"],
        cwd=ROOT, env={**clean_env(), **_env(url), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 240
    while sample_lines(logs) < 4 or not _unit_pids():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.05)
    started = _ray_under(proc.pid)
    proc.kill()
    proc.communicate()
    return started


def _settles(check: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_units_stop_soon_after_their_driver_is_killed(tmp_path: Path, cluster: str) -> None:
    with start_openai_server(responder=scripted_reply, latency=0.2) as server:
        _kill_driver_once_going(tmp_path, server.url, {"RAY_ADDRESS": cluster})
        # The units end (Ray reaps a dead driver's workers, and each unit watches its
        # driver); the cluster itself stays up.
        assert _settles(lambda: not _unit_pids(), 8), _unit_pids()
        asked = len(server.requests)
        time.sleep(1.0)
        assert len(server.requests) == asked  # nobody calls the model for a dead driver


def test_a_killed_driver_leaves_no_process_of_the_ray_it_started(tmp_path: Path) -> None:
    from evalrunner.runner._ray_guard import start_time

    with start_openai_server(responder=scripted_reply, latency=0.2) as server:
        started = _kill_driver_once_going(tmp_path, server.url, {})  # a local Ray
        assert len(started) >= 3  # at least the GCS, the raylet and a unit's worker

        def alive() -> list[int]:
            return [pid for pid, at in started if start_time(pid) == at]

        assert _settles(lambda: not alive(), 15), [
            Path(f"/proc/{pid}/cmdline").read_bytes()[:60] for pid in alive()]
        asked = len(server.requests)
        time.sleep(1.0)
        assert len(server.requests) == asked


def _asked_of(sample: EvalSample) -> str:
    return next(m.text for m in reversed(sample.messages) if m.role == "user")


def _log_lines(folder: Path) -> list[dict[str, Any]]:
    files = list(folder.glob("*.json"))
    out = []
    for line in files[0].read_text(encoding="utf-8").splitlines()[1:]:
        text = line.strip().lstrip(",")
        if text and not text.startswith("]"):
            with contextlib.suppress(ValueError):  # the line being written
                out.append(json.loads(text))
    return out


# An address for the suite's model (never called): a run checks it before anything else.
NOWHERE = {"TEST_BASE_URL": "http://127.0.0.1:9/v1", "TEST_API_KEY": "k"}


def test_without_ray_the_executor_says_how_to_install_it(tmp_path: Path) -> None:
    # A `ray` package that fails to import stands in for a machine without the extra.
    write(tmp_path / "shadow" / "ray" / "__init__.py", "raise ImportError('no ray here')\n")
    suite = make_suite(tmp_path, adds=1, muls=1)
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path / "shadow"), str(ROOT)]),
           **NOWHERE}
    result = run_cli("run", str(suite), "--executor", "ray", "--log-dir", str(tmp_path / "l"),
                     env=env)
    assert result.returncode == 2
    assert "pip install 'evalrunner[ray]'" in result.stderr
    assert not (tmp_path / "l").exists()


def test_shard_and_ray_executor_do_not_combine(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, adds=1, muls=1)
    result = run_cli("run", str(suite), "--executor", "ray", "--shard", "1/2",
                     "--log-dir", str(tmp_path / "l"), env=NOWHERE)
    assert result.returncode == 2 and "--shard" in result.stderr


def test_response_cache_on_an_fsspec_url(tmp_path: Path) -> None:
    """EVALRUNNER_CACHE_DIR as a URL: a second run (another process, as a cluster node
    would be) answers from the shared cache without asking the model."""
    suite = make_suite(tmp_path, adds=3, muls=2)
    cache = f"local://{tmp_path / 'elsewhere'}"  # through fsspec, kept on this machine
    with start_openai_server(responder=scripted_reply) as server:
        env = {**_env(server.url), "EVALRUNNER_CACHE_DIR": cache}
        for run in ("first", "second"):
            result = run_cli("run", str(suite), "--cache", "--log-dir", str(tmp_path / run),
                             env=env)
            assert result.returncode == 0, result.stderr
        assert len(server.requests) == 6 + 2 + 6
    entries = list((tmp_path / "elsewhere" / "generate").rglob("*.json"))
    assert len(entries) == 14
    second = _by_task(tmp_path / "second")
    assert all(log.stats.models[log.eval.model].cache_hits == len(log.samples)
               for log in second.values())
    listed = run_cli("cache", "list", env={"EVALRUNNER_CACHE_DIR": cache})
    assert listed.returncode == 2 and "remote" in listed.stderr


def test_unit_resources_follow_the_sandbox_limits() -> None:
    from types import SimpleNamespace

    from evalrunner.runner._resources import fit_in_flight, parse_memory, unit_resources

    assert unit_resources(SimpleNamespace(), 5) == {"num_cpus": 1}
    limited = SimpleNamespace(sandbox={"limits": {"cpus": 2, "memory": "512m"}})
    assert unit_resources(limited) == {"num_cpus": 2.0, "memory": 512 * 1024**2}
    assert unit_resources(limited, 3) == {"num_cpus": 6.0, "memory": 3 * 512 * 1024**2}
    # Ten samples at once would not fit on an 8-CPU node: four sandboxes of 2 CPUs do.
    assert fit_in_flight(limited, 10, {"CPU": 8.0, "memory": 64.0 * 1024**3}) == 4
    assert fit_in_flight(limited, 10, {"CPU": 64.0, "memory": 1024.0**3}) == 2
    assert fit_in_flight(SimpleNamespace(), 10, {"CPU": 1.0}) == 10
    flat = SimpleNamespace(sandbox=SimpleNamespace(cpus=0.5, memory="2g"))
    assert unit_resources(flat) == {"num_cpus": 0.5, "memory": 2 * 1024**3}
    assert parse_memory("1.5GiB") == int(1.5 * 1024**3) and parse_memory(4096) == 4096
    with pytest.raises(ValueError, match="512 potatoes"):
        parse_memory("512 potatoes")


def test_a_units_resources_follow_the_suites_sandbox_limits(tmp_path: Path) -> None:
    from evalrunner.runner._resources import fit_in_flight, unit_resources
    from evalrunner.suite import load_suite

    suite = tmp_path / "boxed.yml"
    suite.write_text(
        "name: boxed\nmodel: mockllm/model\n"
        "sandbox: {type: docker, image: box, cpus: 0.5, memory: 256m}\n"
        "tasks:\n  - name: a\n    dataset:\n      samples: [{input: hi, target: hi}]\n"
        "    plan: [generate]\n    scorer: match\n", encoding="utf-8")
    (task,) = load_suite(suite, {}).tasks
    # Two samples at once, each with its sandbox: one CPU and 512 MiB reserved on the node.
    assert unit_resources(task, 2) == {"num_cpus": 1.0, "memory": 512 * 1024**2}
    # A node with 2 CPUs fits four such samples at once, not the eight asked for.
    assert fit_in_flight(task, 8, {"CPU": 2.0, "memory": 8 * 1024**3}) == 4


def test_a_unit_ends_itself_once_its_driver_is_gone() -> None:
    """The watch a unit runs (beside Ray's own: a driver on another machine, or a raylet
    slow to notice) ends the unit's process once the driver's process is gone."""
    from evalrunner.runner._ray_guard import DriverRef, driver_gone, driver_ref, start_time

    driver = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        ref = DriverRef(driver_ref(None).namespace, driver.pid, start_time(driver.pid), None)
        assert ref.started is not None and not driver_gone(ref)
        unit = subprocess.Popen(
            [sys.executable, "-c",
             "from evalrunner.runner._unit import _watch\n"
             "from evalrunner.runner._ray_guard import DriverRef\n"
             f"_watch(DriverRef({ref.namespace!r}, {ref.pid}, {ref.started}, None))\n"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        time.sleep(2.5)
        assert unit.poll() is None  # the driver lives: the unit goes on
    finally:
        driver.kill()
        driver.wait()
    assert driver_gone(ref)
    assert unit.wait(timeout=15) == 1
