"""`driftmgr token create|list|revoke`: API tokens, managed on the store itself.

Like a database's ``createuser``, these work on the store (``DRIFTMGR_DATA_DIR`` or
``DRIFTMGR_DATABASE_URL``), not through a server: whoever can open the store may issue
tokens. A server on the same store accepts a new token, and refuses a revoked one, as soon
as the command returns: the command brings the shared read models up to date itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import msgspec

from driftmgr.cli.api import EXIT_OK, CliError
from driftmgr.cli.output import print_json, table
from driftmgr.domain.roles import ROLES

if TYPE_CHECKING:
    from driftmgr.bootstrap import Services
    from driftmgr.domain.base import Cause

__all__ = ["add_token_commands", "bring_read_models_to"]


def add_token_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    token = sub.add_parser(
        "token", help="API tokens for `driftmgr serve` (on the store; no server needed)"
    ).add_subparsers(dest="token_command", required=True, metavar="COMMAND")

    create = token.add_parser(
        "create", parents=[common], help="issue a token; it is shown once, never again"
    )
    create.add_argument("--name", required=True, help="unique among active tokens")
    create.add_argument(
        "--role",
        required=True,
        choices=ROLES,
        help="viewer: read; operator: read and run commands; approver: read and approve "
        "remediation; admin: everything, tokens included",
    )
    create.set_defaults(func=cmd_token_create)

    listing = token.add_parser("list", parents=[common], help="tokens (never their secrets)")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    listing.set_defaults(func=cmd_token_list)

    revoke = token.add_parser("revoke", parents=[common], help="revoke a token at once")
    revoke.add_argument("token", metavar="NAME_OR_ID", help="an active token's name, or its id")
    revoke.add_argument("--reason", default="", help="recorded with the revocation")
    revoke.set_defaults(func=cmd_token_revoke)


def bring_read_models_to(services: Services, position: int) -> None:
    """Project the log up to ``position`` now. A server on the same store may be projecting
    too: a batch it applied first is refused here, and we read on from where it got."""
    from driftmgr.projections.runner import ConcurrentProjectionError

    for _ in range(100):
        try:
            services.projections.wait(position, timeout=30)
            return
        except ConcurrentProjectionError:
            continue
    raise CliError(f"the read models could not be brought to position {position}")


def _on_store(args: argparse.Namespace) -> Services:
    if args.api_url:
        raise CliError(
            "`driftmgr token` works on the store itself (DRIFTMGR_DATA_DIR or "
            "DRIFTMGR_DATABASE_URL), not through a server: drop --api-url / DRIFTMGR_API_URL"
        )
    from driftmgr.bootstrap import bootstrap
    from driftmgr.cli.api import print_warnings
    from driftmgr.config_file import load_settings

    services = bootstrap(load_settings())
    print_warnings(services.notices)
    return services


@contextmanager
def _command_on_store(args: argparse.Namespace) -> Iterator[Services]:
    """The store's services for one token command; a refused command is one CLI error line."""
    from driftmgr.errors import CommandError

    services = _on_store(args)
    try:
        yield services
    except CommandError as e:
        raise CliError(str(e)) from None
    finally:
        services.close()


def _cause(services: Services) -> Cause:
    from driftmgr.domain.base import Cause

    return Cause(actor=services.settings.actor)


def cmd_token_create(args: argparse.Namespace) -> int:
    from driftmgr.commands.tokens import CreateToken, create_token

    with _command_on_store(args) as services:
        issued = create_token(
            services.backend, CreateToken(name=args.name, role=args.role), _cause(services)
        )
        bring_read_models_to(services, issued.position)
    if args.output == "json":
        print_json(
            {"token": issued.token, "id": issued.id, "name": issued.name, "role": issued.role}
        )
    else:
        print(issued.token)
        print(
            f"token {issued.name!r} ({issued.role}, id {issued.id}) created. It is shown "
            "this once and cannot be recovered: store it now (clients read DRIFTMGR_TOKEN).",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_token_list(args: argparse.Namespace) -> int:
    from driftmgr.queries.tokens import list_tokens_now

    services = _on_store(args)
    try:
        bring_read_models_to(services, services.backend.app.position())
        tokens = list_tokens_now(services.projections.engine, include_revoked=args.all)
    finally:
        services.close()
    if args.output == "json":
        print_json(msgspec.to_builtins(tokens))
        return EXIT_OK
    rows = [
        [
            str(t.id),
            t.name,
            t.role,
            f"…{t.hint}",
            t.created_at.isoformat(timespec="seconds"),
            t.created_by,
            t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else "",
        ]
        for t in tokens
    ]
    print(table(rows, ["id", "name", "role", "ends", "created", "created by", "revoked"]))
    return EXIT_OK


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from driftmgr.commands.tokens import RevokeToken, revoke_token

    with _command_on_store(args) as services:
        accepted = revoke_token(
            services.backend, RevokeToken(token=args.token, reason=args.reason), _cause(services)
        )
        bring_read_models_to(services, accepted.position)
    if args.output == "json":
        print_json({"id": accepted.id, "revoked": True})
    else:
        print(f"revoked token {accepted.id}")
    return EXIT_OK
