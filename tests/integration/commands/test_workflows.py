"""Workflows end to end on a real store: the bus advances them, the worker runs their jobs.

The cloud, the remediator and the state backend are the fakes of ``tests/support/fakes.py``
(via the story); everything driftmgr owns is real. Each test drives the parts by hand
(``settle`` runs jobs, ``catch_up`` delivers the bus), so nothing waits on a clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import msgspec
import pytest
import sqlalchemy as sa
from eventsourcing.utils import resolve_topic

from driftmgr.commands.remediation import ApproveRemediation, approve_remediation
from driftmgr.commands.workflows import StartWorkflow, start_workflow
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_plan import RemediationPlan
from driftmgr.domain.remediation_run import RemediationRun
from driftmgr.domain.state_file import StateFile
from driftmgr.domain.workflow import Workflow, WorkflowDefinition
from driftmgr.errors import InvalidCommand
from driftmgr.events.bus import positions_table
from tests.support.story import ALICE, BOB, SOURCE, Story, story


@pytest.fixture
def told(tmp_path: Path) -> Iterator[Story]:
    with story(tmp_path / "store") as s:
        s.import_states()
        yield s


def definition(*steps: dict[str, object]) -> StartWorkflow:
    return StartWorkflow(
        definition=msgspec.convert(
            {
                "name": "nightly",
                "scope": {
                    "provider": "aws",
                    "regions": ["us-east-1"],
                    "state_ids": [str(StateFile.create_id(SOURCE))],
                },
                "steps": list(steps),
            },
            WorkflowDefinition,
        )
    )


def full(when: str) -> StartWorkflow:
    return definition(
        {"step": "discover"},
        {"step": "detect"},
        {"step": "plan", "when": when, "strategies": {"unmanaged": "quarantine"}},
        {"step": "approve", "when": when},
        {"step": "apply", "when": when},
    )


def run_until_quiet(told: Story) -> None:
    """Run jobs and deliver events until neither records anything more."""
    while True:
        before = told.settle()
        told.services.events.catch_up()
        if told.settle() == before:
            return


def workflow(told: Story, workflow_id: UUID) -> Workflow:
    return told.services.backend.app.get(Workflow, workflow_id)


def recorded(told: Story, event_class: type, correlation_id: UUID) -> int:
    """How many ``event_class`` events the workflow's commands caused."""
    app = told.services.backend.app
    count = 0
    for n in app.recorder.select_notifications(start=1, limit=1_000_000):
        if (
            resolve_topic(n.topic) is event_class
            and app.mapper.to_domain_event(n).correlation_id == correlation_id
        ):
            count += 1
    return count


def test_a_condition_not_met_skips_plan_and_apply_and_completes(told: Story) -> None:
    started = start_workflow(told.services.backend, full("severity >= critical"), ALICE)
    run_until_quiet(told)
    done = workflow(told, started.id)
    assert done.status == "completed", done.error
    assert done.drift is True and done.severity != "critical"
    assert recorded(told, RemediationPlan.Planned, started.id) == 0
    # The read model shows each step's end, the skipped ones with the condition not met.
    view = told.services.projections.engine
    with view.connect() as conn:
        row = conn.execute(sa.text("select status, steps from workflows")).one()
    steps = msgspec.json.decode(row.steps) if isinstance(row.steps, str) else row.steps
    assert row.status == "completed"
    assert [s["status"] for s in steps] == [
        "completed",
        "completed",
        "skipped",
        "skipped",
        "skipped",
    ]
    assert "condition 'severity >= critical' not met" in steps[2]["outcome"]


def test_a_condition_met_waits_for_approval_then_applies(told: Story) -> None:
    started = start_workflow(told.services.backend, full("drift"), ALICE)
    run_until_quiet(told)
    waiting = workflow(told, started.id)
    assert waiting.status == "waiting_for_approval"
    assert waiting.plan_id is not None
    plan = told.services.backend.app.get(RemediationPlan, waiting.plan_id)
    assert plan.status == "planned"
    # A second person approves with the ordinary command; the workflow applies the plan.
    approve_remediation(told.services.backend, ApproveRemediation(plan_id=plan.id), BOB)
    run_until_quiet(told)
    done = workflow(told, started.id)
    assert done.status == "completed", done.error
    assert told.services.backend.app.get(RemediationPlan, plan.id).status == "applied"
    assert "driftmgr:quarantined" in str(told.cloud.resources), "nothing was quarantined"
    assert recorded(told, RemediationRun.Requested, started.id) == 1


def test_a_failed_drift_run_fails_the_workflow_with_its_reason(told: Story) -> None:
    told.cloud.fail_scans = 100
    started = start_workflow(told.services.backend, definition({"step": "detect"}), ALICE)
    run_until_quiet(told)
    failed = workflow(told, started.id)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.startswith("DriftRun ")
    assert "failed" in failed.error


def test_a_workflow_that_cannot_run_is_refused_when_started(told: Story) -> None:
    command = definition({"step": "plan"})
    with pytest.raises(InvalidCommand, match="plan step needs a detect step"):
        start_workflow(told.services.backend, command, ALICE)


def test_a_workflow_resumes_after_a_crash_and_starts_each_run_once(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with story(store) as first:
        first.import_states()
        started = start_workflow(first.services.backend, full("drift"), ALICE)
        first.services.events.catch_up()  # the discovery is requested, never run
        first.settle()
        first.services.events.catch_up()  # ... now it ran: the drift run is requested
        assert workflow(first, started.id).current.step == "detect"  # type: ignore[union-attr]
        assert workflow(first, started.id).step_started
        # The process dies before its bus positions are committed: every event is
        # delivered again after the restart.
        with first.services.projections.engine.begin() as conn:
            conn.execute(positions_table.update().values(position=0))
    with story(store) as second:
        run_until_quiet(second)
        waiting = workflow(second, started.id)
        assert waiting.status == "waiting_for_approval"
        assert waiting.plan_id is not None
        approve_remediation(
            second.services.backend, ApproveRemediation(plan_id=waiting.plan_id), BOB
        )
        run_until_quiet(second)
        # And once more, as if the process died again before committing anything.
        with second.services.projections.engine.begin() as conn:
            conn.execute(positions_table.update().values(position=0))
        run_until_quiet(second)
        assert workflow(second, started.id).status == "completed"
        assert recorded(second, DriftRun.Requested, started.id) == 1
        assert recorded(second, RemediationPlan.Planned, started.id) == 1
        assert recorded(second, RemediationRun.Requested, started.id) == 1
        assert recorded(second, Workflow.Completed, started.id) == 1
