"""A Python approver: rewrite the code the model wants to run (a `modify` decision)."""

from typing import Any


def double_it(call: Any) -> dict[str, Any]:
    code = call.arguments.get("code", "")
    return {"decision": "modify", "modified": {"code": f"print(2 * ({code[6:-1]}))"},
            "explanation": "doubled"}
