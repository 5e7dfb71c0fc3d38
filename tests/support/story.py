"""A day of driftmgr, as real commands on a real store: states, drift, remediation, tokens.

Everything driftmgr owns is real (event store on SQLite, projections, worker); the cloud,
the remediator and the state backend are the fakes of ``fakes.py``. Used where a test needs
a log with many kinds of events in it: replay acceptance, snapshots of every aggregate,
the stored-event fixtures (``tests/data/events/capture.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.adapters.providers.base import ProviderError
from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.discovery import StartDiscovery, start_discovery
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
from driftmgr.commands.runs import CancelRun, RetryRun, cancel_run, retry_run
from driftmgr.commands.schedules import AddSchedule, RemoveSchedule, add_schedule, remove_schedule
from driftmgr.commands.state import ImportState, UntrackState, import_state, untrack_state
from driftmgr.commands.tokens import CreateToken, RevokeToken, create_token, revoke_token
from driftmgr.commands.workflows import StartWorkflow, start_workflow
from driftmgr.domain.base import Cause
from driftmgr.domain.remediation import ApiCall
from driftmgr.domain.state_file import StateFile
from driftmgr.domain.workflow import Workflow, WorkflowDefinition
from driftmgr.projections.jobs import jobs_table
from driftmgr.projections.remediation_plans import plans_table
from driftmgr.queries.discoveries import GetDiscoveryStatusQuery, get_discovery_status
from driftmgr.settings import Settings
from tests.support.fakes import (
    FakeCloud,
    FakeRemediator,
    FakeStates,
    state_with_vpcs,
    tagged_vpc,
    vpc,
)

__all__ = ["ALICE", "BOB", "SOURCE", "Story", "story"]

ALICE, BOB = Cause(actor="alice"), Cause(actor="bob")
SOURCE = "tfstate:///states/net.tfstate"
OTHER = "tfstate:///states/app.tfstate"


class Story:
    """Steps of real commands on ``services``; each step ends with the read models settled."""

    def __init__(self, services: Services, cloud: FakeCloud, states: FakeStates) -> None:
        self.services = services
        self.cloud = cloud
        self.states = states
        self.remediator = FakeRemediator(cloud)
        services.backend.remediators = {"aws": self.remediator}
        services.backend.approval_threshold = "low"  # every plan needs a second person
        services.backend.retry_policy = msgspec.structs.replace(
            services.backend.retry_policy, base_seconds=0.0, cap_seconds=0.0
        )

    @property
    def position(self) -> int:
        return self.services.backend.app.position()

    def settle(self) -> int:
        """Run every pending job and project everything; return the log position."""
        self.services.projections.catch_up()
        while self.services.worker.run_pending():
            self.services.projections.catch_up()
        self.services.projections.catch_up()
        return self.position

    # --- steps --------------------------------------------------------------------------

    def import_states(self) -> None:
        content = state_with_vpcs(("vpc-1", "10.0.0.0/16"), ("vpc-2", "10.0.0.0/16"))
        self.states.documents[SOURCE] = content.encode()
        import_state(self.services.backend, ImportState(source=SOURCE, content=content), ALICE)
        other = state_with_vpcs(("vpc-5", "10.1.0.0/16"))
        import_state(self.services.backend, ImportState(source=OTHER, content=other), ALICE)
        self.settle()

    def detect(self, *, max_age: float | None = None) -> UUID:
        content = self.states.documents[SOURCE].decode()
        command = DetectDrift(
            provider="aws",
            regions=["us-east-1"],
            states=[StateInput(source=SOURCE, content=content)],
        )
        if max_age is not None:
            command = msgspec.structs.replace(command, max_inventory_age=max_age)
        accepted = detect_drift(self.services.backend, command, ALICE)
        self.settle()
        return accepted.id

    def plan(self, run_id: UUID, **strategies: str) -> UUID:
        command = CreateRemediationPlan(drift_run_id=run_id, strategies=strategies)  # type: ignore[arg-type]
        return create_remediation_plan(self.services.backend, command, ALICE).id

    def approve_and_apply(self, plan_id: UUID) -> None:
        backend = self.services.backend
        approve_remediation(backend, ApproveRemediation(plan_id=plan_id), BOB)
        start_remediation(backend, StartRemediation(plan_id=plan_id), ALICE)
        self.settle()

    def rollback(self, plan_id: UUID) -> None:
        rollback_remediation(self.services.backend, RollbackRemediation(plan_id=plan_id), ALICE)
        self.settle()

    def reject(self, plan_id: UUID) -> None:
        command = RejectRemediation(plan_id=plan_id, reason="not today")
        reject_remediation(self.services.backend, command, BOB)
        self.settle()

    def tokens(self) -> None:
        backend = self.services.backend
        create_token(backend, CreateToken(name="ci", role="viewer"), ALICE)
        issued = create_token(backend, CreateToken(name="ops", role="operator"), ALICE)
        revoke_token(backend, RevokeToken(token=str(issued.id), reason="rotated"), ALICE)
        self.settle()

    def scheduled(self) -> None:
        """A schedule fires its first period (a drift run), then is removed."""
        backend = self.services.backend
        detect = DetectDrift(provider="aws", state_ids=[StateFile.create_id(SOURCE)])
        added = add_schedule(backend, AddSchedule(every_seconds=3600, detect=detect), ALICE)
        self.services.projections.catch_up()
        self.services.scheduler.run_due()
        self.settle()
        remove_schedule(backend, RemoveSchedule(schedule_id=added.id), BOB)
        self.settle()

    def workflows(self) -> None:
        """One workflow whose condition is not met (steps skipped, completed), and one that
        waits for approval of its plan, which is rejected (failed)."""
        backend = self.services.backend
        strategies = {"unmanaged": "quarantine", "missing": "forget"}
        for when, source in (("severity >= critical", SOURCE), ("drift", SOURCE)):
            definition = {
                "name": f"when {when}",
                "scope": {
                    "regions": ["us-east-1"],
                    "state_ids": [str(StateFile.create_id(source))],
                },
                "steps": [
                    {"step": "detect"},
                    {"step": "plan", "when": when, "strategies": strategies},
                    {"step": "apply", "when": when},
                ],
            }
            command = StartWorkflow(definition=msgspec.convert(definition, WorkflowDefinition))
            started = start_workflow(backend, command, ALICE)
            self.advance_workflows()
            workflow = backend.app.get(Workflow, started.id)
            if workflow.status == "waiting_for_approval" and workflow.plan_id is not None:
                self.reject(workflow.plan_id)
                self.advance_workflows()

    def advance_workflows(self) -> None:
        """Run jobs and deliver the bus (which advances workflows) until both are quiet."""
        bus = self.services.events
        while True:
            before = self.settle()
            # deliver(), not catch_up(): once the bus was stopped (cancelled_while_running
            # stops the services), catch_up() returns after one batch.
            for subscription in bus.subscriptions:
                while bus.deliver(subscription):
                    pass
            if self.settle() == before:
                return

    def discover(self) -> UUID:
        command = StartDiscovery(provider="aws", regions=["us-east-1"])
        accepted = start_discovery(self.services.backend, command, ALICE)
        self.settle()
        return accepted.id

    def cancelled_discovery(self) -> None:
        command = StartDiscovery(provider="aws", regions=["us-west-2"])
        accepted = start_discovery(self.services.backend, command, ALICE)
        cancel_run(self.services.backend, CancelRun(run_id=accepted.id), BOB)
        self.settle()

    def failed_detection(self) -> None:
        """A cloud that hangs up on every attempt: the run fails after its retries."""
        self.cloud.fail_scans = 100
        try:
            self.detect()
        finally:
            self.cloud.fail_scans = 0

    def retried_dead_letter(self) -> None:
        """The failed detection's run, dead-lettered, given one more attempt that passes."""
        query = sa.select(jobs_table.c.job_id).where(jobs_table.c.dead_letter.is_not(None))
        self.settle()
        with self.services.projections.engine.connect() as conn:
            run_id = conn.execute(query).scalars().first()
        assert run_id is not None, "no dead-lettered job to retry"
        retry_run(self.services.backend, RetryRun(run_id=run_id), BOB)
        self.settle()

    def untrack_and_reimport(self) -> None:
        """Stop tracking a state, then import it again (tracked once more)."""
        state_id = StateFile.create_id(OTHER)
        command = UntrackState(state_id=state_id, reason="moved to another team")
        untrack_state(self.services.backend, command, ALICE)
        content = state_with_vpcs(("vpc-5", "10.1.0.0/16"), serial=2)
        import_state(self.services.backend, ImportState(source=OTHER, content=content), BOB)
        self.settle()

    def analysed_by_a_job(self) -> None:
        """A state large for the inline analysis: its import queues a job, which analyses it."""
        backend = self.services.backend
        inline_max, backend.analysis_inline_max_resources = backend.analysis_inline_max_resources, 1
        try:
            content = state_with_vpcs(("vpc-5", "10.1.0.0/16"), ("vpc-6", "10.2.0.0/16"), serial=3)
            import_state(backend, ImportState(source=OTHER, content=content), BOB)
        finally:
            backend.analysis_inline_max_resources = inline_max
        self.settle()

    def failed_and_aborted_actions(self) -> None:
        """An apply where one target changed meanwhile (aborted) and one call fails; then
        a plan applied whose rollback call fails."""

        def refuse(call: ApiCall) -> None:
            raise ProviderError("the fake cloud refuses this call")

        plan_id = self.plan(self.detect(), unmanaged="quarantine")
        self.cloud.resources[0] = tagged_vpc("vpc-1", {"Owner": "eve"})  # changed since
        self.remediator.before_call = refuse
        try:
            self.approve_and_apply(plan_id)
        finally:
            self.remediator.before_call = None
        plan_id = self.plan(self.detect(), unmanaged="quarantine")
        self.approve_and_apply(plan_id)
        self.remediator.before_call = refuse
        try:
            self.rollback(plan_id)
        finally:
            self.remediator.before_call = None

    def cancelled_while_running(self) -> None:
        """A discovery cancelled while the cloud hangs: it stops at its next step."""
        services = self.services
        self.cloud.block_after = 1
        services.start()
        try:
            command = StartDiscovery(
                provider="aws", regions=["us-east-1", "eu-west-1"], resource_types=["aws_vpc"]
            )
            accepted = start_discovery(services.backend, command, ALICE)
            assert self.cloud.blocked.wait(30), "the fake cloud was never listed"
            cancel_run(services.backend, CancelRun(run_id=accepted.id), BOB)
            query = GetDiscoveryStatusQuery(discovery_id=accepted.id, wait_until_finished=30)
            status = asyncio.run(get_discovery_status(services.read, query))
            assert status.status == "cancelled", status
        finally:
            services.stop()
            self.cloud.block_after = None
            self.cloud.blocked.clear()
        self.settle()

    def everything(self) -> int:
        """Every step, so that every kind of event is recorded at least once."""
        self.first_half()
        self.second_half()
        self.detect(max_age=3600.0)  # reuses the inventory the discovery took
        self.failed_detection()
        self.retried_dead_letter()
        self.untrack_and_reimport()
        self.failed_and_aborted_actions()
        self.cancelled_while_running()
        self.scheduled()
        self.analysed_by_a_job()
        self.workflows()
        return self.settle()

    # --- the two halves used by the replay acceptance test ---------------------------------

    def first_half(self) -> int:
        """States imported, drift detected, one plan applied; returns the position."""
        self.import_states()
        run_id = self.detect()
        self.approve_and_apply(self.plan(run_id, unmanaged="quarantine"))
        return self.settle()

    def second_half(self) -> int:
        """More of everything after the first half; returns the position."""
        plans = self.plans()
        self.rollback(plans[0])
        run_id = self.detect()
        self.reject(self.plan(run_id))
        self.tokens()
        self.discover()
        self.cancelled_discovery()
        return self.settle()

    def plans(self) -> list[UUID]:
        """Every plan's id, oldest first (from the read models)."""
        query = sa.select(plans_table.c.id).order_by(plans_table.c.planned_at)
        with self.services.projections.engine.connect() as conn:
            return [row.id for row in conn.execute(query)]


def default_cloud() -> FakeCloud:
    # vpc-1 has a tag nobody configured; vpc-9 is unmanaged.
    return FakeCloud([tagged_vpc("vpc-1", {"Owner": "mallory"}), vpc("vpc-2"), vpc("vpc-9")])


@contextmanager
def story(data_dir: Path, **settings: object) -> Iterator[Story]:
    """A story on a new store in ``data_dir``; ``settings`` override :class:`Settings`."""
    cloud = default_cloud()
    states = FakeStates()
    services = bootstrap(
        Settings(data_dir=data_dir, **settings),  # type: ignore[arg-type]
        providers={"aws": lambda **_: cloud},  # any account_roles: the same fake cloud
        remediators={"aws": FakeRemediator(cloud)},
        state_writer=states,
    )
    try:
        yield Story(services, cloud, states)
    finally:
        services.close()
