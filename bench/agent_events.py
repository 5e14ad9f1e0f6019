"""What events cost in a log: bytes per event, and what a 100-turn agent sample adds.

Runs a `react` agent through the CLI against the scripted test server: each turn the model
calls `think` (a 100-character thought), and after N turns it submits. Prints, from the
log, the sample's size with and without its events, the bytes per event by kind, and the
share of the sample the events take.

    python bench/agent_events.py --turns 100

Run it from the repository root (it imports tests.servers).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.openai_server import start_openai_server  # noqa: E402

THOUGHT = "Let me weigh the next step carefully before I act on it; " * 2


def responder(turns: int) -> Any:
    def reply(body: dict[str, Any]) -> Any:
        done = sum(1 for m in body["messages"] if m["role"] == "tool")
        if done >= turns:
            return [{"name": "submit", "arguments": {"answer": "42"}}]
        return [{"name": "think", "arguments": {"thought": f"{done}: {THOUGHT[:100]}"}}]

    return reply


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            start_openai_server(responder=responder(args.turns)) as server:
        suite = Path(tmp) / "agent.yml"
        suite.write_text(
            "tasks:\n  - name: agent\n"
            "    dataset: {samples: [{input: 'What is 19 + 23?', target: '42'}]}\n"
            f"    plan: [{{react: {{tools: [think], message_limit: {4 * args.turns + 10}}}}}]\n"
            "    scorer: {match: {numeric: true}}\n")
        subprocess.run(
            [sys.executable, "-m", "evalrunner", "run", str(suite), "--model",
             "openai-api/bench/model", "--log-dir", f"{tmp}/logs", "--display", "none"],
            cwd=ROOT, check=True,
            env={**os.environ, "BENCH_BASE_URL": server.url, "BENCH_API_KEY": "test-key"})
        (log_file,) = Path(tmp, "logs").glob("*.json")
        sample = json.loads(log_file.read_text())["samples"][0]
    report(sample, args.turns)


def size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def report(sample: dict[str, Any], turns: int) -> None:
    events = sample["events"]
    by_kind: dict[str, list[int]] = defaultdict(list)
    for event in events:
        by_kind[event["event"]].append(size(event))
    total, events_bytes = size(sample), size(events)
    without = total - events_bytes
    print(f"{turns}-turn react sample: {len(sample['messages'])} messages, {len(events)} events")
    print(f"sample without events: {without:,} bytes; events add {events_bytes:,} bytes "
          f"({events_bytes / without:.0%} more; {events_bytes / turns:,.0f} bytes per turn)")
    print(f"bytes per event: {events_bytes / len(events):,.0f} on average")
    for kind, sizes in sorted(by_kind.items()):
        print(f"  {kind:<11} {len(sizes):>4} events, {sum(sizes) / len(sizes):>6,.0f} bytes each")


if __name__ == "__main__":
    main()
