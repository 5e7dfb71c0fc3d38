"""Tamper evidence for the event log: a hash chain and signed checkpoints (ADR 0014).

Every event gets a *link* in ``driftmgr_event_chain``, written by the recorders
(``recorders.py``) in the transaction that inserts the event::

    hash = SHA-256("driftmgr-chain-v1" ‖ previous hash ‖ position ‖ originator version ‖ due
                   ‖ len ‖ originator id ‖ len ‖ topic ‖ SHA-256(state as stored))

``seq`` numbers the links 1, 2, 3… (positions may skip numbers on PostgreSQL, whose
sequence is not gap-free), so a removed event shows as a hole in ``seq`` even when its link
went too. ``due`` is the ``seq`` at which the next checkpoint is due: a link carries it
unchanged until a checkpoint is written, which sets it ``interval`` further. It is part of
the hash, so the schedule cannot be edited without breaking the chain.

A *checkpoint* (``driftmgr_event_checkpoints``) is an HMAC-SHA256, with the audit key, of
(seq, position, next due, hash) of the link it seals. Whoever can write to the database but
lacks the key can recompute the chain, but not a checkpoint: everything up to the last
checkpoint is authenticated, and since every checkpoint names the next one due, the log
cannot grow past that point without one.

:func:`verify` is pure: it recomputes the chain from the first event and reports the first
position that breaks, and why. :func:`verify_store` feeds it the raw rows of a store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

__all__ = [
    "CHAIN_TABLE",
    "CHECKPOINT_TABLE",
    "GENESIS",
    "Checkpoint",
    "Head",
    "Link",
    "LoggedEvent",
    "Verdict",
    "checkpoint_key",
    "extend",
    "link_hash",
    "originator_text",
    "sign",
    "verify",
    "verify_store",
]

CHAIN_TABLE = "driftmgr_event_chain"
CHECKPOINT_TABLE = "driftmgr_event_checkpoints"
GENESIS = bytes(32)
"""The "previous hash" of the first event."""

_CHAIN_DOMAIN = b"driftmgr-chain-v1\x00"
_CHECKPOINT_DOMAIN = b"driftmgr-checkpoint-v1\x00"
_KEY_DERIVATION = b"driftmgr audit checkpoint key v1"


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One stored event as the database holds it."""

    position: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


@dataclass(frozen=True, slots=True)
class Link:
    """One row of the chain table."""

    position: int
    seq: int
    state_digest: bytes
    due: int
    hash: bytes


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One row of the checkpoint table."""

    position: int
    seq: int
    hash: bytes
    next_due: int
    mac: bytes


@dataclass(frozen=True, slots=True)
class Head:
    """The newest link: what the next event's link is computed from."""

    seq: int
    hash: bytes
    due: int


def originator_text(originator_id: object) -> str:
    """The originator id as the SQLite recorder stores it (UUIDs as 32 hex digits)."""
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def _text(value: str) -> bytes:
    data = value.encode()
    return struct.pack(">I", len(data)) + data


def link_hash(previous: bytes, event: LoggedEvent, state_digest: bytes, due: int) -> bytes:
    """The chain hash of ``event``, following the link whose hash is ``previous``."""
    h = hashlib.sha256(_CHAIN_DOMAIN)
    h.update(previous)
    h.update(struct.pack(">qqq", event.position, event.originator_version, due))
    h.update(_text(event.originator_id))
    h.update(_text(event.topic))
    h.update(state_digest)
    return h.digest()


def sign(key: bytes, seq: int, position: int, next_due: int, chain_hash: bytes) -> bytes:
    message = _CHECKPOINT_DOMAIN + struct.pack(">qqq", seq, position, next_due) + chain_hash
    return hmac.new(key, message, hashlib.sha256).digest()


def checkpoint_key(audit_key: str | None, store_key: str | None) -> bytes | None:
    """The key checkpoints are signed with.

    ``DRIFTMGR_AUDIT_KEY`` when set; else one derived from the store's AES key (so a store
    with a key file signs with no setting); ``None`` for a legacy unencrypted store without
    ``DRIFTMGR_AUDIT_KEY``, which then gets a chain but no checkpoints.
    """
    if audit_key:
        return audit_key.encode()
    if not store_key:
        return None
    try:
        raw = base64.b64decode(store_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = store_key.encode()
    return hmac.new(raw, _KEY_DERIVATION, hashlib.sha256).digest()


def extend(
    head: Head | None, events: Iterable[LoggedEvent], *, interval: int, key: bytes | None
) -> tuple[list[Link], list[Checkpoint], Head]:
    """The links (and checkpoints) of ``events``, appended after ``head``, in order."""
    current = head or Head(seq=0, hash=GENESIS, due=interval)
    links: list[Link] = []
    marks: list[Checkpoint] = []
    for event in events:
        seq = current.seq + 1
        sealed = key is not None and seq >= current.due
        due = seq + interval if sealed else current.due
        digest = hashlib.sha256(event.state).digest()
        chained = link_hash(current.hash, event, digest, due)
        links.append(Link(event.position, seq, digest, due, chained))
        if key is not None and sealed:
            mac = sign(key, seq, event.position, due, chained)
            marks.append(Checkpoint(event.position, seq, chained, due, mac))
        current = Head(seq, chained, due)
    return links, marks, current


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """What :func:`verify` found: an intact log, or the first position that breaks."""

    events: int
    """Events verified (all of them when intact; those before the break otherwise)."""
    head_position: int | None
    head_hash: bytes
    last_checkpoint: int | None
    signatures_checked: bool
    broken_at: int | None = None
    problem: str | None = None
    """changed, swapped, altered, unchained, missing, gap, truncated, checkpoint-missing,
    checkpoint-mismatch or bad-signature."""
    detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def summary(self) -> str:
        if not self.ok:
            return f"log broken at position {self.broken_at}: {self.detail}"
        checkpoint = (
            f"last checkpoint at {self.last_checkpoint}"
            if self.last_checkpoint is not None
            else "no checkpoint yet"
        )
        unsigned = "" if self.signatures_checked else " (no audit key: signatures not checked)"
        return f"{self.events} events verified, chain intact, {checkpoint}{unsigned}"

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_position": self.head_position,
            "head_hash": self.head_hash.hex(),
            "last_checkpoint": self.last_checkpoint,
            "signatures_checked": self.signatures_checked,
            "broken_at": self.broken_at,
            "problem": self.problem,
            "detail": self.detail,
        }


def _merge(
    events: Iterable[LoggedEvent], links: Iterable[Link]
) -> Iterator[tuple[LoggedEvent | None, Link | None]]:
    """Pair events and links by position; both come sorted by position."""
    event_iter, link_iter = iter(events), iter(links)
    event, link = next(event_iter, None), next(link_iter, None)
    while event is not None or link is not None:
        if link is None or (event is not None and event.position < link.position):
            yield event, None
            event = next(event_iter, None)
        elif event is None or link.position < event.position:
            yield None, link
            link = next(link_iter, None)
        else:
            yield event, link
            event, link = next(event_iter, None), next(link_iter, None)


def verify(
    events: Iterable[LoggedEvent],
    links: Iterable[Link],
    checkpoints: Iterable[Checkpoint],
    *,
    key: bytes | None,
    locate: Callable[[bytes], int | None] | None = None,
) -> Verdict:
    """Recompute the chain from the first event and compare it with the stored one.

    ``events`` and ``links`` must be sorted by position. ``locate`` (optional) finds the
    position whose link recorded a given state digest, to name swapped rows.
    """
    marks = {mark.position: mark for mark in checkpoints}
    previous, prev_seq, prev_due = GENESIS, 0, None
    count, head, last_mark = 0, None, None

    def broken(position: int, problem: str, detail: str) -> Verdict:
        return Verdict(count, head, previous, last_mark, key is not None, position, problem, detail)

    for event, link in _merge(events, links):
        if link is None:
            assert event is not None
            return broken(
                event.position,
                "unchained",
                "the event has no chain entry: it was added outside driftmgr, or its entry "
                "was removed",
            )
        if event is None:
            return broken(
                link.position, "missing", "the event was deleted: the chain records it, the log not"
            )
        position = event.position
        if link.seq != prev_seq + 1:
            removed = link.seq - prev_seq - 1
            return broken(
                position,
                "gap",
                f"{removed} event(s) before it were removed together with their chain entries"
                if removed > 0
                else "its chain entry is out of sequence (chain entries were reordered)",
            )
        digest = hashlib.sha256(event.state).digest()
        if link_hash(previous, event, digest, link.due) != link.hash:
            if digest != link.state_digest:
                elsewhere = locate(digest) if locate is not None else None
                if elsewhere is not None and elsewhere != position:
                    return broken(
                        position,
                        "swapped",
                        f"it holds the state recorded for position {elsewhere} (rows swapped "
                        "or copied)",
                    )
                return broken(position, "changed", "its stored bytes were changed")
            return broken(
                position,
                "altered",
                "its originator, version or topic, or its chain entry, was changed",
            )
        mark = marks.pop(position, None)
        if mark is not None:
            if (mark.seq, mark.hash, mark.next_due) != (link.seq, link.hash, link.due) or (
                link.due <= link.seq
            ):
                return broken(
                    position, "checkpoint-mismatch", "its checkpoint does not match the chain"
                )
            if key is not None and not hmac.compare_digest(
                sign(key, mark.seq, position, mark.next_due, mark.hash), mark.mac
            ):
                return broken(
                    position,
                    "bad-signature",
                    "its checkpoint's signature is wrong (forged, or another audit key)",
                )
            last_mark = position
        elif prev_due is not None and link.due != prev_due:
            return broken(
                position,
                "checkpoint-missing",
                "the chain records a checkpoint here and it is missing (removed)",
            )
        elif key is not None and prev_due is not None and link.seq >= prev_due:
            return broken(
                position,
                "checkpoint-missing",
                "a checkpoint was due here and is missing (removed, with the log cut back?)",
            )
        previous, prev_seq, prev_due = link.hash, link.seq, link.due
        count, head = count + 1, position

    if marks:
        first = min(marks)
        if head is None or first > head:
            return broken(
                first,
                "truncated",
                f"a checkpoint vouches for position {first} but the log ends at {head or 0}: "
                "its tail was cut",
            )
        return broken(
            first, "checkpoint-mismatch", "a checkpoint names this position, which the log lacks"
        )
    return Verdict(count, head, previous, last_mark, key is not None)


# --- reading a store ----------------------------------------------------------------------

_PAGE = 1000


def _pages(
    conn: sa.Connection, query: str, stop: int, make: Callable[[Sequence[Any]], Any]
) -> Iterator[Any]:
    after = -1
    while True:
        rows = conn.execute(
            sa.text(query), {"after": after, "stop": stop, "limit": _PAGE}
        ).fetchall()
        for row in rows:
            yield make(row)
        if len(rows) < _PAGE:
            return
        after = rows[-1][0]


def has_chain(conn: sa.Connection) -> bool:
    return sa.inspect(conn).has_table(CHAIN_TABLE)


def verify_store(
    conn: sa.Connection, *, events_table: str, position_column: str, key: bytes | None
) -> Verdict:
    """Verify the log of an events database, reading its raw rows (never decoding them)."""
    # One statement, so one snapshot: rows a writer adds while we read lie beyond ``stop``.
    stop = conn.execute(
        sa.text(
            f"SELECT (SELECT MAX({position_column}) FROM {events_table}), "
            f"(SELECT MAX(position) FROM {CHAIN_TABLE}), "
            f"(SELECT MAX(position) FROM {CHECKPOINT_TABLE})"
        )
    ).one()
    limit = max((value for value in stop if value is not None), default=0)
    events = _pages(
        conn,
        f"SELECT {position_column}, originator_id, originator_version, topic, state "
        f"FROM {events_table} WHERE {position_column} > :after AND {position_column} <= :stop "
        f"ORDER BY {position_column} LIMIT :limit",
        limit,
        lambda r: LoggedEvent(r[0], originator_text(r[1]), r[2], r[3], bytes(r[4])),
    )
    links = _pages(
        conn,
        f"SELECT position, seq, state_digest, due, hash FROM {CHAIN_TABLE} "
        "WHERE position > :after AND position <= :stop ORDER BY position LIMIT :limit",
        limit,
        lambda r: Link(r[0], r[1], bytes(r[2]), r[3], bytes(r[4])),
    )
    marks = _pages(
        conn,
        f"SELECT position, seq, hash, next_due, mac FROM {CHECKPOINT_TABLE} "
        "WHERE position > :after AND position <= :stop ORDER BY position LIMIT :limit",
        limit,
        lambda r: Checkpoint(r[0], r[1], bytes(r[2]), r[3], bytes(r[4])),
    )

    def locate(digest: bytes) -> int | None:
        found = conn.execute(
            sa.text(
                f"SELECT position FROM {CHAIN_TABLE} WHERE state_digest = :digest "
                "ORDER BY position LIMIT 1"
            ),
            {"digest": digest},
        ).scalar()
        return int(found) if found is not None else None

    return verify(events, links, list(marks), key=key, locate=locate)
