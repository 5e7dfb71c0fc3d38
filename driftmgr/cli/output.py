"""Rendering for people (tables) and for programs (JSON on stdout, nothing else)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import msgspec

from driftmgr.cli.api import EXIT_DRIFT, EXIT_OK, EXIT_UNOBSERVED

__all__ = ["print_json", "render_report", "report_exit_code", "short", "table"]


def print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value), indent=2).decode() + "\n")


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
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
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _change_text(change: dict[str, Any]) -> str:
    if change.get("added") is not None or change.get("removed") is not None:
        parts = [f"+[{short(m, 70)}]" for m in change.get("added") or []]
        parts += [f"-[{short(m, 70)}]" for m in change.get("removed") or []]
        return f"{change['path']}: {' '.join(parts)}"
    return f"{change['path']}: {short(change['expected'], 40)} → {short(change['actual'], 40)}"


def render_report(report: dict[str, Any]) -> str:
    s = report["summary"]
    rows = []
    for item in report["drifts"]:
        detail = "; ".join(_change_text(c) for c in item["changes"]) or (item["reason"] or "")
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
    lines = [f"Drift run {report['run_id']}: {report['status']}"]
    if sources:
        lines.append(f"States: {sources}")
    if report.get("error"):
        lines.append(f"Error: {report['error']}")
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
