"""`driftmgr jobs list|retry`: the job queue, and a dead-lettered job's one more attempt."""

from __future__ import annotations

import argparse
from typing import Any

from driftmgr.cli.api import EXIT_OK, connect
from driftmgr.cli.output import print_json, short, table

__all__ = ["add_jobs_commands"]

PATH = "/api/v1/jobs"
STATUSES = ("requested", "running", "cancelling", "retrying", "completed", "failed", "cancelled")


def add_jobs_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    jobs = sub.add_parser("jobs", help="the job queue: list jobs, retry a dead-lettered one")
    commands = jobs.add_subparsers(dest="jobs_command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", parents=[common], help="jobs, newest first")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--kind", help="DriftRun, DiscoveryRun, RemediationRun, StateAnalysisRun")
    listing.add_argument(
        "--dead-letter",
        action="store_true",
        help="only jobs failed for good (no attempt left), with the reason",
    )
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(func=cmd_jobs_list)

    retry = commands.add_parser(
        "retry", parents=[common], help="give a dead-lettered job one more attempt, now"
    )
    retry.add_argument("job_id", metavar="ID")
    retry.set_defaults(func=cmd_jobs_retry)


def cmd_jobs_list(args: argparse.Namespace) -> int:
    with connect(args) as api:
        jobs: list[dict[str, Any]] = api.query(
            PATH,
            status=args.status,
            kind=args.kind,
            dead_letter="true" if args.dead_letter else None,
            limit=args.limit,
        )
    if args.output == "json":
        print_json(jobs)
        return EXIT_OK
    rows = [
        [
            j["id"],
            j["kind"],
            j["status"],
            str(j["attempt"]),
            j["worker"] or "",
            short(j["dead_letter"] or j["error"] or ""),
        ]
        for j in jobs
    ]
    print(table(rows, ["id", "kind", "status", "attempt", "worker", "dead letter / last error"]))
    return EXIT_OK


def cmd_jobs_retry(args: argparse.Namespace) -> int:
    with connect(args) as api:
        accepted = api.command(f"{PATH}/{args.job_id}/retry", {})
    if args.output == "json":
        print_json(accepted)
    else:
        print(f"job {accepted['id']} queued for one more attempt")
    return EXIT_OK
