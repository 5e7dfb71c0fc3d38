"""Small pure helpers shared by the enumerators' mappings to Terraform attributes."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from driftmgr.domain.resources import LiveResource

__all__ = ["PROVIDER", "partition", "policy_json", "resource", "rfc3339", "tags"]

PROVIDER = "aws"


def resource(
    type_: str,
    id_: str,
    region: str,
    account: str | None,
    attributes: dict[str, Any],
    *,
    is_default: bool = False,
) -> LiveResource:
    return LiveResource(
        type=type_,
        id=id_,
        provider=PROVIDER,
        region=region,
        account=account,
        attributes=attributes,
        is_default=is_default,
    )


def tags(tag_list: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in tag_list or []}


def policy_json(document: Any) -> str:
    """Terraform's form of a policy document: minified JSON with sorted keys.

    boto3 usually decodes the document to a dict, but some paths leave it URL-encoded.
    """
    if document is None:
        return ""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            document = json.loads(urllib.parse.unquote(document))
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
