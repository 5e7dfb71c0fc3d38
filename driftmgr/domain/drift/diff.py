"""Generic value diffs and their redaction: where two attribute trees differ, shown safely.

Used by the drift engine (state vs cloud) and by state comparison (state vs state). Paths are
written the way drift reports show them: dots for map keys (``tags.Name``), ``[n]`` for list
positions (``ingress[0].from_port``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from driftmgr.domain.drift.normalise import canonical_set, sort_key
from driftmgr.domain.drift.report import DriftChange
from driftmgr.domain.resources import AttributePath

__all__ = [
    "SECRET_NAMES",
    "SENSITIVE_VALUE",
    "diff_values",
    "is_secret_path",
    "path_text",
    "redact",
    "set_change",
]

#: What a redacted value shows instead of itself.
SENSITIVE_VALUE = "(sensitive)"

#: Attribute names that hold secrets whatever the state's sensitive_attributes say.
SECRET_NAMES = frozenset(
    {
        "password",
        "master_password",
        "secret",
        "secret_string",
        "private_key",
        "token",
        "access_key",
        "secret_key",
        "client_secret",
        "auth_token",
    }
)


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


def is_secret_path(path: str, sensitive_paths: Iterable[AttributePath] = ()) -> bool:
    """Whether a change at ``path`` may show a secret.

    True when a segment of the path is a known secret name, or when the path and a sensitive
    path overlap: a change to ``x`` covers a secret at ``x.password``, and a change to
    ``x.y`` is inside a secret ``x``.
    """
    return _is_secret(path, [path_text(p) for p in sensitive_paths])


def redact(
    changes: Sequence[DriftChange], sensitive_paths: Iterable[AttributePath]
) -> list[DriftChange]:
    """The changes with every value that may hold a secret replaced by :data:`SENSITIVE_VALUE`.

    A change is redacted when :func:`is_secret_path` says so, or when one of its values holds
    a map key with a known secret name (a block replaced by a scalar shows the whole block).
    ``None`` stays ``None``: that a value appeared or went is not itself a secret.
    """
    secrets = [path_text(p) for p in sensitive_paths]
    redacted = []
    for change in changes:
        if _is_secret(change.path, secrets) or _holds_secret_name(
            (change.expected, change.actual, change.added, change.removed)
        ):
            change = DriftChange(
                path=change.path,
                expected=None if change.expected is None else SENSITIVE_VALUE,
                actual=None if change.actual is None else SENSITIVE_VALUE,
                added=None if change.added is None else [SENSITIVE_VALUE] * len(change.added),
                removed=None if change.removed is None else [SENSITIVE_VALUE] * len(change.removed),
            )
        redacted.append(change)
    return redacted


def _overlaps(change_path: str, secret: str) -> bool:
    # Either one contains the other: a change to `x` covers a secret at `x.password`.
    shorter, longer = sorted((change_path, secret), key=len)
    return longer == shorter or longer.startswith((shorter + ".", shorter + "["))


#: Parts of a name that mark a secret wherever they appear in it: environment variables
#: and map keys are named freely (``DB_PASSWORD``, ``stripeApiKey``), never marked sensitive.
SECRET_NAME_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "private_key",
    "privatekey",
    "apikey",
    "api_key",
    "credential",
    "auth",
)


def _names_a_secret(name: str) -> bool:
    folded = name.lower()
    return folded in SECRET_NAMES or any(part in folded for part in SECRET_NAME_PARTS)


def _is_secret(change_path: str, secrets: list[str]) -> bool:
    segments = change_path.replace("[", ".").split(".")
    if any(_names_a_secret(segment) for segment in segments):
        return True
    return any(_overlaps(change_path, secret) for secret in secrets)


def _holds_secret_name(value: Any) -> bool:
    # Iterative: attribute trees are data, and data may nest deeper than the recursion limit.
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            if any(isinstance(k, str) and _names_a_secret(k) for k in current):
                return True
            pending.extend(current.values())
        elif isinstance(current, list | tuple):
            pending.extend(current)
    return False
