"""AWS inventory: the provider and one enumerator module per service."""

from __future__ import annotations

# Importing the service modules registers their enumerators.
from driftmgr.adapters.providers.aws import ec2, iam, s3  # noqa: F401
from driftmgr.adapters.providers.aws.provider import AwsProvider
from driftmgr.adapters.providers.aws.registry import ENUMERATORS

__all__ = ["ENUMERATORS", "AwsProvider"]
