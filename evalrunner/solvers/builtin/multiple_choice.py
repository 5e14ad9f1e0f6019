"""`multiple_choice`: ask a lettered question, read the letter(s), map them back to the choices.

With `shuffle`, each sample sees its choices in an order drawn from (seed, sample id,
epoch); the seed and the order shown are written to the sample's store
(`store.multiple_choice`), so a run can be repeated exactly with `shuffle: <seed>`. After
generating, the choices are back in their original order with `correct` set on the ones
the model picked, and the answer line of the output names the original letters: the
`choice` scorer compares those with the target.
"""

from __future__ import annotations

import random
import re
from typing import Any

from ...template import format_placeholder, format_placeholder_message
from .._solver import Generate, Solver, solver
from .._task_state import Choice, TaskState
from ._vars import load_template, render_template, template_variables

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ANSWER = re.compile(r"ANSWER\s*:\s*[*_(\[]*([A-Za-z](?:\s*(?:,|and)\s*[A-Za-z])*)(?![A-Za-z0-9])",
                     re.IGNORECASE)


class LetteredChoices(list[str]):
    """The choices shown: a list to loop over, written as Inspect's lettered block.

    `{{ choices }}` renders `A) first` / `B) second` lines, as Inspect's `{choices}` does,
    while `{% for c in choices %}` and `choices | length` still see the plain texts.
    """

    def __str__(self) -> str:
        return "\n".join(f"{LETTERS[i]}) {text}" for i, text in enumerate(self))


@solver(
    template_args=("template",),
    template_vars=("question", "choices", "choices_list", "letters", "cot"),
)
def multiple_choice(
    template: str | None = None,
    cot: bool = False,
    multiple_correct: bool = False,
    shuffle: bool | int = False,
    max_tokens: int | None = None,
) -> Solver:
    """Present the sample's choices as A) B) C) ..., generate, and record the picked choice(s).

    `template` replaces the built-in one (variables: `question`; `choices` in the order
    shown, written by `{{ choices }}` as the lettered `A) ...` block and iterable as the
    plain texts; `choices_list`, the plain list; `letters` such as "A,B,C"; `cot`); `cot`
    asks for reasoning before the answer;
    `multiple_correct` lets the model pick several letters; `shuffle` is true (a fresh seed,
    recorded in the store) or an integer seed; `max_tokens` limits this generation.
    """
    default = "multiple_choice_multi.j2" if multiple_correct else "multiple_choice.j2"
    source = load_template(template, default=default)
    _refuse_format_fields(source.text)
    seed = random.SystemRandom().randrange(2**31) if shuffle is True else shuffle
    config: dict[str, Any] = {"max_tokens": max_tokens} if max_tokens is not None else {}

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if not state.choices:
            raise ValueError("multiple_choice needs a sample with choices")
        if len(state.choices) > len(LETTERS):
            raise ValueError(f"multiple_choice takes at most {len(LETTERS)} choices")
        if seed is not False:
            _shuffle(state, int(seed))
        shown = LetteredChoices(choice.value for choice in state.choices)
        letters = ",".join(LETTERS[: len(shown)])
        question = state.user_prompt.text
        variables = template_variables(
            state, question=question, choices=shown, choices_list=list(shown),
            letters=letters, cot=cot,
        )
        state.user_prompt.text = render_template(source, variables).strip()
        state = await generate(state, **config)
        _record_answer(state, multiple_correct)
        return state

    return solve


def _refuse_format_fields(text: str) -> None:
    """An Inspect template (`{question}`) would reach the model with its braces: refuse it."""
    name = format_placeholder(text, {"question", "choices", "letters"})
    if name is not None:
        raise ValueError(format_placeholder_message(name))


def _shuffle(state: TaskState, seed: int) -> None:
    rng = random.Random(f"{seed}:{state.sample_id}:{state.epoch}")
    rng.shuffle(state.choices)
    state.store["multiple_choice"] = {
        "seed": seed,
        "order": [choice.original_position for choice in state.choices],
    }


def _record_answer(state: TaskState, multiple_correct: bool) -> None:
    """Mark the picked choices, restore the original order and rewrite the answer's letters."""
    completion = state.output.completion
    found = list(_ANSWER.finditer(completion))
    picked: list[int] = []
    if found:
        said = re.findall(r"[A-Za-z]", re.sub(r"(?i)\band\b", ",", found[-1].group(1)))
        positions = [LETTERS.index(c.upper()) for c in said]
        picked = list(dict.fromkeys(p for p in positions if p < len(state.choices)))
        if not multiple_correct:
            picked = picked[:1]
    for position, choice in enumerate(state.choices):
        choice.correct = position in picked
    originals = sorted(LETTERS[state.choices[p].original_position] for p in picked)
    # Kept in the store (hence the log) too: `evalrunner score` rebuilds the state from a
    # log, where choices are plain text.
    record = state.store.get("multiple_choice") or {}
    state.store["multiple_choice"] = {**record, "picked": originals}
    state.choices.sort(key=lambda choice: choice.original_position)
    if found and originals:
        last = found[-1]
        # A copy: the conversation keeps the letters the model really wrote.
        state.output = state.output.model_copy(deep=True)
        state.output.completion = (
            completion[: last.start(1)] + ", ".join(originals) + completion[last.end(1):]
        )


def picked_letters(choices: list[Choice]) -> list[str]:
    """The letters (in the original order) of the choices marked correct."""
    return [LETTERS[c.original_position] for c in choices if c.correct]
