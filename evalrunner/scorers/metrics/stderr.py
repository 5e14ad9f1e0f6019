"""`stderr`: the standard error of the mean score, plain or clustered."""

from __future__ import annotations

import math
from collections import defaultdict

from .._score import Score, value_to_float
from .._scorer import Metric, metric
from ._values import ToFloat, sample_std, scored_values


@metric
def stderr(to_float: ToFloat = value_to_float, cluster: str | None = None) -> Metric:
    """The standard error of the mean: sample std (n-1) over sqrt(n); 0 for a single sample.

    `cluster` names a sample metadata field whose values group samples that are not
    independent (several questions about one document): the error is then the clustered
    one, as Inspect's `stderr(cluster=...)` computes it.
    """

    def compute(scores: list[Score]) -> float:
        values = scored_values(scores, to_float, "stderr")
        if cluster is not None:
            return _clustered(scores, values, cluster)
        return sample_std(values) / math.sqrt(len(values))

    return compute


def _clustered(scores: list[Score], values: list[float], field: str) -> float:
    """sqrt(G/(G-1) * sum over clusters of (sum of residuals)^2 / n^2), G clusters, n values.

    Samples in one cluster add their residuals before squaring, so correlated answers
    count for less than independent ones.
    """
    scored = [s for s in scores if not s.unscored]
    sums: dict[str, float] = defaultdict(float)
    mean = math.fsum(values) / len(values)
    for score, value in zip(scored, values, strict=True):
        grouping = (score.metadata or {}).get("sample_metadata") or {}
        if field not in grouping:
            raise ValueError(f"stderr: a sample has no metadata field '{field}' to cluster by")
        sums[str(grouping[field])] += value - mean
    count = len(sums)
    if count < 2:
        raise ValueError(f"stderr: clustering by '{field}' needs at least two clusters")
    variance = count / (count - 1) * math.fsum(s * s for s in sums.values()) / len(values) ** 2
    return math.sqrt(variance)
