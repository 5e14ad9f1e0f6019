"""One path for what a model call spends: every call a sample makes counts against its
limits (turns, tokens, cost) and its usage, whichever solver made it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import evalrunner
from evalrunner import Task
from evalrunner.dataset import MemoryDataset, Sample
from evalrunner.model import get_model
from evalrunner.solvers import generate, solver


@solver
def ask_directly(times: int) -> Any:
    """A solver calling the model itself, not through `generate`."""

    async def solve(state: Any, generate: Any) -> Any:
        model = get_model()
        for _ in range(times):
            await model.generate("one two three")
        state.store.set("token_limit_seen", state.token_limit)
        return state

    return solve


def _run(tmp_path: Path, name: str, **task: Any) -> Any:
    made = Task(dataset=MemoryDataset([Sample(input="hello there")]), name=name, **task)
    (log,) = evalrunner.eval(made, model="mockllm/model", log_dir=str(tmp_path / name),
                             display="none")
    return log


def test_a_token_limit_counts_the_calls_a_solver_makes_itself(tmp_path: Path) -> None:
    log = _run(tmp_path, "direct", solver=[ask_directly(5), generate()], token_limit=1)
    sample = log.samples[0]
    models = [e for e in sample.events if e.event == "model"]
    # The first call spent more than one token: the second one is stopped before it is made.
    assert len(models) == 1 and sample.limit == "tokens", [e.event for e in sample.events]
    (limit,) = [e for e in sample.events if e.event == "limit"]
    assert limit.type == "tokens" and limit.limit == 1
    # The usage the sample, the task and the call's event record is the same one call's.
    usage = models[0].usage
    assert sample.model_usage["mockllm/model"].total_tokens == usage["total_tokens"] > 1
    assert log.stats.model_usage["mockllm/model"].total_tokens == usage["total_tokens"]


def test_a_solver_sees_and_sets_the_limit_its_calls_are_counted_against(
    tmp_path: Path,
) -> None:
    log = _run(tmp_path, "unreached", solver=[ask_directly(2), generate()], token_limit=1000)
    sample = log.samples[0]
    assert sample.limit is None and sample.store["token_limit_seen"] == 1000
    assert len([e for e in sample.events if e.event == "model"]) == 3
    assert log.stats.model_usage["mockllm/model"].total_tokens == \
        sample.model_usage["mockllm/model"].total_tokens
