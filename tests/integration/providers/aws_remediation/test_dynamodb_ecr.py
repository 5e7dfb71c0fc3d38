"""A DynamoDB table's settings and an ECR repository's against moto."""

from __future__ import annotations

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import Boto, Subject, operations, round_trip


def test_table_and_repository_settings_go_back(boto: Boto, remediator: AwsRemediator) -> None:
    dynamodb, ecr = boto("dynamodb"), boto("ecr")
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName="orders",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
    )
    dynamodb.update_continuous_backups(
        TableName="orders",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    ecr.create_repository(repositoryName="app", imageTagMutability="IMMUTABLE")

    def drift() -> None:
        dynamodb.update_table(
            TableName="orders",
            BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
            DeletionProtectionEnabled=True,
        )
        dynamodb.update_time_to_live(
            TableName="orders",
            TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"},
        )
        dynamodb.update_continuous_backups(
            TableName="orders",
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
        )
        ecr.put_image_tag_mutability(repositoryName="app", imageTagMutability="MUTABLE")
        ecr.put_image_scanning_configuration(
            repositoryName="app", imageScanningConfiguration={"scanOnPush": True}
        )

    table = ("billing_mode", "deletion_protection_enabled", "ttl", "point_in_time_recovery")
    repository = ("image_tag_mutability", "image_scanning_configuration")
    (table_calls, table_back), (repository_calls, _) = round_trip(
        remediator,
        [
            Subject("aws_dynamodb_table", "orders", table),
            Subject("aws_ecr_repository", "app", repository),
        ],
        drift,
    )

    assert operations(table_calls) == [
        "update_table",
        "update_time_to_live",
        "update_continuous_backups",
    ]
    # Billing mode and deletion protection in one update; provisioned capacity comes along.
    assert table_calls[0].params == {
        "TableName": "orders",
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": False,
    }
    assert table_back[0].params["ProvisionedThroughput"] == {
        "ReadCapacityUnits": 5,
        "WriteCapacityUnits": 5,
    }
    # Turning TTL off names the attribute it is on now.
    assert table_back[1].params["TimeToLiveSpecification"] == {
        "Enabled": False,
        "AttributeName": "expires",
    }
    assert operations(repository_calls) == [
        "put_image_tag_mutability",
        "put_image_scanning_configuration",
    ]
