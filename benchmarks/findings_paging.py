"""A big report in the dashboard: one page of findings against the whole report.

The Drift Viewer asks ``GET /api/v1/drift-runs/{id}/findings`` (one filtered page of 100
and the facet counts) instead of ``GET /api/v1/drift-runs/{id}/report`` (every finding).
On one embedded store holding one completed run of ``--findings`` findings (recorded as
the drift job records one: aggregate, blob, projection), through the app in process (no
socket: the server's cost only), it times:

- ``report``: the whole report, as the CLI's ``drift report -o json`` reads it;
- ``page-first``: the first page, the first time (the report is decoded and indexed);
- ``page``: a page afterwards (the index is kept per report content);
- ``page-filtered``: a page filtered by kind and searched by text.

Prints p50 per request and one JSON line with ``ratio_report_over_page`` and
``ratio_report_over_page_first``. The browser's own figure (first render of the page,
under 1 s on 10,000 findings) is measured in tests/e2e/web/test_dashboard_pages.py.
Caveats: one shared 2-core machine; ±20 % run to run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import msgspec
from _smoke import parse_args

from driftmgr.bootstrap import bootstrap
from driftmgr.domain.base import Cause
from driftmgr.domain.drift.report import (
    DriftChange,
    DriftItem,
    DriftScope,
    ReportBody,
    summarise,
)
from driftmgr.domain.drift_run import DriftRun
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.settings import Settings

SMOKE = {"findings": 300, "repeats": 2}
KINDS = ("modified", "missing", "unmanaged")


def finding(i: int) -> DriftItem:
    kind = KINDS[i % 3]
    return DriftItem(
        kind=kind,
        address=f"aws_s3_bucket.many[{i}]" if kind != "unmanaged" else None,
        type="aws_s3_bucket",
        id=f"bucket-{i:06d}",
        provider="aws",
        region=("us-east-1", "eu-west-1")[i % 2],
        severity=("low", "medium", "high", "critical")[i % 4],
        changes=[DriftChange(path="tags.Owner", expected="platform", actual=f"team-{i}")]
        if kind == "modified"
        else [],
        options=["revert", "accept"] if kind == "modified" else ["forget"],
    )


def timed(call: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parse_args(parser, SMOKE, argv)
    from litestar.testing import TestClient

    cause = Cause(actor="bench")
    with tempfile.TemporaryDirectory() as home:
        services = bootstrap(Settings(data_dir=Path(home) / "store", actor="bench"))
        try:
            drifts = [finding(i) for i in range(args.findings)]
            run = DriftRun.request(
                state_ids=[uuid4()], provider="aws", regions=[], resource_types=None, cause=cause
            )
            run.start(worker="bench", cause=cause)
            summary = summarise(drifts, in_sync=0)
            body = ReportBody(
                sources=[], scope=DriftScope(providers=["aws"], regions=[]), summary=summary,
                drifts=drifts,
            )  # fmt: skip
            digest = services.backend.blobs.put(msgspec.json.encode(body))
            run.complete(report_sha256=digest, summary=summary, cause=cause)
            services.backend.app.record(run)
            services.projections.wait(services.backend.app.position())

            app = create_app(services, auth=LocalTrust(actor="bench"), run_background=False)
            base = f"/api/v1/drift-runs/{run.id}"
            with TestClient(app) as client:

                def get(path: str, **params: object) -> None:
                    response = client.get(path, params=params)
                    assert response.status_code == 200, response.text

                first = timed(lambda: get(f"{base}/findings", limit=100), 1)
                results = {
                    "report": timed(lambda: get(f"{base}/report"), args.repeats),
                    "page-first": first,
                    "page": timed(lambda: get(f"{base}/findings", limit=100), args.repeats),
                    "page-filtered": timed(
                        lambda: get(f"{base}/findings", kind="modified", q="many", limit=100),
                        args.repeats,
                    ),
                }
        finally:
            services.close()
    p50 = {name: statistics.median(samples) for name, samples in results.items()}
    print(f"{args.findings} findings, {args.repeats} requests each (p50, in process)")
    for name, value in p50.items():
        print(f"  {name:<14} {value:8.1f} ms")
    print(
        json.dumps(
            {
                "findings": args.findings,
                "p50_ms": p50,
                "ratio_report_over_page": p50["report"] / p50["page"],
                "ratio_report_over_page_first": p50["report"] / p50["page-first"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
