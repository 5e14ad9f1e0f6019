"""An agent that knows nothing of evalrunner: it speaks the OpenAI Chat Completions API over
plain HTTP at $OPENAI_BASE_URL, runs its own `calc` tool, and prints its final answer."""

import json
import os
import sys
import urllib.request

TOOLS = [{"type": "function", "function": {
    "name": "calc", "description": "Evaluate an arithmetic expression.",
    "parameters": {"type": "object", "properties": {"expr": {"type": "string"}},
                   "required": ["expr"]}}}]


def chat(messages: list) -> dict:
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions",
        data=json.dumps({"model": "gpt-4o", "messages": messages, "tools": TOOLS}).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["choices"][0]["message"]


def main() -> None:
    sample = json.load(sys.stdin)
    messages = [{"role": "user", "content": sample["input_text"]}]
    for _ in range(10):
        reply = chat(messages)
        messages.append(reply)
        if not reply.get("tool_calls"):
            print(reply["content"])
            return
        for call in reply["tool_calls"]:
            expr = json.loads(call["function"]["arguments"])["expr"]
            allowed = set("0123456789+-*/() .")
            result = str(eval(expr)) if set(expr) <= allowed else "bad expression"
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})


if __name__ == "__main__":
    main()
