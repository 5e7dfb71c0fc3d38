"""`driftmgr gen-driftignore RUN_ID`: `.driftignore` lines that silence a run's findings.

driftctl users know the command. Each line names one finding's object in the form the engine
matches (driftmgr/domain/drift/ignore.py): the cloud object (`cloud.type`, `cloud.id`) when
the report has it, else the finding's `type` and `id`. Dots and gitignore's special
characters in ids are escaped, so a line matches that object and no other.
"""

from __future__ import annotations

import argparse
import re
from typing import Any
from uuid import UUID

from driftmgr.cli.api import CliError, connect
from driftmgr.cli.formats._text import KINDS
from driftmgr.cli.report_output import write_output
from driftmgr.cli.terminal import safe

__all__ = ["add_gen_driftignore_command", "driftignore_lines", "escape_segment"]

# Backslash first: it escapes the others. "." separates the type from the id; the rest are
# gitignore's wildcards and character classes.
_SPECIAL = re.compile(r"([\\.*?\[\]])")


def escape_segment(text: str) -> str:
    """An id as one literal segment of a `.driftignore` line."""
    return _SPECIAL.sub(r"\\\1", text)


def _writable(rule: str) -> bool:
    """Whether the file's reader gets ``rule`` back: it splits lines and strips each."""
    return rule.splitlines() == [rule] and rule == rule.strip()


def driftignore_lines(report: dict[str, Any], kinds: set[str] | None = None) -> list[str]:
    """One rule per finding of ``kinds`` (all when None), in report order, each once; a
    finding with no id to name (unobserved, its state records none) becomes a comment."""
    lines = [
        f"# driftmgr gen-driftignore {report['run_id']}",
        "# Each line ignores one object (`driftmgr drift detect --driftignore FILE`).",
    ]
    seen: set[str] = set()
    for drift in report["drifts"]:
        if kinds is not None and drift["kind"] not in kinds:
            continue
        cloud = drift.get("cloud")
        type_, ident = (cloud["type"], cloud["id"]) if cloud else (drift["type"], drift["id"])
        if ident is None:
            lines.append(f"# {drift['kind']} {safe(str(drift['address']))}: no id to ignore it by")
            continue
        rule = f"{type_}.{escape_segment(str(ident))}"
        if not _writable(rule):
            lines.append(f"# {drift['kind']} {type_}: its id cannot be written as a rule")
            continue
        if rule not in seen:
            seen.add(rule)
            lines.append(rule)
    return lines


def _cmd_gen_driftignore(args: argparse.Namespace) -> int:
    try:
        run_id = UUID(args.run_id)
    except ValueError:
        raise CliError(f"{args.run_id!r} is not a drift run id (a UUID)") from None
    with connect(args) as api:
        report = api.query(f"/api/v1/drift-runs/{run_id}/report")
    if report["status"] != "completed":
        raise CliError(f"drift run {run_id} is {report['status']}, not completed")
    lines = driftignore_lines(report, set(args.kind) if args.kind else None)
    write_output("\n".join(lines) + "\n", args.out)
    return 0


def add_gen_driftignore_command(sub: Any, common: argparse.ArgumentParser) -> None:
    gen = sub.add_parser(
        "gen-driftignore",
        parents=[common],
        help="print .driftignore lines that silence a drift run's findings",
    )
    gen.add_argument("run_id")
    gen.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        help="only findings of this kind (repeatable; default: every kind)",
    )
    gen.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    gen.set_defaults(func=_cmd_gen_driftignore)
