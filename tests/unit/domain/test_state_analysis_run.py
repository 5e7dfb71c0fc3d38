"""StateAnalysisRun: one job per content of a state, completed once, replayed as it was."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import JSONTranscoder
from hypothesis import given
from hypothesis import strategies as st

from driftmgr.adapters.eventstore.mapper import MsgspecMapper
from driftmgr.domain.base import Cause
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_run import RemediationRun
from driftmgr.domain.run import RunNotRunnable
from driftmgr.domain.state_analysis_run import StateAnalysisRun

CAUSE = Cause(actor="tester")
STATE = UUID("84c94744-1d3e-5aa5-8c0d-f05b65b20e4e")
mapper = MsgspecMapper(transcoder=JSONTranscoder(), compressor=ZlibCompressor())


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def request(content: str = "a", state_id: UUID = STATE) -> StateAnalysisRun:
    return StateAnalysisRun.request(
        state_id=state_id, content_sha256=sha(content), resource_count=20_000, cause=CAUSE
    )


@given(st.uuids(), st.uuids(), st.text(max_size=20), st.text(max_size=20))
def test_the_id_is_the_same_exactly_for_the_same_state_and_content(
    state_a: UUID, state_b: UUID, content_a: str, content_b: str
) -> None:
    same = state_a == state_b and content_a == content_b
    one = StateAnalysisRun.create_id(state_a, sha(content_a))
    other = StateAnalysisRun.create_id(state_b, sha(content_b))
    assert (one == other) == same


def test_a_requested_run_has_its_content_id_and_waits() -> None:
    run = request()
    assert run.id == StateAnalysisRun.create_id(STATE, sha("a"))
    assert (run.status, run.attempt, run.kind) == ("requested", 0, "StateAnalysisRun")
    assert (run.analysis_sha256, run.recorded, run.outcome) == (None, False, None)


def test_it_is_queued_after_remediations_and_before_default_drift_runs() -> None:
    remediation = RemediationRun.request(plan_id=STATE, mode="apply", cause=CAUSE)
    drift = DriftRun.request(
        state_ids=[STATE], provider="aws", regions=[], resource_types=None, cause=CAUSE
    )
    assert remediation.priority > request().priority > drift.priority


def test_it_completes_once_with_its_outcome() -> None:
    run = request()
    # Complete a run that has not started - refused.
    with pytest.raises(RunNotRunnable):
        run.complete(analysis_sha256=None, recorded=False, outcome="x", cause=CAUSE)
    run.start(worker="w1", cause=CAUSE)
    run.complete(analysis_sha256=sha("analysis"), recorded=True, outcome="recorded", cause=CAUSE)
    assert (run.status, run.analysis_sha256, run.recorded) == ("completed", sha("analysis"), True)
    # Complete it again - refused: it is over.
    with pytest.raises(RunNotRunnable):
        run.complete(analysis_sha256=None, recorded=False, outcome="again", cause=CAUSE)


def test_a_superseded_run_completes_without_an_analysis() -> None:
    run = request()
    run.start(worker="w1", cause=CAUSE)
    run.complete(analysis_sha256=None, recorded=False, outcome="newer version", cause=CAUSE)
    assert (run.status, run.analysis_sha256, run.recorded) == ("completed", None, False)
    assert run.outcome == "newer version"


def test_replaying_its_stored_events_gives_the_same_run() -> None:
    run = request()
    run.start(worker="w1", cause=CAUSE)
    run.fail(error="boom", retry_at=datetime(2026, 12, 1, tzinfo=UTC), cause=CAUSE)
    run.start(worker="w2", cause=CAUSE)
    run.complete(analysis_sha256=sha("analysis"), recorded=True, outcome="recorded", cause=CAUSE)
    live = {k: v for k, v in vars(run).items() if k != "_pending_events"}
    rebuilt = None
    for event in run.collect_events():
        rebuilt = mapper.to_domain_event(mapper.to_stored_event(event)).mutate(rebuilt)  # type: ignore[attr-defined]
    assert {k: v for k, v in vars(rebuilt).items() if k != "_pending_events"} == live
