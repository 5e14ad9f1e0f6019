"""A command-line agent on the official `openai` SDK, knowing nothing of evalrunner: it reads
a task (JSON with `input_text` on stdin, or the arguments), works on it with a `bash` tool
through the Responses API (or Chat Completions: --chat), streaming with --stream, and prints
its final answer. The SDK finds its endpoint in OPENAI_BASE_URL and OPENAI_API_KEY."""

import argparse
import json
import subprocess
import sys

from openai import OpenAI

BASH = {"name": "bash", "description": "Run a shell command; returns its output.",
        "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}},
                       "required": ["cmd"]}}
SYSTEM = "You are an agent in a Linux machine. Use bash to do the task, then say what you did."


def bash(arguments: str) -> str:
    cmd = json.loads(arguments)["cmd"]
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    return (done.stdout + done.stderr)[-10000:] or f"(exit {done.returncode}, no output)"


def responses(client: OpenAI, task: str, model: str, stream: bool) -> str:
    items: list = [{"role": "user", "content": task}]
    for _ in range(30):
        args = dict(model=model, instructions=SYSTEM, input=items,
                    tools=[{"type": "function", **BASH}], store=False)
        if stream:
            with client.responses.stream(**args) as events:
                for event in events:
                    if event.type == "response.output_text.delta":
                        print(event.delta, end="", file=sys.stderr, flush=True)
                response = events.get_final_response()
        else:
            response = client.responses.create(**args)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return response.output_text
        for call in calls:
            items += [{"type": "function_call", "call_id": call.call_id, "name": call.name,
                       "arguments": call.arguments},
                      {"type": "function_call_output", "call_id": call.call_id,
                       "output": bash(call.arguments)}]
    return "gave up after 30 turns"


def chat(client: OpenAI, task: str, model: str, stream: bool) -> str:
    messages: list = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": task}]
    for _ in range(30):
        args = dict(model=model, messages=messages, tools=[{"type": "function", "function": BASH}])
        if stream:
            with client.chat.completions.stream(**args) as events:
                message = events.get_final_completion().choices[0].message
        else:
            message = client.chat.completions.create(**args).choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            return message.content or ""
        messages += [{"role": "tool", "tool_call_id": c.id, "content": bash(c.function.arguments)}
                     for c in message.tool_calls]
    return "gave up after 30 turns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", nargs="*", help="the task (default: JSON on stdin)")
    parser.add_argument("--model", default="gpt-5")
    parser.add_argument("--chat", action="store_true", help="Chat Completions, not Responses")
    parser.add_argument("--stream", action="store_true")
    options = parser.parse_args()
    task = " ".join(options.task) or json.load(sys.stdin)["input_text"]
    run = chat if options.chat else responses
    print(run(OpenAI(), task, options.model, options.stream))


if __name__ == "__main__":
    main()
