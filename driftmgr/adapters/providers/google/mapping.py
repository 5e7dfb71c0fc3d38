"""From a Cloud Asset (the service's own REST JSON, camelCase) to Terraform's names.

``Asset.data`` is the resource's ``resource.data`` as the API returned it; numbers in it went
through a protobuf ``Struct`` (doubles), so whole numbers are turned back into ``int``.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from driftmgr.domain.drift.google._common import canonical_id, region_of_zone, short_name
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource

__all__ = [
    "PROVIDER",
    "Asset",
    "integers",
    "labels",
    "live",
    "place",
    "plain",
    "self_link",
    "short_name",
]

PROVIDER = "google"

_PROJECT = re.compile(r"(?:^|/)projects/([^/]+)")


class Asset(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    """The full asset name: ``//compute.googleapis.com/projects/p/zones/z/instances/i``."""
    asset_type: str
    location: str = ""
    data: dict[str, Any] = msgspec.field(default_factory=dict)

    @property
    def project(self) -> str:
        """The project the asset name says (or the data's, for names without one)."""
        found = _PROJECT.search(self.name) or _PROJECT.search(str(self.data.get("name", "")))
        return found.group(1) if found else str(self.data.get("projectId", ""))

    @property
    def relative_name(self) -> str:
        return canonical_id(self.name) or self.name


def plain(value: Any) -> Any:
    """``value`` with whole-number floats as ints, recursively (``1460.0`` → ``1460``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def integers(value: Any) -> int:
    """An int64 the REST API sends as a string (``"10"``); absent is 0."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def labels(data: dict[str, Any], key: str = "labels") -> dict[str, str]:
    return {str(k): str(v) for k, v in (data.get(key) or {}).items()}


def self_link(data: dict[str, Any]) -> str:
    return str(data.get("selfLink") or "")


def place(asset: Asset, resource_type: str) -> str:
    """Where an object is for the scan: ``global`` for global types, else its region (a
    zonal object's zone's region)."""
    if rules_for(resource_type).is_global:
        return GLOBAL_REGION
    location = asset.location or str(short_name(asset.data.get("zone") or ""))
    location = location or str(short_name(asset.data.get("region") or ""))
    return region_of_zone(location) or location or GLOBAL_REGION


def live(
    resource_type: str,
    identity: str,
    asset: Asset,
    attributes: dict[str, Any],
    *,
    is_default: bool = False,
) -> LiveResource:
    attributes = {"id": identity, "project": asset.project, **attributes}
    return LiveResource(
        type=resource_type,
        id=identity,
        provider=PROVIDER,
        region=place(asset, resource_type),
        attributes=attributes,
        account=asset.project or None,
        is_default=is_default,
    )
