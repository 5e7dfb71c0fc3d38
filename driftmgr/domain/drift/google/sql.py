"""How Cloud SQL instances compare (terraform-provider-google 6.x, ``services/sql``).

The id is the instance's name. ``settings`` is one block whose many fields the adapter
observes only in part, so both sides keep only the observed ones. Storage auto-resize grows
``disk_size`` behind Terraform's back: with ``disk_autoresize`` on, a larger disk is no drift
(the provider suppresses it the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.google._common import LABELS, blocks_of, google, region_attribute
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

_SETTINGS = blocks_of(
    {
        "tier": None,
        "edition": None,
        "availability_type": None,
        "activation_policy": None,
        "disk_type": None,
        "disk_size": None,
        "disk_autoresize": None,
        "user_labels": None,
        "deletion_protection_enabled": None,
        "ip_configuration": {
            "ipv4_enabled": None,
            "ssl_mode": None,
            "private_network": None,
            "authorized_networks": {"name": None, "value": None},
        },
        "backup_configuration": {
            "enabled": None,
            "start_time": None,
            "binary_log_enabled": None,
            "point_in_time_recovery_enabled": None,
        },
    }
)


def _disk_grew(state: Mapping[str, Any], cloud: Mapping[str, Any]) -> bool:
    """Settings differ only in a disk grown by auto-resize: no drift."""
    expected, actual = _one(state.get("settings")), _one(cloud.get("settings"))
    if expected is None or actual is None or not actual.get("disk_autoresize"):
        return False
    grown = int(actual.get("disk_size") or 0) >= int(expected.get("disk_size") or 0)
    return grown and _without_size(expected) == _without_size(actual)


def _without_size(settings: Mapping[str, Any]) -> Any:
    return _SETTINGS([{k: v for k, v in settings.items() if k != "disk_size"}])


def _one(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], Mapping):
        return value[0]
    return None


google(
    "google_sql_database_instance",
    TypeRules(
        identity=lambda attributes: (
            str(attributes.get("name") or attributes.get("id") or "") or None
        ),
        region=region_attribute,
        normalisers={"settings": _SETTINGS},
        same_when={"settings": _disk_grew},
        sets=frozenset({"settings.ip_configuration.authorized_networks"}),
        ignored=LABELS
        | frozenset(
            {
                "connection_name",
                "first_ip_address",
                "public_ip_address",
                "private_ip_address",
                "ip_address",
                "service_account_email_address",
                "dns_name",
                "deletion_protection",
                "root_password",
            }
        ),
        access=True,
        severity={"settings": "high", "database_version": "medium"},
        taggable=False,
    ),
)
