"""Audit export memory: ``driftmgr audit export`` holds one page, not the log.

What it measures: for two log sizes (``--small`` and ``--large`` events), the peak resident
memory (``ru_maxrss`` from ``os.wait4`` of that one child) of a fresh ``driftmgr audit export
--format jsonl`` (and ``csv``) process writing the whole audit log of an embedded store, and,
as a floor, of ``driftmgr audit log --limit 1`` on the large store (the CLI, the app
in-process and the store opened, nothing exported). The ratio large/small shows whether
memory grows with the log: it should stay near 1 while the log grows ``large/small`` times.

How: each size gets a fresh store (a temp directory) holding about ``N`` events recorded
through ``DriftmgrApplication.record`` in batches (discovery runs of up to 500 events:
requested, started, scans, completed; by a few actors, one correlation id per run), its read
models brought up to date beforehand (untimed), so the child's projection thread and worker
have nothing to do. The export then runs as users run it: the
console entry point, in-process app (ADR 0006), pages of 1000 over HTTP.

Caveats:

* Peak RSS includes the interpreter, litestar and SQLAlchemy (the floor); compare the
  export's peak with the floor and across sizes, not with other programs.
* The events are of one kind with small payloads; a log of remediation plans has larger
  events, which changes the page's size, not how it grows with the log.
* One machine, one run per size; the export seconds are indicative only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _smoke import parse_args

DEFAULT_SMALL = 10_000
DEFAULT_LARGE = 100_000
#: ``--smoke``: tiny logs (two pages for the larger one); the numbers mean nothing.
SMOKE = {"small": 300, "large": 1_500}
_ACTORS = ("alice@ops", "bob@ops", "ci@runner", "token:deploy")
_BATCH = 500


def build_store(data_dir: Path, events: int) -> int:
    """Record ``events`` events and project them (untimed); return the log position."""
    from driftmgr.bootstrap import bootstrap
    from driftmgr.domain.base import Cause
    from driftmgr.domain.discovery_run import DiscoveryRun
    from driftmgr.settings import Settings

    services = bootstrap(Settings(data_dir=data_dir, actor="bench"), providers={})
    app = services.backend.app
    try:
        inventory = services.backend.blobs.put(b"[]")  # the projections read what scans name
        recorded = 0
        run_number = 0
        while recorded < events:
            # Requested, Started, scans, Completed: finished runs, so that no worker takes one
            # up as a job (which would add events while the export reads).
            size = max(3, min(_BATCH, events - recorded))
            cause = Cause(actor=_ACTORS[run_number % len(_ACTORS)])
            run = DiscoveryRun.request(
                provider="aws", regions=["eu-west-1"], resource_types=["aws_instance"], cause=cause
            )
            run.start(worker="bench", cause=cause)
            for k in range(size - 3):
                if k == 0:
                    run.record_unobserved(
                        resource_type="aws_iam_role",
                        region="eu-west-1",
                        duration_ms=40,
                        reason="AccessDenied: not authorised",
                        cause=cause,
                    )
                    continue
                run.record_scan(
                    resource_type=f"aws_type_{k % 97}",
                    region=f"region-{k // 97}",
                    resource_count=k % 13,
                    inventory_sha256=inventory,
                    duration_ms=k % 1000,
                    cause=cause,
                )
            run.complete(cause)
            app.record(run)
            recorded += size
            run_number += 1
        services.projections.catch_up()
        return app.position()
    finally:
        services.close()


def _run_cli(data_dir: Path, *args: str) -> tuple[float, int, str]:
    """Run the driftmgr CLI in a fresh process; its wall time, peak RSS (KiB) and stderr."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DRIFTMGR_API_URL", "DRIFTMGR_DATABASE_URL", "DRIFTMGR_CIPHER_KEY")
    }
    env.update(DRIFTMGR_DATA_DIR=str(data_dir), DRIFTMGR_ACTOR="bench")
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", "from driftmgr.cli import main; main()", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"driftmgr {' '.join(args)} failed:\n{stderr}")
    # Linux reports KiB, macOS bytes.
    peak = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return seconds, peak, stderr


def measure(root: Path, events: int) -> dict[str, Any]:
    data_dir = root / f"store-{events}"
    _progress(f"recording and projecting {events} events (untimed)")
    position = build_store(data_dir, events)
    result: dict[str, Any] = {"events": position}
    for fmt in ("jsonl", "csv"):
        out = root / f"audit-{events}.{fmt}"
        _progress(f"exporting {events} events as {fmt}")
        seconds, peak, stderr = _run_cli(
            data_dir, "audit", "export", "--format", fmt, "--out", str(out)
        )
        lines = sum(1 for _ in out.open(encoding="utf-8"))
        expected = position + (1 if fmt == "csv" else 0)  # the CSV header
        if lines != expected:
            raise RuntimeError(f"{out} has {lines} lines, expected {expected}: {stderr}")
        result[fmt] = {
            "peak_rss_kib": peak,
            "seconds": round(seconds, 2),
            "bytes": out.stat().st_size,
        }
        out.unlink()
    return result


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=DEFAULT_SMALL, help="events in the small log")
    parser.add_argument("--large", type=int, default=DEFAULT_LARGE, help="events in the large log")
    parser.add_argument(
        "--tmp-dir", type=Path, default=Path(tempfile.gettempdir()), help="where stores go"
    )
    args = parse_args(parser, SMOKE, argv)
    if not 1 <= args.small < args.large:
        parser.error("--small must be at least 1 and below --large")

    print(f"python     {platform.python_implementation()} {platform.python_version()}")
    print(f"machine    {os.cpu_count()} cores, {platform.platform()}")
    print("method     one fresh child process per export; peak RSS from os.wait4 (ru_maxrss)")
    root = Path(tempfile.mkdtemp(prefix="driftmgr-bench-audit-", dir=args.tmp_dir))
    started = time.perf_counter()
    try:
        small = measure(root, args.small)
        large = measure(root, args.large)
        _progress("measuring the floor: audit log --limit 1 on the large store")
        _, floor, _ = _run_cli(root / f"store-{args.large}", "audit", "log", "--limit", "1")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    ratios = {
        fmt: round(large[fmt]["peak_rss_kib"] / small[fmt]["peak_rss_kib"], 3)
        for fmt in ("jsonl", "csv")
    }
    print()
    print(f"{'events':>9} {'format':<6} {'peak RSS MiB':>13} {'seconds':>8} {'file MiB':>9}")
    for result in (small, large):
        for fmt in ("jsonl", "csv"):
            r = result[fmt]
            print(
                f"{result['events']:>9} {fmt:<6} {r['peak_rss_kib'] / 1024:>13.1f} "
                f"{r['seconds']:>8.2f} {r['bytes'] / 2**20:>9.1f}"
            )
    print(f"floor (audit log --limit 1, {large['events']} events): {floor / 1024:.1f} MiB")
    print(
        f"log {large['events'] / small['events']:.0f}x larger → peak RSS "
        f"{ratios['jsonl']:.2f}x (jsonl), {ratios['csv']:.2f}x (csv)"
    )
    print(f"wall time  {time.perf_counter() - started:.1f} s")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = {
        "small": small,
        "large": large,
        "floor_peak_rss_kib": floor,
        "parent_peak_rss_kib": own,
        "ratio_peak_rss_large_over_small": ratios,
        "log_growth": round(large["events"] / small["events"], 2),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
