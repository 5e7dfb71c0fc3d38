"""`driftmgr providers`: what a user asks before writing `--type`: which clouds, which types."""

from __future__ import annotations

from collections.abc import Callable

from driftmgr.adapters.providers.aws import ENUMERATORS
from tests.e2e.conftest import Ran


def test_providers_lists_every_aws_type_driftmgr_scans(driftmgr: Callable[..., Ran]) -> None:
    ran = driftmgr("providers", "-o", "json")
    assert ran.code == 0, ran.stderr
    listed = ran.json()
    assert list(listed) == ["aws"]
    assert listed["aws"]["types"] == sorted(ENUMERATORS)


def test_providers_as_a_table_has_one_row_per_type(driftmgr: Callable[..., Ran]) -> None:
    ran = driftmgr("providers")
    assert ran.code == 0, ran.stderr
    header, *lines = ran.stdout.splitlines()
    assert header.split() == ["PROVIDER", "TYPE"]
    rows = [line.split() for line in lines if line.strip()]
    assert {tuple(r) for r in rows} == {("aws", t) for t in ENUMERATORS}
