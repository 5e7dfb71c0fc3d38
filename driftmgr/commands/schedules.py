"""AddSchedule, RemoveSchedule, and firing a due schedule (the scheduler's command).

A schedule stores the DetectDrift command the CLI would send, minus state content: it
names state *sources* the server reads at every firing (remote URIs, or local paths and
globs under ``DRIFTMGR_STATE_ROOTS``), so each run compares the states as they are then,
not as they were when the schedule was added.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from driftmgr.adapters.providers.base import ProviderError
from driftmgr.adapters.terraform.backends import SourceError
from driftmgr.commands.backend import Backend
from driftmgr.commands.drift import DetectDrift, named_providers, request_drift
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause, DomainError
from driftmgr.domain.drift.ignore import IgnoreRules, IgnoreSyntaxError
from driftmgr.domain.schedule import Schedule, ScheduleRemoved
from driftmgr.errors import CommandError, Conflict, InvalidCommand

__all__ = ["AddSchedule", "RemoveSchedule", "add_schedule", "fire_schedule", "remove_schedule"]


class AddSchedule(msgspec.Struct, frozen=True, kw_only=True):
    every_seconds: float
    """How often to detect drift; the first run is requested at once."""
    detect: DetectDrift
    """What each firing requests. States are sources the server reads (no ``content``)."""


class RemoveSchedule(msgspec.Struct, frozen=True, kw_only=True):
    schedule_id: UUID


def _check_detect(backend: Backend, command: DetectDrift) -> None:
    """Refuse now what every firing would refuse, without reading a state or the cloud."""
    # Without a named provider, each firing scans those its states' resources use.
    providers = [
        backend.providers.get(name, account_roles=command.account_roles)
        for name in named_providers(command)
    ]
    if providers:
        backend.providers.check_types(providers, command.resource_types)
    try:
        IgnoreRules.parse(command.ignore, source="ignore rules")
    except IgnoreSyntaxError as e:
        raise InvalidCommand(str(e)) from None
    if not command.states and not command.state_ids:
        raise InvalidCommand("name at least one Terraform state to compare")
    for state in command.states:
        if state.content is not None:
            raise InvalidCommand(
                f"{state.source}: a schedule reads its states at every run; name a source "
                "the server can read (a URI, or a path under DRIFTMGR_STATE_ROOTS), not content"
            )
        try:
            backend.source_policy.admit(backend.source_policy.parse(state.source))
        except SourceError as e:
            raise InvalidCommand(str(e)) from None


def add_schedule(backend: Backend, command: AddSchedule, cause: Cause) -> Accepted:
    _check_detect(backend, command.detect)
    try:
        schedule = Schedule.create(
            every_seconds=command.every_seconds,
            command=msgspec.to_builtins(command.detect),
            starts_at=backend.clock(),
            cause=cause,
        )
    except DomainError as e:
        raise InvalidCommand(str(e)) from None
    return Accepted(id=schedule.id, position=backend.app.record(schedule))


def remove_schedule(backend: Backend, command: RemoveSchedule, cause: Cause) -> Accepted:
    schedule = backend.app.get(Schedule, command.schedule_id)
    try:
        schedule.remove(cause)
    except ScheduleRemoved as e:
        raise Conflict(str(e)) from None
    return Accepted(id=schedule.id, position=backend.app.record(schedule))


def fire_schedule(backend: Backend, schedule_id: UUID, now: datetime, cause: Cause) -> UUID | None:
    """Fire the schedule's due period, if any; return the period's drift run id, if this
    call recorded it.

    The firing and the drift run are saved in one transaction on the schedule's version:
    when another scheduler fired the period first, saving raises :class:`Conflict` and
    nothing of this call is recorded. A period whose run cannot be requested (a state
    unreadable now) still fires, recording why, so it is neither retried nor repeated.
    """
    schedule = backend.app.get(Schedule, schedule_id)
    period = schedule.due_period(now)
    if period is None:
        return None
    try:
        detect = msgspec.convert(schedule.command, DetectDrift)
        run, staged = request_drift(backend, detect, cause)
    except (CommandError, ProviderError, msgspec.ValidationError) as e:
        schedule.fire(period=period, drift_run_id=None, error=str(e), cause=cause)
        backend.app.record(schedule)
        return None
    schedule.fire(period=period, drift_run_id=run.id, error=None, cause=cause)
    backend.app.record(schedule, *staged, run)
    return run.id
