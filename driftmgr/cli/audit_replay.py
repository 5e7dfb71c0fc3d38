"""`driftmgr audit replay`: every read model as it was at a past moment, in a folder.

Works on the store itself, like ``audit verify``: it reads the configured event log (never
writes it) and projects it up to a log position, or the last event at or before an
ISO-8601 time, into a fresh SQLite views database ``DIR/views.sqlite3`` (ADR 0004). Queries
over HTTP and the read commands take ``as_of`` / ``--as-of`` for the same thing on demand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from driftmgr.cli.api import EXIT_OK, CliError
from driftmgr.cli.output import print_json
from driftmgr.cli.terminal import safe

__all__ = ["add_as_of_option", "add_replay_command", "cmd_replay"]

AS_OF_HELP = (
    "as it was at this moment: a log position, or an ISO-8601 time (the last event at or "
    "before it; no offset means UTC)"
)


def add_as_of_option(parser: argparse.ArgumentParser) -> None:
    """``--as-of`` on a read command: the answer as of a past moment (``?as_of=``)."""
    parser.add_argument("--as-of", metavar="TIME|POSITION", help=AS_OF_HELP)


def add_replay_command(group: Any, common: argparse.ArgumentParser) -> None:
    replay = group.add_parser(
        "replay",
        parents=[common],
        help="rebuild every read model as of a past moment into a separate views store "
        "(on the store, no server needed)",
    )
    replay.add_argument("--as-of", required=True, metavar="TIME|POSITION", help=AS_OF_HELP)
    replay.add_argument(
        "--out", required=True, metavar="DIR", help="folder for the new views.sqlite3"
    )
    replay.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    from driftmgr.adapters.eventstore.blobs import BlobStore
    from driftmgr.adapters.eventstore.config import create_sql_engine, log_key, sqlite_path
    from driftmgr.bootstrap import read_model_projections
    from driftmgr.cli.api import print_warnings
    from driftmgr.commands.application import DriftmgrApplication
    from driftmgr.config_file import load_settings
    from driftmgr.projections.replay import VIEWS_FILE, AsOf, InvalidAsOf, replay

    if args.api_url:
        raise CliError(
            "`driftmgr audit replay` reads the store itself (DRIFTMGR_DATA_DIR or "
            "DRIFTMGR_DATABASE_URL), not a server: drop --api-url / DRIFTMGR_API_URL"
        )
    out = Path(args.out)
    if (out / VIEWS_FILE).exists():
        raise CliError(f"{out / VIEWS_FILE} already exists: replay into an empty folder")
    settings = load_settings()
    if not settings.is_postgres and not sqlite_path(settings, "events").exists():
        raise CliError(f"no event store at {log_key(settings)}")
    try:
        as_of = AsOf.parse(args.as_of)
    except InvalidAsOf as e:
        raise CliError(str(e)) from None
    app = DriftmgrApplication(settings)
    print_warnings(app.store_key.notices)
    events = create_sql_engine(settings, database="events")
    try:
        try:
            position = as_of.resolve(app)
        except InvalidAsOf as e:
            raise CliError(str(e)) from None
        blobs = BlobStore(events, cipher=app.mapper.cipher)
        count = replay(app, read_model_projections(blobs), out, position)
    finally:
        events.dispose()
        app.close()
    views = out / VIEWS_FILE
    if args.output == "json":
        print_json({"position": position, "events": count, "views": str(views)})
    print(safe(f"replayed {count} events up to position {position} into {views}"), file=sys.stderr)
    return EXIT_OK
