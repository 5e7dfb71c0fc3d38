"""The CLI's only way in: HTTP, to a server or to the same app run in-process (ADR 0006)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import Any
from uuid import uuid4

import httpx
import msgspec

from driftmgr.cli.terminal import safe

__all__ = [
    "EXIT_DRIFT",
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_UNOBSERVED",
    "Api",
    "CliError",
    "cancel_on_interrupt",
    "connect",
    "print_warnings",
]

EXIT_OK, EXIT_ERROR, EXIT_DRIFT, EXIT_UNOBSERVED = 0, 1, 2, 3
LONG_POLL_SECONDS = 20.0


class CliError(Exception):
    """Ends the command with one line on stderr and exit code 1."""


def print_warnings(warnings: Iterable[str]) -> None:
    """One ``warning: …`` line on stderr each (e.g. the store's notices: a new key to back up)."""
    for warning in warnings:
        print(f"warning: {safe(warning)}", file=sys.stderr, flush=True)


# --- talking to the API ------------------------------------------------------------------


class Api:
    """Commands and queries over HTTP, to a server or to the in-process app."""

    def __init__(self, http: httpx.Client, where: str, *, token: str | None = None) -> None:
        self._http = http
        self._where = where
        self._token = token
        self._correlation_id = uuid4()

    def _request(
        self, method: str, path: str, *, conflict_ok: bool = False, **kwargs: Any
    ) -> httpx.Response:
        # Who we are is the token's business (a server) or the local user's (in-process).
        headers = {
            "X-Correlation-Id": str(self._correlation_id),
            **({"Authorization": f"Bearer {self._token}"} if self._token else {}),
            **kwargs.pop("headers", {}),
        }
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as e:
            raise CliError(f"cannot reach the driftmgr API at {self._where}: {e}") from None
        if response.status_code == 401:
            raise CliError(_unauthenticated(self._where, has_token=self._token is not None))
        if response.status_code >= 400 and not (conflict_ok and response.status_code == 409):
            raise CliError(_problem_detail(response))
        return response

    def command(self, path: str, body: Any) -> dict[str, Any]:
        response = self._request(
            "POST",
            path,
            content=msgspec.json.encode(body),
            headers={"Content-Type": "application/json"},
        )
        result: dict[str, Any] = response.json()
        return result

    def cancel(self, path: str) -> None:
        """Ask the server to cancel the run at ``path``; one that just finished stays as it is."""
        # Every POST carries the JSON content type: the server refuses any other (CSRF).
        headers = {"Content-Type": "application/json"}
        self._request("POST", f"{path}/cancel", conflict_ok=True, headers=headers)

    def text(self, path: str, **params: Any) -> str:
        """A query whose answer is not JSON (a Graphviz or Mermaid graph)."""
        params = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", path, params=params).text

    def query(self, path: str, **params: Any) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", path, params=params).json()

    def wait_finished(self, path: str, position: int, label: str) -> dict[str, Any]:
        """Long-poll a run until it has finished, reporting status changes on stderr.

        The first Ctrl-C asks the server to cancel the run (it records why and stops at its
        next step) and keeps waiting for it to say so; a second one leaves it running.
        """
        last = None
        with cancel_on_interrupt(self, path, label):
            while True:
                view: dict[str, Any] = self.query(
                    path, min_position=position, wait=LONG_POLL_SECONDS
                )
                status = view["status"]
                if status != last:
                    again = view.get("attempt", 0) > 1
                    attempt = f" (attempt {view['attempt']})" if again else ""
                    print(safe(f"{label}: {status}{attempt}"), file=sys.stderr)
                    last = status
                if status in ("completed", "failed", "cancelled"):
                    return view


@contextmanager
def cancel_on_interrupt(api: Api, path: str, label: str) -> Iterator[None]:
    """While inside, the first Ctrl-C asks the server to cancel the run at ``path``; the
    caller keeps waiting and sees it end ``cancelled``. A second Ctrl-C interrupts as usual.

    The request goes from another thread: an exception raised in the middle of the request
    in flight would tear it (the in-process client turns it into an HTTP 500).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def cancel() -> None:
        try:
            api.cancel(path)
        except CliError as e:
            print(safe(f"error: could not cancel {label}: {e}"), file=sys.stderr)

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print(f"\ncancelling {label} (Ctrl-C again to leave it running)", file=sys.stderr)
        threading.Thread(target=cancel, name="cancel", daemon=True).start()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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


def _unauthenticated(where: str, *, has_token: bool) -> str:
    if has_token:
        return (
            f"the driftmgr server at {where} refused DRIFTMGR_TOKEN (unknown or revoked); "
            "create a new one with `driftmgr token create` on the server's store"
        )
    return (
        f"the driftmgr server at {where} requires a token: set DRIFTMGR_TOKEN "
        "(create one with `driftmgr token create` on the server's store)"
    )


@contextmanager
def _in_process_api(actor: str) -> Iterator[Api]:
    """The app in-process, trusting the local user (``DRIFTMGR_ACTOR``) as git trusts
    ``user.name``: nothing listens on a socket, and whoever runs this can open the store."""
    # Imported here: a CLI talking to a remote server never loads the server side.
    from litestar.testing import TestClient

    from driftmgr.adapters.terraform.backends.policy import SourcePolicy
    from driftmgr.bootstrap import bootstrap
    from driftmgr.config_file import load_settings
    from driftmgr.http.app import create_app
    from driftmgr.http.auth import LocalTrust

    settings = load_settings()
    # The local user's own files and network, as they could read them without driftmgr.
    # Schedules are fired by servers (`driftmgr serve`), not by each CLI invocation.
    services = bootstrap(settings, source_policy=SourcePolicy.local(), scheduler_poll_seconds=None)
    print_warnings(services.notices)
    try:
        app = create_app(services, auth=LocalTrust(actor=actor), contract=False)
        with TestClient(
            app,
            base_url="http://driftmgr.local",
            raise_server_exceptions=False,
            timeout=LONG_POLL_SECONDS + 30,
        ) as client:
            yield Api(client, f"embedded store {settings.data_dir}")
    finally:
        services.close()


@contextmanager
def _remote_api(url: str, token: str | None) -> Iterator[Api]:
    with httpx.Client(base_url=url, timeout=LONG_POLL_SECONDS + 30) as client:
        yield Api(client, url, token=token)


def connect(args: argparse.Namespace) -> AbstractContextManager[Api]:
    """A server's API (``--api-url``; authenticated by ``DRIFTMGR_TOKEN``), or the app
    in-process on the embedded store, acting as ``DRIFTMGR_ACTOR``."""
    if args.api_url:
        return _remote_api(args.api_url, os.environ.get("DRIFTMGR_TOKEN") or None)
    return _in_process_api(os.environ.get("DRIFTMGR_ACTOR") or _actor())


def _actor() -> str:
    from driftmgr.config_file import load_settings

    return load_settings().actor
