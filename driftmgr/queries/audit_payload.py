"""An event's payload as the audit log shows it: plain data, every secret hidden.

Events hold more than read models show: a remediation plan records what the cloud and the
state said of its targets (``observed``, ``desired``, ``before``, ``after``, snapshots,
state patches), its cloud calls' parameters and generated code. The store is encrypted;
the audit log is not. So, conservatively:

* attribute trees (those keys, and ``attributes`` maps) are redacted with the secrets
  catalogue of *every* resource type at once, since an event does not always say the type:
  ``value`` is hidden there as it is for an SSM parameter, even where it is no secret;
* a call's ``sensitive_params`` are hidden by name, as previews hide them;
* generated Terraform code is not shown, only its size;
* then the whole payload goes through the generic rules (secret names at any depth, URLs
  with passwords, private keys, ``password=…``), like every other output of driftmgr.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

from driftmgr.domain.secrets import (
    SECRET_ATTRIBUTES,
    SENSITIVE_VALUE,
    Secrets,
    parse_path,
    redact_value,
)

__all__ = ["redact_payload", "to_payload"]

_ID_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor",
        "correlation_id",
    }
)
#: Keys whose value is what the cloud or a state said of an object: attribute trees.
_ATTRIBUTE_TREES = frozenset({"observed", "desired", "before", "after"})


@cache
def _every_catalogued_secret() -> Secrets:
    return Secrets(parse_path(p) for paths in SECRET_ATTRIBUTES.values() for p in paths)


def to_payload(state: dict[str, Any]) -> dict[str, Any]:
    """An event's decoded state as plain JSON-ready data, without the fields every record
    shows on its own (ids, version, time, actor)."""
    fields = {k: v for k, v in state.items() if k not in _ID_FIELDS}
    data: dict[str, Any] = msgspec.to_builtins(fields, str_keys=True)
    return data


def redact_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with every secret hidden (see the module's rules)."""
    counts = _counts_by_type(payload)
    shown: dict[str, Any] = redact_value(_walk(payload))
    if counts is not None:
        # Keyed by resource type: a count of aws_iam_access_key objects is no secret,
        # though the generic rules read the name as one.
        shown["resource_counts"] = counts
    return shown


def _counts_by_type(payload: dict[str, Any]) -> dict[str, int] | None:
    counts = payload.get("resource_counts")
    if isinstance(counts, dict) and all(type(n) is int for n in counts.values()):
        return counts
    return None


def _walk(value: Any) -> Any:
    # Recursive: payloads are shallow (a plan's actions, a few levels down); attribute
    # trees, the part that may nest deeply, go whole to the (iterative) redaction.
    if isinstance(value, list):
        return [_walk(v) for v in value]
    if not isinstance(value, dict):
        return value
    shown: dict[str, Any] = {}
    is_code = "path" in value and isinstance(value.get("content"), str)
    sensitive = {str(p) for p in value.get("sensitive_params") or ()}
    for key, child in value.items():
        if key in _ATTRIBUTE_TREES or (key == "attributes" and isinstance(child, dict)):
            shown[key] = _every_catalogued_secret().redact(child)
        elif key == "params" and isinstance(child, dict):
            shown[key] = {
                k: SENSITIVE_VALUE if k in sensitive else _every_catalogued_secret().redact(v, (k,))
                for k, v in child.items()
            }
        elif key == "content" and is_code:
            shown[key] = f"({len(child.splitlines())} lines of Terraform code, not shown)"
        else:
            shown[key] = _walk(child)
    return shown
