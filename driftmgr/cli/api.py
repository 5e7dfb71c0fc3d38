"""The CLI's only way in: HTTP, to a server or to the same app run in-process (ADR 0006)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from uuid import uuid4

import httpx
import msgspec

__all__ = ["EXIT_DRIFT", "EXIT_ERROR", "EXIT_OK", "EXIT_UNOBSERVED", "Api", "CliError", "connect"]

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

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
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

    def text(self, path: str, **params: Any) -> str:
        """A query whose answer is not JSON (a Graphviz or Mermaid graph)."""
        params = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", path, params=params).text

    def query(self, path: str, **params: Any) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", path, params=params).json()

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


def connect(args: argparse.Namespace) -> AbstractContextManager[Api]:
    actor = os.environ.get("DRIFTMGR_ACTOR") or _actor()
    if args.api_url:
        return _remote_api(args.api_url, actor)
    return _in_process_api(actor)


def _actor() -> str:
    from driftmgr.settings import Settings

    return Settings.from_env().actor
