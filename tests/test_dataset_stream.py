"""Streaming: a large file is read record by record, never held whole in memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from evalrunner.dataset import read_dataset

ROWS = 100_000
# Far below the size of the files (several MB) and of their samples held in a list (~100 MB).
MAX_PEAK = 1_000_000


def test_large_jsonl_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as file:
        for i in range(ROWS):
            file.write(f'{{"question": "What is {i} plus one?", "answer": "{i + 1}", '
                       f'"source": "generated-{i % 7}"}}\n')
    size = path.stat().st_size
    dataset = read_dataset(
        {"path": "big.jsonl", "fields": {"input": "question", "target": "answer",
                                         "metadata": ["source"]}},
        tmp_path,
    )
    tracemalloc.start()
    try:
        assert len(dataset) == ROWS  # the counting pass also streams
        after_count = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        count = 0
        last = None
        for sample in dataset:
            count += 1
            last = sample
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == ROWS
    assert last is not None and last.target == str(ROWS) and last.id == ROWS
    assert size > 5 * MAX_PEAK
    assert after_count < MAX_PEAK, f"peak {after_count} bytes counting a {size}-byte file"
    assert peak < MAX_PEAK, f"peak {peak} bytes while iterating a {size}-byte file"


def test_large_csv_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write("input,target\n")
        for i in range(ROWS // 2):
            file.write(f'"Row {i}, a quoted cell with a comma, some words, and more words",{i}\n')
    size = path.stat().st_size
    dataset = read_dataset({"path": "big.csv"}, tmp_path)
    tracemalloc.start()
    try:
        count = sum(1 for _ in dataset)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == ROWS // 2
    assert size > 3 * MAX_PEAK
    assert peak < MAX_PEAK, f"peak {peak} bytes while iterating a {size}-byte file"


def test_small_file_is_read_once_for_check_count_hash_and_samples(tmp_path: Path) -> None:
    """The checks' pass keeps a small file: the run's count, hash and samples are what was
    checked, from the same bytes, even when the file changes or goes away meanwhile."""
    import hashlib

    path = tmp_path / "small.jsonl"
    path.write_text("".join(f'{{"input": "q{i}", "target": "{i}"}}\n' for i in range(5)),
                    encoding="utf-8")
    expected_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    dataset = read_dataset({"path": "small.jsonl"}, tmp_path)
    assert [s.input for s in dataset] == [f"q{i}" for i in range(5)]
    path.write_text('{"input": "changed", "target": "x"}\n', encoding="utf-8")
    path.unlink()
    assert len(dataset) == 5 and dataset.hash == expected_hash
    assert [(s.id, s.target) for s in dataset] == [(i + 1, str(i)) for i in range(5)]


def test_file_above_the_keep_size_is_read_again(tmp_path: Path) -> None:
    from evalrunner.dataset import _source

    path = tmp_path / "big.jsonl"
    line = '{"input": "%s", "target": "t"}\n' % ("x" * 1000)
    path.write_text(line * (_source.KEEP_BYTES // len(line) + 1), encoding="utf-8")
    dataset = read_dataset({"path": "big.jsonl"}, tmp_path)
    assert sum(1 for _ in dataset) == _source.KEEP_BYTES // len(line) + 1
    path.write_text(line, encoding="utf-8")  # not kept: the next pass sees the new file
    assert sum(1 for _ in dataset) == 1
