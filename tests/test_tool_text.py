"""Tool calls that local models write as text, in each chat template's format."""

from __future__ import annotations

from evalrunner.model.providers._tool_text import parse_tool_calls

TOOLS = {"add", "lookup"}


def test_hermes_tags_one_call_each() -> None:
    text = ('Let me compute.\n<tool_call>\n{"name": "add", "arguments": {"x": 1, "y": 2}}\n'
            '</tool_call>\n<tool_call>{"name": "lookup", "arguments": {"word": "hi"}}</tool_call>')
    rest, calls = parse_tool_calls(text, TOOLS)
    assert rest == "Let me compute."
    assert [(c.function, c.arguments, c.id) for c in calls] == [
        ("add", {"x": 1, "y": 2}, "call_0"), ("lookup", {"word": "hi"}, "call_1")]


def test_a_list_inside_one_tag_and_an_unclosed_tag() -> None:
    rest, calls = parse_tool_calls(
        '<tool_call>[{"name": "add", "arguments": {"x": 1, "y": 1}}]', TOOLS)
    assert rest == "" and [c.function for c in calls] == ["add"]


def test_mistral_and_llama_formats() -> None:
    _, calls = parse_tool_calls('[TOOL_CALLS] [{"name": "lookup", "arguments": {"word": "a"}}]',
                                TOOLS)
    assert [(c.function, c.arguments) for c in calls] == [("lookup", {"word": "a"})]
    _, calls = parse_tool_calls('{"name": "add", "parameters": {"x": 2, "y": 3}}', TOOLS)
    assert [(c.function, c.arguments) for c in calls] == [("add", {"x": 2, "y": 3})]


def test_arguments_as_a_json_string_or_not_an_object() -> None:
    _, [call] = parse_tool_calls(
        '<tool_call>{"name": "add", "arguments": "{\\"x\\": 4}"}</tool_call>', TOOLS)
    assert call.arguments == {"x": 4} and call.parse_error is None
    _, [bad] = parse_tool_calls('<tool_call>{"name": "add", "arguments": [1]}</tool_call>', TOOLS)
    assert bad.arguments == {} and bad.parse_error is not None


def test_prose_and_unknown_names_stay_text() -> None:
    for text in ('The answer is {"name": "add"} as JSON.', '{"name": "delete", "arguments": {}}',
                 "<tool_call>not json</tool_call>", "Plain answer: 42."):
        rest, calls = parse_tool_calls(text, TOOLS)
        assert (rest, calls) == (text, [])
