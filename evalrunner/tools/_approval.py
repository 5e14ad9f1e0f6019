"""Approval of tool calls: a policy maps tool-name patterns to approvers.

A suite's `approval:` maps patterns (`bash`, `python*`, `*`) to an approver: `auto`
(approve), `reject`, `human` (asks on the terminal) or a Python function
(`file.py@name`, given the call, returning a decision). The first pattern that matches a
call's name decides; a call no pattern matches is rejected, as in Inspect. Every decision
is recorded as an approval event.
"""

from __future__ import annotations

import fnmatch
import inspect
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from .._util.context import ContextField, sample_field
from ..events._limits import LimitExceededError
from ..events._model import ApprovalEvent
from ..events._transcript import record
from ..model._chat import ToolCall

Decision = Literal["approve", "modify", "reject", "terminate"]
DECISIONS: tuple[Decision, ...] = ("approve", "modify", "reject", "terminate")
BUILTIN_APPROVERS = ("auto", "reject", "human")


@dataclass
class Approval:
    """An approver's answer; `modified` holds the new arguments of a `modify`."""

    decision: Decision
    modified: dict[str, Any] | None = None
    explanation: str | None = None


Approver = Callable[[ToolCall], "Awaitable[Approval] | Approval | str | dict[str, Any]"]


@dataclass
class ApprovalPolicy:
    """Rules in order: (tool-name pattern, approver name, approver)."""

    rules: list[tuple[str, str, Approver]]

    def approver_for(self, function: str) -> tuple[str, Approver] | None:
        for pattern, name, approver in self.rules:
            if fnmatch.fnmatchcase(function, pattern):
                return name, approver
        return None


_policy: ContextField[ApprovalPolicy | None] = sample_field("approval")


@contextmanager
def approval_scope(policy: ApprovalPolicy | None) -> Iterator[None]:
    token = _policy.set(policy)
    try:
        yield
    finally:
        _policy.reset(token)


def make_policy(spec: dict[str, Any], function: Callable[[str], Any]) -> ApprovalPolicy:
    """A policy from its suite form; `function` finds a Python approver by name.

    Raises ValueError naming the pattern of an entry that is not an approver.
    """
    rules = []
    for pattern, entry in spec.items():
        name, kwargs = _entry(pattern, entry)
        rules.append((pattern, name, _approver(name, kwargs, function)))
    return ApprovalPolicy(rules)


def _entry(pattern: str, entry: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(entry, str):
        return entry, {}
    if isinstance(entry, dict) and len(entry) == 1:
        ((name, kwargs),) = entry.items()
        if kwargs is None or isinstance(kwargs, dict):
            return str(name), dict(kwargs or {})
    raise ValueError(f"approval '{pattern}': give an approver name (auto, reject, human, "
                     f"file.py@name) or {{name: {{arguments}}}}")


def _approver(name: str, kwargs: dict[str, Any], function: Callable[[str], Any]) -> Approver:
    if name == "auto":
        return lambda call: Approval("approve")
    if name == "reject":
        explanation = kwargs.get("explanation")
        return lambda call: Approval("reject", explanation=explanation)
    if name == "human":
        from ._human import HumanApprover

        return HumanApprover(**kwargs)
    fn = function(name)
    if not callable(fn):
        raise ValueError(f"approver '{name}' is not a function")
    return fn(**kwargs) if kwargs else fn  # type: ignore[no-any-return]


async def approve(call: ToolCall) -> tuple[ToolCall, str | None]:
    """The call to run (perhaps modified) and, for a rejected one, the reason to tell the model.

    A `terminate` decision raises LimitExceededError: the sample's plan ends, it is scored.
    """
    policy = _policy.get()
    if policy is None:
        return call, None
    found = policy.approver_for(call.function)
    if found is None:
        approval, name = Approval("reject", explanation="no approval rule matches this tool"), ""
    else:
        name, approver = found
        approval = _as_approval(await _call(approver, call))
    record(ApprovalEvent(call=call.id, function=call.function, approver=name,
                         decision=approval.decision, explanation=approval.explanation,
                         modified=approval.modified))
    if approval.decision == "terminate":
        raise LimitExceededError("operator", None, "sample terminated by the approver"
                                 + (f": {approval.explanation}" if approval.explanation else ""))
    if approval.decision == "reject":
        why = f": {approval.explanation}" if approval.explanation else ""
        return call, f"the tool call was rejected by the approver{why}"
    if approval.decision == "modify" and approval.modified is not None:
        return call.model_copy(update={"arguments": approval.modified}), None
    return call, None


async def _call(approver: Approver, call: ToolCall) -> Any:
    result = approver(call)
    return await result if inspect.isawaitable(result) else result


def _as_approval(value: Any) -> Approval:
    """An approver may return an Approval, a decision name, or a dict of Approval's fields."""
    if isinstance(value, Approval):
        return value
    if isinstance(value, str) and value in DECISIONS:
        return Approval(value)  # type: ignore[arg-type]
    if isinstance(value, dict) and value.get("decision") in DECISIONS:
        return Approval(value["decision"], value.get("modified"), value.get("explanation"))
    raise ValueError(f"an approver returned {value!r}: expected one of {', '.join(DECISIONS)}")


def describe_call(call: ToolCall) -> str:
    """A call as the human approver shows it."""
    return f"{call.function}({json.dumps(call.arguments, indent=2)})"


def terminal_available() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()

