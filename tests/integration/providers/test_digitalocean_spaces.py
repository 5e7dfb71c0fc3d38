"""Spaces buckets through the S3 API (boto3), with the moto server standing in for Spaces."""

from __future__ import annotations

import asyncio

import boto3
import pytest

from driftmgr.adapters.providers.digitalocean import DigitalOceanProvider
from tests.support.fake_digitalocean import FakeDigitalOcean, digitalocean

__all__ = ["digitalocean"]


def test_buckets_are_listed_in_their_own_region(
    digitalocean: FakeDigitalOcean, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPACES_ENDPOINT_URL", aws)  # one endpoint for every region
    monkeypatch.setenv("SPACES_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("SPACES_SECRET_ACCESS_KEY", "testing")
    for name, region in (("assets-nyc", "nyc3"), ("backups-ams", "ams3")):
        s3 = boto3.client("s3", region_name=region, endpoint_url=aws)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket="backups-ams", VersioningConfiguration={"Status": "Enabled"})

    outcomes = asyncio.run(
        DigitalOceanProvider().scan(
            ["nyc3", "ams3", "fra1", "nyc1"], ["digitalocean_spaces_bucket"]
        )
    )
    found = {o.region: o for o in outcomes}
    assert all(o.observed for o in outcomes), [o.unobserved_reason for o in outcomes]
    assert [r.id for r in found["nyc3"].resources] == ["assets-nyc"]
    backups = found["ams3"].resources[0]
    assert (backups.id, backups.attributes["region"]) == ("backups-ams", "ams3")
    assert backups.attributes["versioning"] == [{"enabled": True}]
    assert found["fra1"].resources == []
    assert found["nyc1"].resources == []  # no Spaces there: nothing asked


def test_without_spaces_keys_buckets_are_unobserved(digitalocean: FakeDigitalOcean) -> None:
    outcomes = asyncio.run(DigitalOceanProvider().scan(["nyc3"], ["digitalocean_spaces_bucket"]))
    assert outcomes[0].unobserved_reason == (
        "not configured: no Spaces access key: set SPACES_ACCESS_KEY_ID and "
        "SPACES_SECRET_ACCESS_KEY to list Spaces buckets"
    )
