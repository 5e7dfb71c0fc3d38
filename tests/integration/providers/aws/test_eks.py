"""EKS clusters and managed node groups against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.eks`), and their drift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

CLUSTER = "aws_eks_cluster"
NODE_GROUP = "aws_eks_node_group"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node"


def create_cluster(eks: Any) -> str:
    cluster = eks.create_cluster(
        name="platform",
        version="1.29",
        roleArn=ROLE,
        resourcesVpcConfig={"subnetIds": ["subnet-0b1", "subnet-0a2"]},
        logging={"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]},
        tags={"team": "platform"},
    )["cluster"]
    return str(cluster["arn"])


def create_node_group(eks: Any) -> None:
    eks.create_nodegroup(
        clusterName="platform",
        nodegroupName="general",
        nodeRole=NODE_ROLE,
        subnets=["subnet-0b1", "subnet-0a2"],
        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
        instanceTypes=["m6i.large"],
        labels={"pool": "general"},
        tags={"team": "platform"},
    )


def test_clusters_are_listed_by_name(boto: Boto) -> None:
    arn = create_cluster(boto("eks"))

    clusters = observed(scan([REGION], [CLUSTER])[(CLUSTER, REGION)])

    attributes = clusters["platform"].attributes
    assert attributes["arn"] == arn
    assert (attributes["role_arn"], attributes["version"]) == (ROLE, "1.29")
    assert attributes["vpc_config"][0]["subnet_ids"] == ["subnet-0a2", "subnet-0b1"]
    assert attributes["enabled_cluster_log_types"] == ["api", "audit"]
    assert attributes["tags"] == {"team": "platform"}


def test_a_cluster_is_in_sync_then_retagged_by_hand(boto: Boto) -> None:
    eks = boto("eks")
    arn = create_cluster(eks)
    state = state_resource(
        CLUSTER,
        "platform",
        {
            "id": "platform",
            "name": "platform",
            "arn": arn,
            "role_arn": ROLE,
            "version": "1.29",
            "vpc_config": [
                {
                    "subnet_ids": ["subnet-0b1", "subnet-0a2"],
                    "security_group_ids": [],
                    "endpoint_private_access": False,
                    "endpoint_public_access": True,
                    # moto reports none (AWS: 0.0.0.0/0 by default).
                    "public_access_cidrs": [],
                    "cluster_security_group_id": "sg-0123",
                    "vpc_id": "vpc-0123",
                }
            ],
            "enabled_cluster_log_types": ["audit", "api"],
            "endpoint": "https://example.eks.amazonaws.com",
            "status": "ACTIVE",
            "tags": {"team": "platform"},
            "tags_all": {"team": "platform"},
        },
    )

    assert drift([state], [CLUSTER]).items == []

    eks.tag_resource(resourceArn=arn, tags={"team": "someone-else"})
    assert changed_paths(drift([state], [CLUSTER])) == {"platform": ["tags.team"]}


def test_node_groups_are_keyed_cluster_colon_name(boto: Boto) -> None:
    eks = boto("eks")
    create_cluster(eks)
    create_node_group(eks)

    groups = observed(scan([REGION], [NODE_GROUP])[(NODE_GROUP, REGION)])

    assert set(groups) == {"platform:general"}
    attributes = groups["platform:general"].attributes
    assert (attributes["cluster_name"], attributes["node_group_name"]) == ("platform", "general")
    assert attributes["node_role_arn"] == NODE_ROLE
    assert attributes["scaling_config"] == [{"desired_size": 2, "max_size": 3, "min_size": 1}]
    assert attributes["instance_types"] == ["m6i.large"]
    assert attributes["labels"] == {"pool": "general"}
    assert attributes["tags"] == {"team": "platform"}
    assert attributes["resources"][0]["autoscaling_groups"]


def test_a_node_group_is_in_sync_then_scaled_by_hand(boto: Boto) -> None:
    eks = boto("eks")
    create_cluster(eks)
    create_node_group(eks)
    state = state_resource(
        NODE_GROUP,
        "general",
        {
            "id": "platform:general",
            "cluster_name": "platform",
            "node_group_name": "general",
            "node_role_arn": NODE_ROLE,
            "subnet_ids": ["subnet-0a2", "subnet-0b1"],
            "scaling_config": [{"desired_size": 2, "max_size": 3, "min_size": 1}],
            "instance_types": ["m6i.large"],
            "capacity_type": "ON_DEMAND",
            "labels": {"pool": "general"},
            "taint": [],
            "status": "ACTIVE",
            "tags": {"team": "platform"},
            "tags_all": {"team": "platform"},
        },
    )

    assert drift([state], [NODE_GROUP]).items == []

    eks.update_nodegroup_config(
        clusterName="platform", nodegroupName="general", scalingConfig={"desiredSize": 3}
    )
    changed = changed_paths(drift([state], [NODE_GROUP]))
    assert list(changed) == ["platform:general"]
    assert all(path.startswith("scaling_config") for path in changed["platform:general"])
