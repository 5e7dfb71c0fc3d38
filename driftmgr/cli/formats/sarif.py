"""SARIF 2.1.0: one result per finding, for code scanning dashboards (GitHub, GitLab …).

A drift finding has no line of code, so its location is logical: the Terraform address (kind
``resource``) and the cloud object (kind ``object``). With a single state source, that state's
URI is the physical location too, as GitHub code scanning asks for one.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from driftmgr import __version__
from driftmgr.cli.formats._text import KINDS, subject
from driftmgr.cli.terminal import safe, safe_json

__all__ = ["LEVELS", "SARIF_SCHEMA", "render_sarif", "to_sarif"]

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

#: Severity → SARIF level: what must stop a pipeline is an error, what should be read a note.
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}

_RULES = {
    "modified": "A managed resource's attributes differ from its Terraform state.",
    "missing": "A resource in a Terraform state no longer exists in the cloud.",
    "unmanaged": "A cloud resource that no Terraform state manages.",
    "unobserved": "A resource driftmgr could not check (access denied, throttled …).",
}


def _rule(kind: str) -> dict[str, Any]:
    return {
        "id": f"drift/{kind}",
        "name": f"Drift{kind.capitalize()}",
        "shortDescription": {"text": f"{kind} resource"},
        "fullDescription": {"text": _RULES[kind]},
        "help": {"text": "docs/drift-report.md describes each kind and what to do about it."},
        "properties": {"tags": ["drift", "terraform"]},
    }


def _message(drift: dict[str, Any]) -> str:
    name = subject(drift)
    ident = f" ({safe(str(drift['type']))} {safe(str(drift['id']))})" if drift.get("id") else ""
    if drift["kind"] == "modified":
        paths = ", ".join(safe(str(c["path"])) for c in drift["changes"])
        return f"{name}{ident} is modified at {paths}"
    if drift["kind"] == "missing":
        return f"{name}{ident} is in the state but missing from the cloud"
    if drift["kind"] == "unmanaged":
        return f"{name} exists in the cloud but no Terraform state manages it"
    return f"{name}{ident} could not be checked: {safe(str(drift.get('reason') or 'unknown'))}"


def _locations(drift: dict[str, Any], sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    logical = []
    if drift.get("address"):
        logical.append(
            {"fullyQualifiedName": drift["address"], "name": drift["address"], "kind": "resource"}
        )
    cloud = drift.get("cloud")
    if cloud:
        logical.append(
            {
                "fullyQualifiedName": f"{cloud['type']}/{cloud['id']}",
                "name": cloud["id"],
                "kind": "object",
            }
        )
    elif drift.get("id"):
        logical.append(
            {
                "fullyQualifiedName": f"{drift['type']}/{drift['id']}",
                "name": drift["id"],
                "kind": "object",
            }
        )
    location: dict[str, Any] = {"logicalLocations": logical}
    if len(sources) == 1:
        location["physicalLocation"] = {"artifactLocation": {"uri": sources[0]["uri"]}}
    return [location] if logical or "physicalLocation" in location else []


def _fingerprint(drift: dict[str, Any]) -> str:
    """Stable across runs for the same finding, so a dashboard tracks it rather than
    opening a new alert each run."""
    cloud = drift.get("cloud") or {}
    parts = [
        drift["kind"],
        drift["type"],
        drift.get("address") or "",
        drift.get("id") or "",
        cloud.get("type") or "",
        cloud.get("id") or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def to_sarif(report: dict[str, Any]) -> dict[str, Any]:
    """The SARIF log (one run) for a drift report."""
    results = []
    for drift in report["drifts"]:
        result: dict[str, Any] = {
            "ruleId": f"drift/{drift['kind']}",
            "ruleIndex": KINDS.index(drift["kind"]),
            "level": LEVELS[drift["severity"]],
            "message": {"text": _message(drift)},
            "partialFingerprints": {"driftFinding/v1": _fingerprint(drift)},
            "properties": {"finding": drift},
        }
        locations = _locations(drift, report["sources"])
        if locations:
            result["locations"] = locations
        results.append(result)
    invocation: dict[str, Any] = {"executionSuccessful": report["status"] == "completed"}
    if report.get("started_at"):
        invocation["startTimeUtc"] = report["started_at"]
    if report.get("completed_at"):
        invocation["endTimeUtc"] = report["completed_at"]
    run = {
        "tool": {
            "driver": {
                "name": "driftmgr",
                "version": __version__,
                "rules": [_rule(kind) for kind in KINDS],
            }
        },
        # The category (up to the last slash) stays the same from run to run.
        "automationDetails": {"id": f"driftmgr/drift/{report['run_id']}"},
        "invocations": [invocation],
        "results": results,
        "properties": {
            "runId": report["run_id"],
            "status": report["status"],
            "scope": report["scope"],
            "sources": report["sources"],
            "summary": report["summary"],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: dict[str, Any]) -> str:
    text = msgspec.json.format(msgspec.json.encode(to_sarif(report)), indent=2).decode()
    return safe_json(text) + "\n"
