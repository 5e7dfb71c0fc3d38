"""Fixtures for remediation against the ``aws`` fixture's moto server, cheap to set up.

SDK clients cost a tenth of a second each to make (the EC2 one more): a worker keeps one
remediator, and a test one seeding client per service.
"""

from __future__ import annotations

import functools

import pytest

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import Boto


@functools.cache
def _remediator() -> AwsRemediator:
    # Its clients are made at its first calls, once ``aws`` has pointed the SDK at this
    # worker's moto server, whose address stays the same for the whole session.
    return AwsRemediator()


@pytest.fixture(autouse=True)
def _no_default_images(monkeypatch: pytest.MonkeyPatch) -> None:
    # The moto server runs in this process: without its thousands of default AMIs, the first
    # EC2 call after each reset is ten times quicker. Tests launch from a made-up image id.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@pytest.fixture
def boto(boto: Boto) -> Boto:
    """The shared fixture's clients, one per (service, region) for the test."""
    return functools.cache(boto)


@pytest.fixture
def remediator(aws: str) -> AwsRemediator:
    return _remediator()
