"""The remediation handlers and job, with in-memory fakes for the cloud and the state backend.

Everything driftmgr owns is real (the event store on a temporary SQLite file, projections,
the worker); the cloud is :class:`FakeCloud` and the remediator applies its calls to it, so
each story can count exactly which calls took effect.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import msgspec
import pytest

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.drift import DetectDrift, StateInput, detect_drift
from driftmgr.commands.remediation import (
    ApproveRemediation,
    CreateRemediationPlan,
    RejectRemediation,
    RollbackRemediation,
    StartRemediation,
    approve_remediation,
    create_remediation_plan,
    reject_remediation,
    rollback_remediation,
    start_remediation,
)
from driftmgr.domain.base import Cause
from driftmgr.domain.remediation import ApiCall
from driftmgr.domain.remediation_plan import RemediationPlan
from driftmgr.domain.state_file import StateFile
from driftmgr.errors import Conflict, Forbidden, InvalidCommand
from driftmgr.settings import Settings
from tests.support.fakes import (
    FakeCloud,
    FakeRemediator,
    FakeStates,
    state_with_vpcs,
    tagged_vpc,
    vpc,
)

ALICE, BOB = Cause(actor="alice"), Cause(actor="bob")
SOURCE = "tfstate:///states/net.tfstate"


@pytest.fixture
def cloud() -> FakeCloud:
    # vpc-1 has a tag nobody configured; vpc-9 is unmanaged.
    return FakeCloud([tagged_vpc("vpc-1", {"Owner": "mallory"}), vpc("vpc-2"), vpc("vpc-9")])


@pytest.fixture
def remediator(cloud: FakeCloud) -> FakeRemediator:
    return FakeRemediator(cloud)


@pytest.fixture
def states() -> FakeStates:
    return FakeStates()


@pytest.fixture
def services(
    tmp_path: Path, cloud: FakeCloud, remediator: FakeRemediator, states: FakeStates
) -> Iterator[Services]:
    services = bootstrap(
        Settings(data_dir=tmp_path / "store"),
        providers={"aws": lambda: cloud},
        remediators={"aws": remediator},
        state_writer=states,
    )
    services.backend.approval_threshold = "low"  # every plan here needs a second person
    yield services
    services.close()


def settle(services: Services) -> None:
    services.projections.catch_up()
    while services.worker.run_pending():
        services.projections.catch_up()
    services.projections.catch_up()


def detect(services: Services, states: FakeStates) -> UUID:
    content = state_with_vpcs(("vpc-1", "10.0.0.0/16"), ("vpc-2", "10.0.0.0/16"))
    states.documents[SOURCE] = content.encode()
    accepted = detect_drift(
        services.backend,
        DetectDrift(
            provider="aws",
            regions=["us-east-1"],
            states=[StateInput(source=SOURCE, content=content)],
        ),
        ALICE,
    )
    settle(services)
    return accepted.id


def plan_for(services: Services, run_id: UUID, **strategies: str) -> RemediationPlan:
    command = CreateRemediationPlan(drift_run_id=run_id, strategies=strategies)  # type: ignore[arg-type]
    accepted = create_remediation_plan(services.backend, command, ALICE)
    return services.backend.app.get(RemediationPlan, accepted.id)


def plan_now(services: Services, plan_id: UUID) -> RemediationPlan:
    return services.backend.app.get(RemediationPlan, plan_id)


def tags_of(cloud: FakeCloud, id_: str) -> dict[str, str]:
    live = next(r for r in cloud.resources if r.id == id_)
    tags: dict[str, str] = live.attributes["tags"]
    return tags


# --- planning ------------------------------------------------------------------------------


def test_a_plan_lists_every_call_it_would_make_and_makes_none(
    services: Services, states: FakeStates, remediator: FakeRemediator
) -> None:
    run_id = detect(services, states)
    plan = plan_for(services, run_id, unmanaged="quarantine")

    by_id = {a.target.id: a for a in plan.actions}
    assert by_id["vpc-1"].strategy == "revert"
    assert [c.params for c in by_id["vpc-1"].calls] == [
        {"id": "vpc-1", "name": "tags", "value": {}}
    ]
    assert by_id["vpc-9"].strategy == "quarantine"
    assert by_id["vpc-9"].calls[0].params["value"] == {"driftmgr:quarantined": str(plan.id)}
    assert plan.requires_approval
    assert remediator.executed == []  # a plan is a dry run


def test_the_most_specific_strategy_wins_and_misfits_are_refused(
    services: Services, states: FakeStates
) -> None:
    run_id = detect(services, states)
    plan = plan_for(services, run_id, modified="accept", **{"aws_vpc.v0": "revert"})
    assert {a.address: a.strategy for a in plan.actions if a.drift_kind == "modified"} == {
        "aws_vpc.v0": "revert"
    }
    with pytest.raises(InvalidCommand, match="modified findings can be revert, accept"):
        plan_for(services, run_id, modified="delete")
    with pytest.raises(InvalidCommand, match="only with --allow-destroy"):
        plan_for(services, run_id, unmanaged="delete")


# --- approval ------------------------------------------------------------------------------


def test_nobody_approves_their_own_plan_and_an_unapproved_plan_is_not_applied(
    services: Services, states: FakeStates, remediator: FakeRemediator
) -> None:
    plan = plan_for(services, detect(services, states))

    # Fail to approve - alice requested it.
    with pytest.raises(Forbidden, match="another person must approve"):
        approve_remediation(services.backend, ApproveRemediation(plan_id=plan.id), ALICE)
    # Fail to apply - it needs approval first.
    with pytest.raises(Conflict, match="needs approval"):
        start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)

    approve_remediation(
        services.backend, ApproveRemediation(plan_id=plan.id, reason="looks right"), BOB
    )
    approved = plan_now(services, plan.id)
    assert (approved.status, approved.approved_by, approved.decision_reason) == (
        "approved",
        "bob",
        "looks right",
    )
    # Fail to reject - it is decided already.
    with pytest.raises(Conflict, match="can no longer be decided"):
        reject_remediation(services.backend, RejectRemediation(plan_id=plan.id, reason="no"), BOB)
    assert remediator.executed == []


def test_a_plan_under_the_threshold_can_be_applied_without_approval(
    services: Services, states: FakeStates
) -> None:
    services.backend.approval_threshold = "critical"
    plan = plan_for(services, detect(services, states))
    assert not plan.requires_approval
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)
    assert plan_now(services, plan.id).status == "applied"


# --- apply and rollback --------------------------------------------------------------------


def approved_plan(services: Services, states: FakeStates, **strategies: str) -> RemediationPlan:
    plan = plan_for(services, detect(services, states), **strategies)
    approve_remediation(services.backend, ApproveRemediation(plan_id=plan.id), BOB)
    return plan


def test_apply_reverts_and_quarantines_then_rollback_puts_everything_back(
    services: Services, states: FakeStates, cloud: FakeCloud, remediator: FakeRemediator
) -> None:
    plan = approved_plan(services, states, unmanaged="quarantine")
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)

    applied = plan_now(services, plan.id)
    assert applied.status == "applied"
    assert tags_of(cloud, "vpc-1") == {}
    assert tags_of(cloud, "vpc-9") == {"driftmgr:quarantined": str(plan.id)}
    revert = next(a for a in applied.actions if a.target.id == "vpc-1")
    outcome = applied.outcomes[revert.index]
    assert (outcome.before, outcome.after) == ({"tags": {"Owner": "mallory"}}, {"tags": {}})

    rollback_remediation(services.backend, RollbackRemediation(plan_id=plan.id), ALICE)
    settle(services)

    assert plan_now(services, plan.id).status == "rolled_back"
    assert tags_of(cloud, "vpc-1") == {"Owner": "mallory"}
    assert tags_of(cloud, "vpc-9") == {}
    # Two calls to apply, two to roll back: nothing twice.
    assert len(remediator.executed) == 4


def test_a_target_changed_since_the_run_is_aborted_and_not_touched(
    services: Services, states: FakeStates, cloud: FakeCloud, remediator: FakeRemediator
) -> None:
    plan = approved_plan(services, states)
    cloud.resources[0] = tagged_vpc("vpc-1", {"Owner": "eve"})  # changed again meanwhile
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)

    done = plan_now(services, plan.id)
    revert = next(a for a in done.actions if a.target.id == "vpc-1")
    outcome = done.outcomes[revert.index]
    assert outcome.status == "aborted"
    assert (
        outcome.reason is not None and "changed since the drift run (tags.Owner)" in outcome.reason
    )
    assert [c for c in remediator.executed if c.params["id"] == "vpc-1"] == []
    assert tags_of(cloud, "vpc-1") == {"Owner": "eve"}
    assert done.status == "failed"


def test_an_attempt_lost_mid_apply_is_retried_and_no_call_takes_effect_twice(
    services: Services, states: FakeStates, cloud: FakeCloud, remediator: FakeRemediator
) -> None:
    plan = approved_plan(services, states, unmanaged="quarantine")
    lost = []

    def lose_the_worker_after_the_first_call(call: ApiCall) -> None:
        if len(remediator.executed) == 1 and not lost:
            lost.append(call)
            raise RuntimeError("the worker died")  # not an action failure: the job is retried

    remediator.before_call = lose_the_worker_after_the_first_call
    services.backend.retry_policy = msgspec.structs.replace(
        services.backend.retry_policy, base_seconds=0.0, cap_seconds=0.0
    )
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)

    done = plan_now(services, plan.id)
    assert lost and done.status == "applied"
    # Each effect exactly once: the retried attempt saw the first call had taken effect.
    assert sorted(c.params["id"] for c in remediator.executed) == ["vpc-1", "vpc-9"]


def test_rollback_reads_the_targets_from_the_plan_replayed_to_its_snapshot(
    services: Services, states: FakeStates
) -> None:
    plan = approved_plan(services, states)
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)
    applied = plan_now(services, plan.id)
    assert applied.snapshot_version is not None
    at_snapshot = services.backend.app.get(
        RemediationPlan, plan.id, version=applied.snapshot_version
    )
    assert at_snapshot.status == "applying" and at_snapshot.outcomes == {}
    assert at_snapshot.snapshot == applied.snapshot


def test_forget_writes_a_new_state_serial_and_rollback_writes_the_old_content_back(
    services: Services, states: FakeStates, cloud: FakeCloud
) -> None:
    cloud.resources[:] = [r for r in cloud.resources if r.id != "vpc-2"]  # vpc-2 is missing
    plan = approved_plan(services, states)
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)

    document = json.loads(states.documents[SOURCE])
    assert document["serial"] == 2
    assert [r["instances"][0]["attributes"]["id"] for r in document["resources"]] == ["vpc-1"]
    state = services.backend.app.get(StateFile, StateFile.create_id(SOURCE))
    assert [v.serial for v in state.versions] == [1, 2]

    rollback_remediation(services.backend, RollbackRemediation(plan_id=plan.id), ALICE)
    settle(services)
    restored = json.loads(states.documents[SOURCE])
    assert restored["serial"] == 3 and restored["lineage"] == document["lineage"]
    assert len(restored["resources"]) == 2


def test_a_state_written_by_someone_else_since_is_not_rolled_back_over(
    services: Services, states: FakeStates, cloud: FakeCloud
) -> None:
    cloud.resources[:] = [r for r in cloud.resources if r.id != "vpc-2"]
    plan = approved_plan(services, states)
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)
    theirs = json.loads(states.documents[SOURCE])
    theirs["serial"] += 1  # terraform apply by a colleague
    states.documents[SOURCE] = json.dumps(theirs).encode()

    rollback_remediation(services.backend, RollbackRemediation(plan_id=plan.id), ALICE)
    settle(services)
    done = plan_now(services, plan.id)
    assert done.status == "rollback_failed"
    (failure,) = [o for o in done.rollback.values() if o.status == "rollback_failed"]
    assert failure.reason is not None and "someone wrote it since" in failure.reason
    assert json.loads(states.documents[SOURCE]) == theirs


def test_a_delete_blocks_rollback_until_acknowledged(
    services: Services, states: FakeStates, cloud: FakeCloud
) -> None:
    run_id = detect(services, states)
    command = CreateRemediationPlan(
        drift_run_id=run_id, strategies={"unmanaged": "delete"}, allow_destroy=True
    )
    plan_id = create_remediation_plan(services.backend, command, ALICE).id
    approve_remediation(services.backend, ApproveRemediation(plan_id=plan_id), BOB)
    start_remediation(services.backend, StartRemediation(plan_id=plan_id), ALICE)
    settle(services)
    assert "vpc-9" not in {r.id for r in cloud.resources}

    with pytest.raises(Conflict, match="cannot be undone"):
        rollback_remediation(services.backend, RollbackRemediation(plan_id=plan_id), ALICE)
    rollback_remediation(
        services.backend,
        RollbackRemediation(plan_id=plan_id, acknowledge_irreversible=True),
        ALICE,
    )
    settle(services)
    done = plan_now(services, plan_id)
    assert done.status == "rolled_back"
    assert tags_of(cloud, "vpc-1") == {"Owner": "mallory"}
    assert {o.status for o in done.rollback.values()} == {"rolled_back", "skipped"}


def test_a_delete_whose_attempt_was_lost_after_the_call_is_not_made_again(
    services: Services, states: FakeStates, cloud: FakeCloud, remediator: FakeRemediator
) -> None:
    run_id = detect(services, states)
    command = CreateRemediationPlan(
        drift_run_id=run_id, strategies={"unmanaged": "delete"}, allow_destroy=True
    )
    plan_id = create_remediation_plan(services.backend, command, ALICE).id
    approve_remediation(services.backend, ApproveRemediation(plan_id=plan_id), BOB)

    def delete_then_lose_the_worker(call: ApiCall) -> None:
        if call.operation == "delete":
            remediator.before_call = None
            cloud.resources[:] = [r for r in cloud.resources if r.id != call.params["id"]]
            raise RuntimeError("the worker died after the delete took effect")

    remediator.before_call = delete_then_lose_the_worker
    services.backend.retry_policy = msgspec.structs.replace(
        services.backend.retry_policy, base_seconds=0.0, cap_seconds=0.0
    )
    start_remediation(services.backend, StartRemediation(plan_id=plan_id), ALICE)
    settle(services)

    done = plan_now(services, plan_id)
    assert done.status == "applied", done.outcomes
    assert "vpc-9" not in {r.id for r in cloud.resources}
    # The retry planned the delete from the object as it is now: gone, so nothing to call.
    assert [c for c in remediator.executed if c.operation == "delete"] == []


def test_what_a_revert_changes_beside_its_attributes_is_written_into_the_state(
    services: Services, states: FakeStates, cloud: FakeCloud, remediator: FakeRemediator
) -> None:
    plan = approved_plan(services, states)
    moved = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1-moved"

    def side_effect(call: ApiCall) -> None:  # like the new public IP of a restarted instance
        index = next(i for i, r in enumerate(cloud.resources) if r.id == call.params["id"])
        live = cloud.resources[index]
        cloud.resources[index] = msgspec.structs.replace(
            live, attributes={**live.attributes, "arn": moved}
        )

    remediator.before_call = side_effect
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)

    done = plan_now(services, plan.id)
    assert done.status == "applied"
    document = json.loads(states.documents[SOURCE])
    assert document["serial"] == 2
    arns = {r["name"]: r["instances"][0]["attributes"]["arn"] for r in document["resources"]}
    assert arns["v0"] == moved
    assert arns["v1"].endswith("vpc/vpc-2")  # untouched
    revert = next(a for a in done.actions if a.target.id == "vpc-1")
    assert done.outcomes[revert.index].state_serial == 2


def test_what_a_lost_attempt_disturbed_is_restored_by_the_retry(
    services: Services, states: FakeStates, cloud: FakeCloud, remediator: FakeRemediator
) -> None:
    plan = approved_plan(services, states)

    def disturb_then_die(call: ApiCall) -> None:
        # Half of a two-step change (an instance stopped to resize), then the worker dies.
        remediator.before_call = None
        index = next(i for i, r in enumerate(cloud.resources) if r.id == "vpc-1")
        live = cloud.resources[index]
        cloud.resources[index] = msgspec.structs.replace(
            live, attributes={**live.attributes, "cidr_block": "10.9.0.0/16"}
        )
        raise RuntimeError("the worker died")

    remediator.before_call = disturb_then_die
    services.backend.retry_policy = msgspec.structs.replace(
        services.backend.retry_policy, base_seconds=0.0, cap_seconds=0.0
    )
    start_remediation(services.backend, StartRemediation(plan_id=plan.id), ALICE)
    settle(services)

    assert plan_now(services, plan.id).status == "applied"
    live = next(r for r in cloud.resources if r.id == "vpc-1")
    assert live.attributes["cidr_block"] == "10.0.0.0/16"
    assert live.attributes["tags"] == {}
