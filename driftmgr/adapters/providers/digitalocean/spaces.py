"""Spaces buckets, through Spaces' S3 API (boto3) at ``SPACES_ENDPOINT_URL`` per region, named
as terraform-provider-digitalocean 2.x reads them (``resource_spaces_bucket.go``).

A bucket list may hold the buckets of every region; each bucket's location decides which
region's listing it belongs to. Regions without Spaces have no buckets: they are listed as
empty without asking.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from driftmgr.adapters.providers.digitalocean.errors import NotConfigured
from driftmgr.adapters.providers.digitalocean.registry import Scan, SpacesSettings, enumerator, live
from driftmgr.domain.resources import LiveResource

__all__ = ["SPACES_REGIONS", "SpacesNotConfigured"]

#: Regions with Spaces (DigitalOcean's "Spaces availability" table).
SPACES_REGIONS = frozenset(
    {"nyc3", "sfo2", "sfo3", "ams3", "sgp1", "fra1", "syd1", "blr1", "lon1", "tor1", "atl1"}
)


class SpacesNotConfigured(NotConfigured):
    def __str__(self) -> str:
        return (
            "no Spaces access key: set SPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY "
            "to list Spaces buckets"
        )


@enumerator("digitalocean_spaces_bucket", "spaces", per_region=True)
async def _buckets(scan: Scan, region: str) -> list[LiveResource]:
    if region not in SPACES_REGIONS:
        return []
    if scan.spaces is None:
        raise SpacesNotConfigured
    settings = scan.spaces
    return await scan.calls.call("spaces", lambda: _list(settings, region))


def _list(settings: SpacesSettings, region: str) -> list[LiveResource]:
    s3 = boto3.session.Session().client(
        "s3",
        region_name=region,
        endpoint_url=settings.endpoint(region),
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        # Our own retries (driftmgr.adapters.providers.digitalocean.api) wrap this call.
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
    )
    found: list[LiveResource] = []
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        location = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
        if location != region:
            continue
        versioning = s3.get_bucket_versioning(Bucket=name)
        found.append(_bucket(name, region, versioning))
    return found


def _bucket(name: str, region: str, versioning: dict[str, Any]) -> LiveResource:
    return live(
        "digitalocean_spaces_bucket",
        name,
        region,
        name=name,
        region=region,
        versioning=[{"enabled": versioning.get("Status") == "Enabled"}],
        urn=f"do:space:{name}",
        bucket_domain_name=f"{name}.{region}.digitaloceanspaces.com",
        endpoint=f"{region}.digitaloceanspaces.com",
    )
