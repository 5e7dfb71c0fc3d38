"""What an attacker puts in the data stays text, and the pages work from a keyboard alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.web.conftest import Backend

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

#: Would run if the page ever put data into it as markup.
PAYLOAD = "<img src=x onerror=window.__pwned=1>"


def test_markup_in_a_state_and_its_findings_is_shown_as_text_and_never_runs(
    login: Any, backend: Backend
) -> None:
    provider = 'provider["registry.terraform.io/hashicorp/aws"]'
    state = {
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 1,
        "lineage": "hostile",
        "outputs": {"note": {"value": PAYLOAD, "type": "string"}},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": f"x{PAYLOAD}",
                "provider": provider,
                "instances": [{"schema_version": 0, "attributes": {"id": f"gone{PAYLOAD}"}}],
            }
        ],
    }
    source = f"tfstate:///srv/{PAYLOAD}.tfstate"
    imported = backend.post("/api/v1/states", {"source": source, "content": json.dumps(state)})
    run_id = backend.detect(str(imported["id"]), resource_types=["aws_s3_bucket"])
    backend.finished_run(run_id)

    dashboard = login("admin")
    page = dashboard.open("#/states", page="states")
    assert page.get_by_text(source).count() >= 1
    dashboard.open(f"#/states/{imported['id']}", page="states")
    page.get_by_role("heading", name=f"State {source}").wait_for()
    page = dashboard.open(f"#/drift/{run_id}", page="drift")
    page.get_by_label("Search").fill("gone")
    page.get_by_label("Search").press("Enter")
    page.wait_for_selector("main:not([data-busy])")
    assert page.get_by_text(f"aws_s3_bucket.x{PAYLOAD}", exact=True).count() == 1
    dashboard.open("#/audit", page="audit")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main img").count() == 0


def test_every_page_is_reached_and_used_from_the_keyboard(login: Any, backend: Backend) -> None:
    dashboard = login("operator")
    page = dashboard.page

    def tab_to(name: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "(() => { const e = document.activeElement;"
                " return e.getAttribute('aria-label') || e.textContent.trim(); })()"
            )
            if focused == name:
                return
        raise AssertionError(f"Tab never reached {name!r}")

    page.evaluate("document.activeElement.blur()")
    tab_to("Skip to content")
    tab_to("Drift Viewer")
    page.keyboard.press("Enter")
    dashboard.wait_ready("drift")
    report = backend.get(f"/api/v1/drift-runs/{backend.ids['drift_run']}/report")
    if page.get_by_label("Drift run").input_value() != backend.ids["drift_run"]:
        dashboard.open(f"#/drift/{backend.ids['drift_run']}", page="drift")
    first = report["drifts"][0]
    name = f"Details of {first['address'] or first['id']}"
    tab_to(name)
    page.keyboard.press("Enter")
    button = page.get_by_role("button", name=name)
    assert button.get_attribute("aria-expanded") == "true"
    # Focus is visible where it is: the outline comes from :focus-visible.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
