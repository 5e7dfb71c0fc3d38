"""EFS file systems, as terraform-provider-aws 5.x reads them
(``internal/service/efs/file_system.go``).

``DescribeFileSystems`` gives everything but the lifecycle policies, which cost one
``DescribeLifecycleConfiguration`` each; named by the ``fs-…`` id. As the provider does,
each lifecycle policy is one ``lifecycle_policy`` block with the one transition it sets.
``size_in_bytes`` is reported but never compared.

moto 5.2 answers all of these.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_FILE_SYSTEM = "aws_efs_file_system"
_GONE = ("FileSystemNotFound",)
_TRANSITIONS = {
    "TransitionToIA": "transition_to_ia",
    "TransitionToPrimaryStorageClass": "transition_to_primary_storage_class",
    "TransitionToArchive": "transition_to_archive",
}


@enumerator(_FILE_SYSTEM, "efs")
async def list_file_systems(scan: Scan, efs: Any, region: str) -> list[LiveResource]:
    systems: list[Response] = []
    async for page in scan.pages(efs, "describe_file_systems", PaginationConfig={"PageSize": 100}):
        systems.extend(page.get("FileSystems", []))
    policies = await gather(_lifecycle(scan, efs, str(s["FileSystemId"])) for s in systems)
    account = await scan.account()
    return [
        _file_system_resource(system, found, region, account)
        for system, found in zip(systems, policies, strict=True)
        if found is not None and system.get("LifeCycleState") not in ("deleting", "deleted")
    ]


async def _lifecycle(scan: Scan, efs: Any, file_system: str) -> list[Response] | None:
    try:
        answer = await scan.call(efs, "describe_lifecycle_configuration", FileSystemId=file_system)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    policies: list[Response] = answer.get("LifecyclePolicies", [])
    return policies


def _file_system_resource(
    system: Response, policies: list[Response], region: str, account: str | None
) -> LiveResource:
    file_system = str(system["FileSystemId"])
    protection = (system.get("FileSystemProtection") or {}).get("ReplicationOverwriteProtection")
    attributes: dict[str, Any] = {
        "id": file_system,
        "arn": system.get("FileSystemArn", ""),
        "creation_token": system.get("CreationToken", ""),
        "encrypted": bool(system.get("Encrypted", False)),
        "kms_key_id": system.get("KmsKeyId", ""),
        "performance_mode": system.get("PerformanceMode", ""),
        "throughput_mode": system.get("ThroughputMode", ""),
        "provisioned_throughput_in_mibps": float(system.get("ProvisionedThroughputInMibps", 0)),
        "availability_zone_name": system.get("AvailabilityZoneName", ""),
        "availability_zone_id": system.get("AvailabilityZoneId", ""),
        "dns_name": f"{file_system}.efs.{region}.amazonaws.com",
        "name": system.get("Name", ""),
        "number_of_mount_targets": system.get("NumberOfMountTargets", 0),
        "owner_id": system.get("OwnerId", ""),
        "size_in_bytes": [
            {
                "value": (system.get("SizeInBytes") or {}).get("Value", 0),
                "value_in_ia": (system.get("SizeInBytes") or {}).get("ValueInIA", 0),
                "value_in_standard": (system.get("SizeInBytes") or {}).get("ValueInStandard", 0),
            }
        ],
        "lifecycle_policy": [
            {name: str(policy.get(api, "")) for api, name in _TRANSITIONS.items()}
            for policy in policies
        ],
        "protection": ([{"replication_overwrite": str(protection)}] if protection else []),
        "tags": tags(system.get("Tags")),
    }
    return resource(
        _FILE_SYSTEM,
        file_system,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_FILE_SYSTEM, attributes),
    )
