"""Point-in-time replay: the read models rebuilt up to a past position are the ones we had.

Real commands run (states imported, drift detected, a plan applied); every read-model table
is dumped at that position T; more commands run; a replay as of T into a separate store must
then hold exactly the dump. The same moment is also asked for over HTTP (``?as_of=``), by
position and by time, and bad moments are refused with one line.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from driftmgr.adapters.eventstore.config import create_sqlite_engine
from driftmgr.adapters.eventstore.signals import PositionSignal
from driftmgr.bootstrap import read_model_projections
from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.http.app import create_app
from driftmgr.http.auth import ServerAuth
from driftmgr.projections.replay import VIEWS_FILE, AsOf, InvalidAsOf, replay
from driftmgr.projections.runner import ProjectionRunner
from tests.support.fakes import dump_tables
from tests.support.story import ALICE, Story, story

Dump = dict[str, list[tuple[Any, ...]]]


class Recorded:
    """The story told in two halves, with what the read models held after the first."""

    def __init__(self, told: Story, token: str) -> None:
        self.told = told
        self.token = token
        self.at = told.first_half()
        self.dump_at = self.dump(told.services.projections.engine)
        self.answers_at = self.answers(None)
        self.head = told.second_half()

    @property
    def tables(self) -> tuple[sa.Table, ...]:
        return self.told.services.projections.tables

    def dump(self, engine: sa.Engine) -> Dump:
        return dump_tables(engine, self.tables)

    def answers(self, as_of: str | None) -> dict[str, Any]:
        """What the API says about states, runs and plans (as of a moment)."""
        params = {} if as_of is None else {"as_of": as_of}
        headers = {"Authorization": f"Bearer {self.token}"}
        app = create_app(self.told.services, auth=ServerAuth())
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:

            def get(path: str) -> Any:
                answer = client.get(path, params=params, headers=headers)
                assert answer.status_code == 200, answer.text
                return answer.json()

            plans = get("/api/v1/remediation-plans")
            states = get("/api/v1/states")
            return {
                "states": states,
                "state": [get(f"/api/v1/states/{s['id']}") for s in states],
                "plans": plans,
                "plan": [get(f"/api/v1/remediation-plans/{p['id']}") for p in plans],
                "report": [get(f"/api/v1/drift-runs/{p['drift_run_id']}/report") for p in plans],
            }


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    with story(tmp_path_factory.mktemp("as-of") / "store") as told:
        issued = create_token(
            told.services.backend, CreateToken(name="reader", role="viewer"), ALICE
        )
        yield Recorded(told, issued.token)


def test_a_replay_as_of_a_position_holds_exactly_the_read_models_of_that_moment(
    recorded: Recorded, tmp_path: Path
) -> None:
    told = recorded.told
    assert recorded.head > recorded.at
    assert recorded.dump(told.services.projections.engine) != recorded.dump_at  # moved on

    app = told.services.backend.app
    events_before = app.recorder.max_notification_id()
    count = replay(app, read_model_projections(told.services.backend.blobs), tmp_path, recorded.at)

    engine = create_sqlite_engine(tmp_path / VIEWS_FILE, durable=False)
    try:
        assert recorded.dump(engine) == recorded.dump_at
    finally:
        engine.dispose()
    assert 0 < count <= recorded.at
    assert app.recorder.max_notification_id() == events_before  # the log is only read


def test_queries_as_of_a_position_answer_what_they_answered_then(recorded: Recorded) -> None:
    assert recorded.answers(str(recorded.at)) == recorded.answers_at
    assert recorded.answers(str(recorded.at)) == recorded.answers_at  # from the cache
    cached = [p.name for p in recorded.told.services.replays.root.iterdir()]
    assert cached == [str(recorded.at)]


def test_queries_as_of_a_time_answer_as_of_the_last_event_at_or_before_it(
    recorded: Recorded,
) -> None:
    app = recorded.told.services.backend.app
    (notification,) = app.recorder.select_notifications(start=recorded.at, limit=1)
    moment = app.mapper.to_domain_event(notification).timestamp  # type: ignore[attr-defined]
    assert AsOf.parse(moment.isoformat()).resolve(app) == recorded.at
    assert recorded.answers(moment.isoformat()) == recorded.answers_at


@pytest.mark.parametrize(
    ("as_of", "detail"),
    [
        ("yesterday", "as_of 'yesterday' is neither a log position"),
        ("2001-01-01T00:00:00Z", "as_of 2001-01-01T00:00:00+00:00 is before the first event"),
        ("0", "as_of position 0 is before the first event (position 1)"),
        ("999999", "as_of position 999999 is beyond the newest event"),
    ],
)
def test_a_moment_the_log_does_not_have_is_a_404_with_one_line(
    recorded: Recorded, as_of: str, detail: str
) -> None:
    app = create_app(recorded.told.services, auth=ServerAuth())
    headers = {"Authorization": f"Bearer {recorded.token}"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        answer = client.get("/api/v1/states", params={"as_of": as_of}, headers=headers)
    # Malformed is a 400; well-formed but not in the log, a 404.
    assert answer.status_code == (400 if as_of == "yesterday" else 404)
    assert answer.json()["detail"].startswith(detail)
    assert "\n" not in answer.json()["detail"]


def test_a_replay_does_not_wait_for_what_came_after_it(recorded: Recorded) -> None:
    app = create_app(recorded.told.services, auth=ServerAuth())
    headers = {"Authorization": f"Bearer {recorded.token}"}
    plan_id = recorded.answers_at["plans"][0]["id"]
    params = {"as_of": str(recorded.at), "min_position": str(recorded.head), "wait": "30"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        refused = client.get("/api/v1/states", params=params, headers=headers)
        del params["min_position"]
        answered = client.get(
            f"/api/v1/remediation-plans/{plan_id}", params=params, headers=headers
        )
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"min_position {recorded.head} is after the as_of position {recorded.at}"
    )
    assert answered.status_code == 200
    assert answered.json() == recorded.answers_at["plan"][0]


def test_a_time_after_the_newest_event_is_the_head(recorded: Recorded) -> None:
    app = recorded.told.services.backend.app
    (last,) = app.recorder.select_notifications(start=recorded.head, limit=1)
    later = app.mapper.to_domain_event(last).timestamp + timedelta(days=1)  # type: ignore[attr-defined]
    assert AsOf.parse(later.isoformat()).resolve(app) == recorded.head
    with pytest.raises(InvalidAsOf, match="neither a log position"):
        AsOf.parse("-3")


def test_the_cache_keeps_only_the_newest_replays(recorded: Recorded, tmp_path: Path) -> None:
    from driftmgr.projections.replay import ReplayCache

    told = recorded.told
    cache = ReplayCache(
        tmp_path / "replays",
        told.services.backend.app,
        lambda: read_model_projections(told.services.backend.blobs),
        keep=2,
    )
    for position in (recorded.at, recorded.at + 1, recorded.at + 2):
        assert cache.views_at(position).exists()
    assert sorted(p.name for p in cache.root.iterdir()) == [
        str(recorded.at + 1),
        str(recorded.at + 2),
    ]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(fraction=st.floats(min_value=0.0, max_value=1.0))
def test_a_replay_to_any_prefix_continued_to_the_head_equals_a_full_rebuild(
    recorded: Recorded, tmp_path_factory: pytest.TempPathFactory, fraction: float
) -> None:
    told = recorded.told
    app = told.services.backend.app
    k = round(fraction * recorded.head)
    folder = tmp_path_factory.mktemp("prefix")
    engine = create_sqlite_engine(folder / VIEWS_FILE, durable=False)
    try:
        for until in (k, None):  # first up to k, then on to the head on the same tables
            ProjectionRunner(
                app,
                engine,
                read_model_projections(told.services.backend.blobs),
                log_signal=PositionSignal(),
                progress=PositionSignal(),
                until=until,
                batch_size=7,
            ).catch_up()
        assert recorded.dump(engine) == recorded.dump(told.services.projections.engine)
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from driftmgr.cli import main

    with pytest.raises(SystemExit) as exited:
        main(argv)
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


@pytest.fixture
def on_the_store(recorded: Recorded, monkeypatch: pytest.MonkeyPatch) -> Recorded:
    settings = recorded.told.services.settings
    monkeypatch.setenv("DRIFTMGR_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("DRIFTMGR_API_URL", raising=False)
    return recorded


def test_audit_replay_writes_the_read_models_of_that_moment_into_a_folder(
    on_the_store: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "then"
    code, _, err = _cli(
        ["audit", "replay", "--as-of", str(on_the_store.at), "--out", str(out)], capsys
    )
    assert code == 0, err
    assert f"up to position {on_the_store.at} into {out / VIEWS_FILE}" in err
    engine = create_sqlite_engine(out / VIEWS_FILE, durable=False)
    try:
        assert on_the_store.dump(engine) == on_the_store.dump_at
    finally:
        engine.dispose()

    code, _, err = _cli(["audit", "replay", "--as-of", "1", "--out", str(out)], capsys)
    assert (code, err) == (
        1,
        f"error: {out / VIEWS_FILE} already exists: replay into an empty folder\n",
    )
    code, _, err = _cli(["audit", "replay", "--as-of", "soon", "--out", str(tmp_path)], capsys)
    assert code == 1 and err.count("\n") == 1 and "neither a log position" in err


def test_read_commands_answer_as_of_a_moment(
    on_the_store: Recorded, capsys: pytest.CaptureFixture[str]
) -> None:
    at = str(on_the_store.at)
    then = on_the_store.answers_at
    code, out, err = _cli(["state", "list", "--as-of", at, "-o", "json"], capsys)
    assert code == 0, err
    assert json.loads(out) == then["states"]
    state_id = then["states"][0]["id"]
    code, out, err = _cli(["state", "show", state_id, "--as-of", at, "-o", "json"], capsys)
    assert code == 0, err
    assert json.loads(out) == then["state"][0]
    plan_id = then["plans"][0]["id"]
    code, out, err = _cli(["remediate", "show", plan_id, "--as-of", at, "-o", "json"], capsys)
    assert code == 0, err
    assert json.loads(out) == then["plan"][0]
    run_id = then["plans"][0]["drift_run_id"]
    _, out, err = _cli(["drift", "report", run_id, "--as-of", at, "-o", "json"], capsys)
    assert json.loads(out) == then["report"][0], err

    code, out, err = _cli(["state", "list", "--as-of", "2001-01-01"], capsys)
    assert code == 1 and out == ""
    assert err.startswith("error: as_of 2001-01-01T00:00:00+00:00 is before the first event")
    assert err.count("\n") == 1
