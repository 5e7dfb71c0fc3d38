"""The event log's hash chain and signed checkpoints, on real SQLite files and PostgreSQL.

Events are recorded through the application; the damage is done with plain SQL, as someone
with write access to the database would; ``verify_store`` reads the raw rows back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from uuid import uuid4

import msgspec
import pytest
import sqlalchemy as sa
from eventsourcing.utils import Environment, EnvType

from driftmgr.adapters.eventstore.chain import (
    CHAIN_TABLE,
    CHECKPOINT_TABLE,
    GENESIS,
    LoggedEvent,
    Verdict,
    checkpoint_key,
    has_chain,
    link_hash,
    originator_text,
    verify_store,
)
from driftmgr.adapters.eventstore.config import create_sql_engine
from driftmgr.commands.application import DriftmgrApplication
from driftmgr.domain.base import Cause
from driftmgr.domain.drift_run import DriftRun
from driftmgr.settings import Settings

CAUSE = Cause(actor="alice@example")
INTERVAL = 4  # checkpoints at events 4 and 8 of 10


@pytest.fixture
def settings(store_settings: Settings) -> Settings:
    return msgspec.structs.replace(store_settings, audit_checkpoint_interval=INTERVAL)


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    engine = create_sql_engine(settings, database="events")
    yield engine
    engine.dispose()


def table(settings: Settings) -> tuple[str, str]:
    return (
        ("driftmgr_events", "notification_id")
        if settings.is_postgres
        else ("stored_events", "rowid")
    )


class BeforeTheChain(DriftmgrApplication):
    """The application as it was before the chain: the library's own recorders."""

    name = "driftmgr"  # the library names a subclass after itself, and its tables so

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        env = dict(env or {})
        chained = env["PERSISTENCE_MODULE"]
        env["PERSISTENCE_MODULE"] = (
            "eventsourcing.postgres" if "Postgres" in chained else "eventsourcing.sqlite"
        )
        return super().construct_env(name, env)


def record_runs(
    settings: Settings, runs: int, app_class: type[DriftmgrApplication] = DriftmgrApplication
) -> tuple[int, str | None]:
    """Record ``runs`` drift runs (two events each, one transaction each); the head
    position, and the store's key."""
    with app_class(settings) as app:
        for _ in range(runs):
            run = DriftRun.request(
                state_ids=[uuid4()],
                provider="aws",
                regions=["eu-west-1"],
                resource_types=None,
                cause=CAUSE,
            )
            run.start(worker="w1", cause=CAUSE)
            app.record(run)
        return app.position(), app.store_key.key


@pytest.fixture
def recorded(settings: Settings) -> str | None:
    position, store_key = record_runs(settings, 5)
    assert position == 10
    return store_key


def check(settings: Settings, engine: sa.Engine, store_key: str | None) -> Verdict:
    events, column = table(settings)
    with engine.connect() as conn:
        return verify_store(
            conn,
            events_table=events,
            position_column=column,
            key=checkpoint_key(settings.audit_key, store_key),
        )


def sql(engine: sa.Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def state_at(settings: Settings, engine: sa.Engine, position: int) -> bytes:
    events, column = table(settings)
    with engine.connect() as conn:
        state = conn.execute(
            sa.text(f"SELECT state FROM {events} WHERE {column} = :p"), {"p": position}
        ).scalar_one()
    return bytes(state)


def set_state(settings: Settings, engine: sa.Engine, position: int, state: bytes) -> None:
    events, column = table(settings)
    sql(engine, f"UPDATE {events} SET state = :s WHERE {column} = :p", s=state, p=position)


def test_an_untouched_log_verifies(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    verdict = check(settings, engine, recorded)
    assert verdict.ok, verdict.summary()
    assert (verdict.events, verdict.head_position, verdict.last_checkpoint) == (10, 10, 8)
    assert verdict.signatures_checked
    assert verdict.summary() == "10 events verified, chain intact, last checkpoint at 8"


def test_one_changed_byte_breaks_the_chain_at_its_event(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    state = bytearray(state_at(settings, engine, 6))
    state[len(state) // 2] ^= 0x01
    set_state(settings, engine, 6, bytes(state))

    verdict = check(settings, engine, recorded)
    assert (verdict.broken_at, verdict.problem, verdict.events) == (6, "changed", 5)


def test_a_deleted_event_is_named(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    events, column = table(settings)
    sql(engine, f"DELETE FROM {events} WHERE {column} = 3")
    verdict = check(settings, engine, recorded)
    assert (verdict.broken_at, verdict.problem) == (3, "missing")


def test_an_event_deleted_with_its_chain_entry_leaves_a_gap(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    events, column = table(settings)
    sql(engine, f"DELETE FROM {events} WHERE {column} = 3")
    sql(engine, f"DELETE FROM {CHAIN_TABLE} WHERE position = 3")
    verdict = check(settings, engine, recorded)
    assert (verdict.broken_at, verdict.problem) == (4, "gap")


def test_swapped_states_are_caught_at_the_first_of_the_two(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    second, seventh = state_at(settings, engine, 2), state_at(settings, engine, 7)
    set_state(settings, engine, 2, seventh)
    set_state(settings, engine, 7, second)
    verdict = check(settings, engine, recorded)
    assert (verdict.broken_at, verdict.problem) == (2, "swapped")
    assert "position 7" in (verdict.detail or "")


def test_a_cut_tail_is_caught_by_the_chain_or_by_a_checkpoint(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    events, column = table(settings)
    sql(engine, f"DELETE FROM {events} WHERE {column} > 6")
    verdict = check(settings, engine, recorded)
    assert (verdict.broken_at, verdict.problem) == (7, "missing")  # the chain still has them

    sql(engine, f"DELETE FROM {CHAIN_TABLE} WHERE position > 6")
    verdict = check(settings, engine, recorded)
    assert (verdict.broken_at, verdict.problem) == (8, "truncated")  # checkpoint 8 vouches


def test_what_is_not_caught_events_after_the_last_checkpoint_removed_with_their_chain(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    """Documented in ADR 0014: the tail after the last checkpoint is only chained, not
    signed, so whoever can write the database can cut it (or rewrite it) consistently."""
    events, column = table(settings)
    sql(engine, f"DELETE FROM {events} WHERE {column} > 8")
    sql(engine, f"DELETE FROM {CHAIN_TABLE} WHERE position > 8")
    verdict = check(settings, engine, recorded)
    assert verdict.ok and verdict.events == 8


def test_a_chain_recomputed_without_the_key_fails_at_its_checkpoint(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    """Rewrite event 2 and recompute every link after it, as an attacker without the key
    could: the first checkpoint no longer matches the chain."""
    events, column = table(settings)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT e.{column}, e.originator_id, e.originator_version, e.topic, e.state, "
                f"c.due FROM {events} e JOIN {CHAIN_TABLE} c ON c.position = e.{column} "
                f"ORDER BY e.{column}"
            )
        ).fetchall()
    forged = bytearray(bytes(rows[1][4]))
    forged[-1] ^= 0xFF
    set_state(settings, engine, 2, bytes(forged))
    previous = GENESIS
    for row in rows:
        state = bytes(forged) if row[0] == 2 else bytes(row[4])
        event = LoggedEvent(row[0], originator_text(row[1]), row[2], row[3], state)
        digest = hashlib.sha256(state).digest()
        previous = link_hash(previous, event, digest, row[5])
        sql(
            engine,
            f"UPDATE {CHAIN_TABLE} SET hash = :h, state_digest = :d WHERE position = :p",
            h=previous,
            d=digest,
            p=row[0],
        )
    verdict = check(settings, engine, recorded)
    assert (verdict.broken_at, verdict.problem) == (4, "checkpoint-mismatch")


def test_a_checkpoint_signed_with_another_key_is_refused(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    other = msgspec.structs.replace(settings, audit_key="x" * 40)
    verdict = check(other, engine, recorded)
    assert (verdict.broken_at, verdict.problem) == (4, "bad-signature")


def test_a_store_without_a_chain_is_backfilled_when_opened(
    settings: Settings, engine: sa.Engine, recorded: str | None
) -> None:
    """A store written before the chain existed: its events get their links (and
    checkpoints) in one transaction the next time it is opened."""
    sql(engine, f"DELETE FROM {CHECKPOINT_TABLE}")
    sql(engine, f"DELETE FROM {CHAIN_TABLE}")
    assert not check(settings, engine, recorded).ok

    position, _ = record_runs(settings, 1)
    assert position == 12
    verdict = check(settings, engine, recorded)
    assert verdict.ok, verdict.summary()
    assert (verdict.events, verdict.last_checkpoint) == (12, 12)


def test_concurrent_writers_keep_one_chain(settings: Settings, engine: sa.Engine) -> None:
    """Two applications (two connection pools) writing at once: the writers' lock orders
    their transactions, and each reads the link the other just wrote."""
    from concurrent.futures import ThreadPoolExecutor

    record_runs(settings, 1)  # create the store (and its key) before the race
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: record_runs(settings, 15), range(2)))
    verdict = check(settings, engine, results[0][1])
    assert verdict.ok, verdict.summary()
    assert verdict.events == 62 and verdict.last_checkpoint == 60


def test_a_store_from_before_the_chain_is_chained_when_first_opened(
    settings: Settings, engine: sa.Engine
) -> None:
    record_runs(settings, 3, BeforeTheChain)
    with engine.connect() as conn:
        assert not has_chain(conn)

    position, store_key = record_runs(settings, 1)
    assert position == 8
    verdict = check(settings, engine, store_key)
    assert verdict.ok, verdict.summary()
    assert (verdict.events, verdict.last_checkpoint) == (8, 8)
