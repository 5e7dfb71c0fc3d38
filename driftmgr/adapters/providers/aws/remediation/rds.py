"""RDS: tags of DB instances and DB subnet groups (by ARN). DB instances are never deleted
by driftmgr: they hold data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import api_call, arn_of, identifier
from driftmgr.adapters.providers.aws.remediation.registry import refuse_deletion
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, Target

__all__: list[str] = []

#: type → the ARN's resource part, from the object's name.
_ARN_PATHS = {"aws_db_instance": "rds:db:{}", "aws_db_subnet_group": "rds:subgrp:{}"}


@tagger(tuple(_ARN_PATHS), ("rds:add_tags_to_resource", "rds:remove_tags_from_resource"))
def rds_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    name = identifier(target, actual, desired, "identifier", "name", "id")
    arn = arn_of(target, actual, desired, _ARN_PATHS[target.type].format(name))
    calls = []
    if diff.put:
        params = {"ResourceName": arn, "Tags": tag_list(diff.put)}
        calls.append(api_call(target, "rds", "add_tags_to_resource", params))
    if diff.remove:
        params = {"ResourceName": arn, "TagKeys": list(diff.remove)}
        calls.append(api_call(target, "rds", "remove_tags_from_resource", params))
    return calls


refuse_deletion(
    "aws_db_instance", "a database holds data: snapshot it and delete it by hand if it must go"
)
