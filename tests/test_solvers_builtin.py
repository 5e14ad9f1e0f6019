"""Built-in solvers: messages after each step, templates rendered per sample, early errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.model._chat import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser
from evalrunner.registry import resolve
from evalrunner.solvers import TaskState
from evalrunner.solvers._params import task_params
from evalrunner.solvers.builtin._vars import template_variables
from evalrunner.template import builtin_template, template_search
from tests.conftest import write


def make(name: str, *args: Any, **kwargs: Any) -> Any:
    """A built-in solver made through the registry, as a suite would make it."""
    return resolve("solver", name).obj(*args, **kwargs)


def state(
    input: str | list[Any] = "What is 2+2?",
    target: str | list[str] = "4",
    metadata: dict[str, Any] | None = None,
    choices: list[str] | None = None,
) -> TaskState:
    return TaskState("mockllm/model", 1, 1, input, target=target, choices=choices,
                     metadata=metadata)


async def no_generate(state: TaskState, tool_calls: str = "loop", **config: Any) -> TaskState:
    raise AssertionError("a prompt solver must not call generate")


@pytest.fixture
def params() -> Iterator[None]:
    token = task_params.set({"level": "expert", "tone": "dry"})
    yield
    task_params.reset(token)


def roles(s: TaskState) -> list[str]:
    return [m.role for m in s.messages]  # type: ignore[attr-defined]


async def test_system_message_goes_after_the_leading_system_messages() -> None:
    s = state([{"role": "system", "content": "first"}, {"role": "user", "content": "Q"},
               {"role": "system", "content": "late"}])
    s = await make("system_message", "second")(s, no_generate)
    assert roles(s) == ["system", "system", "user", "system"]
    assert [m.text for m in s.messages[:2]] == ["first", "second"]


async def test_system_message_without_system_messages_goes_first() -> None:
    s = await make("system_message", "Be brief.")(state(), no_generate)
    assert isinstance(s.messages[0], ChatMessageSystem)
    assert s.messages[0].text == "Be brief."
    assert s.messages[1].text == "What is 2+2?"


async def test_template_variables_rendered_per_sample(params: None) -> None:
    solve = make(
        "system_message",
        "{{ topic }} for an {{ params.level }} ({{ tone }}), {{ who }}: {{ input }}"
        " -> {{ target }}",
        who="you",
    )
    one = await solve(state(metadata={"topic": "Sums"}), no_generate)
    two = await solve(state("3*3?", "9", metadata={"topic": "Products"}), no_generate)
    assert one.messages[0].text == "Sums for an expert (dry), you: What is 2+2? -> 4"
    assert two.messages[0].text == "Products for an expert (dry), you: 3*3? -> 9"


async def test_json_braces_in_a_template_survive() -> None:
    template = 'Reply with JSON only: {"answer": "{{ target }}", "n": {"x": 1}}'
    s = await make("user_message", template)(state(), no_generate)
    assert s.messages[-1].text == 'Reply with JSON only: {"answer": "4", "n": {"x": 1}}'


async def test_metadata_key_named_text_is_a_variable() -> None:
    s = await make("user_message", "passage: {{ text }}")(
        state(metadata={"text": "Once upon a time"}), no_generate
    )
    assert s.messages[-1].text == "passage: Once upon a time"


def test_precedence_of_variables(params: None) -> None:
    s = state(metadata={"tone": "warm", "input": "shadowed"}, choices=["a", "b"])
    s.store["k"] = 1
    variables = template_variables(s, level="novice")
    assert variables["tone"] == "warm"  # sample metadata over a task param
    assert variables["level"] == "novice"  # a component's own variable over a task param
    assert variables["input"] == "What is 2+2?"  # common names are never shadowed by metadata
    assert variables["params"] == {"level": "expert", "tone": "dry"}
    assert variables["choices"] == ["a", "b"]
    assert variables["store"] == {"k": 1}
    assert variables["prompt"] == "What is 2+2?"


async def test_template_files_found_beside_the_suite_and_in_templates(tmp_path: Path) -> None:
    write(tmp_path / "sys.txt", "You know {{ topic }}.\n")
    write(tmp_path / "templates" / "ask.j2", "Please answer: {{ prompt }}\n")
    with template_search(tmp_path):
        system = make("system_message", "sys.txt")
        rewrite = make("prompt_template", "ask.j2")
    s = await system(state(metadata={"topic": "sums"}), no_generate)
    s = await rewrite(s, no_generate)
    assert [m.text for m in s.messages] == ["You know sums.", "Please answer: What is 2+2?"]


def test_missing_template_file_fails_when_the_plan_is_made(tmp_path: Path) -> None:
    with template_search(tmp_path), pytest.raises(ValueError, match=r"'devops\.txt' not found"):
        make("system_message", "devops.txt")


def test_template_syntax_error_fails_when_the_plan_is_made(tmp_path: Path) -> None:
    write(tmp_path / "bad.j2", "line one\n{% if x %}never closed\n")
    with template_search(tmp_path), pytest.raises(ValueError, match=r"bad\.j2:\d+: "):
        make("user_message", "bad.j2")


async def test_undefined_variable_is_an_error_naming_the_template() -> None:
    solve = make("assistant_message", "Hello {{ nobody }}")
    with pytest.raises(ValueError, match="inline template: 'nobody' is undefined"):
        await solve(state(), no_generate)


async def test_user_and_assistant_messages_append() -> None:
    s = await make("assistant_message", "Sure, {{ input | lower }}")(state("Go ON"), no_generate)
    s = await make("user_message", "Continue.")(s, no_generate)
    assert roles(s) == ["user", "assistant", "user"]
    assert isinstance(s.messages[1], ChatMessageAssistant)
    assert isinstance(s.messages[2], ChatMessageUser)
    assert [m.text for m in s.messages] == ["Go ON", "Sure, go on", "Continue."]


async def test_prompt_template_rewrites_the_first_user_prompt() -> None:
    s = state([{"role": "system", "content": "sys"}, {"role": "user", "content": "Q1"},
               {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"}])
    s = await make("prompt_template", "[{{ style }}] {{ prompt }}", style="terse")(s, no_generate)
    assert [m.text for m in s.messages] == ["sys", "[terse] Q1", "A1", "Q2"]


async def test_prompt_template_without_a_user_message_changes_nothing() -> None:
    s = state([{"role": "system", "content": "only system"}])
    s = await make("prompt_template", "X {{ prompt }}")(s, no_generate)
    assert [m.text for m in s.messages] == ["only system"]


async def test_chain_of_thought_default_template() -> None:
    s = await make("chain_of_thought")(state(), no_generate)
    text = s.user_prompt.text
    assert text.startswith("What is 2+2?\n")
    assert "step by step" in text
    assert "ANSWER: $ANSWER" in text
    assert len(s.messages) == 1


async def test_chain_of_thought_custom_template() -> None:
    s = await make("chain_of_thought", "Think. {{ prompt }}")(state(), no_generate)
    assert s.user_prompt.text == "Think. What is 2+2?"


async def test_generate_passes_tool_calls_and_config() -> None:
    calls: list[dict[str, Any]] = []

    async def fake(state: TaskState, tool_calls: str = "loop", **config: Any) -> TaskState:
        calls.append({"tool_calls": tool_calls, **config})
        state.messages.append(ChatMessageAssistant(content="4"))
        return state

    s = await make("generate")(state(), fake)
    s = await make("generate", "single", temperature=0.5, max_tokens=10)(s, fake)
    assert calls == [
        {"tool_calls": "loop"},
        {"tool_calls": "single", "temperature": 0.5, "max_tokens": 10},
    ]
    assert roles(s) == ["user", "assistant", "assistant"]


def test_generate_rejects_bad_arguments_when_the_plan_is_made() -> None:
    with pytest.raises(ValueError, match="tool_calls must be one of loop, single, none"):
        make("generate", "always")
    with pytest.raises(ValueError, match="temprature"):
        make("generate", temprature=0.1)
    with pytest.raises(ValueError, match="max_tokens"):
        make("generate", max_tokens="many")


def test_registry_metadata_and_logged_arguments() -> None:
    for name in ("system_message", "user_message", "assistant_message", "prompt_template",
                 "chain_of_thought"):
        info = resolve("solver", name)
        assert info.metadata["template_args"] == ("template",)
        assert info.metadata["template_vars"] == ()
    assert resolve("solver", "generate").metadata["template_args"] == ()
    made = make("system_message", "Hi {{ who }}", who="there")
    assert made.__registry_name__ == "system_message"
    assert made.__registry_args__ == {"template": "Hi {{ who }}", "params": {"who": "there"}}


def test_builtin_templates_render_with_their_variables() -> None:
    qa = builtin_template("model_graded_qa.j2").render(question="Q?", answer="A.", criterion="C.")
    assert "[Task]: Q?" in qa and "[Submission]: A." in qa and "GRADE: C" in qa
    fact = builtin_template("model_graded_fact.j2").render(
        question="Q?", answer="A.", criterion="C.", instructions="Reply GRADE: C or I."
    )
    assert "[Expert]: C." in fact and fact.rstrip().endswith("Reply GRADE: C or I.")
    critique = builtin_template("self_critique.j2").render(question="Q?", completion="A.")
    assert "[Answer]: A." in critique
    better = builtin_template("self_critique_completion.j2").render(
        question="Q?", completion="A.", critique="Too short."
    )
    assert "[Critique]: Too short." in better and "ANSWER: $ANSWER" in better
    single = builtin_template("multiple_choice.j2").render(question="Pick", choices=["x", "y"])
    assert "one of A,B" in single and single.rstrip().endswith("Pick\n\nA) x\nB) y")
    multi = builtin_template("multiple_choice_multi.j2").render(
        prompt="Pick", choices="A) x\nB) y\nC) z", letters="A,B,C", cot=True
    )
    assert "from A,B,C" in multi and "step by step" in multi and "C) z" in multi
