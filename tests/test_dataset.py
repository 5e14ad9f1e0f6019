"""Dataset readers, field mapping and record_to_sample, on real files."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import fsspec
import pytest

from evalrunner.dataset import Dataset, DatasetError, Sample, read_dataset
from evalrunner.model._chat import ChatMessageSystem, ChatMessageUser

DATA = Path(__file__).parent / "data" / "dataset"


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_with_own_field_names(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "qa.jsonl", [
        {"input": "1+1?", "target": "2", "metadata": {"level": 1}},
        {"input": "2+2?", "target": 4, "id": "four", "extra": "ignored"},
    ])
    dataset = read_dataset({"path": "qa.jsonl"}, tmp_path)
    samples = list(dataset)
    assert [s.input for s in samples] == ["1+1?", "2+2?"]
    assert [s.target for s in samples] == ["2", "4"]  # numbers become text
    assert [s.id for s in samples] == [1, "four"]
    assert samples[0].metadata == {"level": 1}
    assert dataset.name == "qa"
    assert dataset.location == str(tmp_path / "qa.jsonl")
    assert len(dataset) == 2


def test_jsonl_skips_blank_lines_and_reports_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"input": "a"}\n\n{"input": "b"}\n{"input": oops}\n', encoding="utf-8")
    dataset = read_dataset({"path": "bad.jsonl"}, tmp_path)
    assert len(dataset) == 3
    with pytest.raises(DatasetError, match=r"^bad.jsonl:4:11: invalid JSON"):
        list(dataset)


def test_jsonl_line_must_be_an_object(tmp_path: Path) -> None:
    (tmp_path / "list.jsonl").write_text('["a", "b"]\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"list.jsonl:1:1: expected a JSON object, found list"):
        list(read_dataset({"path": "list.jsonl"}, tmp_path))


def test_csv_with_field_mapping_and_quoted_newline() -> None:
    spec = {"path": "qa.csv", "fields": {"input": "question", "target": "answer",
                                         "metadata": ["topic"]}}
    dataset = read_dataset(spec, DATA)
    samples = list(dataset)
    assert len(dataset) == 3  # the quoted cell spans two lines but is one row
    assert samples[1].input == "Name the capital of France, in one word."
    assert samples[2].input == "Which word follows\non the next line?"
    assert [s.target for s in samples] == ["4", "Paris", "line"]
    assert [s.metadata for s in samples] == [
        {"topic": "arithmetic"}, {"topic": "geography"}, {"topic": "quoting"}
    ]


def test_csv_choices_written_as_json_and_tsv(tmp_path: Path) -> None:
    (tmp_path / "mc.csv").write_text(
        'input,choices,target\nPick one,"[""red"", ""blue""]",A\n', encoding="utf-8"
    )
    (tmp_path / "mc.tsv").write_text("input\ttarget\nTabbed\tyes\n", encoding="utf-8")
    [sample] = read_dataset({"path": "mc.csv"}, tmp_path)
    assert sample.choices == ["red", "blue"]
    [tabbed] = read_dataset({"path": "mc.tsv"}, tmp_path)
    assert (tabbed.input, tabbed.target) == ("Tabbed", "yes")


def test_csv_row_longer_than_header(tmp_path: Path) -> None:
    (tmp_path / "wide.csv").write_text("input,target\na,b\nc,d,e\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"wide.csv:3: more values than the header"):
        list(read_dataset({"path": "wide.csv"}, tmp_path))


def test_json_array() -> None:
    samples = list(read_dataset({"path": "qa.json"}, DATA))
    assert [s.id for s in samples] == ["sq-3", "sq-4"]
    assert samples[1].target == ["16", "sixteen"]
    assert samples[1].metadata == {"level": 2}


def test_json_must_be_an_array(tmp_path: Path) -> None:
    (tmp_path / "obj.json").write_text('{"input": "a"}', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"obj.json: expected a JSON array"):
        list(read_dataset({"path": "obj.json"}, tmp_path))


def test_inline_samples_are_hashed_canonically(tmp_path: Path) -> None:
    a = read_dataset({"samples": [{"input": "x", "target": "y"}]}, tmp_path)
    b = read_dataset({"samples": [{"target": "y", "input": "x"}]}, tmp_path)
    c = read_dataset({"samples": [{"input": "x", "target": "z"}]}, tmp_path)
    assert a.hash == b.hash != c.hash
    assert [s.id for s in a] == [1]
    assert (a.name, a.location) == ("samples", "inline")


def test_inline_sample_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"samples\[1\]: expected a mapping"):
        read_dataset({"samples": [{"input": "a"}, "b"]}, tmp_path)


@pytest.mark.parametrize(("name", "count"), [("security_guide", 16), ("theory_of_mind", 20)])
def test_bundled_examples(name: str, count: int, tmp_path: Path) -> None:
    dataset = read_dataset({"example": name}, tmp_path)
    samples = list(dataset)
    assert len(dataset) == len(samples) == count
    assert all(isinstance(s.input, str) and s.input.endswith("?") for s in samples)
    assert all(isinstance(s.target, str) and s.target for s in samples)
    assert dataset.location == f"example:{name}"
    assert [s.id for s in samples] == list(range(1, count + 1))


def test_theory_of_mind_targets_are_one_word(tmp_path: Path) -> None:
    samples = list(read_dataset({"example": "theory_of_mind"}, tmp_path))
    assert all(" " not in str(s.target) for s in samples)
    assert all(str(s.target) in str(s.input) for s in samples)


def test_unknown_example_suggests_a_name(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"did you mean theory_of_mind"):
        read_dataset({"example": "theory_of_mnd"}, tmp_path)


def test_fields_by_name_and_by_expression() -> None:
    spec = {
        "path": "stories.jsonl",
        "fields": {
            "input": "ctx",
            "target": "{{ 'ABCD'[label | int] }}",
            "choices": "endings",
            "id": "ind",
            "metadata": {"source": "source_id", "n_choices": "{{ endings | length }}",
                         "note": "label {{ label }} of {{ record['ind'] }}"},
        },
    }
    samples = list(read_dataset(spec, DATA))
    assert [s.target for s in samples] == ["A", "B", "C"]
    assert [s.id for s in samples] == [14, 27, 31]
    assert samples[0].choices is not None and len(samples[0].choices) == 4
    # A lone {{ expr }} keeps its type; mixed text renders to a string.
    assert samples[1].metadata == {"source": "story-2", "n_choices": 4, "note": "label 1 of 27"}


def test_fields_expression_keeps_list_type(tmp_path: Path) -> None:
    spec = {"samples": [{"q": "pick", "a": "x", "b": "y"}],
            "fields": {"input": "q", "choices": "{{ [a, b] }}", "target": "{{ b }}"}}
    [sample] = read_dataset(spec, tmp_path)
    assert sample.choices == ["x", "y"]
    assert sample.target == "y"


def test_fields_dotted_name_reaches_nested_objects(tmp_path: Path) -> None:
    spec = {"samples": [{"q": {"text": "nested?"}, "answer": {"value": 3}}],
            "fields": {"input": "q.text", "target": "answer.value"}}
    [sample] = read_dataset(spec, tmp_path)
    assert (sample.input, sample.target) == ("nested?", "3")


def test_fields_unmapped_keys_use_record_names(tmp_path: Path) -> None:
    spec = {"samples": [{"input": "hi", "answer": "hello", "id": 9}],
            "fields": {"target": "answer"}}
    [sample] = read_dataset(spec, tmp_path)
    assert (sample.input, sample.target, sample.id) == ("hi", "hello", 9)
    assert sample.metadata is None


def test_metadata_list(tmp_path: Path) -> None:
    spec = {"samples": [{"input": "a", "src": "s1", "level": 2, "junk": 0}],
            "fields": {"metadata": ["src", "level"]}}
    [sample] = read_dataset(spec, tmp_path)
    assert sample.metadata == {"src": "s1", "level": 2}


def test_missing_mapped_field_is_located(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "qa.jsonl", [{"question": "a", "answer": "b"}, {"question": "c"}])
    spec = {"path": "qa.jsonl", "fields": {"input": "question", "target": "answer"}}
    with pytest.raises(DatasetError, match=r"qa.jsonl:2: fields.target: no field 'answer' "
                                           r"in the record \(it has: question\)"):
        list(read_dataset(spec, tmp_path))


def test_undefined_name_in_expression_is_located(tmp_path: Path) -> None:
    spec = {"samples": [{"input": "a"}], "fields": {"target": "{{ lable }}"}}
    with pytest.raises(DatasetError, match=r"samples\[0\]: fields.target: 'lable' is undefined"):
        list(read_dataset(spec, tmp_path))


def test_bad_jinja_and_unknown_field_key_fail_at_read(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"fields.target: bad Jinja expression"):
        read_dataset({"samples": [{"input": "a"}], "fields": {"target": "{{ a + }}"}}, tmp_path)
    with pytest.raises(DatasetError, match=r"unknown sample key 'traget' .did you mean target"):
        read_dataset({"samples": [{"input": "a"}], "fields": {"traget": "t"}}, tmp_path)


def test_expressions_are_sandboxed(tmp_path: Path) -> None:
    spec = {"samples": [{"input": "a"}], "fields": {"target": "{{ input.__class__.__mro__ }}"}}
    with pytest.raises(DatasetError, match=r"fields.target"):
        list(read_dataset(spec, tmp_path))


def test_record_to_sample() -> None:
    spec = {"path": "stories.jsonl", "record_to_sample": "convert.py@record_to_sample"}
    dataset = read_dataset(spec, DATA)
    samples = list(dataset)
    assert [s.target for s in samples] == ["A", "B", "C"]
    assert [s.id for s in samples] == [14, 27, 31]
    assert samples[2].metadata == {"source_id": "story-3"}
    assert len(dataset) == 3


def test_record_to_sample_returning_several_samples() -> None:
    spec = {"path": "stories.jsonl", "record_to_sample": "convert.py@two_per_record"}
    dataset = read_dataset(spec, DATA)
    samples = list(dataset)
    assert len(dataset) == len(samples) == 6
    # Auto ids number samples, not records; explicit ids are kept.
    assert [s.id for s in samples] == [1, "14-b", 3, "27-b", 5, "31-b"]


def test_record_to_sample_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"record_to_sample: .*'nope' is not defined"):
        read_dataset({"path": "stories.jsonl", "record_to_sample": "convert.py@nope"}, DATA)
    spec = {"path": "stories.jsonl", "record_to_sample": "convert.py@broken"}
    with pytest.raises(DatasetError, match=r"stories.jsonl:1: record_to_sample failed: KeyError"):
        list(read_dataset(spec, DATA))
    with pytest.raises(DatasetError, match=r"either fields or record_to_sample"):
        read_dataset({"path": "stories.jsonl", "record_to_sample": "convert.py@broken",
                      "fields": {"input": "ctx"}}, DATA)


def test_chat_message_input() -> None:
    samples = list(read_dataset({"path": "chat.jsonl"}, DATA))
    first = samples[0].input
    assert isinstance(first, list)
    assert isinstance(first[0], ChatMessageSystem)
    assert isinstance(first[1], ChatMessageUser)
    assert first[1].text == "What colour is this dot?"
    assert [s.id for s in samples] == ["pic-1", "pic-2"]


def test_invalid_sample_value_is_located(tmp_path: Path) -> None:
    spec = {"samples": [{"input": [{"role": "robot", "content": "x"}]}]}
    with pytest.raises(DatasetError, match=r"samples\[0\]: input"):
        list(read_dataset(spec, tmp_path))


def test_shuffle_with_seed_is_deterministic_and_recorded(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "n.jsonl", [{"input": f"q{i}"} for i in range(50)])
    first = read_dataset({"path": "n.jsonl", "shuffle": 7}, tmp_path)
    again = read_dataset({"path": "n.jsonl", "shuffle": 7}, tmp_path)
    other = read_dataset({"path": "n.jsonl", "shuffle": 8}, tmp_path)
    order = [int(str(s.id)) for s in first]
    assert (first.shuffled, first.seed) == (True, 7)
    assert order == [int(str(s.id)) for s in again] == [int(str(s.id)) for s in first]
    assert order != [int(str(s.id)) for s in other]
    assert sorted(order) == list(range(1, 51))  # ids follow file order, not shuffled order
    assert order != sorted(order)


def test_shuffle_true_picks_and_records_a_seed(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "n.jsonl", [{"input": f"q{i}"} for i in range(30)])
    dataset = read_dataset({"path": "n.jsonl", "shuffle": True}, tmp_path)
    assert dataset.shuffled and isinstance(dataset.seed, int)
    replay = read_dataset({"path": "n.jsonl", "shuffle": dataset.seed}, tmp_path)
    assert [s.id for s in dataset] == [s.id for s in replay]
    plain = read_dataset({"path": "n.jsonl", "shuffle": False}, tmp_path)
    assert (plain.shuffled, plain.seed) == (False, None)


def test_limit(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "n.jsonl", [{"input": f"q{i}"} for i in range(10)])
    dataset = read_dataset({"path": "n.jsonl", "limit": 4}, tmp_path)
    assert [s.id for s in dataset] == [1, 2, 3, 4]
    assert len(dataset) == 4
    shuffled = read_dataset({"path": "n.jsonl", "limit": 4, "shuffle": 1}, tmp_path)
    assert len(list(shuffled)) == 4
    assert len(read_dataset({"path": "n.jsonl", "limit": 40}, tmp_path)) == 10
    with pytest.raises(DatasetError, match=r"limit: expected a number"):
        read_dataset({"path": "n.jsonl", "limit": "all"}, tmp_path)


def test_hash_is_sha256_of_file_bytes(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "n.jsonl", [{"input": f"q{i}"} for i in range(5)])
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    streamed = read_dataset({"path": "n.jsonl"}, tmp_path)
    list(streamed)  # computed while reading
    assert streamed.hash == expected
    assert read_dataset({"path": "n.jsonl"}, tmp_path).hash == expected  # or on demand


def test_gzip_file_is_read_and_hashed_raw(tmp_path: Path) -> None:
    raw = b'{"input": "zipped", "target": "yes"}\n'
    (tmp_path / "z.jsonl.gz").write_bytes(gzip.compress(raw))
    dataset = read_dataset({"path": "z.jsonl.gz"}, tmp_path)
    assert [s.input for s in dataset] == ["zipped"]
    assert dataset.name == "z"
    assert dataset.hash == hashlib.sha256((tmp_path / "z.jsonl.gz").read_bytes()).hexdigest()


def test_memory_url_through_fsspec() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/evalrunner-test/remote.csv", b"input,target\nfrom memory,ok\n")
    try:
        dataset = read_dataset({"path": "memory://evalrunner-test/remote.csv"}, Path("/"))
        [sample] = list(dataset)
        assert (sample.input, sample.target) == ("from memory", "ok")
        assert dataset.location == "memory://evalrunner-test/remote.csv"
        assert dataset.name == "remote"
    finally:
        fs.rm("/evalrunner-test", recursive=True)


def test_file_url(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "f.jsonl", [{"input": "via file url"}])
    [sample] = read_dataset({"path": (tmp_path / "f.jsonl").as_uri()}, Path("/"))
    assert sample.input == "via file url"


def test_missing_file_and_unknown_type(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"nope.jsonl: file not found"):
        read_dataset({"path": "nope.jsonl"}, tmp_path)
    with pytest.raises(DatasetError, match=r"unsupported file type '.txt' \(supported: csv, "):
        read_dataset({"path": "notes.txt"}, tmp_path)


def test_missing_filesystem_package_is_named(tmp_path: Path) -> None:
    # gcsfs is in no extra (s3fs is: CI installs it), so its absence holds everywhere.
    with pytest.raises(DatasetError, match=r"gcsfs"):
        read_dataset({"path": "gcs://some-bucket/data.jsonl"}, tmp_path)


def test_spec_needs_exactly_one_source(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"give one of: path, samples, example, hf"):
        read_dataset({"limit": 3}, tmp_path)
    with pytest.raises(DatasetError, match=r"give only one of: path, samples"):
        read_dataset({"path": "a.jsonl", "samples": []}, tmp_path)


def test_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes("input\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"latin.csv: not UTF-8 text"):
        list(read_dataset({"path": "latin.csv"}, tmp_path))


def test_from_samples() -> None:
    dataset = Dataset.from_samples([Sample(input="a", target="b"), {"input": "c", "id": "x"}])
    assert [(s.input, s.id) for s in dataset] == [("a", 1), ("c", "x")]
    assert len(dataset) == 2 and len(dataset.hash) == 64


def test_iteration_in_a_worker_thread(tmp_path: Path) -> None:
    import concurrent.futures

    write_jsonl(tmp_path / "n.jsonl", [{"input": f"q{i}"} for i in range(100)])
    dataset = read_dataset({"path": "n.jsonl"}, tmp_path)
    stream = dataset.samples  # created here, consumed in another thread
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        ids = pool.submit(lambda: [s.id for s in stream]).result()
    assert ids == list(range(1, 101))


def test_record_fields_named_like_parameters(tmp_path: Path) -> None:
    # `self` is Jinja's own name in a template; `record` reaches any field by its key.
    spec = {"samples": [{"self": "s", "text": "t", "source": "o", "input": "i"}],
            "fields": {"target": "{{ record['self'] }}-{{ text }}-{{ source }}",
                       "metadata": {"s": "{{ record.self }}", "t": "{{ text }}"}}}
    [sample] = read_dataset(spec, tmp_path)
    assert (sample.target, sample.metadata) == ("s-t-o", {"s": "s", "t": "t"})


def test_a_new_format_is_one_registered_reader(tmp_path: Path) -> None:
    from collections.abc import Iterator, Mapping
    from typing import IO, Any

    from evalrunner import registry
    from evalrunner.dataset import Record, file_reader

    def parse_lines(text: IO[str], display: str) -> Iterator[Record]:
        for n, line in enumerate(text, 1):
            question, _, answer = line.rstrip("\n").partition("=")
            yield Record({"input": question, "target": answer}, f"{display}:{n}")

    reader = file_reader(parse_lines)

    def read(spec: Mapping[str, Any], base_dir: Path) -> Any:
        return reader(spec, base_dir)

    (tmp_path / "sums.qa").write_text("1+1=2\n2+3=5\n", encoding="utf-8")
    registry.register("dataset", "qa", read, reader=True, file_format=True)
    try:
        dataset = read_dataset({"path": "sums.qa"}, tmp_path)
        assert [(s.input, s.target) for s in dataset] == [("1+1", "2"), ("2+3", "5")]
        assert len(dataset) == 2
    finally:
        del registry._REGISTRY[("dataset", "qa")]


def test_path_without_extension(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"^data: no file extension to tell the format"):
        read_dataset({"path": "data"}, tmp_path)
