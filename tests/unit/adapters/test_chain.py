"""The hash chain's pure logic: extend a chain, verify it, find the first damage."""

from __future__ import annotations

import dataclasses
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from driftmgr.adapters.eventstore.chain import (
    Checkpoint,
    Link,
    LoggedEvent,
    extend,
    verify,
)

KEY = b"k" * 32
ORIGINATOR = UUID(int=7).hex


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[LoggedEvent], int]:
    """Events with rising positions (gaps allowed, as PostgreSQL's sequence leaves) and a
    checkpoint interval."""
    states = draw(st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=25))
    steps = draw(st.lists(st.integers(1, 3), min_size=len(states), max_size=len(states)))
    position, events = 0, []
    for version, (state, step) in enumerate(zip(states, steps, strict=True), start=1):
        position += step
        events.append(LoggedEvent(position, ORIGINATOR, version, "m:Event", state))
    return events, draw(st.integers(1, 6))


def chained(events: list[LoggedEvent], interval: int) -> tuple[list[Link], list[Checkpoint]]:
    links, marks, _ = extend(None, events, interval=interval, key=KEY)
    return links, marks


@given(logs())
def test_an_untouched_chain_verifies(log: tuple[list[LoggedEvent], int]) -> None:
    events, interval = log
    links, marks = chained(events, interval)
    verdict = verify(events, links, marks, key=KEY)
    assert verdict.ok, verdict.summary()
    assert verdict.events == len(events)
    assert verdict.head_position == events[-1].position
    assert verdict.last_checkpoint == (marks[-1].position if marks else None)
    assert len(marks) == len(events) // interval


@given(logs(), st.data())
def test_any_single_byte_change_in_a_state_is_caught_at_its_position(
    log: tuple[list[LoggedEvent], int], data: st.DataObject
) -> None:
    events, interval = log
    links, marks = chained(events, interval)
    index = data.draw(st.integers(0, len(events) - 1))
    state = bytearray(events[index].state)
    offset = data.draw(st.integers(0, len(state) - 1))
    state[offset] ^= data.draw(st.integers(1, 255))
    tampered = list(events)
    tampered[index] = dataclasses.replace(events[index], state=bytes(state))

    verdict = verify(tampered, links, marks, key=KEY)
    assert (verdict.broken_at, verdict.problem) == (events[index].position, "changed")
    assert verdict.events == index


@given(logs(), st.data())
def test_any_single_byte_change_in_a_stored_hash_is_caught_at_its_position(
    log: tuple[list[LoggedEvent], int], data: st.DataObject
) -> None:
    events, interval = log
    links, marks = chained(events, interval)
    index = data.draw(st.integers(0, len(links) - 1))
    digest = bytearray(links[index].hash)
    digest[data.draw(st.integers(0, 31))] ^= data.draw(st.integers(1, 255))
    links[index] = dataclasses.replace(links[index], hash=bytes(digest))

    verdict = verify(events, links, marks, key=KEY)
    assert (verdict.broken_at, verdict.problem) == (events[index].position, "altered")


def test_each_kind_of_damage_is_named() -> None:
    events = [LoggedEvent(p, ORIGINATOR, p, "m:Event", bytes([p]) * 4) for p in range(1, 11)]
    links, marks = chained(events, 4)
    assert [m.position for m in marks] == [4, 8]

    def problem(
        evs: list[LoggedEvent] = events,
        lks: list[Link] = links,
        mks: list[Checkpoint] = marks,
        key: bytes | None = KEY,
    ) -> tuple[int | None, str | None]:
        by_digest = {link.state_digest: link.position for link in links}
        verdict = verify(evs, lks, mks, key=key, locate=by_digest.get)
        return verdict.broken_at, verdict.problem

    assert problem() == (None, None)
    assert problem(evs=events[:4] + events[5:]) == (5, "missing")
    assert problem(evs=events[:4] + events[5:], lks=links[:4] + links[5:]) == (6, "gap")
    assert problem(lks=links[:2] + links[3:]) == (3, "unchained")
    swapped = list(events)
    swapped[1] = dataclasses.replace(events[1], state=events[6].state)
    swapped[6] = dataclasses.replace(events[6], state=events[1].state)
    assert problem(evs=swapped) == (2, "swapped")
    assert problem(evs=events[:6], lks=links[:6]) == (8, "truncated")
    assert problem(evs=events[:9], lks=links[:9]) == (None, None)  # after the last checkpoint
    forged = dataclasses.replace(marks[0], mac=bytes(32))
    assert problem(mks=[forged, marks[1]]) == (4, "bad-signature")
    assert problem(mks=[forged, marks[1]], key=None) == (None, None)  # nothing to check with
    assert problem(mks=[marks[1]]) == (4, "checkpoint-missing")
    assert problem(mks=[marks[1]], key=None) == (4, "checkpoint-missing")
