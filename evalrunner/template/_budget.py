"""A budget for rendering a template, so a runaway one fails instead of blocking.

Templates render on the event loop: a template that loops for minutes would stall every
sample, the samples' time limits and Ctrl-C. The sandbox calls back here on each
attribute, item, call, loop step of `range` and intercepted operator: past the time budget
the render raises TemplateBudgetError (the sample fails, the run goes on); after Ctrl-C it
raises at once, so cancelling never waits for a template; and `*` cannot build a string or
list beyond `MAX_SIZE`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

from jinja2 import TemplateRuntimeError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

DEFAULT_SECONDS = 2.0  # per render; a prompt template takes milliseconds
MAX_SIZE = 10_000_000  # characters (or items) one operation may build
_CHECK_EVERY = 256  # operations between two looks at the clock


class TemplateBudgetError(TemplateRuntimeError):
    """A template took longer than its budget, built too much, or was interrupted."""


@dataclass
class _Budget:
    deadline: float
    seconds: float
    ops: int = 0
    interrupted: bool = False


_local = threading.local()


def budget_seconds() -> float:
    """The time budget of one render (EVALRUNNER_TEMPLATE_TIMEOUT seconds, default 2)."""
    try:
        value = float(os.environ.get("EVALRUNNER_TEMPLATE_TIMEOUT") or DEFAULT_SECONDS)
    except ValueError:
        return DEFAULT_SECONDS
    return value if value > 0 else DEFAULT_SECONDS


@contextlib.contextmanager
def budgeted() -> Iterator[None]:
    """Render within the budget (nested renders share the outer one)."""
    if getattr(_local, "budget", None) is not None:
        yield
        return
    seconds = budget_seconds()
    _local.budget = _Budget(time.monotonic() + seconds, seconds)
    try:
        with _interruptible(_local.budget):
            yield
    finally:
        _local.budget = None


@contextlib.contextmanager
def _interruptible(budget: _Budget) -> Iterator[None]:
    """On the main thread, a Ctrl-C during the render marks it, and the next operation
    raises; whatever handled SIGINT before (asyncio's runner) still runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        budget.interrupted = True
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:
            raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def tick() -> None:
    """Count one operation; raise when the budget is spent or the run was interrupted."""
    budget: _Budget | None = getattr(_local, "budget", None)
    if budget is None:
        return
    if budget.interrupted:
        raise TemplateBudgetError("template rendering interrupted")
    budget.ops += 1
    if budget.ops % _CHECK_EVERY == 0 and time.monotonic() > budget.deadline:
        raise TemplateBudgetError(
            f"template took longer than {budget.seconds:g} s to render (a runaway loop?); "
            "set EVALRUNNER_TEMPLATE_TIMEOUT to allow more"
        )


_COUNTED = "_counted_by_the_budget"


def _counted(items: Any) -> Iterator[Any]:
    for item in items:
        tick()
        yield item


def _counted_range(*args: int) -> Iterator[int]:
    for i in safe_range(*args):
        tick()
        yield i


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with every operation counted against the render's budget."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _counted_range
        self.filters[_COUNTED] = _counted

    def _generate(self, source: nodes.Template, *args: Any, **kwargs: Any) -> str:
        # Every `for` loop steps through `_counted`, so a loop whose body does nothing
        # (nested loops over a big list) still counts against the budget.
        for loop in source.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _COUNTED, [], [], None, None,
                                     lineno=loop.iter.lineno)
        return str(super()._generate(source, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        tick()
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Callable[..., Any], *args: Any,
             **kwargs: Any) -> Any:
        tick()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        tick()
        if operator == "*" and _too_big(left, right):
            raise TemplateBudgetError(f"'*' would build more than {MAX_SIZE:,} items")
        if operator == "**" and isinstance(right, int) and abs(right) > 10_000:
            raise TemplateBudgetError("'**' with an exponent above 10,000")
        return super().call_binop(context, operator, left, right)


def _too_big(left: Any, right: Any) -> bool:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(n, int):
            return len(seq) * n > MAX_SIZE
    return False
