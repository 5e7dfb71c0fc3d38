"""AWS remediation: from "make these attributes what the desired map says" to boto3 calls.

:class:`AwsRemediator` implements the :class:`~driftmgr.adapters.providers.base.Remediator`
port. Planning is pure and reads the recipe registry (one module per service registers its
recipes, taggers, quarantine steps and deletions); :meth:`AwsRemediator.execute` hands a call
to the :class:`~.executor.Executor`, the only part that does IO.

Types Terraform adopts from AWS (``aws_default_vpc`` …) are remediated as the type AWS
lists them as; ``tags_all`` is remediated as ``tags`` (the desired tags already include
the provider's default tags).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import msgspec

# Importing the service modules registers their recipes.
from driftmgr.adapters.providers.aws.remediation import (  # noqa: F401
    dynamodb,
    ec2,
    ecr,
    elbv2,
    iam,
    kms,
    lambda_,
    logs,
    rds,
    route53,
    s3,
    security_groups,
    sns,
    sqs,
)
from driftmgr.adapters.providers.aws.remediation.calls import differs
from driftmgr.adapters.providers.aws.remediation.executor import Executor
from driftmgr.adapters.providers.aws.remediation.registry import (
    DELETIONS,
    QUARANTINES,
    RECIPES,
    REFUSED_DELETIONS,
    Change,
    Recipe,
)
from driftmgr.adapters.providers.aws.remediation.tags import TAGGERS, quarantine_tag_calls
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target

__all__ = ["AwsRemediator", "Executor"]


def _kind(resource_type: str) -> str:
    """The type AWS lists a Terraform type as (``aws_default_vpc`` is an ``aws_vpc``)."""
    return rules_for(resource_type).live_type or resource_type


def _attribute(name: str) -> str:
    return "tags" if name == "tags_all" else name


class AwsRemediator:
    """Plans and makes the AWS API calls of revert, quarantine and delete."""

    name = "aws"

    def __init__(self, executor: Executor | None = None) -> None:
        self._executor = executor or Executor()

    def revertible(self, resource_type: str, attributes: Collection[str]) -> bool:
        kind = _kind(resource_type)
        if not any(known == kind for known, _ in RECIPES):
            return False
        return all((kind, _attribute(a)) in RECIPES for a in attributes)

    def quarantinable(self, resource_type: str) -> bool:
        return _kind(resource_type) in TAGGERS

    def deletable(self, resource_type: str) -> bool:
        return _kind(resource_type) in DELETIONS

    def revert_calls(
        self,
        target: Target,
        desired: Mapping[str, Any],
        actual: Mapping[str, Any],
        attributes: Sequence[str],
    ) -> list[ApiCall]:
        kind = _kind(target.type)
        wanted = list(dict.fromkeys(_attribute(a) for a in attributes))
        missing = [a for a in wanted if (kind, a) not in RECIPES]
        if missing:
            raise NotRemediable(f"driftmgr has no recipe to revert {', '.join(missing)} of {kind}")
        subject = msgspec.structs.replace(target, type=kind)
        # One call per recipe with every attribute of it that differs, in registration order
        # (a service module registers what must come first first).
        order = {recipe: index for index, recipe in enumerate(dict.fromkeys(RECIPES.values()))}
        groups: dict[Recipe, list[str]] = {}
        for name in wanted:
            groups.setdefault(RECIPES[kind, name], []).append(name)
        calls: list[ApiCall] = []
        for recipe in sorted(groups, key=order.__getitem__):
            changed = tuple(n for n in groups[recipe] if differs(kind, n, desired, actual))
            if changed or recipe.always:
                calls += recipe.plan(Change(subject, desired, actual, changed))
        return calls

    def quarantine_calls(
        self, target: Target, actual: Mapping[str, Any], marker: str
    ) -> tuple[list[ApiCall], list[str]]:
        kind = _kind(target.type)
        if kind not in TAGGERS:
            raise NotRemediable(f"driftmgr cannot quarantine {kind}: it cannot be tagged")
        subject = msgspec.structs.replace(target, type=kind)
        calls = quarantine_tag_calls(subject, actual, marker)
        touched = ["tags"]
        step = QUARANTINES.get(kind)
        if step is not None:
            calls += step.plan(subject, actual)
            touched += step.attributes
        return calls, touched

    def delete_calls(self, target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
        kind = _kind(target.type)
        if kind in REFUSED_DELETIONS:
            raise NotRemediable(f"driftmgr does not delete {kind}: {REFUSED_DELETIONS[kind]}")
        if kind not in DELETIONS:
            raise NotRemediable(f"driftmgr cannot delete {kind}")
        return DELETIONS[kind].plan(msgspec.structs.replace(target, type=kind), actual)

    def execute(self, call: ApiCall) -> Any:
        return self._executor.execute(call)
