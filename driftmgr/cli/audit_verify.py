"""`driftmgr audit verify`: check the event log's hash chain and signed checkpoints.

Like ``driftmgr token``, it works on the store itself (``DRIFTMGR_DATA_DIR`` or
``DRIFTMGR_DATABASE_URL``), never through a server, and reads the raw rows: a server (or
anything that decodes events) is exactly what it must not have to trust. Exit 0 when the
chain is intact, 1 naming the first position that breaks (ADR 0014).
"""

from __future__ import annotations

import argparse
from typing import Any

from driftmgr.cli.api import EXIT_ERROR, EXIT_OK, CliError
from driftmgr.cli.output import print_json

__all__ = ["add_verify_command", "cmd_verify"]


def add_verify_command(group: Any, common: argparse.ArgumentParser) -> None:
    verify = group.add_parser(
        "verify",
        parents=[common],
        help="check the event log for tampering (hash chain and signed checkpoints; "
        "on the store, no server needed)",
    )
    verify.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from driftmgr.adapters.eventstore.chain import Verdict, checkpoint_key, has_chain, verify_store
    from driftmgr.adapters.eventstore.config import create_sql_engine, log_key, sqlite_path
    from driftmgr.adapters.eventstore.keys import open_store
    from driftmgr.cli.api import print_warnings
    from driftmgr.config_file import load_settings

    if args.api_url:
        raise CliError(
            "`driftmgr audit verify` reads the store itself (DRIFTMGR_DATA_DIR or "
            "DRIFTMGR_DATABASE_URL), not a server: drop --api-url / DRIFTMGR_API_URL"
        )
    settings = load_settings()
    where = log_key(settings)
    if settings.is_postgres:
        table, column = "driftmgr_events", "notification_id"
    else:
        if not sqlite_path(settings, "events").exists():
            raise CliError(f"no event store at {where}")
        table, column = "stored_events", "rowid"
    engine = create_sql_engine(settings, database="events")
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(table):
                raise CliError(f"no event store at {where}")
            if not has_chain(conn):
                raise CliError(
                    f"the log at {where} has no hash chain yet: run any driftmgr command on "
                    "it once with this version, which chains its existing events"
                )
        store_key: str | None = None
        if settings.audit_key is None:
            opened = open_store(settings)  # checks the key; writes nothing to a used store
            print_warnings(opened.notices)
            store_key = opened.key
        key = checkpoint_key(settings.audit_key, store_key)
        with engine.connect() as conn:
            verdict: Verdict = verify_store(
                conn, events_table=table, position_column=column, key=key
            )
    finally:
        engine.dispose()
    if args.output == "json":
        print_json(verdict.to_json())
    else:
        print(verdict.summary())
    return EXIT_OK if verdict.ok else EXIT_ERROR
