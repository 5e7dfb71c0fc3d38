"""Remediation commands: plan what to do about a drift run, decide on it, apply, roll back.

``CreateRemediationPlan`` reads only what driftmgr already holds (the report, the states the
run compared, the inventory it took) and asks the provider's remediator what calls each
action would make: the preview *is* the plan. Applying and rolling back run as jobs
(:mod:`driftmgr.jobs.remediation`), which observe every target again first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal
from uuid import UUID, uuid4

import msgspec

from driftmgr.adapters.providers.base import Remediator
from driftmgr.adapters.terraform.backends import SourceError
from driftmgr.adapters.terraform.state import parse_state
from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause, DomainError
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift.diff import redact_items
from driftmgr.domain.drift.import_ids import import_id
from driftmgr.domain.drift.report import DriftItem, ReportBody, ReportSource, Severity
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation import (
    DEFAULT_STRATEGIES,
    STRATEGIES,
    STRATEGIES_BY_KIND,
    CodePatch,
    NotRemediable,
    StatePatch,
    Strategy,
    Target,
    TerraformRun,
)
from driftmgr.domain.remediation_plan import (
    ApprovalRefused,
    NothingToRemediate,
    RemediationAction,
    RemediationPlan,
)
from driftmgr.domain.remediation_run import RemediationRun
from driftmgr.domain.resources import LiveResource, StateResource
from driftmgr.domain.state_file import StateFile
from driftmgr.errors import Conflict, Forbidden, InvalidCommand

__all__ = [
    "ApproveRemediation",
    "CreateRemediationPlan",
    "RejectRemediation",
    "RollbackRemediation",
    "StartRemediation",
    "approve_remediation",
    "create_remediation_plan",
    "observations_of",
    "observed_key",
    "plan_remediation",
    "reject_remediation",
    "rollback_remediation",
    "start_remediation",
    "tf_dir_for",
]

_decoder = msgspec.json.Decoder(list[LiveResource])


class CreateRemediationPlan(msgspec.Struct, frozen=True, kw_only=True):
    drift_run_id: UUID
    strategies: dict[str, Strategy] = msgspec.field(default_factory=dict)
    """``KIND``, ``TYPE`` or ``ADDRESS`` (or the id of an unmanaged object) → strategy; the
    most specific applies, then the configured default of the finding's kind."""
    tf_dir: str | None = None
    """The Terraform directory: needed to recreate, and to patch code when accepting."""
    allow_destroy: bool = False


class ApproveRemediation(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: UUID
    reason: str | None = None


class RejectRemediation(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: UUID
    reason: str


class StartRemediation(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: UUID
    continue_on_error: bool = False


class RollbackRemediation(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: UUID
    acknowledge_irreversible: bool = False
    """Roll back what can be, although some applied action (a delete) cannot be undone."""


# --- planning ------------------------------------------------------------------------------


def create_remediation_plan(
    backend: Backend, command: CreateRemediationPlan, cause: Cause
) -> Accepted:
    plan = plan_remediation(backend, command, cause)
    return Accepted(id=plan.id, position=backend.app.record(plan))


def plan_remediation(
    backend: Backend, command: CreateRemediationPlan, cause: Cause
) -> RemediationPlan:
    """The plan, checked but not saved: the caller saves it (with a workflow's step)."""
    run = backend.app.get(DriftRun, command.drift_run_id)
    if run.status != "completed" or run.report_sha256 is None:
        raise Conflict(
            f"drift run {run.id} is {run.status}; a plan can be made once it has completed"
        )
    tf_dir = tf_dir_for(backend, command.tf_dir)
    body = msgspec.json.decode(backend.blobs.get(run.report_sha256), type=ReportBody)
    # Redacted again (idempotent): a report an older driftmgr stored may hide less.
    drifts = [d for d in redact_items(body.drifts) if d.kind != "unobserved"]
    _check_selectors(command.strategies, drifts)
    observed = observations_of(backend, run)
    states = _state_resources(backend, body.sources)
    plan_id = uuid4()
    planner = _Planner(backend, plan_id, tf_dir, command.allow_destroy, observed, states)
    actions = [
        planner.action(index, item, _choose(item, command.strategies, backend.default_strategies))
        for index, item in enumerate(drifts)
    ]
    try:
        plan = RemediationPlan.plan(
            drift_run_id=run.id,
            actions=actions,
            approval_threshold=backend.approval_threshold,
            cause=cause,
            plan_id=plan_id,
            tf_dir=tf_dir,
        )
    except NothingToRemediate as e:
        raise InvalidCommand(str(e)) from None
    return plan


def tf_dir_for(backend: Backend, tf_dir: str | None) -> str | None:
    """``tf_dir`` if the caller may name it (a server: under its state roots)."""
    if tf_dir is None:
        return None
    try:
        return str(backend.source_policy.directory(tf_dir))
    except SourceError as e:
        raise InvalidCommand(str(e)) from None


def _check_selectors(selectors: Mapping[str, str], drifts: list[DriftItem]) -> None:
    for key, strategy in selectors.items():
        if strategy not in STRATEGIES:
            raise InvalidCommand(
                f"{key}={strategy}: unknown strategy; choose one of {', '.join(STRATEGIES)}"
            )
        if key in STRATEGIES_BY_KIND and strategy not in STRATEGIES_BY_KIND[key]:
            fits = ", ".join(STRATEGIES_BY_KIND[key])
            raise InvalidCommand(f"{key}={strategy}: {key} findings can be {fits}")
        for item in drifts:
            if key in (item.address, item.id) and strategy not in STRATEGIES_BY_KIND[item.kind]:
                fits = ", ".join(STRATEGIES_BY_KIND[item.kind])
                raise InvalidCommand(f"{key}={strategy}: {key} is {item.kind}, which can be {fits}")


def _choose(
    item: DriftItem, selectors: Mapping[str, Strategy], defaults: Mapping[str, Strategy]
) -> Strategy:
    fits = STRATEGIES_BY_KIND[item.kind]
    for key in (item.address, item.id, item.type, item.kind):
        if key is not None and key in selectors and selectors[key] in fits:
            return selectors[key]
    return defaults.get(item.kind) or DEFAULT_STRATEGIES[item.kind]


def observations_of(backend: Backend, run: DriftRun) -> dict[tuple[str, str], LiveResource]:
    """What the run's inventory saw, by (type, id): the scans it took and those it reused."""
    digests: list[str] = [scan.inventory_sha256 for scan in run.reused_scans]
    if run.discovery_run_id is not None:
        discovery = backend.app.get(DiscoveryRun, run.discovery_run_id)
        digests += [d for d in discovery.scans.values() if d is not None]
    found: dict[tuple[str, str], LiveResource] = {}
    for digest in dict.fromkeys(digests):
        for live in _decoder.decode(backend.blobs.get(digest)):
            found.setdefault((live.type, live.id), live)
    return found


class _StateEntry(msgspec.Struct, frozen=True):
    resource: StateResource
    source: ReportSource


def _state_resources(backend: Backend, sources: list[ReportSource]) -> dict[str, _StateEntry]:
    """The compared states' resources by address, from the versions the run compared."""
    found: dict[str, _StateEntry] = {}
    for source in sources:
        state = backend.app.get(StateFile, source.state_id)
        version = next(
            (
                v
                for v in reversed(state.versions)
                if v.serial == source.serial and v.lineage == source.lineage
            ),
            state.latest,
        )
        if version is None:
            continue
        for resource in parse_state(backend.blobs.get(version.content_sha256)).managed:
            found.setdefault(resource.address, _StateEntry(resource, source))
    return found


def desired_attributes(resource: StateResource) -> dict[str, Any]:
    """A state resource's attributes as a target should have them: tags with the provider's
    default tags (``tags_all``), as the cloud shows them."""
    attributes = dict(resource.attributes)
    if isinstance(attributes.get("tags_all"), dict):
        attributes["tags"] = attributes["tags_all"]
    return attributes


def _top_level(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


class _Planner:
    def __init__(
        self,
        backend: Backend,
        plan_id: UUID,
        tf_dir: str | None,
        allow_destroy: bool,
        observed: dict[tuple[str, str], LiveResource],
        states: dict[str, _StateEntry],
    ) -> None:
        self.backend = backend
        self.plan_id = plan_id
        self.tf_dir = tf_dir
        self.allow_destroy = allow_destroy
        self.observed = observed
        self.states = states

    def remediator(self, provider: str) -> Remediator:
        try:
            return self.backend.remediators[provider]
        except KeyError:
            raise InvalidCommand(f"driftmgr cannot remediate {provider} resources yet") from None

    def action(self, index: int, item: DriftItem, strategy: Strategy) -> RemediationAction:
        live = self.observed.get(observed_key(item))
        entry = self.states.get(item.address or "")
        # Remediators address the object the inventory listed (a rule's own AWS rule, a
        # queue by account/name): the finding's cloud object, not the state's way of naming it.
        target = Target(
            provider=item.provider,
            type=item.cloud.type if item.cloud else item.type,
            id=item.cloud.id if item.cloud else item.id or "",
            region=item.region or "",
            account=live.account if live else None,
        )
        attributes = sorted({_top_level(c.path) for c in item.changes})
        base = RemediationAction(
            index=index,
            strategy=strategy,
            drift_kind=item.kind,
            address=item.address,
            target=target,
            severity=item.severity,
            changes=item.changes,
            attributes=attributes,
            observed=dict(live.attributes) if live else None,
        )
        try:
            return self._steps(base, item, live, entry)
        except NotRemediable as e:
            where = item.address or target.label
            raise InvalidCommand(f"{where}: cannot {strategy}: {e}") from None

    def _steps(
        self,
        action: RemediationAction,
        item: DriftItem,
        live: LiveResource | None,
        entry: _StateEntry | None,
    ) -> RemediationAction:
        replace = msgspec.structs.replace
        target, where = action.target, item.address or action.target.label
        match action.strategy:
            case "revert":
                if live is None or entry is None:
                    raise NotRemediable("its state record or its observation is gone")
                desired = desired_attributes(entry.resource)
                calls = self.remediator(item.provider).revert_calls(
                    target, desired, live.attributes, action.attributes
                )
                return replace(
                    action,
                    calls=calls,
                    desired=desired,
                    state_patch=self._patch(entry, "refresh", {}),
                    description=f"revert {where}: set {', '.join(action.attributes)} "
                    "back to the state's values",
                )
            case "accept":
                if live is None or entry is None:
                    raise NotRemediable("its state record or its observation is gone")
                values = {a: live.attributes[a] for a in action.attributes if a in live.attributes}
                code = self._code_patch(item.address or "", values)
                return replace(
                    action,
                    state_patch=self._patch(entry, "set", values),
                    code=code,
                    description=f"accept {where}: record the cloud's "
                    f"{', '.join(action.attributes)} in the state",
                )
            case "forget":
                if entry is None:
                    raise NotRemediable("it is not in a compared state")
                return replace(
                    action,
                    state_patch=self._patch(entry, "remove", {}),
                    description=f"forget {where}: remove it from {entry.source.uri}",
                )
            case "recreate":
                if self.tf_dir is None:
                    raise NotRemediable("recreating needs the Terraform code: give --tf-dir")
                return replace(
                    action,
                    terraform=TerraformRun(tf_dir=self.tf_dir, address=item.address or ""),
                    description=f"recreate {where} with terraform apply -target",
                )
            case "import":
                return replace(
                    action,
                    code=[_import_block(item, live.attributes if live else {})],
                    description=f"import {target.label} into Terraform "
                    "(`driftmgr remediate codegen` writes its code)",
                )
            case "quarantine":
                if live is None:
                    raise NotRemediable("its observation is gone")
                calls, touched = self.remediator(item.provider).quarantine_calls(
                    target, live.attributes, str(self.plan_id)
                )
                return replace(
                    action,
                    calls=calls,
                    attributes=touched,
                    desired=None,
                    description=f"quarantine {target.label}: tag driftmgr:quarantined="
                    f"{self.plan_id}",
                )
            case "delete":
                if not self.allow_destroy:
                    raise NotRemediable("deleting is allowed only with --allow-destroy")
                if live is None:
                    raise NotRemediable("its observation is gone")
                calls = self.remediator(item.provider).delete_calls(target, live.attributes)
                return replace(
                    action, calls=calls, description=f"delete {target.label} (cannot be undone)"
                )
        raise NotRemediable(f"unknown strategy {action.strategy}")  # pragma: no cover

    def _patch(
        self, entry: _StateEntry, op: Literal["set", "remove", "refresh"], values: dict[str, Any]
    ) -> StatePatch:
        return StatePatch(
            state_id=entry.source.state_id,
            source=entry.source.uri,
            address=entry.resource.address,
            op=op,
            attributes=values,
            base_serial=entry.source.serial,
        )

    def _code_patch(self, address: str, values: dict[str, Any]) -> list[CodePatch]:
        if self.tf_dir is None or self.backend.terraform is None:
            return []
        return [self.backend.terraform.patch_attributes(self.tf_dir, address, values)]


_NAME = re.compile(r"[^A-Za-z0-9_]+")


def observed_key(item: DriftItem) -> tuple[str, str]:
    """Where a finding's object is in :func:`observations_of`: its cloud (type, id)."""
    if item.cloud is not None:
        return item.cloud.type, item.cloud.id
    return item.type, item.id or ""


def import_id_of(item: DriftItem, attributes: Mapping[str, Any]) -> str:
    """What ``terraform import`` takes for an unmanaged finding's object (a report from an
    older driftmgr has no ``import_id``: it is computed from the observation)."""
    if item.import_id:
        return item.import_id
    resource_type, identity = observed_key(item)
    return import_id(resource_type, identity, attributes)


def _import_block(item: DriftItem, attributes: Mapping[str, Any]) -> CodePatch:
    name = _NAME.sub("_", item.id or "imported").strip("_").lower() or "imported"
    if not name[0].isalpha():
        name = f"r_{name}"
    imported = json.dumps(import_id_of(item, attributes))
    block = f"import {{\n  to = {item.type}.{name}\n  id = {imported}\n}}\n"
    return CodePatch(path=f"imports/{item.type}.{name}.tf", content=block)


# --- decisions -----------------------------------------------------------------------------


def approve_remediation(backend: Backend, command: ApproveRemediation, cause: Cause) -> Accepted:
    plan = backend.app.get(RemediationPlan, command.plan_id)
    try:
        plan.approve(reason=command.reason, cause=cause)
    except ApprovalRefused as e:
        raise Forbidden(str(e)) from None
    except DomainError as e:
        raise Conflict(str(e)) from None
    return Accepted(id=plan.id, position=backend.app.record(plan))


def reject_remediation(backend: Backend, command: RejectRemediation, cause: Cause) -> Accepted:
    plan = backend.app.get(RemediationPlan, command.plan_id)
    try:
        plan.reject(reason=command.reason, cause=cause)
    except ApprovalRefused as e:
        raise Forbidden(str(e)) from None
    except DomainError as e:
        raise Conflict(str(e)) from None
    return Accepted(id=plan.id, position=backend.app.record(plan))


def start_remediation(backend: Backend, command: StartRemediation, cause: Cause) -> Accepted:
    """Apply a plan: queue the job that applies it. The plan and the job are recorded
    together, so a second apply of the same plan is a conflict, never a second job."""
    plan = backend.app.get(RemediationPlan, command.plan_id)
    run = RemediationRun.request(plan_id=plan.id, mode="apply", cause=cause)
    try:
        plan.request_apply(run_id=run.id, continue_on_error=command.continue_on_error, cause=cause)
    except DomainError as e:
        raise Conflict(str(e)) from None
    return Accepted(id=run.id, position=backend.app.record(plan, run), ids=[plan.id, run.id])


def rollback_remediation(backend: Backend, command: RollbackRemediation, cause: Cause) -> Accepted:
    plan = backend.app.get(RemediationPlan, command.plan_id)
    run = RemediationRun.request(plan_id=plan.id, mode="rollback", cause=cause)
    try:
        plan.request_rollback(
            run_id=run.id,
            acknowledge_irreversible=command.acknowledge_irreversible,
            cause=cause,
        )
    except DomainError as e:
        raise Conflict(str(e)) from None
    return Accepted(id=run.id, position=backend.app.record(plan, run), ids=[plan.id, run.id])


def required_severity(value: str) -> Severity | None:
    """``DRIFTMGR_APPROVAL_SEVERITY``: ``none`` or a severity."""
    if value == "none":
        return None
    if value not in ("low", "medium", "high", "critical"):
        raise ValueError(value)
    return value  # type: ignore[return-value]
