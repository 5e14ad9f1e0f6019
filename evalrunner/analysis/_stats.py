"""Intervals for differences between two runs that hold for small suites.

Pass/fail scores (every per-sample value 0 or 1): the exact McNemar test on the discordant
pairs for the p-value, and Newcombe's score interval for a paired difference of proportions
(his method 10, built on Wilson intervals) for the 95% interval: unlike the normal
approximation it stays inside [-1, 1] and does not collapse to a point when few samples
disagree. Other scores: a paired bootstrap of the per-sample differences (percentile
interval, seeded so the same logs give the same figures).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959964  # two-sided 95% normal quantile
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20240607

MCNEMAR = "exact McNemar test, Newcombe paired score interval"
NEWCOMBE_UNPAIRED = "Newcombe score interval (unpaired: the runs hold different samples)"
BOOTSTRAP = "paired bootstrap (percentile, 4000 resamples)"
BOOTSTRAP_UNPAIRED = "bootstrap (unpaired: the runs hold different samples, 4000 resamples)"


@dataclass(frozen=True)
class Interval:
    """A difference B - A with its 95% interval, the method that gave it, and a p-value
    where the method has one."""

    delta: float
    low: float
    high: float
    method: str
    p_value: float | None = None
    n: int = 0


def is_binary(values: Sequence[float]) -> bool:
    return all(v in (0.0, 1.0) for v in values)


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided p-value of k successes in n trials with p = 1/2 (McNemar's test)."""
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(0, min(k, n - k) + 1)) / float(1 << n)
    return min(1.0, 2 * tail)


def paired_binary(a: Sequence[float], b: Sequence[float]) -> Interval:
    """B - A for pass/fail scores of the same samples (a[i] and b[i] are one sample)."""
    n = len(a)
    both = sum(1 for x, y in zip(a, b, strict=True) if x and y)
    only_a = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    only_b = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    neither = n - both - only_a - only_b
    p1, p2 = (both + only_a) / n, (both + only_b) / n
    l1, u1 = wilson(both + only_a, n)
    l2, u2 = wilson(both + only_b, n)
    denominator = (both + only_a) * (neither + only_b) * (both + only_b) * (neither + only_a)
    phi = (both * neither - only_a * only_b) / math.sqrt(denominator) if denominator else 0.0
    # Newcombe (1998) method 10, written for B - A.
    below = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    above = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    delta = p2 - p1
    p_value = binomial_two_sided(only_b, only_a + only_b)
    return Interval(delta, max(-1.0, delta - below), min(1.0, delta + above), MCNEMAR,
                    p_value, n)


def unpaired_binary(a: Sequence[float], b: Sequence[float]) -> Interval:
    """B - A for pass/fail scores of different samples (Newcombe's method 10, phi = 0)."""
    p1, p2 = sum(a) / len(a), sum(b) / len(b)
    l1, u1 = wilson(sum(a), len(a))
    l2, u2 = wilson(sum(b), len(b))
    delta = p2 - p1
    below = math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    above = math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    return Interval(delta, delta - below, delta + above, NEWCOMBE_UNPAIRED, None,
                    min(len(a), len(b)))


def paired_bootstrap(a: Sequence[float], b: Sequence[float]) -> Interval:
    """B - A for numeric scores of the same samples: percentile bootstrap of the mean
    per-sample difference."""
    diffs = [y - x for x, y in zip(a, b, strict=True)]
    n = len(diffs)
    rng = random.Random(BOOTSTRAP_SEED)
    means = sorted(sum(rng.choices(diffs, k=n)) / n for _ in range(BOOTSTRAP_RESAMPLES))
    low, high = _percentiles(means)
    return Interval(sum(diffs) / n, low, high, BOOTSTRAP, None, n)


def unpaired_bootstrap(a: Sequence[float], b: Sequence[float]) -> Interval:
    rng = random.Random(BOOTSTRAP_SEED)
    means = sorted(
        sum(rng.choices(b, k=len(b))) / len(b) - sum(rng.choices(a, k=len(a))) / len(a)
        for _ in range(BOOTSTRAP_RESAMPLES)
    )
    low, high = _percentiles(means)
    return Interval(sum(b) / len(b) - sum(a) / len(a), low, high, BOOTSTRAP_UNPAIRED, None,
                    min(len(a), len(b)))


def _percentiles(ordered: list[float]) -> tuple[float, float]:
    last = len(ordered) - 1
    return ordered[round(0.025 * last)], ordered[round(0.975 * last)]


def difference(
    a: dict[str, float], b: dict[str, float], pair_shared: bool = True
) -> Interval | None:
    """B - A of the mean per-sample value (keys are sample ids), with the interval right
    for the scores: paired on the samples both runs hold (with `pair_shared`, also when
    each holds some the other does not, e.g. a sample that failed), else unpaired."""
    if not a or not b:
        return None
    binary = is_binary([*a.values(), *b.values()])
    shared = sorted(set(a) & set(b))
    if shared and (pair_shared or set(a) == set(b)):
        xs, ys = [a[k] for k in shared], [b[k] for k in shared]
        return paired_binary(xs, ys) if binary else paired_bootstrap(xs, ys)
    xs, ys = list(a.values()), list(b.values())
    return unpaired_binary(xs, ys) if binary else unpaired_bootstrap(xs, ys)


def standard_error(values: Sequence[float]) -> float | None:
    """The standard error of the mean (sample standard deviation / sqrt n)."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n)
