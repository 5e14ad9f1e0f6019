"""The computer tool's controller, run inside the sandbox (standard library only): it keeps
one X display (Xvfb :1) running, does one action on it with xdotool, and, for actions whose
result is a look at the screen, saves a screenshot (scrot) to SCREEN.

    python3 computer_ctl.py ACTION '{"coordinate": [x, y], ...}'

Prints what the model reads as text (the cursor's position, or nothing) and `SCREENSHOT`
on the last line when SCREEN holds this action's picture.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

DISPLAY = ":1"
SIZE = "1024x768"
STATE = "/tmp/.evalrunner-computer"
SCREEN = STATE + "/screen.png"
BUTTONS = {"left_click": ("1", 1), "right_click": ("3", 1), "middle_click": ("2", 1),
           "double_click": ("1", 2), "triple_click": ("1", 3), "back_click": ("8", 1),
           "forward_click": ("9", 1)}
WHEEL = {"up": "4", "down": "5", "left": "6", "right": "7"}
SETTLE = 0.3  # seconds for windows to draw after an input, before the screenshot


def display_up() -> None:
    """Start Xvfb unless it runs; its own session, so it outlives this call."""
    socket = f"/tmp/.X11-unix/X{DISPLAY[1:]}"
    os.makedirs(STATE, exist_ok=True)
    if os.path.exists(socket) and xdotool("getmouselocation", check=False).returncode == 0:
        return
    with open(os.path.join(STATE, "xvfb.log"), "ab") as log:
        subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{SIZE}x24", "-nolisten", "tcp"],
                         stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    for _ in range(100):
        if os.path.exists(socket) and xdotool("getmouselocation", check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("the X display (Xvfb) did not start")


def xdotool(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DISPLAY": DISPLAY})
    if check and done.returncode != 0:
        raise RuntimeError(f"xdotool {args[0]}: {done.stderr.strip() or done.returncode}")
    return done


def point(args: dict[str, Any], key: str = "coordinate") -> tuple[str, str]:
    value = args.get(key)
    if not (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) for v in value)):
        raise ValueError(f"this action needs {key} as [x, y]")
    return str(value[0]), str(value[1])


def text_of(args: dict[str, Any]) -> str:
    text = args.get("text")
    if not isinstance(text, str) or not text:
        raise ValueError("this action needs text")
    return text


def seconds(args: dict[str, Any]) -> float:
    duration = args.get("duration")
    if not isinstance(duration, int | float) or not 0 <= duration <= 100:
        raise ValueError("this action needs duration, in seconds (0 to 100)")
    return float(duration)


def act(action: str, args: dict[str, Any]) -> str:
    """Do the action; return the text it answers with."""
    if action == "key":
        xdotool("key", "--", *text_of(args).split())
    elif action == "hold_key":
        keys = text_of(args).split()
        xdotool("keydown", "--", *keys)
        time.sleep(seconds(args))
        xdotool("keyup", "--", *reversed(keys))
    elif action in ("left_mouse_down", "left_mouse_up"):
        xdotool("mousedown" if action == "left_mouse_down" else "mouseup", "1")
    elif action == "type":
        xdotool("type", "--delay", "12", "--", text_of(args))
    elif action == "mouse_move":
        xdotool("mousemove", *point(args))
    elif action in BUTTONS:
        button, repeat = BUTTONS[action]
        if args.get("coordinate") is not None:
            xdotool("mousemove", *point(args))
        xdotool("click", "--repeat", str(repeat), button)
    elif action == "left_click_drag":
        xdotool("mousemove", *point(args, "start_coordinate"))
        xdotool("mousedown", "1")
        xdotool("mousemove", *point(args))
        xdotool("mouseup", "1")
    elif action == "scroll":
        direction, amount = args.get("scroll_direction"), args.get("scroll_amount")
        if direction not in WHEEL or not isinstance(amount, int) or amount < 1:
            raise ValueError("scroll needs scroll_direction (up, down, left, right) and "
                             "scroll_amount (a number of wheel clicks)")
        if args.get("coordinate") is not None:
            xdotool("mousemove", *point(args))
        xdotool("click", "--repeat", str(amount), WHEEL[direction])
    elif action == "wait":
        time.sleep(seconds(args))
    elif action == "cursor_position":
        where = dict(line.split("=", 1) for line in
                     xdotool("getmouselocation", "--shell").stdout.split() if "=" in line)
        return f"X={where['X']},Y={where['Y']}"
    elif action != "screenshot":
        raise ValueError(f"unknown action {action}")
    return ""


def screenshot() -> None:
    time.sleep(SETTLE)
    done = subprocess.run(["scrot", "--overwrite", SCREEN], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "DISPLAY": DISPLAY})
    if done.returncode != 0:
        raise RuntimeError(f"scrot: {done.stderr.strip() or done.returncode}")


def main() -> None:
    action, args = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    try:
        display_up()
        text = act(action, args)
        if action != "cursor_position":
            screenshot()
            text += ("\n" if text else "") + "SCREENSHOT"
        print(text)
    except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as error:
        print(f"{error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
