"""How service accounts compare (terraform-provider-google 6.x, ``services/resourcemanager``).

The id is ``projects/{project}/serviceAccounts/{email}``, as the provider sets it; Cloud Asset
Inventory names the account by its unique id instead, so the adapter builds the id from the
account's own ``name``. Service accounts are global.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.google._common import LABELS, canonical_id, google
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []


def _identity(attributes: Mapping[str, Any]) -> str | None:
    name = attributes.get("name")
    if isinstance(name, str) and name.startswith("projects/"):
        return name
    return canonical_id(attributes.get("id"))


google(
    "google_service_account",
    TypeRules(
        identity=_identity,
        is_global=True,
        access=True,
        defaults={"disabled": False, "description": "", "display_name": ""},
        ignored=LABELS | frozenset({"unique_id", "member", "name", "create_ignore_already_exists"}),
        severity={"disabled": "high", "description": "low", "display_name": "low"},
        taggable=False,
    ),
)
