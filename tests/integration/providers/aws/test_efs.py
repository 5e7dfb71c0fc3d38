"""EFS file systems against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.efs`), and their drift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

FILE_SYSTEM = "aws_efs_file_system"
IA_30 = {
    "transition_to_ia": "AFTER_30_DAYS",
    "transition_to_primary_storage_class": "",
    "transition_to_archive": "",
}


def seed(efs: Any) -> str:
    file_system: str = efs.create_file_system(
        CreationToken="shared",
        Encrypted=True,
        PerformanceMode="generalPurpose",
        Tags=[{"Key": "Name", "Value": "shared"}],
    )["FileSystemId"]
    efs.put_lifecycle_configuration(
        FileSystemId=file_system, LifecyclePolicies=[{"TransitionToIA": "AFTER_30_DAYS"}]
    )
    return file_system


def test_file_systems_are_listed_by_id_with_lifecycle_policies(boto: Boto) -> None:
    file_system = seed(boto("efs"))

    systems = observed(scan([REGION], [FILE_SYSTEM])[(FILE_SYSTEM, REGION)])

    assert set(systems) == {file_system}
    attributes = systems[file_system].attributes
    assert attributes["arn"] == (
        f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{file_system}"
    )
    assert (attributes["creation_token"], attributes["encrypted"]) == ("shared", True)
    assert attributes["performance_mode"] == "generalPurpose"
    assert attributes["throughput_mode"] == "bursting"
    assert attributes["lifecycle_policy"] == [IA_30]
    assert attributes["dns_name"] == f"{file_system}.efs.{REGION}.amazonaws.com"
    assert (attributes["name"], attributes["tags"]) == ("shared", {"Name": "shared"})


def test_a_file_system_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    efs = boto("efs")
    file_system = seed(efs)
    live = observed(scan([REGION], [FILE_SYSTEM])[(FILE_SYSTEM, REGION)])[file_system]
    state = state_resource(
        FILE_SYSTEM,
        "shared",
        {
            "id": file_system,
            "arn": live.attributes["arn"],
            "creation_token": "shared",
            "encrypted": True,
            "kms_key_id": live.attributes["kms_key_id"],
            "performance_mode": "generalPurpose",
            "throughput_mode": "bursting",
            "provisioned_throughput_in_mibps": 0,
            "lifecycle_policy": [IA_30],
            "name": "shared",
            "number_of_mount_targets": 0,
            "size_in_bytes": [{"value": 0, "value_in_ia": 0, "value_in_standard": 0}],
            "tags": {"Name": "shared"},
            "tags_all": {"Name": "shared"},
        },
    )

    assert drift([state], [FILE_SYSTEM]).items == []

    efs.put_lifecycle_configuration(
        FileSystemId=file_system, LifecyclePolicies=[{"TransitionToIA": "AFTER_7_DAYS"}]
    )
    assert changed_paths(drift([state], [FILE_SYSTEM])) == {
        file_system: ["lifecycle_policy[0].transition_to_ia"]
    }
