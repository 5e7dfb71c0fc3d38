"""How EC2 compute compares: instances, EBS volumes, key pairs and launch templates
(terraform-provider-aws 5.x, ``internal/service/ec2``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import (
    aws,
    blocks,
)
from driftmgr.domain.drift.rules import Key, TypeRules
from driftmgr.domain.resources import StateResource

__all__ = []


# --- compute --------------------------------------------------------------------------------


def _instance_volumes(resource: StateResource) -> list[Key]:
    blocks = resource.attributes.get("ebs_block_device") or []
    return [
        ("aws_ebs_volume", str(block["volume_id"]))
        for block in blocks
        if isinstance(block, Mapping) and block.get("volume_id")
    ]


def _scaling_group_parent(attributes: Mapping[str, Any]) -> Key | None:
    """An instance an Auto Scaling group launched belongs to the group (AWS tags it with the
    group's name); Terraform manages the group, never its instances."""
    tags = attributes.get("tags")
    group = tags.get("aws:autoscaling:groupName") if isinstance(tags, Mapping) else None
    return ("aws_autoscaling_group", str(group)) if group else None


def _launch_volume_parent(attributes: Mapping[str, Any]) -> Key | None:
    """A volume made with its instance (its root, or a launch-time block device that goes
    with it) is part of that instance: in Terraform its ``root_block_device`` or
    ``ebs_block_device``, never an ``aws_ebs_volume`` of its own."""
    for attachment in blocks(attributes.get("attachments")):
        if attachment.get("instance_id") and (
            attachment.get("root") or attachment.get("delete_on_termination")
        ):
            return ("aws_instance", str(attachment["instance_id"]))
    return None


aws(
    "aws_instance",
    TypeRules(
        sets=frozenset(
            {
                "vpc_security_group_ids",
                "security_groups",
                "secondary_private_ips",
                "ipv6_addresses",
                "ebs_block_device",
                "ephemeral_block_device",
                "network_interface",
            }
        ),
        hashed=frozenset({"user_data"}),
        # Root volume tags: the state holds them without default_tags (and none at all
        # with volume_tags), the API has them all; the volume's own resource compares them.
        member_ignored={"root_block_device": frozenset({"tags", "tags_all"})},
        # Volumes attached by ebs_block_device blocks are this instance's, not unmanaged.
        claims=_instance_volumes,
        claimed_types=frozenset({"aws_ebs_volume"}),
        # An Auto Scaling group's instances (an EKS node group's too) are the group's.
        parent=_scaling_group_parent,
        defaults={
            "monitoring": False,
            "ebs_optimized": False,
            "source_dest_check": True,
            "key_name": "",
            "iam_instance_profile": "",
            "disable_api_termination": False,
            "disable_api_stop": False,
            "hibernation": False,
            "instance_initiated_shutdown_behavior": "stop",
            "placement_partition_number": 0,
        },
        # public_ip/instance_state change on every stop/start without anyone drifting;
        # volume_tags are the aws_ebs_volume resources' business; launch_template holds
        # the configured version ("$Latest"), not the number AWS resolved it to.
        ignored=frozenset(
            {
                "instance_state",
                "public_ip",
                "public_dns",
                "private_dns",
                "primary_network_interface_id",
                "tenancy",
                "placement_group",
                "user_data_base64",
                "user_data_replace_on_change",
                "get_password_data",
                "password_data",
                "associate_public_ip_address",
                "instance_lifecycle",
                "spot_instance_request_id",
                "outpost_arn",
                "volume_tags",
                "launch_template",
                "cpu_core_count",
                "cpu_threads_per_core",
                "ipv6_address_count",
            }
        ),
        severity={
            "iam_instance_profile": "high",
            "metadata_options": "high",
            "subnet_id": "high",
            "vpc_security_group_ids": "high",
        },
    ),
)

aws(
    "aws_ebs_volume",
    TypeRules(
        defaults={"encrypted": False, "multi_attach_enabled": False, "snapshot_id": ""},
        # attachments: what the adapter observed to decide the parent, not an attribute.
        ignored=frozenset({"final_snapshot", "attachments"}),
        parent=_launch_volume_parent,
        severity={"encrypted": "high", "kms_key_id": "high"},
    ),
)

aws(
    "aws_key_pair",
    TypeRules(
        # The API returns the public key re-encoded (comment dropped): the fingerprint and
        # key pair id say whether the key changed.
        ignored=frozenset({"key_name_prefix", "public_key"}),
        severity={"fingerprint": "high"},
    ),
)

aws(
    "aws_launch_template",
    TypeRules(
        sets=frozenset({"vpc_security_group_ids", "security_group_names", "license_specification"}),
        ignored=frozenset({"name_prefix", "update_default_version"}),
    ),
)
