"""Hypothesis strategies for drift reports that keep their contract (docs/drift-report.md),
with hostile text in every place a user's data can reach."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

KINDS = ("modified", "missing", "unmanaged", "unobserved")
_ORDER = {kind: n for n, kind in enumerate(KINDS)}
_OPTIONS = {
    "modified": ["revert", "accept"],
    "missing": ["forget", "recreate"],
    "unmanaged": ["import"],
    "unobserved": [],
}

#: Text as tags and ids can hold it: markup, Markdown, backticks, quotes, control characters.
hostile = st.one_of(
    st.sampled_from(
        ["<script>alert(1)</script>", "`x``y`", "a|b", "](http://e.vil)", "@team", "a.b*c?[d]"]
    ),
    st.text(min_size=1, max_size=12),
)
types = st.sampled_from(["aws_instance", "aws_s3_bucket", "aws_security_group", "aws_vpc"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | hostile,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def changes(draw: st.DrawFn) -> dict[str, Any]:
    change: dict[str, Any] = {
        "path": draw(hostile),
        "expected": draw(json_values),
        "actual": draw(json_values),
    }
    if draw(st.booleans()):
        change["added"] = draw(st.lists(json_values, max_size=2))
        change["removed"] = draw(st.lists(json_values, max_size=2))
    return change


@st.composite
def findings(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    type_ = draw(types)
    ident = draw(hostile)
    return {
        "kind": kind,
        "address": None if kind == "unmanaged" else f"{type_}.{draw(hostile)}",
        "type": type_,
        "id": ident,
        "provider": "aws",
        "region": draw(st.sampled_from(["us-east-1", "global", None])),
        "severity": draw(st.sampled_from(["critical", "high", "medium", "low"])),
        "changes": draw(st.lists(changes(), min_size=1, max_size=3)) if kind == "modified" else [],
        "reason": draw(hostile) if kind == "unobserved" else None,
        "options": _OPTIONS[kind],
        "import_id": ident if kind == "unmanaged" else None,
        "cloud": {"type": type_, "id": ident},
    }


@st.composite
def reports(draw: st.DrawFn) -> dict[str, Any]:
    drifts = draw(st.lists(findings(), max_size=8))
    # One finding per cloud object, as the engine reports them.
    unique = {(d["cloud"]["type"], d["cloud"]["id"]): d for d in drifts}
    drifts = sorted(
        unique.values(), key=lambda d: (_ORDER[d["kind"]], d["type"], d["address"] or "", d["id"])
    )
    count = {kind: sum(1 for d in drifts if d["kind"] == kind) for kind in KINDS}
    in_sync = draw(st.integers(0, 5))
    managed = in_sync + count["modified"]
    compared = managed + count["unmanaged"] + count["missing"]
    return {
        "schema_version": 1,
        "run_id": "0b8e5a52-6c1f-4c4e-9a8e-3f1f6a1c2d3e",
        "status": "completed",
        "started_at": "2026-11-26T10:00:00Z",
        "completed_at": "2026-11-26T10:00:04.512000Z",
        "sources": [
            {
                "state_id": "6d1c9f2e-0c47-4f5a-8a51-2b6f4e7d9a10",
                "uri": "tfstate+s3://tf-states/prod/terraform.tfstate",
                "serial": 42,
                "lineage": None,
            }
        ],
        "scope": {"providers": ["aws"], "regions": ["us-east-1"]},
        "summary": {
            "total": compared + count["unobserved"],
            "managed": managed,
            "in_sync": in_sync,
            **count,
            "ignored": draw(st.integers(0, 3)),
            "coverage": round(managed / compared * 100, 2) if compared else 0,
            "compliance_score": 50.0,
        },
        "drifts": drifts,
        "error": None,
    }
