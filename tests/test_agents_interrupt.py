"""The first Ctrl-C stops a run within 2 seconds, agent loops included: the log says
`cancelled` with what finished, the terminal gives the retry line, and nothing else."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from evalrunner.log import read_eval_log
from tests.arith_suite import answer_wrong_on, make_suite, server_env, start_run
from tests.conftest import write
from tests.servers.openai_server import start_openai_server

STOP_WITHIN = 2.0  # seconds from the first SIGINT to the process's exit


def _interrupt_when(proc: subprocess.Popen[str], ready: object, settle: float = 0.5
                    ) -> tuple[float, str]:
    """SIGINT once `ready()` holds (and a little longer); seconds to exit, and stderr."""
    try:
        deadline = time.monotonic() + 60
        while not ready():  # type: ignore[operator]
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run did not get going"
            time.sleep(0.05)
        time.sleep(settle)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        return time.monotonic() - sent, err
    finally:
        if proc.poll() is None:  # a run that ignored Ctrl-C must not outlive the test
            proc.kill()
            proc.communicate()


def _clean_stop(took: float, err: str, proc: subprocess.Popen[str], logs: Path) -> None:
    assert took < STOP_WITHIN, f"stopped {took:.2f}s after Ctrl-C"
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "never retrieved" not in err, err
    assert "KeyboardInterrupt" not in err, err
    assert f"evalrunner retry {logs}" in err, err


def test_ctrl_c_stops_an_agent_loop_at_once(tmp_path: Path) -> None:
    suite = write(tmp_path / "loop.yml", """
model: mockllm/model
model_args:
  outputs:
    quick: [{function: submit, arguments: {answer: "5"}}]
    "*": [Still thinking.]        # never submits
  when_done: repeat_last
tasks:
  - name: loop
    dataset:
      samples:
        - {id: quick, input: "What is 2 + 3?", target: "5"}
        - {id: slow, input: "What is 4 + 4?", target: "8"}
        - {id: slower, input: "What is 5 + 5?", target: "10"}
    plan: [react]
    limits: {turns: 100000000}
    scorer: includes
""")
    logs = tmp_path / "logs"
    proc = start_run([str(suite), "--log-dir", str(logs), "--display", "plain"], {})

    def one_sample_done() -> bool:
        return any(len(f.read_text().splitlines()) >= 2 for f in logs.glob("*.json"))

    took, err = _interrupt_when(proc, one_sample_done)
    _clean_stop(took, err, proc, logs)
    (log_file,) = logs.glob("*.json")
    log = read_eval_log(log_file)
    assert log.status == "cancelled"
    assert [s.id for s in log.samples] == ["quick"]  # what finished is kept and counted
    assert log.results is not None and log.results.completed_samples == 1
    assert log.results.scores[0].metrics["accuracy"].value == 1.0


def test_ctrl_c_stops_a_generate_run_waiting_on_the_model(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=40)
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=30) as server:
        proc = start_run([str(suite), "--log-dir", str(logs), "--display", "plain",
                          "--max-connections", "8"], server_env(server.url))
        took, err = _interrupt_when(proc, lambda: len(server.requests) >= 8)
    _clean_stop(took, err, proc, logs)
    (log_file,) = logs.glob("*.json")
    assert read_eval_log(log_file).status == "cancelled"
