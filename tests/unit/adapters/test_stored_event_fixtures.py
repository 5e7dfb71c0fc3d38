"""Stored events from earlier versions keep decoding: one fixture per event class and version.

``tests/data/events/*.json`` hold what the mapper stored for an event (topic and state JSON,
before compression and encryption), captured by ``tests/data/events/capture.py`` from real
commands. Each must decode through :class:`MsgspecMapper` to its class, with every field
typed, and encode back to the same state (upcast first, for an older ``class_version``).
A new event class, or a new version of one, fails here until its fixture is captured
(ADR 0015).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from eventsourcing.utils import resolve_topic

from driftmgr.adapters.eventstore.mapper import MsgspecMapper
from driftmgr.domain.catalogue import event_classes

EVENTS = Path(__file__).resolve().parents[2] / "data" / "events"
FIXTURES = sorted(EVENTS.glob("*.json"))
MAPPER = MsgspecMapper(transcoder=JSONTranscoder())  # no compressor, no cipher


def fixture_name(event_class: type) -> str:
    module = event_class.__module__.rsplit(".", 1)[-1]
    version = getattr(event_class, "class_version", 1)
    return f"{module}.{event_class.__qualname__}.v{version}.json"


def _load(path: Path) -> tuple[dict[str, Any], Any]:
    fixture = json.loads(path.read_text())
    stored = StoredEvent(
        originator_id=UUID(fixture["originator_id"]),
        originator_version=fixture["originator_version"],
        topic=fixture["topic"],
        state=msgspec.json.encode(fixture["state"]),
    )
    return fixture, MAPPER.to_domain_event(stored)


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) >= len(event_classes())


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_a_stored_event_decodes_to_its_class_with_typed_fields(path: Path) -> None:
    fixture, event = _load(path)
    event_class = resolve_topic(fixture["topic"])
    assert type(event) is event_class
    assert event.originator_id == UUID(fixture["originator_id"])
    assert event.originator_version == fixture["originator_version"]
    assert isinstance(event.timestamp, datetime) and event.timestamp.tzinfo is not None
    assert isinstance(event.correlation_id, UUID)
    assert event.actor == fixture["state"]["actor"]

    again = json.loads(MAPPER.to_stored_event(event).state)
    stored_version = fixture["state"].get("class_version", 1)
    if stored_version == getattr(event_class, "class_version", 1):
        assert again == fixture["state"]  # every field, with its value, and nothing else
    else:  # recorded by an older version of the class: upcast to today's shape
        current = EVENTS / fixture_name(event_class)
        expected_fields = set(json.loads(current.read_text())["state"])
        assert set(again) == expected_fields


def test_every_event_class_has_a_fixture_of_its_current_version() -> None:
    missing = [fixture_name(c) for c in event_classes() if not (EVENTS / fixture_name(c)).exists()]
    assert not missing, (
        f"no stored-event fixture for {missing}: run .venv/bin/python "
        "tests/data/events/capture.py and commit the new files"
    )


def test_an_upcast_plan_keeps_what_the_old_one_said() -> None:
    _, event = _load(EVENTS / "remediation_plan.RemediationPlan.Planned.v1.json")
    (action,) = event.actions
    assert (action.strategy, action.target.id, action.target.type) == ("revert", "vpc-1", "aws_vpc")
    assert event.requires_approval is True
    assert [c.path for c in action.changes] == ["tags.Owner"]
