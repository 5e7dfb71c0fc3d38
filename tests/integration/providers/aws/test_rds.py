"""RDS DB instances and DB subnet groups against a real moto server, and against recorded
responses for what moto cannot serve (see :mod:`driftmgr.adapters.providers.aws.rds`):
network type, Performance Insights, directory domains and listener endpoints.

moto gives every DB instance the same ``DbiResourceId`` and, unless told otherwise, the
engine version 9.3.3 (postgres); the tests pass an engine version and never rely on the
resource id being unique.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from driftmgr.domain.drift.identity import db_instance_identity
from tests.integration.providers.aws import ACCOUNT, REGION, observed, recorded_aws, scan
from tests.support.fault_proxy import Fault, FaultProxy

Boto = Callable[..., Any]

INSTANCE = "aws_db_instance"
SUBNET_GROUP = "aws_db_subnet_group"

#: Every attribute an ``aws_db_instance`` is reported with.
INSTANCE_ATTRIBUTES = {
    "id",
    "identifier",
    "resource_id",
    "arn",
    "address",
    "endpoint",
    "hosted_zone_id",
    "port",
    "listener_endpoint",
    "allocated_storage",
    "max_allocated_storage",
    "auto_minor_version_upgrade",
    "availability_zone",
    "backup_retention_period",
    "backup_target",
    "backup_window",
    "ca_cert_identifier",
    "character_set_name",
    "nchar_character_set_name",
    "copy_tags_to_snapshot",
    "custom_iam_instance_profile",
    "customer_owned_ip_enabled",
    "database_insights_mode",
    "db_name",
    "db_subnet_group_name",
    "dedicated_log_volume",
    "deletion_protection",
    "domain",
    "domain_auth_secret_arn",
    "domain_dns_ips",
    "domain_fqdn",
    "domain_iam_role_name",
    "domain_ou",
    "enabled_cloudwatch_logs_exports",
    "engine",
    "engine_lifecycle_support",
    "engine_version",
    "engine_version_actual",
    "iam_database_authentication_enabled",
    "instance_class",
    "iops",
    "kms_key_id",
    "latest_restorable_time",
    "license_model",
    "maintenance_window",
    "master_user_secret",
    "monitoring_interval",
    "monitoring_role_arn",
    "multi_az",
    "network_type",
    "option_group_name",
    "parameter_group_name",
    "performance_insights_enabled",
    "performance_insights_kms_key_id",
    "performance_insights_retention_period",
    "publicly_accessible",
    "replica_mode",
    "replicas",
    "replicate_source_db",
    "status",
    "storage_encrypted",
    "storage_throughput",
    "storage_type",
    "timezone",
    "username",
    "vpc_security_group_ids",
    "tags",
}


def seed_network(ec2: Any) -> tuple[str, list[str], list[str]]:
    """A VPC with two subnets in two zones and two security groups."""
    vpc_id: str = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.1.2.0/24", "us-east-1b"), ("10.1.1.0/24", "us-east-1a"))
    ]
    groups = [
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
        for name in ("db-b", "db-a")
    ]
    return vpc_id, subnets, groups


def test_db_instances_are_keyed_by_identifier_with_the_resource_id_as_terraform_id(
    boto: Boto,
) -> None:
    ec2, rds = boto("ec2"), boto("rds")
    _, subnets, groups = seed_network(ec2)
    rds.create_db_subnet_group(
        DBSubnetGroupName="app-db", DBSubnetGroupDescription="app", SubnetIds=subnets
    )
    created = rds.create_db_instance(
        DBInstanceIdentifier="app-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        EngineVersion="15.4",
        DBName="app",
        MasterUsername="app_admin",
        MasterUserPassword="not-reported-anywhere",
        AllocatedStorage=20,
        MaxAllocatedStorage=100,
        StorageType="gp3",
        Iops=3000,
        StorageEncrypted=True,
        DBSubnetGroupName="app-db",
        VpcSecurityGroupIds=groups,
        EnableCloudwatchLogsExports=["upgrade", "postgresql"],
        DeletionProtection=True,
        CopyTagsToSnapshot=True,
        MultiAZ=True,
        EnableIAMDatabaseAuthentication=True,
        MonitoringInterval=60,
        MonitoringRoleArn=f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring",
        Tags=[{"Key": "team", "Value": "data"}],
    )["DBInstance"]

    db = observed(scan([REGION], [INSTANCE])[(INSTANCE, REGION)])["app-db"]

    assert (db.type, db.id, db.region, db.account, db.is_default) == (
        INSTANCE,
        "app-db",
        REGION,
        ACCOUNT,
        False,
    )
    attributes = db.attributes
    assert set(attributes) == INSTANCE_ATTRIBUTES
    # Provider v5 stores the DbiResourceId as `id`; the match is on the identifier.
    assert attributes["id"] == attributes["resource_id"] == created["DbiResourceId"]
    assert attributes["identifier"] == "app-db"
    assert db_instance_identity(attributes) == db.id
    assert attributes["arn"] == f"arn:aws:rds:{REGION}:{ACCOUNT}:db:app-db"
    address = created["Endpoint"]["Address"]
    assert attributes["address"] == address
    assert attributes["port"] == 5432
    assert attributes["endpoint"] == f"{address}:5432"
    assert attributes["engine"] == "postgres"
    assert attributes["engine_version"] == attributes["engine_version_actual"] == "15.4"
    assert attributes["instance_class"] == "db.t3.micro"
    assert attributes["db_name"] == "app"
    assert attributes["username"] == "app_admin"
    assert (attributes["allocated_storage"], attributes["max_allocated_storage"]) == (20, 100)
    assert (attributes["storage_type"], attributes["iops"]) == ("gp3", 3000)
    assert attributes["storage_encrypted"] is True
    assert attributes["db_subnet_group_name"] == "app-db"
    assert attributes["vpc_security_group_ids"] == sorted(groups)
    assert attributes["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]
    assert attributes["deletion_protection"] is True
    assert attributes["copy_tags_to_snapshot"] is True
    assert attributes["multi_az"] is True
    assert attributes["iam_database_authentication_enabled"] is True
    assert attributes["monitoring_interval"] == 60
    assert attributes["monitoring_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring"
    assert attributes["publicly_accessible"] is False
    assert attributes["parameter_group_name"] == "default.postgres15"
    assert attributes["backup_window"] == created["PreferredBackupWindow"]
    assert attributes["maintenance_window"] == created["PreferredMaintenanceWindow"]
    assert attributes["status"] == "available"
    # Not returned by moto: empty, as the provider reads an absent value.
    assert attributes["network_type"] == ""
    assert attributes["domain"] == ""
    assert attributes["domain_dns_ips"] == []
    assert attributes["listener_endpoint"] == []
    assert attributes["master_user_secret"] == []
    assert attributes["replicas"] == []
    assert attributes["replicate_source_db"] == ""
    assert attributes["tags"] == {"team": "data"}


def test_two_instances_are_two_resources_whatever_their_resource_ids(boto: Boto) -> None:
    rds = boto("rds")
    for identifier in ("first", "second"):
        rds.create_db_instance(
            DBInstanceIdentifier=identifier,
            DBInstanceClass="db.t3.micro",
            Engine="mysql",
            EngineVersion="8.0.35",
            MasterUsername="admin",
            MasterUserPassword="password-password",
            AllocatedStorage=20,
            ManageMasterUserPassword=identifier == "second",
        )

    instances = observed(scan([REGION], [INSTANCE])[(INSTANCE, REGION)])

    assert sorted(instances) == ["first", "second"]
    secret = instances["second"].attributes["master_user_secret"]
    assert [set(s) for s in secret] == [{"kms_key_id", "secret_arn", "secret_status"}]
    assert secret[0]["secret_status"] == "active"


def test_cluster_members_are_left_to_aws_rds_cluster_instance(boto: Boto) -> None:
    rds = boto("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="analytics",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password-password",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="analytics-1",
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
        DBClusterIdentifier="analytics",
    )

    assert observed(scan([REGION], [INSTANCE])[(INSTANCE, REGION)]) == {}


def test_db_subnet_groups_are_listed_by_name_with_subnets_as_a_set_and_tags(
    boto: Boto,
) -> None:
    ec2, rds = boto("ec2"), boto("rds")
    vpc_id, subnets, _ = seed_network(ec2)
    group = rds.create_db_subnet_group(
        DBSubnetGroupName="app-db",
        DBSubnetGroupDescription="Managed by Terraform",
        SubnetIds=subnets,
        Tags=[{"Key": "team", "Value": "data"}],
    )["DBSubnetGroup"]

    groups = observed(scan([REGION], [SUBNET_GROUP])[(SUBNET_GROUP, REGION)])

    listed = groups["app-db"]
    assert (listed.type, listed.region, listed.account, listed.is_default) == (
        SUBNET_GROUP,
        REGION,
        ACCOUNT,
        False,
    )
    assert listed.attributes == {
        "id": "app-db",
        "name": "app-db",
        "arn": group["DBSubnetGroupArn"],
        "description": "Managed by Terraform",
        "subnet_ids": sorted(subnets),
        "supported_network_types": [],
        "vpc_id": vpc_id,
        "tags": {"team": "data"},
    }


def test_the_default_db_subnet_group_is_flagged_as_cloud_created(boto: Boto) -> None:
    ec2, rds = boto("ec2"), boto("rds")
    _, subnets, _ = seed_network(ec2)
    rds.create_db_subnet_group(
        DBSubnetGroupName="default", DBSubnetGroupDescription="default", SubnetIds=subnets
    )
    rds.create_db_subnet_group(
        DBSubnetGroupName="app-db", DBSubnetGroupDescription="app", SubnetIds=subnets
    )

    groups = observed(scan([REGION], [SUBNET_GROUP])[(SUBNET_GROUP, REGION)])

    assert groups["default"].is_default
    assert not groups["app-db"].is_default


def test_a_denied_tag_lookup_leaves_subnet_groups_unobserved_but_not_instances(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ec2, rds = boto("ec2"), boto("rds")
    _, subnets, _ = seed_network(ec2)
    rds.create_db_subnet_group(
        DBSubnetGroupName="app-db", DBSubnetGroupDescription="app", SubnetIds=subnets
    )
    deny_tags = Fault("deny", service="rds", body_contains=b"Action=ListTagsForResource")
    with FaultProxy(aws, [deny_tags]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        outcomes = scan([REGION], [INSTANCE, SUBNET_GROUP])

    groups = outcomes[(SUBNET_GROUP, REGION)]
    assert groups.resources == []
    assert groups.unobserved_reason is not None
    assert groups.unobserved_reason.startswith("access denied:")
    assert observed(outcomes[(INSTANCE, REGION)]) == {}


# --- recorded responses ----------------------------------------------------------------------

RDS_XMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f8e2b8a-7a7e-4a55-b4bb-6e2d4b9f0c11"
RECORDED_INSTANCE = f"""<DBInstance>
  <DBInstanceIdentifier>reports</DBInstanceIdentifier>
  <DbiResourceId>db-ABCDEFGHIJKLMNOPQRSTUVWXYZ</DbiResourceId>
  <DBInstanceArn>arn:aws:rds:{REGION}:{ACCOUNT}:db:reports</DBInstanceArn>
  <DBInstanceClass>db.m6i.large</DBInstanceClass>
  <Engine>sqlserver-se</Engine>
  <EngineVersion>16.00.4135.4.v1</EngineVersion>
  <EngineLifecycleSupport>open-source-rds-extended-support-disabled</EngineLifecycleSupport>
  <DBInstanceStatus>available</DBInstanceStatus>
  <MasterUsername>admin</MasterUsername>
  <Endpoint>
    <Address>reports.c9akciq32.us-east-1.rds.amazonaws.com</Address>
    <Port>1433</Port>
    <HostedZoneId>Z2R2ITUGPM61AM</HostedZoneId>
  </Endpoint>
  <ListenerEndpoint>
    <Address>reports-listener.c9akciq32.us-east-1.rds.amazonaws.com</Address>
    <Port>1433</Port>
    <HostedZoneId>Z2R2ITUGPM61AM</HostedZoneId>
  </ListenerEndpoint>
  <AllocatedStorage>200</AllocatedStorage>
  <StorageType>gp3</StorageType>
  <Iops>12000</Iops>
  <StorageThroughput>500</StorageThroughput>
  <StorageEncrypted>true</StorageEncrypted>
  <KmsKeyId>{KEY_ARN}</KmsKeyId>
  <NetworkType>DUAL</NetworkType>
  <Timezone>UTC</Timezone>
  <CharacterSetName>SQL_Latin1_General_CP1_CI_AS</CharacterSetName>
  <LicenseModel>license-included</LicenseModel>
  <PerformanceInsightsEnabled>true</PerformanceInsightsEnabled>
  <PerformanceInsightsKMSKeyId>{KEY_ARN}</PerformanceInsightsKMSKeyId>
  <PerformanceInsightsRetentionPeriod>7</PerformanceInsightsRetentionPeriod>
  <DatabaseInsightsMode>standard</DatabaseInsightsMode>
  <BackupTarget>region</BackupTarget>
  <DedicatedLogVolume>false</DedicatedLogVolume>
  <CustomerOwnedIpEnabled>false</CustomerOwnedIpEnabled>
  <DomainMemberships>
    <DomainMembership>
      <Domain>d-906731b2d1</Domain>
      <Status>joined</Status>
      <FQDN>corp.example.com</FQDN>
      <IAMRoleName>rds-directory-service-access-role</IAMRoleName>
      <OU>OU=RDS,DC=corp,DC=example,DC=com</OU>
      <AuthSecretArn>arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ad-join</AuthSecretArn>
      <DnsIps><member>10.0.0.10</member><member>10.0.1.10</member></DnsIps>
    </DomainMembership>
  </DomainMemberships>
  <ReadReplicaDBInstanceIdentifiers>
    <ReadReplicaDBInstanceIdentifier>reports-replica</ReadReplicaDBInstanceIdentifier>
  </ReadReplicaDBInstanceIdentifiers>
  <VpcSecurityGroups>
    <VpcSecurityGroupMembership>
      <VpcSecurityGroupId>sg-0b2</VpcSecurityGroupId><Status>active</Status>
    </VpcSecurityGroupMembership>
    <VpcSecurityGroupMembership>
      <VpcSecurityGroupId>sg-0a1</VpcSecurityGroupId><Status>active</Status>
    </VpcSecurityGroupMembership>
  </VpcSecurityGroups>
  <TagList>
    <Tag><Key>team</Key><Value>finance</Value></Tag>
    <Tag><Key>aws:cloudformation:stack-name</Key><Value>reports</Value></Tag>
  </TagList>
</DBInstance>"""
# A member of an Aurora cluster: an aws_rds_cluster_instance, not an aws_db_instance.
RECORDED_CLUSTER_MEMBER = """<DBInstance>
  <DBInstanceIdentifier>ledger-1</DBInstanceIdentifier>
  <DBClusterIdentifier>ledger</DBClusterIdentifier>
  <DBInstanceClass>db.r6g.large</DBInstanceClass>
  <Engine>aurora-postgresql</Engine>
</DBInstance>"""
DESCRIBE_DB_INSTANCES = (
    f'<DescribeDBInstancesResponse xmlns="{RDS_XMLNS}"><DescribeDBInstancesResult>'
    f"<DBInstances>{RECORDED_INSTANCE}{RECORDED_CLUSTER_MEMBER}</DBInstances>"
    "</DescribeDBInstancesResult><ResponseMetadata><RequestId>"
    "7a3d4c1e-1f2b-4b5c-8d9e-0a1b2c3d4e5f</RequestId></ResponseMetadata>"
    "</DescribeDBInstancesResponse>"
)


def test_attributes_moto_does_not_serve_are_read_from_recorded_responses(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recorded_aws(monkeypatch, {"DescribeDBInstances": DESCRIBE_DB_INSTANCES}):
        instances = observed(scan([REGION], [INSTANCE])[(INSTANCE, REGION)])

    assert sorted(instances) == ["reports"]
    attributes = instances["reports"].attributes
    assert set(attributes) == INSTANCE_ATTRIBUTES
    assert attributes["id"] == "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert attributes["network_type"] == "DUAL"
    assert attributes["hosted_zone_id"] == "Z2R2ITUGPM61AM"
    assert attributes["endpoint"] == "reports.c9akciq32.us-east-1.rds.amazonaws.com:1433"
    assert attributes["listener_endpoint"] == [
        {
            "address": "reports-listener.c9akciq32.us-east-1.rds.amazonaws.com",
            "hosted_zone_id": "Z2R2ITUGPM61AM",
            "port": 1433,
        }
    ]
    assert attributes["performance_insights_enabled"] is True
    assert attributes["performance_insights_kms_key_id"] == KEY_ARN
    assert attributes["performance_insights_retention_period"] == 7
    assert attributes["database_insights_mode"] == "standard"
    assert attributes["storage_throughput"] == 500
    assert attributes["timezone"] == "UTC"
    assert attributes["character_set_name"] == "SQL_Latin1_General_CP1_CI_AS"
    assert attributes["engine_lifecycle_support"] == "open-source-rds-extended-support-disabled"
    assert attributes["backup_target"] == "region"
    assert attributes["domain"] == "d-906731b2d1"
    assert attributes["domain_fqdn"] == "corp.example.com"
    assert attributes["domain_iam_role_name"] == "rds-directory-service-access-role"
    assert attributes["domain_ou"] == "OU=RDS,DC=corp,DC=example,DC=com"
    assert attributes["domain_auth_secret_arn"].endswith(":secret:ad-join")
    assert attributes["domain_dns_ips"] == ["10.0.0.10", "10.0.1.10"]
    assert attributes["replicas"] == ["reports-replica"]
    assert attributes["vpc_security_group_ids"] == ["sg-0a1", "sg-0b2"]
    # The rules drop `aws:` tags; the adapter reports what AWS lists.
    assert attributes["tags"] == {
        "team": "finance",
        "aws:cloudformation:stack-name": "reports",
    }
