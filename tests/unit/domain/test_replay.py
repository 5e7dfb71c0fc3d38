"""Replaying an aggregate's stored events gives exactly the live aggregate's state.

Events go through the real msgspec mapper (encode to bytes, decode back), so this also proves
that every event field survives storage with its type.
"""

from __future__ import annotations

import zlib
from datetime import UTC
from typing import Any
from uuid import UUID

import msgspec
import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import JSONTranscoder, MapperDeserialisationError, StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.adapters.eventstore.mapper import MsgspecMapper
from driftmgr.domain.base import Cause
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift.report import DriftChange, DriftItem, DriftSummary
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation import ApiCall, Target
from driftmgr.domain.remediation_plan import ActionSnapshot, RemediationAction, RemediationPlan
from driftmgr.domain.run import RunNotRunnable
from driftmgr.domain.state_file import StateFile, StateVersion

mapper = MsgspecMapper(transcoder=JSONTranscoder(), compressor=ZlibCompressor())

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
causes = st.builds(Cause, actor=names, correlation_id=st.uuids())
regions = st.lists(
    st.sampled_from(["us-east-1", "eu-west-1", "ap-south-1"]), min_size=1, max_size=3
)
types = st.lists(
    st.sampled_from(["aws_vpc", "aws_instance", "aws_iam_role"]), min_size=1, max_size=3
)
summaries = st.builds(
    DriftSummary,
    total=st.integers(0, 10**6),
    in_sync=st.integers(0, 10**6),
    coverage=st.floats(0, 100),
    compliance_score=st.floats(0, 100),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | names,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)
changes = st.builds(DriftChange, path=names, expected=json_values, actual=json_values)
items = st.builds(
    DriftItem,
    kind=st.sampled_from(["modified", "missing", "unmanaged"]),
    address=names,
    type=st.sampled_from(["aws_vpc", "aws_s3_bucket"]),
    id=names,
    provider=st.just("aws"),
    region=st.just("us-east-1"),
    severity=st.sampled_from(["critical", "high", "medium", "low"]),
    changes=st.lists(changes, max_size=2),
)


def replay(aggregate: Any) -> Any:
    """Store every event of `aggregate` and rebuild a fresh copy from the stored records."""
    rebuilt = None
    for event in aggregate.collect_events():
        stored = mapper.to_stored_event(event)
        rebuilt = mapper.to_domain_event(stored).mutate(rebuilt)  # type: ignore[attr-defined]
    return rebuilt


def state_of(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


@st.composite
def drift_runs(draw: st.DrawFn) -> DriftRun:
    run = DriftRun.request(
        state_ids=draw(st.lists(st.uuids(), min_size=1, max_size=3)),
        provider="aws",
        regions=draw(regions),
        resource_types=draw(st.none() | types),
        cause=draw(causes),
        priority=draw(st.integers(-5, 5)),
    )
    for step in draw(
        st.lists(st.sampled_from(["start", "inventory", "fail", "retry", "complete"]), max_size=8)
    ):
        cause = draw(causes)
        try:
            if step == "start":
                run.start(worker=draw(names), cause=cause)
            elif step == "inventory":
                run.record_inventory(draw(st.uuids()), cause)
            elif step in ("fail", "retry"):
                retry_at = draw(st.datetimes(timezones=st.just(UTC)))
                run.fail(
                    error=draw(names), retry_at=retry_at if step == "retry" else None, cause=cause
                )
            else:
                run.complete(report_sha256="ab" * 32, summary=draw(summaries), cause=cause)
        except RunNotRunnable:
            pass  # the command was refused; nothing was recorded
    return run


@st.composite
def discovery_runs(draw: st.DrawFn) -> DiscoveryRun:
    run = DiscoveryRun.request(
        provider="aws",
        regions=draw(regions),
        resource_types=draw(types),
        cause=draw(causes),
        drift_run_id=draw(st.none() | st.uuids()),
    )
    run.start(worker="w", cause=draw(causes))
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            run.record_scan(
                resource_type=draw(st.sampled_from(run.resource_types)),
                region=draw(st.sampled_from(run.regions)),
                resource_count=draw(st.integers(0, 1000)),
                inventory_sha256="cd" * 32,
                duration_ms=draw(st.integers(0, 10**5)),
                cause=draw(causes),
            )
        else:
            run.record_unobserved(
                resource_type=draw(st.sampled_from(run.resource_types)),
                region=draw(st.sampled_from(run.regions)),
                reason=draw(names),
                duration_ms=1,
                cause=draw(causes),
            )
    if draw(st.booleans()):
        run.complete(draw(causes))
    return run


@st.composite
def state_files(draw: st.DrawFn) -> StateFile:
    state = StateFile(source=draw(names), **draw(causes).fields())
    for serial in draw(st.lists(st.integers(0, 2**40), max_size=5)):
        state.record_import(
            StateVersion(
                serial=serial,
                lineage=draw(st.none() | names),
                terraform_version=draw(names),
                format_version=4,
                content_sha256=draw(st.sampled_from(["aa", "bb", "cc"])) * 32,
                size=draw(st.integers(0, 10**9)),
                resource_count=draw(st.integers(0, 10**5)),
            ),
            draw(causes),
        )
    return state


calls = st.builds(
    ApiCall,
    service=st.sampled_from(["ec2", "s3"]),
    operation=names,
    region=st.just("us-east-1"),
    params=st.dictionaries(names, json_values, max_size=3),
)


@st.composite
def actions(draw: st.DrawFn, index: int) -> RemediationAction:
    item = draw(items)
    return RemediationAction(
        index=index,
        strategy=draw(st.sampled_from(["revert", "quarantine", "import", "delete"])),
        drift_kind=item.kind,
        address=item.address,
        target=Target(provider="aws", type=item.type, id=item.id or "", region="us-east-1"),
        severity=item.severity,
        changes=item.changes,
        attributes=draw(st.lists(names, max_size=2)),
        calls=draw(st.lists(calls, max_size=2)),
        observed=draw(st.none() | st.dictionaries(names, json_values, max_size=3)),
    )


@st.composite
def plans(draw: st.DrawFn) -> RemediationPlan:
    count = draw(st.integers(1, 3))
    plan = RemediationPlan.plan(
        drift_run_id=draw(st.uuids()),
        actions=[draw(actions(i)) for i in range(count)],
        approval_threshold=draw(st.sampled_from([None, "low", "critical"])),
        cause=Cause(actor="planner"),
    )
    if draw(st.booleans()):
        plan.approve(reason=draw(st.none() | names), cause=Cause(actor="approver"))
        plan.request_apply(run_id=draw(st.uuids()), continue_on_error=False, cause=draw(causes))
        snapshots = [
            ActionSnapshot(
                index=a.index,
                exists=draw(st.booleans()),
                attributes=draw(st.dictionaries(names, json_values, max_size=3)),
            )
            for a in plan.actions
        ]
        plan.take_snapshot(targets=snapshots, states=[], cause=draw(causes))
        for action in plan.actions:
            if draw(st.booleans()):
                plan.record_applied(
                    action.index,
                    calls=draw(st.lists(calls, max_size=2)),
                    before=draw(st.dictionaries(names, json_values, max_size=2)),
                    after=draw(st.dictionaries(names, json_values, max_size=2)),
                    cause=draw(causes),
                )
            else:
                plan.record_aborted(action.index, reason=draw(names), cause=draw(causes))
        plan.finish_apply(draw(causes))
    return plan


@settings(max_examples=150, deadline=None)
@given(st.one_of(drift_runs(), discovery_runs(), state_files(), plans()))
def test_replaying_stored_events_reproduces_the_live_aggregate(aggregate: Any) -> None:
    live = state_of(aggregate)
    assert state_of(replay(aggregate)) == live


def test_a_record_missing_a_required_field_fails_to_decode_loudly() -> None:
    run = DriftRun.request(
        state_ids=[UUID(int=1)],
        provider="aws",
        regions=["us-east-1"],
        resource_types=None,
        cause=Cause(actor="a"),
    )
    (requested,) = run.collect_events()
    stored = mapper.to_stored_event(requested)
    payload = msgspec.json.decode(zlib.decompress(stored.state))
    del payload["priority"]  # a damaged record: `priority` has no default
    damaged = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=zlib.compress(msgspec.json.encode(payload)),
    )
    with pytest.raises(MapperDeserialisationError, match="priority"):
        mapper.to_domain_event(damaged)


def test_a_plan_stored_before_strategies_existed_still_loads() -> None:
    # The payload a planning-only driftmgr stored (its `Planned` had a text preview).
    plan_id = UUID(int=7)
    old = {
        "originator_topic": "driftmgr.domain.remediation_plan:RemediationPlan",
        "timestamp": "2026-11-01T10:00:00+00:00",
        "drift_run_id": str(UUID(int=8)),
        "actions": [
            {
                "action": "update",
                "drift_kind": "modified",
                "address": "aws_vpc.main",
                "type": "aws_vpc",
                "id": "vpc-1",
                "region": "us-east-1",
                "severity": "low",
                "changes": [{"path": "tags.Owner", "expected": "a", "actual": "b"}],
                "description": "re-apply aws_vpc.main",
            }
        ],
        "preview": ["  update  re-apply aws_vpc.main"],
        "actor": "old@driftmgr",
        "correlation_id": str(UUID(int=9)),
    }
    stored = StoredEvent(
        originator_id=plan_id,
        originator_version=1,
        topic="driftmgr.domain.remediation_plan:RemediationPlan.Planned",
        state=zlib.compress(msgspec.json.encode(old)),
    )
    plan = mapper.to_domain_event(stored).mutate(None)
    assert isinstance(plan, RemediationPlan)
    (action,) = plan.actions
    assert (action.strategy, action.target.id, action.calls) == ("revert", "vpc-1", [])
    assert plan.requires_approval and plan.planned_by == "old@driftmgr"
