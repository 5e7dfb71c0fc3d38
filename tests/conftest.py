"""Shared fixtures: a real moto server over HTTP, and AWS SDK settings pointing at it."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import boto3
import httpx
import pytest
from botocore.config import Config
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from moto.server import ThreadedMotoServer

from driftmgr.settings import Settings

# The demo (docs/examples/demo) is tested code, and the e2e tests share its world.
sys.path.insert(0, str(Path(__file__).parent.parent / "docs" / "examples"))

MOTO_REGION = "us-east-1"

# Properties are about correctness, not speed: on a loaded CI machine (four workers on two
# cores) generating an example can take longer than hypothesis' time checks allow.
hypothesis_settings.register_profile(
    "driftmgr", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("driftmgr")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port, shared by the session and reset per test."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point every AWS SDK in this process at a freshly reset moto server.

    The SDKs read `AWS_ENDPOINT_URL` themselves, so product code needs no test hook.
    """
    httpx.post(f"{moto_endpoint}/moto-api/reset", timeout=60).raise_for_status()
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", MOTO_REGION)
    # Keep the SDKs away from ~/.aws and the instance metadata service.
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield moto_endpoint


@pytest.fixture
def boto(aws: str) -> Callable[..., Any]:
    """`boto("ec2", "eu-west-1")` gives a boto3 client on the moto server, for seeding."""

    def client(service: str, region: str = MOTO_REGION) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=aws,
            config=Config(retries={"max_attempts": 1}),
        )

    return client


# --- stores ------------------------------------------------------------------------------

POSTGRES_SKIP_REASON = (
    "PostgreSQL tests need DRIFTMGR_TEST_DATABASE_URL=postgresql://user:password@host/db "
    "(a user allowed to create databases); .ci/run sets it"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = os.environ.get("DRIFTMGR_TEST_DATABASE_URL")
    if not base:
        pytest.skip(POSTGRES_SKIP_REASON)
    name = f"driftmgr_t_{uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    # Best effort: an autovacuum worker on the database (a superuser's process) can make
    # even a forced drop fail for a non-superuser. Names are unique, so leftovers harm nothing.
    with psycopg.connect(base, autocommit=True) as conn, contextlib.suppress(psycopg.Error):
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for each event store: the embedded SQLite files, and a real PostgreSQL."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        return Settings(data_dir=tmp_path / "unused", database_url=url, actor="tester")
    return Settings(data_dir=tmp_path / "store", actor="tester")


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "store", actor="tester")
