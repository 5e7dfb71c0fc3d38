"""docs/schemas/drift-report.v1.json against the types that emit reports, and the engine.

The schema (and docs/drift-report.md) is what users read; report.py is what the code emits.
These tests keep them in step: the schema requires every field the structs always emit and
its enums are their Literals; a report of every kind of finding validates, and the mistakes a
schema is for do not; the example in the docs keeps it; whatever the engine finds does too.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args
from uuid import UUID

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from driftmgr.domain.drift.engine import canonical_key, detect_drift
from driftmgr.domain.drift.report import (
    SCHEMA_VERSION,
    CloudObject,
    DriftChange,
    DriftItem,
    DriftKind,
    DriftReport,
    DriftScope,
    DriftSummary,
    ReportSource,
    RunStatus,
    Severity,
    summarise,
)
from driftmgr.domain.drift.scope import is_global_type
from driftmgr.domain.drift.severity import severity_of
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource, ScanOutcome, StateResource
from tests.support.report_contract import SCHEMA_PATH, contract_problems, load_schema, validator
from tests.unit.domain.drift.test_golden import case_files, load_case, run, scenario
from tests.unit.domain.drift.test_properties import compared_names, typed_attributes, value_strategy

DOC = SCHEMA_PATH.parents[1] / "drift-report.md"
REGION = "us-east-1"
SCOPE = DriftScope(providers=["aws"], regions=[REGION])


def report_json(
    items: list[DriftItem],
    summary: DriftSummary,
    scope: DriftScope = SCOPE,
    status: RunStatus = "completed",
) -> dict[str, Any]:
    """A report as the CLI and the API emit it: the struct, msgspec-encoded, decoded as JSON."""
    report = DriftReport(
        schema_version=SCHEMA_VERSION,
        run_id=UUID("0b8e5a52-6c1f-4c4e-9a8e-3f1f6a1c2d3e"),
        status=status,
        started_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        completed_at=datetime(2026, 11, 26, 10, 0, 4, 512000, tzinfo=UTC),
        sources=[
            ReportSource(
                state_id=UUID("6d1c9f2e-0c47-4f5a-8a51-2b6f4e7d9a10"),
                uri="tfstate+s3://tf-states/prod/terraform.tfstate",
                serial=42,
                lineage="4f3b4bde-7a7e-4a31-9a55-3c1ad2f1de80",
            )
        ],
        scope=scope,
        summary=summary,
        drifts=items,
    )
    decoded: dict[str, Any] = json.loads(msgspec.json.encode(report))
    return decoded


def every_kind() -> dict[str, Any]:
    """One finding of each kind, in the engine's order; the modified one has a set change."""
    rule = {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}
    items = [
        DriftItem(
            kind="modified",
            address="aws_security_group.web",
            type="aws_security_group",
            id="sg-0123456789abcdef0",
            provider="aws",
            region=REGION,
            severity="critical",
            cloud=CloudObject(type="aws_security_group", id="sg-0123456789abcdef0"),
            changes=[
                DriftChange(path="ingress", expected=[], actual=[rule], added=[rule], removed=[]),
                DriftChange(path="tags.Owner", expected="team-a", actual=None),
            ],
        ),
        DriftItem(
            kind="missing",
            address='aws_s3_bucket.data["assets"]',
            type="aws_s3_bucket",
            id="acme-assets",
            provider="aws",
            region=REGION,
            severity="high",
        ),
        DriftItem(
            kind="unmanaged",
            address=None,
            type="aws_iam_role",
            id="shadow",
            provider="aws",
            region=GLOBAL_REGION,
            severity="high",
            import_id="shadow",
            cloud=CloudObject(type="aws_iam_role", id="shadow"),
        ),
        DriftItem(
            kind="unobserved",
            address="aws_sqs_queue.jobs",
            type="aws_sqs_queue",
            id=None,
            provider="aws",
            region=REGION,
            severity="medium",
            reason="the state records no id for this resource",
        ),
    ]
    return report_json(items, summarise(items, in_sync=3, ignored=1))


# --- the schema and the types -----------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _definition(schema: dict[str, Any], struct: type[msgspec.Struct]) -> dict[str, Any]:
    names = {
        DriftReport: None,
        ReportSource: "source",
        DriftScope: "scope",
        DriftSummary: "summary",
        DriftItem: "drift",
        DriftChange: "change",
    }
    name = names[struct]
    return schema if name is None else dict(schema["$defs"][name])


@pytest.mark.parametrize(
    "struct", [DriftReport, ReportSource, DriftScope, DriftSummary, DriftItem, DriftChange]
)
def test_the_schema_requires_what_the_types_always_emit_and_describes_every_field(
    struct: type[msgspec.Struct],
) -> None:
    definition = _definition(load_schema(), struct)
    fields = msgspec.structs.fields(struct)
    # omit_defaults leaves a field out while it holds its default: optional in the JSON.
    omits = struct.__struct_config__.omit_defaults
    always = {
        f.encode_name
        for f in fields
        if not omits or (f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT)
    }
    assert set(definition["required"]) == always
    assert {f.encode_name for f in fields} <= set(definition["properties"])


@pytest.mark.parametrize(
    ("pointer", "literal"),
    [
        (("$defs", "drift", "properties", "kind"), DriftKind),
        (("$defs", "drift", "properties", "severity"), Severity),
        (("properties", "status"), RunStatus),
    ],
    ids=["kind", "severity", "status"],
)
def test_the_schema_enums_are_the_types_literals(pointer: tuple[str, ...], literal: Any) -> None:
    node: Any = load_schema()
    for step in pointer:
        node = node[step]
    assert node["enum"] == list(get_args(literal))


def test_schema_version_is_the_one_the_code_emits() -> None:
    assert load_schema()["properties"]["schema_version"] == {"const": SCHEMA_VERSION}


# --- valid reports ----------------------------------------------------------------------------


def test_a_report_with_every_kind_of_finding_keeps_the_contract() -> None:
    report = every_kind()
    assert {d["kind"] for d in report["drifts"]} == set(get_args(DriftKind))
    assert contract_problems(report) == []


def test_an_unfinished_run_with_an_empty_report_keeps_the_contract() -> None:
    scope = DriftScope(providers=["aws"], regions=[], types=["aws_vpc"], tags={"team": ""})
    report = report_json([], DriftSummary(), scope=scope, status="requested")
    report["started_at"] = report["completed_at"] = None
    assert contract_problems(report) == []


def test_the_example_in_the_docs_keeps_the_contract_and_its_numbers_add_up() -> None:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1, "docs/drift-report.md should have one complete JSON example"
    example = json.loads(blocks[0])
    assert contract_problems(example) == []
    # The compliance score is the one number contract_problems cannot recompute.
    items = msgspec.convert(example["drifts"], list[DriftItem])
    summary = example["summary"]
    again = summarise(items, in_sync=summary["in_sync"], ignored=summary["ignored"])
    assert msgspec.to_builtins(again) == summary
    for item in items:
        assert item.severity == severity_of(item.kind, item.type, item.changes), item.address


# --- what the schema must catch ---------------------------------------------------------------

DELETE = object()
"""Instead of a value: remove the key."""

#: A mistake each, as (path into every_kind(), new value). Drift 0 is modified (change 0 a set
#: change, change 1 a tag), 1 missing, 2 unmanaged, 3 unobserved.
MISTAKES: dict[str, tuple[tuple[str | int, ...], Any]] = {
    "an unknown kind": (("drifts", 0, "kind"), "changed"),
    "an unknown severity": (("drifts", 1, "severity"), "severe"),
    "an unknown status": (("status",), "done"),
    "schema_version 2": (("schema_version",), 2),
    "schema_version as a string": (("schema_version",), "1"),
    "a summary key missing": (("summary", "unmanaged"), DELETE),
    "a negative count": (("summary", "missing"), -1),
    "a fractional count": (("summary", "in_sync"), 1.5),
    "a count as a string": (("summary", "total"), "9"),
    "coverage above 100": (("summary", "coverage"), 100.01),
    "a negative compliance score": (("summary", "compliance_score"), -0.5),
    "no drifts list": (("drifts",), DELETE),
    "no error key": (("error",), DELETE),
    "a run id that is no UUID": (("run_id",), "run-1"),
    "a time that is no timestamp": (("started_at",), "yesterday"),
    "a source without its serial": (("sources", 0, "serial"), DELETE),
    "a negative serial": (("sources", 0, "serial"), -1),
    "a scope without providers": (("scope", "providers"), DELETE),
    "scope types as one string": (("scope", "types"), "aws_vpc"),
    "a drift without its reason key": (("drifts", 1, "reason"), DELETE),
    "a drift without an address key": (("drifts", 2, "address"), DELETE),
    "a type that is not a string": (("drifts", 1, "type"), None),
    "a change without a path": (("drifts", 0, "changes", 1, "path"), DELETE),
    "a change without its expected value": (("drifts", 0, "changes", 1, "expected"), DELETE),
    "a set change with added but no removed": (("drifts", 0, "changes", 0, "removed"), DELETE),
    "a modified drift without changes": (("drifts", 0, "changes"), []),
    "a missing drift with changes": (
        ("drifts", 1, "changes"),
        [{"path": "tags.a", "expected": "1", "actual": None}],
    ),
    "an unmanaged drift with an address": (("drifts", 2, "address"), "aws_iam_role.shadow"),
    "an unmanaged drift without an id": (("drifts", 2, "id"), None),
    "an unmanaged drift without an import id": (("drifts", 2, "import_id"), None),
    "a modified drift with an import id": (("drifts", 0, "import_id"), "sg-1"),
    "a cloud object without an id": (("drifts", 0, "cloud"), {"type": "aws_vpc"}),
    "an unobserved drift without a reason": (("drifts", 3, "reason"), None),
    "a modified drift with a reason": (("drifts", 0, "reason"), "because"),
}


def _mistaken(report: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    mistaken = copy.deepcopy(report)
    node: Any = mistaken
    for step in path[:-1]:
        node = node[step]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    assert mistaken != report, "the mistake changed nothing"
    return mistaken


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_the_schema_rejects(mistake: str) -> None:
    path, value = MISTAKES[mistake]
    report = every_kind()
    report["scope"]["types"] = ["aws_vpc"]  # so that a mistake can be made in it
    assert validator().is_valid(report)
    assert not validator().is_valid(_mistaken(report, path, value))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("summary", "modified"), 2),  # one modified drift is listed
        (("summary", "total"), 99),
        (("summary", "managed"), 0),
        (("summary", "coverage"), 50.0),
    ],
)
def test_summary_numbers_that_do_not_add_up_break_the_contract(
    path: tuple[str, ...], value: int | float
) -> None:
    report = _mistaken(every_kind(), path, value)
    assert validator().is_valid(report)  # no schema can tell ...
    assert contract_problems(report) != []  # ... but the contract says how they add up


# --- what the engine finds --------------------------------------------------------------------


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_the_findings_of_every_golden_case_make_a_report_that_keeps_the_contract(
    path: Path,
) -> None:
    case = load_case(path)
    findings = run(scenario(case))
    report = report_json(findings.items, findings.summary, scope=case.scope)
    assert contract_problems(report) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_the_engine_finds_makes_a_report_that_keeps_the_contract(
    data: st.DataObject,
) -> None:
    """One generated resource of any registered type: in the cloud or not, changed or not,
    secret or not, its listing failed or not, next to an object made by hand or not."""
    resource_type, rules, attributes = data.draw(typed_attributes())
    name = data.draw(st.sampled_from(compared_names(rules)))
    live_attributes = {**attributes, name: data.draw(value_strategy(name, rules))}
    resource = StateResource(
        address=f"{resource_type}.x",
        mode="managed",
        type=resource_type,
        name="x",
        provider="aws",
        provider_config="p",
        id="x",
        attributes=attributes,
        sensitive_paths=((name,),) if data.draw(st.booleans()) else (),
    )
    region = GLOBAL_REGION if is_global_type(resource_type) else REGION
    key = canonical_key(resource) or (resource_type, "x")
    live = []
    if data.draw(st.booleans(), label="in the cloud"):
        live.append(_live(key[0], key[1], region, live_attributes))
    if data.draw(st.booleans(), label="one made by hand"):
        live.append(_live(resource_type, "made-by-hand", region, live_attributes))
    failed = data.draw(st.sampled_from([None, "access denied: AccessDenied"]))
    outcome = ScanOutcome(
        provider="aws",
        type=resource_type,
        region=region,
        resources=[] if failed else live,
        unobserved_reason=failed,
    )

    findings = detect_drift([resource], [outcome], SCOPE)

    report = report_json(findings.items, findings.summary)
    assert contract_problems(report) == []


def _live(type_: str, id_: str, region: str, attributes: dict[str, Any]) -> LiveResource:
    return LiveResource(type=type_, id=id_, provider="aws", region=region, attributes=attributes)
