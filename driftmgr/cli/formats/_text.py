"""What every format says about a finding, in words: its name and its changes."""

from __future__ import annotations

from typing import Any

import msgspec

from driftmgr.cli.terminal import safe

KINDS = ("modified", "missing", "unmanaged", "unobserved")
SEVERITIES = ("critical", "high", "medium", "low")


def subject(drift: dict[str, Any]) -> str:
    """The finding's resource as a user looks it up: its address, else ``TYPE ID``."""
    if drift.get("address"):
        return safe(str(drift["address"]))
    return safe(f"{drift['type']} {drift.get('id') or '(no id)'}")


def value_text(value: Any, limit: int = 120) -> str:
    """A change's value on one line: strings as they are, anything else as JSON."""
    text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
    text = safe(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change_lines(change: dict[str, Any]) -> list[tuple[str, str]]:
    """A change as (path, what happened) pairs: ``expected → actual``, or a set's members
    ``+member`` / ``-member``. Sensitive values are already ``(sensitive)`` in the report."""
    path = safe(str(change["path"]))
    if change.get("added") is not None or change.get("removed") is not None:
        members = [f"+ {value_text(m)}" for m in change.get("added") or []]
        members += [f"- {value_text(m)}" for m in change.get("removed") or []]
        return [(path, m) for m in members] or [(path, "set changed")]
    return [(path, f"{value_text(change['expected'])} → {value_text(change['actual'])}")]


def summary_line(summary: dict[str, Any]) -> str:
    return (
        f"{summary['total']} resources: {summary['in_sync']} in sync, "
        f"{summary['modified']} modified, {summary['missing']} missing, "
        f"{summary['unmanaged']} unmanaged, {summary['unobserved']} unobserved "
        f"({summary['ignored']} ignored); coverage {summary['coverage']}%, "
        f"compliance score {summary['compliance_score']}"
    )
