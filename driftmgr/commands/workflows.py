"""StartWorkflow, and advancing a workflow one step at a time (the process manager's command).

:func:`advance` is the only thing that moves a workflow on. It reads the workflow's current
step and the state of what that step started (a run, a plan), and does at most what is
still missing; whatever it starts is saved in one transaction with the workflow's
``StepStarted``. So calling it twice, or from two processes at once, starts nothing twice:
the second call finds the step started, or collides on the workflow's version and records
nothing. The existing commands do the work (:func:`request_drift` …); this only orders them.
"""

from __future__ import annotations

import contextlib
import logging
from uuid import UUID

import msgspec

from driftmgr.adapters.providers.base import ProviderError
from driftmgr.adapters.terraform.backends import SourceError
from driftmgr.commands.backend import Backend
from driftmgr.commands.discovery import StartDiscovery, request_discovery
from driftmgr.commands.drift import DetectDrift, StateInput, request_drift
from driftmgr.commands.remediation import (
    CreateRemediationPlan,
    StartRemediation,
    plan_remediation,
    start_remediation,
)
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause, DomainError
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift.report import ReportBody
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_plan import RemediationPlan
from driftmgr.domain.run import Run
from driftmgr.domain.workflow import SEVERITIES, StepDefinition, Workflow, WorkflowDefinition
from driftmgr.errors import CommandError, Conflict, InvalidCommand, NotFound

__all__ = ["StartWorkflow", "advance", "detect_command", "start_workflow"]

log = logging.getLogger(__name__)

#: Seconds: a detect step after a discover step compares the inventory that step just took.
_REUSE_DISCOVERY = 3600.0


class StartWorkflow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    definition: WorkflowDefinition
    """Parsed by the client (``workflow run FILE.yaml``): the server never reads the file."""


def detect_command(definition: WorkflowDefinition) -> DetectDrift:
    """The DetectDrift the detect step sends: the scope, states read when the step runs."""
    scope = definition.scope
    reuse = scope.max_inventory_age
    if reuse is None and any(s.step == "discover" for s in definition.steps):
        reuse = _REUSE_DISCOVERY
    return DetectDrift(
        provider=scope.provider,
        regions=scope.regions,
        account_roles=scope.account_roles,
        tags=scope.tags,
        state_ids=scope.state_ids,
        states=[StateInput(source=s) for s in scope.states],
        resource_types=scope.resource_types,
        ignore=scope.ignore,
        max_inventory_age=reuse,
    )


def start_workflow(backend: Backend, command: StartWorkflow, cause: Cause) -> Accepted:
    """Record the workflow; the process manager takes its first step (on ``Started``)."""
    definition = command.definition
    provider = backend.providers.get(
        definition.scope.provider, account_roles=definition.scope.account_roles
    )
    backend.providers.check_types(provider, definition.scope.resource_types)
    for source in definition.scope.states:
        try:
            backend.source_policy.admit(backend.source_policy.parse(source))
        except SourceError as e:
            raise InvalidCommand(str(e)) from None
    try:
        workflow = Workflow.start(definition, cause)
    except DomainError as e:
        raise InvalidCommand(str(e)) from None
    return Accepted(id=workflow.id, position=backend.app.record(workflow))


def advance(backend: Backend, workflow_id: UUID) -> None:
    """Take every step that can be taken now; stop at one that waits (a run, an approval)."""
    while _step(backend, workflow_id):
        pass


def _step(backend: Backend, workflow_id: UUID) -> bool:
    """Do one thing; True if something was recorded and there may be more to do."""
    try:
        workflow = backend.app.get(Workflow, workflow_id)
    except NotFound:
        return False
    if workflow.is_over:
        return False
    cause = Cause(actor=workflow.started_by, correlation_id=workflow.id)
    step = workflow.current
    try:
        if step is None:
            workflow.complete(cause)
            backend.app.record(workflow)
            return True
        if workflow.step_started:
            return _finish(backend, workflow, step, cause)
        if workflow.reason_to_skip() is not None:
            workflow.skip_step(step.step, cause)
            backend.app.record(workflow)
            return True
        return _start(backend, workflow, step, cause)
    except Conflict:
        return False  # another process advanced it meanwhile: its events bring us back
    except (CommandError, ProviderError, msgspec.ValidationError) as e:
        # The step cannot be taken as defined (a state gone, nothing to remediate …).
        workflow = backend.app.get(Workflow, workflow_id)
        if workflow.is_over:
            return False
        workflow.fail(f"{step.step if step else 'workflow'}: {e}", cause)
        with contextlib.suppress(Conflict):  # another process moved it on meanwhile
            backend.app.record(workflow)
        return False


def _start(backend: Backend, workflow: Workflow, step: StepDefinition, cause: Cause) -> bool:
    app = backend.app
    definition = msgspec.convert(workflow.definition, WorkflowDefinition)
    scope = definition.scope
    match step.step:
        case "discover":
            command = StartDiscovery(
                provider=scope.provider,
                regions=scope.regions,
                resource_types=scope.resource_types,
                account_roles=scope.account_roles,
                tags=scope.tags,
            )
            discovery = request_discovery(backend, command, cause)
            workflow.start_step("discover", cause, run_id=discovery.id)
            app.record(workflow, discovery)
        case "detect":
            run, staged = request_drift(backend, detect_command(definition), cause)
            workflow.start_step("detect", cause, run_id=run.id)
            app.record(workflow, *staged, run)
        case "plan":
            assert workflow.drift_run_id is not None  # validated: plan needs detect
            plan = plan_remediation(
                backend,
                CreateRemediationPlan(
                    drift_run_id=workflow.drift_run_id,
                    strategies=step.strategies,  # type: ignore[arg-type]  # checked by the planner
                    tf_dir=step.tf_dir,
                    allow_destroy=step.allow_destroy,
                ),
                cause,
            )
            workflow.start_step("plan", cause, plan_id=plan.id)
            outcome = f"plan {plan.id}: {len(plan.actions)} action(s)"
            workflow.complete_step("plan", outcome, cause)
            app.record(workflow, plan)
        case "approve":
            assert workflow.plan_id is not None  # skipped when no plan was made
            plan = app.get(RemediationPlan, workflow.plan_id)
            workflow.start_step("approve", cause, plan_id=plan.id)
            if plan.status == "planned":
                workflow.wait_for_approval(plan.id, cause)
            app.record(workflow)
        case "apply":
            assert workflow.plan_id is not None
            plan = app.get(RemediationPlan, workflow.plan_id)
            if plan.status == "planned" and plan.requires_approval:
                if workflow.status == "waiting_for_approval":
                    return False  # the person has not decided yet
                workflow.wait_for_approval(plan.id, cause)
                app.record(workflow)
                return False
            if plan.status in ("planned", "approved"):
                # Recorded with the plan: a second apply of it is a Conflict, never a job.
                start_remediation(
                    backend,
                    StartRemediation(plan_id=plan.id, continue_on_error=step.continue_on_error),
                    cause,
                )
                plan = app.get(RemediationPlan, plan.id)
            if plan.run_id is None:
                workflow.fail(f"apply: plan {plan.id} is {plan.status}", cause)
            else:
                workflow.start_step("apply", cause, run_id=plan.run_id, plan_id=plan.id)
            app.record(workflow)
    return True


def _finish(backend: Backend, workflow: Workflow, step: StepDefinition, cause: Cause) -> bool:
    """Complete (or fail) the started step if what it waits for has ended."""
    app = backend.app
    if step.step == "approve":
        assert workflow.plan_id is not None
        plan = app.get(RemediationPlan, workflow.plan_id)
        if plan.status == "planned":
            return False
        if plan.status == "rejected":
            workflow.fail(f"plan {plan.id} was rejected{_reason(plan.decision_reason)}", cause)
        else:
            workflow.complete_step("approve", f"plan {plan.id} approved", cause)
        app.record(workflow)
        return True
    assert workflow.run_id is not None  # the other started steps each have a run
    run = app.get(Run, workflow.run_id)
    if run.status == "failed" or run.status == "cancelled":
        workflow.fail(f"{run.kind} {run.id} {run.status}{_reason(run.error)}", cause)
        app.record(workflow)
        return True
    if run.status != "completed":
        return False
    if isinstance(run, DriftRun):
        drift, severity = _findings(backend, run)
        found = f"worst severity {severity}" if drift else "no drift"
        workflow.complete_step(
            "detect", f"drift run {run.id}: {found}", cause, drift=drift, severity=severity
        )
    elif isinstance(run, DiscoveryRun):
        workflow.complete_step("discover", f"discovery {run.id} completed", cause)
    else:
        assert workflow.plan_id is not None
        plan = app.get(RemediationPlan, workflow.plan_id)
        if plan.status != "applied":
            workflow.fail(f"apply: plan {plan.id} is {plan.status}", cause)
        else:
            workflow.complete_step("apply", f"plan {plan.id} applied", cause)
    app.record(workflow)
    return True


def _findings(backend: Backend, run: DriftRun) -> tuple[bool, str | None]:
    """Whether the run found drift, and the worst severity among its findings."""
    if run.summary is None or not run.summary.has_drift or run.report_sha256 is None:
        return False, None
    body = msgspec.json.decode(backend.blobs.get(run.report_sha256), type=ReportBody)
    severities = [d.severity for d in body.drifts if d.kind != "unobserved"]
    worst = max(severities, key=SEVERITIES.index) if severities else None
    return True, worst


def _reason(text: object) -> str:
    return f": {text}" if text else ""
