"""`--shard i/n`: split a task's samples across CI matrix jobs, one share per job."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from ..dataset._sample import Sample


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """`2/4` -> (2, 4): the second of four shares (1-based, like a CI matrix index + 1)."""
    if value is None or not str(value).strip():
        return None
    first, sep, second = str(value).strip().partition("/")
    try:
        index, count = int(first), int(second)
    except ValueError:
        index, count = 0, 0
    if not sep or count < 1 or not 1 <= index <= count:
        raise ValueError(f"invalid shard '{value}': use i/n with 1 <= i <= n")
    return index, count


def shard_samples(
    samples: Iterator[Sample], total: int | None, index: int, count: int
) -> tuple[Iterator[Sample], int | None]:
    """Every `count`-th sample starting from the `index`-th, after --limit and --sample-id.

    Dealing samples round-robin (rather than in blocks) keeps shards the same size within
    one sample and spreads a dataset sorted by difficulty evenly over the jobs. All of a
    sample's epochs stay in its shard, so epoch reducers work on each shard alone.
    """
    picked = islice(samples, index - 1, None, count)
    if total is None:
        return picked, None
    return picked, max(0, (total - index) // count + 1) if total >= index else 0
