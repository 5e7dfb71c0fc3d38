"""Quarantine against moto: the marker tag, and what a type's quarantine stops beyond it;
then the rollback, which converges the touched attributes back to the snapshot."""

from __future__ import annotations

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from driftmgr.adapters.providers.aws.remediation.tags import QUARANTINE_KEY
from tests.integration.providers.aws_remediation import (
    Boto,
    function,
    launch,
    listed,
    observe,
    operations,
    run,
    target_of,
)

PLAN = "plan-7"


def test_an_instance_is_tagged_and_stopped_and_a_vpc_only_tagged_then_both_restored(
    boto: Boto, remediator: AwsRemediator
) -> None:
    ec2 = boto("ec2")
    instance = launch(ec2)
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "shadow"}])
    keys = [("aws_instance", instance), ("aws_vpc", vpc)]
    types = [t for t, _ in keys]
    before = listed(types)

    planned = {
        key: remediator.quarantine_calls(target_of(before[key]), before[key].attributes, PLAN)
        for key in keys
    }
    for calls, _ in planned.values():
        run(remediator, calls)
    quarantined = listed(types)

    (instance_calls, instance_touched), (vpc_calls, vpc_touched) = planned.values()
    assert operations(instance_calls) == [
        "create_tags",
        "stop_instances",
        "wait:instance_stopped",
    ]
    assert instance_touched == ["tags", "instance_state"]
    assert (operations(vpc_calls), vpc_touched) == (["create_tags"], ["tags"])
    assert quarantined["aws_instance", instance].attributes["instance_state"] == "stopped"
    for key in keys:
        assert quarantined[key].attributes["tags"][QUARANTINE_KEY] == PLAN
        # A retry after the calls landed has nothing left to do.
        target, now = target_of(before[key]), quarantined[key].attributes
        assert remediator.quarantine_calls(target, now, PLAN) == ([], planned[key][1])

    # Rollback: the touched attributes back to the snapshot's values.
    for key, (_, touched) in planned.items():
        run(
            remediator,
            remediator.revert_calls(
                target_of(before[key]),
                before[key].attributes,
                quarantined[key].attributes,
                touched,
            ),
        )
    after = listed(types)
    assert after["aws_instance", instance].attributes["instance_state"] == "running"
    for key in keys:
        assert after[key].attributes["tags"] == before[key].attributes["tags"]


def test_a_function_is_tagged_and_throttled_then_restored(
    boto: Boto, remediator: AwsRemediator
) -> None:
    function(boto, "worker")
    lambda_ = boto("lambda")
    before = observe("aws_lambda_function", "worker")
    target = target_of(before)

    calls, touched = remediator.quarantine_calls(target, before.attributes, PLAN)
    run(remediator, calls)

    assert operations(calls) == ["tag_resource", "put_function_concurrency"]
    assert touched == ["tags", "reserved_concurrent_executions"]
    assert (
        lambda_.get_function_concurrency(FunctionName="worker")["ReservedConcurrentExecutions"] == 0
    )
    quarantined = observe("aws_lambda_function", "worker").attributes
    assert quarantined["tags"] == {QUARANTINE_KEY: PLAN}
    # moto's GetFunction leaves out a reservation of 0 (AWS reports it), so the scan reads
    # "none reserved" (-1): the observation is corrected with what moto does keep.
    now = {**quarantined, "reserved_concurrent_executions": 0}

    back = remediator.revert_calls(target, before.attributes, now, touched)
    run(remediator, back)

    assert operations(back) == ["untag_resource", "delete_function_concurrency"]
    assert "ReservedConcurrentExecutions" not in lambda_.get_function_concurrency(
        FunctionName="worker"
    )
    assert observe("aws_lambda_function", "worker").attributes["tags"] == {}
