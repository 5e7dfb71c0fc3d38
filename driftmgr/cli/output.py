"""Rendering for people (tables) and for programs (JSON on stdout, nothing else).

Every value from outside passes through :func:`driftmgr.cli.terminal.safe` on its way to a
table or a line: control and escape characters show as escapes, never act on the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import msgspec

from driftmgr.cli.api import EXIT_DRIFT, EXIT_OK, EXIT_UNOBSERVED
from driftmgr.cli.terminal import safe, safe_json

__all__ = [
    "change_text",
    "json_text",
    "print_json",
    "render_report",
    "report_exit_code",
    "short",
    "table",
]


def json_text(value: Any) -> str:
    """``value`` as indented JSON, one trailing newline, harmless on a terminal."""
    text = msgspec.json.format(msgspec.json.encode(value), indent=2).decode()
    return safe_json(text) + "\n"


def print_json(value: Any) -> None:
    sys.stdout.write(json_text(value))


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """Aligned columns; every cell is shown :func:`safe`, so none can add a row or a colour."""
    rows = [[safe(cell) for cell in row] for row in rows]
    headers = [safe(h) for h in headers]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def short(value: Any, limit: int = 60) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict):
        # Set members (rules …) read better as their non-empty fields.
        text = " ".join(
            f"{k}={short(v, limit)}" for k, v in value.items() if v not in (None, "", [], {}, False)
        )
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        text = ",".join(str(v) for v in value)
    else:
        text = msgspec.json.encode(value).decode()
    text = safe(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change_text(change: dict[str, Any], width: int = 40) -> str:
    """One change on one line: ``path: before → after``, set members as ``+[…] -[…]``; a
    secret that changed as ``path: changed (sensitive)``."""
    path = safe(str(change["path"]))
    if change.get("added") is not None or change.get("removed") is not None:
        parts = [f"+[{short(m, 70)}]" for m in change.get("added") or []]
        parts += [f"-[{short(m, 70)}]" for m in change.get("removed") or []]
        return f"{path}: {' '.join(parts)}"
    if change.get("sensitive"):
        if change.get("expected") is None:
            return f"{path}: added (sensitive)"
        if change.get("actual") is None:
            return f"{path}: removed (sensitive)"
        return f"{path}: changed (sensitive)"
    return f"{path}: {short(change['expected'], width)} → {short(change['actual'], width)}"


def render_report(report: dict[str, Any]) -> str:
    s = report["summary"]
    rows = []
    for item in report["drifts"]:
        detail = "; ".join(change_text(c) for c in item["changes"]) or (item["reason"] or "")
        rows.append(
            [
                item["kind"],
                item["severity"],
                item["type"],
                item["address"] or item["id"] or "",
                item["region"] or "",
                detail,
            ]
        )
    sources = ", ".join(f"{src['uri']} (serial {src['serial']})" for src in report["sources"])
    lines = [safe(f"Drift run {report['run_id']}: {report['status']}")]
    if sources:
        lines.append(safe(f"States: {sources}"))
    if report.get("error"):
        lines.append(safe(f"Error: {report['error']}"))
    if rows:
        lines += [
            "",
            table(rows, ["kind", "severity", "type", "address / id", "region", "detail"]),
        ]
    lines += [
        "",
        f"{s['total']} resources: {s['in_sync']} in sync, {s['modified']} modified, "
        f"{s['missing']} missing, {s['unmanaged']} unmanaged, {s['unobserved']} unobserved"
        f" ({s['ignored']} ignored)",
        f"Coverage {s['coverage']}%, compliance score {s['compliance_score']}",
    ]
    return "\n".join(lines)


def report_exit_code(report: dict[str, Any]) -> int:
    s = report["summary"]
    if s["modified"] or s["missing"] or s["unmanaged"]:
        return EXIT_DRIFT
    if s["unobserved"]:
        return EXIT_UNOBSERVED
    return EXIT_OK
