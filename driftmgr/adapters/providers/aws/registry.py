"""The enumerator registry: one async function per Terraform type, registered by decorator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from driftmgr.adapters.providers.aws.scan import Scan
from driftmgr.domain.drift import aws as _aws  # noqa: F401 - registers the AWS type rules
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import LiveResource

__all__ = ["ENUMERATORS", "Enumerate", "TypeSpec", "enumerator"]

#: ``async def list_x(scan, client, region) -> list[LiveResource]``
Enumerate = Callable[[Scan, Any, str], Awaitable[list[LiveResource]]]


class TypeSpec(NamedTuple):
    service: str
    """The boto3 service name whose client the enumerator receives."""
    enumerate: Enumerate
    is_global: bool
    """Listed once per scan, with region ``global`` (IAM, Route53): the type's rules say."""


ENUMERATORS: dict[str, TypeSpec] = {}


def enumerator(resource_type: str, service: str) -> Callable[[Enumerate], Enumerate]:
    """Register the decorated function as the lister of ``resource_type``; what else there
    is to know about the type is in its rules entry (:mod:`driftmgr.domain.drift.aws`)."""

    def register(function: Enumerate) -> Enumerate:
        if resource_type in ENUMERATORS:
            raise ValueError(f"{resource_type} has two enumerators")
        ENUMERATORS[resource_type] = TypeSpec(service, function, rules_for(resource_type).is_global)
        return function

    return register
