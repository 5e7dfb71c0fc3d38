"""AWS inventory: the provider and one enumerator module per service."""

from __future__ import annotations

# Importing the service modules registers their enumerators.
from driftmgr.adapters.providers.aws import (  # noqa: F401
    dynamodb,
    ec2,
    ec2_network,
    ecr,
    elbv2,
    iam,
    kms,
    lambda_,
    logs,
    rds,
    route53,
    s3,
    sns,
    sqs,
)
from driftmgr.adapters.providers.aws.provider import AwsProvider
from driftmgr.adapters.providers.aws.registry import ENUMERATORS

__all__ = ["ENUMERATORS", "AwsProvider"]
