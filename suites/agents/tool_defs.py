"""A tool whose calls run one at a time (`parallel=False`), shown by its own viewer."""

import asyncio
from typing import Any

from evalrunner import ToolCallContent, ToolCallView, store, tool


def ledger_view(call: Any) -> ToolCallView:
    amount = call.arguments.get("amount")
    return ToolCallView(call=ToolCallContent(
        title="ledger", format="markdown",
        content=f"**Add {amount}** to the ledger\n- [x] checked\n- [ ] booked"))


@tool(parallel=False, viewer=ledger_view)
def ledger() -> Any:
    async def execute(amount: int) -> str:
        """Add an amount to the ledger and return the new balance.

        Args:
            amount: The amount to add.
        """
        # Read, yield, write: two calls at once would both read the old balance.
        balance = store().get("balance", 0)
        store().set("trace", [*store().get("trace", []), f"start {amount}"])
        await asyncio.sleep(0.05)
        store().set("balance", balance + amount)
        store().set("trace", [*store().get("trace", []), f"end {amount}"])
        return str(balance + amount)

    return execute
