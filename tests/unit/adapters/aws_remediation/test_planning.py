"""Planning AWS remediation: calls from (desired, actual) alone, no IO.

Every recipe has a case: the calls it plans for one drift, and none once the object is as
desired. The moto tests (tests/integration/providers/aws_remediation) make these calls.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pytest

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from driftmgr.adapters.providers.aws.remediation.registry import (
    DELETIONS,
    QUARANTINES,
    RECIPES,
    REFUSED_DELETIONS,
)
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target
from driftmgr.domain.secrets import SENSITIVE_VALUE

ACCOUNT = "123456789012"
REGION = "us-east-1"
REMEDIATOR = AwsRemediator()


def target(resource_type: str, id_: str, region: str = REGION) -> Target:
    return Target(provider="aws", type=resource_type, id=id_, region=region, account=ACCOUNT)


def plan(
    resource_type: str,
    desired: dict[str, Any],
    actual: dict[str, Any],
    attributes: list[str],
    id_: str = "x-1",
) -> list[ApiCall]:
    return REMEDIATOR.revert_calls(target(resource_type, id_), desired, actual, attributes)


def shape(calls: list[ApiCall]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(c.service, c.operation, c.params) for c in calls]


def document(action: str) -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, sort_keys=True)


class Case(NamedTuple):
    type: str
    id: str
    attributes: list[str]
    desired: dict[str, Any]
    actual: dict[str, Any]
    calls: list[tuple[str, str, dict[str, Any]]]


INSTANCE = {"id": "i-1"}
RUNNING = {**INSTANCE, "instance_state": "running", "instance_type": "t3.micro"}
STOPPED = {**INSTANCE, "instance_state": "stopped", "instance_type": "t3.micro"}
IDS = {"InstanceIds": ["i-1"]}
QUEUE = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app"

CASES = {
    "ec2 tags: put the changed, remove the extra": Case(
        "aws_vpc",
        "vpc-1",
        ["tags"],
        {"id": "vpc-1", "tags": {"Name": "main", "env": "prod"}},
        {"id": "vpc-1", "tags": {"Name": "main", "env": "dev", "owner": "x", "aws:cf": "y"}},
        [
            (
                "ec2",
                "create_tags",
                {"Resources": ["vpc-1"], "Tags": [{"Key": "env", "Value": "prod"}]},
            ),
            ("ec2", "delete_tags", {"Resources": ["vpc-1"], "Tags": [{"Key": "owner"}]}),
        ],
    ),
    "key pair tags go on its key-… id": Case(
        "aws_key_pair",
        "deployer",
        ["tags"],
        {"tags": {"a": "1"}},
        {"key_pair_id": "key-9", "tags": {}},
        [("ec2", "create_tags", {"Resources": ["key-9"], "Tags": [{"Key": "a", "Value": "1"}]})],
    ),
    "s3 tags replace the whole set": Case(
        "aws_s3_bucket",
        "logs",
        ["tags"],
        {"bucket": "logs", "tags": {"a": "1"}},
        {"bucket": "logs", "tags": {"a": "2", "b": "3"}},
        [
            (
                "s3",
                "put_bucket_tagging",
                {"Bucket": "logs", "Tagging": {"TagSet": [{"Key": "a", "Value": "1"}]}},
            )
        ],
    ),
    "iam tags go to the partition's home region": Case(
        "aws_iam_user",
        "bob",
        ["tags"],
        {"name": "bob", "tags": {}},
        {"name": "bob", "arn": f"arn:aws:iam::{ACCOUNT}:user/bob", "tags": {"a": "1"}},
        [("iam", "untag_user", {"UserName": "bob", "TagKeys": ["a"]})],
    ),
    "sqs tags by the queue's url": Case(
        "aws_sqs_queue",
        f"{ACCOUNT}/jobs",
        ["tags"],
        {"tags": {"a": "1"}},
        {"url": QUEUE, "tags": {}},
        [("sqs", "tag_queue", {"QueueUrl": QUEUE, "Tags": {"a": "1"}})],
    ),
    "sns tags": Case(
        "aws_sns_topic",
        TOPIC,
        ["tags"],
        {"tags": {"a": "1"}},
        {"arn": TOPIC, "tags": {}},
        [("sns", "tag_resource", {"ResourceArn": TOPIC, "Tags": [{"Key": "a", "Value": "1"}]})],
    ),
    "log group tags by its arn without :*": Case(
        "aws_cloudwatch_log_group",
        "/app",
        ["tags"],
        {"tags": {}},
        {
            "name": "/app",
            "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app:*",
            "tags": {"a": "1"},
        },
        [
            (
                "logs",
                "untag_resource",
                {
                    "resourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app",
                    "tagKeys": ["a"],
                },
            )
        ],
    ),
    "lambda tags by the arn built from the name": Case(
        "aws_lambda_function",
        "fn",
        ["tags"],
        {"tags": {"a": "1"}},
        {"function_name": "fn", "tags": {}},
        [
            (
                "lambda",
                "tag_resource",
                {"Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn", "Tags": {"a": "1"}},
            )
        ],
    ),
    "kms tags": Case(
        "aws_kms_key",
        "k-1",
        ["tags"],
        {"tags": {"a": "1"}},
        {"key_id": "k-1", "tags": {}},
        [("kms", "tag_resource", {"KeyId": "k-1", "Tags": [{"TagKey": "a", "TagValue": "1"}]})],
    ),
    "dynamodb tags": Case(
        "aws_dynamodb_table",
        "orders",
        ["tags"],
        {"tags": {}},
        {"name": "orders", "arn": "arn:t", "tags": {"a": "1"}},
        [("dynamodb", "untag_resource", {"ResourceArn": "arn:t", "TagKeys": ["a"]})],
    ),
    "ecr tags": Case(
        "aws_ecr_repository",
        "app",
        ["tags"],
        {"tags": {"a": "1"}},
        {"name": "app", "arn": "arn:r", "tags": {}},
        [("ecr", "tag_resource", {"resourceArn": "arn:r", "tags": [{"Key": "a", "Value": "1"}]})],
    ),
    "elbv2 tags": Case(
        "aws_lb",
        "arn:lb",
        ["tags"],
        {"tags": {}},
        {"arn": "arn:lb", "tags": {"a": "1"}},
        [("elbv2", "remove_tags", {"ResourceArns": ["arn:lb"], "TagKeys": ["a"]})],
    ),
    "rds tags": Case(
        "aws_db_instance",
        "db-ABC",
        ["tags"],
        {"tags": {"a": "1"}},
        {"identifier": "main", "arn": "arn:db", "tags": {}},
        [
            (
                "rds",
                "add_tags_to_resource",
                {"ResourceName": "arn:db", "Tags": [{"Key": "a", "Value": "1"}]},
            )
        ],
    ),
    "route53 tags added and removed in one call": Case(
        "aws_route53_zone",
        "Z1",
        ["tags"],
        {"tags": {"a": "1"}},
        {"zone_id": "Z1", "tags": {"b": "2"}},
        [
            (
                "route53",
                "change_tags_for_resource",
                {
                    "ResourceType": "hostedzone",
                    "ResourceId": "Z1",
                    "AddTags": [{"Key": "a", "Value": "1"}],
                    "RemoveTagKeys": ["b"],
                },
            )
        ],
    ),
    "instance flags, one per call": Case(
        "aws_instance",
        "i-1",
        ["disable_api_termination", "source_dest_check"],
        {**RUNNING, "disable_api_termination": True, "source_dest_check": True},
        {**RUNNING, "disable_api_termination": False, "source_dest_check": False},
        [
            (
                "ec2",
                "modify_instance_attribute",
                {"InstanceId": "i-1", "DisableApiTermination": {"Value": True}},
            ),
            (
                "ec2",
                "modify_instance_attribute",
                {"InstanceId": "i-1", "SourceDestCheck": {"Value": True}},
            ),
        ],
    ),
    "instance security groups as a set": Case(
        "aws_instance",
        "i-1",
        ["vpc_security_group_ids"],
        {**RUNNING, "vpc_security_group_ids": ["sg-2", "sg-1"]},
        {**RUNNING, "vpc_security_group_ids": ["sg-1"]},
        [("ec2", "modify_instance_attribute", {"InstanceId": "i-1", "Groups": ["sg-1", "sg-2"]})],
    ),
    "instance metadata options": Case(
        "aws_instance",
        "i-1",
        ["metadata_options"],
        {**RUNNING, "metadata_options": [{"http_tokens": "required", "http_endpoint": "enabled"}]},
        {**RUNNING, "metadata_options": [{"http_tokens": "optional", "http_endpoint": "enabled"}]},
        [
            (
                "ec2",
                "modify_instance_metadata_options",
                {"InstanceId": "i-1", "HttpEndpoint": "enabled", "HttpTokens": "required"},
            )
        ],
    ),
    "a running instance's type: stop, change, start": Case(
        "aws_instance",
        "i-1",
        ["instance_type"],
        {**RUNNING, "instance_type": "t3.large"},
        RUNNING,
        [
            ("ec2", "stop_instances", IDS),
            ("ec2", "wait:instance_stopped", IDS),
            (
                "ec2",
                "modify_instance_attribute",
                {"InstanceId": "i-1", "InstanceType": {"Value": "t3.large"}},
            ),
            ("ec2", "start_instances", IDS),
            ("ec2", "wait:instance_running", IDS),
        ],
    ),
    "instance state: start": Case(
        "aws_instance",
        "i-1",
        ["instance_state"],
        RUNNING,
        STOPPED,
        [("ec2", "start_instances", IDS), ("ec2", "wait:instance_running", IDS)],
    ),
    "vpc dns: support on first": Case(
        "aws_vpc",
        "vpc-1",
        ["enable_dns_hostnames", "enable_dns_support"],
        {"enable_dns_hostnames": True, "enable_dns_support": True},
        {"id": "vpc-1", "enable_dns_hostnames": False, "enable_dns_support": False},
        [
            (
                "ec2",
                "modify_vpc_attribute",
                {"VpcId": "vpc-1", "EnableDnsSupport": {"Value": True}},
            ),
            (
                "ec2",
                "modify_vpc_attribute",
                {"VpcId": "vpc-1", "EnableDnsHostnames": {"Value": True}},
            ),
        ],
    ),
    "volume settings in one modification": Case(
        "aws_ebs_volume",
        "vol-1",
        ["type", "iops", "size"],
        {"type": "io2", "iops": 400, "size": 20},
        {"id": "vol-1", "type": "io1", "iops": 200, "size": 10},
        [
            (
                "ec2",
                "modify_volume",
                {"VolumeId": "vol-1", "VolumeType": "io2", "Iops": 400, "Size": 20},
            )
        ],
    ),
    "inline ingress: revoke the extra, authorize the missing": Case(
        "aws_security_group",
        "sg-1",
        ["ingress"],
        {
            "ingress": [
                {
                    "protocol": "tcp",
                    "from_port": 22,
                    "to_port": 22,
                    "cidr_blocks": ["10.0.0.0/8"],
                    "description": "ssh",
                }
            ]
        },
        {
            "id": "sg-1",
            "ingress": [
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": ["0.0.0.0/0"],
                    "description": "",
                }
            ],
        },
        [
            (
                "ec2",
                "revoke_security_group_ingress",
                {
                    "GroupId": "sg-1",
                    "IpPermissions": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 443,
                            "ToPort": 443,
                            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                        }
                    ],
                },
            ),
            (
                "ec2",
                "authorize_security_group_ingress",
                {
                    "GroupId": "sg-1",
                    "IpPermissions": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 22,
                            "ToPort": 22,
                            "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ssh"}],
                        }
                    ],
                },
            ),
        ],
    ),
    "a rule's description, desired as a vpc rule": Case(
        "aws_security_group_rule",
        "sgrule-1",
        ["description"],
        {
            "security_group_id": "sg-1",
            "ip_protocol": "tcp",
            "cidr_ipv4": "10.1.0.0/16",
            "description": "web",
        },
        {
            "security_group_id": "sg-1",
            "type": "ingress",
            "protocol": "tcp",
            "from_port": 80,
            "to_port": 80,
            "cidr_blocks": ["10.1.0.0/16"],
            "source_security_group_id": "",
            "description": "",
        },
        [
            (
                "ec2",
                "update_security_group_rule_descriptions_ingress",
                {
                    "GroupId": "sg-1",
                    "IpPermissions": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 80,
                            "ToPort": 80,
                            "IpRanges": [{"CidrIp": "10.1.0.0/16", "Description": "web"}],
                        }
                    ],
                },
            )
        ],
    ),
    "bucket versioning, inline": Case(
        "aws_s3_bucket",
        "b",
        ["versioning"],
        {"versioning": [{"enabled": False, "mfa_delete": False}]},
        {"bucket": "b", "versioning": [{"enabled": True, "mfa_delete": False}]},
        [
            (
                "s3",
                "put_bucket_versioning",
                {"Bucket": "b", "VersioningConfiguration": {"Status": "Suspended"}},
            )
        ],
    ),
    "bucket versioning, its own resource": Case(
        "aws_s3_bucket_versioning",
        "b",
        ["versioning_configuration"],
        {"versioning_configuration": [{"status": "Enabled", "mfa_delete": "Disabled"}]},
        {"bucket": "b", "versioning_configuration": [{"status": "Suspended", "mfa_delete": ""}]},
        [
            (
                "s3",
                "put_bucket_versioning",
                {"Bucket": "b", "VersioningConfiguration": {"Status": "Enabled"}},
            )
        ],
    ),
    "public access block: the whole configuration": Case(
        "aws_s3_bucket_public_access_block",
        "b",
        ["block_public_policy"],
        {"block_public_policy": True},
        {
            "bucket": "b",
            "block_public_acls": True,
            "block_public_policy": False,
            "ignore_public_acls": False,
            "restrict_public_buckets": True,
        },
        [
            (
                "s3",
                "put_public_access_block",
                {
                    "Bucket": "b",
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": False,
                        "RestrictPublicBuckets": True,
                    },
                },
            )
        ],
    ),
    "bucket encryption, inline": Case(
        "aws_s3_bucket",
        "b",
        ["server_side_encryption_configuration"],
        {
            "server_side_encryption_configuration": [
                {
                    "rule": [
                        {
                            "apply_server_side_encryption_by_default": [
                                {"sse_algorithm": "AES256", "kms_master_key_id": ""}
                            ],
                            "bucket_key_enabled": False,
                        }
                    ]
                }
            ]
        },
        {"bucket": "b", "server_side_encryption_configuration": []},
        [
            (
                "s3",
                "put_bucket_encryption",
                {
                    "Bucket": "b",
                    "ServerSideEncryptionConfiguration": {
                        "Rules": [
                            {
                                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                "BucketKeyEnabled": False,
                            }
                        ]
                    },
                },
            )
        ],
    ),
    "bucket encryption, its own resource": Case(
        "aws_s3_bucket_server_side_encryption_configuration",
        "b",
        ["rule"],
        {
            "rule": [
                {
                    "apply_server_side_encryption_by_default": [
                        {"sse_algorithm": "aws:kms", "kms_master_key_id": "k"}
                    ],
                    "bucket_key_enabled": True,
                }
            ]
        },
        {"bucket": "b", "rule": []},
        [
            (
                "s3",
                "put_bucket_encryption",
                {
                    "Bucket": "b",
                    "ServerSideEncryptionConfiguration": {
                        "Rules": [
                            {
                                "ApplyServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": "k",
                                },
                                "BucketKeyEnabled": True,
                            }
                        ]
                    },
                },
            )
        ],
    ),
    "bucket policy: none is deleted": Case(
        "aws_s3_bucket",
        "b",
        ["policy"],
        {"policy": ""},
        {"bucket": "b", "policy": document("s3:*")},
        [("s3", "delete_bucket_policy", {"Bucket": "b"})],
    ),
    "role trust policy": Case(
        "aws_iam_role",
        "app",
        ["assume_role_policy"],
        {"assume_role_policy": document("sts:AssumeRole")},
        {"name": "app", "arn": ROLE_ARN, "assume_role_policy": document("sts:*")},
        [
            (
                "iam",
                "update_assume_role_policy",
                {"RoleName": "app", "PolicyDocument": document("sts:AssumeRole")},
            )
        ],
    ),
    "role settings: only those that differ": Case(
        "aws_iam_role",
        "app",
        ["description", "max_session_duration"],
        {"description": "runs the app", "max_session_duration": 3600},
        {"name": "app", "arn": ROLE_ARN, "description": "x", "max_session_duration": 3600},
        [("iam", "update_role", {"RoleName": "app", "Description": "runs the app"})],
    ),
    "role permissions boundary: removed": Case(
        "aws_iam_role",
        "app",
        ["permissions_boundary"],
        {"permissions_boundary": ""},
        {"name": "app", "arn": ROLE_ARN, "permissions_boundary": "arn:b"},
        [("iam", "delete_role_permissions_boundary", {"RoleName": "app"})],
    ),
    "role managed policies: the difference only": Case(
        "aws_iam_role",
        "app",
        ["managed_policy_arns"],
        {"managed_policy_arns": ["arn:a", "arn:b"]},
        {"name": "app", "arn": ROLE_ARN, "managed_policy_arns": ["arn:b", "arn:c"]},
        [
            ("iam", "detach_role_policy", {"RoleName": "app", "PolicyArn": "arn:c"}),
            ("iam", "attach_role_policy", {"RoleName": "app", "PolicyArn": "arn:a"}),
        ],
    ),
    "role inline policies: the changed and the extra": Case(
        "aws_iam_role",
        "app",
        ["inline_policy"],
        {"inline_policy": [{"name": "logs", "policy": document("logs:*")}]},
        {
            "name": "app",
            "arn": ROLE_ARN,
            "inline_policy": [{"name": "admin", "policy": document("*")}],
        },
        [
            ("iam", "delete_role_policy", {"RoleName": "app", "PolicyName": "admin"}),
            (
                "iam",
                "put_role_policy",
                {"RoleName": "app", "PolicyName": "logs", "PolicyDocument": document("logs:*")},
            ),
        ],
    ),
    "queue attributes in one call, as strings": Case(
        "aws_sqs_queue",
        f"{ACCOUNT}/jobs",
        ["visibility_timeout_seconds", "sqs_managed_sse_enabled"],
        {"visibility_timeout_seconds": 30, "sqs_managed_sse_enabled": True},
        {"url": QUEUE, "visibility_timeout_seconds": 120, "sqs_managed_sse_enabled": False},
        [
            (
                "sqs",
                "set_queue_attributes",
                {
                    "QueueUrl": QUEUE,
                    "Attributes": {"VisibilityTimeout": "30", "SqsManagedSseEnabled": "true"},
                },
            )
        ],
    ),
    "topic attributes, one per call": Case(
        "aws_sns_topic",
        TOPIC,
        ["display_name", "signature_version"],
        {"display_name": "Alerts", "signature_version": 2},
        {"arn": TOPIC, "display_name": "Spam", "signature_version": 1},
        [
            (
                "sns",
                "set_topic_attributes",
                {"TopicArn": TOPIC, "AttributeName": "DisplayName", "AttributeValue": "Alerts"},
            ),
            (
                "sns",
                "set_topic_attributes",
                {"TopicArn": TOPIC, "AttributeName": "SignatureVersion", "AttributeValue": "2"},
            ),
        ],
    ),
    "log retention": Case(
        "aws_cloudwatch_log_group",
        "/app",
        ["retention_in_days"],
        {"retention_in_days": 14},
        {"name": "/app", "retention_in_days": 0},
        [("logs", "put_retention_policy", {"logGroupName": "/app", "retentionInDays": 14})],
    ),
    "lambda configuration, then a wait": Case(
        "aws_lambda_function",
        "fn",
        ["memory_size", "timeout"],
        {"memory_size": 256, "timeout": 10},
        {"function_name": "fn", "memory_size": 128, "timeout": 3},
        [
            (
                "lambda",
                "update_function_configuration",
                {"FunctionName": "fn", "MemorySize": 256, "Timeout": 10},
            ),
            ("lambda", "wait:function_updated_v2", {"FunctionName": "fn"}),
        ],
    ),
    "lambda reserved concurrency: none reserved is a deletion": Case(
        "aws_lambda_function",
        "fn",
        ["reserved_concurrent_executions"],
        {"reserved_concurrent_executions": -1},
        {"function_name": "fn", "reserved_concurrent_executions": 5},
        [("lambda", "delete_function_concurrency", {"FunctionName": "fn"})],
    ),
    "kms description": Case(
        "aws_kms_key",
        "k-1",
        ["description"],
        {"description": "orders"},
        {"key_id": "k-1", "description": "x"},
        [("kms", "update_key_description", {"KeyId": "k-1", "Description": "orders"})],
    ),
    "kms enabled first, then rotation": Case(
        "aws_kms_key",
        "k-1",
        ["enable_key_rotation", "is_enabled"],
        {"is_enabled": True, "enable_key_rotation": True},
        {"key_id": "k-1", "is_enabled": False, "enable_key_rotation": False},
        [("kms", "enable_key", {"KeyId": "k-1"}), ("kms", "enable_key_rotation", {"KeyId": "k-1"})],
    ),
    "kms key policy": Case(
        "aws_kms_key",
        "k-1",
        ["policy"],
        {"policy": document("kms:*")},
        {"key_id": "k-1", "policy": document("kms:Decrypt")},
        [
            (
                "kms",
                "put_key_policy",
                {"KeyId": "k-1", "PolicyName": "default", "Policy": document("kms:*")},
            )
        ],
    ),
    "table billing mode back to provisioned, with capacity": Case(
        "aws_dynamodb_table",
        "orders",
        ["billing_mode"],
        {"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 2},
        {
            "name": "orders",
            "billing_mode": "PAY_PER_REQUEST",
            "read_capacity": 0,
            "write_capacity": 0,
        },
        [
            (
                "dynamodb",
                "update_table",
                {
                    "TableName": "orders",
                    "BillingMode": "PROVISIONED",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2},
                },
            )
        ],
    ),
    "table ttl off names the attribute it is on now": Case(
        "aws_dynamodb_table",
        "orders",
        ["ttl"],
        {"ttl": [{"attribute_name": "", "enabled": False}]},
        {"name": "orders", "ttl": [{"attribute_name": "expires", "enabled": True}]},
        [
            (
                "dynamodb",
                "update_time_to_live",
                {
                    "TableName": "orders",
                    "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "expires"},
                },
            )
        ],
    ),
    "table point-in-time recovery": Case(
        "aws_dynamodb_table",
        "orders",
        ["point_in_time_recovery"],
        {"point_in_time_recovery": [{"enabled": True, "recovery_period_in_days": 7}]},
        {
            "name": "orders",
            "point_in_time_recovery": [{"enabled": False, "recovery_period_in_days": 0}],
        },
        [
            (
                "dynamodb",
                "update_continuous_backups",
                {
                    "TableName": "orders",
                    "PointInTimeRecoverySpecification": {
                        "PointInTimeRecoveryEnabled": True,
                        "RecoveryPeriodInDays": 7,
                    },
                },
            )
        ],
    ),
    "repository tag mutability": Case(
        "aws_ecr_repository",
        "app",
        ["image_tag_mutability"],
        {"image_tag_mutability": "IMMUTABLE"},
        {"name": "app", "image_tag_mutability": "MUTABLE"},
        [
            (
                "ecr",
                "put_image_tag_mutability",
                {"repositoryName": "app", "imageTagMutability": "IMMUTABLE"},
            )
        ],
    ),
    "repository scan on push": Case(
        "aws_ecr_repository",
        "app",
        ["image_scanning_configuration"],
        {"image_scanning_configuration": [{"scan_on_push": True}]},
        {"name": "app", "image_scanning_configuration": [{"scan_on_push": False}]},
        [
            (
                "ecr",
                "put_image_scanning_configuration",
                {"repositoryName": "app", "imageScanningConfiguration": {"scanOnPush": True}},
            )
        ],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_recipe_plans_the_calls_for_its_drift_and_none_without_it(name: str) -> None:
    case = CASES[name]
    assert shape(plan(case.type, case.desired, case.actual, case.attributes, case.id)) == case.calls
    settled = {**case.actual, **case.desired}
    assert plan(case.type, case.desired, settled, case.attributes, case.id) == []


def test_every_recipe_has_a_planning_case() -> None:
    covered = {RECIPES[c.type, c.attributes[0]] for c in CASES.values()}
    assert [r.plan.__name__ for r in dict.fromkeys(RECIPES.values()) if r not in covered] == []


def test_what_the_desired_map_does_not_hold_is_left_alone() -> None:
    assert (
        plan("aws_vpc", {}, {"id": "vpc-1", "enable_dns_support": False}, ["enable_dns_support"])
        == []
    )


def test_tags_all_is_reverted_as_tags() -> None:
    calls = plan("aws_vpc", {"tags_all": {"a": "1"}}, {"id": "vpc-1", "tags": {}}, ["tags_all"])
    assert shape(calls) == [
        ("ec2", "create_tags", {"Resources": ["vpc-1"], "Tags": [{"Key": "a", "Value": "1"}]})
    ]


def test_a_default_type_is_remediated_as_the_type_aws_lists_it_as() -> None:
    calls = plan(
        "aws_default_vpc",
        {"enable_dns_hostnames": True},
        {"id": "vpc-1", "enable_dns_hostnames": False},
        ["enable_dns_hostnames"],
    )
    assert shape(calls) == [
        ("ec2", "modify_vpc_attribute", {"VpcId": "vpc-1", "EnableDnsHostnames": {"Value": True}})
    ]
    assert REMEDIATOR.revertible("aws_default_vpc", ["tags", "enable_dns_support"])


# --- instances: what a crash leaves --------------------------------------------------------


def test_a_stopped_instance_that_should_run_is_started_even_when_its_type_matches() -> None:
    # A worker killed after ModifyInstanceAttribute and before StartInstances: the type is
    # right, the instance is stopped, the state says it runs.
    calls = plan("aws_instance", RUNNING, STOPPED, ["instance_type"])
    assert shape(calls) == [("ec2", "start_instances", IDS), ("ec2", "wait:instance_running", IDS)]


def test_a_stopping_instance_that_should_run_is_waited_for_then_started() -> None:
    calls = plan(
        "aws_instance", RUNNING, {**STOPPED, "instance_state": "stopping"}, ["instance_type"]
    )
    assert [c.operation for c in calls] == [
        "wait:instance_stopped",
        "start_instances",
        "wait:instance_running",
    ]


def test_a_stopped_instance_that_should_stay_stopped_is_resized_and_left_stopped() -> None:
    calls = plan(
        "aws_instance", {**STOPPED, "instance_type": "t3.large"}, STOPPED, ["instance_type"]
    )
    assert [c.operation for c in calls] == ["modify_instance_attribute"]


def test_a_running_instance_is_never_stopped_for_a_type_that_matches() -> None:
    assert plan("aws_instance", STOPPED, RUNNING, ["instance_type"]) == []


def test_without_a_desired_state_a_stopped_instance_is_left_stopped() -> None:
    assert plan("aws_instance", {"instance_type": "t3.micro"}, STOPPED, ["instance_type"]) == []


def test_an_instance_in_no_restorable_state_is_not_remediable() -> None:
    with pytest.raises(NotRemediable, match="terminated"):
        plan(
            "aws_instance", RUNNING, {**RUNNING, "instance_state": "terminated"}, ["instance_state"]
        )


# --- what cannot be done -------------------------------------------------------------------


def test_an_attribute_without_a_recipe_is_not_remediable() -> None:
    with pytest.raises(NotRemediable, match="no recipe to revert ami of aws_instance"):
        plan(
            "aws_instance", {"ami": "ami-2"}, {**RUNNING, "ami": "ami-1"}, ["ami", "instance_type"]
        )
    assert not REMEDIATOR.revertible("aws_instance", ["ami"])
    assert not REMEDIATOR.revertible("aws_route", [])
    assert REMEDIATOR.revertible("aws_instance", ["tags_all", "instance_type"])


@pytest.mark.parametrize(
    ("resource_type", "desired", "actual", "attributes", "reason"),
    [
        ("aws_ebs_volume", {"size": 8}, {"size": 10}, ["size"], "cannot shrink"),
        (
            "aws_iam_role",
            {"assume_role_policy": ""},
            {"name": "r", "assume_role_policy": document("sts:*")},
            ["assume_role_policy"],
            "trust policy",
        ),
        (
            "aws_instance",
            {**RUNNING, "vpc_security_group_ids": []},
            {**RUNNING, "vpc_security_group_ids": ["sg-1"]},
            ["vpc_security_group_ids"],
            "at least one",
        ),
        (
            "aws_s3_bucket_versioning",
            {"versioning_configuration": [{"status": "Disabled"}]},
            {"versioning_configuration": [{"status": "Enabled"}]},
            ["versioning_configuration"],
            "only be suspended",
        ),
        (
            "aws_s3_bucket",
            {"versioning": [{"enabled": True, "mfa_delete": True}]},
            {"versioning": [{"enabled": False, "mfa_delete": False}]},
            ["versioning"],
            "MFA",
        ),
        (
            "aws_kms_key",
            {"enable_key_rotation": True},
            {"key_id": "k", "is_enabled": False, "enable_key_rotation": False},
            ["enable_key_rotation"],
            "enabled keys only",
        ),
        (
            "aws_sqs_queue",
            {"delay_seconds": 5},
            {"id": "123/jobs", "delay_seconds": 0},
            ["delay_seconds"],
            "URL",
        ),
    ],
)
def test_a_recipe_refuses_what_aws_would_refuse_or_cannot_undo(
    resource_type: str,
    desired: dict[str, Any],
    actual: dict[str, Any],
    attributes: list[str],
    reason: str,
) -> None:
    with pytest.raises(NotRemediable, match=reason):
        plan(resource_type, desired, actual, attributes)


@pytest.mark.parametrize("resource_type", sorted(REFUSED_DELETIONS))
def test_types_that_hold_data_are_never_deleted(resource_type: str) -> None:
    assert not REMEDIATOR.deletable(resource_type)
    with pytest.raises(NotRemediable, match="does not delete"):
        REMEDIATOR.delete_calls(target(resource_type, "x"), {"id": "x"})


def test_a_type_without_a_deletion_cannot_be_deleted() -> None:
    with pytest.raises(NotRemediable, match="cannot delete aws_vpc"):
        REMEDIATOR.delete_calls(target("aws_vpc", "vpc-1"), {"id": "vpc-1"})


def test_a_type_without_tags_cannot_be_quarantined() -> None:
    assert not REMEDIATOR.quarantinable("aws_route")
    with pytest.raises(NotRemediable, match="cannot be tagged"):
        REMEDIATOR.quarantine_calls(target("aws_route", "r-1"), {}, "plan-1")


# --- quarantine and deletion plans ---------------------------------------------------------


def test_quarantine_tags_and_stops_an_instance_and_only_tags_a_vpc() -> None:
    calls, touched = REMEDIATOR.quarantine_calls(target("aws_instance", "i-1"), RUNNING, "p")
    assert [c.operation for c in calls] == [
        "create_tags",
        "stop_instances",
        "wait:instance_stopped",
    ]
    assert touched == ["tags", "instance_state"]
    calls, touched = REMEDIATOR.quarantine_calls(target("aws_vpc", "vpc-1"), {"id": "vpc-1"}, "p")
    assert (shape(calls), touched) == (
        [
            (
                "ec2",
                "create_tags",
                {"Resources": ["vpc-1"], "Tags": [{"Key": "driftmgr:quarantined", "Value": "p"}]},
            )
        ],
        ["tags"],
    )
    assert set(QUARANTINES) == {"aws_instance", "aws_lambda_function"}


def test_a_quarantined_object_needs_no_more_calls() -> None:
    done = {**STOPPED, "tags": {"driftmgr:quarantined": "p"}}
    assert REMEDIATOR.quarantine_calls(target("aws_instance", "i-1"), done, "p") == (
        [],
        ["tags", "instance_state"],
    )


def test_a_bucket_deletion_is_guarded_and_a_key_deletion_scheduled() -> None:
    [bucket] = REMEDIATOR.delete_calls(target("aws_s3_bucket", "b"), {"bucket": "b"})
    assert bucket.guard == "the bucket is empty"
    assert "[only if the bucket is empty]" in bucket.describe()
    [key] = REMEDIATOR.delete_calls(target("aws_kms_key", "k"), {"key_id": "k"})
    assert (key.operation, key.params["PendingWindowInDays"]) == ("schedule_key_deletion", 30)
    assert all(REMEDIATOR.deletable(t) for t in DELETIONS)


def test_a_role_is_deleted_after_its_policies() -> None:
    actual = {
        "name": "app",
        "arn": ROLE_ARN,
        "managed_policy_arns": ["arn:a"],
        "inline_policy": [{"name": "logs", "policy": "{}"}],
    }
    calls = REMEDIATOR.delete_calls(target("aws_iam_role", "app", "global"), actual)
    assert [(c.operation, c.region) for c in calls] == [
        ("detach_role_policy", "us-east-1"),
        ("delete_role_policy", "us-east-1"),
        ("delete_role", "us-east-1"),
    ]


# --- secrets -------------------------------------------------------------------------------


def test_lambda_environment_variables_are_hidden_in_previews() -> None:
    secret = "hunter2-correct-horse"
    desired = {"environment": [{"variables": {"DB_PASSWORD": secret}}]}
    actual = {"function_name": "fn", "environment": []}
    update, _ = plan("aws_lambda_function", desired, actual, ["environment"])

    assert update.params["Environment"] == {"Variables": {"DB_PASSWORD": secret}}
    assert update.sensitive_params == ("Environment",)
    assert update.shown().params == {"FunctionName": "fn", "Environment": SENSITIVE_VALUE}
    assert secret not in update.describe()
