"""Real Terraform over the committed state fixtures: regenerating them against moto, and
reading back what driftmgr writes.

The parser and serialiser tests over those fixtures are unit tests
(tests/unit/adapters/terraform/); these run terraform, so they live here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from driftmgr.adapters.terraform.state import parse_state, serialise_state
from tests.support.terraform import TOOLS_MISSING, fixture_generator
from tests.unit.adapters.terraform.test_real_states import ADDRESSES, STATES, read

needs_terraform = pytest.mark.skipif(
    TOOLS_MISSING is not None,
    reason=f"needs terraform and the aws provider mirror in /opt/tf-plugins: {TOOLS_MISSING}",
)


@pytest.mark.slow
@needs_terraform
def test_regenerating_the_fixtures_gives_the_same_addresses(tmp_path: Path) -> None:
    assert shutil.which("terraform")
    written = fixture_generator().generate(tmp_path, log=False)
    assert sorted(written) == ["default.show.json", "default.tfstate", "staging.tfstate"]
    for name in written:
        fresh, committed = read(name, tmp_path), read(name, STATES)
        assert {r.address for r in fresh.resources} == ADDRESSES, name
        assert [r.address for r in fresh.resources] == [r.address for r in committed.resources]
        assert [o.name for o in fresh.outputs] == [o.name for o in committed.outputs]
        assert {r.address: set(r.sensitive_paths) for r in fresh.resources} == {
            r.address: set(r.sensitive_paths) for r in committed.resources
        }


@pytest.mark.slow
@needs_terraform
def test_terraform_reads_a_written_state_as_it_read_the_original() -> None:
    written = serialise_state(parse_state((STATES / "default.tfstate").read_bytes()))
    shown = json.loads(fixture_generator().show_json(written))
    assert shown == json.loads((STATES / "default.show.json").read_bytes())
