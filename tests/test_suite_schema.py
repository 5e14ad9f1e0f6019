"""The checked-in suite schema: generated from the format's models, current, and accepting
every shipped suite, every documented example and everything the loader accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from evalrunner.suite import load_suite, suite_schema
from evalrunner.suite._find import is_suite_file
from evalrunner.suite._format import SuiteFile, Task
from evalrunner.suite._yaml import read_yaml
from tests.conftest import run_cli, write

ROOT = Path(__file__).resolve().parent.parent
CHECKED_IN = ROOT / "schemas" / "suite.schema.json"
# Every YAML suite shipped (a YAML file without `tasks`, such as an agent declared for
# `yaml_agent`, is not a suite: `validate suites/` passes it by too).
SHIPPED = sorted(p for p in (ROOT / "suites").rglob("*.yml") if is_suite_file(p))
TASK_KEYS = {field.alias or name for name, field in Task.model_fields.items()}


def checked_in() -> Draft202012Validator:
    return Draft202012Validator(json.loads(CHECKED_IN.read_text(encoding="utf-8")))


def problems(data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in checked_in().iter_errors(data)]


def test_the_checked_in_suite_schema_is_current() -> None:
    # Regenerate with: evalrunner info suite-schema > schemas/suite.schema.json
    assert json.loads(CHECKED_IN.read_text(encoding="utf-8")) == suite_schema()


def test_info_suite_schema_prints_the_checked_in_schema() -> None:
    printed = json.loads(run_cli("info", "suite-schema").stdout)
    assert printed == json.loads(CHECKED_IN.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(printed)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_model_field_is_a_schema_key() -> None:
    # One source: a field added to a format model is a key of the schema, nothing more.
    schema = suite_schema()
    assert set(schema["properties"]) == {f.alias or n for n, f in SuiteFile.model_fields.items()}
    assert set(schema["$defs"]["Task"]["properties"]) == TASK_KEYS


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_suite_validates(path: Path) -> None:
    data = read_yaml(path.read_text(encoding="utf-8"), str(path)).data
    assert problems(data) == []


def documented_examples() -> list[tuple[str, Any]]:
    """YAML blocks of the docs that are suites, tasks or parts of tasks, as whole suites.

    A fragment (`plan: ...`, `dataset: ...`, a list of plan steps) is placed in a task
    with a stand-in dataset; blocks that are not suite text (a CI workflow) are left out.
    """
    out: list[tuple[str, Any]] = []
    for doc in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
        for i, block in enumerate(blocks):
            where = f"{doc.name}, yaml block {i + 1}"
            try:
                data = read_yaml(block, where).data
            except Exception:  # an elided sketch ("...") is not an example to check
                continue
            if isinstance(data, dict) and "tasks" in data:
                out.append((where, data))
            elif isinstance(data, dict) and set(data) <= TASK_KEYS:
                out.append((where, {"tasks": [{"dataset": {"example": "e"}, **data}]}))
            elif isinstance(data, list):
                out.append((where, {"tasks": [{"dataset": {"example": "e"}, "plan": data}]}))
    return out


def test_every_documented_example_validates() -> None:
    examples = documented_examples()
    assert len(examples) >= 25  # the docs' examples are found, not skipped
    assert {where: problems(data) for where, data in examples if problems(data)} == {}


def test_expressions_are_accepted_as_any_value(tmp_path: Path) -> None:
    # What the loader accepts, the editor schema accepts: ${{ }} for numbers, booleans,
    # `if:`, lists and mappings alike.
    text = (
        "params: {n: 3, hot: false, t: 0.5, roles: {grader: mockllm/g}, tags: [a, b]}\n"
        "config: {temperature: '${{ params.t }}', logprobs: '${{ params.hot }}'}\n"
        "tasks:\n"
        "  - name: t-${{ suite.name }}\n"
        "    tags: ${{ params.tags }}\n"
        "    dataset: {example: theory_of_mind, limit: '${{ params.n }}'}\n"
        "    plan:\n"
        "      - generate\n"
        "      - self_critique:\n"
        "        if: ${{ params.hot }}\n"
        "    model_roles: ${{ params.roles }}\n"
        "    epochs: {count: '${{ params.n }}', reducer: mean}\n"
        "    fail_on_error: ${{ params.hot }}\n"
    )
    path = write(tmp_path / "suite.yml", text)
    assert problems(read_yaml(text, str(path)).data) == []
    task = load_suite(path, env={}).tasks[0]
    assert (task.name, task.tags, task.epochs.count, task.dataset["limit"]) == ("t-suite",
                                                                              ["a", "b"], 3, 3)
    assert (task.config.temperature, task.config.logprobs, len(task.plan)) == (0.5, False, 1)


@pytest.mark.parametrize(("text", "where"), [
    ("tasks: [{dataset: {example: e}, epochs: many}]", ["tasks", 0, "epochs"]),
    ("tasks: [{dataset: {example: e}, epocs: 2}]", ["tasks", 0]),
    ("tasks: [{dataset: {example: e}, config: {temperature: -1}}]",
     ["tasks", 0, "config", "temperature"]),
    ("tasks: [{dataset: {example: e}, plan: [{generate: {}, if: maybe}]}]",
     ["tasks", 0, "plan", 0, "if"]),
    ("tasks: []", ["tasks"]),
])
def test_the_editor_schema_still_rejects_what_the_loader_rejects(text: str,
                                                                 where: list[Any]) -> None:
    errors = list(checked_in().iter_errors(read_yaml(text, "s.yml").data))
    assert len(errors) == 1
    assert list(best_match(errors).absolute_path) == where
