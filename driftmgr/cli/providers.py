"""``driftmgr providers``: the clouds this driftmgr scans and the resource types it lists."""

from __future__ import annotations

import argparse
from typing import Any

from driftmgr.cli.api import EXIT_OK, connect
from driftmgr.cli.output import print_json, table

__all__ = ["add_providers_command"]


def add_providers_command(sub: Any, common: argparse.ArgumentParser) -> None:
    listing = sub.add_parser(
        "providers", parents=[common], help="the providers and resource types driftmgr lists"
    )
    listing.set_defaults(func=cmd_providers)


def cmd_providers(args: argparse.Namespace) -> int:
    with connect(args) as api:
        found: dict[str, Any] = api.query("/api/v1/providers")
    if args.output == "json":
        print_json(found)
    else:
        rows = [[name, t] for name, entry in sorted(found.items()) for t in entry["types"]]
        print(table(rows, ["provider", "type"]))
    return EXIT_OK
