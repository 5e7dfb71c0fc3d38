"""The OpenAPI document lists every refusal; OPTIONS and 405 name every method of a path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.settings import Settings

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.fixture
def client(sqlite_settings: Settings) -> Iterator[TestClient[Any]]:
    services: Services = bootstrap(sqlite_settings)
    app = create_app(services, auth=LocalTrust(actor="tester"), run_background=False)
    with TestClient(app) as client:
        yield client
    services.close()


def test_every_operation_documents_its_refusals_as_problem_json(
    client: TestClient[Any],
) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("400", "500"):
                assert responses[status]["content"] == PROBLEM, (method, path, status)
            if path not in ("/healthz", "/readyz"):
                assert {"401", "403"} <= responses.keys(), (method, path)
            if method == "post":
                assert {"409", "413", "415", "422"} <= responses.keys(), (method, path)
                assert operation["requestBody"]["content"]["application/json"]
            if "{" in path:
                assert "404" in responses, (method, path)
    untrack = paths["/api/v1/states/{state_id}/untrack"]["post"]["responses"]
    assert "404" in untrack and "409" in untrack
    imported = paths["/api/v1/states"]["post"]["responses"]
    assert {"502", "503"} <= imported.keys()
    graph = paths["/api/v1/states/{state_id}/graph"]["get"]["responses"]["200"]["content"]
    assert set(graph) == {"text/vnd.graphviz", "text/plain", "application/json"}


def test_options_and_405_list_every_method_of_the_path(client: TestClient[Any]) -> None:
    # GET and POST of /api/v1/states come from one controller, but of /remediation-plans too.
    for path in ("/api/v1/states", "/api/v1/remediation-plans", "/api/v1/tokens"):
        options = client.options(path)
        assert options.status_code == 204
        assert options.headers["allow"] == "GET, OPTIONS, POST"
        refused = client.delete(path)
        assert refused.status_code == 405
        assert sorted(refused.headers["allow"].split(", ")) == ["GET", "OPTIONS", "POST"]
        assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_min_position_beyond_the_log_is_a_conflict_at_once(client: TestClient[Any]) -> None:
    answer = client.get("/api/v1/states", params={"min_position": "999999"})
    assert answer.status_code == 409
    assert "beyond the newest event" in answer.json()["detail"]
    # Every value of a repeated parameter counts, whichever litestar reads.
    answer = client.get("/api/v1/tokens", params=[("min_position", "x"), ("min_position", "9e5")])
    assert answer.status_code == 409


def test_a_known_aggregate_with_another_aggregates_event_is_an_empty_page(
    client: TestClient[Any],
) -> None:
    answer = client.get(
        "/api/v1/audit/events",
        params={"aggregate_type": "ApiToken", "event_type": "DriftRun.Completed"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"events": [], "next": None}
    assert client.get("/api/v1/audit/events", params={"aggregate_type": "Nope"}).status_code == 400
