"""A log group's retention against moto: a policy put, and none at all (never expire)."""

from __future__ import annotations

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import Boto, Subject, operations, round_trip


def test_retention_goes_back_and_never_expiring_is_no_policy(
    boto: Boto, remediator: AwsRemediator
) -> None:
    logs = boto("logs")
    logs.create_log_group(logGroupName="/app")
    logs.put_retention_policy(logGroupName="/app", retentionInDays=30)

    [(calls, back)] = round_trip(
        remediator,
        [Subject("aws_cloudwatch_log_group", "/app", ("retention_in_days",))],
        lambda: logs.delete_retention_policy(logGroupName="/app"),
    )

    assert operations(calls) == ["put_retention_policy"]
    assert calls[0].params == {"logGroupName": "/app", "retentionInDays": 30}
    assert operations(back) == ["delete_retention_policy"]
