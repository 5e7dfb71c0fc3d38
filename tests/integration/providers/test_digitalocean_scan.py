"""The DigitalOcean adapter against a local DigitalOcean API (pydo, unmodified, over TLS):
every page read, 429s waited out or reported, refusals reported, never a partial list."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from driftmgr.adapters.providers.base import (
    ProviderAuthError,
    ProviderError,
    ProviderUnreachableError,
)
from driftmgr.adapters.providers.digitalocean import DigitalOceanProvider
from driftmgr.adapters.providers.digitalocean.api import RetryPolicy
from driftmgr.domain.resources import GLOBAL_REGION, ScanOutcome
from driftmgr.observability import PROVIDER_CALLS, PROVIDER_RETRIES, PROVIDER_THROTTLES
from tests.support.fake_digitalocean import UNPAGED, FakeDigitalOcean, digitalocean, seed

__all__ = ["digitalocean"]  # the fixture, imported for pytest

API_TYPES = [
    "digitalocean_certificate",
    "digitalocean_database_cluster",
    "digitalocean_domain",
    "digitalocean_droplet",
    "digitalocean_firewall",
    "digitalocean_kubernetes_cluster",
    "digitalocean_loadbalancer",
    "digitalocean_project",
    "digitalocean_record",
    "digitalocean_ssh_key",
    "digitalocean_volume",
    "digitalocean_vpc",
]

#: No waiting between attempts unless DigitalOcean asks for it.
QUICK = RetryPolicy(attempts=3, base_delay=0.0)


def scan(
    provider: DigitalOceanProvider, types: list[str], regions: list[str] | None = None
) -> dict[tuple[str, str], ScanOutcome]:
    outcomes = asyncio.run(provider.scan(regions or [], types))
    return {(o.type, o.region): o for o in outcomes}


def ids(outcome: ScanOutcome) -> list[str]:
    assert outcome.observed, outcome.unobserved_reason
    return [r.id for r in outcome.resources]


def test_every_page_of_every_listing_is_read(digitalocean: FakeDigitalOcean) -> None:
    seed(digitalocean)
    found = scan(DigitalOceanProvider(), API_TYPES)

    # The regions come from GET /v2/regions (available ones only), also paged.
    assert {r for (_, r) in found} == {"nyc3", "ams3", "fra1", GLOBAL_REGION}
    assert ids(found[("digitalocean_droplet", "nyc3")]) == ["3164444", "3164445"]
    assert ids(found[("digitalocean_droplet", "ams3")]) == ["3164446"]
    assert ids(found[("digitalocean_droplet", "fra1")]) == []
    assert len(ids(found[("digitalocean_volume", "nyc3")])) == 3
    assert len(ids(found[("digitalocean_vpc", "nyc3")])) == 3
    assert len(ids(found[("digitalocean_loadbalancer", "nyc3")])) == 3
    assert len(ids(found[("digitalocean_kubernetes_cluster", "nyc3")])) == 3
    assert len(ids(found[("digitalocean_database_cluster", "nyc3")])) == 3
    for global_type in ("ssh_key", "firewall", "project", "certificate", "domain"):
        assert len(ids(found[(f"digitalocean_{global_type}", GLOBAL_REGION)])) == 3
    # Three domains (two pages), each with three records (two pages each).
    assert len(ids(found[("digitalocean_record", GLOBAL_REGION)])) == 9
    project = next(
        r for r in found[("digitalocean_project", GLOBAL_REGION)].resources if r.id.endswith("1")
    )
    assert project.attributes["resources"] == [
        "do:droplet:3164444",
        "do:droplet:3164445",
        "do:droplet:3164446",
    ]

    # Every paged listing was asked for its second page, with DigitalOcean's largest page.
    paged = [
        p for p, items in digitalocean.collections.items() if len(items) > 2 and p not in UNPAGED
    ]
    assert len(paged) >= 12
    for path in paged:
        asked = digitalocean.asked(path)
        assert {r.query.get("page") for r in asked} == {"1", "2"}, path
        assert {r.query.get("per_page") for r in asked} == {"200"}, path


def test_terraform_attribute_names_and_ids(digitalocean: FakeDigitalOcean) -> None:
    seed(digitalocean)
    found = scan(DigitalOceanProvider(), API_TYPES, ["nyc3"])
    web = found[("digitalocean_droplet", "nyc3")].resources[0]
    assert (web.id, web.provider, web.region) == ("3164444", "digitalocean", "nyc3")
    assert {
        k: web.attributes[k] for k in ("name", "size", "image", "region", "monitoring", "tags")
    } == {
        "name": "web-1",
        "size": "s-1vcpu-1gb",
        "image": "ubuntu-24-04-x64",
        "region": "nyc3",
        "monitoring": True,
        "tags": ["env:prod", "web"],
    }
    records = {r.id: r for r in found[("digitalocean_record", GLOBAL_REGION)].resources}
    # The provider stores name-valued record data fully qualified.
    assert records["1001"].attributes["value"] == "ns1.digitalocean.com."
    assert records["1002"].attributes["domain"] == "example.com"
    fw = found[("digitalocean_firewall", GLOBAL_REGION)].resources[0]
    assert fw.attributes["outbound_rule"][0]["port_range"] == "all"
    cert = found[("digitalocean_certificate", GLOBAL_REGION)].resources[0]
    assert cert.id == cert.attributes["name"] == "cert-0"
    cluster = found[("digitalocean_kubernetes_cluster", "nyc3")].resources[0]
    assert cluster.attributes["tags"] == ["prod"]
    assert cluster.attributes["node_pool"][0]["node_count"] == 3
    database = found[("digitalocean_database_cluster", "nyc3")].resources[0]
    assert "s3cret" not in repr(database.attributes)


def counters(service: str) -> tuple[float, float, float]:
    key = ("digitalocean", service)
    calls, throttles, retries = (
        t.snapshot().get(key, 0) for t in (PROVIDER_CALLS, PROVIDER_THROTTLES, PROVIDER_RETRIES)
    )
    return calls, throttles, retries


def test_a_429_is_retried_after_the_wait_it_asks_for(digitalocean: FakeDigitalOcean) -> None:
    seed(digitalocean)
    digitalocean.fail("/v2/droplets", 429, headers={"Retry-After": "1"})
    provider = DigitalOceanProvider(retry=QUICK)
    before = counters("droplets")
    started = time.monotonic()
    found = scan(provider, ["digitalocean_droplet"], ["nyc3", "ams3"])
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured
    assert ids(found[("digitalocean_droplet", "nyc3")]) == ["3164444", "3164445"]
    assert ids(found[("digitalocean_droplet", "ams3")]) == ["3164446"]
    assert provider.last_stats.retries == 1 and provider.last_stats.throttled == 1
    after = counters("droplets")
    # Two calls (two pages), one throttled attempt, one retry.
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == (2, 1, 1)


def test_ratelimit_reset_is_honoured_when_there_is_no_retry_after(
    digitalocean: FakeDigitalOcean,
) -> None:
    seed(digitalocean)
    digitalocean.fail("/v2/vpcs", 429, headers={"ratelimit-reset": str(int(time.time()) + 1)})
    found = scan(DigitalOceanProvider(retry=QUICK), ["digitalocean_vpc"], ["nyc3"])
    assert len(ids(found[("digitalocean_vpc", "nyc3")])) == 3
    assert len(digitalocean.asked("/v2/vpcs")) == 3  # the 429, then two pages


def test_429_past_the_retries_leaves_that_type_unobserved(digitalocean: FakeDigitalOcean) -> None:
    seed(digitalocean)
    digitalocean.fail("/v2/droplets", 429, times=None, headers={"Retry-After": "0"})
    found = scan(
        DigitalOceanProvider(retry=QUICK),
        ["digitalocean_droplet", "digitalocean_volume"],
        ["nyc3", "ams3"],
    )
    for region in ("nyc3", "ams3"):
        outcome = found[("digitalocean_droplet", region)]
        assert outcome.resources == []
        assert outcome.unobserved_reason == (
            "throttled: 429 too_many_requests: API Rate limit exceeded."
        )
    assert len(digitalocean.asked("/v2/droplets")) == 3  # QUICK's three attempts
    assert len(ids(found[("digitalocean_volume", "nyc3")])) == 3


def test_a_wait_longer_than_the_policy_allows_is_not_waited(
    digitalocean: FakeDigitalOcean,
) -> None:
    seed(digitalocean)
    digitalocean.fail("/v2/droplets", 429, times=None, headers={"Retry-After": "3600"})
    started = time.monotonic()
    found = scan(DigitalOceanProvider(retry=QUICK), ["digitalocean_droplet"], ["nyc3"])
    assert time.monotonic() - started < 10
    assert found[("digitalocean_droplet", "nyc3")].unobserved_reason is not None
    assert len(digitalocean.asked("/v2/droplets")) == 1


def test_a_page_failing_after_the_first_leaves_no_partial_list(
    digitalocean: FakeDigitalOcean,
) -> None:
    seed(digitalocean)
    # The first page answers; every later request to the listing fails.
    original = digitalocean.answer

    def second_page_fails(method: str, target: str, authorization: str | None) -> Any:
        if target.startswith("/v2/volumes") and "page=2" in target:
            return 503, {}, {"id": "service_unavailable", "message": "down"}
        return original(method, target, authorization)

    digitalocean.answer = second_page_fails  # type: ignore[method-assign]
    found = scan(DigitalOceanProvider(retry=QUICK), ["digitalocean_volume"], ["nyc3"])
    outcome = found[("digitalocean_volume", "nyc3")]
    assert outcome.resources == []
    assert outcome.unobserved_reason == "error: 503 service_unavailable: down"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (403, "access denied: 403 forbidden: You do not have access for the attempted action."),
        (500, "error: 500 server_error: Unexpected server-side error"),
    ],
)
def test_a_refused_or_failing_listing_is_unobserved_and_the_rest_completes(
    digitalocean: FakeDigitalOcean, status: int, reason: str
) -> None:
    seed(digitalocean)
    digitalocean.fail("/v2/firewalls", status, times=None)
    found = scan(
        DigitalOceanProvider(retry=QUICK), ["digitalocean_firewall", "digitalocean_ssh_key"]
    )
    assert found[("digitalocean_firewall", GLOBAL_REGION)].unobserved_reason == reason
    assert len(ids(found[("digitalocean_ssh_key", GLOBAL_REGION)])) == 3
    # A refusal is final; a server error is tried again.
    assert len(digitalocean.asked("/v2/firewalls")) == (1 if status == 403 else 3)


def test_a_server_error_then_success_is_retried(digitalocean: FakeDigitalOcean) -> None:
    seed(digitalocean)
    digitalocean.fail("/v2/domains/example.net/records", 500)
    found = scan(DigitalOceanProvider(retry=QUICK), ["digitalocean_record"])
    assert len(ids(found[("digitalocean_record", GLOBAL_REGION)])) == 9


def test_regions_that_cannot_be_listed_leave_regional_types_unobserved(
    digitalocean: FakeDigitalOcean,
) -> None:
    seed(digitalocean)
    digitalocean.fail("/v2/regions", 403, times=None)
    found = scan(DigitalOceanProvider(retry=QUICK), ["digitalocean_droplet", "digitalocean_domain"])
    assert found[("digitalocean_droplet", "*")].unobserved_reason == (
        "access denied: 403 forbidden: You do not have access for the attempted action. "
        "(listing the available regions)"
    )
    assert len(ids(found[("digitalocean_domain", GLOBAL_REGION)])) == 3


def test_each_outcome_is_handed_over_as_it_lands(digitalocean: FakeDigitalOcean) -> None:
    seed(digitalocean)
    seen: list[tuple[str, str]] = []
    outcomes = asyncio.run(
        DigitalOceanProvider().scan(
            ["nyc3"],
            ["digitalocean_droplet", "digitalocean_ssh_key"],
            lambda o: seen.append((o.type, o.region)),
        )
    )
    assert sorted(seen) == [(o.type, o.region) for o in outcomes]


# --- check_access ------------------------------------------------------------------------


def test_check_access_returns_the_account(digitalocean: FakeDigitalOcean) -> None:
    assert DigitalOceanProvider().check_access() == digitalocean.account["uuid"]


def test_a_rejected_token_says_to_check_it(
    digitalocean: FakeDigitalOcean, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGITALOCEAN_TOKEN", "dop_v1_revoked")
    with pytest.raises(ProviderAuthError, match="check DIGITALOCEAN_TOKEN") as raised:
        DigitalOceanProvider().check_access()
    assert "dop_v1_revoked" not in str(raised.value)
    assert "401 unauthorized" in str(raised.value)


def test_no_token_says_which_variable_to_set(
    digitalocean: FakeDigitalOcean, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGITALOCEAN_TOKEN")
    with pytest.raises(ProviderAuthError, match="set DIGITALOCEAN_TOKEN"):
        DigitalOceanProvider().check_access()
    # A scan without a token reports every listing unobserved rather than raising.
    found = scan(DigitalOceanProvider(), ["digitalocean_droplet"], ["nyc3"])
    assert "DIGITALOCEAN_TOKEN" in (found[("digitalocean_droplet", "nyc3")].unobserved_reason or "")
    assert digitalocean.requests == []


def test_an_unreachable_endpoint_says_what_to_check(
    digitalocean: FakeDigitalOcean, monkeypatch: pytest.MonkeyPatch, unused_port: int
) -> None:
    monkeypatch.setenv("DIGITALOCEAN_API_URL", f"https://127.0.0.1:{unused_port}")
    with pytest.raises(ProviderUnreachableError, match="check DIGITALOCEAN_API_URL"):
        DigitalOceanProvider().check_access()


def test_a_plain_http_endpoint_is_refused_before_the_token_is_sent(
    digitalocean: FakeDigitalOcean, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGITALOCEAN_API_URL", digitalocean.url.replace("https://", "http://"))
    with pytest.raises(ProviderError, match="must be an https:// URL"):
        DigitalOceanProvider().check_access()
    assert digitalocean.requests == []


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
