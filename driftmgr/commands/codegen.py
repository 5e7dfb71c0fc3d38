"""GenerateImportCode: Terraform code that brings a drift run's unmanaged objects under
Terraform (``import {}`` blocks and their resources), returned, never written by a server."""

from __future__ import annotations

from uuid import UUID

import msgspec

from driftmgr.commands.backend import Backend
from driftmgr.commands.ports import ImportRequest
from driftmgr.commands.remediation import (
    import_id_of,
    observations_of,
    observed_key,
    tf_dir_for,
)
from driftmgr.domain.drift.report import ReportBody
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation import NotRemediable
from driftmgr.errors import Conflict, InvalidCommand

__all__ = ["GenerateImportCode", "GeneratedCode", "generate_import_code"]


class GenerateImportCode(msgspec.Struct, frozen=True, kw_only=True):
    drift_run_id: UUID
    tf_dir: str | None = None
    """The Terraform directory whose provider configuration checks the code with
    ``terraform plan``; without it only import blocks and unchecked skeletons come back."""


class GeneratedCode(msgspec.Struct, frozen=True, kw_only=True):
    files: dict[str, str]
    """File name → content, to write into the Terraform directory."""
    imports: int
    problems: list[str]
    """What ``terraform plan`` found wrong with the code; empty when it accepted it."""


def generate_import_code(backend: Backend, command: GenerateImportCode) -> GeneratedCode:
    run = backend.app.get(DriftRun, command.drift_run_id)
    if run.status != "completed" or run.report_sha256 is None:
        raise Conflict(f"drift run {run.id} is {run.status}; code can be made once it completed")
    if backend.terraform is None:
        raise InvalidCommand("this driftmgr cannot generate Terraform code")
    tf_dir = tf_dir_for(backend, command.tf_dir)
    body = msgspec.json.decode(backend.blobs.get(run.report_sha256), type=ReportBody)
    observed = observations_of(backend, run)
    targets = []
    for item in body.drifts:
        if item.kind != "unmanaged" or item.id is None:
            continue
        live = observed.get(observed_key(item))
        targets.append(
            ImportRequest(
                type=item.type,
                import_id=import_id_of(item, live.attributes if live else {}),
                region=item.region or "",
                attributes=dict(live.attributes) if live else {},
            )
        )
    if not targets:
        raise InvalidCommand(f"drift run {run.id} found no unmanaged object to import")
    try:
        patches, problems = backend.terraform.generate_imports(targets, tf_dir)
    except NotRemediable as e:
        raise InvalidCommand(str(e)) from None
    return GeneratedCode(
        files={p.path: p.content for p in patches}, imports=len(targets), problems=problems
    )
