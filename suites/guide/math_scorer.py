"""A custom scorer that asks a model whether two math expressions are equivalent."""

import re

from evalrunner import (
    CORRECT,
    INCORRECT,
    Score,
    Target,
    TaskState,
    accuracy,
    get_model,
    scorer,
    stderr,
)

EQUIVALENCE = """Look at the two mathematical expressions below and decide whether they are
equivalent. Ignore differences of notation only (2/3 and \\frac{{2}}{{3}}, 0.5 and 1/2,
a trailing unit or a dollar sign). Reply with "Yes" or "No" and nothing else.

Expression 1: {first}
Expression 2: {second}
"""

_ANSWER = re.compile(r"ANSWER\s*:\s*(.+)", re.IGNORECASE)


@scorer(metrics=[accuracy(), stderr()])
def expression_equivalence(model: str | None = None):
    """Read the answer after "ANSWER:" and have `model` (a role or a name) judge it."""

    async def score(state: TaskState, target: Target) -> Score:
        found = _ANSWER.findall(state.output.completion)
        if not found:
            return Score(value=INCORRECT, explanation="no ANSWER: line in the output")
        answer = found[-1].strip().strip("$ ")
        judge = get_model(role=model) if model and "/" not in model else get_model(model)
        prompt = EQUIVALENCE.format(first=target.text, second=answer)
        result = await judge.generate(prompt)
        equivalent = result.completion.strip().lower().startswith("yes")
        return Score(
            value=CORRECT if equivalent else INCORRECT,
            answer=answer,
            explanation=result.completion,
            metadata={"judge_prompt": prompt},
        )

    return score
