"""`--solver NAME -S key=value`, `--epochs-reducer`, `--sandbox` and `--approval`, shared by
`run` and `validate`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..suite._override import PlanOverride
from ._common import option, parse_pairs


def plan_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the plan override options to a command."""
    func = option("--approval",
                  help="Approval policy file for every task (YAML, as a suite's approval:).")(func)
    func = option("--sandbox",
                  help="Every task's sandbox: TYPE (docker, bwrap, local), docker:COMPOSE.yml, "
                       "docker:Dockerfile, docker:IMAGE, or a YAML mapping.")(func)
    func = option(
        "--epochs-reducer",
        help="Reduce each sample's epoch scores with these reducers (comma separated: "
             "mean, median, mode, max, pass_at_k, at_least_k, file.py@name).",
    )(func)
    func = option("-S", "--solver-arg", "solver_args", multiple=True,
                  help="Argument of --solver, key=value (value read as YAML).")(func)
    func = option("--solver",
                  help="Replace each task's plan with this solver (a built-in, file.py@name "
                       "or module:name).")(func)
    return func


def plan_override(kwargs: dict[str, Any]) -> PlanOverride:
    """Pop the plan options out of a command's kwargs."""
    solver = kwargs.pop("solver")
    from ..suite._interpolate import parse_override

    # Read like -T values: YAML scalars, text where YAML would surprise (`?`, `a: b`).
    args = {name: parse_override(name, raw, None)[0]
            for name, raw in parse_pairs(kwargs.pop("solver_args"), "-S").items()}
    if args and solver is None:
        import click

        raise click.BadParameter("-S needs --solver", param_hint="-S")
    reducer = kwargs.pop("epochs_reducer")
    reducers = [r.strip() for r in reducer.split(",") if r.strip()] if reducer else None
    return PlanOverride(solver=solver, solver_args=args, epochs_reducer=reducers,
                        sandbox=kwargs.pop("sandbox"), approval=kwargs.pop("approval"))
