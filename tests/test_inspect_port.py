"""Porting an Inspect task file is changing its imports: a HumanEval-style task, written as
inspect_evals writes its own (a `@task` returning `Task`, `record_to_sample`, a `verify`
scorer running the tests in the sandbox, `Epochs` with pass@k), pointed at a local JSONL,
runs once `inspect_ai` imports name `evalrunner`, with the same per-sample results as the
equivalent YAML suite."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from evalrunner.log import EvalLog
from tests.arith_suite import logs_in, server_env
from tests.conftest import ROOT, run_cli, write
from tests.servers.openai_server import start_openai_server


def _docs_example() -> str:
    """The ported task file exactly as docs/coming-from-inspect.md shows it."""
    text = (ROOT / "docs" / "coming-from-inspect.md").read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n(import re\n.*?)```\n", text, re.DOTALL)
    return code


def _unport(source: str) -> str:
    """The same file as an Inspect user has it: only its imports name inspect_ai."""
    source = re.sub(r"\bevalrunner\.solvers\b", "inspect_ai.solver", source)
    source = re.sub(r"\bevalrunner\.scorers\b", "inspect_ai.scorer", source)
    return re.sub(r"\bevalrunner\b", "inspect_ai", source)


# The same task as a suite: the task file's record function and scorer, named.
YAML_SUITE = """
name: humaneval_yaml
tasks:
  - name: humaneval
    dataset: {path: problems.jsonl, record_to_sample: humaneval.py@record_to_sample}
    epochs: {count: 2, reducer: [mean, pass_at_1, pass_at_2]}
    plan: [generate]
    scorer: humaneval.py@verify
    sandbox: local
"""

PROBLEMS = [
    ("add", "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n", "    return a + b\n",
     "def check(f):\n    assert f(2, 3) == 5\n"),
    ("is_even", "def is_even(n):\n    \"\"\"Whether n is even.\"\"\"\n",
     "    return n % 2 == 0\n", "def check(f):\n    assert f(4) and not f(3)\n"),
    ("shout", "def shout(s):\n    \"\"\"s in capitals, with '!'.\"\"\"\n",
     "    return s.upper() + '!'\n", "def check(f):\n    assert f('hi') == 'HI!'\n"),
    ("largest", "def largest(xs):\n    \"\"\"The largest of xs.\"\"\"\n",
     "    return max(xs)\n", "def check(f):\n    assert f([3, 9, 2]) == 9\n"),
]


def _port(source: str) -> str:
    """The port: Inspect's modules by their evalrunner names, nothing else changed."""
    source = re.sub(r"\binspect_ai\.solver\b", "evalrunner.solvers", source)
    source = re.sub(r"\binspect_ai\.scorer\b", "evalrunner.scorers", source)
    return re.sub(r"\binspect_ai\b", "evalrunner", source)


def _coder(body: dict[str, Any]) -> str:
    """Right code for add and shout; wrong for is_even; largest right only every other time."""
    prompt = str(body["messages"][-1]["content"])
    name = re.search(r"def (\w+)\(", prompt)[1]  # type: ignore[index]
    if name == "is_even":
        return "```python\n    return n % 2 == 1\n```"
    if name == "largest":
        _coder.calls = getattr(_coder, "calls", 0) + 1  # type: ignore[attr-defined]
        body_ = "return max(xs)" if _coder.calls % 2 else "return xs[0]"  # type: ignore[attr-defined]
        return f"```python\ndef largest(xs):\n    {body_}\n```"
    solution = next(p[2] for p in PROBLEMS if p[0] == name)
    return f"```python\n{solution}```"


def _results(log: EvalLog) -> dict[tuple[str, int], tuple[str, Any]]:
    return {(str(s.id), s.epoch): (s.scores["verify"].answer or "", s.scores["verify"].value)
            for s in log.samples}


def test_an_inspect_task_file_runs_after_changing_its_imports(tmp_path: Path) -> None:
    write(tmp_path / "problems.jsonl", "".join(json.dumps({
        "task_id": f"Demo/{i}", "prompt": prompt, "canonical_solution": solution,
        "test": test, "entry_point": name}) + "\n"
        for i, (name, prompt, solution, test) in enumerate(PROBLEMS)))
    inspect_file = _unport(_docs_example())
    assert "evalrunner" not in inspect_file and "from inspect_ai.solver import" in inspect_file
    write(tmp_path / "humaneval.py", _port(inspect_file))
    assert _port(inspect_file) == _docs_example()
    suite = write(tmp_path / "humaneval.yml", YAML_SUITE)
    model = ["--model", "openai-api/test/coder", "--max-connections", "1"]
    with start_openai_server(responder=_coder) as server:
        env = server_env(server.url)
        python = run_cli("run", str(tmp_path / "humaneval.py"), "-T", "sandbox=local", *model,
                         "--log-dir", str(tmp_path / "py"), env=env)
        assert python.returncode == 0, python.stderr
        _coder.calls = 0  # type: ignore[attr-defined]
        yaml = run_cli("run", str(suite), *model, "--log-dir", str(tmp_path / "yml"), env=env)
        assert yaml.returncode == 0, yaml.stderr
    [ported], [suited] = logs_in(tmp_path / "py"), logs_in(tmp_path / "yml")
    assert ported.eval.task == suited.eval.task == "humaneval"
    assert _results(ported) == _results(suited)
    passed = {key: value for key, (_, value) in _results(ported).items()}
    assert passed == {("Demo/0", 1): "C", ("Demo/0", 2): "C", ("Demo/1", 1): "I",
                      ("Demo/1", 2): "I", ("Demo/2", 1): "C", ("Demo/2", 2): "C",
                      ("Demo/3", 1): "C", ("Demo/3", 2): "I"}
    assert ported.results is not None and suited.results is not None
    assert ported.results.model_dump()["scores"] == suited.results.model_dump()["scores"]
    assert ported.eval.params == {"sandbox": "local", "data": "problems.jsonl"}
