"""The web browser's controller, run inside the sandbox (standard library only): it keeps
one headless Chromium session through chromedriver's W3C WebDriver API on the sandbox's own
loopback, does one command and prints the page as the model reads it.

    python3 browser_ctl.py COMMAND '{"url": ...}'

Commands: go, click, type, scroll, back, forward, refresh, read. The page is its title, its
address and its text within the window, each element one can act on numbered (`[3] link
"About"`); click and type take that number.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

DRIVER = "http://127.0.0.1:9515"
STATE = "/tmp/.evalrunner-browser"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--window-size=1280,900", "--disable-extensions"]
ENTER = "\ue007"

RENDER = r"""
const marks = [];
let n = 0;
const seen = new Set();
function visible(el) {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"
    && r.bottom > 0 && r.top < innerHeight;
}
function label(el) {
  const t = (el.innerText || el.value || el.getAttribute("aria-label") || el.title
    || el.placeholder || el.name || "").replace(/\s+/g, " ").trim();
  return t.slice(0, 80);
}
function kind(el) {
  const tag = el.tagName.toLowerCase();
  if (tag === "a") return "link";
  if (tag === "input") return `input (${el.type || "text"})`;
  return el.getAttribute("role") || tag;
}
const active = "a[href], button, input:not([type=hidden]), textarea, select, [onclick], "
  + "[role=button]";
const lines = [];
function walk(node) {
  if (node.nodeType === Node.TEXT_NODE) {
    const text = node.textContent.replace(/\s+/g, " ").trim();
    const el = node.parentElement;
    if (text && el && !el.closest(active) && visible(el)) lines.push(text);
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  const tag = node.tagName.toLowerCase();
  if (["script", "style", "noscript", "template"].includes(tag)) return;
  if (node.matches(active)) {
    if (visible(node)) {
      n += 1;
      node.setAttribute("data-evr", String(n));
      const href = tag === "a" ? ` -> ${node.getAttribute("href")}` : "";
      lines.push(`[${n}] ${kind(node)} "${label(node)}"${href}`);
    }
    if (tag !== "select") return;
  }
  for (const child of node.childNodes) walk(child);
}
document.querySelectorAll("[data-evr]").forEach((el) => el.removeAttribute("data-evr"));
if (document.body) walk(document.body);
const below = document.documentElement.scrollHeight - (scrollY + innerHeight);
return {title: document.title, url: location.href, lines, below: Math.max(0, Math.round(below)),
        above: Math.round(scrollY)};
"""


def call(method: str, path: str, body: dict[str, Any] | None = None,
         timeout: float = 60) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(DRIVER + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read() or b"{}").get("value")
    except urllib.error.HTTPError as error:
        value = json.loads(error.read() or b"{}").get("value") or {}
        raise RuntimeError(value.get("message", str(error)).splitlines()[0]) from None


def driver_up() -> bool:
    try:
        return bool(call("GET", "/status", timeout=2).get("ready"))
    except (OSError, RuntimeError, AttributeError):
        return False


def session() -> str:
    os.makedirs(STATE, exist_ok=True)
    if not driver_up():
        with open(os.path.join(STATE, "chromedriver.log"), "ab") as log:
            subprocess.Popen(["chromedriver", "--port=9515"], stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            if driver_up():
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("chromedriver did not start")
    path = os.path.join(STATE, "session")
    if os.path.exists(path):
        with open(path) as f:
            kept = f.read().strip()
        try:
            call("GET", f"/session/{kept}/url", timeout=10)
            return kept
        except (OSError, RuntimeError):
            pass
    options = {"args": ARGS, "binary": "/usr/bin/chromium"}
    value = call("POST", "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "chrome", "goog:chromeOptions": options}}})
    sid: str = value["sessionId"]
    with open(path, "w") as f:
        f.write(sid)
    return sid


def element(sid: str, number: int) -> str:
    found = call("POST", f"/session/{sid}/element",
                 {"using": "css selector", "value": f'[data-evr="{int(number)}"]'})
    return str(next(iter(found.values())))


def act(sid: str, command: str, args: dict[str, Any]) -> None:
    base = f"/session/{sid}"
    if command == "go":
        call("POST", base + "/url", {"url": args["url"]})
    elif command == "click":
        call("POST", f"{base}/element/{element(sid, args['element_id'])}/click", {})
    elif command == "type":
        target = element(sid, args["element_id"])
        call("POST", f"{base}/element/{target}/clear", {})
        text = args["text"] + (ENTER if args.get("submit") else "")
        call("POST", f"{base}/element/{target}/value", {"text": text})
    elif command == "scroll":
        sign = -1 if args.get("direction") == "up" else 1
        call("POST", base + "/execute/sync",
             {"script": f"window.scrollBy(0, {sign} * innerHeight * 0.8)", "args": []})
    elif command in ("back", "forward", "refresh"):
        call("POST", f"{base}/{command}", {})
    elif command != "read":
        raise RuntimeError(f"unknown command {command}")
    time.sleep(0.2)  # let the page's own scripts run after a navigation or an event


def render(sid: str) -> str:
    page = call("POST", f"/session/{sid}/execute/sync", {"script": RENDER, "args": []})
    head = [f"Title: {page['title']}", f"URL: {page['url']}"]
    if page["above"]:
        head.append(f"({page['above']} pixels above: scroll up)")
    tail = [f"({page['below']} pixels below: scroll down)"] if page["below"] else []
    return "\n".join(head + [""] + page["lines"] + tail)


def main() -> None:
    command, args = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    try:
        sid = session()
        act(sid, command, args)
        print(render(sid))
    except (RuntimeError, OSError, KeyError, StopIteration) as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
