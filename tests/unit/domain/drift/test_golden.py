"""The golden corpus: one JSON file per documented provider behaviour, state + cloud → findings.

Each file in ``golden/`` is ``{"name", "why", "scope", "ignore"?, "context"?, "state",
"live", "expected"}``; ``why`` names the provider doc, provider source or driftctl fixture the
case pins. The file name's prefix is its category (``normalise-``, ``identity-``,
``defaults-``, ``engine-``, ``sync-``).

To keep the files readable the runner fills in what every case would repeat:

- a state resource's ``type``, ``name``, ``module``, ``index_key`` and ``mode`` come from its
  ``address`` (``data.`` means a data source); ``provider`` is ``aws``, ``id`` is
  ``attributes.id``;
- a live outcome's ``provider`` is ``aws`` and its ``region`` the scope's first region; its
  resources take type, provider and region from the outcome;
- a live resource's ``is_default`` is what :func:`is_cloud_default` says for its attributes
  and the case's ``context`` (a ``CloudContext``) — exactly what the AWS adapter does —
  unless the file sets it.

The comparison is exact on the drift list (kind, type, id, as a multiset), on the change
paths of every listed drift that gives ``changes``, and on each summary field listed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from driftmgr.domain.drift.defaults import CloudContext, is_cloud_default
from driftmgr.domain.drift.engine import Findings, detect_drift
from driftmgr.domain.drift.ignore import IgnoreRules
from driftmgr.domain.drift.report import DriftItem, DriftKind, DriftScope, Severity
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import ScanOutcome, StateResource

GOLDEN = Path(__file__).parent / "golden"
CATEGORIES = ("normalise", "identity", "defaults", "engine", "sync")
AWS_PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'
DEFAULT_SCOPE = DriftScope(providers=["aws"], regions=["us-east-1"])

_ADDRESS = re.compile(
    r"^(?P<module>(?:module\.[^.\[]+(?:\[[^\]]+\])?\.)*)"
    r"(?P<data>data\.)?(?P<type>[a-z0-9_]+)\.(?P<name>[^.\[]+)(?:\[(?P<index>[^\]]+)\])?$"
)


class ExpectedChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    path: str
    expected: Any = msgspec.UNSET
    actual: Any = msgspec.UNSET
    added: Any = msgspec.UNSET
    removed: Any = msgspec.UNSET
    sensitive: bool | msgspec.UnsetType = msgspec.UNSET


class ExpectedDrift(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: DriftKind
    type: str
    id: str | None
    address: str | msgspec.UnsetType | None = msgspec.UNSET
    severity: Severity | msgspec.UnsetType = msgspec.UNSET
    reason: str | msgspec.UnsetType = msgspec.UNSET
    """A substring of the finding's reason."""
    changes: list[ExpectedChange] | msgspec.UnsetType = msgspec.UNSET
    import_id: str | msgspec.UnsetType | None = msgspec.UNSET
    cloud: dict[str, str] | msgspec.UnsetType | None = msgspec.UNSET
    """The matched cloud object, ``{"type", "id"}``."""


class Expected(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    summary: dict[str, float] = msgspec.field(default_factory=dict)
    drifts: list[ExpectedDrift] = msgspec.field(default_factory=list)


class GoldenCase(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    why: str
    scope: DriftScope = DEFAULT_SCOPE
    ignore: list[str] = msgspec.field(default_factory=list)
    context: CloudContext = msgspec.field(default_factory=CloudContext)
    state: list[dict[str, Any]]
    live: list[dict[str, Any]]
    expected: Expected


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    """A case decoded into the engine's own types."""

    state: list[StateResource]
    live: list[ScanOutcome]
    scope: DriftScope
    ignore: list[str]


def case_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.json"))


def load_case(path: Path) -> GoldenCase:
    return msgspec.json.decode(path.read_bytes(), type=GoldenCase)


def _index_key(raw: str | None) -> int | str | None:
    if raw is None:
        return None
    return int(raw) if raw.lstrip("-").isdigit() else raw.strip('"')


def state_resource(raw: dict[str, Any]) -> StateResource:
    match = _ADDRESS.match(raw["address"])
    assert match, f"not a Terraform address: {raw['address']}"
    attributes = raw.get("attributes", {})
    filled: dict[str, Any] = {
        "mode": "data" if match["data"] else "managed",
        "type": match["type"],
        "name": match["name"],
        "module": match["module"].rstrip(".") or None,
        "index_key": _index_key(match["index"]),
        "provider": "aws",
        "provider_config": AWS_PROVIDER,
        "id": attributes.get("id"),
    }
    return msgspec.convert({**filled, **raw}, StateResource)


def scan_outcome(raw: dict[str, Any], scope: DriftScope, context: CloudContext) -> ScanOutcome:
    outcome = {"provider": "aws", "region": scope.regions[0], **raw}
    resources = []
    for resource in raw.get("resources", []):
        attributes = resource.get("attributes", {})
        default = is_cloud_default(outcome["type"], {"id": resource["id"], **attributes}, context)
        resources.append(
            {
                "type": outcome["type"],
                "provider": outcome["provider"],
                "region": outcome["region"],
                "is_default": default,
                **resource,
                "attributes": attributes,
            }
        )
    return msgspec.convert({**outcome, "resources": resources}, ScanOutcome)


def scenario(case: GoldenCase) -> Scenario:
    return Scenario(
        state=[state_resource(r) for r in case.state],
        live=[scan_outcome(o, case.scope, case.context) for o in case.live],
        scope=case.scope,
        ignore=case.ignore,
    )


def run(s: Scenario) -> Findings:
    return detect_drift(s.state, s.live, s.scope, IgnoreRules.parse(s.ignore))


def _describe(items: list[DriftItem]) -> str:
    return "\n".join(
        f"  {i.kind} {i.type} {i.id} {i.address} {i.severity} "
        f"{[c.path for c in i.changes]} {i.reason or ''}"
        for i in items
    )


def _check_drift(expected: ExpectedDrift, item: DriftItem) -> None:
    where = f"{expected.kind} {expected.type} {expected.id}"
    if expected.address is not msgspec.UNSET:
        assert item.address == expected.address, where
    if expected.severity is not msgspec.UNSET:
        assert item.severity == expected.severity, where
    if expected.reason is not msgspec.UNSET:
        assert expected.reason in (item.reason or ""), where
    if expected.import_id is not msgspec.UNSET:
        assert item.import_id == expected.import_id, where
    if expected.cloud is not msgspec.UNSET:
        got_cloud = msgspec.to_builtins(item.cloud) if item.cloud else None
        assert got_cloud == expected.cloud, where
    if expected.changes is msgspec.UNSET:
        return
    actual = {c.path: c for c in item.changes}
    assert sorted(actual) == sorted(c.path for c in expected.changes), where
    for want in expected.changes:
        got = actual[want.path]
        for field in ("expected", "actual", "added", "removed", "sensitive"):
            value = getattr(want, field)
            if value is not msgspec.UNSET:
                assert getattr(got, field) == value, f"{where} {want.path}.{field}"


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_golden_case_produces_exactly_the_documented_findings(path: Path) -> None:
    case = load_case(path)
    findings = run(scenario(case))

    want = sorted((d.kind, d.type, d.id or "") for d in case.expected.drifts)
    got = sorted((i.kind, i.type, i.id or "") for i in findings.items)
    assert got == want, f"{case.name}\nfindings:\n{_describe(findings.items)}"

    for expected in case.expected.drifts:
        (item,) = [
            i
            for i in findings.items
            if (i.kind, i.type, i.id) == (expected.kind, expected.type, expected.id)
            and (expected.address is msgspec.UNSET or i.address == expected.address)
        ]
        _check_drift(expected, item)

    for field, value in case.expected.summary.items():
        assert getattr(findings.summary, field) == value, f"{case.name}: summary.{field}"


def test_the_corpus_has_at_least_45_cases_each_in_a_known_category_with_a_reason() -> None:
    files = case_files()
    assert len(files) >= 45
    for path in files:
        case = load_case(path)
        assert path.stem.split("-", 1)[0] in CATEGORIES, path.name
        assert len(case.why) > 40, f"{path.name}: say which documented behaviour it pins"
        assert case.expected.summary or case.expected.drifts, path.name


def test_claims_return_only_the_types_their_rules_declare() -> None:
    # The engine asks for claims only when a live object of a declared type is left over,
    # so a claim of an undeclared type would silently turn into an unmanaged finding.
    checked = 0
    for path in case_files():
        for resource in scenario(load_case(path)).state:
            rules = rules_for(resource.type)
            if rules.claims is None or rules.claimed_types is None:
                continue
            for claimed_type, _ in rules.claims(resource):
                assert claimed_type in rules.claimed_types, (path.stem, resource.address)
                checked += 1
    assert checked > 0
