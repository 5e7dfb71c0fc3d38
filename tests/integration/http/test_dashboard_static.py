"""The dashboard's files as a server hands them out: public, data-free, under a strict policy,
and nothing outside its folder (ADR 0022). The pages themselves: tests/e2e/web."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.http.app import create_app
from driftmgr.http.auth import ServerAuth
from driftmgr.http.dashboard import WEB_ROOT
from driftmgr.settings import Settings


@pytest.fixture
def client(sqlite_settings: Settings) -> Iterator[TestClient[Any]]:
    services: Services = bootstrap(sqlite_settings)
    try:
        app = create_app(services, auth=ServerAuth(), run_background=False)
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            yield client
    finally:
        services.close()


def assets() -> list[str]:
    return sorted(str(p.relative_to(WEB_ROOT / "assets")) for p in WEB_ROOT.rglob("assets/**/*.*"))


def test_the_page_needs_no_token_and_carries_a_policy_that_allows_only_this_origin(
    client: TestClient[Any],
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    # No inline script or style: everything the page runs comes from /assets.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)
    assert "style=" not in page.text and "<style" not in page.text


@pytest.mark.parametrize("name", assets())
def test_every_asset_is_served_with_its_type_and_the_policy(
    client: TestClient[Any], name: str
) -> None:
    response = client.get(f"/assets/{name}")
    assert response.status_code == 200, name
    expected = {".js": "javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    assert expected[Path(name).suffix] in response.headers["content-type"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.content == (WEB_ROOT / "assets" / name).read_bytes()


def test_every_module_the_page_imports_exists(client: TestClient[Any]) -> None:
    """A relative import of a missing module would break a page only in a browser."""
    for path in (WEB_ROOT / "assets").rglob("*.js"):
        for target in re.findall(
            r"""(?:from|import\()\s*["'](\.{1,2}/[^"']+)["']""", path.read_text()
        ):
            resolved = (path.parent / target).resolve()
            assert resolved.is_file(), f"{path.name} imports {target}, which does not exist"


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../dashboard.py",
        "/assets/%2e%2e/dashboard.py",
        "/assets/..%2f..%2fsettings.py",
        "/assets/pages/../../index.html/../../../app.py",
        "/assets//etc/passwd",
    ],
)
def test_nothing_outside_the_assets_folder_is_served(client: TestClient[Any], path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert b"def " not in response.content and b"root:" not in response.content


def test_the_page_holds_no_data_without_a_token(client: TestClient[Any]) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/drift-runs").status_code == 401
