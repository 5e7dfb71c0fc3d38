"""A Lambda function against moto: its configuration (environment kept secret) and its
reserved concurrency."""

from __future__ import annotations

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from driftmgr.domain.secrets import SENSITIVE_VALUE
from tests.integration.providers.aws_remediation import (
    Boto,
    Subject,
    function,
    operations,
    round_trip,
)

SECRET = "hunter2-correct-horse"


def test_configuration_and_concurrency_go_back_with_the_environment_kept_secret(
    boto: Boto, remediator: AwsRemediator
) -> None:
    function(
        boto,
        "orders",
        MemorySize=128,
        Timeout=3,
        Environment={"Variables": {"DB_PASSWORD": SECRET}},
    )
    lambda_ = boto("lambda")

    def drift() -> None:
        lambda_.update_function_configuration(
            FunctionName="orders",
            MemorySize=512,
            Timeout=30,
            Environment={"Variables": {"DB_PASSWORD": "guessed", "DEBUG": "1"}},
        )
        lambda_.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=5)

    attributes = ("memory_size", "timeout", "environment", "reserved_concurrent_executions")
    [(calls, back)] = round_trip(
        remediator, [Subject("aws_lambda_function", "orders", attributes)], drift
    )

    # One update with every setting, then a wait for it to finish, then the concurrency.
    assert operations(calls) == [
        "update_function_configuration",
        "wait:function_updated_v2",
        "delete_function_concurrency",
    ]
    assert operations(back)[-1] == "put_function_concurrency"
    update = calls[0]
    assert update.params["Environment"] == {"Variables": {"DB_PASSWORD": SECRET}}
    assert update.sensitive_params == ("Environment",)
    assert update.shown().params["Environment"] == SENSITIVE_VALUE
    assert SECRET not in update.describe()
    assert "guessed" not in back[0].describe()
