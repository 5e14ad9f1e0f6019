"""check_dataset: problems found reading the records, and the metadata keys available."""

from __future__ import annotations

import json
from pathlib import Path

from evalrunner.dataset import check_dataset

DATA = Path(__file__).parent / "data" / "dataset"


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_good_dataset_has_no_problems_and_reports_metadata_keys() -> None:
    spec = {"path": "stories.jsonl",
            "fields": {"input": "ctx", "target": "{{ 'ABCD'[label | int] }}",
                       "choices": "endings", "metadata": ["source_id", "ind"]}}
    assert check_dataset(spec, DATA) == ([], {"source_id", "ind"})


def test_metadata_keys_from_records_and_record_to_sample() -> None:
    assert check_dataset({"path": "qa.json"}, DATA) == ([], {"level"})
    spec = {"path": "stories.jsonl", "record_to_sample": "convert.py@record_to_sample"}
    assert check_dataset(spec, DATA) == ([], {"source_id"})
    assert check_dataset({"example": "theory_of_mind"}, DATA) == ([], {"question_type"})


def test_missing_file(tmp_path: Path) -> None:
    problems, keys = check_dataset({"path": "data/none.csv"}, tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("data/none.csv: file not found")
    assert keys == set()


def test_field_absent_from_first_records(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "qa.jsonl", [{"q": "a", "a": "b"}] * 5)
    spec = {"path": "qa.jsonl", "fields": {"input": "question", "target": "a",
                                           "metadata": ["source"]}}
    problems, _ = check_dataset(spec, tmp_path)
    assert problems == [
        "qa.jsonl:1: fields.input: no field 'question' in the record (it has: q, a)",
    ]  # once, not once per record; the first failing field stops that record


def test_each_distinct_problem_reported_once(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "qa.jsonl", [
        {"input": "a", "label": "1"}, {"input": "b"}, {"input": "c", "label": "x"},
        {"input": "d"},
    ])
    spec = {"path": "qa.jsonl", "fields": {"target": "label"}}
    problems, _ = check_dataset(spec, tmp_path)
    assert problems == ["qa.jsonl:2: fields.target: no field 'label' in the record "
                        "(it has: input)"]


def test_unreadable_record(tmp_path: Path) -> None:
    (tmp_path / "qa.jsonl").write_text('{"input": "a"}\n{"input": \n', encoding="utf-8")
    problems, _ = check_dataset({"path": "qa.jsonl"}, tmp_path)
    assert len(problems) == 1 and problems[0].startswith("qa.jsonl:2:")
    assert "invalid JSON" in problems[0]


def test_bad_jinja_expression(tmp_path: Path) -> None:
    spec = {"samples": [{"input": "a"}], "fields": {"target": "{{ label | int }"}}
    problems, _ = check_dataset(spec, tmp_path)
    assert len(problems) == 1 and problems[0].startswith("fields.target: bad Jinja expression")


def test_expression_over_missing_field(tmp_path: Path) -> None:
    spec = {"samples": [{"input": "a"}], "fields": {"target": "{{ 'AB'[label | int] }}"}}
    problems, _ = check_dataset(spec, tmp_path)
    assert problems == ["samples[0]: fields.target: 'label' is undefined"]


def test_duplicate_ids(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "qa.jsonl", [{"input": "a", "id": 1}, {"input": "b", "id": 1}])
    problems, _ = check_dataset({"path": "qa.jsonl"}, tmp_path)
    assert problems == ["qa.jsonl:2: duplicate sample id 1"]


def test_empty_dataset(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    problems, _ = check_dataset({"path": "empty.jsonl"}, tmp_path)
    assert problems == [f"{tmp_path / 'empty.jsonl'}: no records"]


def test_spec_problems(tmp_path: Path) -> None:
    assert check_dataset({"shuffle": True}, tmp_path)[0] == [
        "give one of: path, samples, example, hf"
    ]
    assert check_dataset({"samples": [{"input": "a"}], "shuffle": "yes"}, tmp_path)[0] == [
        "shuffle: expected true, false or an integer seed, got 'yes'"
    ]
    problems, _ = check_dataset({"samples": [{"input": "a"}],
                                 "record_to_sample": "convert.py@f"}, tmp_path)
    assert problems[0].startswith("record_to_sample: file 'convert.py' not found")


def test_a_local_file_is_read_to_the_end(tmp_path: Path) -> None:
    # A run would fail at record 101 after 100 model calls: the check reads that far.
    rows = [{"input": f"q{i}"} for i in range(100)] + [{"question": "no input"}]
    (tmp_path / "qa.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows) + "not json\n", encoding="utf-8"
    )
    problems, _ = check_dataset({"path": "qa.jsonl"}, tmp_path)
    assert problems == [
        "qa.jsonl:101: no 'input' field in the record (it has: question); "
        "map one with fields: {input: ...}",
        "qa.jsonl:102:1: invalid JSON: Expecting value",
    ]


def test_a_converter_raising_is_a_located_problem(tmp_path: Path) -> None:
    (tmp_path / "convert.py").write_text((
        "def convert(record):\n"
        "    if record['n'] == 121:\n"
        "        raise KeyError('answer')\n"
        "    return {'input': str(record['n'])}\n"
    ), encoding="utf-8")
    write_jsonl(tmp_path / "qa.jsonl", [{"n": i} for i in range(1, 201)])
    problems, _ = check_dataset({"path": "qa.jsonl", "record_to_sample": "convert.py@convert"},
                                tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("qa.jsonl:121: record_to_sample")
    assert "KeyError" in problems[0]


def test_record_without_input_suggests_a_mapping(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "qa.jsonl", [{"question": "a", "answer": "b"}])
    problems, _ = check_dataset({"path": "qa.jsonl"}, tmp_path)
    assert problems == ["qa.jsonl:1: no 'input' field in the record (it has: question, answer); "
                        "map one with fields: {input: ...}"]


def test_expression_that_fails_on_a_value(tmp_path: Path) -> None:
    spec = {"samples": [{"input": "a", "n": 0}], "fields": {"target": "{{ 10 // n }}"}}
    problems, _ = check_dataset(spec, tmp_path)
    assert problems == ["samples[0]: fields.target: ZeroDivisionError: integer division or "
                        "modulo by zero"]
