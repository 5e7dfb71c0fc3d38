"""Two Terraform states side by side: which instances came, went or changed, and how.

Pure, and safe to show: every value that may be a secret (a sensitive path of either side, a
secret of the type's catalogue or with a secret name at any depth, a sensitive output: see
:mod:`driftmgr.domain.secrets`) is replaced by ``(sensitive)``, and the change is marked
``sensitive``.

Besides attribute paths, a change may have one of these paths, for what is not an attribute:

``(dependencies)``  the instance's recorded dependencies (compared as a set; ``added`` and
                    ``removed`` list the addresses)
``(provider)``      the provider configuration address
``(schema_version)`` the provider schema version the attributes follow
``(status)``        ``tainted`` or ``None``

Parentheses cannot begin a Terraform attribute name, so these never collide with one.
"""

from __future__ import annotations

from typing import Any

import msgspec

from driftmgr.domain.drift.diff import diff_values, redact, set_change
from driftmgr.domain.drift.report import DriftChange
from driftmgr.domain.resources import ParsedState, StateOutput, StateResource

__all__ = ["ResourceChange", "StateComparison", "compare_states"]

#: Warning texts; ``{}`` placeholders take serials.
LINEAGES_DIFFER = "lineages differ: these are different states, not versions of one"
SERIAL_WENT_BACKWARDS = "serial went backwards ({} → {})"
SAME_SERIAL_DIFFERENT_CONTENT = "same serial ({}) but different content"


class ResourceChange(msgspec.Struct, frozen=True):
    """One instance present in both states, and how it differs."""

    address: str
    """Instance address; a deposed object's is ``ADDRESS (deposed KEY)``."""
    type: str
    changes: list[DriftChange]
    """``expected`` is the first state's value, ``actual`` the second's."""


class StateComparison(msgspec.Struct, frozen=True, kw_only=True):
    added: list[str]
    """Instance addresses only the second state has (data sources start ``data.``), sorted."""
    removed: list[str]
    """Instance addresses only the first state has, sorted."""
    changed: list[ResourceChange]
    """Sorted by address."""
    serial: tuple[int | None, int | None]
    lineage: tuple[str | None, str | None]
    same_lineage: bool | None
    """None when either lineage is unknown."""
    warnings: list[str]
    output_changes: list[DriftChange] = msgspec.field(default_factory=list)
    """Root-module outputs that differ; the path starts with the output's name."""
    terraform_version: tuple[str | None, str | None] = (None, None)

    @property
    def is_empty(self) -> bool:
        """No instance added, removed or changed, and no output changed."""
        return not (self.added or self.removed or self.changed or self.output_changes)


def compare_states(a: ParsedState, b: ParsedState) -> StateComparison:
    """How ``b`` differs from ``a``: instances matched by address (and deposed key)."""
    before = _instances(a)
    after = _instances(b)
    changed = []
    for key in sorted(before.keys() & after.keys()):
        changes = _resource_changes(before[key], after[key])
        if changes:
            changed.append(
                ResourceChange(address=_label(key), type=after[key].type, changes=changes)
            )
    output_changes = _output_changes(a.outputs, b.outputs)

    added = sorted(_label(k) for k in after.keys() - before.keys())
    removed = sorted(_label(k) for k in before.keys() - after.keys())
    same_lineage = None if a.lineage is None or b.lineage is None else a.lineage == b.lineage
    differs = bool(added or removed or changed or output_changes)
    return StateComparison(
        added=added,
        removed=removed,
        changed=changed,
        output_changes=output_changes,
        serial=(a.serial, b.serial),
        lineage=(a.lineage, b.lineage),
        same_lineage=same_lineage,
        terraform_version=(a.terraform_version, b.terraform_version),
        warnings=_warnings(a.serial, b.serial, same_lineage=same_lineage, differs=differs),
    )


def _instances(state: ParsedState) -> dict[tuple[str, str], StateResource]:
    # The deposed key is "" for a current instance, so that keys sort.
    return {(r.address, r.deposed or ""): r for r in state.resources}


def _label(key: tuple[str, str]) -> str:
    address, deposed = key
    return f"{address} (deposed {deposed})" if deposed else address


def _resource_changes(a: StateResource, b: StateResource) -> list[DriftChange]:
    changes: list[DriftChange] = []
    if set(a.dependencies) != set(b.dependencies):
        changes.append(
            set_change("(dependencies)", sorted(set(a.dependencies)), sorted(set(b.dependencies)))
        )
    if a.provider_config != b.provider_config:
        changes.append(
            DriftChange(path="(provider)", expected=a.provider_config, actual=b.provider_config)
        )
    if a.schema_version != b.schema_version:
        changes.append(
            DriftChange(path="(schema_version)", expected=a.schema_version, actual=b.schema_version)
        )
    if a.status != b.status:
        changes.append(DriftChange(path="(status)", expected=a.status, actual=b.status))
    attribute_changes = diff_values("", a.attributes, b.attributes)
    changes.extend(redact(attribute_changes, a.sensitive_paths + b.sensitive_paths, b.type))
    return changes


def _output_changes(a: tuple[StateOutput, ...], b: tuple[StateOutput, ...]) -> list[DriftChange]:
    before = {o.name: o for o in a}
    after = {o.name: o for o in b}
    changes: list[DriftChange] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        old_value: Any = None if old is None else old.value
        new_value: Any = None if new is None else new.value
        found = diff_values(name, old_value, new_value)
        sensitive = (old is not None and old.sensitive) or (new is not None and new.sensitive)
        changes.extend(redact(found, [(name,)] if sensitive else []))
    return changes


def _warnings(
    first: int | None, second: int | None, *, same_lineage: bool | None, differs: bool
) -> list[str]:
    if same_lineage is False:
        # Serials of unrelated states say nothing about each other.
        return [LINEAGES_DIFFER]
    if first is None or second is None:
        return []
    if second < first:
        return [SERIAL_WENT_BACKWARDS.format(first, second)]
    if second == first and differs:
        return [SAME_SERIAL_DIFFERENT_CONTENT.format(first)]
    return []
