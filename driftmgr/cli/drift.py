"""`driftmgr discover`, `driftmgr drift detect` and `driftmgr drift report`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any
from uuid import UUID

from driftmgr.cli.api import EXIT_OK, EXIT_UNOBSERVED, CliError, connect
from driftmgr.cli.output import print_json, render_report, report_exit_code, table
from driftmgr.cli.state import state_inputs

__all__ = ["cmd_discover", "cmd_drift_detect", "cmd_drift_report"]


def _regions(args: argparse.Namespace) -> list[str]:
    regions: list[str] = args.region or []
    if not regions:
        default = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if default and args.provider == "aws":
            regions = [default]
    if not regions:
        raise CliError("name at least one region with --region")
    return regions


def _ignore_rules(args: argparse.Namespace) -> list[str]:
    """Lines of the ignore file (named, or ./.driftignore when present) plus --ignore rules."""
    path = Path(args.driftignore) if args.driftignore else Path(".driftignore")
    lines: list[str] = []
    if args.driftignore or path.is_file():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise CliError(f"cannot read ignore file {path}: {e.strerror}") from None
    return lines + list(args.ignore or [])


def cmd_discover(args: argparse.Namespace) -> int:
    body = {
        "provider": args.provider,
        "regions": _regions(args),
        "resource_types": args.type or None,
    }
    with connect(args) as api:
        accepted = api.command("/api/v1/discoveries", body)
        path = f"/api/v1/discoveries/{accepted['id']}"
        view = api.wait_finished(path, accepted["position"], f"discovery {accepted['id']}")
    result = {
        "id": view["id"],
        "status": view["status"],
        "resource_counts": view["resource_counts"],
        "unobserved": view["unobserved"],
        "error": view["error"],
    }
    if args.output == "json":
        print_json(result)
    else:
        rows = [[t, str(n)] for t, n in sorted(view["resource_counts"].items())]
        print(table(rows, ["type", "resources"]))
        for u in view["unobserved"]:
            print(f"unobserved: {u['type']} in {u['region']}: {u['reason']}")
    if view["status"] != "completed":
        raise CliError(f"discovery {view['id']} {view['status']}: {view['error']}")
    return EXIT_UNOBSERVED if view["unobserved"] else EXIT_OK


def cmd_drift_detect(args: argparse.Namespace) -> int:
    body = {
        "provider": args.provider,
        "regions": _regions(args),
        "states": state_inputs(args.state, workspaces=args.workspaces),
        "resource_types": args.type or None,
        "ignore": _ignore_rules(args),
    }
    with connect(args) as api:
        accepted = api.command("/api/v1/drift-runs", body)
        run_id = accepted["id"]
        api.wait_finished(
            f"/api/v1/drift-runs/{run_id}", accepted["position"], f"drift run {run_id}"
        )
        report = api.query(f"/api/v1/drift-runs/{run_id}/report")
    return _show_report(report, args.output)


def cmd_drift_report(args: argparse.Namespace) -> int:
    try:
        run_id = UUID(args.run_id)
    except ValueError:
        raise CliError(f"{args.run_id!r} is not a drift run id (a UUID)") from None
    with connect(args) as api:
        report = api.query(f"/api/v1/drift-runs/{run_id}/report")
    return _show_report(report, args.output)


def _show_report(report: dict[str, Any], output: str) -> int:
    if output == "json":
        print_json(report)
    else:
        print(render_report(report))
    if report["status"] == "failed":
        raise CliError(f"drift run {report['run_id']} failed: {report.get('error')}")
    if report["status"] != "completed":
        raise CliError(f"drift run {report['run_id']} is {report['status']}, not completed yet")
    return report_exit_code(report)
