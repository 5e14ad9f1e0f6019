"""JUnit XML for CI test reports: one test suite per task log, with one test case for the
task run itself and one per threshold, so a CI's test view shows which gate failed."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .._util.secrets import redact
from ._model import EvalLog


def task_label(log: EvalLog) -> str:
    """`suite/task`, with the shard when the log holds one (`suite/task[2/4]`)."""
    spec = log.eval
    name = f"{spec.suite}/{spec.task}" if spec.suite and spec.suite != spec.task else spec.task
    return name + (f"[{spec.shard[0]}/{spec.shard[1]}]" if spec.shard else "")


def duration_seconds(log: EvalLog) -> float:
    try:
        start = datetime.fromisoformat(str(log.stats.started_at))
        end = datetime.fromisoformat(str(log.stats.completed_at))
    except ValueError:
        return 0.0
    return max(0.0, (end - start).total_seconds())


def junit_xml(logs: Sequence[EvalLog]) -> str:
    """The logs as a JUnit XML document (testsuites > testsuite per task > testcase)."""
    root = ET.Element("testsuites", name="evalrunner")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for index, log in enumerate(logs):
        suite = _testsuite(root, log, index)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        seconds += duration_seconds(log)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(logs: Sequence[EvalLog], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(redact(junit_xml(logs)), encoding="utf-8")


def _testsuite(root: ET.Element, log: EvalLog, index: int) -> ET.Element:
    label = task_label(log)
    seconds = duration_seconds(log)
    suite = ET.SubElement(
        root, "testsuite", name=label, id=str(index), package=log.eval.suite or label,
        timestamp=log.eval.created[:19], hostname=socket.gethostname(), skipped="0",
        time=f"{seconds:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for key, value in (("model", log.eval.model), ("log", log.location or ""),
                       ("status", log.status), ("run_id", log.eval.run_id)):
        ET.SubElement(props, "property", name=key, value=str(value))
    failures, errors = 0, 0
    run = ET.SubElement(suite, "testcase", classname=label, name="run", time=f"{seconds:.3f}")
    if log.status == "error":
        errors += 1
        message = log.error.message if log.error else "the task failed"
        node = ET.SubElement(run, "error", message=message, type="error")
        node.text = log.error.traceback if log.error and log.error.traceback else message
    elif log.status != "success":
        failures += 1
        ET.SubElement(run, "failure", message=f"the task is {log.status}", type=log.status)
    ET.SubElement(run, "system-out").text = "\n".join(_metric_lines(log))
    thresholds = log.results.thresholds if log.results else []
    for gate in thresholds:
        case = ET.SubElement(suite, "testcase", classname=label,
                             name=f"{gate.name} >= {gate.minimum:g}", time="0")
        if not gate.passed:
            failures += 1
            ET.SubElement(case, "failure", message=gate.message or "missed", type="threshold")
    if not thresholds:  # a log from before thresholds were recorded: the plain messages
        for missed in log.results.missed_thresholds if log.results else []:
            failures += 1
            case = ET.SubElement(suite, "testcase", classname=label, name=missed, time="0")
            ET.SubElement(case, "failure", message=missed, type="threshold")
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    ET.SubElement(suite, "system-out")
    ET.SubElement(suite, "system-err")
    return suite


def _metric_lines(log: EvalLog) -> list[str]:
    results = log.results
    if results is None:
        return []
    lines = [f"samples: {results.completed_samples}/{results.total_samples}, "
             f"errors: {results.error_samples}"]
    for score in results.scores:
        values = ", ".join(f"{k}={v.value}" for k, v in score.metrics.items())
        lines.append(f"{score.name}: {values}")
    return lines
