"""Pure, ordered transforms applied identically to both sides before they are compared.

Each transform is a small named function with its own tests; :func:`normalise_attribute`
applies them in a fixed order: provider default → reserved tags → stored hash → policy →
CIDR → case → DNS name → empties → set order. The same order on both sides is what makes
"equal after normalising" symmetric.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from driftmgr.domain.drift.rules import TypeRules

__all__ = [
    "canonical_cidr",
    "canonical_dns_name",
    "canonical_policy",
    "canonical_set",
    "drop_empty",
    "drop_reserved_tags",
    "is_empty",
    "lowercase",
    "normalise_attribute",
    "sort_key",
    "user_data_hash",
    "with_default",
    "without_fields",
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
_SHA1_HEX = re.compile(r"^[0-9a-f]{40}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


def is_empty(value: Any) -> bool:
    """Terraform and cloud APIs disagree on absent vs null vs "" vs [] vs {}: treat them alike."""
    return value is None or value == "" or value == [] or value == {}


def with_default(value: Any, default: Any) -> Any:
    """An absent value stands for the provider's default (``monitoring`` absent = false)."""
    return default if is_empty(value) else value


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


def user_data_hash(value: Any) -> Any:
    """``user_data`` as terraform-provider-aws stores it: the SHA-1 hex of the script.

    The API returns the script base64-encoded; the provider hashes the decoded bytes when
    the configured string is valid base64, the string itself otherwise. A value that
    already is a SHA-1 hex (what the state holds) is left alone.
    """
    if not isinstance(value, str) or not value or _SHA1_HEX.match(value):
        return value
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        data = value.encode()
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - the provider's own format


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
    whitespace, single value vs one-element list, statement order and ``"Principal": "*"``
    vs ``{"AWS": "*"}``, an account id vs its root ARN as AWS principal, and a condition value
    given as a scalar, a one-element list or a JSON boolean vs its string do not matter. A
    string that is not JSON is returned unchanged, so the difference still shows.
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
        canonical["Statement"] = canonical_set(_canonical_statement(s) for s in statements)
    return canonical


def _condition_values(values: Any) -> list[str]:
    # IAM compares condition values as strings, and one value is a one-element list.
    members = values if isinstance(values, list) else [values]
    return sorted({("true" if m else "false") if isinstance(m, bool) else str(m) for m in members})


def _canonical_statement(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return statement
    statement = dict(statement)
    for key in ("Principal", "NotPrincipal"):
        principal = statement.get(key)
        if principal == "*":
            statement[key] = {"AWS": ["*"]}
        elif isinstance(principal, dict) and isinstance(principal.get("AWS"), list):
            # IAM stores an account id principal as that account's root ARN.
            statement[key] = {
                **principal,
                "AWS": sorted(
                    {
                        f"arn:aws:iam::{p}:root" if _ACCOUNT_ID.match(p) else p
                        for p in principal["AWS"]
                    }
                ),
            }
    condition = statement.get("Condition")
    if isinstance(condition, dict):
        statement["Condition"] = {
            operator: (
                {k: _condition_values(v) for k, v in block.items()}
                if isinstance(block, dict)
                else block
            )
            for operator, block in condition.items()
        }
    if statement.get("Sid") == "":
        del statement["Sid"]  # an empty Sid is the same as none
    return statement


def canonical_cidr(value: Any) -> Any:
    """A CIDR as the network it denotes (``10.0.0.1/16`` → ``10.0.0.0/16``, IPv6 compressed);
    lists of CIDRs element by element; anything else unchanged."""
    if isinstance(value, list):
        return [canonical_cidr(v) for v in value]
    if not isinstance(value, str) or "/" not in value:
        return value
    return _network(value)


@lru_cache(maxsize=65536)
def _network(text: str) -> str:
    # Accounts reuse a few hundred CIDRs across thousands of rules: parse each once.
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


def canonical_dns_name(value: Any) -> Any:
    """A DNS name as Route 53 compares it: octal escapes undone (``\\052`` → ``*``), lower
    case, no trailing dot (the root ``.`` stays); lists element by element."""
    if isinstance(value, list):
        return [canonical_dns_name(v) for v in value]
    if not isinstance(value, str):
        return value
    name = _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), value).lower()
    return name if name == "." else name.removesuffix(".")


def drop_reserved_tags(value: Any, prefixes: tuple[str, ...]) -> Any:
    """A tag map without the keys the cloud reserves (``aws:`` on AWS).

    Users cannot set those tags and terraform-provider-aws never stores them (its
    ``IgnoreAWS``), but the API lists them (``aws:cloudformation:stack-name`` …).
    """
    if not prefixes or not isinstance(value, dict):
        return value
    return {k: v for k, v in value.items() if not (isinstance(k, str) and k.startswith(prefixes))}


def lowercase(value: Any) -> Any:
    """Strings (and lists of strings) in lower case, for values the provider folds."""
    if isinstance(value, list):
        return [lowercase(v) for v in value]
    return value.lower() if isinstance(value, str) else value


def without_fields(member: Any, names: frozenset[str]) -> Any:
    """A list or set member without the fields the provider ignores in it."""
    if not isinstance(member, dict):
        return member
    return {k: v for k, v in member.items() if k not in names}


def _member_fields(member: Any, names: frozenset[str], transform: Callable[[Any], Any]) -> Any:
    if not isinstance(member, dict) or not names:
        return member
    return {k: transform(v) if k in names else v for k, v in member.items()}


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


def normalise_attribute(name: str, value: Any, rules: TypeRules) -> Any:
    """Normalise one top-level attribute value by the type's rules, in the fixed order."""
    if name in rules.defaults:
        value = with_default(value, rules.defaults[name])
    if name == "tags":
        value = drop_reserved_tags(value, rules.ignored_tag_prefixes)
    if name in rules.hashed:
        value = user_data_hash(value)
    if name in rules.normalisers:
        value = rules.normalisers[name](value)
    if name in rules.policies and not is_empty(value):
        value = canonical_policy(value)
    if name in rules.cidrs:
        value = canonical_cidr(value)
    if name in rules.case_insensitive:
        value = lowercase(value)
    if name in rules.dns_names:
        value = canonical_dns_name(value)
    if name in rules.member_ignored and isinstance(value, list):
        value = [without_fields(m, rules.member_ignored[name]) for m in value]
    if name in rules.sets and isinstance(value, list):
        # Set members carry their own CIDR, case-insensitive, DNS name and policy fields (rule
        # cidr_blocks, protocol, alias name, inline policy …), named the same way in the rules.
        value = [_member_fields(m, rules.policies, canonical_policy) for m in value]
        value = [_member_fields(m, rules.cidrs, canonical_cidr) for m in value]
        value = [_member_fields(m, rules.case_insensitive, lowercase) for m in value]
        value = [_member_fields(m, rules.dns_names, canonical_dns_name) for m in value]
    value = drop_empty(value)
    for nested in rules.sets:
        # A set inside blocks ("default_action.forward.target_group"), put in order before
        # the blocks holding it are, so that equal blocks sort alike.
        if nested.startswith(f"{name}."):
            value = _canonical_nested(value, nested.split(".")[1:])
    if name in rules.sets and isinstance(value, list):
        value = canonical_set(_canonical_member(v) for v in value)
    return value


def _canonical_nested(value: Any, path: list[str]) -> Any:
    """``value`` with the set at ``path`` (through lists of blocks) in canonical order."""
    if isinstance(value, list):
        return [_canonical_nested(member, path) for member in value]
    if not isinstance(value, dict) or path[0] not in value:
        return value
    child = value[path[0]]
    if len(path) > 1:
        inner = _canonical_nested(child, path[1:])
    elif isinstance(child, list):
        inner = canonical_set(_canonical_member(m) for m in child)
    else:
        inner = child
    return {**value, path[0]: inner}
