"""`gen-driftignore` lines, read back by the engine's own `.driftignore` parser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.cli.driftignore import driftignore_lines
from driftmgr.cli.report_output import write_output
from driftmgr.domain.drift.ignore import IgnoreRules
from tests.unit.cli.report_strategies import KINDS, reports


@settings(max_examples=150, deadline=None)
@given(reports(), st.sets(st.sampled_from(KINDS), min_size=1))
def test_the_lines_ignore_exactly_the_chosen_findings(
    report: dict[str, Any], kinds: set[str]
) -> None:
    rules = IgnoreRules.parse(driftignore_lines(report, kinds))
    for drift in report["drifts"]:
        cloud = drift["cloud"]
        ignored = rules.is_ignored(cloud["type"], cloud["id"])
        # A line break or blank at the end of an id cannot survive the file's reader.
        line = f"{cloud['type']}.{cloud['id']}"
        written = line.splitlines() == [line] and line == line.strip()
        assert ignored == (drift["kind"] in kinds and written), drift


def test_an_id_with_dots_and_wildcards_is_one_literal_rule() -> None:
    finding = {
        "kind": "unmanaged",
        "address": None,
        "type": "aws_s3_bucket",
        "id": "my.bucket*",
        "cloud": {"type": "aws_s3_bucket", "id": "my.bucket*"},
    }
    lines = driftignore_lines({"run_id": "r", "drifts": [finding]})
    assert lines[-1] == "aws_s3_bucket.my\\.bucket\\*"
    rules = IgnoreRules.parse(lines)
    assert rules.is_ignored("aws_s3_bucket", "my.bucket*")
    assert not rules.is_ignored("aws_s3_bucket", "my.bucket-2")


def test_write_output_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    target.write_text("old")
    write_output("new report\n", str(target))
    assert target.read_text() == "new report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.sarif"]
