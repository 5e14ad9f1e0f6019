"""The `evalrunner` command. Subcommands load on demand so `--help` answers fast."""

from __future__ import annotations

import importlib

import click

from .. import __version__

# name -> "module:attribute"; a new subcommand is a new module and one line here.
_COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("evalrunner.cli._run:run", "Run suites against a model and write logs."),
    "validate": ("evalrunner.cli._validate:validate", "Check suites without calling a model."),
    "list": ("evalrunner.cli._list:list_group", "List tasks or logs."),
    "info": ("evalrunner.cli._info:info", "Print schemas and log files."),
    "cache": ("evalrunner.cli._cache:cache_group", "List, clear or prune cached responses."),
    "view": ("evalrunner.cli._view:view", "Browse logs in a web page."),
    "retry": ("evalrunner.cli._retry:retry", "Finish what an unfinished run left undone."),
    "logs": ("evalrunner.cli._logs:logs_group", "Merge shard logs into one log."),
    "compare": ("evalrunner.cli._compare:compare", "Compare models: metrics, paired intervals."),
    "export": ("evalrunner.cli._export:export", "Write results as CSV, JSONL, Parquet, Inspect."),
    "diff": ("evalrunner.cli._diff:diff", "Compare two logs: metric deltas, changed samples."),
    "score": ("evalrunner.cli._score:score", "Score a log again, without re-running the plan."),
    "sandbox": ("evalrunner.cli._sandbox:sandbox_group", "Remove sandboxes a killed run left."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported only when invoked (or their help shown)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target[0].partition(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help without importing every subcommand.
        rows = [(name, help_text) for name, (_, help_text) in sorted(_COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="evalrunner")
def main() -> None:
    """evalrunner: declarative, YAML-first evaluations of large language models."""
    from .._util.secrets import redacting_streams, register_environment_secrets

    # Before anything is printed: every line on the terminal passes the secrets registry.
    register_environment_secrets()
    redacting_streams()


