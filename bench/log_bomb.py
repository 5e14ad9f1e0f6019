"""What a `.eval` zip bomb costs: peak memory of `compare` and `export` on one.

Writes an Inspect `.eval` whose `header.json` unpacks to `--mb` megabytes of spaces (a few
hundred KB on disk), then runs `evalrunner compare` and `evalrunner export` on its folder,
each in its own process, and prints the file's size, each command's exit code, its peak
resident memory, and the same for an empty folder (the interpreter and imports alone).

    python bench/log_bomb.py --mb 300
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


def peak_mb(args: list[str]) -> tuple[int, float]:
    """Run `evalrunner ARGS` in a child; its exit code and peak RSS in MB."""
    code = ("import resource, subprocess, sys; "
            "r = subprocess.run([sys.executable, '-m', 'evalrunner', *sys.argv[1:]], "
            "capture_output=True); "
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), int(out[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300, help="unpacked size of the bomb")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, empty = Path(tmp) / "logs", Path(tmp) / "empty"
        folder.mkdir()
        empty.mkdir()
        bomb = folder / "bomb.eval"
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("header.json", b" " * (options.mb * 2**20))
        print(f"bomb: {bomb.stat().st_size / 1024:.0f} KB on disk, {options.mb} MB unpacked")
        for command in (["compare"], ["export", "--format", "csv"]):
            base_code, base = peak_mb([*command, str(empty)])
            code, peak = peak_mb([*command, str(folder)])
            print(f"{' '.join(command):12} exit {code}  peak RSS {peak:6.0f} MB "
                  f"(empty folder: exit {base_code}, {base:.0f} MB)")


if __name__ == "__main__":
    main()
