"""`grouped`: a metric computed per value of a sample metadata field, and over all samples."""

from __future__ import annotations

from typing import Any

from .._score import Score
from .._scorer import Metric, metric

# Where the executor puts the sample's metadata on the scores it hands to metrics.
SAMPLE_METADATA = "sample_metadata"


@metric(metric_args=("metric",))
def grouped(by: str, metric: str | dict[str, Any] = "accuracy", all: bool = True) -> Metric:
    """`metric` over the samples of each value of the metadata field `by`.

    `metric` is a metric entry as in `metrics:` (a name, or `{name: {arguments}}`). The
    result is one figure per group, named `<metric>/<group>` (`<metric>/<group>/<key>` for a
    metric giving several), plus `<metric>/all` over every sample unless `all` is false.
    Samples without the field form the group `none`.
    """
    inner, name = _inner(metric)

    def compute(scores: list[Score]) -> dict[str, float]:
        groups: dict[str, list[Score]] = {}
        for score in scores:
            groups.setdefault(_group_of(score, by), []).append(score)
        out: dict[str, float] = {}
        for group, members in sorted(groups.items()):
            _put(out, group, inner(members))
        if all:
            _put(out, "all", inner(scores))
        return out

    compute.metric_name = name  # type: ignore[attr-defined]
    return compute


def _inner(entry: str | dict[str, Any]) -> tuple[Metric, str]:
    """The metric an entry names, created, with the name its results are shown under."""
    from ...registry import resolve

    # Components are created while the suite's folder is the template search base: a
    # `metrics.py@name` entry is found there, as the suite loader found it.
    from ...template import suite_folder

    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if isinstance(entry, str):
        name = entry
    elif isinstance(entry, dict) and len(entry) == 1:
        name, value = next(iter(entry.items()))
        if isinstance(value, dict):
            kwargs = value
        elif value is not None:
            args = [value]
    else:
        raise ValueError("metric: give a metric name or {name: {arguments}}")
    created: Metric = resolve("metric", name, suite_folder()).obj(*args, **kwargs)
    return created, _shown(name)


def _shown(name: str) -> str:
    return name.split("@")[-1].split(":")[-1].split("/")[-1]


def _group_of(score: Score, by: str) -> str:
    sample_metadata = (score.metadata or {}).get(SAMPLE_METADATA) or {}
    value = sample_metadata.get(by)
    return "none" if value is None else str(value)


def _put(out: dict[str, float], group: str, value: Any) -> None:
    """One figure per group, or `group/key` for an inner metric that gives several."""
    if isinstance(value, dict):
        for key, sub in value.items():
            out[f"{group}/{key}"] = sub
    else:
        out[group] = value
