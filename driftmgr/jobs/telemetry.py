"""A job attempt as the logs and /metrics see it: under its request's correlation id, and
counted by kind and outcome once it ends."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from driftmgr.commands.application import DriftmgrApplication
from driftmgr.domain.run import TERMINAL, Run
from driftmgr.jobs.queue import Claim
from driftmgr.observability import JOBS, correlation_scope

__all__ = ["observed_job"]

log = logging.getLogger("driftmgr.jobs")


@contextmanager
def observed_job(app: DriftmgrApplication, claim: Claim) -> Iterator[None]:
    """Run the job's attempt under the correlation id stored with its run (the id of the
    request that started it), and count how the attempt ended.

    The outcome is the run's status afterwards: ``completed``, ``cancelled``, ``failed``,
    ``retrying`` (failed, to be tried again), ``running`` (the worker stopped first), or
    ``error`` when the worker itself raised.
    """
    run: Any = app.get(Run, claim.job_id)
    if run.status in TERMINAL:  # the jobs view lags; the worker only skips it: no attempt
        yield
        return
    with correlation_scope(run.correlation_id):
        log.info("job %s (%s) claimed", claim.job_id, claim.kind, extra={"job_id": claim.job_id})
        outcome = "error"
        try:
            yield
            outcome = app.get(Run, claim.job_id).status
        finally:
            JOBS.add(claim.kind, outcome)
            log.info(
                "job %s (%s) attempt ended: %s",
                claim.job_id,
                claim.kind,
                outcome,
                extra={"job_id": claim.job_id, "outcome": outcome},
            )
