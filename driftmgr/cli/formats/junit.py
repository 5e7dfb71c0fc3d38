"""JUnit XML, the report format every CI system shows as tests.

Each finding is a test case (class name its type, name its address or id): drift fails, with
its changes as the failure's text, and an unobserved resource is skipped with the reason. The
report lists findings only; in-sync resources are counted, never named, so they are one
passing case that says how many.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET  # builds XML only; never parses any

from driftmgr.cli.formats._text import change_lines, subject, summary_line
from driftmgr.cli.terminal import safe

__all__ = ["render_junit"]

# XML 1.0 has no way to write these at all, escaped or not.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    """Outside text for an XML attribute or element: control characters shown as escapes
    (as on a terminal), and what XML cannot hold as ``\\uXXXX``."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", safe(text))


def _seconds(report: dict[str, Any]) -> str:
    start, end = report.get("started_at"), report.get("completed_at")
    if not (start and end):
        return "0"
    spent = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return f"{max(spent.total_seconds(), 0):.3f}"


def _case(suite: ET.Element, drift: dict[str, Any]) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=_x(str(drift["type"])), name=_x(subject(drift)), time="0"
    )
    kind = drift["kind"]
    if kind == "unobserved":
        ET.SubElement(case, "skipped", message=_x(f"unobserved: {drift.get('reason') or ''}"))
        return
    where = f"{drift['provider']} {drift.get('region') or ''}".strip()
    lines = [f"{kind} ({drift['severity']}) {subject(drift)} id={drift.get('id')} in {where}"]
    lines += [f"{path}: {what}" for c in drift["changes"] for path, what in change_lines(c)]
    failure = ET.SubElement(
        case,
        "failure",
        message=_x(f"{kind} ({drift['severity']})"),
        type=f"drift/{kind}",
    )
    failure.text = "\n".join(_x(line) for line in lines)


def render_junit(report: dict[str, Any]) -> str:
    drifts = report["drifts"]
    summary = report["summary"]
    failures = sum(1 for d in drifts if d["kind"] != "unobserved")
    skipped = len(drifts) - failures
    in_sync = summary["in_sync"]
    tests = len(drifts) + (1 if in_sync else 0)
    counts = {
        "tests": str(tests),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
        "time": _seconds(report),
    }
    root = ET.Element("testsuites", {"name": "driftmgr drift", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": f"drift run {report['run_id']}", **counts})
    if report.get("started_at"):
        suite.set("timestamp", str(report["started_at"]))
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", report["run_id"]),
        ("status", report["status"]),
        ("coverage", summary["coverage"]),
        ("compliance_score", summary["compliance_score"]),
        ("ignored", summary["ignored"]),
        *(("source", s["uri"]) for s in report["sources"]),
    ):
        ET.SubElement(props, "property", name=name, value=_x(str(value)))
    if in_sync:
        ET.SubElement(
            suite, "testcase", classname="in_sync", name=f"{in_sync} resources in sync", time="0"
        )
    for drift in drifts:
        _case(suite, drift)
    ET.SubElement(suite, "system-out").text = _x(summary_line(summary))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
