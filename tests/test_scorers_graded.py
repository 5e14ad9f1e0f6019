"""model_graded_qa / model_graded_fact against a scripted grader on a local server, and f1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from evalrunner.model._chat import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ToolCall,
)
from evalrunner.model._get import close_models, get_model, model_context
from evalrunner.registry import registry_name_of, resolve
from evalrunner.scorers import Score, scorer_metrics
from evalrunner.scorers.builtin._graded import grade_regex, read_grade
from evalrunner.solvers import TaskState
from tests.servers.openai_server import ServerHandle, start_openai_server

# What each grader model (by the name the server sees) replies.
REPLIES: dict[str, str] = {}


def _grader(body: dict[str, Any]) -> str:
    return REPLIES.get(body["model"], "GRADE: C")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerHandle]:
    REPLIES.clear()
    with start_openai_server(responder=_grader) as handle:
        monkeypatch.setenv("TEST_BASE_URL", handle.url)
        monkeypatch.setenv("TEST_API_KEY", "test-key")
        yield handle


def make(name: str, **kwargs: Any) -> Any:
    return resolve("scorer", name).obj(**kwargs)


def state_for(completion: str, target: str = "Paris", question: str = "Capital of France?",
              metadata: dict[str, Any] | None = None) -> TaskState:
    state = TaskState("openai-api/test/subject", 1, 1, question, target=target,
                      metadata=metadata)
    state.output.completion = completion
    return state


async def grade(scorer: Any, state: TaskState, roles: dict[str, str] | None = None) -> Score:
    evaluated = get_model("openai-api/test/subject")
    bound = {r: get_model(m) for r, m in (roles or {}).items()}
    try:
        with model_context(evaluated, bound):
            result: Score = await scorer(state, state.target)
            return result
    finally:
        await close_models()


def test_read_grade_takes_the_last_grade_and_respects_partial_credit() -> None:
    plain, partial = grade_regex(None, False), grade_regex(None, True)
    reply = "The format is 'GRADE: $LETTER'. It says Paris... GRADE: I\nOn reflection GRADE: C"
    assert read_grade(reply, plain, False) == "C"
    assert read_grade("grade: **c**", plain, False) == "C"
    assert read_grade("GRADE: P", partial, True) == "P"
    assert read_grade("GRADE: P", plain, False) is None  # P is not a grade without credit
    assert read_grade("no verdict here", plain, False) is None
    custom = grade_regex(r"SCORE=(\d+(?:\.\d+)?)", False)
    assert read_grade("SCORE=0.75", custom, False) == 0.75
    with pytest.raises(ValueError, match="invalid grade_pattern"):
        grade_regex("(", False)


async def test_qa_grades_with_the_evaluated_model_by_default(server: ServerHandle) -> None:
    REPLIES["subject"] = "The submission names Paris.\nGRADE: C"
    score = await grade(make("model_graded_qa"), state_for("It is Paris."))
    assert score.value == "C" and score.answer == "It is Paris."
    assert score.explanation == "The submission names Paris.\nGRADE: C"
    [exchange] = score.metadata["grading"]  # type: ignore[index]
    assert exchange["model"] == "openai-api/test/subject" and exchange["grade"] == "C"
    prompt = exchange["messages"][0]["content"]
    assert "[Task]: Capital of France?" in prompt and "[Submission]: It is Paris." in prompt
    assert "[Criterion]: Paris" in prompt and "GRADE: C" in prompt and "P if" not in prompt
    assert exchange["messages"][1]["content"] == "The submission names Paris.\nGRADE: C"
    [request] = server.requests
    assert request.body["messages"][0]["content"] == prompt


async def test_fact_uses_a_role_and_its_template(server: ServerHandle) -> None:
    REPLIES["judge"] = "GRADE: I"
    score = await grade(make("model_graded_fact", model="grader"), state_for("Lyon"),
                        roles={"grader": "openai-api/test/judge"})
    assert score.value == "I"
    assert [r.body["model"] for r in server.requests] == ["judge"]
    assert "[Expert]: Paris" in server.requests[0].body["messages"][0]["content"]


async def test_a_bound_grader_role_grades_without_being_named(server: ServerHandle) -> None:
    REPLIES.update({"judge": "GRADE: I", "subject": "GRADE: C"})
    score = await grade(make("model_graded_qa"), state_for("Lyon"),
                        roles={"grader": "openai-api/test/judge"})
    assert score.value == "I"
    assert [r.body["model"] for r in server.requests] == ["judge"]


async def test_model_role_names_the_grading_role(server: ServerHandle) -> None:
    REPLIES.update({"critic": "GRADE: I", "judge": "GRADE: C"})
    roles = {"grader": "openai-api/test/judge", "critic": "openai-api/test/critic"}
    score = await grade(make("model_graded_fact", model_role="critic"), state_for("Lyon"),
                        roles=roles)
    assert score.value == "I" and [r.body["model"] for r in server.requests] == ["critic"]
    # An explicit model wins over the role; model_role null means the evaluated model.
    await grade(make("model_graded_fact", model="openai-api/test/other", model_role="critic"),
                state_for("Paris"), roles=roles)
    await grade(make("model_graded_fact", model_role=None), state_for("Paris"), roles=roles)
    assert [r.body["model"] for r in server.requests[1:]] == ["other", "subject"]


async def test_an_unbound_role_means_the_evaluated_model(server: ServerHandle) -> None:
    score = await grade(make("model_graded_qa", model_role="nobody"), state_for("Paris"))
    assert score.value == "C" and [r.body["model"] for r in server.requests] == ["subject"]
    with model_context(get_model("openai-api/test/subject"), {}):
        assert get_model(role="nobody").name == "openai-api/test/subject"
        assert get_model(role="nobody", default="openai-api/test/x").name == "openai-api/test/x"
    await close_models()


async def test_include_history_shows_the_conversation(server: ServerHandle) -> None:
    state = state_for("It is Paris.")
    state.messages = [
        ChatMessageSystem(content="Be brief."),
        ChatMessageUser(content="Capital of France?"),
        ChatMessageAssistant(content="Let me look.", tool_calls=[
            ToolCall(id="1", function="search", arguments={"q": "France"})]),
        ChatMessageTool(content="Paris is the capital.", function="search", tool_call_id="1"),
        ChatMessageAssistant(content="It is Paris."),
    ]
    await grade(make("model_graded_qa", include_history=True), state)
    await grade(make("model_graded_qa"), state)
    with_history, without = (r.body["messages"][0]["content"] for r in server.requests)
    assert ('User: Capital of France?\n\nAssistant: Let me look.\n\nsearch({"q": "France"})'
            '\n\nTool (search): Paris is the capital.\n') in with_history
    assert "Be brief" not in with_history and "Assistant: It is Paris" not in with_history
    assert "User:" not in without and "[Task]: Capital of France?" in without


async def test_partial_credit_instructions_and_pattern(server: ServerHandle) -> None:
    REPLIES["subject"] = "Half of it. VERDICT=P"
    scorer = make("model_graded_qa", partial_credit=True, instructions="Reply VERDICT=C, P or I.",
                  grade_pattern=r"VERDICT=([CPI])")
    score = await grade(scorer, state_for("Paris or Lyon"))
    assert score.value == "P" and score.as_float() == 0.5
    prompt = server.requests[0].body["messages"][0]["content"]
    assert prompt.rstrip().endswith("Reply VERDICT=C, P or I.")


async def test_default_partial_instructions_mention_p(server: ServerHandle) -> None:
    REPLIES["subject"] = "GRADE: P"
    score = await grade(make("model_graded_fact", partial_credit=True), state_for("Paris?"))
    assert score.value == "P"
    assert "P if it is partially correct" in server.requests[0].body["messages"][0]["content"]


async def test_custom_template_sees_metadata(server: ServerHandle) -> None:
    template = ("Q={{ question }} A={{ answer }} T={{ criterion }} topic={{ topic }}\n"
                "{{ instructions }}")
    scorer = make("model_graded_qa", template=template)
    await grade(scorer, state_for("Paris", metadata={"topic": "geo"}))
    prompt = server.requests[0].body["messages"][0]["content"]
    assert prompt.startswith("Q=Capital of France? A=Paris T=Paris topic=geo\n")


async def test_unparsable_grade_is_unscored_not_wrong(server: ServerHandle) -> None:
    REPLIES["subject"] = "I cannot decide."
    score = await grade(make("model_graded_qa"), state_for("Paris"))
    assert score.unscored and score.value is None
    assert score.metadata["grading"][0]["grade"] is None  # type: ignore[index]


async def test_several_graders_vote(server: ServerHandle) -> None:
    REPLIES.update({"a": "GRADE: I", "b": "GRADE: C", "c": "GRADE: C"})
    names = ["openai-api/test/a", "openai-api/test/b", "openai-api/test/c"]
    score = await grade(make("model_graded_qa", model=names), state_for("Paris"))
    assert score.value == "C"
    assert [g["grade"] for g in score.metadata["grading"]] == ["I", "C", "C"]  # type: ignore[index]
    assert sorted(r.body["model"] for r in server.requests) == ["a", "b", "c"]
    assert re.search(r"\[openai-api/test/a: I\]\nGRADE: I", score.explanation or "")


async def test_a_tie_goes_to_the_earliest_grader_and_no_grade_abstains(
    server: ServerHandle,
) -> None:
    REPLIES.update({"a": "hmm", "b": "GRADE: I", "c": "GRADE: C"})
    names = ["openai-api/test/a", "openai-api/test/b", "openai-api/test/c"]
    score = await grade(make("model_graded_qa", model=names), state_for("Paris"))
    assert score.value == "I" and not score.unscored


def test_graded_scorers_declare_their_template_and_metrics() -> None:
    for name in ("model_graded_qa", "model_graded_fact"):
        info = resolve("scorer", name)
        assert info.metadata["template_args"] == ("template",)
        assert {"question", "answer", "criterion", "instructions"} <= set(
            info.metadata["template_vars"]
        )
        assert [registry_name_of(m) for m in scorer_metrics(make(name))] == ["accuracy", "stderr"]
    with pytest.raises(ValueError, match="not found"):
        make("model_graded_qa", template="missing_grader.j2")


@pytest.mark.parametrize(
    ("completion", "target", "expected"),
    [
        ("The Eiffel Tower", "the eiffel tower", 1.0),
        # said: eiffel tower in paris (4 words), wanted: eiffel tower (2): p=2/4, r=1 -> 2/3
        ("Eiffel Tower in Paris", "Eiffel Tower", 2 / 3),
        ("nothing shared", "Eiffel Tower", 0.0),
        # best of several targets: "paris france" vs "paris": p=1/2 r=1 -> 2/3; vs "paris
        # france": 1.0
        ("Paris, France", ["Paris", "Paris France"], 1.0),
        # repeated words count once per occurrence: said x x y, wanted x y y: shared 2
        # (x once, y once): p=2/3, r=2/3 -> 2/3
        ("x x y", "x y y", 2 / 3),
        ("", "Paris", 0.0),
    ],
)
async def test_f1_by_hand(completion: str, target: str | list[str], expected: float) -> None:
    score = await make("f1")(state_for(completion, target=target), state_for("", target).target)
    assert score.value == pytest.approx(expected)
    assert score.explanation == completion
    assert [registry_name_of(m) for m in scorer_metrics(make("f1"))] == ["mean", "stderr"]
