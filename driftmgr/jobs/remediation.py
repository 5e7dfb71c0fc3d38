"""The remediation job: apply a plan, or roll it back, one recorded action at a time.

Apply: observe every target and read every state first (``SnapshotTaken``); an action whose
target changed since the drift run is aborted, never applied blind; each action's calls are
computed from the target *as it is now*, so an attempt retried after a crash only does what
the lost attempt had not done, and no action takes effect twice.

Rollback: load the plan as it was at its snapshot and bring every applied action's target
back to the values observed then, newest action first; a state goes back to the snapshot's
content as a new serial, only if nobody wrote it after us.
"""

from __future__ import annotations

import threading
from typing import Any, Literal, overload
from uuid import UUID

from driftmgr.adapters.providers.base import ProviderError, Remediator
from driftmgr.adapters.terraform.backends import SourceError, StateObject
from driftmgr.adapters.terraform.state import StateFormatError, parse_state
from driftmgr.commands.backend import Backend
from driftmgr.commands.ports import StateWriter
from driftmgr.commands.state import PreparedState, stage_import
from driftmgr.domain.base import Cause, DomainError
from driftmgr.domain.drift.engine import compare_maps
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target
from driftmgr.domain.remediation_plan import (
    ActionSnapshot,
    RemediationAction,
    RemediationPlan,
    StateSnapshot,
)
from driftmgr.domain.remediation_run import RemediationRun
from driftmgr.domain.state_file import StateFile
from driftmgr.domain.state_patch import (
    StatePatchError,
    remove_instance,
    restore,
    serial_of,
    set_attributes,
)
from driftmgr.errors import CommandError
from driftmgr.jobs.observe import Observation, observe

__all__ = ["run_remediation"]

#: Failures that settle one action (recorded as its outcome) rather than the whole job.
_ACTION_ERRORS = (NotRemediable, ProviderError, SourceError, StatePatchError, StateFormatError)


class _ActionFailed(Exception):
    """One action failed; ``calls`` are those already made."""

    def __init__(self, message: str, calls: list[ApiCall]) -> None:
        super().__init__(message)
        self.calls = calls


class _AlreadyWritten(Exception):
    """The state already holds this action's write (an attempt lost after writing it)."""

    def __init__(self, body: bytes) -> None:
        self.body = body


def run_remediation(
    backend: Backend, run: RemediationRun, cause: Cause, cancel: threading.Event
) -> None:
    plan = backend.app.get(RemediationPlan, run.plan_id)
    job = _Job(backend, plan, cause, cancel)
    try:
        if run.mode == "apply":
            job.apply()
        else:
            job.rollback()
    except Exception as error:
        permanent = isinstance(error, (DomainError, CommandError, StateFormatError))
        if permanent or run.attempt >= backend.retry_policy.max_attempts:
            # The worker records the job's failure; the plan must not stay "applying".
            _give_up(backend, run, cause)
        raise
    _finish(plan, run.mode, cause)
    if cancel.is_set():
        run.confirm_cancelled(cause)
    else:
        run.complete(cause)
    backend.app.record(plan, run)


def _finish(plan: RemediationPlan, mode: str, cause: Cause) -> None:
    if mode == "apply":
        plan.finish_apply(cause)
    else:
        plan.finish_rollback(cause)


def _give_up(backend: Backend, run: RemediationRun, cause: Cause) -> None:
    plan = backend.app.get(RemediationPlan, run.plan_id)  # without the failed step's events
    _finish(plan, run.mode, cause)
    backend.app.record(plan)


class _Job:
    def __init__(
        self, backend: Backend, plan: RemediationPlan, cause: Cause, cancel: threading.Event
    ) -> None:
        self.backend = backend
        self.plan = plan
        self.cause = cause
        self.cancel = cancel

    # --- apply -----------------------------------------------------------------------------

    def apply(self) -> None:
        plan = self.plan
        if plan.snapshot_version is None:
            self._take_snapshot()
        for action in plan.pending():
            if self.cancel.is_set():
                plan.record_aborted(
                    action.index, reason="the apply was cancelled", cause=self.cause
                )
            elif plan.should_stop():
                plan.record_aborted(
                    action.index, reason="not applied: an earlier action failed", cause=self.cause
                )
            elif reason := self._changed_since_run(action):
                plan.record_aborted(action.index, reason=reason, cause=self.cause)
            else:
                self._apply_one(action)
            self.backend.app.record(plan)

    def _take_snapshot(self) -> None:
        plan = self.plan
        seen = self._observe([a.target for a in plan.actions])
        targets = [_snapshot_of(a.index, seen[a.target]) for a in plan.actions]
        states: dict[UUID, StateSnapshot] = {}
        for action in plan.actions:
            patch = action.state_patch
            if patch is None or patch.state_id in states:
                continue
            try:
                body = self._writer().read(patch.source)
            except (_ActionFailed, *_ACTION_ERRORS):
                if patch.op == "refresh":
                    # A revert only writes what its calls moved besides; a state this worker
                    # cannot read (uploaded with the request) is left for the next refresh.
                    continue
                raise
            states[patch.state_id] = StateSnapshot(
                state_id=patch.state_id,
                source=patch.source,
                serial=serial_of(body),
                lineage=parse_state(body).lineage,
                content_sha256=self.backend.blobs.put(body),
            )
        plan.take_snapshot(targets=targets, states=list(states.values()), cause=self.cause)
        self.backend.app.record(plan)

    def _changed_since_run(self, action: RemediationAction) -> str | None:
        """Why ``action`` must not run: its target is not as the drift run saw it."""
        snap = self.plan.snapshot[action.index]
        if snap.unobserved is not None:
            return f"could not observe {action.target.label} before applying: {snap.unobserved}"
        if action.state_patch is not None:
            state = self.plan.states.get(action.state_patch.state_id)
            base = action.state_patch.base_serial
            if state is not None and base is not None and state.serial != base:
                return (
                    f"{state.source} is at serial {state.serial}, not the {base} the drift run "
                    "compared: run drift detection again"
                )
        if action.strategy in ("forget", "recreate", "import") and action.observed is None:
            if snap.exists:
                return f"{action.target.label} exists again since the drift run"
            return None
        if action.observed is None or not snap.exists or snap.attributes is None:
            return f"{action.target.label} no longer exists" if action.observed else None
        changes = compare_maps(action.target.type, action.observed, snap.attributes)
        if changes:
            paths = ", ".join(c.path for c in changes[:5])
            return f"{action.target.label} changed since the drift run ({paths})"
        return None

    def _apply_one(self, action: RemediationAction) -> None:
        plan, index = self.plan, action.index
        before = self.plan.snapshot[index].attributes or {}
        after: dict[str, Any] | None
        try:
            match action.strategy:
                case "revert":
                    calls, after = self._converge(
                        action, action.desired or {}, action.attributes, before
                    )
                    try:
                        written = self._record_side_effects(action, before, after)
                    except _ActionFailed as e:
                        raise _ActionFailed(
                            f"the calls took effect, but the state was not updated: {e}", calls
                        ) from None
                    plan.record_applied(
                        index,
                        calls=calls,
                        before=_only(before, action.attributes),
                        after=_only(after, action.attributes),
                        state_id=written[0] if written else None,
                        state_serial=written[1] if written else None,
                        cause=self.cause,
                    )
                    return
                case "quarantine":
                    calls, after = self._quarantine(action)
                case "delete":
                    calls, after = self._delete(action), None
                case "accept" | "forget":
                    serial = self._patch_state(action)
                    plan.record_applied(
                        index,
                        calls=[],
                        before=_only(before, action.attributes),
                        after=(action.state_patch.attributes if action.state_patch else None),
                        state_id=action.state_patch.state_id if action.state_patch else None,
                        state_serial=serial,
                        cause=self.cause,
                    )
                    return
                case "recreate":
                    calls, after = self._recreate(action), None
                case _:  # import: the plan's code is the outcome; nothing changes here
                    calls, after = [], None
        except _ActionFailed as e:
            plan.record_failed(index, error=str(e), calls=e.calls, cause=self.cause)
            return
        plan.record_applied(
            index,
            calls=calls,
            before=_only(before, action.attributes),
            after=_only(after, action.attributes),
            cause=self.cause,
        )

    def _converge(
        self,
        action: RemediationAction,
        desired: dict[str, Any],
        attributes: list[str],
        before: dict[str, Any] | None = None,
    ) -> tuple[list[ApiCall], dict[str, Any]]:
        """Make ``attributes`` of the target what ``desired`` says, from how it is *now*, and
        check that they are. ``before`` is the target at the snapshot, when applying."""
        target = action.target
        now = self._observe_one(target, [])
        remediator = self._remediator(target)
        if before is not None:
            # What matched the state at the snapshot and no longer does was disturbed by an
            # attempt of ours that was lost in a crash (an instance stopped to resize and never
            # started again): restore it too.
            attributes = attributes + [
                name
                for name, value in desired.items()
                if name not in attributes
                and before.get(name) == value
                and now.get(name) != value
                and remediator.revertible(target.type, [name])
            ]
        try:
            calls = remediator.revert_calls(target, desired, now, attributes)
        except _ACTION_ERRORS as e:
            raise _ActionFailed(str(e), []) from None
        self._run_calls(action, calls)
        after = self._observe_one(target, calls)
        left = compare_maps(target.type, desired, after, only=attributes)
        if left:
            paths = ", ".join(c.path for c in left[:5])
            raise _ActionFailed(f"{target.label} still differs after the calls: {paths}", calls)
        return calls, after

    def _quarantine(self, action: RemediationAction) -> tuple[list[ApiCall], dict[str, Any]]:
        target = action.target
        now = self._observe_one(target, [])
        try:
            calls, _ = self._remediator(target).quarantine_calls(target, now, str(self.plan.id))
        except _ACTION_ERRORS as e:
            raise _ActionFailed(str(e), []) from None
        self._run_calls(action, calls)
        return calls, self._observe_one(target, calls)

    def _delete(self, action: RemediationAction) -> list[ApiCall]:
        # Planned from the target as it is now, not as the plan saw it: after a crash the
        # object may be half deleted (rules revoked) or gone, which counts as done.
        target = action.target
        now = self._observe_one(target, [], missing_ok=True)
        if now is None:
            return []
        try:
            calls = self._remediator(target).delete_calls(target, now)
        except _ACTION_ERRORS as e:
            raise _ActionFailed(str(e), []) from None
        return self._run_calls(action, calls)

    def _run_calls(self, action: RemediationAction, calls: list[ApiCall]) -> list[ApiCall]:
        remediator = self._remediator(action.target)
        made: list[ApiCall] = []
        for call in calls:
            try:
                remediator.execute(call)
            except _ACTION_ERRORS as e:
                raise _ActionFailed(str(e), made) from None
            made.append(call)
        return made

    def _recreate(self, action: RemediationAction) -> list[ApiCall]:
        run = action.terraform
        tool = self.backend.terraform
        if run is None or tool is None:
            raise _ActionFailed("terraform is not available to this worker", [])
        try:
            tool.recreate(run.tf_dir, run.address)
        except _ACTION_ERRORS as e:
            raise _ActionFailed(str(e), []) from None
        return []

    def _record_side_effects(
        self, action: RemediationAction, before: dict[str, Any], after: dict[str, Any]
    ) -> tuple[UUID, int | None] | None:
        """Write into the state what the calls changed beyond the reverted attributes (a new
        public IP after a stop and start), as ``terraform apply`` would: the state's id and
        its new serial, or None when nothing needed writing."""
        patch = action.state_patch
        if patch is None or patch.state_id not in self.plan.states:
            return None
        moved = {
            k: v for k, v in after.items() if k not in action.attributes and before.get(k) != v
        }
        if not moved:
            return None
        state_id: UUID = patch.state_id
        expected = self.plan.written_serials.get(state_id, self.plan.states[state_id].serial)

        def update(current: bytes) -> bytes:
            recorded = _attributes_of(current, patch.address)
            values = {k: v for k, v in moved.items() if k in recorded and recorded[k] != v}
            serial = serial_of(current)
            if serial != expected:
                lost = serial is not None and expected is not None and serial == expected + 1
                if lost and not values:  # an attempt that was lost wrote them already
                    raise _AlreadyWritten(current)
                raise StatePatchError(
                    f"{patch.source} is at serial {serial}, not {expected}: it was written "
                    f"since the plan's snapshot; the calls took effect, but the state does not "
                    f"record {', '.join(sorted(moved))} of {patch.address}"
                )
            if not values:
                raise _AlreadyWritten(current)
            return set_attributes(current, patch.address, values)

        try:
            result = self._writer().write(patch.source, update, who=self.cause.actor)
        except _AlreadyWritten as done:
            if serial_of(done.body) == expected:
                return None  # nothing the state records moved
            self._record_state_version(state_id, done.body)
            return state_id, serial_of(done.body)
        except _ACTION_ERRORS as e:
            raise _ActionFailed(str(e), []) from None
        self._record_state_version(state_id, result.after)
        return state_id, serial_of(result.after)

    def _patch_state(self, action: RemediationAction) -> int | None:
        patch = action.state_patch
        assert patch is not None
        state_id: UUID = patch.state_id
        expected = self.plan.written_serials.get(state_id, self.plan.states[state_id].serial)

        def update(current: bytes) -> bytes:
            serial = serial_of(current)
            if serial != expected:
                lost = serial is not None and expected is not None and serial == expected + 1
                if lost and _reflects(current, patch.address, patch.op, patch.attributes):
                    raise _AlreadyWritten(current)
                raise StatePatchError(
                    f"{patch.source} is at serial {serial}, not {expected}: it was written "
                    "since the plan's snapshot; nothing was changed"
                )
            if patch.op == "remove":
                return remove_instance(current, patch.address)
            return set_attributes(current, patch.address, patch.attributes)

        try:
            result = self._writer().write(patch.source, update, who=self.cause.actor)
        except _AlreadyWritten as done:
            self._record_state_version(state_id, done.body)
            return serial_of(done.body)
        except _ACTION_ERRORS as e:
            raise _ActionFailed(str(e), []) from None
        self._record_state_version(state_id, result.after)
        return serial_of(result.after)

    # --- rollback --------------------------------------------------------------------------

    def rollback(self) -> None:
        plan = self.plan
        # The targets' values before the apply, from the plan replayed to its snapshot.
        at_snapshot = self.backend.app.get(RemediationPlan, plan.id, version=plan.snapshot_version)
        restored: set[UUID] = set()
        for action in plan.rollback_pending():
            if self.cancel.is_set() or plan.rollback_should_stop():
                break
            snap = at_snapshot.snapshot[action.index]
            try:
                self._compensate(action, snap, restored)
            except _ActionFailed as e:
                plan.record_rollback_failed(
                    action.index, error=str(e), calls=e.calls, cause=self.cause
                )
            self.backend.app.record(plan)

    def _compensate(
        self, action: RemediationAction, snap: ActionSnapshot, restored: set[UUID]
    ) -> None:
        plan, index = self.plan, action.index
        if not action.reversible:
            plan.record_rolled_back(
                index,
                calls=[],
                before=None,
                after=None,
                skipped=True,
                reason=f"{action.strategy} cannot be undone",
                cause=self.cause,
            )
            return
        match action.strategy:
            case "revert" | "quarantine":
                outcome = plan.outcomes[index]
                now = self._observe_one(action.target, [])
                moved = compare_maps(
                    action.target.type, outcome.after or {}, now, only=action.attributes
                )
                if moved:
                    paths = ", ".join(c.path for c in moved[:5])
                    raise _ActionFailed(
                        f"{action.target.label} changed since the apply ({paths}): not rolled back",
                        [],
                    )
                calls, after = self._converge(action, snap.attributes or {}, action.attributes)
                plan.record_rolled_back(
                    index,
                    calls=calls,
                    before=_only(now, action.attributes),
                    after=_only(after, action.attributes),
                    cause=self.cause,
                )
            case "accept" | "forget":
                assert action.state_patch is not None
                state_id: UUID = action.state_patch.state_id
                if state_id in restored:
                    plan.record_rolled_back(
                        index,
                        calls=[],
                        before=None,
                        after=None,
                        reason="its state was restored with a later action",
                        cause=self.cause,
                    )
                    return
                serial = self._restore_state(state_id)
                restored.add(state_id)
                plan.record_rolled_back(
                    index,
                    calls=[],
                    before=None,
                    after=None,
                    state_id=state_id,
                    state_serial=serial,
                    cause=self.cause,
                )
            case _:
                plan.record_rolled_back(
                    index,
                    calls=[],
                    before=None,
                    after=None,
                    skipped=True,
                    reason="nothing was changed",
                    cause=self.cause,
                )

    def _restore_state(self, state_id: UUID) -> int | None:
        snapshot = self.plan.states[state_id]
        ours = self.plan.written_serials.get(state_id)
        content = self.backend.blobs.get(snapshot.content_sha256)

        def update(current: bytes) -> bytes:
            serial = serial_of(current)
            if serial != ours:
                raise StatePatchError(
                    f"{snapshot.source} is at serial {serial}; driftmgr wrote {ours}: "
                    "someone wrote it since, so it is not rolled back over their change"
                )
            return restore(content, current)

        try:
            result = self._writer().write(snapshot.source, update, who=self.cause.actor)
        except _ACTION_ERRORS as e:
            raise _ActionFailed(str(e), []) from None
        self._record_state_version(state_id, result.after)
        return serial_of(result.after)

    # --- shared ----------------------------------------------------------------------------

    def _observe(self, targets: list[Target]) -> dict[Target, Observation]:
        found: dict[Target, Observation] = {}
        by_provider: dict[str, list[Target]] = {}
        for target in targets:
            by_provider.setdefault(target.provider, []).append(target)
        for name, group in by_provider.items():
            found.update(observe(self.backend.providers.get(name), group))
        return found

    @overload
    def _observe_one(self, target: Target, calls: list[ApiCall]) -> dict[str, Any]: ...

    @overload
    def _observe_one(
        self, target: Target, calls: list[ApiCall], *, missing_ok: Literal[True]
    ) -> dict[str, Any] | None: ...

    def _observe_one(
        self, target: Target, calls: list[ApiCall], *, missing_ok: bool = False
    ) -> dict[str, Any] | None:
        seen = self._observe([target])[target]
        if seen.unobserved is not None:
            raise _ActionFailed(f"could not observe {target.label}: {seen.unobserved}", calls)
        if seen.live is None:
            if missing_ok:
                return None
            raise _ActionFailed(f"{target.label} does not exist", calls)
        return dict(seen.live.attributes)

    def _remediator(self, target: Target) -> Remediator:
        try:
            return self.backend.remediators[target.provider]
        except KeyError:
            raise _ActionFailed(
                f"driftmgr cannot remediate {target.provider} resources", []
            ) from None

    def _writer(self) -> StateWriter:
        if self.backend.state_writer is None:
            raise _ActionFailed("this worker cannot write Terraform state", [])
        return self.backend.state_writer

    def _record_state_version(self, state_id: UUID, body: bytes) -> None:
        state = self.backend.app.get(StateFile, state_id)
        prepared = PreparedState(
            source=StateObject(uri=state.source, backend=state.backend, workspace=state.workspace),
            body=body,
            parsed=parse_state(body),
        )
        staged = stage_import(self.backend, prepared, self.cause)
        self.backend.app.record(*staged.aggregates)


def _snapshot_of(index: int, seen: Observation) -> ActionSnapshot:
    if seen.unobserved is not None:
        return ActionSnapshot(index=index, exists=False, unobserved=seen.unobserved)
    if seen.live is None:
        return ActionSnapshot(index=index, exists=False)
    return ActionSnapshot(index=index, exists=True, attributes=dict(seen.live.attributes))


def _only(values: dict[str, Any] | None, names: list[str]) -> dict[str, Any] | None:
    if values is None:
        return None
    return {name: values.get(name) for name in names}


def _attributes_of(document: bytes, address: str) -> dict[str, Any]:
    found = {r.address: r for r in parse_state(document).managed}
    resource = found.get(address)
    return dict(resource.attributes) if resource is not None else {}


def _reflects(document: bytes, address: str, op: str, attributes: dict[str, Any]) -> bool:
    """Whether ``document`` already holds this patch (written by an attempt that was lost)."""
    found = {r.address: r for r in parse_state(document).managed}
    if op == "remove":
        return address not in found
    resource = found.get(address)
    return resource is not None and all(
        resource.attributes.get(k) == v for k, v in attributes.items()
    )
