"""The drift report contract as a test checks it: docs/schemas/drift-report.v1.json, plus the
summary arithmetic docs/drift-report.md states and a JSON Schema cannot express."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

__all__ = ["SCHEMA_PATH", "contract_problems", "load_schema", "validator"]

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "drift-report.v1.json"

_KINDS = ("modified", "missing", "unmanaged", "unobserved")


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@functools.cache
def validator() -> Draft202012Validator:
    """The schema's validator, built once; a broken schema fails here rather than passing all."""
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    # Formats are annotations in 2020-12 unless asked for: check uuid and date-time too.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def contract_problems(report: Any) -> list[str]:
    """Every way ``report`` (decoded JSON) breaks the contract; empty when it keeps it."""
    problems = [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator().iter_errors(report), key=lambda e: e.json_path)
    ]
    if problems:
        return problems  # the arithmetic below needs the shape to be right
    summary, drifts = report["summary"], report["drifts"]
    for kind in _KINDS:
        listed = sum(1 for drift in drifts if drift["kind"] == kind)
        if summary[kind] != listed:
            problems.append(f"$.summary.{kind} is {summary[kind]} but {listed} drifts are {kind}")
    if summary["managed"] != summary["in_sync"] + summary["modified"]:
        problems.append("$.summary.managed is not in_sync + modified")
    seen = summary["managed"] + sum(summary[k] for k in ("missing", "unmanaged", "unobserved"))
    if summary["total"] != seen:
        problems.append(f"$.summary.total is {summary['total']}, not {seen}")
    compared = summary["managed"] + summary["unmanaged"] + summary["missing"]
    coverage = round(summary["managed"] / compared * 100, 2) if compared else 0
    if summary["coverage"] != coverage:
        problems.append(f"$.summary.coverage is {summary['coverage']}, not {coverage}")
    return problems
