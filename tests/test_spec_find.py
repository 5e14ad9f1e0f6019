"""Finding suites in folders: what counts as a suite, what is skipped."""

from __future__ import annotations

from pathlib import Path

from evalrunner.suite import find_suites
from tests.conftest import write

SUITE = "tasks:\n  - dataset: {example: theory_of_mind}\n"


def test_folders_are_searched_recursively_and_sorted(tmp_path: Path) -> None:
    b = write(tmp_path / "b.yml", SUITE)
    a = write(tmp_path / "nested" / "deeper" / "a.yaml", SUITE)
    c = write(tmp_path / "a.yml", "name: quoted keys count\n'tasks':\n  - {}\n")
    assert find_suites([tmp_path]) == sorted([a, b, c])


def test_only_yaml_mappings_with_a_tasks_key(tmp_path: Path) -> None:
    write(tmp_path / "config.yml", "model: x\nsettings:\n  tasks: 3\n")  # nested tasks key
    write(tmp_path / "list.yml", "- tasks: []\n")
    write(tmp_path / "notes.txt", SUITE)
    write(tmp_path / "workflow.yml", "on: push\njobs: {}\n")
    broken = write(tmp_path / "broken.yml", "tasks:\n  - [unclosed\n")
    # A suite with a syntax error is still found, so that loading it reports the error.
    assert find_suites([tmp_path]) == [broken]


def test_skipped_names_and_folders(tmp_path: Path) -> None:
    kept = write(tmp_path / "suites" / "keep.yml", SUITE)
    for skipped in (
        ".hidden/s.yml", "_private/s.yml", "env/s.yml", "venv/s.yml", "tests/s.yml",
        "node_modules/pkg/s.yml", "suites/_draft.yml", "suites/.wip.yml",
        "suites/deep/tests/s.yml",
    ):
        write(tmp_path / skipped, SUITE)
    assert find_suites([tmp_path]) == [kept]


def test_a_file_is_itself_even_when_the_rules_would_skip_it(tmp_path: Path) -> None:
    hidden = write(tmp_path / "tests" / "_odd.yml", "name: no tasks here\n")
    folder_suite = write(tmp_path / "other" / "s.yml", SUITE)
    assert find_suites([hidden, tmp_path / "other", hidden]) == sorted([hidden, folder_suite])
