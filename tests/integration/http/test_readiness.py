"""/readyz: ready once the read models are within DRIFTMGR_READY_MAX_LAG of the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.settings import Settings

STATE = (
    Path(__file__).parents[2] / "data" / "terraform" / "states" / "default.tfstate"
).read_text()


@pytest.fixture
def services(sqlite_settings: Settings) -> Iterator[Services]:
    services = bootstrap(msgspec.structs.replace(sqlite_settings, ready_max_lag=0))
    yield services
    services.close()


def test_readyz_says_not_ready_while_the_read_models_lag_and_ready_once_caught_up(
    services: Services,
) -> None:
    # No background projections: the read models move only when told to.
    app = create_app(services, auth=LocalTrust(actor="tester"), run_background=False)
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200  # an empty store: nothing to project
        imported = client.post(
            "/api/v1/states", json={"source": "tfstate:///srv/a.tfstate", "content": STATE}
        )
        assert imported.status_code == 202, imported.text

        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.headers["content-type"].startswith("application/problem+json")
        problem = behind.json()
        assert "behind the store" in problem["detail"]
        assert problem["log_position"] > problem["read_model_position"]

        services.projections.catch_up()
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["read_model_position"] == ready.json()["log_position"]
        assert client.get("/healthz").status_code == 200  # liveness never depended on it


def test_metrics_read_the_job_queue_and_the_projection_lag_when_scraped(
    aws: str, services: Services
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from driftmgr.http.metrics import AppMetrics

    def scrape() -> dict[str, float]:
        text = AppMetrics(services).exposition().decode()
        return {
            s.name: s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if not s.labels
        }

    app = create_app(services, auth=LocalTrust(actor="tester"), run_background=False)
    with TestClient(app) as client:
        started = client.post("/api/v1/discoveries", json={"provider": "aws"})
        assert started.status_code == 202, started.text
        lagging = scrape()
        assert lagging["driftmgr_projection_lag_events"] > 0
        assert lagging["driftmgr_job_queue_depth"] == 0  # the jobs view has not seen it yet

        services.projections.catch_up()  # no worker runs: the job waits
        queued = scrape()
    assert queued["driftmgr_projection_lag_events"] == 0
    assert queued["driftmgr_job_queue_depth"] == 1
    assert queued["driftmgr_job_queue_oldest_age_seconds"] >= 0
    assert queued["driftmgr_events_appended_total"] == services.backend.app.position()
