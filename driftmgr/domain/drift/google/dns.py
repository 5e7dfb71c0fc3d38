"""How Cloud DNS zones and record sets compare (terraform-provider-google 6.x,
``services/dns``).

Ids are ``projects/{project}/managedZones/{name}`` and
``projects/{project}/managedZones/{zone}/rrsets/{name}/{type}``; DNS is global. The NS and SOA
records at a zone's apex are made by Cloud DNS itself: never unmanaged. ``rrdatas`` is
compared as a set, case and trailing dots aside.
"""

from __future__ import annotations

from driftmgr.domain.drift.google._common import LABELS, google, identity_from
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []


google(
    "google_dns_managed_zone",
    TypeRules(
        identity=identity_from("projects/{project}/managedZones/{name}"),
        is_global=True,
        dns_names=frozenset({"dns_name"}),
        defaults={"description": "Managed by Terraform", "visibility": "public"},
        ignored=LABELS
        | frozenset({"name_servers", "managed_zone_id", "creation_time", "force_destroy"}),
        severity={"visibility": "high", "description": "low", "effective_labels": "low"},
        taggable=False,
    ),
)

google(
    "google_dns_record_set",
    TypeRules(
        identity=identity_from(
            "projects/{project}/managedZones/{managed_zone}/rrsets/{name}/{type}"
        ),
        is_global=True,
        sets=frozenset({"rrdatas"}),
        dns_names=frozenset({"rrdatas", "name"}),
        ignored=LABELS,
        severity={"rrdatas": "high"},
        taggable=False,
    ),
)
