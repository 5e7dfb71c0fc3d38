"""One state size limit everywhere (issue 13, item 4): ``DRIFTMGR_MAX_STATE_BYTES`` holds
for the in-process CLI and for a server alike, whether the state comes as a command's
content or is read from its source, and a state larger than the old 10 MB body limit is
imported by both."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.e2e.conftest import SERVE, Ran, running
from tests.e2e.test_bounded_work import Server, assert_problem

LIMIT = 1 << 20  # the smallest DRIFTMGR_MAX_STATE_BYTES accepted


def write_state(path: Path, approx_bytes: int, serial: int = 1) -> int:
    """A valid state of about ``approx_bytes``: buckets with padded tags."""
    count = max(1, approx_bytes // 600)
    resources = [
        {
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": f"b{n}",
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [
                {
                    "schema_version": 0,
                    "attributes": {
                        "id": f"bucket-{n}",
                        "bucket": f"bucket-{n}",
                        "tags": {"pad": "x" * 500},
                    },
                }
            ],
        }
        for n in range(count)
    ]
    state = {
        "version": 4,
        "terraform_version": "1.9.0",
        "serial": serial,
        "lineage": "0b6d1f4e-6c1a-4c39-9a53-7f0f2b0a1c11",
        "outputs": {},
        "resources": resources,
    }
    path.write_text(json.dumps(state))
    return path.stat().st_size


def test_the_in_process_cli_imports_a_state_larger_than_ten_megabytes(
    driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    file = tmp_path / "big.tfstate"
    assert write_state(file, 11 << 20) > 10 * 1000 * 1000
    ran = driftmgr("state", "import", str(file), "-o", "json", timeout=300)
    assert ran.code == 0, ran.stderr
    imported = ran.json()
    imported = imported[0] if isinstance(imported, list) else imported
    assert imported["resource_count"] > 17_000


def test_a_state_over_the_limit_is_refused_alike_in_process_and_by_a_server(
    driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    file = tmp_path / "over.tfstate"
    assert write_state(file, LIMIT + (LIMIT // 2)) > LIMIT
    env = {"DRIFTMGR_MAX_STATE_BYTES": str(LIMIT)}

    local = driftmgr("state", "import", str(file), env=env)
    assert local.code != 0
    assert "DRIFTMGR_MAX_STATE_BYTES" in local.stderr and str(LIMIT) in local.stderr
    assert "Traceback" not in local.stderr

    created = driftmgr("token", "create", "--name", "ops", "--role", "admin", "-o", "json")
    assert created.code == 0, created.stderr
    with running(SERVE, {**os.environ, **env}) as (process, url):
        server = Server(
            url=url,
            pid=process.pid,
            headers={"Authorization": f"Bearer {created.json()['token']}"},
        )
        with server.client() as client:
            # Sent as a command's content, as a CLI with --api-url sends a local state.
            sent = client.post(
                "/api/v1/states",
                json={"source": f"tfstate://{file}", "content": file.read_text()},
            )
            assert_problem(sent, 422, "DRIFTMGR_MAX_STATE_BYTES", str(LIMIT))
            # A body no state under the limit could need is refused before it is read.
            huge = client.post(
                "/api/v1/states",
                content=b'{"source": "tfstate:///x.tfstate", "content": "'
                + b"x" * (3 * LIMIT)
                + b'"}',
                headers={"Content-Type": "application/json"},
            )
            assert_problem(huge, 413, "DRIFTMGR_MAX_STATE_BYTES")
            # Under the limit, the same server imports it.
            small = tmp_path / "small.tfstate"
            write_state(small, LIMIT // 2)
            ok = client.post(
                "/api/v1/states",
                json={"source": f"tfstate://{small}", "content": small.read_text()},
            )
            assert ok.status_code in (200, 201, 202), ok.text
            assert httpx.get(f"{url}/healthz").status_code == 200
