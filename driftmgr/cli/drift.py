"""`driftmgr discover`, `driftmgr drift detect` and `driftmgr drift report`."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from driftmgr.cli.api import (
    EXIT_OK,
    EXIT_UNOBSERVED,
    LONG_POLL_SECONDS,
    Api,
    CliError,
    cancel_on_interrupt,
    connect,
)
from driftmgr.cli.formats import RENDERERS
from driftmgr.cli.output import json_text, print_json, render_report, report_exit_code, table
from driftmgr.cli.report_output import write_output
from driftmgr.cli.state import state_inputs
from driftmgr.cli.terminal import safe

__all__ = ["cmd_discover", "cmd_drift_detect", "cmd_drift_report"]

#: When the CLI started (this module is imported with it): ``-v`` times phases from here.
_STARTED = time.perf_counter()


def _regions(args: argparse.Namespace) -> list[str]:
    """The regions named with --region; none means every region enabled in the account."""
    regions: list[str] = args.region or []
    return regions


def _tags(args: argparse.Namespace) -> dict[str, str]:
    tags = {}
    for item in args.tag or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--tag {item!r} must look like KEY=VALUE (or KEY= for any value)")
        tags[key] = value
    return tags


def _seconds(age: str | None) -> float | None:
    """``90``, ``90s``, ``15m``, ``2h`` or ``1d`` as seconds."""
    if not age:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (age[:-1], age[-1]) if age[-1] in units else (age, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise CliError(f"{age!r} is not an age: use e.g. 90s, 15m or 2h") from None
    if seconds < 0:
        raise CliError(f"{age!r} is not an age: it is negative")
    return seconds


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
        "account_roles": args.account_role or [],
        "tags": _tags(args),
    }
    with connect(args) as api:
        accepted = api.command("/api/v1/discoveries", body)
        view = _follow_discovery(api, accepted["id"], accepted["position"])
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
            print(safe(f"unobserved: {u['type']} in {u['region']}: {u['reason']}"))
    if view["status"] == "cancelled":
        raise CliError(f"discovery {view['id']} was cancelled; it listed only what is shown")
    if view["status"] != "completed":
        raise CliError(f"discovery {view['id']} {view['status']}: {view['error']}")
    return EXIT_UNOBSERVED if view["unobserved"] else EXIT_OK


def _progress_line(view: dict[str, Any]) -> str:
    done, total = len(view["scans"]), view["expected_scans"]
    resources = sum(view["resource_counts"].values())
    unobserved = len(view["unobserved"])
    counts = f"{resources} resources" + (f", {unobserved} unobserved" if unobserved else "")
    if not total:  # every enabled region: how many is known only as they come
        return f"discovery: {done} listings, {counts}"
    width = 24
    filled = min(width, round(width * done / total))
    return f"discovery [{'#' * filled}{'.' * (width - filled)}] {done}/{total} listings, {counts}"


def _follow_discovery(api: Api, discovery_id: str, position: int) -> dict[str, Any]:
    """Long-poll the discovery, drawing progress on stderr; Ctrl-C asks it to stop."""
    path = f"/api/v1/discoveries/{discovery_id}"
    tty = sys.stderr.isatty()
    view: dict[str, Any] = api.query(path, min_position=position)
    with cancel_on_interrupt(api, path, f"discovery {discovery_id}"):
        while True:
            line = _progress_line(view)
            end = "" if tty else "\n"
            print(f"\r{line}" if tty else line, end=end, file=sys.stderr, flush=True)
            if view["status"] in ("completed", "failed", "cancelled"):
                if tty:
                    print(file=sys.stderr)
                return view
            view = api.query(path, wait=LONG_POLL_SECONDS, after_scans=len(view["scans"]))


def cmd_drift_detect(args: argparse.Namespace) -> int:
    body = {
        "providers": args.provider or [],
        "regions": _regions(args),
        "states": state_inputs(args.state, workspaces=args.workspaces),
        "resource_types": args.type or None,
        "ignore": _ignore_rules(args),
        "max_inventory_age": _seconds(args.max_inventory_age),
        "account_roles": args.account_role or [],
        "tags": _tags(args),
    }
    phases = _Phases()
    with connect(args) as api:
        phases.end("start-up (imports, store, app)")
        accepted = api.command("/api/v1/drift-runs", body)
        phases.end("submit (state parse and import, access check)")
        run_id = accepted["id"]
        api.wait_finished(
            f"/api/v1/drift-runs/{run_id}", accepted["position"], f"drift run {run_id}"
        )
        phases.end("run")
        report = api.query(f"/api/v1/drift-runs/{run_id}/report")
        phases.end("report")
        breakdown = _run_breakdown(api, run_id) if args.verbose else []
    phases.end("shutdown")
    if args.verbose:
        print(f"timing: {phases}", file=sys.stderr)
        for line in breakdown:
            print(f"timing: {line}", file=sys.stderr)
    return _show_report(report, args.output, args.out)


class _Phases:
    """Wall time of the command's phases, for ``-v``."""

    def __init__(self) -> None:
        self._last = _STARTED
        self._spent: list[tuple[str, float]] = []

    def end(self, phase: str) -> None:
        now = time.perf_counter()
        self._spent.append((phase, now - self._last))
        self._last = now

    def __str__(self) -> str:
        total = self._last - _STARTED
        return f"{total:.2f} s in all: " + ", ".join(f"{p} {s:.2f} s" for p, s in self._spent)


def _run_breakdown(api: Api, run_id: str) -> list[str]:
    """Where the run itself went: listing vs comparison, and listing time per service."""
    run = api.query(f"/api/v1/drift-runs/{run_id}")
    if not run.get("discovery_run_id"):
        return ["run: no listing (a cached inventory was reused)"]
    discovery = api.query(f"/api/v1/discoveries/{run['discovery_run_id']}")
    lines = []
    listed_at, compared_at = discovery.get("completed_at"), run.get("completed_at")
    if discovery.get("started_at") and listed_at and compared_at:
        listing = _seconds_between(discovery["started_at"], listed_at)
        comparing = _seconds_between(listed_at, compared_at)
        lines.append(f"run: listing {listing:.2f} s, comparison and recording {comparing:.2f} s")
    by_service: dict[str, list[float]] = {}
    for scan in discovery.get("scans", []):
        spent = by_service.setdefault(_service_of(scan["type"]), [0, 0.0])
        spent[0] += 1
        spent[1] += scan["duration_ms"] / 1000
    if by_service:
        slowest = sorted(by_service.items(), key=lambda item: -item[1][1])
        lines.append(
            "listing by service (seconds summed over its listings, which overlap): "
            + ", ".join(f"{name} {s:.2f} s ({n:.0f})" for name, (n, s) in slowest)
        )
    return lines


def _seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _service_of(resource_type: str) -> str:
    """The AWS service listing a type, when this process has the AWS adapter loaded (the
    in-process CLI); the type itself otherwise."""
    registry = sys.modules.get("driftmgr.adapters.providers.aws.registry")
    spec = getattr(registry, "ENUMERATORS", {}).get(resource_type)
    return str(spec.service) if spec is not None else resource_type


def cmd_drift_report(args: argparse.Namespace) -> int:
    try:
        run_id = UUID(args.run_id)
    except ValueError:
        raise CliError(f"{args.run_id!r} is not a drift run id (a UUID)") from None
    with connect(args) as api:
        report = api.query(f"/api/v1/drift-runs/{run_id}/report", as_of=args.as_of)
    return _show_report(report, args.output, args.out)


def _show_report(report: dict[str, Any], output: str, out: str | None = None) -> int:
    if output == "json":
        write_output(json_text(report), out)  # it says its status; a script reads that
    elif report["status"] == "completed":  # any other rendering would read as a result
        write_output(RENDERERS.get(output, _table)(report), out)
    if report["status"] == "failed":
        raise CliError(f"drift run {report['run_id']} failed: {report.get('error')}")
    if report["status"] == "cancelled":
        raise CliError(f"drift run {report['run_id']} was cancelled before it finished")
    if report["status"] != "completed":
        raise CliError(f"drift run {report['run_id']} is {report['status']}, not completed yet")
    return report_exit_code(report)


def _table(report: dict[str, Any]) -> str:
    return render_report(report) + "\n"
