"""The ``driftmgr`` command: a small client that sends commands and reads queries.

With ``--api-url`` (or ``DRIFTMGR_API_URL``) it talks to a running ``driftmgr serve``.
Without, it runs the very same HTTP app in-process on the embedded store, so one command
works standalone and behaves exactly as it would against a server (ADR 0006).

Results go to stdout; progress, logs and errors to stderr. Errors are one line.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from driftmgr import __version__
from driftmgr.cli.api import EXIT_ERROR, CliError
from driftmgr.cli.audit import add_audit_commands
from driftmgr.cli.audit_replay import add_as_of_option
from driftmgr.cli.drift import cmd_discover, cmd_drift_detect, cmd_drift_report
from driftmgr.cli.driftignore import add_gen_driftignore_command
from driftmgr.cli.jobs import add_jobs_commands
from driftmgr.cli.logs import LOG_FORMATS, configure_logging
from driftmgr.cli.providers import add_providers_command
from driftmgr.cli.remediate import add_remediate_commands
from driftmgr.cli.report_output import REPORT_FORMATS, add_report_output_options
from driftmgr.cli.schedule import add_schedule_commands
from driftmgr.cli.server import cmd_rebuild_projections, cmd_serve, cmd_worker
from driftmgr.cli.state import add_state_commands
from driftmgr.cli.terminal import safe
from driftmgr.cli.token import add_token_commands
from driftmgr.cli.workflow import add_workflow_commands
from driftmgr.config_file import activate_or_exit

__all__ = ["main"]

log = logging.getLogger("driftmgr.cli")


def _common_options(
    *, defaults: bool, outputs: Sequence[str] = ("table", "json")
) -> argparse.ArgumentParser:
    """Options accepted before and after the command name.

    Only the top-level copy carries defaults: a subcommand's default would otherwise
    overwrite a value given before the command (``driftmgr --api-url U drift …``).
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--api-url",
        default=default(os.environ.get("DRIFTMGR_API_URL")),
        help="driftmgr server to talk to (default: run in-process on the "
        "embedded store; env DRIFTMGR_API_URL)",
    )
    common.add_argument(  # read first, by driftmgr.config_file.activate (docs/configuration.md)
        "--config",
        metavar="PATH",
        default=default(None),
        help="configuration file (default: ./driftmgr.toml if present; env DRIFTMGR_CONFIG)",
    )
    common.add_argument("--output", "-o", choices=outputs, default=default("table"))
    common.add_argument(
        "--verbose", "-v", action="store_true", default=default(False), help="log to stderr"
    )
    common.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=default(os.environ.get("DRIFTMGR_LOG_FORMAT") or "text"),
        help="log lines for a person (text) or one JSON object per line (json; env "
        "DRIFTMGR_LOG_FORMAT)",
    )
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common_options(defaults=False)
    parser = argparse.ArgumentParser(
        prog="driftmgr",
        parents=[_common_options(defaults=True)],
        description="Does the cloud still match our Terraform state?",
    )
    parser.add_argument("--version", action="version", version=f"driftmgr {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the API, projections and a worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="run no jobs here: leave them to `driftmgr worker` processes on the same database",
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser(
        "worker",
        parents=[common],
        help="run jobs (and schedules) only, beside `serve` processes on the same database",
    )
    worker.add_argument("--name", help="this worker's name in leases and events (default host:pid)")
    worker.set_defaults(func=cmd_worker)

    add_state_commands(sub, common)
    add_token_commands(sub, common)
    add_providers_command(sub, common)

    def scope_arguments(p: argparse.ArgumentParser, *, providers: bool = False) -> None:
        if providers:
            p.add_argument(
                "--provider",
                action="append",
                help="cloud provider: aws, azure, gcp, do (repeatable; default: every "
                "provider whose resources the states manage)",
            )
        else:
            p.add_argument(
                "--provider", required=True, help="cloud provider: aws, azure, gcp or do"
            )
        p.add_argument(
            "--region",
            action="append",
            help="region (repeatable; default: every region enabled in the account)",
        )
        p.add_argument(
            "--tag",
            action="append",
            metavar="KEY=VALUE",
            help="only resources carrying this tag; KEY= for any value (repeatable)",
        )
        p.add_argument(
            "--account-role",
            action="append",
            metavar="ARN",
            help="assume this role to reach another account (repeatable)",
        )
        p.add_argument(
            "--type", action="append", help="limit to a Terraform resource type (repeatable)"
        )

    disc = sub.add_parser("discover", parents=[common], help="inventory a cloud account")
    scope_arguments(disc)
    disc.set_defaults(func=cmd_discover)

    drift = sub.add_parser("drift", help="drift detection").add_subparsers(
        dest="drift_command", required=True, metavar="COMMAND"
    )
    # Commands that print a drift report also offer the CI formats (docs/ci.md).
    report_common = _common_options(defaults=False, outputs=REPORT_FORMATS)
    detect = drift.add_parser(
        "detect", parents=[report_common], help="compare states with the cloud and print the report"
    )
    add_report_output_options(detect)
    detect.add_argument(
        "--state",
        action="append",
        required=True,
        help="Terraform state: a path, a glob, or a URI like tfstate+s3://bucket/key (repeatable)",
    )
    detect.add_argument(
        "--workspaces", action="store_true", help="also compare the states' named workspaces"
    )
    detect.add_argument(
        "--max-inventory-age",
        metavar="AGE",
        default=os.environ.get("DRIFTMGR_INVENTORY_TTL"),
        help="reuse a cached inventory younger than AGE (e.g. 90s, 15m, 2h) instead of "
        "listing the cloud again (env DRIFTMGR_INVENTORY_TTL)",
    )
    detect.add_argument(
        "--driftignore",
        metavar="FILE",
        help="ignore rules in driftctl's syntax (default: ./.driftignore if present)",
    )
    detect.add_argument(
        "--ignore",
        action="append",
        metavar="RULE",
        help="one more ignore rule, e.g. 'aws_iam_*' or 'aws_instance.*.tags.Owner' (repeatable)",
    )
    scope_arguments(detect, providers=True)
    detect.set_defaults(func=cmd_drift_detect)
    report = drift.add_parser("report", parents=[report_common], help="print a drift run's report")
    add_report_output_options(report)
    report.add_argument("run_id")
    add_as_of_option(report)
    report.set_defaults(func=cmd_drift_report)

    add_schedule_commands(sub, common)
    add_jobs_commands(sub, common)
    add_workflow_commands(sub, common)
    add_gen_driftignore_command(sub, common)
    add_remediate_commands(sub, common)
    add_audit_commands(sub, common)

    admin = sub.add_parser("admin", help="maintenance").add_subparsers(
        dest="admin_command", required=True, metavar="COMMAND"
    )
    rebuild = admin.add_parser(
        "rebuild-projections",
        parents=[common],
        help="drop the read models and rebuild them from the event log",
    )
    rebuild.set_defaults(func=cmd_rebuild_projections)
    return parser


def main(argv: Sequence[str] | None = None) -> NoReturn:
    activate_or_exit(argv)  # driftmgr.toml beneath the environment, before any default is read
    parser = _parser()
    args = parser.parse_args(argv)
    if args.log_format not in LOG_FORMATS:  # argparse does not check an env default
        parser.error(f"DRIFTMGR_LOG_FORMAT: {args.log_format!r} is not one of text, json")
    configure_logging(args.log_format, verbose=args.verbose)
    try:
        code = args.func(args)
    except CliError as e:
        print(f"error: {safe(str(e))}", file=sys.stderr)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        # The reader went away (`driftmgr providers | head`): nothing more to say. Python's
        # own flush at exit would fail again, so stdout is pointed at nothing first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141  # 128 + SIGPIPE, as a shell reports a command a pipe cut short
    except Exception as e:  # a bug or an unusable setup: one line, details with -v
        from driftmgr.settings import ConfigurationError

        if isinstance(e, ConfigurationError):
            print(f"error: {safe(str(e))}", file=sys.stderr)
        else:
            if args.verbose:
                log.error("unexpected error", exc_info=True)
            hint = "" if args.verbose else " (run with -v for details)"
            print(f"error: {safe(f'{type(e).__name__}: {e}')}{hint}", file=sys.stderr)
        code = EXIT_ERROR
    sys.exit(code)
