"""How Cloud Storage buckets compare (terraform-provider-google 6.x, ``services/storage``).

A bucket's id is its name, unique across Google Cloud, so buckets are listed once (region
``global``) whatever their ``location``; the provider upper-cases ``location`` and folds its
case when comparing.
"""

from __future__ import annotations

from typing import Any

from driftmgr.domain.drift.google._common import LABELS, google
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []


def _versioning(value: Any) -> Any:
    """``versioning { enabled = false }`` and no block at all mean the same bucket."""
    on = isinstance(value, list) and any(isinstance(b, dict) and b.get("enabled") for b in value)
    return [{"enabled": True}] if on else []


google(
    "google_storage_bucket",
    TypeRules(
        identity=lambda attributes: (
            str(attributes.get("name") or attributes.get("id") or "") or None
        ),
        is_global=True,
        case_insensitive=frozenset({"location"}),
        normalisers={"versioning": _versioning},
        defaults={
            "storage_class": "STANDARD",
            "uniform_bucket_level_access": False,
            "public_access_prevention": "inherited",
            "requester_pays": False,
            "default_event_based_hold": False,
        },
        ignored=LABELS | frozenset({"url", "force_destroy", "enable_object_retention"}),
        access=True,
        severity={
            "public_access_prevention": "high",
            "uniform_bucket_level_access": "high",
            "effective_labels": "low",
        },
        taggable=False,
    ),
)
