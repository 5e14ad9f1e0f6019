"""`answer`: the text after "ANSWER:" (a letter, a word or the rest of the line)."""

from __future__ import annotations

import re
from typing import Literal, get_args

from ...solvers._task_state import Target, TaskState
from .._score import INCORRECT, Score
from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr
from ._common import score_targets
from ._text import fold

AnswerPattern = Literal["letter", "word", "line"]

# Markdown emphasis or brackets a model may put around its answer are skipped; a model
# echoing the instruction ("ANSWER: $LETTER") gives no answer.
_PATTERNS: dict[str, re.Pattern[str]] = {
    "letter": re.compile(r"ANSWER\s*:\s*[*_(\[]*([A-Za-z])(?![A-Za-z0-9])", re.IGNORECASE),
    "word": re.compile(r"ANSWER\s*:\s*[*_(\[\"']*(\w+)", re.IGNORECASE),
    "line": re.compile(r"ANSWER\s*:[ \t]*(?:\n[ \t]*)?([^\n]*\S)", re.IGNORECASE),
}


@scorer(metrics=[accuracy(), stderr()])
def answer(pattern: AnswerPattern = "line") -> Scorer:
    """Compare the answer after the last "ANSWER:" in the output with the target.

    `letter` reads one letter (compared case-insensitively), `word` one word and `line`
    the rest of the line (both compared with case, whitespace and punctuation folded).
    The last "ANSWER:" counts: a model may restate the format while reasoning.
    """
    if pattern not in get_args(AnswerPattern):
        raise ValueError(f"pattern must be one of {', '.join(get_args(AnswerPattern))}")
    regex = _PATTERNS[pattern]

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion
        found = list(regex.finditer(completion))
        if not found:
            return Score(value=INCORRECT, explanation=completion)
        said = found[-1].group(1).strip(" *_")

        def check(value: str) -> tuple[bool, str | None]:
            if pattern == "letter":
                return said.upper() == value.strip().upper(), said.upper()
            return bool(fold(said)) and fold(said) == fold(value), said

        return score_targets(completion, target, check)

    return score
