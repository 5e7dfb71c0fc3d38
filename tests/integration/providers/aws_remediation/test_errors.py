"""What AWS refuses comes back as one line naming the call and the object, secrets hidden."""

from __future__ import annotations

import pytest

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from driftmgr.adapters.providers.base import RemediationCallError
from driftmgr.domain.remediation import ApiCall
from tests.integration.providers.aws_remediation import REGION

SECRET = "hunter2-correct-horse"


def test_an_aws_error_is_one_line_naming_the_call_and_the_object(
    remediator: AwsRemediator,
) -> None:
    call = ApiCall(
        service="ec2",
        operation="modify_instance_attribute",
        region=REGION,
        params={"InstanceId": "i-0123456789abcdef0", "SourceDestCheck": {"Value": True}},
    )

    with pytest.raises(RemediationCallError) as caught:
        remediator.execute(call)

    message = str(caught.value)
    assert message.startswith(
        "ec2 ModifyInstanceAttribute on i-0123456789abcdef0: InvalidInstanceID"
    )
    assert "\n" not in message


def test_secret_parameters_never_reach_the_message(remediator: AwsRemediator) -> None:
    call = ApiCall(
        service="lambda",
        operation="update_function_configuration",
        region=REGION,
        params={
            "FunctionName": "gone",
            "Environment": {"Variables": {"KEY": SECRET}},
            "Timeout": "x",
        },
        sensitive_params=("Environment",),
    )

    with pytest.raises(
        RemediationCallError, match="lambda UpdateFunctionConfiguration on gone"
    ) as caught:
        remediator.execute(call)

    assert SECRET not in str(caught.value)
