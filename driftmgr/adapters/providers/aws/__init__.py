"""AWS inventory: the provider and one enumerator module per service."""

from __future__ import annotations

# Importing the service modules registers their enumerators.
from driftmgr.adapters.providers.aws import (  # noqa: F401
    apigateway,
    apigatewayv2,
    autoscaling,
    cloudtrail,
    cloudwatch,
    dynamodb,
    ec2,
    ec2_network,
    ecr,
    ecs,
    efs,
    eks,
    elasticache,
    elb_more,
    elbv2,
    iam,
    iam_policies,
    kms,
    lambda_,
    lambda_extras,
    logs,
    policies_more,
    rds,
    rds_more,
    route53,
    s3,
    s3_settings,
    secrets_ssm,
    sns,
    sqs,
    streams,
    vpc_more,
)
from driftmgr.adapters.providers.aws.provider import AwsProvider
from driftmgr.adapters.providers.aws.registry import ENUMERATORS

__all__ = ["ENUMERATORS", "AwsProvider"]
