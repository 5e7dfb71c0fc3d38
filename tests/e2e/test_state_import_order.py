"""Concurrent imports of one lineage over HTTP: the highest serial ends current (issue 13)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.e2e.conftest import SERVE, Ran, running

STATES = Path(__file__).parents[1] / "data" / "terraform" / "states"


def test_concurrent_imports_leave_the_highest_serial_current_and_flag_late_lower_ones(
    driftmgr: Callable[..., Ran], data_dir: Path
) -> None:
    token = driftmgr("token", "create", "--name", "ci", "--role", "operator", "-o", "json")
    assert token.code == 0, token.stderr
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    document = json.loads((STATES / "default.tfstate").read_text())
    serials = list(range(100, 150))
    random.Random(13).shuffle(serials)

    with running(SERVE) as (_, url), httpx.Client(base_url=url, headers=headers) as http:

        def post(serial: int) -> int:
            body = {
                "source": "tfstate:///srv/shared.tfstate",
                "content": json.dumps(document | {"serial": serial}),
            }
            while True:  # a conflict means another import won the race: send it again
                answer = http.post("/api/v1/states", json=body, timeout=60)
                if answer.status_code != 409:
                    assert answer.status_code == 202, answer.text
                    return int(answer.json()["position"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            positions = list(pool.map(post, serials))
        state_id = http.get(
            "/api/v1/states", params={"min_position": max(positions)}, timeout=60
        ).json()[0]["id"]
        shown = http.get(f"/api/v1/states/{state_id}", timeout=60).json()

    assert shown["summary"]["serial"] == 149
    versions = shown["versions"]
    assert sorted(v["serial"] for v in versions) == list(range(100, 150))
    late = [v["serial"] for v in versions if v["out_of_order"]]
    arrival = [v["serial"] for v in versions]
    expected = [s for i, s in enumerate(arrival) if s < max(arrival[:i], default=-1)]
    assert late == expected
    assert all("serial_regressed" in v["flags"] for v in versions if v["out_of_order"])
