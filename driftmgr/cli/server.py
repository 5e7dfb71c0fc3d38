"""`driftmgr serve` and `driftmgr admin …`: the commands that run the server side itself."""

from __future__ import annotations

import argparse
import signal
import sys

from driftmgr.cli.api import EXIT_OK, CliError

__all__ = ["cmd_rebuild_projections", "cmd_serve"]


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
