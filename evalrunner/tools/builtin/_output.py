"""What a command tool tells the model about a finished command."""

from __future__ import annotations

from .._subprocess import ExecResult


def command_output(result: ExecResult, limit: int) -> str:
    """stdout, then stderr, then the exit code when it is not 0 (the model needs to know)."""
    parts = [result.stdout.rstrip("\n")] if result.stdout.strip() else []
    if result.stderr.strip():
        parts.append(result.stderr.rstrip("\n"))
    if result.truncated:
        parts.append(f"[output truncated to {limit} characters]")
    if not result.success:
        parts.append(f"[exit code {result.returncode}]")
    return "\n".join(parts)
