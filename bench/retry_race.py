"""Two resumes of one killed run at once must never send a sample twice.

Each trial kills (SIGKILL) a run of N samples part-way, then starts two resumes of it
0.5 s apart: two `evalrunner retry FOLDER`, or two copies of the eval set
(`evalrunner run SUITE --retry-attempts 1` on the same log folder). One owner per run
chain: the second refuses (exit 2, naming the holder) or finds the chain finished; it
never resumes a log still being written. Prints, per kind and in all:

- duplicates: samples the server was asked more than once by the two resumes, plus
  (id, epoch) pairs held twice by any log of the folder (both must be 0);
- refusals: resumes that exited 2 because the other held the chain;
- finished: trials whose folder ends with one `success` log of all N samples.

    python bench/retry_race.py                 # 20 trials of each kind, 1,000 samples
    python bench/retry_race.py --trials 2 -n 200

Run it from the repository root (it imports the tests' server and suite).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.arith_suite import (  # noqa: E402
    answer_wrong_on,
    asked,
    clean_env,
    logs_in,
    make_suite,
    server_env,
    stop_after,
)
from tests.servers.openai_server import ServerHandle, start_openai_server  # noqa: E402

KINDS = ("retry", "eval-set")


@dataclass
class Tally:
    trials: int = 0
    sent_twice: int = 0
    held_twice: int = 0
    refusals: int = 0
    finished: int = 0
    codes: Counter[int] = field(default_factory=Counter)


def _cli(args: list[str], server: ServerHandle) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evalrunner", *args],
        cwd=ROOT, env={**clean_env(), **server_env(server.url), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def trial(kind: str, n: int, gap: float, server: ServerHandle, tally: Tally) -> None:
    with tempfile.TemporaryDirectory(prefix="evalrunner-race-") as tmp:
        folder = Path(tmp)
        suite = make_suite(folder, n=n)
        logs = folder / "logs"
        run = [str(suite), "--log-dir", str(logs), "--max-connections", "20",
               "--display", "none"]
        eval_set = ["run", *run, "--retry-attempts", "1"]
        killed = _cli(eval_set if kind == "eval-set" else ["run", *run], server)
        stop_after(killed, logs, n * 3 // 10, signal.SIGKILL)
        before = len(server.requests)
        resume = eval_set if kind == "eval-set" else ["retry", str(logs), "--display", "none"]
        first = _cli(resume, server)
        time.sleep(gap)
        second = _cli(resume, server)
        outputs = [p.communicate(timeout=600) for p in (first, second)]
        codes = [p.returncode for p in (first, second)]
        asks = Counter(asked(r.body) for r in server.requests[before:] if not r.rejected)
        tally.trials += 1
        tally.sent_twice += sum(c - 1 for c in asks.values() if c > 1)
        tally.codes.update(codes)
        tally.refusals += codes.count(2)
        every = logs_in(logs)
        for log in every:
            held = Counter((str(s.id), s.epoch) for s in log.samples)
            tally.held_twice += sum(c - 1 for c in held.values() if c > 1)
        last = every[-1] if every else None
        if last is not None and last.status == "success" and len(last.samples) == n:
            tally.finished += 1
        elif os.environ.get("RACE_VERBOSE"):
            print(codes, [err[-400:] for _, err in outputs], file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("-n", type=int, default=1000, help="samples in the killed run")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between the two")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    args = parser.parse_args()
    tallies = {kind: Tally() for kind in args.kinds}
    with start_openai_server(responder=answer_wrong_on(), latency=0.05) as server:
        for i in range(args.trials):
            for kind in args.kinds:
                trial(kind, args.n, args.gap, server, tallies[kind])
            print(f"trial {i + 1}: " + "; ".join(
                f"{k} duplicates {t.sent_twice + t.held_twice}, refusals {t.refusals}"
                for k, t in tallies.items()), flush=True)
    print()
    print("| resumes | trials | samples | duplicates sent | duplicates in logs "
          "| refusals (exit 2) | exit codes | finished |")
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for kind, t in tallies.items():
        codes = ", ".join(f"{c}: {k}" for c, k in sorted(t.codes.items()))
        print(f"| two `{kind}` {args.gap} s apart | {t.trials} | {args.n:,} | {t.sent_twice} "
              f"| {t.held_twice} | {t.refusals} | {codes} | {t.finished} |")
    bad = sum(t.sent_twice + t.held_twice for t in tallies.values())
    print(f"\nduplicates found: {bad}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
