"""Markdown for a pull-request comment: counts by kind and severity, then the findings.

Every value from the report sits in a code span, where Markdown and HTML mean nothing (no
links, no images, no @-mentions); the span's fence is longer than any run of backticks in
the value, so no value can close it.
"""

from __future__ import annotations

import re
from typing import Any

from driftmgr.cli.formats._text import KINDS, SEVERITIES, change_lines, subject
from driftmgr.cli.terminal import safe

__all__ = ["code", "render_markdown"]

_TITLES = {
    "modified": "Modified",
    "missing": "Missing from the cloud",
    "unmanaged": "Unmanaged (in no state)",
    "unobserved": "Unobserved (could not be checked)",
}


def code(text: str) -> str:
    """``text`` as an inline code span that nothing in it can end."""
    text = safe(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _finding(drift: dict[str, Any]) -> list[str]:
    where = " ".join(
        code(str(v)) for v in (drift["type"], drift.get("id"), drift.get("region")) if v
    )
    lines = [f"- **{drift['severity']}** {code(subject(drift))} ({where})"]
    for change in drift["changes"]:
        for path, what in change_lines(change):
            lines.append(f"  - {code(path)}: {code(what)}")
    if drift.get("reason"):
        lines.append(f"  - reason: {code(str(drift['reason']))}")
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    drifts = report["drifts"]
    drifted = s["modified"] + s["missing"] + s["unmanaged"]
    verdict = (f"{drifted} drifted" if drifted else "no drift") + (
        f", {s['unobserved']} unobserved" if s["unobserved"] else ""
    )
    lines = [
        f"## driftmgr: {verdict}",
        "",
        f"Run {code(str(report['run_id']))} ({code(str(report['status']))}); "
        f"{s['total']} resources, {s['in_sync']} in sync, {s['ignored']} ignored; "
        f"coverage {s['coverage']}%, compliance score {s['compliance_score']}.",
    ]
    if report["sources"]:
        lines += ["", "States: " + ", ".join(code(str(src["uri"])) for src in report["sources"])]
    lines += ["", "| kind | " + " | ".join(SEVERITIES) + " | total |"]
    lines.append("|---" * (len(SEVERITIES) + 2) + "|")
    for kind in KINDS:
        of_kind = [d for d in drifts if d["kind"] == kind]
        counts = [sum(1 for d in of_kind if d["severity"] == sev) for sev in SEVERITIES]
        lines.append(f"| {kind} | " + " | ".join(map(str, counts)) + f" | {len(of_kind)} |")
    for kind in KINDS:
        of_kind = [d for d in drifts if d["kind"] == kind]
        if of_kind:
            lines += ["", f"### {_TITLES[kind]} ({len(of_kind)})", ""]
            for drift in of_kind:
                lines += _finding(drift)
    return "\n".join(lines) + "\n"
