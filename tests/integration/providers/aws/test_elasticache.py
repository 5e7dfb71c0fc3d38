"""ElastiCache clusters, subnet groups and replication groups against a real moto server
(see :mod:`driftmgr.adapters.providers.aws.elasticache`), and their drift.

moto cannot modify a cluster or a subnet group, so their out-of-band changes are tag
changes; it implements no cache parameter groups, which are therefore not listed. moto lists
no replication group's member clusters in ``DescribeCacheClusters``: that they are the
group's is pinned by the golden case
``identity-replication-group-members-are-the-groups``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from driftmgr.domain.secrets import SENSITIVE_VALUE, redact_attributes
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

CLUSTER = "aws_elasticache_cluster"
SUBNET_GROUP = "aws_elasticache_subnet_group"
REPLICATION_GROUP = "aws_elasticache_replication_group"
TOKEN = "a-very-secret-auth-token-123"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:elasticache:{REGION}:{ACCOUNT}:{kind}:{name}"


def create_cluster(elasticache: Any) -> None:
    elasticache.create_cache_cluster(
        CacheClusterId="sessions",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        Tags=[{"Key": "app", "Value": "web"}],
    )


def test_clusters_are_listed_by_id(boto: Boto) -> None:
    create_cluster(boto("elasticache"))

    clusters = observed(scan([REGION], [CLUSTER])[(CLUSTER, REGION)])

    attributes = clusters["sessions"].attributes
    assert attributes["arn"] == arn("cluster", "sessions")
    assert (attributes["engine"], attributes["node_type"], attributes["num_cache_nodes"]) == (
        "redis",
        "cache.t3.micro",
        1,
    )
    assert attributes["replication_group_id"] == ""
    assert attributes["tags"] == {"app": "web"}


def test_a_cluster_is_in_sync_then_retagged_by_hand(boto: Boto) -> None:
    elasticache = boto("elasticache")
    create_cluster(elasticache)
    state = state_resource(
        CLUSTER,
        "sessions",
        {
            "id": "sessions",
            "cluster_id": "sessions",
            "arn": arn("cluster", "sessions"),
            "engine": "redis",
            "node_type": "cache.t3.micro",
            "num_cache_nodes": 1,
            "snapshot_retention_limit": 0,
            "auto_minor_version_upgrade": "true",
            "apply_immediately": None,
            "cache_nodes": [{"id": "0001", "address": "x", "port": 6379}],
            "tags": {"app": "web"},
            "tags_all": {"app": "web"},
        },
    )

    assert drift([state], [CLUSTER]).items == []

    elasticache.add_tags_to_resource(
        ResourceName=arn("cluster", "sessions"), Tags=[{"Key": "app", "Value": "api"}]
    )
    assert changed_paths(drift([state], [CLUSTER])) == {"sessions": ["tags.app"]}


def create_subnet_group(elasticache: Any) -> None:
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName="cache",
        CacheSubnetGroupDescription="cache subnets",
        SubnetIds=["subnet-0b1", "subnet-0a2"],
        Tags=[{"Key": "app", "Value": "web"}],
    )


def test_subnet_groups_are_listed_by_name_and_the_default_is_aws_s(boto: Boto) -> None:
    elasticache = boto("elasticache")
    create_subnet_group(elasticache)
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName="default",
        CacheSubnetGroupDescription="default",
        SubnetIds=["subnet-0c3"],
    )

    groups = observed(scan([REGION], [SUBNET_GROUP])[(SUBNET_GROUP, REGION)])

    attributes = groups["cache"].attributes
    assert not groups["cache"].is_default
    assert attributes["description"] == "cache subnets"
    assert attributes["subnet_ids"] == ["subnet-0a2", "subnet-0b1"]
    assert attributes["tags"] == {"app": "web"}
    assert groups["default"].is_default


def test_a_subnet_group_is_in_sync_then_retagged_by_hand(boto: Boto) -> None:
    elasticache = boto("elasticache")
    create_subnet_group(elasticache)
    state = state_resource(
        SUBNET_GROUP,
        "cache",
        {
            "id": "cache",
            "name": "cache",
            "arn": arn("subnetgroup", "cache"),
            "description": "cache subnets",
            "subnet_ids": ["subnet-0b1", "subnet-0a2"],
            "vpc_id": "vpc-0123",
            "tags": {"app": "web"},
            "tags_all": {"app": "web"},
        },
    )

    assert drift([state], [SUBNET_GROUP]).items == []

    elasticache.add_tags_to_resource(
        ResourceName=arn("subnetgroup", "cache"), Tags=[{"Key": "team", "Value": "x"}]
    )
    assert changed_paths(drift([state], [SUBNET_GROUP])) == {"cache": ["tags.team"]}


def create_replication_group(elasticache: Any) -> None:
    elasticache.create_replication_group(
        ReplicationGroupId="cache",
        ReplicationGroupDescription="web cache",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
        AuthToken=TOKEN,
        TransitEncryptionEnabled=True,
        Tags=[{"Key": "app", "Value": "web"}],
    )


def replication_group_state() -> dict[str, Any]:
    return {
        "id": "cache",
        "replication_group_id": "cache",
        "arn": arn("replicationgroup", "cache"),
        "description": "web cache",
        "engine": "redis",
        "node_type": "cache.t3.micro",
        "num_cache_clusters": 1,
        "automatic_failover_enabled": False,
        "multi_az_enabled": False,
        "at_rest_encryption_enabled": False,
        "auth_token": TOKEN,
        "snapshot_retention_limit": 0,
        "member_clusters": ["cache-001"],
        "apply_immediately": None,
        "tags": {"app": "web"},
        "tags_all": {"app": "web"},
    }


def test_replication_groups_are_listed_without_their_auth_token(boto: Boto) -> None:
    create_replication_group(boto("elasticache"))

    groups = observed(scan([REGION], [REPLICATION_GROUP])[(REPLICATION_GROUP, REGION)])

    attributes = groups["cache"].attributes
    assert attributes["description"] == "web cache"
    assert attributes["num_cache_clusters"] == 1
    assert attributes["member_clusters"] == ["cache-001"]
    assert attributes["tags"] == {"app": "web"}
    assert TOKEN not in json.dumps(attributes)
    assert "auth_token" not in attributes
    # A state's token is hidden wherever it is shown.
    redacted = redact_attributes(REPLICATION_GROUP, replication_group_state())
    assert redacted["auth_token"] == SENSITIVE_VALUE


def test_a_replication_group_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    elasticache = boto("elasticache")
    create_replication_group(elasticache)
    state = state_resource(REPLICATION_GROUP, "cache", replication_group_state())

    assert drift([state], [REPLICATION_GROUP]).items == []

    elasticache.modify_replication_group(
        ReplicationGroupId="cache", ReplicationGroupDescription="changed"
    )
    findings = drift([state], [REPLICATION_GROUP])
    assert changed_paths(findings) == {"cache": ["description"]}
    assert TOKEN not in json.dumps([i.changes for i in findings.items], default=str)
