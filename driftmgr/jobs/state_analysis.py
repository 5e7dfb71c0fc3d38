"""The state-analysis job: analyse one large imported version and record it on its state.

The analysis and the run's completion are recorded together, so a retried attempt never
records a second analysis. A version that is no longer current is not analysed: the newer
one's analysis (inline, or its own job) supersedes it, and the run says so in its outcome.
"""

from __future__ import annotations

import threading

from driftmgr.adapters.terraform.state import parse_state
from driftmgr.commands.backend import Backend
from driftmgr.commands.state import store_analysis
from driftmgr.domain.base import Cause
from driftmgr.domain.state_analysis_run import StateAnalysisRun
from driftmgr.domain.state_file import StateFile
from driftmgr.errors import Conflict
from driftmgr.jobs.stopping import check_handed_back

__all__ = ["run_state_analysis"]

#: Saves lost to a concurrent import of the same state before the attempt gives up (and the
#: worker retries it): each loss means the state changed, so the next look usually settles it.
_SAVE_TRIES = 3


def _superseded(state: StateFile, run: StateAnalysisRun) -> str | None:
    """Why the run's version must not be recorded as the state's analysis, or None."""
    if not state.is_tracked:
        return f"not recorded: state {state.id} is no longer tracked"
    current = state.latest
    if current is None or current.content_sha256 != run.content_sha256:
        newer = current.content_sha256[:12] if current is not None else "none"
        return (
            f"not recorded: state {state.id} has a newer current version ({newer}…) "
            "whose own analysis supersedes this one"
        )
    return None


def run_state_analysis(
    backend: Backend, run: StateAnalysisRun, cause: Cause, cancel: threading.Event
) -> None:
    app = backend.app
    reason = _superseded(app.get(StateFile, run.state_id), run)
    if reason is not None:
        run.complete(analysis_sha256=None, recorded=False, outcome=reason, cause=cause)
        app.record(run)
        return
    # A StateFormatError here is permanent (the worker records it so): the body was parsed
    # when imported, so only a changed parser could refuse it now.
    parsed = parse_state(backend.blobs.get(run.content_sha256))
    if cancel.is_set():
        check_handed_back(cancel)
        run.confirm_cancelled(cause)
        app.record(run)
        return
    analysis = store_analysis(backend, parsed)
    for attempt in range(1, _SAVE_TRIES + 1):
        state = app.get(StateFile, run.state_id)
        reason = _superseded(state, run)
        if reason is None:
            state.record_analysis(analysis, cause)
        run.complete(
            analysis_sha256=analysis,
            recorded=reason is None,
            outcome=reason or f"recorded the analysis of state {state.id}",
            cause=cause,
        )
        try:
            app.record(state, run)
            return
        except Conflict:
            # The state changed (an import) while we analysed: look at it again.
            if attempt == _SAVE_TRIES:
                raise
            run = app.get(StateAnalysisRun, run.id)
