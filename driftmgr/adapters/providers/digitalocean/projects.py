"""Projects and the resources assigned to them (``GET /v2/projects``,
``/v2/projects/{id}/resources``), named as terraform-provider-digitalocean 2.x reads them."""

from __future__ import annotations

import asyncio
from typing import Any

from driftmgr.adapters.providers.digitalocean.registry import Scan, enumerator, live
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@enumerator("digitalocean_project", "projects", is_global=True)
async def _projects(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages("projects", scan.client.projects.list, "projects")
    members = await asyncio.gather(*(_resources(scan, str(p["id"])) for p in found))
    return [_project(p, urns) for p, urns in zip(found, members, strict=True)]


async def _resources(scan: Scan, project_id: str) -> list[str]:
    found = await scan.calls.pages(
        "projects", scan.client.projects.list_resources, "resources", project_id
    )
    return sorted(str(r["urn"]) for r in found if r.get("urn"))


def _project(project: dict[str, Any], urns: list[str]) -> LiveResource:
    purpose = str(project.get("purpose", ""))
    return live(
        "digitalocean_project",
        project["id"],
        None,
        name=project.get("name", ""),
        description=project.get("description", ""),
        # The API prefixes free-text purposes; the provider strips it (resource_project.go).
        purpose=purpose.removeprefix("Other: "),
        environment=project.get("environment", ""),
        is_default=bool(project.get("is_default")),
        owner_uuid=project.get("owner_uuid", ""),
        owner_id=project.get("owner_id"),
        created_at=project.get("created_at", ""),
        updated_at=project.get("updated_at", ""),
        resources=urns,
    )
