"""Structured output: telling a model the schema when its API cannot, and checking replies."""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator

from ._chat import ChatMessageBase, ChatMessageSystem
from ._config import ResponseSchema
from ._output import ModelOutput

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def with_schema_instruction(messages: list[ChatMessageBase], schema: ResponseSchema
                            ) -> list[ChatMessageBase]:
    """The messages with a system message asking for JSON matching the schema."""
    text = ("Reply with a single JSON value, and nothing else, that matches this JSON Schema"
            f" ({schema.name}):\n{json.dumps(schema.json_schema)}")
    return [ChatMessageSystem(content=text), *messages]


def check_reply(output: ModelOutput, schema: ResponseSchema) -> None:
    """Set `output.error` when the reply is not JSON matching the schema (a tool call is left)."""
    if not output.choices or output.message.tool_calls or output.error:
        return
    problem = reply_problem(output.completion, schema.json_schema)
    if problem is not None:
        output.error = f"the reply does not match response_schema '{schema.name}': {problem}"


def reply_problem(text: str, schema: dict[str, Any]) -> str | None:
    """What is wrong with `text` as JSON for `schema`, or None (a ```json fence is allowed)."""
    fenced = _FENCE.match(text)
    try:
        value = json.loads(fenced[1] if fenced else text)
    except json.JSONDecodeError as ex:
        return f"not JSON ({ex})"
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))
    if not errors:
        return None
    first = errors[0]
    where = "/".join(str(p) for p in first.path)
    return f"{where}: {first.message}" if where else first.message
