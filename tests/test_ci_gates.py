"""CI gates: thresholds and --fail-under, exit codes, JUnit XML and the Markdown summary."""

from __future__ import annotations

from pathlib import Path

from junitparser import Error, Failure, JUnitXml

from tests.arith_suite import answer_wrong_on, logs_in, make_suite, server_env
from tests.conftest import run_cli
from tests.servers.openai_server import start_openai_server

GATED = "    thresholds: {accuracy: 0.9}\n"


def test_suite_threshold_fails_the_gate_not_the_run(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=10, extra=GATED)
    with start_openai_server(responder=answer_wrong_on({3, 6, 9})) as server:
        gated = run_cli("run", str(suite), "--log-dir", str(tmp_path / "a"),
                        env=server_env(server.url))
        # --fail-under adds to (and for the same name overrides) the suite's thresholds.
        lowered = run_cli("run", str(suite), "--log-dir", str(tmp_path / "b"),
                          "--fail-under", "accuracy=0.7", "--fail-under", "match/stderr=0",
                          env=server_env(server.url))
    assert gated.returncode == 1
    assert "threshold missed" in gated.stdout and "0.7 < 0.9" in gated.stdout
    log = logs_in(tmp_path / "a")[0]
    assert log.status == "success" and log.results is not None
    [gate] = log.results.thresholds
    assert (gate.name, gate.minimum, gate.passed) == ("accuracy", 0.9, False)
    assert gate.values == {"match/accuracy": 0.7}
    assert lowered.returncode == 0, lowered.stdout
    other = logs_in(tmp_path / "b")[0]
    assert other.eval.thresholds == {"accuracy": 0.7, "match/stderr": 0.0}
    assert other.results is not None and all(t.passed for t in other.results.thresholds)


def test_unknown_metric_in_a_threshold_is_bad_input_before_the_run(tmp_path: Path) -> None:
    result = run_cli("run", "suites/examples/hello.yml", "--log-dir", str(tmp_path),
                     "--fail-under", "acuracy=0.5")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "--fail-under: threshold 'acuracy' names no metric of task 'hello' "
        "(did you mean 'accuracy'? metrics: accuracy, stderr)"
    )
    assert not list(tmp_path.glob("*.json"))  # nothing ran


def test_exit_code_2_for_bad_gate_options(tmp_path: Path) -> None:
    for args in (["--fail-under", "accuracy"], ["--fail-under", "accuracy=high"],
                 ["--shard", "3/2"], ["--shard", "x"]):
        result = run_cli("run", "suites/examples/hello.yml", "--log-dir", str(tmp_path), *args)
        assert result.returncode == 2, (args, result.stderr)
    assert not list(tmp_path.glob("*.json"))


def test_junit_has_a_case_per_task_and_threshold(tmp_path: Path) -> None:
    make_suite(tmp_path / "suites", n=10, extra=GATED + "    fail_on_error: false\n",
               name="gated")
    make_suite(tmp_path / "suites", n=4, name="broken", system="Broken.")

    def respond(body: dict[str, object]) -> str:
        if "Broken" in str(body["messages"]):
            raise ValueError("down")
        return answer_wrong_on({1, 2})(body)  # type: ignore[arg-type]

    junit = tmp_path / "reports" / "junit.xml"
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    with start_openai_server(responder=respond) as server:
        result = run_cli("run", str(tmp_path / "suites"), "--log-dir", str(tmp_path / "logs"),
                         "--max-retries", "0", "--junit", str(junit), "--summary", str(summary),
                         "--fail-under", "stderr=0", env=server_env(server.url))
    assert result.returncode == 1

    xml = JUnitXml.fromfile(str(junit))
    suites = {s.name: s for s in xml}
    assert set(suites) == {"gated/sums", "broken/sums"}
    gated = {c.name: c for c in suites["gated/sums"]}
    assert set(gated) == {"run", "accuracy >= 0.9", "stderr >= 0"}
    assert gated["run"].is_passed and gated["stderr >= 0"].is_passed
    [failure] = gated["accuracy >= 0.9"].result
    assert isinstance(failure, Failure) and "0.8 < 0.9" in str(failure.message)
    broken = {c.name: c for c in suites["broken/sums"]}
    [error] = broken["run"].result
    assert isinstance(error, Error) and "samples failed" in str(error.message)
    assert suites["gated/sums"].tests == 3 and suites["gated/sums"].failures == 1
    # A task that failed is one error; its thresholds are not checked (nothing to check).
    assert xml.tests == 4 and xml.failures == 1 and xml.errors == 1

    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended, as CI step summaries expect
    assert "2 tasks, 0 passed, 2 failed" in text
    assert "| `gated/sums` | openai-api/test/small | ✅ success | 10/10 |" in text
    assert "❌ accuracy ≥ 0.9" in text and "✅ stderr ≥ 0" in text
    assert "| `broken/sums` |" in text and "❌ error" in text


def test_everything_passing_exits_0_with_reports(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "suites/examples/hello.yml", "--log-dir", str(tmp_path / "logs"),
                     "--fail-under", "accuracy=1", "--junit", str(junit))
    assert result.returncode == 0, result.stderr
    xml = JUnitXml.fromfile(str(junit))
    cases = [c for s in xml for c in s]
    assert [c.name for c in cases] == ["run", "accuracy >= 1"]
    assert all(c.is_passed for c in cases)
