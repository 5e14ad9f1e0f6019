"""Fuzz the suite loader and the checks before a run with mutated copies of the shipped suites.

    python bench/fuzz_suites.py [--seconds 60] [--seed N] [--keep DIR]

Each case takes a suite from `suites/`, mutates it (hypothesis draws the mutation: a line
deleted, duplicated, cut or indented; a value replaced by a hostile one such as `hot`,
`-1`, `*a`, an alias bomb, `${{ nope }}` or `{{ x | nosuchfilter }}`; a key misspelt,
dropped or added) and runs what `evalrunner validate` runs (`prepare_run`, in-process).
The only outcomes allowed are success and errors that are located (`file:line:column:
message`, or `--option: message`); anything else (an exception, an error with no place)
is a failure, printed with the mutated text and kept under `--keep` to reproduce.

Prints the cases run, how many were accepted and rejected, and the failures; exits 1 if
there was any. No model is called and nothing reaches the network.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
LOCATED = re.compile(r"^(?:\S.*?:\d+:\d+|--[a-z-]+): \S")

# Values that once got past validate, or that a YAML reader can choke on.
HOSTILE: list[Any] = [
    "hot", -1, 0, 1.5, 99999999999, True, "yes", "1.10", None, "", " ", [], {}, [[]],
    {"temprature": 0.5}, {"temperature": "hot"}, "locl/smollm2", "gpt4", "nosuch/x",
    "grader", "acuracy", "${{ nope }}", "${{ params.x }}", "${{ 1 +", "{{ x | nosuchfilter }}",
    "{prompt}", "{{ prompt", "devops.txt", "nowhere.jsonl", "data/none.csv", "x.py@nothing",
    "generate", "match", {"generate": {"tool_calls": "sometimes"}}, {"if": False},
    {"model_graded_fact": {"grade_pattern": "([CI"}}, "\u0000", "\ud7ff" * 3, "é" * 50,
]
TEXT_SNIPPETS = [
    "*a", "&a [*a]", "x: &a [*a]", "<<: *nope", "!!python/object:os.system", "{", "[",
    "]", "}", ":", "- ", "\t", "'", '"', "%YAML 1.1", "---", "...", "? x", "|", ">-",
    "${{", "}}", "@", "\\x00",
]
# Nine levels of nine aliases: 387,420,489 strings if expanded.
BOMB = "\n".join(
    ['bomb-0: &b0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"bomb-{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]" for i in range(1, 10)]
)


def shipped_suites(root: Path) -> list[Path]:
    from evalrunner.suite import find_suites

    return find_suites([root / "suites"])


def values(draw: Any) -> Any:
    return draw(st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=12),
        st.integers(min_value=-5, max_value=10**12),
        st.lists(st.sampled_from(HOSTILE[:12]), max_size=3),
    ))


def mutate_data(data: Any, draw: Any) -> Any:
    """Replace, drop or add one entry somewhere in the parsed suite."""
    containers: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict | list):
            containers.append(node)
            for child in node.values() if isinstance(node, dict) else node:
                walk(child)

    walk(data)
    if not containers:
        return values(draw)
    target = draw(st.sampled_from(containers))
    action = draw(st.sampled_from(["replace", "drop", "add", "typo"]))
    if isinstance(target, dict):
        keys = list(target)
        if action == "typo" and keys:  # a misspelt key: `temprature`, `modle`
            key = draw(st.sampled_from(keys))
            cut = draw(st.integers(min_value=0, max_value=max(0, len(key) - 1)))
            target[key[:cut] + key[cut + 1:]] = target.pop(key)
        elif action == "add" or not keys:
            name = draw(st.sampled_from(["model", "config", "model_roles", "thresholds",
                                         "plan", "scorer", "metrics", "epochs", "nonsense",
                                         "x-note", "if", "id", "dataset", "limit"]))
            target[name] = values(draw)
        elif action == "drop":
            del target[draw(st.sampled_from(keys))]
        else:
            target[draw(st.sampled_from(keys))] = values(draw)
    elif target:
        index = draw(st.integers(min_value=0, max_value=len(target) - 1))
        if action == "drop":
            del target[index]
        else:
            target[index] = values(draw)
    else:
        target.append(values(draw))
    return data


def mutate_text(text: str, draw: Any) -> str:
    lines = text.splitlines()
    if not lines:
        return draw(st.sampled_from(TEXT_SNIPPETS))
    i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
    action = draw(st.sampled_from(["delete", "duplicate", "cut", "indent", "insert",
                                   "truncate", "bomb", "snippet-value"]))
    if action == "delete":
        del lines[i]
    elif action == "duplicate":
        lines.insert(i, lines[i])
    elif action == "cut":
        lines[i] = lines[i][: draw(st.integers(min_value=0, max_value=len(lines[i])))]
    elif action == "indent":
        lines[i] = " " * draw(st.integers(min_value=0, max_value=6)) + lines[i].lstrip()
    elif action == "insert":
        at = draw(st.integers(min_value=0, max_value=len(lines[i])))
        lines[i] = lines[i][:at] + draw(st.sampled_from(TEXT_SNIPPETS)) + lines[i][at:]
    elif action == "truncate":
        return text[: draw(st.integers(min_value=0, max_value=len(text)))]
    elif action == "bomb":
        lines.insert(0, BOMB)
    else:
        key, sep, _ = lines[i].partition(": ")
        if sep:
            lines[i] = f"{key}: {draw(st.sampled_from(TEXT_SNIPPETS))}"
    return "\n".join(lines) + "\n"


class Fuzzer:
    def __init__(self, workdir: Path, keep: Path | None) -> None:
        self.workdir = workdir
        self.keep = keep
        self.suites = shipped_suites(workdir)
        self.cases = self.accepted = self.rejected = 0
        self.failures: list[tuple[str, str]] = []

    def check(self, text: str, original: Path) -> None:
        from evalrunner.runner import RunOptions, prepare_run
        from evalrunner.suite import SpecErrors

        target = original.with_name(f"_fuzz_{original.name}")
        target.write_text(text, encoding="utf-8", errors="surrogatepass")
        self.cases += 1
        try:
            prepare_run([target], {}, (), RunOptions(), writes=False)
            self.accepted += 1
        except SpecErrors as ex:
            self.rejected += 1
            unlocated = [str(e) for e in ex.errors if not LOCATED.match(str(e))]
            if unlocated:
                self.fail(text, "unlocated error: " + unlocated[0])
        except Exception:
            self.fail(text, traceback.format_exc(limit=6))

    def fail(self, text: str, why: str) -> None:
        self.failures.append((text, why))
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            (self.keep / f"failure-{len(self.failures)}.yml").write_text(text, encoding="utf-8")

    def batch(self, first: int, examples: int) -> None:
        @seed(first)
        @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(st.data())
        def case(data: st.DataObject) -> None:
            original = data.draw(st.sampled_from(self.suites))
            text = original.read_text(encoding="utf-8")
            if data.draw(st.booleans()):
                mutated = mutate_text(text, data.draw)
            else:
                parsed = yaml.safe_load(text)
                mutated = yaml.safe_dump(mutate_data(parsed, data.draw), sort_keys=False,
                                         allow_unicode=True)
            self.check(mutated, original)

        case()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="How long to fuzz.")
    parser.add_argument("--seed", type=int, default=0, help="First batch's seed.")
    parser.add_argument("--keep", type=Path, help="Folder to keep failing cases in.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="evalrunner-fuzz-") as tmp:
        workdir = Path(tmp)
        # A copy: mutated suites sit beside the originals so data and templates resolve.
        shutil.copytree(ROOT / "suites", workdir / "suites")
        (workdir / "pyproject.toml").write_text("", encoding="utf-8")  # the project root
        fuzzer = Fuzzer(workdir, args.keep)
        started = time.monotonic()
        batch = args.seed
        while time.monotonic() - started < args.seconds:
            fuzzer.batch(batch, examples=20)
            batch += 1
        elapsed = time.monotonic() - started
    print(f"suites mutated: {len(fuzzer.suites)} shipped suites, seeds {args.seed}..{batch - 1}")
    print(f"cases run: {fuzzer.cases} in {elapsed:.0f} s "
          f"({fuzzer.accepted} accepted, {fuzzer.rejected} rejected with located errors)")
    print(f"failures (traceback or unlocated error): {len(fuzzer.failures)}")
    for text, why in fuzzer.failures[:5]:
        print("-" * 60)
        print(why.rstrip())
        print("--- suite:")
        print(text[:1500])
    sys.exit(1 if fuzzer.failures else 0)


if __name__ == "__main__":
    main()
