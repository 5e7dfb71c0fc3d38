"""Notifications delivered from real drift runs on a real store to a real local receiver:
signed, retried, never redirected, filtered by scope, resumed after a restart."""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from driftmgr.domain.state_file import StateFile
from driftmgr.notifications import SinkConfig, register_notifications
from driftmgr.notifications.delivery import NOTIFICATIONS
from driftmgr.notifications.notifier import Notifier
from tests.integration.notifications.receiver import Receiver, receiver
from tests.support.fakes import vpc
from tests.support.story import SOURCE, Story, story

SECRET = "s3cret-for-tests-only"
ENV = {"HOOK_SECRET": SECRET}
VERIFY = runpy.run_path(
    str(Path(__file__).parents[3] / "docs" / "examples" / "notifications" / "verify.py")
)["verify"]


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


@pytest.fixture
def day(tmp_path: Path) -> Iterator[Story]:
    with story(tmp_path / "store") as s:
        s.import_states()
        yield s


def webhook(url: str, **fields: Any) -> SinkConfig:
    return SinkConfig(name=fields.pop("name", "ops"), url=url, secret_env="HOOK_SECRET", **fields)


def subscribe(day: Story, *sinks: SinkConfig, **options: Any) -> list[Notifier]:
    options = {"environ": ENV, "attempts": 3, "wait_initial": 0.01, **options}
    return register_notifications(day.services, sinks, **options)


def deliver(day: Story) -> None:
    day.services.events.catch_up()


def test_drift_found_is_posted_signed_with_ids_scope_and_counts_only(
    day: Story, hook: Receiver
) -> None:
    subscribe(day, webhook(hook.url))
    run_id = day.detect()
    deliver(day)
    [request] = hook.wait_for(1)
    body = json.loads(request.body)
    assert request.headers["x-driftmgr-event"] == "drift_found"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("driftmgr/")
    assert request.headers["x-driftmgr-delivery"] == body["id"]
    assert VERIFY(SECRET.encode(), request.headers, request.body)
    assert not VERIFY(b"another secret", request.headers, request.body)
    assert not VERIFY(SECRET.encode(), request.headers, request.body + b" ")
    assert body["kind"] == "drift_found"
    assert body["run_id"] == str(run_id)
    assert body["scope"]["provider"] == "aws"
    assert body["scope"]["state_ids"] == [str(StateFile.create_id(SOURCE))]
    assert body["summary"]["unmanaged"] == 1 and body["summary"]["modified"] == 1
    # Ids, scope and counts: no resource, hence no attribute value, in the body.
    assert "mallory" not in request.body.decode() and "vpc-" not in request.body.decode()


def test_drift_resolved_follows_a_run_with_drift_and_a_run_without(
    day: Story, hook: Receiver
) -> None:
    subscribe(day, webhook(hook.url))
    day.detect()
    day.cloud.resources[:] = [vpc("vpc-1"), vpc("vpc-2")]
    clean = day.detect()
    day.detect()  # clean again: nothing more to say
    deliver(day)
    requests = hook.wait_for(2)
    assert [r.headers["x-driftmgr-event"] for r in requests] == ["drift_found", "drift_resolved"]
    assert json.loads(requests[1].body)["run_id"] == str(clean)


def test_run_failed_and_approval_waiting_are_posted(day: Story, hook: Receiver) -> None:
    subscribe(day, webhook(hook.url))
    run_id = day.detect()
    plan_id = day.plan(run_id, unmanaged="quarantine")
    day.failed_detection()
    deliver(day)
    kinds = [(r.headers["x-driftmgr-event"], json.loads(r.body)) for r in hook.wait_for(3)]
    assert [k for k, _ in kinds] == ["drift_found", "approval_waiting", "run_failed"]
    assert kinds[1][1]["plan_id"] == str(plan_id)
    assert kinds[2][1]["summary"]["attempts"] >= 1
    assert len(hook.requests) == 3  # the failed attempts that were retried were not reported


def test_a_503_is_retried_with_the_same_delivery_id(day: Story, hook: Receiver) -> None:
    hook.answers = [(503, {}), (200, {})]
    subscribe(day, webhook(hook.url))
    day.detect()
    deliver(day)
    first, second = hook.wait_for(2)
    assert first.headers["x-driftmgr-delivery"] == second.headers["x-driftmgr-delivery"]
    assert first.body == second.body
    assert VERIFY(SECRET.encode(), second.headers, second.body)


def test_a_429_waits_as_long_as_retry_after_says(day: Story, hook: Receiver) -> None:
    hook.answers = [(429, {"Retry-After": "1"}), (200, {})]
    subscribe(day, webhook(hook.url))
    day.detect()
    deliver(day)
    first, second = hook.wait_for(2)
    assert second.at - first.at >= 1.0


def test_past_its_retries_a_delivery_is_counted_failed_and_the_next_one_is_sent(
    day: Story, hook: Receiver
) -> None:
    before = NOTIFICATIONS.snapshot().get(("ops", "failed"), 0)
    hook.answers = [(500, {})] * 3
    subscribe(day, webhook(hook.url))
    day.detect()
    day.failed_detection()
    deliver(day)
    requests = hook.wait_for(4)
    assert [r.headers["x-driftmgr-event"] for r in requests] == ["drift_found"] * 3 + ["run_failed"]
    assert NOTIFICATIONS.snapshot()[("ops", "failed")] == before + 1


def test_a_client_error_is_not_retried(day: Story, hook: Receiver) -> None:
    hook.answers = [(400, {})]
    subscribe(day, webhook(hook.url))
    day.detect()
    day.failed_detection()
    deliver(day)
    requests = hook.wait_for(2)
    assert [r.headers["x-driftmgr-event"] for r in requests] == ["drift_found", "run_failed"]


def test_a_redirect_is_not_followed(day: Story, hook: Receiver) -> None:
    with receiver() as elsewhere:
        hook.answers = [(302, {"Location": elsewhere.url})]
        subscribe(day, webhook(hook.url))
        day.detect()
        day.failed_detection()
        deliver(day)
        hook.wait_for(2)  # the redirect, then the next notification
        assert elsewhere.requests == []


def test_a_scope_filter_leaves_other_runs_out(day: Story, hook: Receiver) -> None:
    subscribe(
        day,
        webhook(hook.url, name="eu", regions=("eu-west-1",)),
        webhook(hook.url, name="other-state", states=("tfstate:///states/other.tfstate",)),
        webhook(hook.url, name="gcp", providers=("google",)),
        webhook(hook.url, name="net", states=(SOURCE,), on=("drift_found",)),
    )
    day.detect()
    day.failed_detection()
    deliver(day)
    [request] = hook.wait_for(1)
    assert request.headers["x-driftmgr-event"] == "drift_found"
    assert len(hook.requests) == 1


def test_the_slack_format_is_an_incoming_webhook_message(
    day: Story, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_URL", hook.url + "/T000/B000/XXXX")
    sink = SinkConfig(name="slack", url_env="SLACK_URL", format="slack")
    subscribe(day, sink, environ=None)
    run_id = day.detect()
    deliver(day)
    [request] = hook.wait_for(1)
    message = json.loads(request.body)
    assert request.path == "/hook/T000/B000/XXXX"
    assert "x-driftmgr-signature" not in request.headers
    assert str(run_id) in message["text"] and "Drift found" in message["text"]
    [block] = message["blocks"]
    assert block["type"] == "section" and block["text"]["type"] == "mrkdwn"
    assert "unmanaged: 1" in block["text"]["text"]


def test_a_restart_resumes_without_sending_again(tmp_path: Path, hook: Receiver) -> None:
    sink = webhook(hook.url)
    with story(tmp_path / "store") as first:
        first.import_states()
        subscribe(first, sink)
        first.detect()
        deliver(first)
        hook.wait_for(1)
    with story(tmp_path / "store") as second:
        second.import_states()  # the fake backend's documents (the store has them already)
        subscribe(second, sink)
        deliver(second)  # nothing new
        assert len(hook.requests) == 1
        second.failed_detection()
        deliver(second)
        requests = hook.wait_for(2)
        assert requests[1].headers["x-driftmgr-event"] == "run_failed"
        assert len(hook.requests) == 2


def test_a_new_sink_starts_at_the_end_of_the_log(day: Story, hook: Receiver) -> None:
    day.detect()  # before the sink existed
    subscribe(day, webhook(hook.url))
    deliver(day)
    assert hook.requests == []


def test_configured_sinks_are_subscribed_by_bootstrap(
    tmp_path: Path, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    with story(tmp_path / "store", notifications=(webhook(hook.url),)) as s:
        s.import_states()
        s.detect()
        s.services.events.catch_up()
        [request] = hook.wait_for(1)
        assert VERIFY(SECRET.encode(), request.headers, request.body)


def test_the_documented_verifier_is_the_tested_one() -> None:
    """docs/notifications.md shows docs/examples/notifications/verify.py as it is."""
    root = Path(__file__).parents[3]
    example = (root / "docs" / "examples" / "notifications" / "verify.py").read_text()
    assert f"```python\n{example}```" in (root / "docs" / "notifications.md").read_text()
