"""OpenAI's computer use (Responses' `computer_use_preview` tool) mapped to and from the
`computer` tool: a `computer_call` item becomes a call of `computer` with its arguments
(the item kept, to be sent back as it came), and the call's result goes back as a
`computer_call_output` holding its screenshot.

Only OpenAI's computer-use models take the tool; any other model gets `computer` as a
function, like any tool.
"""

from __future__ import annotations

from typing import Any

from ...model._chat import ChatMessageBase, ChatMessageTool, ContentImage, ToolCall

INTERNAL = "openai_computer_call"  # the ToolCall.internal key of the item as it came
# OpenAI's key names (upper case) as xdotool spells them; letters and digits pass as they are.
_KEYS = {"CTRL": "ctrl", "CONTROL": "ctrl", "ALT": "alt", "SHIFT": "shift", "CMD": "super",
         "META": "super", "SUPER": "super", "ENTER": "Return", "RETURN": "Return",
         "SPACE": "space", "BACKSPACE": "BackSpace", "TAB": "Tab", "ESC": "Escape",
         "ESCAPE": "Escape", "DELETE": "Delete", "HOME": "Home", "END": "End",
         "PAGEUP": "Page_Up", "PAGEDOWN": "Page_Down", "ARROWUP": "Up", "UP": "Up",
         "ARROWDOWN": "Down", "DOWN": "Down", "ARROWLEFT": "Left", "LEFT": "Left",
         "ARROWRIGHT": "Right", "RIGHT": "Right"}
WHEEL_CLICK = 100  # pixels of OpenAI's scroll per wheel click of the computer tool


def is_native(model: str) -> bool:
    """Whether the model takes `computer_use_preview` (OpenAI's computer-use models)."""
    return model.startswith("computer-use")


def tool_call(item: dict[str, Any]) -> ToolCall:
    """A `computer_call` item as a call of the `computer` tool."""
    return ToolCall(id=str(item.get("call_id") or item.get("id") or ""), function="computer",
                    arguments=arguments(item.get("action") or {}), internal={INTERNAL: item})


def arguments(action: dict[str, Any]) -> dict[str, Any]:
    """The `computer` tool's arguments for an OpenAI action; an action it has no match for
    keeps its name, so the tool answers the model with an error."""
    kind = str(action.get("type"))
    here = [action.get("x"), action.get("y")]
    if kind == "click":
        button = {"wheel": "middle"}.get(str(action.get("button")), action.get("button"))
        return {"action": f"{button or 'left'}_click", "coordinate": here}
    if kind in ("double_click", "move"):
        return {"action": "double_click" if kind == "double_click" else "mouse_move",
                "coordinate": here}
    if kind == "drag":
        path = action.get("path") or [{}]
        return {"action": "left_click_drag", "start_coordinate": [path[0].get("x"),
                                                                  path[0].get("y")],
                "coordinate": [path[-1].get("x"), path[-1].get("y")]}
    if kind == "keypress":
        keys = [_KEYS.get(str(k).upper(), str(k).lower()) for k in action.get("keys") or []]
        return {"action": "key", "text": "+".join(keys)}
    if kind == "type":
        return {"action": "type", "text": action.get("text")}
    if kind == "scroll":
        return {"action": "scroll", "coordinate": here, **_scroll(action)}
    if kind == "wait":
        return {"action": "wait", "duration": 1}
    return {"action": kind}


def _scroll(action: dict[str, Any]) -> dict[str, Any]:
    down, right = int(action.get("scroll_y") or 0), int(action.get("scroll_x") or 0)
    amount, direction = ((down, "down" if down > 0 else "up") if down
                         else (right, "right" if right > 0 else "left"))
    return {"scroll_direction": direction,
            "scroll_amount": max(1, round(abs(amount) / WHEEL_CLICK))}


def call_item(call: ToolCall) -> dict[str, Any] | None:
    """The `computer_call` item a call came from (sent back as it came), if it did."""
    item = (call.internal or {}).get(INTERNAL)
    return dict(item) if isinstance(item, dict) else None


def output_item(message: ChatMessageTool, earlier: list[ChatMessageBase],
                item: dict[str, Any]) -> list[dict[str, Any]]:
    """The `computer_call_output` answering `item`, with the call's screenshot; a failed
    call shows the last screenshot before it and says what failed in a message after."""
    shots = [p for m in [*earlier, message] if isinstance(m, ChatMessageTool)
             and not isinstance(m.content, str) for p in m.content
             if isinstance(p, ContentImage)]
    out: list[dict[str, Any]] = []
    if shots:
        out.append({"type": "computer_call_output", "call_id": message.tool_call_id or "",
                    "output": {"type": "computer_screenshot", "image_url": shots[-1].image},
                    "acknowledged_safety_checks": item.get("pending_safety_checks") or []})
    if message.error or not shots:
        said = message.error or message.text or "the action gave no screenshot"
        out.append({"role": "user", "content": f"The computer action failed: {said}"})
    return out
