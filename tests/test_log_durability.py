"""A process writing a log killed with SIGKILL at arbitrary moments leaves a readable log."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from evalrunner.log import read_eval_log
from evalrunner.log._file import parse_header
from tests.conftest import ROOT

# Writes samples through the real writer thread, printing each id once the writer has
# flushed it (samples_written moves after the flush), then a trailer.
WRITER = """
import sys, time
from evalrunner.log import EvalLog, EvalSpec, EvalSample, EvalResults, LogWriter

log = EvalLog(eval=EvalSpec(run_id="r", task="t", created="2026-01-01T00:00:00+00:00", model="m/x"))
writer = LogWriter(sys.argv[1])
writer.start(log)
print("header", flush=True)
for i in range(1, 401):
    writer.write_sample(EvalSample(id=i, input="x" * (i * 37 % 5000), metadata={"i": i}))
    while writer.samples_written < i:
        time.sleep(0.0005)
    print(i, flush=True)
    time.sleep(0.002)
log.status = "success"
log.results = EvalResults(total_samples=400, completed_samples=400)
writer.finish(log)
print("done", flush=True)
"""


@pytest.mark.parametrize("suffix", [".json", ".eval"])
def test_sigkill_at_any_moment_keeps_every_flushed_sample(tmp_path: Path, suffix: str) -> None:
    rng = random.Random(7)
    for attempt in range(6):
        path = tmp_path / f"log{attempt}{suffix}"
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "header"
        time.sleep(rng.uniform(0.0, 0.6))
        proc.send_signal(signal.SIGKILL)
        rest = proc.communicate(timeout=30)[0].split()
        proc.wait()
        reported = [int(x) for x in rest if x.isdigit()]
        flushed = reported[-1] if reported else 0
        log = read_eval_log(path)
        ids = [int(s.id) for s in log.samples]
        # Every sample the writer had flushed is there, in order, and nothing torn is.
        assert ids == list(range(1, len(ids) + 1))
        assert len(ids) >= flushed
        assert log.status == ("success" if "done" in rest else "started")
        header = read_eval_log(path, header_only=True)
        assert header.samples == [] and header.eval.task == "t"
        if suffix == ".json":
            with open(path, encoding="utf-8") as f:
                parse_header(f.readline())
        else:  # Inspect's format: the journal's start is there, whatever the moment
            assert path.read_bytes()[:4] == b"PK\x03\x04"
            if "done" in rest:  # finished: any zip reader sees every member
                with zipfile.ZipFile(path) as z:
                    assert "header.json" in z.namelist()
                    assert sum(n.startswith("samples/") for n in z.namelist()) == 400
