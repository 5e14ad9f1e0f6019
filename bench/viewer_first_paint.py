"""Time to first paint of the sample list of a big log in `evalrunner view`.

Writes a log of N samples (default 10,000) the way the executor does, serves it with
the viewer, and opens it in headless Chromium (Debian's `chromium` and `chromedriver`):

- first paint: ms from the start of navigation to the sample list drawn, read from the
  page (`EVR.timings.samplesPainted`), with a cold server (the log not indexed yet) and
  then warm (reloads; the index is cached and only checked against the file);
- the JSON API alone: the first page cold and warm, facets, a score filter, a text search.

    python bench/viewer_first_paint.py -n 10000

Run it from the repository root (it uses `tests/viewer_logs.py` to write the log).
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _get(url: str, path: str) -> float:
    """Milliseconds for one API request."""
    conn = http.client.HTTPConnection(url.split("//", 1)[1].rstrip("/"), timeout=60)
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return (time.perf_counter() - start) * 1000


def _browser(profile: str) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def _paint(driver: object, url: str) -> float:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")  # type: ignore[attr-defined]
    driver.get(url)  # type: ignore[attr-defined]
    script = "return window.EVR && EVR.timings && EVR.timings.samplesPainted"
    painted = WebDriverWait(driver, 60, poll_frequency=0.02).until(
        lambda d: d.execute_script(script))
    rows = driver.execute_script(  # type: ignore[attr-defined]
        "return document.querySelectorAll('[data-testid=sample-row]').length")
    if rows == 0:
        raise RuntimeError("no sample row was drawn")
    return float(painted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="samples in the log")
    parser.add_argument("--repeat", type=int, default=5, help="warm measurements")
    args = parser.parse_args()

    from evalrunner.viewer import BackgroundViewer
    from tests.viewer_logs import write_log

    work = Path(tempfile.mkdtemp(prefix="evr-bench-"))
    try:
        log = work / "logs" / "big.json"
        log.parent.mkdir()
        started = time.perf_counter()
        write_log(log, args.n)
        print(f"log: {args.n:,} samples, {log.stat().st_size / 1e6:.1f} MB, "
              f"written in {time.perf_counter() - started:.1f} s")
        page = "#/log/big.json"
        driver = _browser(str(work / "profile"))
        try:
            with BackgroundViewer(work / "logs") as viewer:
                first = _paint(driver, viewer.url + page)  # a browser just started, too
            with BackgroundViewer(work / "logs") as viewer:
                cold = _paint(driver, viewer.url + page)
                warm = [_paint(driver, viewer.url + page) for _ in range(args.repeat)]
            with BackgroundViewer(work / "logs") as viewer:
                api_cold = _get(viewer.url, "/api/logs/big.json/samples?offset=0&limit=50")
                api_warm = [_get(viewer.url, f"/api/logs/big.json/samples?offset={o}&limit=50")
                            for o in range(0, args.n, max(1, args.n // 20))]
                facets = _get(viewer.url, "/api/logs/big.json/facets")
                score = _get(viewer.url, "/api/logs/big.json/samples?score=I")
                search = _get(viewer.url, "/api/logs/big.json/samples?q=what%20is%20777")
        finally:
            driver.quit()  # type: ignore[attr-defined]
        print(f"first paint of the sample list: {cold:.0f} ms with the log not yet indexed, "
              f"{statistics.median(warm):.0f} ms once indexed (median of {args.repeat}), "
              f"{first:.0f} ms in a browser just started")
        print(f"API page of 50: {api_cold:.0f} ms cold, "
              f"{statistics.median(api_warm):.1f} ms warm (median over the log)")
        print(f"API facets (reads every sample once): {facets:.0f} ms; "
              f"score filter after it: {score:.0f} ms; text search: {search:.0f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
