"""`update_plan`: the model keeps a plan (as Codex CLI does); the plan is the store's `plan`,
each step `{step, status}`, shown as a checklist in the log viewer."""

from __future__ import annotations

from typing import Any

from .._decorator import tool
from ._plan_state import PlanStep, checklist_viewer, save_steps

_DESCRIPTION = (
    "Update the plan: every step, with its status. Use a plan for work of several steps; "
    "mark a step in_progress before starting it and completed when it is done, one step "
    "in_progress at a time. Give an explanation when the plan changes. Do not repeat the "
    "plan in your reply.")


@tool
def update_plan(description: str | None = None, key: str = "plan") -> Any:
    """A tool that keeps the model's plan in the sample's store (under `key`)."""

    async def execute(plan: list[PlanStep], explanation: str | None = None) -> str:
        return save_steps(key, [s.model_dump() for s in plan], "step", explanation)

    execute.__doc__ = (f"{description or _DESCRIPTION}\n\nArgs:\n    plan: The whole plan, in "
                       "order.\n    explanation: Why the plan changed.")
    execute.viewer = checklist_viewer("plan", "step")  # type: ignore[attr-defined]
    return execute
