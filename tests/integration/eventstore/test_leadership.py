"""One process per PostgreSQL database feeds the read models and delivers events (ADR 0019).

Services bootstrapped twice on one database stand for two processes: each has its own
connections, so advisory locks and NOTIFY behave as between processes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from driftmgr.adapters.eventstore.leadership import PostgresLeadership, leadership_for
from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.domain.api_token import ApiToken
from driftmgr.domain.base import Cause
from driftmgr.settings import Settings

pytestmark = pytest.mark.postgres

CAUSE = Cause(actor="tester")


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: object) -> Settings:
    return Settings(database_url=postgres_url, actor="tester")


@pytest.fixture
def pair(pg_settings: Settings) -> Iterator[list[Services]]:
    members = [bootstrap(pg_settings, worker_name=f"p{i}") for i in range(2)]
    yield members
    for services in members:
        services.close()


def issue(services: Services, name: str) -> int:
    return create_token(services.backend, CreateToken(name=name, role="viewer"), CAUSE).position


def wait_views(services: Services, position: int) -> None:
    assert services.projections.progress.wait_beyond(position - 1, 20.0), (
        f"read models stayed at {services.projections.progress.position}, not {position}"
    )


def test_one_holder_of_a_role_at_a_time_and_a_dead_holder_loses_it(
    pg_settings: Settings,
) -> None:
    engine = sa.create_engine(pg_settings.sqlalchemy_url(database="views", driver="pysqlite"))
    first, second = PostgresLeadership(engine, "role"), PostgresLeadership(engine, "role")
    other_role = PostgresLeadership(engine, "another role")
    try:
        assert first.try_acquire()
        assert first.try_acquire(), "a holder keeps its role"
        assert not second.try_acquire()
        assert other_role.try_acquire(), "roles are independent"
        # The holder's connection dies (its process was killed): the role is free. The
        # timeout makes PostgreSQL wait until the backend has exited and dropped its locks;
        # without it the signal is only sent, and the next try can still find the lock held.
        with engine.connect() as admin:
            admin.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid, 10000) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() "
                    "AND objid::bigint = (:key & 4294967295)"
                ),
                {"key": first._key},
            )
            admin.commit()
        assert second.try_acquire()
        assert not first.try_acquire(), "a holder that lost its connection knows it"
        second.release()
        assert first.try_acquire()
    finally:
        for leadership in (first, second, other_role):
            leadership.release()
        engine.dispose()


def test_read_models_are_fed_by_one_process_and_followed_by_the_other(
    pair: list[Services],
) -> None:
    for services in pair:
        services.start(jobs=False)
    position = issue(pair[0], "a")
    for services in pair:
        wait_views(services, position)
    leaders = [s for s in pair if s.projections.is_leader]
    assert len(leaders) == 1, "exactly one process feeds the read models"
    follower = next(s for s in pair if s is not leaders[0])

    # The leader stops (or dies): the follower takes the role over and goes on.
    leaders[0].stop()
    position = issue(leaders[0], "b")
    wait_views(follower, position)
    assert follower.projections.is_leader


def test_each_event_reaches_a_subscriber_once_whatever_the_number_of_processes(
    pair: list[Services],
) -> None:
    seen: list[tuple[str, str]] = []
    arrived = threading.Condition()

    for index, services in enumerate(pair):

        def record(event: ApiToken.Issued, position: int, tag: str = f"p{index}") -> None:
            with arrived:
                seen.append((tag, event.name))
                arrived.notify_all()

        services.events.subscribe_to_type(ApiToken.Issued, record, name="counter")
    for services in pair:
        services.start(jobs=False)
    for name in ("a", "b", "c"):
        issue(pair[0], name)
    with arrived:
        assert arrived.wait_for(lambda: len(seen) >= 3, 20.0), seen
    for services in pair:
        services.stop()  # whatever either would still deliver, it has by now
    assert sorted(name for _, name in seen) == ["a", "b", "c"]
    assert len({tag for tag, _ in seen}) == 1, "one process delivered them all"


def test_leadership_on_sqlite_is_every_process(tmp_path: object) -> None:
    engine = sa.create_engine("sqlite://")
    assert leadership_for(engine, "role").try_acquire()
    assert leadership_for(engine, "role").try_acquire()
