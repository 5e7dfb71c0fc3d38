"""`driftmgr schedule add|list|remove`: drift detection repeated by the server.

``schedule add --every 4h drift detect …`` takes the very arguments of ``drift detect`` and
stores the command they make, with one difference: a schedule's states are *sources* the
server reads at every run (remote URIs, or local paths and globs the server may read: under
its ``DRIFTMGR_STATE_ROOTS``), never file contents read once here. Local paths are sent
absolute. Schedules fire in ``driftmgr serve`` processes, not in the in-process CLI.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from driftmgr.cli.api import EXIT_OK, CliError, connect
from driftmgr.cli.drift import _ignore_rules, _regions, _seconds, _tags
from driftmgr.cli.output import print_json, short, table

__all__ = ["add_schedule_commands"]

PATH = "/api/v1/schedules"


def add_schedule_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    schedule = sub.add_parser(
        "schedule", help="drift detection the server repeats every period"
    ).add_subparsers(dest="schedule_command", required=True, metavar="COMMAND")

    add = schedule.add_parser(
        "add",
        parents=[common],
        help="repeat a drift detection: schedule add --every 4h drift detect --state … ",
    )
    add.add_argument("--every", required=True, metavar="PERIOD", help="how often, e.g. 15m, 4h, 1d")
    add.add_argument(
        "detect",
        nargs=argparse.REMAINDER,
        metavar="drift detect ARGS",
        help="the drift detect command to repeat (its first run is requested at once)",
    )
    add.set_defaults(func=cmd_schedule_add)

    listing = schedule.add_parser("list", parents=[common], help="schedules and their last run")
    listing.add_argument("--all", action="store_true", help="include removed schedules")
    listing.set_defaults(func=cmd_schedule_list)

    remove = schedule.add_parser("remove", parents=[common], help="stop repeating a schedule")
    remove.add_argument("schedule_id", metavar="ID")
    remove.set_defaults(func=cmd_schedule_remove)


def _state_sources(sources: list[str], *, workspaces: bool) -> list[dict[str, Any]]:
    """Sources as the server will read them: URIs as given, local paths made absolute."""
    inputs = []
    for source in sources:
        if "://" not in source:
            source = os.path.abspath(os.path.expanduser(source))
        inputs.append({"source": source, "workspaces": workspaces})
    return inputs


def detect_command(argv: list[str]) -> dict[str, Any]:
    """The DetectDrift body ``driftmgr drift detect ARGV…`` would send, with state sources."""
    if argv[:2] != ["drift", "detect"]:
        raise CliError("name the command to repeat: schedule add --every PERIOD drift detect …")
    from driftmgr.cli import _parser  # the parser that defines drift detect's arguments

    args = _parser().parse_args(argv)
    return {
        "providers": args.provider or [],
        "regions": _regions(args),
        "states": _state_sources(args.state, workspaces=args.workspaces),
        "resource_types": args.type or None,
        "ignore": _ignore_rules(args),
        "max_inventory_age": _seconds(args.max_inventory_age),
        "account_roles": args.account_role or [],
        "tags": _tags(args),
    }


def cmd_schedule_add(args: argparse.Namespace) -> int:
    every = _seconds(args.every)
    if not every:
        raise CliError(f"--every {args.every!r}: give a period, e.g. 15m, 4h or 1d")
    body = {"every_seconds": every, "detect": detect_command(args.detect)}
    with connect(args) as api:
        accepted = api.command(PATH, body)
    if args.output == "json":
        print_json(accepted)
    else:
        print(f"schedule {accepted['id']} added: drift detection every {_period(every)}")
    return EXIT_OK


def _period(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def cmd_schedule_list(args: argparse.Namespace) -> int:
    with connect(args) as api:
        schedules: list[dict[str, Any]] = api.query(PATH, include_removed=args.all or None)
    if args.output == "json":
        print_json(schedules)
        return EXIT_OK
    rows = [
        [
            s["id"],
            _period(s["every_seconds"]),
            ", ".join(st["source"] for st in s["detect"]["states"]) or "(imported states)",
            s["next_due_at"] or "removed",
            str(s["fired"]),
            s["last_drift_run_id"] or short(s["last_error"] or ""),
        ]
        for s in schedules
    ]
    print(table(rows, ["id", "every", "states", "next due", "fired", "last run"]))
    return EXIT_OK


def cmd_schedule_remove(args: argparse.Namespace) -> int:
    with connect(args) as api:
        accepted = api.command(f"{PATH}/{args.schedule_id}/remove", {})
    if args.output == "json":
        print_json(accepted)
    else:
        print(f"schedule {accepted['id']} removed")
    return EXIT_OK
