"""ECR: repository tags, tag mutability and scan-on-push."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import (
    api_call,
    arn_of,
    block,
    flag,
    name_of,
    value,
)
from driftmgr.adapters.providers.aws.remediation.registry import Change, recipe
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, Target

__all__: list[str] = []

_REPOSITORY = "aws_ecr_repository"


@tagger((_REPOSITORY,), ("ecr:tag_resource", "ecr:untag_resource"))
def repository_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    name = name_of(target, actual, desired)
    arn = arn_of(target, actual, desired, f"ecr:repository/{name}")
    calls = []
    if diff.put:
        params = {"resourceArn": arn, "tags": tag_list(diff.put)}
        calls.append(api_call(target, "ecr", "tag_resource", params))
    if diff.remove:
        params = {"resourceArn": arn, "tagKeys": list(diff.remove)}
        calls.append(api_call(target, "ecr", "untag_resource", params))
    return calls


@recipe(_REPOSITORY, "image_tag_mutability", ("ecr:put_image_tag_mutability",))
def tag_mutability(change: Change) -> list[ApiCall]:
    params = {
        "repositoryName": name_of(change.target, change.actual, change.desired),
        "imageTagMutability": str(value(_REPOSITORY, "image_tag_mutability", change.desired)),
    }
    return [api_call(change.target, "ecr", "put_image_tag_mutability", params)]


@recipe(_REPOSITORY, "image_scanning_configuration", ("ecr:put_image_scanning_configuration",))
def scan_on_push(change: Change) -> list[ApiCall]:
    wanted = block(value(_REPOSITORY, "image_scanning_configuration", change.desired))
    params = {
        "repositoryName": name_of(change.target, change.actual, change.desired),
        "imageScanningConfiguration": {"scanOnPush": flag(wanted.get("scan_on_push"))},
    }
    return [api_call(change.target, "ecr", "put_image_scanning_configuration", params)]
