"""KMS (regional): keys and aliases.

Attributes are named and shaped as terraform-provider-aws 5.x stores them
(``internal/service/kms/key.go`` ``resourceKeyRead``/``findKeyInfo``, ``alias.go``).

- ``aws_kms_key``: DescribeKey, the ``default`` key policy, the rotation status (asked only
  for keys with key material from KMS, as the provider does) and the tags. Keys pending
  deletion are gone as far as Terraform is concerned, and multi-Region *replica* keys are
  ``aws_kms_replica_key`` resources, so neither is listed. ``key_manager`` is not a
  resource attribute: it is the fact :func:`~driftmgr.domain.drift.defaults.is_cloud_default`
  reads to recognise AWS managed keys.
- ``aws_kms_alias``: id and ``name`` are the alias name (``alias/…``); ``target_key_arn`` is
  built from the alias ARN as the provider builds it.

A key deleted between its listing and its reads is gone; any other failed call fails the
whole (type, region), which is then unobserved.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import policy_json, resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

#: Key states in which the provider treats a key as deleted (``findKeyByID``).
_DELETED_STATES = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


@enumerator("aws_kms_key", "kms")
async def list_keys(scan: Scan, kms: Any, region: str) -> list[LiveResource]:
    key_ids: list[str] = []
    async for page in scan.pages(kms, "list_keys", PaginationConfig={"PageSize": 1000}):
        key_ids.extend(key["KeyId"] for key in page.get("Keys", []))
    keys = await gather(_read_key(scan, kms, key_id, region) for key_id in key_ids)
    return [key for key in keys if key is not None]


async def _read_key(scan: Scan, kms: Any, key_id: str, region: str) -> LiveResource | None:
    try:
        described = await scan.call(kms, "describe_key", KeyId=key_id)
        metadata: Response = described["KeyMetadata"]
        if metadata.get("KeyState") in _DELETED_STATES or _is_replica(metadata):
            return None
        reads: list[Awaitable[Any]] = [
            scan.call(kms, "get_key_policy", KeyId=key_id, PolicyName="default"),
            _rotation(scan, kms, key_id, metadata),
            _key_tags(scan, kms, key_id),
        ]
        policy, rotation, key_tags = await gather(reads)
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":  # deleted since the listing
            return None
        raise
    enabled, period = rotation
    xks = metadata.get("XksKeyConfiguration") or {}
    attributes = {
        "id": metadata["KeyId"],
        "key_id": metadata["KeyId"],
        "arn": metadata.get("Arn", ""),
        "description": metadata.get("Description", ""),
        "key_usage": metadata.get("KeyUsage", ""),
        "customer_master_key_spec": metadata.get(
            "CustomerMasterKeySpec", metadata.get("KeySpec", "")
        ),
        "is_enabled": bool(metadata.get("Enabled", False)),
        "enable_key_rotation": enabled,
        "rotation_period_in_days": period,
        "multi_region": bool(metadata.get("MultiRegion", False)),
        "custom_key_store_id": metadata.get("CustomKeyStoreId", ""),
        "xks_key_id": xks.get("Id", ""),
        "policy": policy_json(policy.get("Policy")),
        "tags": key_tags,
        # Not a resource attribute: the fact the cloud-default predicate reads.
        "key_manager": metadata.get("KeyManager", ""),
    }
    return resource(
        "aws_kms_key",
        metadata["KeyId"],
        region,
        await scan.account(),
        attributes,
        is_default=is_cloud_default("aws_kms_key", attributes),
    )


def _is_replica(metadata: Response) -> bool:
    configuration = metadata.get("MultiRegionConfiguration") or {}
    return bool(metadata.get("MultiRegion")) and configuration.get("MultiRegionKeyType") not in (
        None,
        "PRIMARY",
    )


async def _rotation(scan: Scan, kms: Any, key_id: str, metadata: Response) -> tuple[bool, int]:
    # The provider asks only for keys whose key material KMS generated; the others
    # (imported, custom key stores) cannot rotate automatically.
    if metadata.get("Origin") != "AWS_KMS":
        return False, 0
    status = await scan.call(kms, "get_key_rotation_status", KeyId=key_id)
    return bool(status.get("KeyRotationEnabled", False)), int(status.get("RotationPeriodInDays", 0))


async def _key_tags(scan: Scan, kms: Any, key_id: str) -> dict[str, str]:
    found: dict[str, str] = {}
    async for page in scan.pages(kms, "list_resource_tags", KeyId=key_id):
        for tag in page.get("Tags", []):
            found[str(tag["TagKey"])] = str(tag.get("TagValue", ""))
    return found


@enumerator("aws_kms_alias", "kms")
async def list_aliases(scan: Scan, kms: Any, region: str) -> list[LiveResource]:
    aliases: list[Response] = []
    async for page in scan.pages(kms, "list_aliases", PaginationConfig={"PageSize": 100}):
        aliases.extend(page.get("Aliases", []))
    account = await scan.account()
    live = []
    for alias in aliases:
        name: str = alias["AliasName"]
        alias_arn: str = alias.get("AliasArn", "")
        target = alias.get("TargetKeyId", "")
        attributes = {
            "id": name,
            "name": name,
            "arn": alias_arn,
            "target_key_id": target,
            "target_key_arn": _key_arn(alias_arn, target),
        }
        live.append(
            resource(
                "aws_kms_alias",
                name,
                region,
                account,
                attributes,
                is_default=is_cloud_default("aws_kms_alias", attributes),
            )
        )
    return live


def _key_arn(alias_arn: str, key_id: str) -> str:
    """``arn:…:kms:<region>:<account>:key/<id>``, from the alias's ARN (``alias.go``)."""
    prefix, _, _ = alias_arn.partition(":alias/")
    if not key_id or not prefix:
        return ""
    return f"{prefix}:key/{key_id}"
