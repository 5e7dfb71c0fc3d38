"""One self-contained HTML page: inline style, no script, no external request.

Findings hold user data (tags, names, policy text), so every value is escaped, and the page's
Content-Security-Policy forbids scripts and remote loads should anything slip through.
"""

from __future__ import annotations

from html import escape
from typing import Any

from driftmgr.cli.formats._text import KINDS, SEVERITIES, change_lines, subject, summary_line
from driftmgr.cli.terminal import safe

__all__ = ["render_html"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f23}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
code{font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
.critical,.high{color:#b31d28;font-weight:bold}.medium{color:#9a6700}.low{color:#57606a}
"""


def _e(value: Any) -> str:
    return escape(safe(str(value)), quote=True)


def _row(drift: dict[str, Any]) -> str:
    changes = "<br>".join(
        f"<code>{_e(path)}</code>: <code>{_e(what)}</code>"
        for change in drift["changes"]
        for path, what in change_lines(change)
    ) or _e(drift.get("reason") or "")
    severity = drift["severity"] if drift["severity"] in SEVERITIES else ""
    cells = [
        _e(drift["kind"]),
        f'<span class="{severity}">{_e(drift["severity"])}</span>',
        f"<code>{_e(drift['type'])}</code>",
        f"<code>{_e(subject(drift))}</code>",
        f"<code>{_e(drift.get('id') or '')}</code>",
        _e(drift.get("region") or ""),
        changes,
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def render_html(report: dict[str, Any]) -> str:
    s = report["summary"]
    drifts = report["drifts"]
    counts = "".join(
        f"<tr><td>{kind}</td>"
        + "".join(
            f"<td>{sum(1 for d in drifts if d['kind'] == kind and d['severity'] == sev)}</td>"
            for sev in SEVERITIES
        )
        + f"<td>{sum(1 for d in drifts if d['kind'] == kind)}</td></tr>"
        for kind in KINDS
    )
    sources = "".join(f"<li><code>{_e(src['uri'])}</code></li>" for src in report["sources"])
    findings = "".join(_row(d) for d in drifts)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>driftmgr drift run {_e(report["run_id"])}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Drift run <code>{_e(report["run_id"])}</code>: {_e(report["status"])}</h1>
<p>{_e(summary_line(s))}</p>
<ul>{sources}</ul>
<table>
<tr><th>kind</th>{"".join(f"<th>{sev}</th>" for sev in SEVERITIES)}<th>total</th></tr>
{counts}
</table>
<table>
<tr><th>kind</th><th>severity</th><th>type</th><th>address</th><th>id</th><th>region</th>\
<th>changes</th></tr>
{findings}
</table>
</body>
</html>
"""
