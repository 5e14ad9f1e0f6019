"""A command-line agent on the official `anthropic` SDK, knowing nothing of evalrunner: it
reads a task (JSON with `input_text` on stdin, or the arguments), works on it with a `bash`
tool through the Messages API, streaming unless --no-stream, and prints its final answer.
The SDK finds its endpoint in ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY."""

import argparse
import json
import subprocess
import sys

from anthropic import Anthropic

BASH = {"name": "bash", "description": "Run a shell command; returns its output.",
        "input_schema": {"type": "object", "properties": {"cmd": {"type": "string"}},
                         "required": ["cmd"]}}
SYSTEM = "You are an agent in a Linux machine. Use bash to do the task, then say what you did."


def bash(cmd: str) -> str:
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    return (done.stdout + done.stderr)[-10000:] or f"(exit {done.returncode}, no output)"


def solve(client: Anthropic, task: str, model: str, stream: bool) -> str:
    messages: list = [{"role": "user", "content": task}]
    for _ in range(30):
        args = dict(model=model, max_tokens=4096, system=SYSTEM, messages=messages,
                    tools=[BASH])
        if stream:
            with client.messages.stream(**args) as events:
                for text in events.text_stream:
                    print(text, end="", file=sys.stderr, flush=True)
                message = events.get_final_message()
        else:
            message = client.messages.create(**args)
        messages.append({"role": "assistant",
                         "content": [block.model_dump() for block in message.content]})
        uses = [block for block in message.content if block.type == "tool_use"]
        if not uses:
            return "".join(block.text for block in message.content if block.type == "text")
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": use.id, "content": bash(use.input["cmd"])}
            for use in uses]})
    return "gave up after 30 turns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", nargs="*", help="the task (default: JSON on stdin)")
    parser.add_argument("--model", default="claude-sonnet-4-5")
    parser.add_argument("--no-stream", action="store_true")
    options = parser.parse_args()
    task = " ".join(options.task) or json.load(sys.stdin)["input_text"]
    print(solve(Anthropic(), task, options.model, not options.no_stream))


if __name__ == "__main__":
    main()
