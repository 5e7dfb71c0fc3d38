"""Pure, ordered transforms applied identically to both sides before they are compared.

Each transform is a small named function so that it can be tested on its own; the order in
:func:`normalise_attribute` is the order they apply in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import msgspec

__all__ = [
    "canonical_policy",
    "canonical_set",
    "drop_empty",
    "is_empty",
    "normalise_attribute",
    "sort_key",
]

_POLICY_LIST_KEYS = frozenset(
    {
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "AWS",
        "Service",
        "Federated",
        "CanonicalUser",
    }
)


def is_empty(value: Any) -> bool:
    """Terraform and cloud APIs disagree on absent vs null vs "" vs [] vs {}: treat them alike."""
    return value is None or value == "" or value == [] or value == {}


def drop_empty(value: Any) -> Any:
    """Remove empty entries from maps, recursively; an all-empty value becomes ``None``.

    List positions are kept (an ordered list's indices are part of its meaning).
    """
    if isinstance(value, dict):
        cleaned = {k: drop_empty(v) for k, v in value.items()}
        kept = {k: v for k, v in cleaned.items() if not is_empty(v)}
        return kept or None
    if isinstance(value, list):
        items = [drop_empty(v) for v in value]
        return items if any(not is_empty(v) for v in items) else None
    return None if is_empty(value) else value


def sort_key(value: Any) -> bytes:
    """A total order over JSON-like values, so that sets can be put in a canonical order."""
    return msgspec.json.encode(value, order="sorted")


def canonical_set(values: Iterable[Any]) -> list[Any]:
    """Members of an unordered set in canonical order, duplicates removed."""
    unique = {sort_key(v): v for v in values}
    return [unique[k] for k in sorted(unique)]


def _canonical_policy_value(key: str | None, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical_policy_value(k, v) for k, v in sorted(value.items())}
    if key in _POLICY_LIST_KEYS:
        # IAM accepts "s3:GetObject" and ["s3:GetObject"] as the same thing.
        members = value if isinstance(value, list) else [value]
        return sorted({str(m) for m in members})
    if isinstance(value, list):
        return [_canonical_policy_value(None, v) for v in value]
    return value


def canonical_policy(document: Any) -> Any:
    """An IAM-style JSON policy in a form where semantically equal documents are equal.

    Accepts the JSON string Terraform stores or an already decoded document. Key order,
    whitespace, single value vs one-element list and statement order do not matter.
    A string that is not JSON is returned unchanged, so the difference still shows.
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return document
    if not isinstance(document, dict):
        return document
    canonical = _canonical_policy_value(None, document)
    statements = canonical.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if isinstance(statements, list):
        canonical["Statement"] = canonical_set(statements)
    return canonical


def normalise_attribute(value: Any, *, is_set: bool = False, is_policy: bool = False) -> Any:
    """Normalise one top-level attribute value: policy → empties → set order."""
    if is_policy and not is_empty(value):
        value = canonical_policy(value)
    value = drop_empty(value)
    if is_set and isinstance(value, list):
        value = canonical_set(_canonical_member(v) for v in value)
    return value


def _canonical_member(member: Any) -> Any:
    # Lists inside a set member (a rule's cidr_blocks, security_groups …) are sets too:
    # the provider stores them in whatever order the API returned them.
    if isinstance(member, dict):
        return {
            k: canonical_set(v) if isinstance(v, list) else v
            for k, v in member.items()
            if not is_empty(v)
        }
    return member
