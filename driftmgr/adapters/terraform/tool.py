"""The :class:`~driftmgr.commands.ports.TerraformTool` port over the terraform CLI: import
code from ``terraform plan -generate-config-out``, HCL patches, targeted re-creation."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from driftmgr.commands.ports import ImportRequest
from driftmgr.domain.remediation import CodePatch

__all__ = ["TerraformCli"]


class TerraformCli:
    def patch_attributes(
        self, tf_dir: str, address: str, attributes: Mapping[str, Any]
    ) -> CodePatch:
        from driftmgr.adapters.terraform.hcl_patch import patch_attributes

        patch = patch_attributes(Path(tf_dir), address, dict(attributes))
        return CodePatch(path=patch.path, content=patch.diff, kind="diff")

    def generate_imports(
        self, targets: list[ImportRequest], tf_dir: str | None
    ) -> tuple[list[CodePatch], list[str]]:
        from driftmgr.adapters.terraform.codegen import ImportTarget, generate_imports

        code = generate_imports(
            [
                ImportTarget(
                    type=t.type,
                    import_id=t.import_id,
                    region=t.region,
                    attributes=t.attributes,
                    name=t.name,
                )
                for t in targets
            ],
            tf_dir=Path(tf_dir) if tf_dir else None,
        )
        files = [CodePatch(path=name, content=text) for name, text in sorted(code.files.items())]
        return files, list(code.problems)

    def recreate(self, tf_dir: str, address: str) -> str:
        from driftmgr.adapters.terraform.runner import recreate

        outcome = recreate(Path(tf_dir), address)
        return str(getattr(outcome, "summary", outcome))
