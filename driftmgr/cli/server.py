"""`driftmgr serve` and `driftmgr admin …`: the commands that run the server side itself."""

from __future__ import annotations

import argparse
import signal
import sys
from logging import WARNING
from typing import TYPE_CHECKING

from driftmgr.cli.api import EXIT_OK, CliError, print_warnings

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable
    from types import FrameType

    from driftmgr.settings import Settings

__all__ = ["cmd_rebuild_projections", "cmd_serve", "cmd_worker", "listening_socket"]


def cmd_serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from driftmgr.bootstrap import bootstrap
    from driftmgr.cli.logs import console_line
    from driftmgr.config_file import load_settings
    from driftmgr.http.app import create_app
    from driftmgr.http.auth import ServerAuth, is_loopback, serve_hosts
    from driftmgr.http.events import close_streams
    from driftmgr.http.oidc import OidcVerifier

    settings = load_settings()
    oidc = OidcVerifier.from_settings(settings)  # a bad JWKS file fails here, before binding
    if not is_loopback(args.host) and oidc is None and not _has_active_token(settings):
        raise CliError(
            f"refusing to serve on {args.host} without authentication: create a token "
            "(`driftmgr token create --name NAME --role ROLE` on this store) or configure "
            "OIDC (DRIFTMGR_OIDC_ISSUER, DRIFTMGR_OIDC_AUDIENCE, DRIFTMGR_OIDC_JWKS)"
        )

    # Bind first, so that `--port 0` works and the address can be announced once ready.
    sock = listening_socket(args.host, args.port)
    host, port = sock.getsockname()[:2]
    url = f"http://{host}:{port}" if sock.family == socket.AF_INET else f"http://[{host}]:{port}"

    warnings: list[str] = []
    log_format = getattr(args, "log_format", "text")

    def show_warnings() -> None:
        if log_format == "json":
            for warning in warnings:
                print(console_line(warning, log_format, level=WARNING), file=sys.stderr)
        else:
            print_warnings(warnings)
        warnings.clear()

    def announce() -> None:
        print(
            console_line(
                f"driftmgr API listening on {url} (OpenAPI at {url}/schema)", log_format, url=url
            ),
            file=sys.stderr,
            flush=True,
        )
        # After the address, which scripts read as the first line; shown once either way.
        show_warnings()

    # uvicorn shuts down gracefully on SIGTERM, then re-raises it; ending here instead lets
    # the worker and projections stop cleanly and the process exit 0.
    previous = signal.signal(signal.SIGTERM, _terminate)
    services = bootstrap(settings)
    warnings.extend(services.notices)
    auth = ServerAuth(
        oidc=oidc,
        allowed_hosts=serve_hosts(settings, host=args.host, port=port),
        cors_origins=settings.cors_origins,
    )
    try:
        app = create_app(
            services, auth=auth, on_started=announce, run_jobs=not getattr(args, "no_worker", False)
        )
        config = uvicorn.Config(
            app,
            log_level="info" if args.verbose else "warning",
            # JSON: uvicorn's loggers go through ours instead of its own text handlers.
            log_config=None if log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        )
        _server_class()(config, on_exit=lambda: close_streams(app.state)).run(sockets=[sock])
    except _Terminated:
        pass
    finally:
        show_warnings()  # if it never started
        services.close()
        sock.close()
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """Run jobs and schedules (and, when this process holds those roles, the read models and
    the event bus) until SIGTERM or ^C; a job in hand is handed back first (ADR 0019)."""
    import threading

    from driftmgr.bootstrap import bootstrap
    from driftmgr.cli.logs import console_line
    from driftmgr.config_file import load_settings

    settings = load_settings()
    if args.name is not None and not args.name.strip():
        raise CliError("--name must not be empty")
    log_format = getattr(args, "log_format", "text")
    services = bootstrap(settings, worker_name=args.name)
    print_warnings(services.notices)
    stopping = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        services.start()
        where = _store_description(settings)
        name = services.worker.name
        print(
            console_line(f"driftmgr worker {name} running jobs from {where}", log_format),
            file=sys.stderr,
            flush=True,
        )
        while not stopping.wait(1.0):
            pass
    finally:
        services.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


def _store_description(settings: Settings) -> str:
    """Where the events are, without the password."""
    if settings.is_postgres:
        pg = settings.postgres()
        return f"postgresql://{pg.host}:{pg.port}/{pg.dbname}"
    return str(settings.data_dir.resolve())


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (0: a free port) and listening, for uvicorn.

    Its protocol is IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on each
    accepted connection only then. Without it, the two writes of every response (uvicorn's
    head, then body) meet Nagle's algorithm and the client's delayed ACK, and each request
    after the first on a kept-alive connection waits ~40 ms. TCP_NODELAY is set here too,
    as accepted sockets inherit it on Linux, whatever the event loop does.
    """
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise CliError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    return sock


def _has_active_token(settings: Settings) -> bool:
    """Whether the store holds an active API token (read models brought up to date first)."""
    from driftmgr.bootstrap import bootstrap
    from driftmgr.cli.token import bring_read_models_to
    from driftmgr.queries.tokens import count_active_tokens

    if not settings.is_postgres and not (settings.data_dir / "events.sqlite3").exists():
        return False  # no store yet, so no token: refuse without creating one
    services = bootstrap(settings)
    print_warnings(services.notices)  # opening the store may have said something once only
    try:
        bring_read_models_to(services, services.backend.app.position())
        return count_active_tokens(services.projections.engine) > 0
    finally:
        services.close()


class _Terminated(Exception):
    pass


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn, ending live event streams as soon as it is asked to stop: it waits for
        open connections before the app's own shutdown, and a stream would never end."""

        def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
            super().__init__(config)
            self._on_exit = on_exit

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            self._on_exit()
            super().handle_exit(sig, frame)

    return Server


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def cmd_rebuild_projections(args: argparse.Namespace) -> int:
    from driftmgr.bootstrap import bootstrap
    from driftmgr.config_file import load_settings

    services = bootstrap(load_settings())
    print_warnings(services.notices)
    try:
        count = services.projections.rebuild()
    finally:
        services.close()
    print(f"rebuilt read models from {count} events", file=sys.stderr)
    return EXIT_OK
