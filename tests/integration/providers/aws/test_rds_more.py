"""RDS clusters, cluster instances and parameter groups against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.rds_more`), and their drift.

moto lists no ``DBClusterMembers`` and gives cluster members the default parameter group of
their engine's family; the tests rely on neither.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from driftmgr.domain.secrets import SENSITIVE_VALUE, redact_attributes
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

CLUSTER = "aws_rds_cluster"
CLUSTER_INSTANCE = "aws_rds_cluster_instance"
PARAMETER_GROUP = "aws_db_parameter_group"
CLUSTER_PARAMETER_GROUP = "aws_rds_cluster_parameter_group"


def create_cluster(rds: Any) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="orders-cluster",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="orders cluster parameters",
    )
    rds.create_db_cluster(
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="admin",
        MasterUserPassword="hunter2hunter2",
        DatabaseName="orders",
        DBClusterParameterGroupName="orders-cluster",
        BackupRetentionPeriod=7,
        DeletionProtection=True,
        Tags=[{"Key": "app", "Value": "orders"}],
    )


def cluster_state() -> dict[str, Any]:
    return {
        "id": "orders",
        "cluster_identifier": "orders",
        "arn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:orders",
        "engine": "aurora-postgresql",
        "engine_mode": "provisioned",
        "engine_version": "15",
        "engine_version_actual": "15.4",
        "database_name": "orders",
        "master_username": "admin",
        "master_password": "hunter2hunter2",
        "db_cluster_parameter_group_name": "orders-cluster",
        "db_subnet_group_name": "default",
        "backup_retention_period": 7,
        "deletion_protection": True,
        "storage_encrypted": False,
        "copy_tags_to_snapshot": False,
        "iam_database_authentication_enabled": False,
        "enabled_cloudwatch_logs_exports": [],
        "vpc_security_group_ids": [],
        "iam_roles": [],
        "port": 5432,
        "skip_final_snapshot": True,
        "apply_immediately": None,
        "cluster_members": ["orders-1"],
        "tags": {"app": "orders"},
        "tags_all": {"app": "orders"},
    }


def test_clusters_are_listed_by_identifier_without_their_password(boto: Boto) -> None:
    create_cluster(boto("rds"))

    clusters = observed(scan([REGION], [CLUSTER])[(CLUSTER, REGION)])

    assert set(clusters) == {"orders"}
    attributes = clusters["orders"].attributes
    assert attributes["arn"] == f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:orders"
    assert (attributes["engine"], attributes["engine_version_actual"]) == (
        "aurora-postgresql",
        "15.4",
    )
    assert attributes["db_cluster_parameter_group_name"] == "orders-cluster"
    assert (attributes["backup_retention_period"], attributes["deletion_protection"]) == (7, True)
    assert attributes["master_username"] == "admin"
    assert attributes["tags"] == {"app": "orders"}
    assert "hunter2hunter2" not in json.dumps(attributes)
    # Were a state's password shown, it would be hidden.
    redacted = redact_attributes(CLUSTER, cluster_state())
    assert redacted["master_password"] == SENSITIVE_VALUE


def test_a_cluster_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    rds = boto("rds")
    create_cluster(rds)
    state = state_resource(CLUSTER, "orders", cluster_state())

    assert drift([state], [CLUSTER]).items == []

    rds.modify_db_cluster(DBClusterIdentifier="orders", DeletionProtection=False)
    assert changed_paths(drift([state], [CLUSTER])) == {"orders": ["deletion_protection"]}


def create_member(rds: Any, identifier: str = "orders-1") -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        Tags=[{"Key": "role", "Value": "writer"}],
    )


def test_cluster_instances_are_the_cluster_members_only(boto: Boto) -> None:
    rds = boto("rds")
    create_cluster(rds)
    create_member(rds)
    rds.create_db_instance(
        DBInstanceIdentifier="standalone",
        Engine="postgres",
        EngineVersion="15.4",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="hunter2hunter2",
    )

    outcomes = scan([REGION], [CLUSTER_INSTANCE, "aws_db_instance"])
    members = observed(outcomes[(CLUSTER_INSTANCE, REGION)])

    assert set(members) == {"orders-1"}
    attributes = members["orders-1"].attributes
    assert attributes["cluster_identifier"] == "orders"
    assert attributes["instance_class"] == "db.r6g.large"
    assert attributes["engine"] == "aurora-postgresql"
    assert attributes["tags"] == {"role": "writer"}
    assert set(observed(outcomes[("aws_db_instance", REGION)])) == {"standalone"}


def test_a_cluster_instance_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    rds = boto("rds")
    create_cluster(rds)
    create_member(rds)
    live = observed(scan([REGION], [CLUSTER_INSTANCE])[(CLUSTER_INSTANCE, REGION)])["orders-1"]
    state = state_resource(
        CLUSTER_INSTANCE,
        "writer",
        {
            "id": "orders-1",
            "identifier": "orders-1",
            "cluster_identifier": "orders",
            "instance_class": "db.r6g.large",
            "engine": "aurora-postgresql",
            "engine_version": "15",
            "engine_version_actual": live.attributes["engine_version_actual"],
            "publicly_accessible": False,
            "promotion_tier": live.attributes["promotion_tier"],
            "auto_minor_version_upgrade": True,
            "monitoring_interval": 0,
            "performance_insights_enabled": False,
            "apply_immediately": None,
            "writer": True,
            "tags": {"role": "writer"},
            "tags_all": {"role": "writer"},
        },
    )

    assert drift([state], [CLUSTER_INSTANCE]).items == []

    rds.modify_db_instance(DBInstanceIdentifier="orders-1", DBInstanceClass="db.r6g.xlarge")
    assert changed_paths(drift([state], [CLUSTER_INSTANCE])) == {"orders-1": ["instance_class"]}


def create_parameter_group(rds: Any) -> None:
    rds.create_db_parameter_group(
        DBParameterGroupName="orders",
        DBParameterGroupFamily="postgres15",
        Description="orders parameters",
        Tags=[{"Key": "app", "Value": "orders"}],
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName="orders",
        Parameters=[
            {"ParameterName": "log_statement", "ParameterValue": "all", "ApplyMethod": "immediate"}
        ],
    )


def parameter_group_state(type_: str, family: str) -> dict[str, Any]:
    return {
        "id": "orders",
        "name": "orders",
        "name_prefix": "",
        "family": family,
        "description": "orders parameters",
        # apply_method is how the change was applied, not part of the member.
        "parameter": [{"name": "log_statement", "value": "all", "apply_method": "pending-reboot"}],
        "skip_destroy": False,
        "tags": {"app": "orders"},
        "tags_all": {"app": "orders"},
    }


def test_parameter_groups_carry_their_user_parameters_and_defaults_are_aws_s(
    boto: Boto,
) -> None:
    rds = boto("rds")
    create_parameter_group(rds)
    rds.create_db_instance(
        DBInstanceIdentifier="db",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="hunter2hunter2",
    )

    groups = observed(scan([REGION], [PARAMETER_GROUP])[(PARAMETER_GROUP, REGION)])

    attributes = groups["orders"].attributes
    assert not groups["orders"].is_default
    assert (attributes["family"], attributes["description"]) == ("postgres15", "orders parameters")
    assert attributes["parameter"] == [
        {"name": "log_statement", "value": "all", "apply_method": "immediate"}
    ]
    assert attributes["tags"] == {"app": "orders"}
    defaults = [g for name, g in groups.items() if name.startswith("default.")]
    assert defaults and all(g.is_default for g in defaults)


def test_a_parameter_group_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    rds = boto("rds")
    create_parameter_group(rds)
    state = state_resource(
        PARAMETER_GROUP, "orders", parameter_group_state(PARAMETER_GROUP, "postgres15")
    )

    assert drift([state], [PARAMETER_GROUP]).items == []

    rds.modify_db_parameter_group(
        DBParameterGroupName="orders",
        Parameters=[
            {"ParameterName": "log_statement", "ParameterValue": "ddl", "ApplyMethod": "immediate"}
        ],
    )
    assert changed_paths(drift([state], [PARAMETER_GROUP])) == {"orders": ["parameter[0].value"]}


def test_a_cluster_parameter_group_is_listed_in_sync_then_modified_by_hand(boto: Boto) -> None:
    rds = boto("rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="orders",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="orders parameters",
        Tags=[{"Key": "app", "Value": "orders"}],
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="orders",
        Parameters=[
            {"ParameterName": "log_statement", "ParameterValue": "all", "ApplyMethod": "immediate"}
        ],
    )
    groups = observed(scan([REGION], [CLUSTER_PARAMETER_GROUP])[(CLUSTER_PARAMETER_GROUP, REGION)])
    attributes = groups["orders"].attributes
    assert attributes["arn"] == f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster-pg:orders"
    assert attributes["parameter"] == [
        {"name": "log_statement", "value": "all", "apply_method": "immediate"}
    ]
    state = state_resource(
        CLUSTER_PARAMETER_GROUP,
        "orders",
        parameter_group_state(CLUSTER_PARAMETER_GROUP, "aurora-postgresql15"),
    )

    assert drift([state], [CLUSTER_PARAMETER_GROUP]).items == []

    rds.add_tags_to_resource(
        ResourceName=attributes["arn"], Tags=[{"Key": "owner", "Value": "someone"}]
    )
    assert changed_paths(drift([state], [CLUSTER_PARAMETER_GROUP])) == {"orders": ["tags.owner"]}
