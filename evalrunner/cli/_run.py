"""`evalrunner run`: load and check every suite, run the tasks, summarize, gate."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from ..suite import SpecErrors
from ._common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    SuiteCommand,
    config_from_kwargs,
    config_options,
    fail,
    option,
    parse_pairs,
)
from ._plan import plan_options, plan_override
from ._report import finish, report_cancelled, report_options


@click.command(cls=SuiteCommand)
@click.argument("paths", nargs=-1, required=True)
@option("-T", "--task-param", "task_params", multiple=True, help="Task param override name=value.")
@option("--model", "models", multiple=True,
        help="Model to evaluate (provider/name), or 'none'; several: a,b or repeat --model.")
@option("--model-base-url", help="Base URL of the model's API.")
@option("--model-role", "model_roles", multiple=True,
        help="A model role: role=provider/name, or role={model: provider/name, temperature: 0} "
             "(model:role=... for one model only).")
@option("-M", "--model-arg", "model_args", multiple=True,
        help="Model argument key=value (model:key=value for one model only).")
@option("--limit", help="Run the first N samples, or samples A-B (1-based).")
@option("--sample-id", help="Run only these sample ids (comma separated).")
@option("--epochs", type=int, help="Run each sample this many times.")
@option("--max-samples", type=int,
        help="Samples in flight at once (default: max connections).")
@option("--max-tasks", type=int, default=1, show_default=True,
        help="Tasks run at once.")
@option("--max-subprocesses", type=click.IntRange(min=1),
        help="Tool subprocesses at once (default: the CPU count).")
@option("--max-sandboxes", type=click.IntRange(min=1),
        help="Samples with sandboxes at once, across tasks (default: no limit).")
@option("--no-sandbox-cleanup", is_flag=True, default=False,
        help="Keep each sample's sandboxes to look into (`sandbox cleanup` removes them).")
@option("--fail-on-error", help="true, false, a fraction or a count of failed samples.")
@option("--fail-on-unscored", is_flag=True, default=False,
        help="Exit 1 when a scorer left samples unscored (a grade it could not read).")
@option("--log-dir", default="logs", show_default=True, help="Folder or fsspec URL for logs.")
@option("--log-level", default="warning", show_default=True, help="Python log level captured.")
@option("--log-format", type=click.Choice(["json", "eval"]), default="json", show_default=True,
        help="Log file format: evalrunner's JSON, or Inspect's .eval (Inspect View opens it).")
@option("--no-score", is_flag=True, default=False, help="Generate only; score later.")
@option("-F", "--filter", "filters", multiple=True, help="Keep tasks with a tag, or key=value.")
@option("--fail-under", "fail_under", multiple=True, help="Gate: metric=X (exit 1 if below).")
@option("--shard", help="Run share i of n of each task's samples (i/n, for CI matrix jobs).")
@option(
    "--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
    help="Run here, or split tasks into units run on a Ray cluster (evalrunner[ray]).",
)
@option("--ray-address", envvar="RAY_ADDRESS",
        help="Ray cluster to join (default: RAY_ADDRESS, else a local Ray for the run).")
@option("--trust", is_flag=True, default=False,
        help="Trust the suite: let it name its model's address (with your key).")
@option("--message-limit", type=click.IntRange(min=1), help="Messages per sample.")
@option("--token-limit", type=click.IntRange(min=1), help="Tokens per sample.")
@option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Seconds per sample.")
@option("--working-limit", type=click.FloatRange(min=0, min_open=True),
        help="Working seconds per sample (not counting waits for connections and retries).")
@option("--turn-limit", type=click.IntRange(min=1), help="Model calls per sample.")
@option("--cost-limit", type=click.FloatRange(min=0, min_open=True),
        help="US dollars per sample (prices from the suite or -M input_price/output_price).")
@option("--retry-attempts", type=click.IntRange(min=0),
        help="Eval set: skip task x models with a successful log in --log-dir, resume "
             "unfinished ones, and retry failures up to N more times.")
@option("--retry-wait", type=click.FloatRange(min=0), default=30, show_default=True,
        help="Seconds before the first retry of an eval set (doubled on each retry).")
@option("--retry-connections", type=click.FloatRange(min=0.01, max=1), default=1.0,
        show_default=True, help="Multiply max connections by this on each retry.")
@option("--retry-on-error", type=click.IntRange(min=0), default=0, show_default=True,
        help="Rerun a failed sample up to N times before it counts as an error.")
@report_options
@plan_options
@option(
    "--batch", is_flag=False, flag_value="true", default=None,
    help="Use the provider's batch API (OpenAI, Anthropic): --batch, --batch N, --batch FILE.",
)
@option(
    "--display", type=click.Choice(["rich", "plain", "none"]), default=None,
    help="Progress display (default: rich on a terminal, plain otherwise).",
)
@config_options
def run(paths: tuple[str, ...], **kwargs: Any) -> None:
    """Run the tasks of suite files (or folders of them, or `file.yml@task`)."""
    try:  # every check before the first model call: bad input exits 2, all errors shown
        plan, options = planned_run(paths, kwargs)
    except SpecErrors as ex:
        for error in ex.errors:
            click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    for warning in plan.warnings:
        click.echo(str(warning), err=True)
    tasks = plan.tasks
    if (subprocesses := kwargs.pop("max_subprocesses")) is not None:
        from ..tools._subprocess import set_max_subprocesses

        set_max_subprocesses(subprocesses)
    from ..sandbox._lifecycle import set_sandbox_options

    max_sandboxes, keep = kwargs.pop("max_sandboxes"), kwargs.pop("no_sandbox_cleanup")
    if kwargs["executor"] == "ray" and (max_sandboxes is not None or keep):
        # Ray units make their sandboxes in their own processes, which these do not reach.
        fail("--max-sandboxes and --no-sandbox-cleanup apply to the local executor, not to "
             "--executor ray")
    set_sandbox_options(max_sandboxes, cleanup=not keep)
    runner = _executor(kwargs.pop("executor"), kwargs.pop("ray_address"), options, kwargs)
    # A person answering approval prompts needs a terminal the live display does not redraw.
    asks = any("human" in json.dumps(task.approval) for task in tasks)
    display = _display(kwargs["display"] or ("plain" if asks else None))

    from ..runner._planfile import forget_plan, record_plan
    from ..runner._retry import RetryError

    # Kept beside the logs until every task run has made its log: `retry` runs the rest.
    recorded = record_plan(options.log_dir, _argv(), plan.runs)
    ended: list[Any] = []
    try:
        logs = runner(plan, options, display, ended)
    except RetryError as ex:  # an eval set refused to resume (before any model call)
        forget_plan(recorded)
        click.echo(str(ex), err=True)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        if len(ended) == len(plan.runs) and all(os.path.isfile(str(g.location)) for g in ended):
            forget_plan(recorded)  # every task run has its log: `retry` finds them there
        report_cancelled(display, ended, len(plan.runs))  # every task x model
        # CI still gets its reports, which show the cancelled tasks as errors.
        finish(ended, kwargs["junit_file"], kwargs["summary_file"], gate_thresholds=False)
        # Everything is written. Python's collection at exit would walk every object the
        # run made (an agent loop's messages: seconds); frozen objects are left alone.
        gc.freeze()
        sys.exit(EXIT_FAILED)
    if len(logs) == len(plan.runs) and all(os.path.isfile(str(g.location)) for g in logs):
        forget_plan(recorded)
    display.summary(logs)
    # A shard's metrics cover part of the samples: thresholds gate after `logs merge`.
    gate = options.shard is None
    sys.exit(finish(logs, kwargs["junit_file"], kwargs["summary_file"], gate_thresholds=gate,
                    fail_on_unscored=kwargs.pop("fail_on_unscored")))


def planned_run(paths: Sequence[str], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The checked plan of `run PATHS ...` (its options are popped from `kwargs`), and the
    run options; raises SpecErrors."""
    from ..runner import prepare_run

    overrides = parse_pairs(kwargs.pop("task_params"), "-T")
    override, model = plan_override(kwargs), _single_model(kwargs["models"])
    options = _options(kwargs)
    reports = [(flag, path) for flag, path in
               (("--junit", kwargs["junit_file"]), ("--summary", kwargs["summary_file"])) if path]
    plan = prepare_run(paths, overrides, kwargs.pop("filters"), options,
                       reports=reports, override=override, model=model)
    return plan, options


def _argv() -> list[str]:
    """This command's arguments after `run` (what a plan file keeps to make it again)."""
    args = sys.argv[1:]
    return args[args.index("run") + 1:] if "run" in args else args


async def _eval_set(
    tasks: Any, options: Any, kwargs: dict[str, Any], display: Any, ended: list[Any]
) -> Any:
    from ..runner._evalset import RetryPolicy, eval_set_async

    policy = RetryPolicy(kwargs["retry_attempts"], kwargs["retry_wait"],
                         kwargs["retry_connections"])
    return await eval_set_async(tasks, options, policy, display,
                                notify=lambda text: click.echo(text, err=True), ended=ended)


def _single_model(values: tuple[str, ...]) -> str | None:
    """The run's model for `${{ model }}` when it evaluates exactly one."""
    from ..runner._models import split_models

    models = split_models(values)
    return models[0] if len(models) == 1 else None


def _options(kwargs: dict[str, Any]) -> Any:
    from ..model._batch import parse_batch_option
    from ..runner import RunOptions, parse_limit
    from ..runner._models import split_models
    from ..runner._shard import parse_shard
    from ..suite._model import LimitsDef

    try:
        batch = parse_batch_option(kwargs.pop("batch"))
    except ValueError as ex:
        raise click.BadParameter(str(ex), param_hint="--batch") from None
    config = config_from_kwargs(kwargs)
    if batch is not None:
        config = config.model_copy(update={"batch": batch})
    try:
        limit = parse_limit(kwargs["limit"])
        pairs = parse_pairs(kwargs["fail_under"], "--fail-under")
        fail_under = {k: float(v) for k, v in pairs.items()}
        shard = parse_shard(kwargs["shard"])
    except ValueError as ex:
        raise click.BadParameter(str(ex)) from None
    models = split_models(kwargs["models"])
    return RunOptions(
        model=models[0] if len(models) == 1 else None,
        models=models if len(models) > 1 else None,
        model_args=parse_pairs(kwargs["model_args"], "-M", scalar=True),
        model_roles=_roles(kwargs["model_roles"]),
        model_base_url=kwargs["model_base_url"],
        config=config,
        limit=limit,
        sample_ids=kwargs["sample_id"].split(",") if kwargs["sample_id"] else None,
        epochs=kwargs["epochs"],
        max_samples=kwargs["max_samples"],
        max_tasks=kwargs["max_tasks"],
        fail_on_error=_fail_on_error(kwargs["fail_on_error"]),
        log_dir=kwargs["log_dir"],
        log_level=kwargs["log_level"],
        log_format=kwargs["log_format"],
        no_score=kwargs["no_score"],
        fail_under=fail_under,
        shard=shard,
        retry_on_error=kwargs["retry_on_error"],
        trust=kwargs["trust"],
        limits=LimitsDef(messages=kwargs["message_limit"], tokens=kwargs["token_limit"],
                         seconds=kwargs["time_limit"], working=kwargs["working_limit"],
                         turns=kwargs["turn_limit"], cost=kwargs["cost_limit"]),
    )


def _roles(values: tuple[str, ...]) -> dict[str, Any]:
    from ..model._roles import parse_role_option

    roles = {}
    for role, text in parse_pairs(values, "--model-role").items():
        try:
            roles[role] = parse_role_option(text)
        except ValueError as ex:
            raise click.BadParameter(f"{role}: {ex}", param_hint="--model-role") from None
    return roles


def _executor(name: str, address: str | None, options: Any, kwargs: dict[str, Any]) -> Any:
    """The function that runs the tasks (and returns their logs): here, or on Ray."""
    from ..runner import eval_tasks_async

    if name == "local":
        if kwargs["retry_attempts"] is not None:
            return lambda tasks, opts, display, ended: asyncio.run(
                _eval_set(tasks, opts, kwargs, display, ended))
        return lambda *args: asyncio.run(eval_tasks_async(*args))
    from ..runner._ray import RayOptions, RayUnavailable, import_ray, run_on_ray

    if options.shard is not None:
        fail("--shard and --executor ray cannot be combined: the executor shards each task")
    if kwargs["retry_attempts"] is not None:
        fail("--retry-attempts (eval sets) and --executor ray cannot be combined yet: "
             "run the set with --executor ray, then `evalrunner retry` the failed logs")
    try:
        import_ray()
    except RayUnavailable as ex:
        fail(str(ex))

    def on_ray(tasks: Any, options: Any, display: Any, ended: Any) -> Any:
        try:
            return run_on_ray(tasks, options, RayOptions(address), display, ended)
        except RayUnavailable as ex:
            fail(str(ex))

    return on_ray


def _fail_on_error(value: str | None) -> bool | float | None:
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(value)
    except ValueError:
        raise click.BadParameter(f"'{value}': use true, false, a fraction or a count") from None


def _display(choice: str | None) -> Any:
    from ..display import make_display

    if choice is None:
        choice = "rich" if sys.stdout.isatty() and os.environ.get("CI") is None else "plain"
    return make_display(choice)
