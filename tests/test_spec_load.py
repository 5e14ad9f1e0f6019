"""Loading good suites: interpolation typing, -T, if:, precedence, defaults, compiled tasks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from evalrunner.model import GenerateConfig
from evalrunner.suite import SpecErrors, Suite, load_suite, suite_schema
from tests.test_spec_errors import suite

TYPED = """\
name: typed
params:
  flag: false
  n: 2
  items: [a, b]
  nothing: null
  who: world
tasks:
  - dataset: {example: theory_of_mind}
    plan:
      - components.py@picky:
          shuffle: ${{ params.flag }}
          seed: ${{ params.n * 10 }}
          label: "n=${{ params.n }} flag=${{ params.flag }} items=${{ params.items }}"
      - components.py@needs:
          required: "{{ prompt }} for ${{ params.who }}"
          tags: ${{ params.items }}
      - components.py@shout: ${{ params.nothing }}
    x-owner: ${{ env.OWNER }}
    description: ${{ suite.name }} from ${{ suite.file }}
"""


def load(tmp_path: Path, text: str, overrides: dict[str, str] | None = None,
         env: dict[str, str] | None = None) -> Suite:
    return load_suite(suite(tmp_path, text), overrides, env=env or {"OWNER": "team-a"})


def test_whole_expressions_keep_their_type_and_embedded_ones_become_text(tmp_path: Path) -> None:
    task = load(tmp_path, TYPED).tasks[0]
    picky, needs, shout = task.plan
    assert picky.kwargs == {
        "shuffle": False, "seed": 20, "label": 'n=2 flag=false items=["a", "b"]'
    }
    # `{{ }}` without the dollar is a prompt template: left for each sample.
    assert needs.kwargs == {"required": "{{ prompt }} for world", "tags": ["a", "b"]}
    assert shout.args == []  # null, written or interpolated, is "no value"
    assert task.attrs == {"x-owner": "team-a"}
    assert task.description == "typed from suite.yml"


def test_overrides_are_yaml_scalars(tmp_path: Path) -> None:
    text = TYPED.replace("  who: world\n", "  who: world\n  version: '1.0'\n  note: none\n")
    loaded = load(tmp_path, text, {
        "flag": "true", "n": "5", "items": "[x, y, z]", "version": "1.10",
        "who": "a: b", "note": "~",
    })
    params = loaded.tasks[0].params
    assert params["flag"] is True
    assert params["n"] == 5
    assert params["items"] == ["x", "y", "z"]
    assert params["version"] == "1.10"  # a text param stays text: 1.10 is not 1.1
    assert params["who"] == "a: b"  # text with a colon is not a mapping
    assert params["note"] is None
    assert loaded.warnings == []


def test_override_yes_no(tmp_path: Path) -> None:
    loaded = load(tmp_path, TYPED, {"flag": "yes", "who": "no"})
    assert loaded.tasks[0].params["flag"] is True
    assert loaded.tasks[0].params["who"] == "no"  # a text param: the word itself
    assert [w.message for w in loaded.warnings] == [
        "-T flag=yes is read as true: write true or false"
    ]
    assert loaded.warnings[0].severity == "warning"


IF_SUITE = """\
params: {critique: false, strict: true}
tasks:
  - dataset: {example: theory_of_mind}
    plan:
      steps:
        - components.py@shout
        - components.py@picky: {shuffle: true}
          if: ${{ params.critique }}
        - components.py@shout: 3
          id: loud
          if: ${{ not params.critique }}
      finish: components.py@shout
    scorer:
      components.py@exact: {ignore_case: false}
      if: ${{ params.strict }}
    metrics:
      - components.py@count:
        if: false
"""


def test_if_false_drops_steps_and_scorers(tmp_path: Path) -> None:
    task = load(tmp_path, IF_SUITE).tasks[0]
    assert [(r.name, r.args, r.id) for r in task.plan] == [
        ("components.py@shout", [], None), ("components.py@shout", [3], "loud"),
    ]
    assert task.finish is not None and task.finish.name == "components.py@shout"
    assert [r.kwargs for r in task.scorers] == [{"ignore_case": False}]
    assert task.metrics == []


def test_overrides_decide_if(tmp_path: Path) -> None:
    task = load(tmp_path, IF_SUITE, {"critique": "true", "strict": "false"}).tasks[0]
    assert [r.name for r in task.plan] == ["components.py@shout", "components.py@picky"]
    assert task.scorers == []


PRECEDENCE = """\
model: mockllm/suite
model_args: {a: 1, b: 1}
model_roles: {grader: mockllm/g1, critic: mockllm/c1}
config: {temperature: 0.5, max_tokens: 100}
params: {p: suite, q: suite}
x-team: core
tasks:
  - name: plain
    dataset: {example: theory_of_mind}
  - name: own
    dataset: {example: theory_of_mind}
    model: mockllm/task
    model_args: {b: 2}
    model_roles: {grader: mockllm/g2}
    config: {max_tokens: 5, seed: 7}
    params: {q: task, r: task}
    x-team: edge
"""


def test_task_keys_override_suite_keys(tmp_path: Path) -> None:
    plain, own = load(tmp_path, PRECEDENCE).tasks
    assert plain.model == "mockllm/suite"
    assert plain.config == GenerateConfig(temperature=0.5, max_tokens=100)
    assert plain.params == {"p": "suite", "q": "suite"}
    assert plain.attrs == {"x-team": "core"}
    assert own.model == "mockllm/task"
    assert own.model_args == {"a": 1, "b": 2}
    assert own.model_roles == {"grader": "mockllm/g2", "critic": "mockllm/c1"}
    assert own.config == GenerateConfig(temperature=0.5, max_tokens=5, seed=7)
    assert own.params == {"p": "suite", "q": "task", "r": "task"}
    assert own.attrs == {"x-team": "edge"}


def test_overrides_win_over_suite_and_task_params(tmp_path: Path) -> None:
    plain, own = load(tmp_path, PRECEDENCE, {"q": "cli", "r": "cli"}).tasks
    assert plain.params == {"p": "suite", "q": "cli"}  # r is declared by the other task only
    assert own.params == {"p": "suite", "q": "cli", "r": "cli"}


def test_suite_keys_see_suite_params_and_task_keys_see_task_params(tmp_path: Path) -> None:
    text = (
        "params: {t: 0.2}\n"
        "config: {temperature: '${{ params.t }}'}\n"
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    params: {t: 0.9}\n"
        "    config: {top_p: '${{ params.t }}'}\n"
    )
    task = load(tmp_path, text).tasks[0]
    assert (task.config.temperature, task.config.top_p) == (0.2, 0.9)


def test_names_default_to_the_suite_and_the_file_stem(tmp_path: Path) -> None:
    loaded = load(tmp_path, "tasks:\n  - dataset: {example: theory_of_mind}\n")
    assert (loaded.name, loaded.tasks[0].name) == ("suite", "suite")
    named = load_suite(suite(tmp_path, "name: mine\ntasks:\n  - dataset: {example: e}\n", "b.yml"))
    assert (named.name, named.tasks[0].name, named.tasks[0].suite_name) == ("mine", "mine", "mine")


def test_compiled_task_fields(tmp_path: Path) -> None:
    text = (
        "description: Suite text.\n"
        "tasks:\n"
        "  - name: full\n"
        "    tags: light\n"
        "    dataset: {path: data.jsonl, fields: {input: q, target: a}, shuffle: 3, limit: 10}\n"
        "    scorer:\n"
        "      - components.py@exact\n"
        "      - {components.py@exact: {ignore_case: false}, id: strict}\n"
        "    metrics: [components.py@count]\n"
        "    epochs: {count: 3, reducer: [mean, components.py@first]}\n"
        "    limits: {messages: 10, seconds: 2.5}\n"
        "    fail_on_error: 0.1\n"
        "    thresholds: {accuracy: 0.8}\n"
    )
    loaded = load(tmp_path, text)
    task = loaded.tasks[0]
    assert task.tags == ["light"]
    assert task.description == "Suite text."  # a single task shares the suite's description
    assert task.dataset == {"path": "data.jsonl", "fields": {"input": "q", "target": "a"},
                            "shuffle": 3, "limit": 10}
    pos = task.dataset_pos
    assert pos is not None and (pos.line, pos.column) == (5, 14)
    assert [(r.kind, r.id) for r in task.scorers] == [("scorer", None), ("scorer", "strict")]
    assert [r.kind for r in task.metrics] == ["metric"]
    assert (task.epochs.count, task.epochs.reducers) == (3, ["mean", "components.py@first"])
    assert (task.limits.messages, task.limits.tokens, task.limits.seconds) == (10, None, 2.5)
    assert (task.fail_on_error, task.thresholds) == (0.1, {"accuracy": 0.8})
    assert task.plan[0].name == "generate"  # no plan: just generate
    assert task.pos is not None and (task.pos.line, task.pos.column) == (3, 5)
    assert loaded.file_hash == hashlib.sha256((tmp_path / "suite.yml").read_bytes()).hexdigest()
    made = task.scorers[1].create()
    assert made.__registry_args__ == {"ignore_case": False}


def test_epochs_as_a_count(tmp_path: Path) -> None:
    task = load(tmp_path, "tasks:\n  - dataset: {example: e}\n    epochs: 4\n").tasks[0]
    assert (task.epochs.count, task.epochs.reducers) == (4, ["mean"])


def test_resolved_hash_follows_what_the_task_does(tmp_path: Path) -> None:
    text = "tasks:\n  - dataset: {example: e}\n    plan: [components.py@shout: 1]\n"
    first = load(tmp_path, text).tasks[0].resolved_hash
    again = load(tmp_path, "# a comment changes nothing\n" + text).tasks[0].resolved_hash
    changed = load(tmp_path, text.replace("shout: 1", "shout: 2")).tasks[0].resolved_hash
    assert len(first) == 64
    assert first == again
    assert first != changed


def test_builtin_components_resolve(tmp_path: Path) -> None:
    text = (
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    plan:\n"
        "      - system_message: You are careful.\n"
        "      - chain_of_thought\n"
        "      - generate\n"
        "    scorer: [match, includes]\n"
        "    metrics: [accuracy, stderr]\n"
    )
    task = load(tmp_path, text).tasks[0]
    assert [r.name for r in task.plan] == ["system_message", "chain_of_thought", "generate"]
    assert [r.name for r in task.scorers] == ["match", "includes"]
    assert [r.name for r in task.metrics] == ["accuracy", "stderr"]
    assert task.plan[0].args == ["You are careful."]


def test_warnings_alone_do_not_fail(tmp_path: Path) -> None:
    text = "params: {loud: yes}\ntasks:\n  - dataset: {example: e, shuffle: on}\n"
    loaded = load(tmp_path, text)
    assert [(w.pos.line, w.pos.column) for w in loaded.warnings] == [(1, 16), (3, 36)]
    assert loaded.tasks[0].params == {"loud": True}


def test_merge_keys_and_anchors(tmp_path: Path) -> None:
    text = (
        "x-base: &base {dataset: {example: e}, epochs: 2}\n"
        "tasks:\n"
        "  - <<: *base\n"
        "    name: one\n"
        "  - <<: *base\n"
        "    name: two\n"
        "    epochs: 3\n"
    )
    one, two = load(tmp_path, text).tasks
    assert (one.epochs.count, two.epochs.count) == (2, 3)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SpecErrors) as info:
        load_suite(tmp_path / "missing.yml")
    assert str(info.value).endswith("missing.yml:1:1: cannot read: No such file or directory")


def test_schema_is_draft_2020_12_and_matches_generate_config() -> None:
    schema = suite_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    config = schema["$defs"]["GenerateConfig"]["properties"]
    assert set(config) == set(GenerateConfig.model_fields)


def test_x_keys_are_allowed_anywhere_and_never_reach_components(tmp_path: Path) -> None:
    text = (
        "x-note: top\n"
        "params: {n: 1, x-why: notes}\n"
        "config: {temperature: 0, x-tuned: 2024-05-01}\n"
        "model_roles: {grader: mockllm/g, x-todo: bigger}\n"
        "tasks:\n"
        "  - dataset:\n"
        "      path: data.jsonl\n"
        "      x-source: internal\n"
        "      fields: {input: q, x-later: a}\n"
        "    plan:\n"
        "      - components.py@picky: {seed: 1, x-was: 2}\n"
        "        x-comment: tuned\n"
        "    epochs: {count: 2, x-why: noise}\n"
        "    limits: {messages: 3, x-unit: turns}\n"
        "    thresholds: {accuracy: 0.5, x-owner: qa}\n"
    )
    task = load(tmp_path, text).tasks[0]
    assert task.params == {"n": 1}
    assert task.config == GenerateConfig(temperature=0)
    assert task.model_roles == {"grader": "mockllm/g"}
    assert task.dataset == {"path": "data.jsonl", "fields": {"input": "q"}}
    assert task.plan[0].kwargs == {"seed": 1}
    assert (task.epochs.count, task.limits.messages, task.thresholds) == (2, 3, {"accuracy": 0.5})
    assert task.attrs == {"x-note": "top"}


def test_octal_and_base_60_numbers_warn(tmp_path: Path) -> None:
    text = "params: {code: 012, time: 1:30}\ntasks:\n  - dataset: {example: e}\n"
    loaded = load(tmp_path, text)
    assert loaded.tasks[0].params == {"code": 10, "time": 90}
    assert [(w.pos.line, w.pos.column) for w in loaded.warnings] == [(1, 16), (1, 27)]
    assert loaded.warnings[0].message == (
        "'012' is read as a number (YAML 1.1 base-60 or octal): write it in quotes for text"
    )
