"""How IAM inline policies compare: ``aws_iam_role_policy``, ``aws_iam_user_policy`` and
``aws_iam_group_policy`` (terraform-provider-aws 5.x, ``internal/service/iam``).

The id is ``<principal>:<policy name>`` in the state, in the listing and for ``terraform
import``. A role reads its inline policies into ``inline_policy`` on refresh, whoever made
them: a live role policy is the role's to report when the role was compared on that
attribute, and a state ``aws_iam_role_policy`` leaves the role's stale copy uncompared
(``delegates``). Users and groups have no such attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import aws
from driftmgr.domain.drift.rules import Key, TypeRules
from driftmgr.domain.resources import StateResource

__all__ = ["inline_policy_identity"]

_ROLE = "aws_iam_role"


def inline_policy_identity(kind: str) -> Callable[[Mapping[str, Any]], str | None]:
    """``principal:name`` from the attributes (the id when they are missing)."""

    def identity(attributes: Mapping[str, Any]) -> str | None:
        principal = attributes.get(kind)
        name = attributes.get("name")
        if principal and name:
            return f"{principal}:{name}"
        ident = attributes.get("id")
        return str(ident) if ident else None

    return identity


def _role_parent(attributes: Mapping[str, Any]) -> Key | None:
    role = attributes.get("role")
    return (_ROLE, str(role)) if role else None


def _role_attribute(attributes: Mapping[str, Any]) -> str | None:
    return "inline_policy"


def _role_delegates(resource: StateResource) -> list[tuple[Key, str]]:
    key = _role_parent(resource.attributes)
    return [(key, "inline_policy")] if key is not None else []


def _rules(kind: str, **extra: Any) -> TypeRules:
    return TypeRules(
        policies=frozenset({"policy"}),
        ignored=frozenset({"name_prefix"}),
        identity=inline_policy_identity(kind),
        import_id="{" + kind + "}:{name}",
        severity={"policy": "high"},
        access=True,
        taggable=False,
        is_global=True,
        **extra,
    )


aws(
    "aws_iam_role_policy",
    _rules(
        "role", parent=_role_parent, parent_attribute=_role_attribute, delegates=_role_delegates
    ),
)
aws("aws_iam_user_policy", _rules("user"))
aws("aws_iam_group_policy", _rules("group"))
