"""CI outputs through the installed CLI against moto: SARIF into a file, the other formats
of the same run, and `gen-driftignore` lines that silence exactly what they name."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from demo.aws_drift import apply, drift_out_of_band, terraform_state
from junitparser import JUnitXml

from tests.e2e.conftest import Ran, kinds
from tests.e2e.test_cli_drift import detect
from tests.unit.cli.test_formats import sarif_problems


def test_drift_detect_writes_sarif_to_a_file_and_the_run_renders_in_every_format(
    aws: str, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    world = apply("ci")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    expected = drift_out_of_band(world)

    sarif_file = tmp_path / "out" / "drift.sarif"
    sarif_file.parent.mkdir()
    ran = detect(driftmgr, state, "-o", "sarif", "--out", str(sarif_file))
    assert ran.code == 2, ran.stderr  # drift, as with every other format
    assert ran.stdout == ""
    assert [p.name for p in sarif_file.parent.iterdir()] == ["drift.sarif"]
    log = json.loads(sarif_file.read_text(encoding="utf-8"))
    assert sarif_problems(log) == []
    run = log["runs"][0]
    by_rule: dict[str, int] = {}
    for result in run["results"]:
        by_rule[result["ruleId"]] = by_rule.get(result["ruleId"], 0) + 1
    assert by_rule == {"drift/modified": 3, "drift/missing": 1, "drift/unmanaged": 1}
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}
    run_id = run["properties"]["runId"]

    junit = driftmgr("drift", "report", run_id, "-o", "junit")
    assert junit.code == 2, junit.stderr
    suite = next(iter(JUnitXml.fromstring(junit.stdout)))
    assert (suite.failures, suite.skipped) == (5, 0)
    markdown = driftmgr("drift", "report", run_id, "-o", "markdown")
    assert markdown.stdout.startswith("## driftmgr: 5 drifted\n")
    assert "`instance_type`: `t3.micro → t3.large`" in markdown.stdout
    page = driftmgr("drift", "report", run_id, "-o", "html")
    assert page.stdout.startswith("<!DOCTYPE html>") and "aws_security_group.web" in page.stdout

    # gen-driftignore: only the unmanaged finding, then the next detect no longer reports it.
    ignore_file = tmp_path / ".driftignore"
    gen = driftmgr("gen-driftignore", run_id, "--kind", "unmanaged", "--out", str(ignore_file))
    assert gen.code == 0, gen.stderr
    again = detect(driftmgr, state, "-o", "json", "--driftignore", str(ignore_file))
    assert again.code == 2, again.stderr
    report = again.report()
    assert kinds(report) == {k: v for k, v in expected.items() if k != "unmanaged"}
    assert report["summary"]["ignored"] == 1
