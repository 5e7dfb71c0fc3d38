"""The CI formats of a drift report: each is read back with the format's own tools."""

from __future__ import annotations

import copy
import functools
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from jsonschema import Draft4Validator
from junitparser import Failure, JUnitXml, Skipped

from driftmgr.cli.formats import render_html, render_junit, render_markdown, render_sarif
from driftmgr.cli.formats.markdown import code
from driftmgr.cli.terminal import safe
from tests.support.report_contract import contract_problems
from tests.unit.cli.report_strategies import reports

#: The official schema, vendored from the OASIS SARIF TC (tests/data/sarif/SOURCE.md).
SARIF_SCHEMA = Path(__file__).parents[2] / "data" / "sarif" / "sarif-schema-2.1.0.json"
EXAMPLE = Path(__file__).parents[3] / "docs" / "drift-report.md"


@functools.cache
def sarif_validator() -> Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def sarif_problems(log: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in sarif_validator().iter_errors(log)]


def example_report() -> dict[str, Any]:
    """The documented example report (docs/drift-report.md), one finding of each kind but
    unobserved, plus an unobserved one and a secret change."""
    text = EXAMPLE.read_text(encoding="utf-8")
    report: dict[str, Any] = json.loads(re.search(r"```json\n(.*?)\n```", text, re.S)[1])  # type: ignore[index]
    report["drifts"][0]["changes"].append(
        {"path": "user_data", "expected": "(sensitive)", "actual": "(sensitive)", "sensitive": True}
    )
    report["drifts"].append(
        {
            "kind": "unobserved",
            "address": "aws_iam_role.ci",
            "type": "aws_iam_role",
            "id": "ci",
            "provider": "aws",
            "region": "global",
            "severity": "low",
            "changes": [],
            "reason": "AccessDenied: iam:ListRoles",
            "options": [],
            "import_id": None,
            "cloud": {"type": "aws_iam_role", "id": "ci"},
        }
    )
    report["summary"]["unobserved"] = 1
    report["summary"]["total"] += 1
    assert contract_problems(report) == []
    return report


# SARIF


def test_sarif_of_the_documented_report_is_valid_sarif_2_1_0() -> None:
    log = json.loads(render_sarif(example_report()))
    assert sarif_problems(log) == []
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "drift/modified",
        "drift/missing",
        "drift/unmanaged",
        "drift/unobserved",
    ]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("drift/modified", "warning"),  # medium
        ("drift/modified", "error"),  # critical
        ("drift/missing", "error"),  # high
        ("drift/unmanaged", "error"),  # high
        ("drift/unobserved", "note"),  # low
    ]
    assert results[0]["message"]["text"] == (
        "module.web.aws_instance.app[0] (aws_instance i-0abc1234def567890) is modified at "
        "instance_type, tags.Owner, user_data"
    )
    assert "AccessDenied: iam:ListRoles" in results[4]["message"]["text"]
    logical = results[0]["locations"][0]["logicalLocations"]
    assert logical == [
        {
            "fullyQualifiedName": "module.web.aws_instance.app[0]",
            "name": "module.web.aws_instance.app[0]",
            "kind": "resource",
        },
        {
            "fullyQualifiedName": "aws_instance/i-0abc1234def567890",
            "name": "i-0abc1234def567890",
            "kind": "object",
        },
    ]
    assert run["properties"]["summary"]["modified"] == 2
    assert run["properties"]["runId"] == "0b8e5a52-6c1f-4c4e-9a8e-3f1f6a1c2d3e"


def test_the_sarif_schema_check_can_fail() -> None:
    log = json.loads(render_sarif(example_report()))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]
    assert len(sarif_problems(log)) == 2


def test_sarif_fingerprints_stay_the_same_from_run_to_run_and_differ_between_findings() -> None:
    first = example_report()
    second = copy.deepcopy(first)
    second["run_id"] = "11111111-6c1f-4c4e-9a8e-3f1f6a1c2d3e"
    second["drifts"][0]["changes"][0]["actual"] = "t3.xlarge"

    def prints(report: dict[str, Any]) -> list[str]:
        results = json.loads(render_sarif(report))["runs"][0]["results"]
        return [r["partialFingerprints"]["driftFinding/v1"] for r in results]

    assert prints(first) == prints(second)
    assert len(set(prints(first))) == len(first["drifts"])


@settings(max_examples=60, deadline=None)
@given(reports())
def test_every_finding_is_one_sarif_result_and_the_log_stays_valid(report: dict[str, Any]) -> None:
    assert contract_problems(report) == []
    log = json.loads(render_sarif(report))
    assert sarif_problems(log) == []
    results = log["runs"][0]["results"]
    assert [r["properties"]["finding"] for r in results] == report["drifts"]
    assert [r["ruleId"] for r in results] == [f"drift/{d['kind']}" for d in report["drifts"]]


# JUnit


def test_junit_fails_drift_skips_unobserved_and_passes_what_is_in_sync() -> None:
    report = example_report()
    xml = JUnitXml.fromstring(render_junit(report))
    suite = next(iter(xml))
    cases = list(suite)
    assert (suite.tests, suite.failures, suite.skipped, suite.errors) == (6, 4, 1, 0)
    passed = [c for c in cases if c.is_passed]
    assert [(c.classname, c.name) for c in passed] == [("in_sync", "5 resources in sync")]
    resized = next(c for c in cases if c.name == "module.web.aws_instance.app[0]")
    [failure] = resized.result
    assert isinstance(failure, Failure)
    assert failure.type == "drift/modified"
    assert "instance_type: t3.micro → t3.large" in failure.text
    assert "user_data: (sensitive) → (sensitive)" in failure.text
    role = next(c for c in cases if c.classname == "aws_iam_role")
    assert isinstance(role.result[0], Skipped)
    assert role.result[0].message == "unobserved: AccessDenied: iam:ListRoles"


@settings(max_examples=60, deadline=None)
@given(reports())
def test_every_finding_is_one_junit_case_failing_unless_unobserved(report: dict[str, Any]) -> None:
    xml = JUnitXml.fromstring(render_junit(report))
    cases = [c for c in next(iter(xml)) if c.classname != "in_sync"]
    assert len(cases) == len(report["drifts"])
    for case, drift in zip(cases, report["drifts"], strict=True):
        assert case.classname == drift["type"]
        [result] = case.result
        expected = Skipped if drift["kind"] == "unobserved" else Failure
        assert isinstance(result, expected)


# Markdown


def test_markdown_counts_by_kind_and_severity_then_lists_each_finding() -> None:
    text = render_markdown(example_report())
    assert text.startswith("## driftmgr: 4 drifted, 1 unobserved\n")
    assert "| modified | 1 | 0 | 1 | 0 | 2 |" in text
    assert "| unobserved | 0 | 0 | 0 | 1 | 1 |" in text
    assert "### Modified (2)" in text and "### Missing from the cloud (1)" in text
    assert "  - `instance_type`: `t3.micro → t3.large`" in text
    assert "  - `user_data`: `(sensitive) → (sensitive)`" in text
    assert "  - reason: `AccessDenied: iam:ListRoles`" in text


def test_markdown_of_a_clean_run_says_no_drift() -> None:
    report = example_report()
    report["drifts"] = []
    for kind in ("modified", "missing", "unmanaged", "unobserved"):
        report["summary"][kind] = 0
    text = render_markdown(report)
    assert text.startswith("## driftmgr: no drift\n") and "###" not in text


@settings(max_examples=200)
@given(reports().map(lambda r: [d["id"] for d in r["drifts"]]))
def test_a_code_span_holds_any_text_whole(values: list[str]) -> None:
    for value in values:
        span = code(value)
        fence = re.match(r"`+", span)[0]  # type: ignore[index]
        inner = span[len(fence) : -len(fence)]
        assert fence not in inner  # nothing inside closes it
        assert "\n" not in span
        assert inner.strip(" ") == safe(value).strip(" ") or inner == f" {safe(value)} "


# HTML


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


@settings(max_examples=60, deadline=None)
@given(reports())
def test_html_is_one_page_whose_markup_is_only_ours(report: dict[str, Any]) -> None:
    page = render_html(report)
    parser = _Tags()
    parser.feed(page)
    assert set(parser.tags) <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "p",
        "ul",
        "li",
        "table",
        "tr",
        "th",
        "td",
        "code",
        "span",
        "br",
    }
    assert parser.links == []  # nothing loaded from anywhere
    assert parser.tags.count("tr") == 1 + 4 + 1 + len(report["drifts"])


def test_html_escapes_what_findings_hold() -> None:
    report = example_report()
    report["drifts"][0]["changes"][0]["actual"] = "<script>alert(1)</script>"
    page = render_html(report)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
