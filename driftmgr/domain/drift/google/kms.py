"""How Cloud KMS key rings and crypto keys compare (terraform-provider-google 6.x,
``services/kms``).

Ids are ``projects/{project}/locations/{location}/keyRings/{name}`` and
``{key_ring}/cryptoKeys/{name}``. A key ring's location may be ``global`` or a multi-region
(``us``): both types are listed once for the whole scope, and the id says where.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.google._common import (
    LABELS,
    blocks_of,
    canonical_id,
    google,
    identity_from,
)
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []


def _key_identity(attributes: Mapping[str, Any]) -> str | None:
    ring, name = canonical_id(attributes.get("key_ring")), attributes.get("name")
    if ring and isinstance(name, str) and name:
        return f"{ring}/cryptoKeys/{name}"
    return canonical_id(attributes.get("id"))


google(
    "google_kms_key_ring",
    TypeRules(
        identity=identity_from("projects/{project}/locations/{location}/keyRings/{name}"),
        is_global=True,
        access=True,
        ignored=LABELS,
        taggable=False,
    ),
)

google(
    "google_kms_crypto_key",
    TypeRules(
        identity=_key_identity,
        is_global=True,
        access=True,
        import_id="{id}",
        normalisers={
            "key_ring": canonical_id,
            "version_template": blocks_of({"algorithm": None, "protection_level": None}),
        },
        defaults={
            "purpose": "ENCRYPT_DECRYPT",
            "rotation_period": "",
            "import_only": False,
            "destroy_scheduled_duration": "2592000s",
        },
        ignored=LABELS | frozenset({"primary", "skip_initial_version_creation"}),
        severity={
            "rotation_period": "high",
            "purpose": "high",
            "version_template": "high",
            "effective_labels": "low",
        },
        taggable=False,
    ),
)
