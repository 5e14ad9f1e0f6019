"""Agents of the bridge tests: tool-calling loops on the official `openai` and `anthropic`
SDKs (async clients: the endpoint runs on the same event loop), run by `bridge: agent:`.

Each asks its model, runs the `calc` tool it is told to call, sends the result back and
returns the final text, non-streaming or streaming as the sample's metadata says.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai

CALC = {"name": "calc", "description": "Evaluate an arithmetic expression.",
        "parameters": {"type": "object", "properties": {"expr": {"type": "string"}},
                       "required": ["expr"]}}


def calc(arguments: Any) -> str:
    expr = (json.loads(arguments) if isinstance(arguments, str) else arguments)["expr"]
    return str(eval(expr, {"__builtins__": {}})) if set(expr) <= set("0123456789+-*/ ()") \
        else "bad expression"


async def responses(sample: dict[str, Any]) -> dict[str, Any]:
    client = openai.AsyncOpenAI(base_url=sample["base_url"], api_key=sample["api_key"])
    stream = sample["metadata"].get("stream", False)
    items: list[Any] = [{"role": "user", "content": sample["input_text"]}]
    tools = [{"type": "function", **CALC}]
    for _ in range(5):
        if stream:
            async with client.responses.stream(model="gpt-5", input=items, tools=tools,
                                               instructions="Be brief.", store=False) as s:
                deltas = [e.delta async for e in s if e.type == "response.output_text.delta"]
                response = await s.get_final_response()
            assert "".join(deltas) == response.output_text
        else:
            response = await client.responses.create(model="gpt-5", input=items, tools=tools,
                                                     instructions="Be brief.", store=False)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return {"output": response.output_text,
                    "store": {"usage": response.usage.model_dump() if response.usage else {}}}
        for call in calls:
            items.append({"type": "function_call", "call_id": call.call_id,
                          "name": call.name, "arguments": call.arguments})
            items.append({"type": "function_call_output", "call_id": call.call_id,
                          "output": calc(call.arguments)})
    raise RuntimeError("too many turns")


async def messages(sample: dict[str, Any]) -> dict[str, Any]:
    client = anthropic.AsyncAnthropic(base_url=sample["base_url"].removesuffix("/v1"),
                                      api_key=sample["api_key"])
    stream = sample["metadata"].get("stream", False)
    history: list[Any] = [{"role": "user", "content": sample["input_text"]}]
    tools = [{"name": CALC["name"], "description": CALC["description"],
              "input_schema": CALC["parameters"]}]
    for _ in range(5):
        args = {"model": "claude-sonnet-4-5", "max_tokens": 256, "system": "Be brief.",
                "messages": history, "tools": tools}
        if stream:
            async with client.messages.stream(**args) as s:  # type: ignore[arg-type]
                text = "".join([t async for t in s.text_stream])
                message = await s.get_final_message()
            assert text == "".join(b.text for b in message.content if b.type == "text")
        else:
            message = await client.messages.create(**args)  # type: ignore[arg-type]
        history.append({"role": "assistant", "content": [b.model_dump() for b in message.content]})
        uses = [b for b in message.content if b.type == "tool_use"]
        if not uses:
            text = "".join(b.text for b in message.content if b.type == "text")
            return {"output": text, "store": {"usage": message.usage.model_dump(),
                                              "stop": message.stop_reason}}
        history.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": u.id, "content": calc(u.input)}
            for u in uses]})
    raise RuntimeError("too many turns")


async def chat(sample: dict[str, Any]) -> dict[str, Any]:
    client = openai.AsyncOpenAI(base_url=sample["base_url"], api_key=sample["api_key"])
    stream = sample["metadata"].get("stream", False)
    history: list[Any] = [{"role": "user", "content": sample["input_text"]}]
    tools = [{"type": "function", "function": CALC}]
    for _ in range(5):
        if stream:
            async with client.chat.completions.stream(model="gpt-4o", messages=history,
                                                      tools=tools) as s:  # type: ignore[arg-type]
                async for _event in s:
                    pass
                message = (await s.get_final_completion()).choices[0].message
        else:
            done = await client.chat.completions.create(model="gpt-4o", messages=history,
                                                        tools=tools)  # type: ignore[arg-type]
            message = done.choices[0].message
        history.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            return {"output": message.content or ""}
        for call in message.tool_calls:
            history.append({"role": "tool", "tool_call_id": call.id,
                            "content": calc(call.function.arguments)})  # type: ignore[union-attr]
    raise RuntimeError("too many turns")
