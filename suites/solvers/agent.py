"""An agent that knows nothing of evalrunner's solvers: a function of a sample dict."""

from typing import Any

from evalrunner import get_model


async def run(sample: dict[str, Any]) -> dict[str, Any]:
    question = sample["input_text"]
    reply = await get_model().generate(f"{question}\nReply with the number only.")
    return {"output": reply.completion, "store": {"asked": question}}
