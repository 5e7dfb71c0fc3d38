"""One line per recorded event, in the domain's words: "alice approved remediation plan …".

Pure: works on an event's (already redacted) payload as plain data, so it never sees more
than the audit log shows. Events without their own rule get a generic line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["short_id", "summarise"]

Payload = Mapping[str, Any]
_Rule = Callable[[str, Payload], str]
"""(the aggregate's short id, the payload) → what happened, without the actor."""

_MAX = 200


def short_id(value: Any) -> str:
    """The first 8 characters of an id, enough to tell aggregates apart in a line."""
    text = str(value)
    return f"{text[:8]}…" if len(text) > 8 else text


def _why(text: Any) -> str:
    return f": {_one_line(str(text))}" if text else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _runs(kind: str) -> dict[str, _Rule]:
    """Rules shared by every kind of run (``Run.Started`` … recorded on each)."""
    return {
        "Started": lambda i, p: (
            f"started {kind} {i} (attempt {p.get('attempt', '?')} on {p.get('worker', '?')})"
        ),
        "Failed": lambda i, p: (
            f"recorded that {kind} {i} failed{_why(p.get('error'))}"
            + ("; it will be retried" if p.get("retry_at") else "")
            + (f"; dead-lettered: {_one_line(str(p['gave_up']))}" if p.get("gave_up") else "")
        ),
        "Requeued": lambda i, p: f"gave dead-lettered {kind} {i} one more attempt",
        "Cancelled": lambda i, p: f"cancelled {kind} {i}",
        "Completed": lambda i, p: f"completed {kind} {i}",
    }


def _state_imported(i: str, p: Payload) -> str:
    version = p.get("version") or {}
    flags = p.get("flags") or []
    line = (
        f"imported serial {version.get('serial')} of state {i} "
        f"({_plural(int(version.get('resource_count') or 0), 'resource')})"
    )
    return line + (f"; flags: {', '.join(map(str, flags))}" if flags else "")


def _every(seconds: Any) -> str:
    value = float(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{int(value // size)}{unit}"
    return f"{value:g}s"


def _drift_requested(i: str, p: Payload) -> str:
    states = len(p.get("state_ids") or [])
    regions = ", ".join(p.get("regions") or []) or "every region"
    return (
        f"requested drift run {i} of {_plural(states, 'state')} on {p.get('provider')} ({regions})"
    )


def _drift_completed(i: str, p: Payload) -> str:
    summary = p.get("summary") or {}
    kinds = ("modified", "missing", "unmanaged", "unobserved")
    counts = ", ".join(f"{summary[k]} {k}" for k in kinds if k in summary)
    return f"completed drift run {i}" + (f": {counts}" if counts else "")


def _planned(i: str, p: Payload) -> str:
    actions = len(p.get("actions") or [])
    approval = "needs approval" if p.get("requires_approval") else "no approval needed"
    return (
        f"planned remediation plan {i} for drift run {short_id(p.get('drift_run_id'))}: "
        f"{_plural(actions, 'action')} ({approval})"
    )


def _action(verb: str) -> _Rule:
    def rule(i: str, p: Payload) -> str:
        detail = p.get("error") or p.get("reason")
        return f"{verb} action {p.get('index')} of remediation plan {i}{_why(detail)}"

    return rule


_RULES: dict[str, dict[str, _Rule]] = {
    "StateFile": {
        "Tracked": lambda i, p: f"started tracking state {i} ({p.get('source')})",
        "Retracked": lambda i, p: f"tracked state {i} again ({p.get('source')})",
        "Imported": _state_imported,
        "Analyzed": lambda i, p: f"recorded the analysis of state {i}",
        "Untracked": lambda i, p: f"stopped tracking state {i}{_why(p.get('reason'))}",
    },
    "ApiToken": {
        "Issued": lambda i, p: (
            f"issued API token {p.get('name')!s} ({i}) with role {p.get('role')}"
        ),
        "Revoked": lambda i, p: f"revoked API token {i}{_why(p.get('reason'))}",
    },
    "TokenName": {
        "Registered": lambda i, p: f"registered the token name {p.get('name')}",
        "Claimed": lambda i, p: f"gave a token name to token {short_id(p.get('token_id'))}",
        "Released": lambda i, p: f"released a token name from token {short_id(p.get('token_id'))}",
    },
    "RemediationPlan": {
        "Planned": _planned,
        "Approved": lambda i, p: f"approved remediation plan {i}{_why(p.get('reason'))}",
        "Rejected": lambda i, p: f"rejected remediation plan {i}{_why(p.get('reason'))}",
        "ApplyRequested": lambda i, p: (
            f"asked to apply remediation plan {i}"
            + (" (continuing on errors)" if p.get("continue_on_error") else "")
        ),
        "SnapshotTaken": lambda i, p: (
            f"took the snapshot of remediation plan {i}: "
            f"{_plural(len(p.get('targets') or []), 'target')}, "
            f"{_plural(len(p.get('states') or []), 'state')}"
        ),
        "ActionApplied": _action("applied"),
        "ActionFailed": _action("failed to apply"),
        "ActionAborted": _action("aborted"),
        "ApplyFinished": lambda i, p: f"finished applying remediation plan {i}: {p.get('status')}",
        "RollbackRequested": lambda i, p: f"asked to roll back remediation plan {i}",
        "ActionRolledBack": lambda i, p: (
            f"{'skipped rolling back' if p.get('skipped') else 'rolled back'} action "
            f"{p.get('index')} of remediation plan {i}{_why(p.get('reason'))}"
        ),
        "RollbackActionFailed": _action("failed to roll back"),
        "RollbackFinished": lambda i, p: (
            f"finished rolling back remediation plan {i}: {p.get('status')}"
        ),
    },
    "DriftRun": {
        **_runs("drift run"),
        "Requested": _drift_requested,
        "InventoryTaken": lambda i, p: (
            f"took the inventory of drift run {i} (discovery {short_id(p.get('discovery_run_id'))})"
        ),
        "InventoryReused": lambda i, p: (
            f"reused {_plural(len(p.get('scans') or []), 'cached listing')} for drift run {i}"
        ),
        "Completed": _drift_completed,
    },
    "DiscoveryRun": {
        **_runs("discovery"),
        "Requested": lambda i, p: (
            f"requested discovery {i} on {p.get('provider')} "
            f"({', '.join(p.get('regions') or []) or 'every region'})"
        ),
        "ServiceScanned": lambda i, p: (
            f"listed {p.get('resource_type')} in {p.get('region')} for discovery {i}: "
            f"{_plural(int(p.get('resource_count') or 0), 'resource')}"
        ),
        "ServiceUnobserved": lambda i, p: (
            f"could not list {p.get('resource_type')} in {p.get('region')} for discovery {i}"
            f"{_why(p.get('reason'))}"
        ),
    },
    "RemediationRun": {
        **_runs("remediation job"),
        "Requested": lambda i, p: (
            f"queued remediation job {i} ({p.get('mode')}) for plan {short_id(p.get('plan_id'))}"
        ),
    },
    "StateAnalysisRun": {
        **_runs("state analysis job"),
        "Requested": lambda i, p: (
            f"queued state analysis job {i} for state {short_id(p.get('state_id'))} "
            f"({_plural(int(p.get('resource_count') or 0), 'resource')})"
        ),
        "Completed": lambda i, p: f"completed state analysis job {i}{_why(p.get('outcome'))}",
    },
    "Schedule": {
        "Created": lambda i, p: (
            f"scheduled a drift run on {(p.get('command') or {}).get('provider')} "
            f"every {_every(p.get('every_seconds'))} ({i})"
        ),
        "Fired": lambda i, p: (
            f"fired period {p.get('period')} of schedule {i}: "
            + (
                f"drift run {short_id(p.get('drift_run_id'))}"
                if p.get("drift_run_id")
                else f"no run{_why(p.get('error'))}"
            )
        ),
        "Removed": lambda i, p: f"removed schedule {i}",
    },
    "CancellationRequest": {
        "Requested": lambda i, p: f"asked to cancel run {short_id(p.get('run_id'))}",
    },
    "Workflow": {
        "Started": lambda i, p: f"started workflow {i} ({_one_line(str(p.get('name')))})",
        "StepStarted": lambda i, p: (
            f"started the {p.get('step')} step of workflow {i}"
            + (
                f": {short_id(p.get('run_id') or p.get('plan_id'))}"
                if p.get("run_id") or p.get("plan_id")
                else ""
            )
        ),
        "StepCompleted": lambda i, p: (
            f"completed the {p.get('step')} step of workflow {i}{_why(p.get('outcome'))}"
        ),
        "StepSkipped": lambda i, p: (
            f"skipped the {p.get('step')} step of workflow {i}{_why(p.get('reason'))}"
        ),
        "WaitingForApproval": lambda i, p: (
            f"workflow {i} waits for plan {short_id(p.get('plan_id'))} to be approved"
        ),
        "Completed": lambda i, p: f"completed workflow {i}",
        "Failed": lambda i, p: f"workflow {i} failed{_why(p.get('reason'))}",
    },
}


def summarise(
    actor: str, aggregate_type: str, aggregate_id: Any, event_type: str, payload: Payload
) -> str:
    """One line saying who did what: ``alice approved remediation plan 1234abcd…: ok``."""
    ident = short_id(aggregate_id)
    rule = _RULES.get(aggregate_type, {}).get(event_type)
    what = None
    if rule is not None:
        try:
            what = rule(ident, payload)
        except (TypeError, ValueError, AttributeError):
            what = None  # a payload of an older shape: the generic line below
    if what is None:
        what = f"recorded {aggregate_type}.{event_type} on {ident}"
    line = _one_line(f"{actor} {what}")
    return line if len(line) <= _MAX else line[: _MAX - 1] + "…"
