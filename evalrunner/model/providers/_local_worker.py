"""The child process that runs llama.cpp for the `local` provider: JSON lines over pipes.

llama.cpp is native code; a crash there (SIGSEGV, SIGILL) must end this process, not the
run. The parent sends one request per line on stdin and reads one reply per line:

    {"op": "load", "path": "...gguf", "options": {...}}  -> {"ok": true}
    {"op": "chat", "request": {...}}                       -> {"ok": true, "result": {...}}

A failure that Python sees is `{"ok": false, "error": "..."}`; a native crash is the pipe
closing, which the parent reads as the process's signal. Run as
`python -P _local_worker.py` (by file: it imports nothing of evalrunner).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, BinaryIO


def _protocol_stream() -> BinaryIO:
    """The replies' own copy of stdout; fd 1 then points at stderr, so that whatever the
    native library prints cannot corrupt a reply."""
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def _handle(state: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    if message.get("op") == "load":
        try:
            from llama_cpp import Llama
        except ImportError as ex:
            return {"ok": False, "error": f"cannot import llama_cpp: {ex}", "missing": True}
        state["llama"] = Llama(model_path=message["path"], **message.get("options", {}))
        return {"ok": True}
    if message.get("op") == "chat":
        if "llama" not in state:
            return {"ok": False, "error": "no model loaded"}
        return {"ok": True, "result": state["llama"].create_chat_completion(**message["request"])}
    return {"ok": False, "error": f"unknown request {message.get('op')!r}"}


def main() -> None:
    out = _protocol_stream()
    state: dict[str, Any] = {}
    for line in sys.stdin.buffer:
        try:
            reply = _handle(state, json.loads(line))
        except Exception as ex:  # reported to the parent, which raises it for this call
            reply = {"ok": False, "error": f"{type(ex).__name__}: {ex}"}
        out.write(json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    main()
