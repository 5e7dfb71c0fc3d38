"""How DNS zones and record sets compare (terraform-provider-azurerm 4.x,
``internal/services/dns``).

Zones and records are global (ARM's location ``global``). Terraform builds a record's id
as ``…/dnsZones/ZONE/A/NAME``, ARM answers ``…/dnszones/ZONE/A/NAME``: the case-insensitive
ARM id (:func:`~driftmgr.domain.drift.azurerm._common.arm_id`) matches both. A record's
``tags`` are the record set's ``metadata``.
"""

from __future__ import annotations

from driftmgr.domain.drift.azurerm._common import azurerm
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

azurerm(
    "azurerm_dns_zone",
    TypeRules(
        dns_names=frozenset({"name"}),
        ignored=frozenset(
            {"number_of_record_sets", "max_number_of_record_sets", "name_servers", "soa_record"}
        ),
        is_global=True,
    ),
)

_RECORD_IGNORED = frozenset({"fqdn", "zone_name", "resource_group_name"})

azurerm(
    "azurerm_dns_a_record",
    TypeRules(
        sets=frozenset({"records"}),
        defaults={"records": [], "target_resource_id": ""},
        case_insensitive=frozenset({"target_resource_id"}),
        ignored=_RECORD_IGNORED,
        severity={"records": "high", "target_resource_id": "high"},
        is_global=True,
    ),
)

azurerm(
    "azurerm_dns_cname_record",
    TypeRules(
        dns_names=frozenset({"record"}),
        defaults={"record": "", "target_resource_id": ""},
        case_insensitive=frozenset({"target_resource_id"}),
        ignored=_RECORD_IGNORED,
        severity={"record": "high", "target_resource_id": "high"},
        is_global=True,
    ),
)

azurerm(
    "azurerm_dns_txt_record",
    TypeRules(
        sets=frozenset({"record"}),
        ignored=_RECORD_IGNORED,
        is_global=True,
    ),
)
