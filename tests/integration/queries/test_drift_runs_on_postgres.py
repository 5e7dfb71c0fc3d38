"""The dashboard's reads of drift runs on PostgreSQL: the list and a run's view select the
report's summary with PostgreSQL's JSON operator, and a page of findings is cut the same
way as on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import msgspec
import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.domain.base import Cause
from driftmgr.domain.drift.report import DriftItem, DriftScope, ReportBody, summarise
from driftmgr.domain.drift_run import DriftRun
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.settings import Settings

pytestmark = pytest.mark.postgres

CAUSE = Cause(actor="tester")


@pytest.fixture
def services(postgres_url: str) -> Iterator[Services]:
    services = bootstrap(Settings(database_url=postgres_url, actor="tester"))
    yield services
    services.close()


def record(services: Services, count: int) -> str:
    drifts = [
        DriftItem(
            kind=("modified", "missing")[i % 2],
            address=f"aws_s3_bucket.b[{i}]",
            type="aws_s3_bucket",
            id=f"arn:aws:s3:us-east-1:{111111111111 + i % 2}:bucket/b{i}",
            provider="aws",
            region="us-east-1",
            severity="high",
        )
        for i in range(count)
    ]
    run = DriftRun.request(
        state_ids=[uuid4()], provider="aws", regions=["us-east-1"], resource_types=None,
        cause=CAUSE,
    )  # fmt: skip
    run.start(worker="test", cause=CAUSE)
    summary = summarise(drifts, in_sync=1)
    body = ReportBody(
        sources=[], scope=DriftScope(providers=["aws"], regions=["us-east-1"]), summary=summary,
        drifts=drifts,
    )  # fmt: skip
    run.complete(
        report_sha256=services.backend.blobs.put(msgspec.json.encode(body)),
        summary=summary,
        cause=CAUSE,
    )
    services.backend.app.record(run)
    services.projections.wait(services.backend.app.position())
    return str(run.id)


def test_runs_are_listed_with_their_summaries_and_findings_paged(services: Services) -> None:
    first, second = record(services, 3), record(services, 250)
    app = create_app(services, auth=LocalTrust(actor="tester"), run_background=False)
    with TestClient(app) as client:
        runs: list[dict[str, Any]] = client.get("/api/v1/drift-runs").json()
        assert [r["id"] for r in runs] == [second, first]
        assert [r["summary"]["missing"] for r in runs] == [125, 1]
        view = client.get(f"/api/v1/drift-runs/{second}").json()
        assert view["summary"]["modified"] == 125
        page = client.get(
            f"/api/v1/drift-runs/{second}/findings",
            params={"kind": "missing", "account": "111111111112", "limit": 10, "offset": 10},
        ).json()
        assert page["total"] == 125
        assert [f["index"] for f in page["items"]] == list(range(21, 41, 2))
        assert page["facets"]["account"] == {"111111111111": 125, "111111111112": 125}
