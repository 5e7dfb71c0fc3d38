"""The audit log's view of a payload: secrets hidden, counts per resource type shown."""

from __future__ import annotations

from driftmgr.domain.secrets import SENSITIVE_VALUE
from driftmgr.queries.audit_payload import redact_payload


def test_counts_per_resource_type_are_shown_whatever_the_types_name() -> None:
    counts = {"aws_api_gateway_api_key": 2, "aws_iam_access_key": 0, "aws_vpc": 5}
    shown = redact_payload({"resource_counts": counts, "unobserved_count": 1})
    assert shown == {"resource_counts": counts, "unobserved_count": 1}


def test_a_secret_under_resource_counts_that_is_no_count_stays_hidden() -> None:
    shown = redact_payload({"resource_counts": {"api_key": "s3cret"}, "password": "hunter2"})
    assert shown["resource_counts"] == {"api_key": SENSITIVE_VALUE}
    assert shown["password"] == SENSITIVE_VALUE
