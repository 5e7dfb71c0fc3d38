"""How ECR repositories and their policies compare (terraform-provider-aws 5.x,
``internal/service/ecr``). A repository has no policy attribute: its policy and lifecycle
policy are resources of their own, keyed and imported by the repository name; they belong
to an unmanaged repository's finding, and beside a managed repository one made by hand is
unmanaged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import (
    aws,
    no_attribute,
)
from driftmgr.domain.drift.rules import Key, TypeRules

__all__: list[str] = []


aws(
    "aws_ecr_repository",
    TypeRules(
        defaults={
            "image_tag_mutability": "MUTABLE",
            "encryption_configuration": [{"encryption_type": "AES256", "kms_key": ""}],
            "image_scanning_configuration": [{"scan_on_push": False}],
        },
        ignored=frozenset({"force_delete", "registry_id", "repository_url"}),
        severity={"encryption_configuration": "high"},
    ),
)


# --- ECR ------------------------------------------------------------------------------------


def _repository_parent(attributes: Mapping[str, Any]) -> Key | None:
    repository = attributes.get("repository")
    return ("aws_ecr_repository", str(repository)) if repository else None


def _repository_identity(attributes: Mapping[str, Any]) -> str | None:
    repository = attributes.get("repository") or attributes.get("id")
    return str(repository) if repository else None


for _ecr_type in ("aws_ecr_repository_policy", "aws_ecr_lifecycle_policy"):
    aws(
        _ecr_type,
        TypeRules(
            policies=frozenset({"policy"}),
            import_id="{repository}",
            # registry_id is the account; the repository is the identity.
            ignored=frozenset({"registry_id", "repository"}),
            identity=_repository_identity,
            parent=_repository_parent,
            parent_attribute=no_attribute,
            taggable=False,
            # Who may pull and push is the repository policy's; the lifecycle is housekeeping.
            access=_ecr_type == "aws_ecr_repository_policy",
            severity={"policy": "high"} if _ecr_type == "aws_ecr_repository_policy" else {},
        ),
    )
