"""The drift report contract (schema v1, ``docs/drift-report.md``) as typed values.

The CLI's ``--output json`` and ``GET /api/v1/drift-runs/{id}/report`` both encode a
:class:`DriftReport`; nothing else decides the report's shape. A field added here belongs in
``docs/schemas/drift-report.v1.json`` too (tests/unit/domain/drift/test_report_schema.py checks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

__all__ = [
    "SCHEMA_VERSION",
    "SEVERITY_WEIGHTS",
    "CloudObject",
    "DriftChange",
    "DriftItem",
    "DriftKind",
    "DriftReport",
    "DriftScope",
    "DriftSummary",
    "ReportBody",
    "ReportSource",
    "RunStatus",
    "Severity",
    "summarise",
]

SCHEMA_VERSION = 1

DriftKind = Literal["modified", "missing", "unmanaged", "unobserved"]
Severity = Literal["critical", "high", "medium", "low"]
RunStatus = Literal["requested", "running", "completed", "failed", "cancelled"]

#: How much one drifted resource weighs against one resource in sync in the compliance
#: score (docs/compliance-score.md explains the formula and these numbers).
SEVERITY_WEIGHTS: dict[str, int] = {"critical": 10, "high": 5, "medium": 2, "low": 1}


class DriftChange(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One attribute that differs. ``added``/``removed`` appear only for unordered sets."""

    path: str
    expected: Any
    actual: Any
    added: list[Any] | None = None
    removed: list[Any] | None = None
    sensitive: bool = False
    """True when values are hidden (``"(sensitive)"``): the secret did change, and that is
    all the change says. Absent (false) otherwise."""


class CloudObject(msgspec.Struct, frozen=True, kw_only=True):
    """A cloud object as driftmgr's inventory knows it (``driftmgr inventory`` lists it so)."""

    type: str
    id: str


class DriftItem(msgspec.Struct, frozen=True, kw_only=True):
    kind: DriftKind
    address: str | None
    type: str
    id: str | None
    provider: str
    region: str | None
    severity: Severity
    changes: list[DriftChange] = msgspec.field(default_factory=list)
    reason: str | None = None
    options: list[str] = msgspec.field(default_factory=list)
    """The remediation strategies that fit this finding (``revert``, ``accept``, …), most
    usual first; empty for an unobserved one."""
    import_id: str | None = None
    """For an unmanaged finding, the id ``terraform import`` accepts for its type (also its
    ``id``); None for the other kinds."""
    cloud: CloudObject | None = None
    """The cloud object matched (or, for a missing finding, looked for) under driftmgr's
    canonical identity; None when the state records no id."""


class DriftSummary(msgspec.Struct, frozen=True, kw_only=True):
    total: int = 0
    managed: int = 0
    in_sync: int = 0
    modified: int = 0
    missing: int = 0
    unmanaged: int = 0
    unobserved: int = 0
    ignored: int = 0
    coverage: float = 0.0
    compliance_score: float = 0.0

    @property
    def has_drift(self) -> bool:
        return bool(self.modified or self.missing or self.unmanaged)


class ReportSource(msgspec.Struct, frozen=True, kw_only=True):
    state_id: UUID
    uri: str
    serial: int | None
    lineage: str | None


class DriftScope(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    providers: list[str]
    regions: list[str]
    types: list[str] | None = None
    tags: dict[str, str] | None = None
    """Only resources carrying these tags (an empty value: the key with any value)."""


class ReportBody(msgspec.Struct, kw_only=True):
    """What a drift job computes. Stored as a blob; the report adds the run's identity,
    status and times, which only the run's events know."""

    sources: list[ReportSource]
    scope: DriftScope
    summary: DriftSummary
    drifts: list[DriftItem]


class DriftReport(msgspec.Struct, kw_only=True):
    schema_version: int
    run_id: UUID
    status: RunStatus
    started_at: datetime | None
    completed_at: datetime | None
    sources: list[ReportSource]
    scope: DriftScope
    summary: DriftSummary
    drifts: list[DriftItem]
    error: str | None = None


def summarise(items: list[DriftItem], *, in_sync: int, ignored: int = 0) -> DriftSummary:
    """Counts, coverage and compliance score for one set of findings.

    coverage = managed / (managed + unmanaged + missing) × 100, and 0 when there is nothing.
    compliance_score = 100 × in_sync / (in_sync + Σ weight(severity of each drift)), over
    modified, missing and unmanaged findings; unobserved ones are not known to be good or
    bad, so they count on neither side. With nothing compared it is 100 when nothing was
    unobserved and 0 otherwise, so that "could not look" never reads as "all compliant".
    """
    counts = {"modified": 0, "missing": 0, "unmanaged": 0, "unobserved": 0}
    penalty = 0
    for item in items:
        counts[item.kind] += 1
        if item.kind != "unobserved":
            penalty += SEVERITY_WEIGHTS[item.severity]
    managed = in_sync + counts["modified"]
    denominator = managed + counts["unmanaged"] + counts["missing"]
    coverage = round(managed / denominator * 100, 2) if denominator else 0.0
    if in_sync + penalty:
        score = round(in_sync / (in_sync + penalty) * 100, 2)
    else:
        score = 0.0 if counts["unobserved"] else 100.0
    return DriftSummary(
        total=managed + counts["missing"] + counts["unmanaged"] + counts["unobserved"],
        managed=managed,
        in_sync=in_sync,
        modified=counts["modified"],
        missing=counts["missing"],
        unmanaged=counts["unmanaged"],
        unobserved=counts["unobserved"],
        ignored=ignored,
        coverage=coverage,
        compliance_score=score,
    )
