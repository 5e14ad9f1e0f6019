"""Suite errors: every kind located at the exact `file:line:column`, all reported at once.

The bad suites live in tests/suites_bad/ (so `evalrunner validate` can be shown them too);
they name tiny components from tests/suites_bad/components.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from evalrunner.suite import SpecError, SpecErrors, check_templates, load_suite
from tests.conftest import write

BAD = Path(__file__).parent / "suites_bad"


def located(errors: list[SpecError]) -> list[tuple[int, int, str]]:
    return [(e.pos.line, e.pos.column, e.message) for e in errors]


def errors_of(path: Path, overrides: Mapping[str, str] | None = None,
              env: Mapping[str, str] | None = None) -> list[tuple[int, int, str]]:
    with pytest.raises(SpecErrors) as info:
        load_suite(path, overrides, env=env or {})
    return located([e for e in info.value.errors if e.severity == "error"])


def one_at(errors: list[tuple[int, int, str]], line: int, column: int) -> str:
    found = [m for (l_, c, m) in errors if (l_, c) == (line, column)]
    assert len(found) == 1, f"expected one error at {line}:{column}, got {errors}"
    return found[0]


def suite(tmp_path: Path, text: str, name: str = "suite.yml") -> Path:
    """A suite in tmp_path whose components.py is the fixture file itself.

    A link, not a copy: a copy would register its components a second time under the
    same names, and the registry keeps one object per name.
    """
    link = tmp_path / "components.py"
    if not link.exists():
        link.symlink_to(BAD / "components.py")
    return write(tmp_path / name, text)


def test_errors_print_as_file_line_column() -> None:
    with pytest.raises(SpecErrors) as info:
        load_suite(BAD / "duplicate_key.yml")
    assert str(info.value) == (
        f"{BAD / 'duplicate_key.yml'}:5:5: duplicate key 'scorer' (first written at line 4)"
    )


def test_schema_type_error() -> None:
    message = one_at(errors_of(BAD / "several.yml"), 19, 13)
    assert message == 'epochs: expected an integer or a mapping, got the text "many"'


def test_schema_bound_error() -> None:
    assert one_at(errors_of(BAD / "several.yml"), 20, 24) == "messages: must be at least 1, got 0"


def test_unknown_key_with_suggestion() -> None:
    errors = errors_of(BAD / "several.yml")
    assert one_at(errors, 3, 1) == (
        "unknown key 'descripton' in the suite (did you mean 'description'?)"
    )
    assert one_at(errors, 7, 3) == (
        "unknown key 'temprature' in config (did you mean 'temperature'?)"
    )


def test_unknown_key_without_close_match_lists_keys_and_x_keys_are_free(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "x-owner: me\n"
        "tasks:\n"
        "  - dataset: {example: theory_of_mind, x-note: fine}\n"
        "    zzz: 1\n"
    ))
    message = one_at(errors_of(path), 4, 5)
    assert message.startswith(
        "unknown key 'zzz' in task 1 (known keys: approval, compaction, config, dataset,")
    assert "x-... keys are free for your own use" in message


def test_unknown_component_name_with_suggestion() -> None:
    message = one_at(errors_of(BAD / "several.yml"), 14, 9)
    assert message == "'shoutt' is not defined in components.py (did you mean 'shout'?)"


def test_unknown_builtin_name_with_suggestion(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    plan: [generat]\n"
        "    scorer:\n"
        "      includs: {ignore_case: true}\n"
        "    metrics: [acuracy]\n"
    ))
    errors = errors_of(path)
    assert one_at(errors, 3, 12) == "unknown solver 'generat' (did you mean 'generate'?)"
    assert one_at(errors, 5, 7).startswith("unknown scorer 'includs' (did you mean 'includes'")
    assert one_at(errors, 6, 15).startswith("unknown metric 'acuracy' (did you mean 'accuracy'")


def test_bad_arguments() -> None:
    errors = errors_of(BAD / "several.yml")
    assert one_at(errors, 15, 40) == (
        "argument 'shuffle' of solver 'components.py@picky': expected true or false, "
        'got the text "yes"'
    )
    assert one_at(errors, 15, 47) == (
        "unknown argument 'sede' of solver 'components.py@picky' "
        "(did you mean 'seed'? arguments: shuffle, seed, label)"
    )
    assert one_at(errors, 16, 9) == (
        "solver 'components.py@needs' needs the argument 'required' (arguments: required, tags)"
    )


def test_single_value_for_a_component_without_arguments(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    metrics:\n"
        "      - components.py@count: 3\n"
    ))
    assert one_at(errors_of(path), 4, 30) == (
        "metric 'components.py@count' takes no single value; give keyword arguments "
        "(arguments: none)"
    )


def test_lists_convert_to_tuples_but_text_never_becomes_a_number(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    plan:\n"
        "      - components.py@needs: {required: ok, tags: [a, b]}\n"
        "      - components.py@shout: {times: '3'}\n"
    ))
    errors = errors_of(path)
    assert len(errors) == 1
    assert one_at(errors, 5, 38) == (
        "argument 'times' of solver 'components.py@shout': expected int, got the text \"3\""
    )


def test_unknown_override_lists_known_params() -> None:
    errors = errors_of(BAD / "templates.yml", {"tones": "x", "other": "y"})
    # Both are located at the suite's `params` key.
    messages = [m for (line, col, m) in errors if (line, col) == (1, 1)]
    assert messages == [
        "-T tones: unknown param (did you mean 'tone'? known params: tone)",
        "-T other: unknown param (known params: tone)",
    ]


def test_unknown_override_in_a_suite_without_params(tmp_path: Path) -> None:
    path = suite(tmp_path, "tasks:\n  - dataset: {example: theory_of_mind}\n")
    assert errors_of(path, {"n": "1"}) == [(1, 1, "-T n: unknown param (this suite has no params)")]


def test_yaml11_bool_is_an_error_where_text_is_expected() -> None:
    errors = errors_of(BAD / "yaml11.yml")
    assert one_at(errors, 2, 8) == (
        "model: expected text or a list, got the boolean false; YAML reads the plain word no "
        "as the boolean false: write it in quotes ('no') for text"
    )
    assert one_at(errors, 12, 38).startswith(
        "argument 'label' of solver 'components.py@picky': expected str, got the boolean false; "
        "YAML reads the plain word off"
    )
    assert one_at(errors, 12, 38).endswith("write it in quotes ('off') for text")


def test_yaml11_bool_warns_where_a_bool_fits() -> None:
    with pytest.raises(SpecErrors) as info:
        load_suite(BAD / "yaml11.yml", env={})
    warnings = located([e for e in info.value.errors if e.severity == "warning"])
    assert [(line, col) for line, col, _ in warnings] == [(4, 13), (8, 16), (11, 13), (13, 20)]
    assert warnings[0][2] == (
        "'yes' is read as a boolean (YAML 1.1): write true or false, or 'yes' in quotes for text"
    )
    assert "1:30" in warnings[3][2] and "base-60" in warnings[3][2]
    assert str(info.value.errors[1]).endswith(":4:13: warning: " + warnings[0][2])


def test_yaml11_bool_in_a_sample_target() -> None:
    message = one_at(errors_of(BAD / "several.yml"), 12, 47)
    assert message == (
        "target: expected text, a number or a list, got the boolean true; YAML reads the "
        "plain word yes as the boolean true: write it in quotes ('yes') for text"
    )


def test_number_where_text_is_expected_says_to_quote() -> None:
    message = one_at(errors_of(BAD / "several.yml"), 2, 7)
    assert message == (
        'name: expected text, got the number 1.1; write it in quotes ("1.10") to keep it as text'
    )


def test_sample_text_that_a_number_would_change(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "tasks:\n"
        "  - dataset:\n"
        "      samples:\n"
        "        - {input: What is 2+2?, target: 4}\n"
        "        - {input: Which version?, target: 1.10, id: 007}\n"
    ))
    errors = errors_of(path)
    assert [(line, col) for line, col, _ in errors] == [(5, 43), (5, 53)]
    assert errors[0][2] == (
        'target: 1.10 is read as the number 1.1; write it in quotes ("1.10") to keep it as text'
    )


def test_bad_interpolation_expressions() -> None:
    errors = errors_of(BAD / "interpolation.yml")
    assert one_at(errors, 3, 8) == (
        "${{ env.EVALRUNNER_TEST_KEY }}: environment variable 'EVALRUNNER_TEST_KEY' is not set"
    )
    assert one_at(errors, 7, 30) == "bad expression ${{ params. }}: expected name or number"
    assert one_at(errors, 8, 33) == (
        "cannot evaluate ${{ nope.x }}: 'nope' is undefined "
        "(names available: params, env, suite, model)"
    )
    assert one_at(errors, 9, 39) == (
        "${{ suite.nam }}: 'suite' has no 'nam' (it has: dir, file, name)"
    )
    assert one_at(errors, 10, 13) == (
        "epochs: expected an integer or a mapping, got the text \"aaa\" from ${{ params.n * 'a' }}"
    )


def test_unknown_param_in_an_expression_suggests() -> None:
    message = one_at(errors_of(BAD / "several.yml"), 17, 30)
    assert message == (
        "${{ params.sytem }}: unknown param 'sytem' (did you mean 'system'? known params: system)"
    )


def test_values_from_the_environment_are_never_echoed(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    epochs: ${{ env.SECRET_TOKEN }}\n"
    ))
    errors = errors_of(path, env={"SECRET_TOKEN": "sk-very-secret"})
    assert errors == [(3, 13, "epochs: expected an integer or a mapping, got text from "
                              "${{ env.SECRET_TOKEN }}")]


def test_duplicate_key() -> None:
    assert errors_of(BAD / "duplicate_key.yml") == [
        (5, 5, "duplicate key 'scorer' (first written at line 4)")
    ]


def test_template_syntax_errors() -> None:
    task = load_suite(BAD / "templates.yml").tasks[0]
    errors = located(check_templates(task, {"topic"}))
    assert one_at(errors, 8, 34) == (
        "template syntax error in argument 'template' of solver 'components.py@templated': "
        "unexpected end of template, expected 'end of print statement'."
    )
    message = one_at(errors, 9, 34)
    assert message.startswith("template syntax error in argument 'template' of solver "
                              "'components.py@templated' (")
    assert message.endswith("templates/broken.txt:3): unexpected '}'")


def test_undefined_template_variables() -> None:
    task = load_suite(BAD / "templates.yml").tasks[0]
    errors = located(check_templates(task, {"topic"}))
    undefined = [m for (line, col, m) in errors if (line, col) == (10, 34)]
    assert undefined == [
        "template of argument 'template' of solver 'components.py@templated' uses undefined "
        "variable 'questoin' (available: choices, critique, input, metadata, params, prompt, "
        "store, target, tone, topic)",
        "template of argument 'template' of solver 'components.py@templated' reads "
        "params.mood, which is not a param (params: tone)",
    ]
    assert one_at(errors, 11, 34).endswith("template file 'missing.txt' not found (looked beside "
                                           "the suite, in templates/ folders up to the project "
                                           "root, and among the built-in templates)")
    # The keyword form is checked at the argument's own position; `topic` is a dataset field.
    assert [(line, col) for line, col, _ in errors] == [(8, 34), (9, 34), (10, 34), (10, 34),
                                                        (11, 34)]


def test_unknown_dataset_fields_skip_the_bare_name_check() -> None:
    task = load_suite(BAD / "templates.yml").tasks[0]
    errors = located(check_templates(task, None))
    assert [m for (_, _, m) in errors if "questoin" in m or "topic" in m] == []
    assert any("params.mood" in m for (_, _, m) in errors)  # params are always known


def test_builtin_template_argument_is_checked(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "params: {tone: calm}\n"
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    plan:\n"
        "      - system_message: 'Stay {{ tone }} and {{ mood }}.'\n"
        "      - generate\n"
    ))
    task = load_suite(path).tasks[0]
    assert located(check_templates(task, set())) == [(
        5, 25,
        "template of argument 'template' of solver 'system_message' uses undefined variable "
        "'mood' (available: choices, input, metadata, params, prompt, store, target, tone)",
    )]


def test_templates_inside_nested_steps_are_checked(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    plan:\n"
        "      - chain:\n"
        "          - system_message: 'Be {{ mood }}.'\n"
        "          - generate\n"
    ))
    task = load_suite(path).tasks[0]
    [(line, column, message)] = located(check_templates(task, set()))
    assert (line, column) == (5, 29)
    assert "undefined variable 'mood'" in message


def test_several_errors_at_once_in_file_order() -> None:
    errors = errors_of(BAD / "several.yml")
    assert [(line, col) for line, col, _ in errors] == [
        (2, 7), (3, 1), (7, 3), (12, 47), (14, 9), (15, 40), (15, 47), (16, 9), (17, 30),
        (19, 13), (20, 24),
    ]


def test_yaml_syntax_error_hints_at_quoting_expressions_in_flow_style(tmp_path: Path) -> None:
    path = suite(tmp_path, (
        "params: {n: 2}\n"
        "tasks:\n"
        "  - dataset: {example: theory_of_mind}\n"
        "    epochs: {count: ${{ params.n }}}\n"
    ))
    [(line, _, message)] = errors_of(path)
    assert line == 4
    assert message.startswith("YAML syntax: ")
    assert message.endswith('(inside { } or [ ], write "${{ ... }}" in quotes)')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", [(1, 1, "a suite file is a mapping with a 'tasks' list")]),
        ("name: x\n", [(1, 1, "the suite: missing required key 'tasks'")]),
        ("tasks: []\n", [(1, 8, "tasks: must not be empty")]),
        (
            "tasks:\n  - dataset: {example: theory_of_mind}\n  - dataset: {example: x}\n",
            [(2, 5, "task 1 needs a name: this suite has 2 tasks"),
             (3, 5, "task 2 needs a name: this suite has 2 tasks")],
        ),
        (
            "tasks:\n  - {name: a, dataset: {example: e}}\n  - {name: a, dataset: {example: e}}\n",
            [(3, 12, "task name 'a' is already used by task 1")],
        ),
        (
            "tasks:\n  - name: has space\n    dataset: {example: e}\n",
            [(2, 11, "name: \"has space\" is not a valid name: use letters, digits, '_', '.' "
                     "and '-'")],
        ),
        (
            "tasks:\n  - dataset: {example: e, samples: []}\n",
            [(2, 27, "dataset has both 'example' and 'samples': give one")],
        ),
        ("tasks:\n  - dataset: {shuffle: true}\n", [
            (2, 14, "dataset needs one of: path, hf, samples, example"),
        ]),
        (
            "tasks:\n  - dataset: {example: e}\n    plan:\n      - components.py@picky:\n"
            "        shuffle: true\n",
            [(5, 9, "'shuffle' looks like an argument of 'components.py@picky': indent it under "
                    "'components.py@picky' (one entry names one component)")],
        ),
        (
            "tasks:\n  - dataset: {example: e}\n    plan:\n      - {if: true}\n",
            [(4, 9, "this entry names no component: write `- name` or `- name: arguments`")],
        ),
        (
            "tasks:\n  - dataset: {example: e}\n    scorer: {components.py@exact: {}, if: maybe}\n",
            [(3, 43, 'if: expected true or false, got the text "maybe"')],
        ),
        (
            "params: {bad-name: 1}\ntasks:\n  - dataset: {example: e}\n",
            [(1, 10, "'bad-name' is not a valid name here: use letters, digits and '_'")],
        ),
        (
            "tasks:\n  - dataset: {example: e}\n"
            "    epochs: {count: 2, reducer: [mean, componets.py@first]}\n",
            [(3, 40, "file 'componets.py' not found (from componets.py@first)")],
        ),
        ("tasks: !include other.yml\n", [(1, 8, "unsupported YAML tag '!include'")]),
        (
            "tasks:\n  - dataset: {example: e}\n    plan: [components.py@picky: {label: 1.10}]\n",
            [(3, 41, "argument 'label' of solver 'components.py@picky': expected str, got the "
                     'number 1.1; write it in quotes ("1.10") to keep it as text')],
        ),
        (
            "tasks:\n  - dataset: {example: e}\n"
            "    plan: [components.py@shout: {times: 2, if: false}]\n",
            [(3, 44, "'if:' goes beside 'components.py@shout', not among its arguments")],
        ),
    ],
)
def test_structure_errors(tmp_path: Path, text: str, expected: list[tuple[int, int, str]]) -> None:
    assert errors_of(suite(tmp_path, text)) == expected


def test_an_unknown_limit_is_a_located_error_not_a_traceback(tmp_path: Path) -> None:
    # Found by bench/fuzz_suites.py: the limits were merged before the schema error stopped
    # the load, and an unknown name raised TypeError.
    suite = write(tmp_path / "s.yml", (
        "name: t\nmodel: mockllm/model\nlimits: {metrics: 3}\ntasks:\n  - name: a\n"
        "    dataset:\n      samples: [{input: hi, target: hi}]\n    plan: [generate]\n"
        "    scorer: match\n"))
    with pytest.raises(SpecErrors) as info:
        load_suite(suite, {})
    (error,) = info.value.errors
    assert str(error).startswith(f"{suite}:3:10: unknown key 'metrics' in limits")
