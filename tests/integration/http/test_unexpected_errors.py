"""A 500 names a correlation id to report, never the exception (whose text may quote a
state or a credential); the log keeps the details under that id."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from uuid import UUID

import pytest
from litestar import get
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.settings import Settings

LEAK = "password=hunter2"


@get("/broken", permission="read", sync_to_thread=False)
def broken() -> None:
    raise ValueError(f"cannot parse {LEAK}")


@pytest.fixture
def services(sqlite_settings: Settings) -> Iterator[Services]:
    services = bootstrap(sqlite_settings)
    yield services
    services.close()


def test_a_500_carries_a_correlation_id_and_no_exception_details(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(
        services, auth=LocalTrust(actor="tester"), run_background=False, extra_routes=[broken]
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/broken")
        sent = "0f2b5e3a-8d1c-4c8e-9a57-3f0e6b2d1c4a"
        traced = client.get("/broken", headers={"X-Correlation-Id": sent})

    assert answer.status_code == 500
    body = answer.json()
    assert LEAK not in answer.text and "ValueError" not in answer.text
    correlation_id = UUID(body["correlation_id"])
    assert answer.headers["X-Correlation-Id"] == str(correlation_id)
    assert f"report correlation id {correlation_id} to its operator" in body["detail"]
    assert traced.json()["correlation_id"] == sent  # the client's own id, to match its logs
    logged = [r for r in caplog.records if str(correlation_id) in r.getMessage()]
    assert logged and logged[0].levelno == logging.ERROR and LEAK in str(logged[0].exc_info)
