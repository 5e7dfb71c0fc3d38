"""Regions of a run over several clouds: plain ones for every provider, PROVIDER:REGION for
one provider's only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from driftmgr.domain.drift_run import regions_for

PROVIDERS = ("aws", "digitalocean", "google")
names = st.from_regex(r"[a-z]{2,4}-?[a-z0-9]{1,6}", fullmatch=True)
entries = st.one_of(names, st.tuples(st.sampled_from(PROVIDERS), names).map(":".join))


def test_plain_regions_are_everyones_and_prefixed_ones_their_providers() -> None:
    regions = ["eu-west-1", "aws:us-east-1", "digitalocean:nyc3"]
    assert regions_for(regions, "aws") == ["eu-west-1", "us-east-1"]
    assert regions_for(regions, "digitalocean") == ["eu-west-1", "nyc3"]
    assert regions_for(regions, "google") == ["eu-west-1"]


@given(st.lists(entries))
def test_each_region_goes_to_its_providers_and_no_other(regions: list[str]) -> None:
    plain = {r for r in regions if ":" not in r}
    for provider in PROVIDERS:
        own = {r.split(":", 1)[1] for r in regions if r.startswith(f"{provider}:")}
        assert regions_for(regions, provider) == sorted(plain | own)
