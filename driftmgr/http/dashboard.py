"""The web dashboard: static ES modules served by the API's own app (ADR 0022).

The page is a client of the public API like the CLI: it holds no data of its own, asks the
same routes with the user's token and follows ``/api/v1/events``. What is served here is
public (it is the same for everyone and holds no data); everything it shows is fetched
with the token, so a page without one shows only its login form.

The policy headers make an injected script inert: only this origin's scripts and styles
run (no inline code, no ``eval``), the page talks only to this origin, and no other site
may frame it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

__all__ = ["SECURITY_HEADERS", "WEB_ROOT", "dashboard_routes"]

WEB_ROOT = Path(__file__).parent / "web"

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Each release serves new files under the same names: revalidate, never guess.
    "Cache-Control": "no-cache",
}


@get(
    "/",
    permission="public",
    include_in_schema=False,
    media_type="text/html; charset=utf-8",
)
async def index() -> Response[bytes]:
    return Response(_index_html(), headers=SECURITY_HEADERS)


@functools.cache
def _index_html() -> bytes:
    return (WEB_ROOT / "index.html").read_bytes()


async def _secure(response: Any) -> Any:
    response.headers.update(SECURITY_HEADERS)
    return response


def dashboard_routes() -> list[ControllerRouterHandler]:
    assets = create_static_files_router(
        path="/assets",
        directories=[WEB_ROOT / "assets"],
        name="dashboard-assets",
        opt={"permission": "public"},
        include_in_schema=False,
        after_request=_secure,
    )
    return [index, assets]
