"""S3: buckets, located per region."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@enumerator("aws_s3_bucket", "s3")
async def list_buckets(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    # ListBuckets is global: list and locate once per scan, then keep this region's buckets.
    located = await scan.shared("s3-bucket-regions", lambda: _locate_buckets(scan))
    names = sorted(name for name, bucket_region in located.items() if bucket_region == region)
    details = await gather(_bucket_details(scan, s3, name) for name in names)
    account = await scan.account()
    return [
        _bucket_resource(name, region, tags, versioning, account)
        for name, (tags, versioning) in zip(names, details, strict=True)
        # A bucket deleted since the listing has no details: it is gone, not unobserved.
        if tags is not None
    ]


async def _locate_buckets(scan: Scan) -> dict[str, str]:
    s3 = await scan.client("s3", scan.home_region)
    located: dict[str, str] = {}
    unlocated: list[str] = []
    async for page in scan.pages(s3, "list_buckets"):
        for bucket in page.get("Buckets", []):
            if bucket.get("BucketRegion"):
                located[bucket["Name"]] = bucket["BucketRegion"]
            else:
                unlocated.append(bucket["Name"])

    async def location(name: str) -> str | None:
        try:
            response = await scan.call(s3, "get_bucket_location", Bucket=name)
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucket":
                return None
            raise
        return _bucket_region(response.get("LocationConstraint"))

    for name, bucket_region in zip(
        unlocated, await gather(location(n) for n in unlocated), strict=True
    ):
        if bucket_region is not None:
            located[name] = bucket_region
    return located


async def _bucket_details(
    scan: Scan, s3: Any, name: str
) -> tuple[dict[str, str] | None, list[dict[str, bool]]]:
    """Tags and versioning of one bucket; ``(None, [])`` when the bucket no longer exists.

    Any other failure propagates, so the region's outcome is unobserved rather than
    reporting a bucket with tags we never saw.
    """
    try:
        tagging, versioning = await gather(
            [_bucket_tagging(scan, s3, name), scan.call(s3, "get_bucket_versioning", Bucket=name)]
        )
    except ClientError as exc:
        if error_code(exc) == "NoSuchBucket":
            return None, []
        raise
    return tags(tagging.get("TagSet")), [
        {
            "enabled": versioning.get("Status") == "Enabled",
            "mfa_delete": versioning.get("MFADelete") == "Enabled",
        }
    ]


async def _bucket_tagging(scan: Scan, s3: Any, name: str) -> Response:
    try:
        return await scan.call(s3, "get_bucket_tagging", Bucket=name)
    except ClientError as exc:
        if error_code(exc) == "NoSuchTagSet":  # the bucket has no tags
            return {"TagSet": []}
        raise


def _bucket_resource(
    name: str,
    region: str,
    tags: dict[str, str],
    versioning: list[dict[str, bool]],
    account: str | None,
) -> LiveResource:
    attributes = {
        "id": name,
        "bucket": name,
        "arn": f"arn:{partition(region)}:s3:::{name}",
        "region": region,
        "bucket_domain_name": f"{name}.s3.amazonaws.com",
        "bucket_regional_domain_name": f"{name}.s3.{region}.amazonaws.com",
        "versioning": versioning,
        "tags": tags,
    }
    return resource("aws_s3_bucket", name, region, account, attributes)


def _bucket_region(location_constraint: str | None) -> str:
    # GetBucketLocation's legacy answers: no constraint is us-east-1, "EU" is eu-west-1.
    if not location_constraint:
        return "us-east-1"
    if location_constraint == "EU":
        return "eu-west-1"
    return location_constraint
