"""A large state is analysed by a job, not during its import (issue 14, item 3).

The import records the job in its own transaction; until a worker has run it the analysis
endpoint answers 409 naming the job; then it holds exactly what the inline path records.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import msgspec
import pytest
import sqlalchemy as sa
from eventsourcing.utils import resolve_topic
from litestar.testing import TestClient

from driftmgr.adapters.terraform.state import parse_state
from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.state import ImportState, UntrackState, import_state, untrack_state
from driftmgr.domain.base import Cause
from driftmgr.domain.state_analysis import StateAnalysis, analyse_state
from driftmgr.domain.state_analysis_run import StateAnalysisRun
from driftmgr.domain.state_file import StateFile, StateVersion
from driftmgr.errors import Conflict
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.projections.jobs import jobs_table
from driftmgr.queries.state_files import (
    AnalysisPending,
    GetStateAnalysisQuery,
    get_state_analysis,
)
from driftmgr.settings import Settings
from tests.support.fakes import state_with_vpcs

CAUSE = Cause(actor="tester")
SOURCE = "tfstate:///states/big.tfstate"
OTHER = "tfstate:///states/same-content.tfstate"
#: Three managed resources: over the threshold of these tests.
LARGE = state_with_vpcs(
    ("vpc-1", "10.0.0.0/16"), ("vpc-2", "10.1.0.0/16"), ("vpc-3", "10.2.0.0/16")
)


def large(serial: int) -> str:
    return state_with_vpcs(
        ("vpc-1", "10.0.0.0/16"), ("vpc-2", "10.1.0.0/16"), ("vpc-4", "10.4.0.0/16"), serial=serial
    )


@pytest.fixture
def services(store_settings: Settings) -> Iterator[Services]:
    settings = Settings(
        data_dir=store_settings.data_dir,
        database_url=store_settings.database_url,
        actor="tester",
        analysis_inline_max_resources=2,
    )
    services = bootstrap(settings)
    yield services
    services.close()


def import_(services: Services, content: str, source: str = SOURCE) -> int:
    accepted = import_state(services.backend, ImportState(source=source, content=content), CAUSE)
    services.projections.catch_up()
    return accepted.position


def analysis(services: Services, state_id: UUID) -> StateAnalysis:
    return asyncio.run(get_state_analysis(services.read, GetStateAnalysisQuery(state_id=state_id)))


def events_between(services: Services, after: int, upto: int) -> list[tuple[str, Any]]:
    """(event class name, event) of every event recorded after ``after`` up to ``upto``."""
    app = services.backend.app
    found = []
    for notification in app.recorder.select_notifications(start=after + 1, limit=1000, stop=upto):
        event = app.mapper.to_domain_event(notification)
        found.append((resolve_topic(notification.topic).__qualname__, event))
    return found


def jobs(services: Services) -> list[Any]:
    with services.projections.engine.connect() as conn:
        return list(conn.execute(sa.select(jobs_table).order_by(jobs_table.c.position)))


def content_of(services: Services, state_id: UUID) -> str:
    latest = services.backend.app.get(StateFile, state_id).latest
    assert latest is not None
    return latest.content_sha256


def test_a_large_import_records_its_analysis_job_with_it_and_the_job_records_the_analysis(
    services: Services,
) -> None:
    state_id = StateFile.create_id(SOURCE)
    position = import_(services, LARGE)

    # The import and its job: recorded by the one command, in one transaction; no analysis.
    recorded = [name for name, _ in events_between(services, 0, position)]
    assert recorded == ["StateFile.Tracked", "StateFile.Imported", "StateAnalysisRun.Requested"]
    job_id = StateAnalysisRun.create_id(state_id, content_of(services, state_id))
    [job] = jobs(services)
    assert (job.job_id, job.kind, job.status) == (job_id, "StateAnalysisRun", "requested")
    with pytest.raises(AnalysisPending) as pending:
        analysis(services, state_id)
    assert pending.value.job_id == job_id
    assert str(pending.value).startswith(f"analysis pending (job {job_id})")

    assert services.worker.run_pending() == 1
    services.projections.catch_up()

    [job] = jobs(services)
    assert job.status == "completed"
    run = services.backend.app.get(StateAnalysisRun, job_id)
    assert (run.status, run.recorded) == ("completed", True)
    expected = analyse_state(parse_state(LARGE.encode()))
    assert analysis(services, state_id) == expected
    # The same analysis, byte for byte, as the inline path records for the same content.
    services.backend.analysis_inline_max_resources = 5000
    import_(services, LARGE, source=OTHER)
    inline = services.backend.app.get(StateFile, StateFile.create_id(OTHER))
    assert services.backend.app.get(StateFile, state_id).analysis_sha256 == inline.analysis_sha256
    assert len(jobs(services)) == 1


def test_importing_the_same_content_again_queues_nothing_new(services: Services) -> None:
    state_id = StateFile.create_id(SOURCE)
    first = import_(services, LARGE)
    again = import_(services, LARGE)
    assert events_between(services, first, again) == []
    assert len(jobs(services)) == 1
    services.worker.run_pending()
    services.projections.catch_up()

    # Untracked, then imported again: the content is new to the state, its job is not.
    untrack_state(services.backend, UntrackState(state_id=state_id), CAUSE)
    untracked = services.backend.app.position()
    reimported = import_(services, LARGE)
    names = [name for name, _ in events_between(services, untracked, reimported)]
    assert names == ["StateFile.Retracked", "StateFile.Imported", "StateFile.Analyzed"]
    assert len(jobs(services)) == 1
    assert analysis(services, state_id) == analyse_state(parse_state(LARGE.encode()))


def test_a_version_superseded_before_its_job_runs_is_not_recorded(services: Services) -> None:
    state_id = StateFile.create_id(SOURCE)
    import_(services, large(1))
    import_(services, large(2))
    older, newer = jobs(services)

    assert services.worker.run_pending() == 2
    services.projections.catch_up()

    superseded = services.backend.app.get(StateAnalysisRun, older.job_id)
    assert (superseded.status, superseded.recorded) == ("completed", False)
    assert superseded.outcome is not None and "newer current version" in superseded.outcome
    current = services.backend.app.get(StateAnalysisRun, newer.job_id)
    assert (current.status, current.recorded) == ("completed", True)
    analysed = [
        event.content_sha256
        for name, event in events_between(services, 0, services.backend.app.position())
        if name == "StateFile.Analyzed"
    ]
    assert analysed == [current.content_sha256]
    assert analysis(services, state_id) == analyse_state(parse_state(large(2).encode()))
    assert [j.status for j in jobs(services)] == ["completed", "completed"]


def test_a_version_that_cannot_be_parsed_fails_its_job_at_once(services: Services) -> None:
    # A body the import would have refused, recorded by hand: the job cannot analyse it.
    digest = services.backend.blobs.put(b'{"version": 4, "resources": 7}')
    state = StateFile(source=SOURCE, **CAUSE.fields())
    state.record_import(
        StateVersion(
            serial=1,
            lineage="l",
            terraform_version="1.9.0",
            format_version=4,
            content_sha256=digest,
            size=31,
            resource_count=9,
        ),
        CAUSE,
    )
    run = StateAnalysisRun.request(
        state_id=state.id, content_sha256=digest, resource_count=9, cause=CAUSE
    )
    services.backend.app.record(state, run)
    services.projections.catch_up()

    assert services.worker.run_pending() == 1
    services.projections.catch_up()

    failed = services.backend.app.get(StateAnalysisRun, run.id)
    assert (failed.status, failed.attempt) == ("failed", 1)  # no retry: it is permanent
    with pytest.raises(Conflict, match=f"its job {run.id} failed") as refused:
        analysis(services, state.id)
    assert not isinstance(refused.value, AnalysisPending)


def test_the_api_answers_409_naming_the_job_while_the_analysis_is_pending(
    services: Services,
) -> None:
    app = create_app(services, auth=LocalTrust(actor="tester"), run_background=False)
    with TestClient(app, base_url="http://driftmgr.local", raise_server_exceptions=False) as client:
        body = {"source": SOURCE, "content": LARGE}
        imported = client.post("/api/v1/states", json=body)
        assert imported.status_code == 202, imported.text
        services.projections.catch_up()
        state_id, position = imported.json()["id"], imported.json()["position"]
        path = f"/api/v1/states/{state_id}/analysis"
        job_id = StateAnalysisRun.create_id(UUID(state_id), content_of(services, UUID(state_id)))

        pending = client.get(path, params={"min_position": position})
        assert pending.status_code == 409
        assert pending.headers["content-type"].startswith("application/problem+json")
        assert pending.headers["retry-after"] == "5"
        problem = pending.json()
        assert (problem["title"], problem["job_id"]) == ("Analysis pending", str(job_id))
        assert problem["detail"].startswith(f"analysis pending (job {job_id})")
        graph = client.get(f"/api/v1/states/{state_id}/graph")
        assert (graph.status_code, graph.json()["job_id"]) == (409, str(job_id))

        assert services.worker.run_pending() == 1
        services.projections.catch_up()

        done = client.get(path)
        assert done.status_code == 200, done.text
        assert done.json() == msgspec.to_builtins(analyse_state(parse_state(LARGE.encode())))
    document = app.openapi_schema.to_schema()
    responses = document["paths"]["/api/v1/states/{state_id}/analysis"]["get"]["responses"]
    assert "409" in responses
