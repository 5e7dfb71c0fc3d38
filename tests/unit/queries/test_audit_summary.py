"""The audit log's one-line summaries, in the domain's words (pure)."""

from __future__ import annotations

from uuid import UUID

import pytest

from driftmgr.queries.audit_summary import short_id, summarise

PLAN = UUID("12345678-9abc-4def-8123-456789abcdef")
RUN = UUID("abcdef01-2345-4678-9abc-def012345678")


@pytest.mark.parametrize(
    ("aggregate", "event", "payload", "expected"),
    [
        (
            "RemediationPlan",
            "Approved",
            {"reason": "reviewed with ops"},
            "alice approved remediation plan 12345678…: reviewed with ops",
        ),
        (
            "RemediationPlan",
            "Approved",
            {"reason": None},
            "alice approved remediation plan 12345678…",
        ),
        (
            "RemediationPlan",
            "Planned",
            {"drift_run_id": str(RUN), "actions": [{}, {}], "requires_approval": True},
            "alice planned remediation plan 12345678… for drift run abcdef01…: 2 actions "
            "(needs approval)",
        ),
        (
            "RemediationPlan",
            "ActionFailed",
            {"index": 3, "error": "AccessDenied\n  at line 2"},
            "alice failed to apply action 3 of remediation plan 12345678…: AccessDenied at line 2",
        ),
        (
            "StateFile",
            "Imported",
            {"version": {"serial": 7, "resource_count": 1}, "flags": ["serial_regressed"]},
            "alice imported serial 7 of state 12345678… (1 resource); flags: serial_regressed",
        ),
        (
            "StateFile",
            "Untracked",
            {"reason": "moved"},
            "alice stopped tracking state 12345678…: moved",
        ),
        (
            "DriftRun",
            "Failed",
            {"error": "throttled", "retry_at": "2026-01-01T00:00:00Z"},
            "alice recorded that drift run 12345678… failed: throttled; it will be retried",
        ),
        (
            "DriftRun",
            "Completed",
            {"summary": {"modified": 2, "missing": 0, "unmanaged": 1, "unobserved": 0}},
            "alice completed drift run 12345678…: 2 modified, 0 missing, 1 unmanaged, 0 unobserved",
        ),
        (
            "DiscoveryRun",
            "Started",
            {"attempt": 2, "worker": "w1"},
            "alice started discovery 12345678… (attempt 2 on w1)",
        ),
        (
            "ApiToken",
            "Issued",
            {"name": "ci", "role": "operator"},
            "alice issued API token ci (12345678…) with role operator",
        ),
    ],
)
def test_known_events_read_as_a_sentence(
    aggregate: str, event: str, payload: dict[str, object], expected: str
) -> None:
    assert summarise("alice", aggregate, PLAN, event, payload) == expected


def test_an_event_without_a_rule_gets_the_generic_line() -> None:
    assert summarise("bob", "Widget", PLAN, "Polished", {"x": 1}) == (
        "bob recorded Widget.Polished on 12345678…"
    )


def test_a_payload_of_another_shape_falls_back_instead_of_failing() -> None:
    # An older event without the fields the rule reads: the line is still written.
    line = summarise("bob", "StateFile", PLAN, "Imported", {"version": {"resource_count": "x"}})
    assert line == "bob recorded StateFile.Imported on 12345678…"


def test_lines_are_one_line_and_bounded() -> None:
    line = summarise("eve", "RemediationPlan", PLAN, "Rejected", {"reason": "a\nb " * 200})
    assert "\n" not in line
    assert len(line) == 200 and line.endswith("…")


def test_short_ids() -> None:
    assert short_id(PLAN) == "12345678…"
    assert short_id("abc") == "abc"
