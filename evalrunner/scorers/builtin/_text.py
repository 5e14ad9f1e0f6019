"""Text folding and number reading shared by the text-matching scorers."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from decimal import Decimal

# A word is a run of letters and digits: whitespace and punctuation only separate words,
# so "Paris." and "paris" fold alike, and "4" never matches the end of "14".
_WORD = re.compile(r"[^\W_]+")

# A number: an optional sign (not glued to a preceding word), an optional $, digits with
# optional thousands separators and decimals. A trailing '.' ends a sentence, not a number.
_NUMBER = re.compile(
    r"(?:(?<![\w.])(?P<sign>[-+\u2212]))?\$?"
    r"(?<![\w.,])(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?!\d)(?!,\d)"
)
_WHOLE_NUMBER = re.compile(
    r"\s*(?P<sign>[-+\u2212]?)\$?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"\.?\s*"
)
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")


@dataclass(frozen=True)
class Word:
    text: str  # folded
    start: int
    end: int


@dataclass(frozen=True)
class Number:
    value: Decimal
    text: str  # as written in the output


def words(text: str, ignore_case: bool = True) -> list[Word]:
    """The words of `text` with their positions, case-folded when `ignore_case`."""
    # Fold word by word: casefold may change a length (ß -> ss), positions must not move.
    return [
        Word(m.group().casefold() if ignore_case else m.group(), m.start(), m.end())
        for m in _WORD.finditer(text)
    ]


def numbers(text: str) -> list[Number]:
    """Every number written in `text`, in order."""
    return [Number(_decimal(m), m.group().strip()) for m in _NUMBER.finditer(text)]


def whole_number(text: str) -> Decimal | None:
    """The number `text` is (like " $1,234. "), or None when it is anything else."""
    found = _WHOLE_NUMBER.fullmatch(text)
    return _decimal(found) if found else None


def fold(text: str, ignore_case: bool = True) -> str:
    """Words joined by single spaces: case, whitespace and punctuation folded away."""
    return " ".join(w.text for w in words(text, ignore_case))


def normalize_exact(text: str) -> str:
    """SQuAD-style normalization: lower case, no punctuation, no articles, single spaces."""
    lowered = text.casefold()
    kept = "".join(ch for ch in lowered if ch not in string.punctuation)
    return " ".join(_ARTICLES.sub(" ", kept).split())


def _decimal(found: re.Match[str]) -> Decimal:
    sign = "-" if found.group("sign") in ("-", "\u2212") else ""
    return Decimal(sign + found.group("digits").replace(",", ""))
