"""Templates render under a budget: a runaway one fails its sample, Ctrl-C still works."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalrunner.log import read_eval_log
from evalrunner.template import TemplateBudgetError, render
from tests.arith_suite import clean_env
from tests.conftest import ROOT, run_cli, write

RUNAWAY = ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
           "{{ prompt }}")


def test_runaway_loops_and_huge_products_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALRUNNER_TEMPLATE_TIMEOUT", "0.3")
    for template, values in [
        (RUNAWAY, {"prompt": "x"}),
        ("{% for a in xs %}{% for b in xs %}{% endfor %}{% endfor %}", {"xs": list(range(10**5))}),
    ]:
        start = time.monotonic()
        with pytest.raises(TemplateBudgetError, match=r"longer than 0\.3 s"):
            render(template, **values)
        assert time.monotonic() - start < 5
    with pytest.raises(TemplateBudgetError, match="would build more than"):
        render("{{ 'x' * 10 ** 9 }}")
    assert render("{% for i in range(3) %}{{ loop.index }}/{{ loop.length }} {% endfor %}") \
        == "1/3 2/3 3/3 "


def suite_with_runaway(folder: Path, slow: set[int]) -> Path:
    """Two samples; those in `slow` render an endless template."""
    flags = {i: str(i in slow).lower() for i in (1, 2)}
    rows = "\n".join(f"        - {{id: {i}, input: x{i}, metadata: {{slow: {flag}}}}}"
                     for i, flag in flags.items())
    template = f"{{% if metadata.slow %}}{RUNAWAY}{{% else %}}{{{{ prompt }}}}{{% endif %}}"
    return write(folder / "s.yml", f"""
model: mockllm/model
tasks:
  - name: t
    dataset:
      samples:
{rows}
    plan:
      - prompt_template: "{template}"
      - generate
""")


def test_a_runaway_template_fails_its_sample_only(tmp_path: Path) -> None:
    suite = suite_with_runaway(tmp_path, {1})
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"), "--display", "plain",
                     "--fail-on-error", "false", env={"EVALRUNNER_TEMPLATE_TIMEOUT": "1"},
                     timeout=60)
    assert result.returncode == 0, result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    samples = {s.id: s for s in read_eval_log(log_file).samples}
    error = samples[1].error
    assert error is not None and "template took longer than 1 s to render" in error.message
    assert samples[2].error is None


def test_ctrl_c_interrupts_a_template_that_is_rendering(tmp_path: Path) -> None:
    suite = suite_with_runaway(tmp_path, {1, 2})
    logs = tmp_path / "logs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", str(suite), "--log-dir", str(logs),
         "--display", "plain"],
        cwd=ROOT, env={**clean_env(), "EVALRUNNER_TEMPLATE_TIMEOUT": "600"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not list(logs.glob("*.json")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(1.0)  # the samples are rendering their endless template now
    interrupted = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - interrupted < 20
    assert proc.returncode == 1, err
    (log_file,) = logs.glob("*.json")
    assert read_eval_log(log_file).status == "cancelled"
