"""Generic value diffs and their redaction: where two attribute trees differ, shown safely.

Used by the drift engine (state vs cloud) and by state comparison (state vs state). Paths are
written the way drift reports show them: dots for map keys (``tags.Name``), ``[n]`` for list
positions (``ingress[0].from_port``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from driftmgr.domain.drift.normalise import canonical_set, sort_key
from driftmgr.domain.drift.report import DriftChange, DriftItem
from driftmgr.domain.resources import AttributePath
from driftmgr.domain.secrets import SENSITIVE_VALUE, Secrets, parse_path

__all__ = [
    "SENSITIVE_VALUE",
    "diff_values",
    "path_text",
    "redact",
    "redact_items",
    "set_change",
]


def diff_values(path: str, expected: Any, actual: Any) -> list[DriftChange]:
    """Every leaf where ``actual`` differs from ``expected``, under ``path``, in sorted order.

    Maps are compared key by key (a map absent or null on one side counts as empty, so that
    each key shows as removed rather than as one opaque value); lists position by position.
    With ``path=""`` the top-level keys start the paths (``tags.Name``, not ``.tags.Name``).
    """
    if expected == actual:
        return []
    if isinstance(expected, dict | None) and isinstance(actual, dict | None):
        expected, actual = expected or {}, actual or {}
        out: list[DriftChange] = []
        for key in sorted(expected.keys() | actual.keys(), key=str):
            child = f"{path}.{key}" if path else str(key)
            out.extend(diff_values(child, expected.get(key), actual.get(key)))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        out = []
        for index in range(max(len(expected), len(actual))):
            before = expected[index] if index < len(expected) else None
            after = actual[index] if index < len(actual) else None
            out.extend(diff_values(f"{path}[{index}]", before, after))
        # Lists that differ only by trailing nulls have no differing leaf; the list itself changed.
        return out or [DriftChange(path=path, expected=expected, actual=actual)]
    return [DriftChange(path=path, expected=expected, actual=actual)]


def set_change(path: str, expected: Any, actual: Any) -> DriftChange:
    """One change for an unordered set: both whole values, plus the members added and removed."""
    before = {sort_key(m): m for m in (expected or [])}
    after = {sort_key(m): m for m in (actual or [])}
    return DriftChange(
        path=path,
        expected=expected,
        actual=actual,
        added=canonical_set(after[k] for k in after.keys() - before.keys()),
        removed=canonical_set(before[k] for k in before.keys() - after.keys()),
    )


def path_text(path: AttributePath) -> str:
    """An attribute path as reports write it: ``("ingress", 0, "cidr")`` → ``ingress[0].cidr``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def redact(
    changes: Sequence[DriftChange],
    sensitive_paths: Iterable[AttributePath] = (),
    resource_type: str | None = None,
) -> list[DriftChange]:
    """The changes with every value that may hold a secret replaced by :data:`SENSITIVE_VALUE`
    and marked ``sensitive``: the values differ, and that is all a reader learns.

    Secret is what :mod:`driftmgr.domain.secrets` says for ``resource_type`` and the state's
    ``sensitive_paths``: a change at or inside a secret path, or one whose value holds a
    secret anywhere within (a block replaced by a scalar shows the whole block), shows no
    value. A set change hides only the members that hold one, so that a rule opened to the
    world still shows. ``None`` stays ``None``: that a value appeared or went is no secret.
    Idempotent: redacting a redacted change changes nothing.
    """
    secrets = Secrets.of(resource_type, tuple(sensitive_paths))
    return [_redact_change(change, secrets) for change in changes]


def _redact_change(change: DriftChange, secrets: Secrets) -> DriftChange:
    path = parse_path(change.path)
    if change.added is not None or change.removed is not None:
        hidden = False

        def members(values: Any) -> Any:
            nonlocal hidden
            if not isinstance(values, list):
                shown, found = _whole(values, path, secrets)
                hidden = hidden or found
                return shown
            out = []
            for member in values:
                shown, found = _whole(member, (*path, 0), secrets)
                hidden = hidden or found
                out.append(shown)
            return out

        redacted = DriftChange(
            path=change.path,
            expected=members(change.expected),
            actual=members(change.actual),
            added=members(change.added),
            removed=members(change.removed),
            sensitive=True,
        )
        return redacted if hidden or change.sensitive else change
    if not (
        change.sensitive
        or secrets.holds_secret(change.expected, path)
        or secrets.holds_secret(change.actual, path)
    ):
        return change
    return DriftChange(
        path=change.path,
        expected=None if change.expected is None else SENSITIVE_VALUE,
        actual=None if change.actual is None else SENSITIVE_VALUE,
        sensitive=True,
    )


def _whole(value: Any, path: AttributePath, secrets: Secrets) -> tuple[Any, bool]:
    # A value holding a secret anywhere is hidden whole; an already hidden one stays hidden.
    if value is None:
        return None, False
    if value == SENSITIVE_VALUE or secrets.holds_secret(value, path):
        return SENSITIVE_VALUE, True
    return value, False


def redact_items(items: Iterable[DriftItem]) -> list[DriftItem]:
    """Findings with every change redacted for its type: a report read back from storage,
    which an older driftmgr may have redacted less."""
    return [
        msgspec.structs.replace(item, changes=redact(item.changes, (), item.type))
        if item.changes
        else item
        for item in items
    ]
