"""CloudTrail trails against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.cloudtrail`), and their drift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

TRAIL = "aws_cloudtrail"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/audit"


def seed(boto: Boto) -> None:
    boto("s3").create_bucket(Bucket="audit-logs")
    cloudtrail = boto("cloudtrail")
    cloudtrail.create_trail(
        Name="audit",
        S3BucketName="audit-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        TagsList=[{"Key": "team", "Value": "security"}],
    )
    cloudtrail.start_logging(Name="audit")


def trail_state() -> StateResource:
    return state_resource(
        TRAIL,
        "audit",
        {
            "id": TRAIL_ARN,
            "arn": TRAIL_ARN,
            "name": "audit",
            "home_region": REGION,
            "s3_bucket_name": "audit-logs",
            "s3_key_prefix": "",
            "enable_logging": True,
            "enable_log_file_validation": True,
            "include_global_service_events": True,
            "is_multi_region_trail": True,
            "is_organization_trail": False,
            "kms_key_id": "",
            "event_selector": [],
            "advanced_event_selector": [],
            "insight_selector": [],
            "tags": {"team": "security"},
            "tags_all": {"team": "security"},
        },
    )


def test_trails_are_listed_by_arn_in_their_home_region(boto: Boto) -> None:
    seed(boto)

    outcomes = scan([REGION, "eu-west-1"], [TRAIL])
    trails = observed(outcomes[(TRAIL, REGION)])

    # A multi-region trail is listed once, in its home region.
    assert observed(outcomes[(TRAIL, "eu-west-1")]) == {}
    assert set(trails) == {TRAIL_ARN}
    attributes = trails[TRAIL_ARN].attributes
    assert (attributes["name"], attributes["s3_bucket_name"]) == ("audit", "audit-logs")
    assert attributes["enable_logging"] is True
    assert attributes["is_multi_region_trail"] is True
    assert attributes["enable_log_file_validation"] is True
    # The selector every trail has reads as none, as the provider stores it.
    assert attributes["event_selector"] == []
    assert attributes["tags"] == {"team": "security"}


def test_a_trail_is_in_sync_then_its_logging_stopped_by_hand(boto: Boto) -> None:
    seed(boto)

    assert drift([trail_state()], [TRAIL]).items == []

    boto("cloudtrail").stop_logging(Name="audit")
    assert changed_paths(drift([trail_state()], [TRAIL])) == {TRAIL_ARN: ["enable_logging"]}
