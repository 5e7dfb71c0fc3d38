"""Shared fixtures: a real moto server over HTTP, and AWS SDK settings pointing at it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

MOTO_REGION = "us-east-1"


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
    httpx.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
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
