"""The web dashboard in a real headless Chromium (Debian's package, driven by Playwright).

One seeded backend while this package's tests run: a moto "AWS account" of its own (the other tests
reset the shared one), the demo's world applied to it and drifted, a real ``driftmgr
serve`` on a fresh store, tokens of every role, two drift runs, a remediation plan awaiting
approval. Tests read what they check from the same API the page uses, so nothing is
hard-coded. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from moto.server import ThreadedMotoServer

from tests.e2e.conftest import DRIFTMGR, SERVE, assert_no_secrets, running

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
REGION = "us-east-1"
#: Chromium logs every refused request as a console error; the pages handle and show these
#: (a bad token, a missing permission, an analysis still pending). Anything else fails.
REFUSAL = re.compile(r"Failed to load resource: the server responded with a status of 40[139]")
ROLES = ("admin", "operator", "approver", "viewer", "auditor")

#: Chromium's flags for a sandboxed CI machine with no outside network: no background
#: connections (refused here, many at a time), no GPU, no first-run work.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """DRIFTMGR_TEST_CHROMIUM (CI sets it, so a missing browser fails there), else the
    Debian package's chromium if installed; skip where there is none."""
    wanted = os.environ.get("DRIFTMGR_TEST_CHROMIUM")
    if wanted:
        assert Path(wanted).exists(), f"DRIFTMGR_TEST_CHROMIUM={wanted} does not exist"
        return wanted
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("no chromium: `apt-get install chromium` (.ci/run does)")
    return found


@dataclass
class Backend:
    url: str
    tokens: dict[str, str]
    env: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)

    def client(self, role: str = "admin") -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
            timeout=httpx.Timeout(30, read=180),
        )

    def get(self, path: str, role: str = "admin", **params: Any) -> Any:
        with self.client(role) as http:
            response = http.get(path, params=params)
            assert response.status_code == 200, response.text
            assert_no_secrets(response.text, path)
            return response.json()

    def post(self, path: str, body: Any, role: str = "admin") -> Any:
        with self.client(role) as http:
            response = http.post(path, json=body)
            assert response.status_code in (200, 201, 202), response.text
            return response.json()

    def finished_run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.get(f"/api/v1/drift-runs/{run_id}", wait=120)
        assert run["status"] == "completed", run
        return run

    def detect(self, state_id: str, **extra: Any) -> str:
        body = {"provider": "aws", "regions": [REGION], "state_ids": [state_id], **extra}
        run_id: str = self.post("/api/v1/drift-runs", body)["id"]
        return run_id


def _token(env: dict[str, str], role: str) -> str:
    import subprocess

    done = subprocess.run(
        [DRIFTMGR, "token", "create", "--name", f"web-{role}", "--role", role, "-o", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    secret: str = json.loads(done.stdout)["token"]
    return secret


@pytest.fixture(scope="package")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    from demo import aws_drift as demo  # docs/examples/demo: the demo's world

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    home = tmp_path_factory.mktemp("web")
    store, states = home / "store", home / "states"
    states.mkdir()
    tfstate = states / "terraform.tfstate"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRIFTMGR_"))},
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "DRIFTMGR_DATA_DIR": str(store),
        "DRIFTMGR_ACTOR": "web@test",
        # The server reads (and, applying a plan, writes) only states under these.
        "DRIFTMGR_STATE_ROOTS": str(states),
    }
    try:
        tokens = {role: _token(env, role) for role in ROLES}
        with running(SERVE, env) as served:
            backend = Backend(served.url, tokens, env)
            # The demo's boto3 clients read AWS_* from this process's environment: set for
            # the seeding only, so the tests that share this worker see their own.
            with pytest.MonkeyPatch.context() as patch:
                for name, value in env.items():
                    if name.startswith("AWS_"):
                        patch.setenv(name, value)
                _seed(backend, demo, tfstate)
            yield backend
    finally:
        moto.stop()


def _seed(backend: Backend, demo: Any, tfstate: Path) -> None:
    """The demo's world, a state of it in two versions, a clean and a drifted run, a plan."""
    world = demo.apply("web")
    state = demo.terraform_state(world)
    tfstate.write_text(json.dumps(state))
    imported = backend.post("/api/v1/states", {"source": str(tfstate)})
    state_id = str(imported["id"])
    backend.ids["state"] = state_id
    backend.ids["clean_run"] = backend.detect(state_id)
    backend.finished_run(backend.ids["clean_run"])
    backend.ids["expected"] = demo.drift_out_of_band(world)
    # A second version of the state, for the comparison view.
    state["serial"] = state.get("serial", 1) + 1
    state["resources"] = [r for r in state["resources"] if r["type"] != "aws_iam_role"]
    tfstate.write_text(json.dumps(state))
    backend.post("/api/v1/states", {"source": str(tfstate)})
    backend.ids["drift_run"] = backend.detect(state_id)
    backend.finished_run(backend.ids["drift_run"])
    plan = backend.post("/api/v1/remediation-plans", {"drift_run_id": backend.ids["drift_run"]})
    backend.ids["plan"] = str(plan["id"])
    backend.get(f"/api/v1/remediation-plans/{plan['id']}", min_position=plan["position"])


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Package-scoped, like the backend: Playwright's sync API keeps an event loop running
    in this thread while it is open, and tests outside this package call ``asyncio.run``."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


class Dashboard:
    """One logged-in browser tab on the dashboard."""

    def __init__(self, page: Any, backend: Backend) -> None:
        self.page = page
        self.backend = backend

    def open(self, fragment: str = "#/", page: str | None = None) -> Any:
        """Go to a page and wait until it has its data (``main[data-ready]``)."""
        # A hash change keeps the document: clear the last page's mark before going.
        self.page.evaluate("document.querySelector('main')?.removeAttribute('data-ready')")
        self.page.goto(f"{self.backend.url}/{fragment}")
        return self.wait_ready(page)

    def wait_ready(self, page: str | None = None) -> Any:
        selector = f'main[data-ready="{page}"]' if page else "main[data-ready]"
        self.page.wait_for_selector(selector, timeout=30_000)
        return self.page

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        return path

    def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical findings on the page as it is now."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        violations: list[dict[str, Any]] = results.response["violations"]
        return [v for v in violations if v.get("impact") in ("serious", "critical")]


def stay_home(route: Any, home: str, problems: list[str]) -> None:
    """Let requests to the backend through; refuse and note any other."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(route.request.url))
    if origin == home.rstrip("/"):
        route.continue_()
    else:
        problems.append(f"asked another origin: {route.request.url}")
        route.abort()


@pytest.fixture
def login(browser: Any, backend: Backend) -> Iterator[Any]:
    """login(role) → a Dashboard tab logged in with that role's token, as a user does."""
    contexts: list[Any] = []
    problems: list[str] = []

    def open_as(role: str = "admin") -> Dashboard:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        # The dashboard works with no outside network: it asks nothing of another origin.
        context.route("**/*", lambda route: stay_home(route, backend.url, problems))
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" and not REFUSAL.search(message.text)
                else None
            ),
        )
        page.goto(backend.url + "/")
        page.get_by_label("API token").fill(backend.tokens[role])
        page.get_by_role("button", name="Log in").click()
        dashboard = Dashboard(page, backend)
        dashboard.wait_ready()
        return dashboard

    yield open_as
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)
