"""Turn MATH-style records into samples: the target is the last \\boxed{...} of the solution."""

from typing import Any

from evalrunner import Sample


def record_to_sample(record: dict[str, Any]) -> Sample:
    return Sample(
        input=record["problem"],
        target=last_boxed(record["solution"]),
        metadata={"level": record["level"], "type": record["type"]},
    )


def last_boxed(text: str) -> str:
    """The content of the last \\boxed{...}, braces balanced (answers may hold braces)."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return text.strip()
    depth, begin = 0, start + len("\\boxed{")
    for i in range(begin, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            if depth == 0:
                return text[begin:i].strip()
            depth -= 1
    return text[begin:].strip()
