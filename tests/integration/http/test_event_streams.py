"""Live events over SSE and WebSocket, in-process: the audit log's events and redaction,
filters, resuming after a position, a slow client cut off, streams ended on shutdown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.domain.base import Cause
from driftmgr.http.app import create_app
from driftmgr.http.auth import ServerAuth
from driftmgr.http.events import EventMessage, EventStream, LiveStreams, Reset
from driftmgr.queries.audit import AuditLog, GetAuditLogQuery
from driftmgr.settings import Settings

EVENTS = "/api/v1/events"


@pytest.fixture
def services(sqlite_settings: Settings) -> Iterator[Services]:
    services = bootstrap(sqlite_settings)
    yield services
    services.close()


def issue(services: Services, name: str, role: str = "viewer") -> str:
    issued = create_token(services.backend, CreateToken(name=name, role=role), Cause(actor="t"))
    services.projections.wait(issued.position)
    return issued.token


@pytest.fixture
def viewer(services: Services) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue(services, 'viewer')}"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient[Any]]:
    app = create_app(services, auth=ServerAuth())
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1:8000") as c:
        yield c


def sse(text: str) -> list[dict[str, str]]:
    """The messages of an event stream, each as its fields."""
    messages = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line and not line.startswith(":"):
                key, _, value = line.partition(":")
                fields[key] = fields.get(key, "") + value.removeprefix(" ")
        if fields:
            messages.append(fields)
    return messages


def audit_positions(services: Services, **filters: Any) -> list[int]:
    page = AuditLog(services.backend.app).page(GetAuditLogQuery(limit=1000, **filters))
    return [record.position for record in page.events]


def test_the_stream_is_the_audit_log_redacted_and_resumes_after_its_last_id(
    services: Services, client: TestClient[Any], viewer: dict[str, str]
) -> None:
    issue(services, "second")
    everything = client.get(EVENTS, params={"follow": "false"}, headers=viewer)
    assert everything.status_code == 200, everything.text
    assert everything.headers["content-type"].startswith("text/event-stream")
    messages = sse(everything.text)
    assert [int(m["id"]) for m in messages] == audit_positions(services)
    issued = [json.loads(m["data"]) for m in messages if '"Issued"' in m["data"]]
    assert [e["data"]["name"] for e in issued] == ["viewer", "second"]
    assert all(e["data"]["secret_sha256"] == "(sensitive)" for e in issued)
    assert {e["aggregate_type"] for e in issued} == {"ApiToken"}
    assert "actor" not in issued[0]  # who did what is the audit permission's

    # Resume after the second message: Last-Event-ID wins over ?after.
    resumed = client.get(
        EVENTS,
        params={"follow": "false", "after": "0"},
        headers={**viewer, "Last-Event-ID": messages[1]["id"]},
    )
    assert sse(resumed.text) == messages[2:]
    limited = client.get(
        EVENTS, params={"follow": "false", "after": messages[0]["id"], "limit": 2}, headers=viewer
    )
    assert sse(limited.text) == messages[1:3]


def test_the_stream_filters_by_event_type_and_aggregate_id(
    services: Services, client: TestClient[Any], viewer: dict[str, str]
) -> None:
    issue(services, "second")
    issued = client.get(
        EVENTS, params={"follow": "false", "event_type": "ApiToken.Issued"}, headers=viewer
    )
    events = [json.loads(m["data"]) for m in sse(issued.text)]
    assert [e["data"]["name"] for e in events] == ["viewer", "second"]
    one = events[1]["aggregate_id"]
    only = client.get(EVENTS, params={"follow": "false", "aggregate_id": one}, headers=viewer)
    ids = [int(m["id"]) for m in sse(only.text)]
    assert ids == audit_positions(services, aggregate_id=UUID(one))
    assert ids == [events[1]["position"]]


def test_the_stream_needs_a_reader_and_known_names(
    client: TestClient[Any], viewer: dict[str, str]
) -> None:
    assert client.get(EVENTS, params={"follow": "false"}).status_code == 401
    bad = client.get(EVENTS, params={"event_type": "Nope"}, headers=viewer)
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    bad_id = client.get(EVENTS, headers={**viewer, "Last-Event-ID": "soon"})
    assert bad_id.status_code == 400


def test_the_websocket_follows_the_log_live(
    services: Services, client: TestClient[Any], viewer: dict[str, str]
) -> None:
    start = services.backend.app.position()
    with client.websocket_connect(
        f"{EVENTS}/ws?after={start}&event_type=Issued", headers=viewer
    ) as socket:
        # Recorded once the socket follows the log: it arrives without a reconnection.
        issue(services, "live")
        message = json.loads(socket.receive_text())
    assert message["event_type"] == "Issued"
    assert message["data"]["name"] == "live"
    assert message["data"]["secret_sha256"] == "(sensitive)"
    assert message["position"] > start


def test_the_websocket_refuses_strangers(client: TestClient[Any]) -> None:
    from litestar.exceptions import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"{EVENTS}/ws") as socket:
        socket.receive_text()


async def _stream(services: Services, streams: LiveStreams, *, follow: bool) -> EventStream:
    app = services.backend.app
    return EventStream(
        AuditLog(app), GetAuditLogQuery(), app.log_signal, app.position, streams, follow=follow
    )


def test_a_client_that_falls_behind_is_cut_off_with_its_resume_position(
    services: Services,
) -> None:
    for name in ("a", "b", "c", "d"):
        issue(services, name)
    everything = audit_positions(services)
    assert len(everything) > 4

    async def read_one_then_stall() -> list[EventMessage | Reset]:
        stream = await _stream(services, LiveStreams(queue_size=2, stall_seconds=0), follow=True)
        messages = stream.messages()
        got = [await anext(messages)]
        # Not reading on: the reader fills the queue and gives up at once (stall 0 s).
        await asyncio.wait_for(stream.finished.wait(), 30)
        got += [m async for m in messages]
        return got

    got = asyncio.run(read_one_then_stall())
    first, last = got[0], got[-1]
    assert isinstance(first, EventMessage) and first.position == everything[0]
    assert isinstance(last, Reset)
    # Everything sent before the reset is in order, and the reset names the last one sent.
    sent = [m.position for m in got if isinstance(m, EventMessage)]
    assert sent == everything[: len(sent)]
    assert last.after == sent[-1]


def test_closing_ends_a_live_stream(services: Services) -> None:
    async def follow_then_close() -> list[EventMessage | Reset]:
        streams = LiveStreams(poll_seconds=0.05)
        stream = await _stream(services, streams, follow=True)
        got: list[EventMessage | Reset] = []
        async for message in stream.messages():
            got.append(message)
            if message.position == services.backend.app.position():
                streams.close()  # at the end of the log: the stream now waits for events
        return got

    issue(services, "a")
    got = asyncio.run(asyncio.wait_for(follow_then_close(), 30))
    assert [m.position for m in got if isinstance(m, EventMessage)] == audit_positions(services)
