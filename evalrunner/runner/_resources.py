"""What a distributed unit asks its node for: its sandboxes' limits, times its samples.

A unit runs its samples' sandboxes on the node that runs it, so Ray must reserve what
they use there: `cpus` and `memory` of the task's sandbox limits, times the samples the
unit runs at once, become the unit's `num_cpus` and `memory` (the samples at once are cut
so that this fits on the biggest node), and Ray places no more units on a node than it
has room for. Without limits a unit takes one CPU (the executor's own event loop).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def unit_resources(task: Any, in_flight: int = 1) -> dict[str, Any]:
    """Ray task options (`num_cpus`, `memory`) for a unit of `task` running `in_flight`
    samples at once, each with its sandbox."""
    limits = sandbox_limits(task)
    resources: dict[str, Any] = {"num_cpus": 1}
    cpus = limits.get("cpus")
    if cpus is not None:
        resources["num_cpus"] = max(float(cpus), 0.001) * in_flight
    memory = limits.get("memory")
    if memory is not None:
        resources["memory"] = parse_memory(memory) * in_flight
    return resources


def fit_in_flight(task: Any, in_flight: int, node: Mapping[str, float]) -> int:
    """Samples a unit may run at once so that their sandboxes fit on the biggest node
    (`node`: its Ray resources, CPU and memory)."""
    limits = sandbox_limits(task)
    if limits.get("cpus") and node.get("CPU"):
        in_flight = min(in_flight, int(node["CPU"] // max(float(limits["cpus"]), 0.001)))
    if limits.get("memory") and node.get("memory"):
        in_flight = min(in_flight, int(node["memory"] // parse_memory(limits["memory"])))
    return max(1, in_flight)


def sandbox_limits(task: Any) -> Mapping[str, Any]:
    """The `cpus`/`memory` limits of a task's sandbox (a mapping, or an object with them)."""
    sandbox = getattr(task, "sandbox", None)
    if sandbox is None:
        return {}
    if isinstance(sandbox, Mapping):
        limits = sandbox.get("limits", sandbox)
        return limits if isinstance(limits, Mapping) else {}
    found = getattr(sandbox, "limits", sandbox)
    return {k: getattr(found, k) for k in ("cpus", "memory") if getattr(found, k, None)}


def parse_memory(value: int | float | str) -> int:
    """Bytes from a number of bytes or `512m`, `2g`, `2GiB`, `1.5GB`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    match = _MEMORY.match(str(value))
    if match is None:
        raise ValueError(f"sandbox memory '{value}' is not a size such as 512m or 2g")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
