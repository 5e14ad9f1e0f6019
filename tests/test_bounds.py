"""Bounded everything a suite or a foreign log controls: template memory (at validate too),
a suite's regex on the model's text, `.eval` members, and the viewer with one broken log."""

from __future__ import annotations

import json
import urllib.request
import zipfile
from pathlib import Path

import pytest

from evalrunner.log import read_eval_log
from evalrunner.template import TemplateBudgetError, render
from evalrunner.viewer import BackgroundViewer
from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server
from tests.viewer_logs import write_log

BOMBS = [
    # `~` doubling, a method's and a filter's width, '%' widths, str.format widths
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s }}",
    "{{ 'x'.center(999999999) }}",
    "{{ 'x' | center(999999999) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%*d' % (999999999, 1) }}",
    "{{ '{:>{}}'.format(1, 999999999) }}",
    "{{ ('x' * 9000000).replace('', 'yy') }}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
    "{% set ns.s = '%s%s' % (ns.s, ns.s) %}{% endfor %}",
    "{{ [1] | batch(999999999, 'x') | list }}",
]


@pytest.mark.parametrize("template", BOMBS)
def test_a_template_cannot_build_gigabytes(template: str) -> None:
    with pytest.raises(TemplateBudgetError, match="more than 10,000,000"):
        render(template)


def test_ordinary_templates_still_render() -> None:
    assert render("{{ 'a' ~ b ~ 'c' }}|{{ '%5d' % 3 }}|{{ 'x' | center(5) }}|"
                  "{{ [1, 2] | join(',') }}|{{ '{:,}'.format(123456789) }}", b="B") \
        == "aBc|    3|  x  |1,2|123,456,789"


def test_validate_refuses_a_memory_bomb_in_an_expression(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """model: mockllm/model
params:
  wide: "${{ 'x'.center(999999999) }}"
  padded: "${{ '%0999999999d' % 1 }}"
tasks: [{dataset: {samples: [{input: hello}]}, plan: [generate]}]
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{suite}:3:10: cannot evaluate ${{{{ 'x'.center(999999999) }}}}: center(" \
        in result.stderr
    assert f"{suite}:4:12: cannot evaluate" in result.stderr and "2 errors" in result.stderr


def test_a_backtracking_pattern_fails_its_score_not_the_run(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - name: t
    dataset: {samples: [{id: slow, input: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"},
                        {id: fast, input: "aab"}]}
    plan: [generate]
    scorer: {pattern: {pattern: "(a|aa)+$"}}
""")
    with start_openai_server() as server:  # echoes the input
        result = run_cli("run", str(suite), "--model", "openai-api/test/small", "--log-dir",
                         str(tmp_path / "logs"), "--display", "plain",
                         "--fail-on-error", "false",
                         env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key",
                              "EVALRUNNER_REGEX_TIMEOUT": "0.2"})
    assert result.returncode == 0, result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    samples = {s.id: s for s in read_eval_log(log_file).samples}
    assert "took longer than 0.2 s" in str(samples["slow"].error)
    assert samples["fast"].error is None


def _bad_logs(folder: Path) -> None:
    with zipfile.ZipFile(folder / "bomb.eval", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("header.json", b" " * (3 * 2**20))  # 3 MB from a few KB
    (folder / "garbage.eval").write_bytes(b"not a zip")
    with zipfile.ZipFile(folder / "deep.eval", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("header.json", "[" * 100_000 + "]" * 100_000)


def test_bad_eval_files_are_skipped_with_a_located_message(tmp_path: Path) -> None:
    write_log(tmp_path / "good.json", 3)
    _bad_logs(tmp_path)
    env = {"EVALRUNNER_LOG_MEMBER_MB": "1"}
    result = run_cli("export", str(tmp_path), "--format", "jsonl", env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 3
    assert f"skipped {tmp_path / 'bomb.eval'}: header.json unpacks to more than 1 MB" \
        in result.stderr
    assert f"skipped {tmp_path / 'garbage.eval'}: not a valid Inspect log" in result.stderr
    assert f"skipped {tmp_path / 'deep.eval'}: JSON nested too deeply" in result.stderr
    named = run_cli("compare", str(tmp_path / "bomb.eval"), str(tmp_path / "good.json"),
                    env=env)
    assert named.returncode == 2 and "Traceback" not in named.stderr
    assert f"{tmp_path / 'bomb.eval'}: header.json unpacks to more than 1 MB" in named.stderr


def test_the_viewer_lists_the_good_logs_beside_broken_ones(tmp_path: Path) -> None:
    write_log(tmp_path / "good.json", 3)
    _bad_logs(tmp_path)
    write_log(tmp_path / "running.json", 3, finish=False)
    with (tmp_path / "running.json").open("ab") as f:
        f.write(b'{"id": 9, "epoch": 1, "input": "\xff\xfe not UTF-8"}\n')
    with BackgroundViewer(tmp_path) as viewer:
        with urllib.request.urlopen(viewer.url + "api/logs", timeout=60) as response:
            assert response.status == 200
            listed = json.loads(response.read())
        assert "good.json" in {row["id"] for row in listed}
        try:
            urllib.request.urlopen(viewer.url + "api/logs/garbage.eval", timeout=60)
        except urllib.error.HTTPError as ex:
            assert ex.code in (404, 422) and "error" in json.loads(ex.read())
