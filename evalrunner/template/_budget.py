"""A budget for rendering a template, so a runaway one fails instead of blocking.

Templates render on the event loop: a template that loops for minutes would stall every
sample, the samples' time limits and Ctrl-C. The sandbox calls back here on each
attribute, item, call, loop step of `range` and intercepted operator: past the time budget
the render raises TemplateBudgetError (the sample fails, the run goes on); after Ctrl-C it
raises at once, so cancelling never waits for a template.

Memory is bounded too, as a suite's template is somebody else's code: no operation may
build a string or list beyond `MAX_SIZE` (`*`, `+`, `~`, `%`, every call and filter), and
what could build one in a single step is refused before it runs: a width, count or
length argument above `MAX_SIZE` (`center(10**9)`, `'%0999999999d' % 1`), a `replace` or
`join` whose result would be too long, a `range` of more than `MAX_SIZE` numbers.
"""

from __future__ import annotations

import contextlib
import os
import re
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
_CONCAT = "_concat_within_the_budget"


def _counted(items: Any) -> Iterator[Any]:
    for item in items:
        tick()
        yield item


def _counted_range(*args: int) -> Iterator[int]:
    numbers = safe_range(*args)
    if len(numbers) > MAX_SIZE:
        raise TemplateBudgetError(f"range of more than {MAX_SIZE:,} numbers")
    for i in numbers:
        tick()
        yield i


def _too_long(size: int) -> TemplateBudgetError:
    return TemplateBudgetError(f"the template would build more than {MAX_SIZE:,} "
                               f"characters or items ({size:,})")


def _checked(result: Any) -> Any:
    """`result`, unless it is already too big to go on with (a doubling stops here)."""
    if isinstance(result, str | bytes | list | tuple | dict) and len(result) > MAX_SIZE:
        raise _too_long(len(result))
    return result


_WIDTH = re.compile(r"\d{8,}")
_VARIABLE_WIDTH = re.compile(r"%[-#0 +]*\*|\{[^{}]*:[^{}]*\{")  # '%*d', '{:>{}}'


def _flat(values: list[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, tuple | list):
            yield from value
        elif isinstance(value, dict):
            yield from value.values()
        else:
            yield value


# Calls and filters whose int argument is a size they build (a width, a count of items).
_SIZED = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "batch",
                    "slice", "wordwrap"})


def _refuse_huge_arguments(name: str, target: Any, args: tuple[Any, ...],
                           kwargs: dict[str, Any]) -> None:
    """Refuse, before it runs, a call that would build too much in one step."""
    values = [*args, *kwargs.values()]
    if name in _SIZED:
        for value in values:
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SIZE:
                raise TemplateBudgetError(f"{name}({value:,}): more than {MAX_SIZE:,}")
    if name in ("format", "format_map", "%") and isinstance(target, str):
        _refuse_huge_widths(target)  # '%0999999999d' % 1, '{:>999999999}'.format(1)
        if _VARIABLE_WIDTH.search(target) and any(
                isinstance(v, int) and v > MAX_SIZE for v in _flat(values)):
            raise TemplateBudgetError(f"a format width of more than {MAX_SIZE:,}")
    if name == "replace" and isinstance(target, str) and len(values) >= 2:
        old, new = str(values[0]), str(values[1])
        hits = len(target) + 1 if not old else target.count(old)
        _refuse_size(len(target) + hits * (len(new) - len(old)))
    if name == "join":  # `sep.join(items)` or `items | join(sep)`
        items, sep = (values[0], target) if isinstance(target, str) else (target, "".join(
            str(v) for v in values[:1]))
        if isinstance(items, list | tuple):
            texts = [len(v) for v in items if isinstance(v, str)]
            _refuse_size(sum(texts) + len(str(sep)) * max(len(items) - 1, 0))


def _refuse_size(size: int) -> None:
    if size > MAX_SIZE:
        raise _too_long(size)


def _refuse_huge_widths(text: str) -> None:
    for digits in _WIDTH.findall(text):
        if int(digits) > MAX_SIZE:
            raise TemplateBudgetError(f"a format width of {int(digits):,}: more than "
                                      f"{MAX_SIZE:,}")


def _bounded_concat(parts: list[Any]) -> str:
    """`a ~ b ~ c`, refused when it would be too long."""
    texts = [str(p) for p in parts]
    _refuse_size(sum(map(len, texts)))
    return "".join(texts)


def _bounded_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A filter with `_refuse_huge_arguments` before it and `_checked` after it."""

    def bounded(*args: Any, **kwargs: Any) -> Any:
        tick()
        # Filters that take the context or environment first get the value second.
        values = [a for a in args if not _is_jinja_internal(a)]
        target, rest = (values[0], tuple(values[1:])) if values else (None, ())
        _refuse_huge_arguments(name, target, rest, kwargs)
        return _checked(fn(*args, **kwargs))

    for attribute in ("jinja_pass_arg",):  # pass_context / pass_environment markers
        if hasattr(fn, attribute):
            setattr(bounded, attribute, getattr(fn, attribute))
    return bounded


def _is_jinja_internal(value: Any) -> bool:
    from jinja2 import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return isinstance(value, Environment | EvalContext | Context)


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with every operation counted against the render's budget."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _counted_range
        self.filters = {name: _bounded_filter(name, fn) for name, fn in self.filters.items()}
        self.filters[_COUNTED] = _counted
        self.filters[_CONCAT] = _bounded_concat

    def _generate(self, source: nodes.Template, *args: Any, **kwargs: Any) -> str:
        # Every `for` loop steps through `_counted`, so a loop whose body does nothing
        # (nested loops over a big list) still counts against the budget.
        for loop in source.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _COUNTED, [], [], None, None,
                                     lineno=loop.iter.lineno)
        # `a ~ b` is not an intercepted operator: it becomes a bounded filter of [a, b].
        for parent in source.find_all(nodes.Node):
            for field in parent.fields:
                value = getattr(parent, field, None)
                if isinstance(value, nodes.Concat):
                    setattr(parent, field, _as_filter(value))
                elif isinstance(value, list):
                    value[:] = [_as_filter(v) if isinstance(v, nodes.Concat) else v
                                for v in value]
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
        name = getattr(__obj, "__name__", "")
        bound = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        _refuse_huge_arguments(name, getattr(bound, "__self__", None), args, kwargs)
        return _checked(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        tick()
        if operator == "*" and _too_big(left, right):
            raise TemplateBudgetError(f"'*' would build more than {MAX_SIZE:,} items")
        if operator == "**" and isinstance(right, int) and abs(right) > 10_000:
            raise TemplateBudgetError("'**' with an exponent above 10,000")
        if operator == "+" and isinstance(left, str | list | tuple) \
                and isinstance(right, str | list | tuple) and len(left) + len(right) > MAX_SIZE:
            raise _too_long(len(left) + len(right))
        if operator == "%":
            _refuse_huge_arguments("%", left, (right,), {})
        return _checked(super().call_binop(context, operator, left, right))


def _as_filter(concat: nodes.Concat) -> nodes.Filter:
    return nodes.Filter(nodes.List(concat.nodes, lineno=concat.lineno), _CONCAT, [], [], None,
                        None, lineno=concat.lineno)


def _too_big(left: Any, right: Any) -> bool:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(n, int):
            return len(seq) * n > MAX_SIZE
    return False
