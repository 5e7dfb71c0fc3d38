"""The Workflow aggregate: given its events, a command records the expected new ones."""

from __future__ import annotations

from uuid import uuid4

import msgspec
import pytest

from driftmgr.domain.base import Cause
from driftmgr.domain.workflow import (
    InvalidWorkflow,
    Workflow,
    WorkflowDefinition,
    WorkflowNotRunning,
    condition_met,
    validate_definition,
)

CAUSE = Cause(actor="alice")


def definition(*steps: dict[str, object], states: list[str] | None = None) -> WorkflowDefinition:
    return msgspec.convert(
        {
            "name": "nightly",
            "scope": {
                "provider": "aws",
                "states": ["s3://b/net.tfstate"] if states is None else states,
            },
            "steps": list(steps),
        },
        WorkflowDefinition,
    )


FULL = definition(
    {"step": "discover"},
    {"step": "detect"},
    {"step": "plan", "when": "severity >= high"},
    {"step": "approve", "when": "severity >= high"},
    {"step": "apply", "when": "severity >= high"},
)


def names(workflow: Workflow) -> list[str]:
    return [type(e).__name__ for e in workflow.collect_events()]


def test_a_started_workflow_is_at_its_first_step() -> None:
    workflow = Workflow.start(FULL, CAUSE)
    assert names(workflow) == ["Started"]
    assert workflow.status == "running"
    assert workflow.current is not None and workflow.current.step == "discover"
    assert not workflow.step_started


def test_steps_advance_and_the_last_completes_the_workflow() -> None:
    workflow = Workflow.start(definition({"step": "detect"}), CAUSE)
    run_id = uuid4()
    workflow.start_step("detect", CAUSE, run_id=run_id)
    # Fail to start it twice - a repeated trigger finds it started.
    with pytest.raises(InvalidWorkflow, match="already started"):
        workflow.start_step("detect", CAUSE, run_id=uuid4())
    workflow.complete_step("detect", "no drift", CAUSE, drift=False)
    workflow.complete(CAUSE)
    assert names(workflow) == ["Started", "StepStarted", "StepCompleted", "Completed"]
    assert workflow.drift_run_id == run_id
    assert workflow.status == "completed"
    # Fail to fail it - it is over.
    with pytest.raises(WorkflowNotRunning):
        workflow.fail("late", CAUSE)


def test_a_condition_not_met_skips_the_step_with_its_reason() -> None:
    workflow = Workflow.start(FULL, CAUSE)
    workflow.start_step("discover", CAUSE, run_id=uuid4())
    workflow.complete_step("discover", "ok", CAUSE)
    workflow.start_step("detect", CAUSE, run_id=uuid4())
    workflow.complete_step("detect", "drift", CAUSE, drift=True, severity="medium")
    reason = workflow.skip_step("plan", CAUSE)
    assert reason == "condition 'severity >= high' not met: worst severity medium"
    # The later steps have no plan to act on.
    assert workflow.reason_to_skip() == "no remediation plan was made"
    workflow.skip_step("approve", CAUSE)
    workflow.skip_step("apply", CAUSE)
    workflow.complete(CAUSE)
    assert workflow.status == "completed"


def test_a_step_whose_condition_holds_cannot_be_skipped() -> None:
    workflow = Workflow.start(FULL, CAUSE)
    workflow.start_step("discover", CAUSE, run_id=uuid4())
    workflow.complete_step("discover", "ok", CAUSE)
    workflow.start_step("detect", CAUSE, run_id=uuid4())
    workflow.complete_step("detect", "drift", CAUSE, drift=True, severity="critical")
    with pytest.raises(InvalidWorkflow, match="holds"):
        workflow.skip_step("plan", CAUSE)


def test_waiting_for_approval_is_recorded_once() -> None:
    workflow = Workflow.start(definition({"step": "detect"}, {"step": "plan"}), CAUSE)
    plan_id = uuid4()
    workflow.wait_for_approval(plan_id, CAUSE)
    workflow.wait_for_approval(plan_id, CAUSE)
    assert names(workflow) == ["Started", "WaitingForApproval"]
    assert workflow.status == "waiting_for_approval"
    assert workflow.plan_id == plan_id


def test_a_failure_names_the_step_it_happened_in() -> None:
    workflow = Workflow.start(definition({"step": "detect"}), CAUSE)
    workflow.start_step("detect", CAUSE, run_id=uuid4())
    workflow.fail("DriftRun x failed: the cloud hung up", CAUSE)
    failed = workflow.collect_events()[-1]
    assert isinstance(failed, Workflow.Failed)
    assert failed.step == "detect"
    assert workflow.error == "DriftRun x failed: the cloud hung up"


def test_the_workflow_cannot_complete_before_its_last_step() -> None:
    workflow = Workflow.start(definition({"step": "detect"}), CAUSE)
    with pytest.raises(InvalidWorkflow, match="still has its detect step"):
        workflow.complete(CAUSE)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([], "at least one step"),
        ([{"step": "plan"}, {"step": "detect"}], "in the order"),
        ([{"step": "detect"}, {"step": "detect"}], "repeated: detect"),
        ([{"step": "discover"}, {"step": "apply"}], "apply step needs a plan step"),
        ([{"step": "detect"}, {"step": "plan", "when": "severity > high"}], "unknown condition"),
        ([{"step": "detect", "when": "drift"}], "only steps after detect"),
    ],
)
def test_a_definition_that_cannot_run_is_refused(
    steps: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(InvalidWorkflow, match=message):
        validate_definition(definition(*steps))


def test_a_detect_step_needs_a_state() -> None:
    with pytest.raises(InvalidWorkflow, match="at least one Terraform state"):
        validate_definition(definition({"step": "detect"}, states=[]))


@pytest.mark.parametrize(
    ("when", "drift", "severity", "met"),
    [
        ("always", False, None, True),
        ("drift", False, None, False),
        ("drift", True, "low", True),
        ("severity >= high", True, "medium", False),
        ("severity >= high", True, "high", True),
        ("severity >= high", True, "critical", True),
        ("severity >= low", False, None, False),
    ],
)
def test_conditions(when: str, drift: bool, severity: str | None, met: bool) -> None:
    assert condition_met(when, drift=drift, severity=severity) is met
