"""Image parts: local paths become data URLs relative to the dataset file; URLs pass."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import fsspec
import pytest

from evalrunner.dataset import DatasetError, check_dataset, read_dataset
from evalrunner.model._chat import ContentImage

DATA = Path(__file__).parent / "data" / "dataset"
PNG = (DATA / "images" / "dot.png").read_bytes()


def images_of(sample_input: object) -> list[str]:
    assert isinstance(sample_input, list)
    return [
        part.image
        for message in sample_input
        if not isinstance(message.content, str)
        for part in message.content
        if isinstance(part, ContentImage)
    ]


def image_row(image: str, text: str = "What is this?") -> str:
    content = [{"type": "text", "text": text}, {"type": "image", "image": image}]
    return json.dumps({"input": [{"role": "user", "content": content}], "target": "x"}) + "\n"


def test_relative_image_becomes_data_url_and_urls_pass() -> None:
    first, second = read_dataset({"path": "chat.jsonl"}, DATA)
    [url] = images_of(first.input)
    assert url == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert images_of(second.input) == ["https://example.com/dot.png"]


def test_image_path_is_relative_to_the_dataset_file_not_the_suite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "pics").mkdir(parents=True)
    shutil.copy(DATA / "images" / "dot.png", data / "pics" / "photo.JPG")
    (data / "q.jsonl").write_text(image_row("pics/photo.JPG"), encoding="utf-8")
    [sample] = read_dataset({"path": "data/q.jsonl"}, tmp_path)
    [url] = images_of(sample.input)
    assert url.startswith("data:image/jpeg;base64,")  # mime type from the extension
    assert base64.b64decode(url.split(",", 1)[1]) == PNG


def test_data_url_passes_through(tmp_path: Path) -> None:
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    (tmp_path / "q.jsonl").write_text(image_row(data_url), encoding="utf-8")
    [sample] = read_dataset({"path": "q.jsonl"}, tmp_path)
    assert images_of(sample.input) == [data_url]


def test_missing_image_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text(image_row("x.png") + image_row("gone.png"), encoding="utf-8")
    (tmp_path / "x.png").write_bytes(PNG)
    with pytest.raises(DatasetError, match=r"q.jsonl:2: image 'gone.png' not found"):
        list(read_dataset({"path": "q.jsonl"}, tmp_path))


def test_missing_image_is_a_check_problem(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text(image_row("gone.png") * 3, encoding="utf-8")
    problems, _ = check_dataset({"path": "q.jsonl"}, tmp_path)
    assert problems == [
        "q.jsonl:1: image 'gone.png' not found (looked in the folder of q.jsonl)"
    ]  # reported once, at the first record that has it


def test_not_an_image_type(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text(image_row("notes.txt"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"image 'notes.txt' is not a known image type"):
        list(read_dataset({"path": "q.jsonl"}, tmp_path))


def test_inline_sample_image_is_relative_to_the_suite(tmp_path: Path) -> None:
    (tmp_path / "dot.png").write_bytes(PNG)
    content = [{"type": "image", "image": "dot.png"}]
    spec = {"samples": [{"input": [{"role": "user", "content": content}]}]}
    [sample] = read_dataset(spec, tmp_path)
    assert images_of(sample.input)[0].startswith("data:image/png;base64,")


def test_image_beside_a_remote_dataset() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/evalrunner-img/set/q.jsonl", image_row("img/dot.png").encode())
    fs.pipe("/evalrunner-img/set/img/dot.png", PNG)
    try:
        [sample] = read_dataset({"path": "memory://evalrunner-img/set/q.jsonl"}, Path("/"))
        [url] = images_of(sample.input)
        assert base64.b64decode(url.split(",", 1)[1]) == PNG
    finally:
        fs.rm("/evalrunner-img", recursive=True)


def test_images_after_limit_are_not_read(tmp_path: Path) -> None:
    rows = image_row("dot.png") + image_row("missing.png")
    (tmp_path / "q.jsonl").write_text(rows, encoding="utf-8")
    (tmp_path / "dot.png").write_bytes(PNG)
    assert len(list(read_dataset({"path": "q.jsonl", "limit": 1}, tmp_path))) == 1
