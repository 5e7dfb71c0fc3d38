"""The ``driftmgr`` command: a small client that sends commands and reads queries.

With ``--api-url`` (or ``DRIFTMGR_API_URL``) it talks to a running ``driftmgr serve``.
Without, it runs the very same HTTP app in-process on the embedded store, so one command
works standalone and behaves exactly as it would against a server (ADR 0005).

Results go to stdout; progress, logs and errors to stderr. Errors are one line.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID, uuid4

import httpx
import msgspec

from driftmgr import __version__

__all__ = ["main"]

log = logging.getLogger("driftmgr.cli")

EXIT_OK, EXIT_ERROR, EXIT_DRIFT, EXIT_UNOBSERVED = 0, 1, 2, 3
LONG_POLL_SECONDS = 20.0


class CliError(Exception):
    """Ends the command with one line on stderr and exit code 1."""


# --- talking to the API ------------------------------------------------------------------


class Api:
    """Commands and queries over HTTP, to a server or to the in-process app."""

    def __init__(self, http: httpx.Client, actor: str, where: str) -> None:
        self._http = http
        self._actor = actor
        self._where = where
        self._correlation_id = uuid4()

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {
            "X-Driftmgr-Actor": self._actor,
            "X-Correlation-Id": str(self._correlation_id),
            **kwargs.pop("headers", {}),
        }
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as e:
            raise CliError(f"cannot reach the driftmgr API at {self._where}: {e}") from None
        if response.status_code >= 400:
            raise CliError(_problem_detail(response))
        return response.json()

    def command(self, path: str, body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._send(
            "POST",
            path,
            content=msgspec.json.encode(body),
            headers={"Content-Type": "application/json"},
        )
        return result

    def query(self, path: str, **params: Any) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        return self._send("GET", path, params=params)

    def wait_finished(self, path: str, position: int, label: str) -> dict[str, Any]:
        """Long-poll a run until it has finished, reporting status changes on stderr."""
        last = None
        while True:
            view: dict[str, Any] = self.query(path, min_position=position, wait=LONG_POLL_SECONDS)
            status = view["status"]
            if status != last:
                attempt = f" (attempt {view['attempt']})" if view.get("attempt", 0) > 1 else ""
                print(f"{label}: {status}{attempt}", file=sys.stderr)
                last = status
            if status in ("completed", "failed", "cancelled"):
                return view


def _problem_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    detail = body.get("detail") or body.get("title") or response.reason_phrase
    for error in body.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            detail += f" ({error.get('key', '')}: {error['message']})"
    return str(detail)


@contextmanager
def _in_process_api(actor: str) -> Iterator[Api]:
    # Imported here: a CLI talking to a remote server never loads the server side.
    from litestar.testing import TestClient

    from driftmgr.bootstrap import bootstrap
    from driftmgr.http.app import create_app
    from driftmgr.settings import Settings

    settings = Settings.from_env()
    services = bootstrap(settings)
    try:
        app = create_app(services)
        with TestClient(
            app,
            base_url="http://driftmgr.local",
            raise_server_exceptions=False,
            timeout=LONG_POLL_SECONDS + 30,
        ) as client:
            yield Api(client, actor, f"embedded store {settings.data_dir}")
    finally:
        services.close()


@contextmanager
def _remote_api(url: str, actor: str) -> Iterator[Api]:
    with httpx.Client(base_url=url, timeout=LONG_POLL_SECONDS + 30) as client:
        yield Api(client, actor, url)


def _api(args: argparse.Namespace) -> AbstractContextManager[Api]:
    actor = os.environ.get("DRIFTMGR_ACTOR") or _actor()
    if args.api_url:
        return _remote_api(args.api_url, actor)
    return _in_process_api(actor)


def _actor() -> str:
    from driftmgr.settings import Settings

    return Settings.from_env().actor


# --- output ------------------------------------------------------------------------------


def _print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value), indent=2).decode() + "\n")


def _table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict):
        # Set members (rules …) read better as their non-empty fields.
        text = " ".join(
            f"{k}={_short(v, limit)}"
            for k, v in value.items()
            if v not in (None, "", [], {}, False)
        )
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        text = ",".join(str(v) for v in value)
    else:
        text = msgspec.json.encode(value).decode()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _change_text(change: dict[str, Any]) -> str:
    if change.get("added") is not None or change.get("removed") is not None:
        parts = [f"+[{_short(m, 70)}]" for m in change.get("added") or []]
        parts += [f"-[{_short(m, 70)}]" for m in change.get("removed") or []]
        return f"{change['path']}: {' '.join(parts)}"
    return f"{change['path']}: {_short(change['expected'], 40)} → {_short(change['actual'], 40)}"


def _render_report(report: dict[str, Any]) -> str:
    s = report["summary"]
    rows = []
    for item in report["drifts"]:
        detail = "; ".join(_change_text(c) for c in item["changes"]) or (item["reason"] or "")
        rows.append(
            [
                item["kind"],
                item["severity"],
                item["type"],
                item["address"] or item["id"] or "",
                item["region"] or "",
                detail,
            ]
        )
    sources = ", ".join(f"{src['uri']} (serial {src['serial']})" for src in report["sources"])
    lines = [f"Drift run {report['run_id']}: {report['status']}"]
    if sources:
        lines.append(f"States: {sources}")
    if report.get("error"):
        lines.append(f"Error: {report['error']}")
    if rows:
        lines += [
            "",
            _table(rows, ["kind", "severity", "type", "address / id", "region", "detail"]),
        ]
    lines += [
        "",
        f"{s['total']} resources: {s['in_sync']} in sync, {s['modified']} modified, "
        f"{s['missing']} missing, {s['unmanaged']} unmanaged, {s['unobserved']} unobserved"
        f" ({s['ignored']} ignored)",
        f"Coverage {s['coverage']}%, compliance score {s['compliance_score']}",
    ]
    return "\n".join(lines)


def _report_exit_code(report: dict[str, Any]) -> int:
    s = report["summary"]
    if s["modified"] or s["missing"] or s["unmanaged"]:
        return EXIT_DRIFT
    if s["unobserved"]:
        return EXIT_UNOBSERVED
    return EXIT_OK


# --- commands ----------------------------------------------------------------------------


def _regions(args: argparse.Namespace) -> list[str]:
    regions: list[str] = args.region or []
    if not regions:
        default = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if default and args.provider == "aws":
            regions = [default]
    if not regions:
        raise CliError("name at least one region with --region")
    return regions


def _read_state(path: str) -> dict[str, str]:
    """A state file as a command carries it: absolute source URI and content."""
    file = Path(path).expanduser()
    try:
        content = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"state file {path} does not exist") from None
    except IsADirectoryError:
        raise CliError(f"{path} is a directory, not a state file") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not a Terraform state: the file is not UTF-8 text") from None
    except OSError as e:
        raise CliError(f"cannot read state file {path}: {e.strerror}") from None
    return {"source": f"tfstate://{file.resolve()}", "content": content}


def cmd_state_import(args: argparse.Namespace) -> int:
    body = _read_state(args.path)
    with _api(args) as api:
        accepted = api.command("/api/v1/states", body)
        view = api.query(f"/api/v1/states/{accepted['id']}", min_position=accepted["position"])
    result = {
        "id": view["id"],
        "source": view["source"],
        "serial": view["serial"],
        "lineage": view["lineage"],
        "terraform_version": view["terraform_version"],
        "resource_count": view["resource_count"],
        "versions": len(view["versions"]),
    }
    if args.output == "json":
        _print_json(result)
    else:
        print(_table([[str(k), str(v)] for k, v in result.items()], ["field", "value"]))
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    body = {
        "provider": args.provider,
        "regions": _regions(args),
        "resource_types": args.type or None,
    }
    with _api(args) as api:
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
        _print_json(result)
    else:
        rows = [[t, str(n)] for t, n in sorted(view["resource_counts"].items())]
        print(_table(rows, ["type", "resources"]))
        for u in view["unobserved"]:
            print(f"unobserved: {u['type']} in {u['region']}: {u['reason']}")
    if view["status"] != "completed":
        raise CliError(f"discovery {view['id']} {view['status']}: {view['error']}")
    return EXIT_UNOBSERVED if view["unobserved"] else EXIT_OK


def cmd_drift_detect(args: argparse.Namespace) -> int:
    body = {
        "provider": args.provider,
        "regions": _regions(args),
        "states": [_read_state(p) for p in args.state],
        "resource_types": args.type or None,
    }
    with _api(args) as api:
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
    with _api(args) as api:
        report = api.query(f"/api/v1/drift-runs/{run_id}/report")
    return _show_report(report, args.output)


def _show_report(report: dict[str, Any], output: str) -> int:
    if output == "json":
        _print_json(report)
    else:
        print(_render_report(report))
    if report["status"] == "failed":
        raise CliError(f"drift run {report['run_id']} failed: {report.get('error')}")
    if report["status"] != "completed":
        raise CliError(f"drift run {report['run_id']} is {report['status']}, not completed yet")
    return _report_exit_code(report)


def cmd_serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from driftmgr.bootstrap import bootstrap
    from driftmgr.http.app import create_app
    from driftmgr.settings import Settings

    # Bind first, so that `--port 0` works and the address can be announced once ready.
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as e:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {e.strerror}") from None
    sock.listen(128)
    host, port = sock.getsockname()[:2]
    url = f"http://{host}:{port}" if family == socket.AF_INET else f"http://[{host}]:{port}"

    def announce() -> None:
        print(
            f"driftmgr API listening on {url} (OpenAPI at {url}/schema)",
            file=sys.stderr,
            flush=True,
        )

    # uvicorn shuts down gracefully on SIGTERM, then re-raises it; ending here instead lets
    # the worker and projections stop cleanly and the process exit 0.
    previous = signal.signal(signal.SIGTERM, _terminate)
    services = bootstrap(Settings.from_env())
    try:
        config = uvicorn.Config(
            create_app(services, on_started=announce),
            log_level="info" if args.verbose else "warning",
        )
        uvicorn.Server(config).run(sockets=[sock])
    except _Terminated:
        pass
    finally:
        services.close()
        sock.close()
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


class _Terminated(Exception):
    pass


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def cmd_rebuild_projections(args: argparse.Namespace) -> int:
    from driftmgr.bootstrap import bootstrap
    from driftmgr.settings import Settings

    services = bootstrap(Settings.from_env())
    try:
        count = services.projections.rebuild()
    finally:
        services.close()
    print(f"rebuilt read models from {count} events", file=sys.stderr)
    return EXIT_OK


# --- argument parsing --------------------------------------------------------------------


def _common_options(*, defaults: bool) -> argparse.ArgumentParser:
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
    common.add_argument("--output", "-o", choices=["table", "json"], default=default("table"))
    common.add_argument(
        "--verbose", "-v", action="store_true", default=default(False), help="log to stderr"
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
    serve.set_defaults(func=cmd_serve)

    state = sub.add_parser("state", help="Terraform states").add_subparsers(
        dest="state_command", required=True, metavar="COMMAND"
    )
    imp = state.add_parser("import", parents=[common], help="import a local state file")
    imp.add_argument("path")
    imp.set_defaults(func=cmd_state_import)

    def scope_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--provider", required=True, help="cloud provider, e.g. aws")
        p.add_argument("--region", action="append", help="region (repeatable)")
        p.add_argument(
            "--type", action="append", help="limit to a Terraform resource type (repeatable)"
        )

    disc = sub.add_parser("discover", parents=[common], help="inventory a cloud account")
    scope_arguments(disc)
    disc.set_defaults(func=cmd_discover)

    drift = sub.add_parser("drift", help="drift detection").add_subparsers(
        dest="drift_command", required=True, metavar="COMMAND"
    )
    detect = drift.add_parser(
        "detect", parents=[common], help="compare states with the cloud and print the report"
    )
    detect.add_argument(
        "--state", action="append", required=True, help="Terraform state file (repeatable)"
    )
    scope_arguments(detect)
    detect.set_defaults(func=cmd_drift_detect)
    report = drift.add_parser("report", parents=[common], help="print a drift run's report")
    report.add_argument("run_id")
    report.set_defaults(func=cmd_drift_report)

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
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        # httpx logs every request at INFO; the in-process client would echo them all.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        code = args.func(args)
    except CliError as e:
        print(f"error: {e}", file=sys.stderr)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except Exception as e:  # a bug or an unusable setup: one line, details with -v
        from driftmgr.settings import ConfigurationError

        if isinstance(e, ConfigurationError):
            print(f"error: {e}", file=sys.stderr)
        else:
            if args.verbose:
                log.error("unexpected error", exc_info=True)
            hint = "" if args.verbose else " (run with -v for details)"
            print(f"error: {type(e).__name__}: {e}{hint}", file=sys.stderr)
        code = EXIT_ERROR
    sys.exit(code)
