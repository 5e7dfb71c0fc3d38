"""`driftmgr audit …`: the audit log — read it (``log``), write it to a file (``export``).

Both read ``GET /api/v1/audit/events`` page by page (ADR 0006); ``export`` writes each page
and drops it, so its memory does not grow with the log. Times are ISO 8601
(``2026-01-31T09:00:00+01:00``; no offset means UTC) or an age: ``90s``, ``15m``, ``2h``,
``7d``, ``4w`` ago.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

import msgspec

from driftmgr.cli.api import EXIT_OK, Api, CliError, connect
from driftmgr.cli.audit_replay import add_replay_command
from driftmgr.cli.audit_verify import add_verify_command
from driftmgr.cli.output import print_json, short, table
from driftmgr.cli.terminal import safe

__all__ = ["CSV_COLUMNS", "add_audit_commands", "parse_time"]

_EVENTS = "/api/v1/audit/events"
_PAGE = 1000
_AGE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: The columns of ``export --format csv``, in order; ``payload`` is the payload as JSON.
CSV_COLUMNS = (
    "position",
    "time",
    "actor",
    "correlation_id",
    "aggregate_type",
    "aggregate_id",
    "aggregate_version",
    "event_type",
    "summary",
    "payload",
)
#: A cell starting with one of these is a formula to a spreadsheet: it gets a leading "'".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def add_audit_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The ``audit`` group with ``log`` and ``export``; returns the group, to add more to."""
    group = sub.add_parser("audit", help="the audit log: who did what, when").add_subparsers(
        dest="audit_command", required=True, metavar="COMMAND"
    )
    log = group.add_parser("log", parents=[common], help="recorded events, oldest first")
    _filters(log)
    log.add_argument(
        "--limit", type=int, default=50, help="show at most this many events (default 50)"
    )
    log.set_defaults(func=cmd_log)

    export = group.add_parser(
        "export", parents=[common], help="write the audit log to a file (JSON lines or CSV)"
    )
    _filters(export)
    export.add_argument("--format", choices=["jsonl", "csv"], required=True)
    export.add_argument("--out", required=True, help="the file to write; - for stdout")
    export.set_defaults(func=cmd_export)
    add_verify_command(group, common)
    add_replay_command(group, common)
    return group


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="TIME", help="from this time: ISO 8601, or an age (2h, 7d)")
    p.add_argument("--until", metavar="TIME", help="before this time: ISO 8601, or an age")
    p.add_argument("--actor", help="only what this actor did (e.g. token:ci, alice@example.com)")
    p.add_argument("--aggregate-type", metavar="TYPE", help="StateFile, DriftRun, …")
    p.add_argument("--aggregate-id", metavar="ID", help="only events of this aggregate")
    p.add_argument("--event-type", metavar="EVENT", help="Approved, RemediationPlan.Approved …")
    p.add_argument("--correlation-id", metavar="ID", help="only events of one request")
    p.add_argument("--after", type=int, default=0, metavar="POSITION", help="after this position")


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """ISO 8601 (no offset: UTC), or an age such as ``2h`` meaning that long before ``now``."""
    value = text.strip()
    age = _AGE.match(value)
    if age:
        delta = timedelta(**{_UNITS[age.group(2)]: int(age.group(1))})
        return (now or datetime.now(UTC)) - delta
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(
            f"{text!r} is not a time: use ISO 8601 (2026-01-31T09:00:00Z) or an age (90s, "
            "15m, 2h, 7d, 4w)"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _uuid(text: str | None, flag: str) -> str | None:
    if text is None:
        return None
    try:
        return str(UUID(text))
    except ValueError:
        raise CliError(f"{flag} {text!r} is not an id (a UUID)") from None


def _params(args: argparse.Namespace) -> dict[str, Any]:
    if args.after < 0:
        raise CliError("--after must be a log position (0 or more)")
    return {
        "since": parse_time(args.since).isoformat() if args.since else None,
        "until": parse_time(args.until).isoformat() if args.until else None,
        "actor": args.actor,
        "aggregate_type": args.aggregate_type,
        "aggregate_id": _uuid(args.aggregate_id, "--aggregate-id"),
        "event_type": args.event_type,
        "correlation_id": _uuid(args.correlation_id, "--correlation-id"),
        "after": args.after,
    }


def _pages(api: Api, params: dict[str, Any], *, limit: int | None = None) -> Iterator[Any]:
    """Pages of the log in order, until the end (or ``limit`` events); each one once."""
    after = params["after"]
    left = limit
    while True:
        size = _PAGE if left is None else min(_PAGE, left)
        page = api.query(_EVENTS, **{**params, "after": after, "limit": size})
        yield page
        if left is not None:
            left -= len(page["events"])
        if page["next"] is None or (left is not None and left <= 0):
            return
        after = page["next"]


def cmd_log(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    params = _params(args)
    events: list[dict[str, Any]] = []
    next_position = None
    with connect(args) as api:
        for page in _pages(api, params, limit=args.limit):
            events += page["events"]
            next_position = page["next"]
    if args.output == "json":
        print_json({"events": events, "next": next_position})
        return EXIT_OK
    rows = [
        [str(e["position"]), e["time"], e["actor"], e["event_type"], short(e["summary"], 100)]
        for e in events
    ]
    print(table(rows, ["position", "time", "actor", "event", "summary"]))
    if next_position is not None:
        sys.stdout.flush()  # the hint after the table, also when both go to one terminal
        print(safe(f"more: --after {next_position}"), file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    params = _params(args)
    count = 0
    if args.out == "-":
        with connect(args) as api:
            count = _write(api, params, sys.stdout, args.format)
        return EXIT_OK
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial")
    try:
        with _open(partial, shown=out) as file, connect(args) as api:
            count = _write(api, params, file, args.format)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    print(safe(f"wrote {count} events to {out}"), file=sys.stderr)
    return EXIT_OK


def _open(path: Path, *, shown: Path) -> TextIO:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as e:
        raise CliError(f"cannot write {shown}: {e.strerror}") from None


def _write(api: Api, params: dict[str, Any], file: TextIO, fmt: str) -> int:
    count = 0
    writer = csv.writer(file) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    for page in _pages(api, params):
        if writer is None:
            chunk = io.StringIO()
            for event in page["events"]:
                chunk.write(msgspec.json.encode(event).decode())
                chunk.write("\n")
            file.write(chunk.getvalue())
        else:
            writer.writerows(_csv_row(event) for event in page["events"])
        count += len(page["events"])
        file.flush()
    return count


def _csv_row(event: dict[str, Any]) -> list[str]:
    row = []
    for column in CSV_COLUMNS:
        value = event[column]
        if column == "payload":
            cell = msgspec.json.encode(value).decode()
        else:
            cell = "" if value is None else str(value)
        row.append("'" + cell if cell.startswith(_FORMULA_START) else cell)
    return row
