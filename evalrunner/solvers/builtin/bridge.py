"""`bridge`: run an agent written as a plain Python function of a sample dict.

The agent is `async def agent(sample: dict) -> dict` (a plain function works too). It gets
`input` (the conversation so far as `{"role", "content"}` dicts), `input_text`, `target`,
`choices`, `metadata`, `sample_id`, `epoch`, `model` (the evaluated model's name) and
`store`. To call the evaluated model it uses `evalrunner.get_model()`. It returns
`output` (the final answer, text) and may return `messages` (the whole conversation, to
replace the state's) and `store` (merged into the sample's store).
"""

from __future__ import annotations

import inspect
from typing import Any

from ...model._chat import ChatMessageAssistant, as_messages
from ...model._output import ModelOutput
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._entries import make_function


@solver(component_args={"agent": "function"})
def bridge(agent: Any) -> Solver:
    """Call `agent` (a function, or its name: `agent.py@run`) with the sample as a dict."""
    fn = make_function(agent)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        result = fn(_sample_dict(state))
        if inspect.isawaitable(result):
            result = await result
        if not isinstance(result, dict) or "output" not in result:
            raise ValueError("a bridged agent must return a dict with an 'output' key")
        output = str(result["output"])
        if result.get("messages") is not None:
            state.messages = as_messages(list(result["messages"]))
        if not state.messages or state.messages[-1].text != output:
            state.messages.append(ChatMessageAssistant(content=output, source="generate"))
        state.output = ModelOutput.from_content(state.model, output)
        state.store.update(dict(result.get("store") or {}))
        return state

    return solve


def _sample_dict(state: TaskState) -> dict[str, Any]:
    return {
        "sample_id": state.sample_id,
        "epoch": state.epoch,
        "model": state.model,
        "input": [{"role": m.role, "content": m.text} for m in state.messages],  # type: ignore[attr-defined]
        "input_text": state.input_text,
        "target": list(state.target),
        "choices": [choice.value for choice in state.choices],
        "metadata": dict(state.metadata),
        "store": dict(state.store),
    }
