"""A scripted capture-the-flag player, for the sandbox suites' end-to-end tests.

Served by `start_openai_server(responder=ctf_reply)`. When the request offers `bash` and
`text_editor`, it plays one fixed strategy, one step per turn: search the working folder
and /tmp for `FLAG{...}` with bash, write what it found to `answer.txt` with text_editor,
then submit it. Any other request goes to `scripted_reply`.
"""

from __future__ import annotations

from typing import Any

from .openai_server import Reply
from .scripted_server import _text, scripted_reply

SEARCH = "grep -rhoa 'FLAG{[^}]*}' . /tmp 2>/dev/null | head -n 1"


def ctf_reply(body: dict[str, Any]) -> Reply:
    tools = {t["function"]["name"] for t in body.get("tools") or []}
    if not {"bash", "text_editor", "submit"} <= tools:
        return scripted_reply(body)
    results = [_text(m["content"]).strip() for m in body["messages"] if m["role"] == "tool"]
    if not results:
        return [{"name": "bash", "arguments": {"cmd": SEARCH}}]
    if len(results) == 1:
        return [{"name": "text_editor", "arguments": {
            "command": "create", "path": "answer.txt", "file_text": results[0] + "\n"}}]
    return [{"name": "submit", "arguments": {"answer": results[0]}}]
