"""SDK models as ARM's JSON, and the bits of it every lister reads.

The management SDKs mix two model generations (dict-backed models in network, compute …;
msrest models in dns). Listers read one shape, the REST reference's JSON, whichever
generation answered.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = ["ids", "props", "resource_group_of", "sub_id", "tags", "wire"]


def wire(model: Any) -> dict[str, Any]:
    """``model`` as the JSON ARM sent (camelCase names, ``properties`` nested)."""
    if isinstance(model, MutableMapping) and hasattr(model, "as_dict"):
        return dict(model.as_dict())
    if hasattr(model, "serialize"):
        return dict(model.serialize(keep_readonly=True))
    return dict(model)


def props(value: Mapping[str, Any] | None) -> dict[str, Any]:
    found = (value or {}).get("properties")
    return dict(found) if isinstance(found, Mapping) else {}


def tags(value: Mapping[str, Any]) -> dict[str, str]:
    found = value.get("tags")
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, Mapping) else {}


def sub_id(value: Any) -> str:
    """The ``id`` of a sub-resource reference (``{"id": …}``), or ``""``."""
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return ""


def ids(values: Any) -> list[str]:
    return [sub_id(v) for v in values or [] if sub_id(v)]


def resource_group_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    if "resourcegroups" in lowered:
        index = lowered.index("resourcegroups")
        if index + 1 < len(parts):
            return parts[index + 1]
    return ""
