"""`computer`: a desktop (an X display) inside the sample's docker sandbox, used with the
keyboard and the mouse, seen through screenshots, as Inspect's `computer` tool.

One tool, `computer`, whose `action` is one of Inspect's computer actions: key,
hold_key, type, mouse_move, left_click, right_click, middle_click, double_click,
triple_click, back_click, forward_click, left_click_drag, left_mouse_down, left_mouse_up,
scroll, wait, screenshot and cursor_position.
Every action but cursor_position answers with a screenshot (an image in the tool result);
cursor_position answers `X=..,Y=..`. A small controller (`_computer_ctl.py`, copied in on
first use) starts Xvfb on display :1 unless it runs and acts with xdotool; scrot takes
the screenshots. The image needs `python3`, `xvfb`, `xdotool` and `scrot` (`.ci/sandboxes.sh`
builds `evalrunner-browser:bookworm` with them).
"""

from __future__ import annotations

import base64
import json
import weakref
from importlib import resources
from typing import Any, Literal

from ...model._chat import Content, ContentImage, ContentText
from ...model._prepare import require_media
from .._decorator import tool
from .._tool import ToolError

CONTROLLER = "/tmp/.evalrunner-computer/computer_ctl.py"
SCREEN = "/tmp/.evalrunner-computer/screen.png"
MARK = "SCREENSHOT"
WIDTH, HEIGHT = 1024, 768  # the display's size (the controller's SIZE)

Action = Literal["key", "hold_key", "type", "mouse_move", "left_click", "right_click",
                 "middle_click", "double_click", "triple_click", "back_click", "forward_click",
                 "left_click_drag", "left_mouse_down", "left_mouse_up", "scroll", "wait",
                 "screenshot", "cursor_position"]


@tool
def computer(timeout: float = 180, sandbox: str | None = None) -> Any:
    """The desktop of the sample's docker sandbox: keys, mouse and screenshots."""
    require_media("image", "the computer tool answers with screenshots")
    installed: weakref.WeakSet[Any] = weakref.WeakSet()  # sandboxes with the controller

    async def execute(
        action: Action,
        text: str | None = None,
        coordinate: list[int] | None = None,
        start_coordinate: list[int] | None = None,
        scroll_direction: Literal["up", "down", "left", "right"] | None = None,
        scroll_amount: int | None = None,
        duration: int | None = None,
    ) -> str | list[Content]:
        """Use a computer's screen (1024x768 pixels), mouse and keyboard. Every action but
        cursor_position answers with a screenshot of the screen after it.

        Args:
            action: key (press keys, xdotool names: "Return", "ctrl+a"; several apart
                with spaces), hold_key (hold keys down for duration seconds), type (type
                text), mouse_move, left_click, right_click, middle_click, double_click,
                triple_click, back_click, forward_click (at coordinate, or where the mouse
                is), left_click_drag (from start_coordinate to coordinate),
                left_mouse_down, left_mouse_up, scroll (scroll_amount wheel clicks in
                scroll_direction, at coordinate or where the mouse is), wait (duration
                seconds), screenshot, cursor_position (where the mouse is).
            text: The keys to press (key) or the text to type (type).
            coordinate: [x, y] in pixels from the top left corner.
            start_coordinate: [x, y] where left_click_drag starts.
            scroll_direction: up, down, left or right.
            scroll_amount: How many wheel clicks to scroll.
            duration: Seconds to wait or to hold the keys.
        """
        from ...sandbox import current_sandboxes
        from ...sandbox import sandbox as sandbox_of

        if current_sandboxes() is None:
            raise ToolError("computer needs a docker sandbox with a desktop (add `sandbox:`)")
        box = sandbox_of(sandbox)
        if box not in installed:
            await box.write_file(CONTROLLER, _controller())
            installed.add(box)
        args = {"text": text, "coordinate": coordinate, "start_coordinate": start_coordinate,
                "scroll_direction": scroll_direction, "scroll_amount": scroll_amount,
                "duration": duration}
        result = await box.exec(["python3", CONTROLLER, action, json.dumps(args)],
                                timeout=timeout, output_limit=4096)
        if not result.success:
            raise ToolError(result.stderr.strip()[-2000:] or f"exit code {result.returncode}")
        lines = result.stdout.rstrip().splitlines()
        if not lines or lines[-1] != MARK:
            return "\n".join(lines)
        png = await box.read_file(SCREEN, text=False)
        image = ContentImage(image="data:image/png;base64," + base64.b64encode(png).decode())
        said = "\n".join(lines[:-1])
        return [ContentText(text=said), image] if said else [image]

    # The providers' own computer-use tools, for their models; both take the same calls.
    execute.native = {  # type: ignore[attr-defined]
        "anthropic": {"display_width_px": WIDTH, "display_height_px": HEIGHT,
                      "display_number": 1},
        "openai": {"display_width": WIDTH, "display_height": HEIGHT, "environment": "linux"}}
    execute.parallel = False  # type: ignore[attr-defined]  # one screen and mouse: in turn
    return execute


def _controller() -> str:
    return resources.files(__package__).joinpath("_computer_ctl.py").read_text("utf-8")
