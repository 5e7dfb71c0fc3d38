"""What a remediation can do about a finding, and the steps it takes, as plain values.

A *strategy* says which side gives way: ``revert`` makes the cloud match the state,
``accept`` the state match the cloud; ``forget`` drops a deleted resource from the state,
``recreate`` has Terraform build it again; ``import`` brings an unmanaged object under
Terraform, ``quarantine`` tags (and where the type allows, stops) it, ``delete`` removes it.

A plan turns each chosen strategy into *steps* a person can review before anything runs:
cloud API calls (:class:`ApiCall`), state patches (:class:`StatePatch`), code
(:class:`CodePatch`) and Terraform runs (:class:`TerraformRun`). Nothing here does IO.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal
from uuid import UUID

import msgspec

from driftmgr.domain.drift.report import DriftItem, DriftKind
from driftmgr.domain.secrets import SENSITIVE_VALUE, redact_value

__all__ = [
    "DEFAULT_STRATEGIES",
    "STRATEGIES",
    "STRATEGIES_BY_KIND",
    "ApiCall",
    "CodePatch",
    "NotRemediable",
    "StatePatch",
    "Strategy",
    "Target",
    "TerraformRun",
    "options_for",
    "redact_params",
]

Strategy = Literal["revert", "accept", "forget", "recreate", "import", "quarantine", "delete"]

STRATEGIES: tuple[Strategy, ...] = (
    "revert",
    "accept",
    "forget",
    "recreate",
    "import",
    "quarantine",
    "delete",
)

#: The strategies that fit each kind of finding, most usual first.
STRATEGIES_BY_KIND: dict[DriftKind, tuple[Strategy, ...]] = {
    "modified": ("revert", "accept"),
    "missing": ("forget", "recreate"),
    "unmanaged": ("import", "quarantine", "delete"),
    "unobserved": (),  # nothing is known about it, so nothing can be done to it
}

#: What a plan does when nobody chose: fix the cloud, keep the state honest, change nothing
#: in the cloud for objects nobody owns yet (generating code is always safe).
DEFAULT_STRATEGIES: dict[DriftKind, Strategy] = {
    "modified": "revert",
    "missing": "forget",
    "unmanaged": "import",
}


class NotRemediable(Exception):
    """A strategy cannot be carried out for this target; the message says why."""


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """The cloud object a step acts on, named as the drift report names it."""

    provider: str
    type: str
    id: str
    region: str
    account: str | None = None

    @property
    def label(self) -> str:
        return f"{self.type} {self.id} ({self.region})"


class ApiCall(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One cloud API call, as data: reviewed in the preview, then executed as it reads.

    ``operation`` is the SDK's method name (``modify_instance_attribute``), or
    ``wait:<waiter>`` (``wait:instance_stopped``) for a waiter taking ``params``.
    ``guard`` names a check the executor makes just before the call and refuses on (a bucket
    that must be empty), so a condition checked at planning time is checked again.
    """

    service: str
    operation: str
    region: str
    params: dict[str, Any]
    sensitive_params: tuple[str, ...] = ()
    """Top-level parameter names whose values are secrets: shown as ``(sensitive)``."""
    guard: str | None = None

    def shown(self) -> ApiCall:
        """The call with every secret in its parameters hidden, for previews and logs."""
        return msgspec.structs.replace(
            self, params=redact_params(self.params, self.sensitive_params)
        )

    def describe(self) -> str:
        """One line: ``ec2 ModifyInstanceAttribute (us-east-1) {"InstanceId": …}``."""
        name = self.operation
        if not name.startswith("wait:"):
            name = "".join(part.capitalize() for part in name.split("_"))
        params = msgspec.json.encode(self.shown().params, order="sorted").decode()
        guard = f" [only if {self.guard}]" if self.guard else ""
        return f"{self.service} {name} ({self.region}) {params}{guard}"


class StatePatch(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A change to one resource instance of one tracked state; written as a new version.

    ``set`` replaces top-level ``attributes`` of the instance at ``address`` (accept);
    ``remove`` drops the instance (forget); ``refresh`` records what a revert's calls changed
    beyond the reverted attributes (a stopped and started instance's new public IP), as
    ``terraform apply`` would: without it, the state would be stale at once.
    """

    state_id: UUID
    """The tracked state's id."""
    source: str
    address: str
    op: Literal["set", "remove", "refresh"]
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    base_serial: int | None = None
    """The serial the drift run compared: a state written since then is not patched blind."""

    def describe(self, resource_type: str | None = None) -> str:
        if self.op == "remove":
            return f"state {self.source}: remove {self.address}"
        if self.op == "refresh":
            return (
                f"state {self.source}: record the values the calls change as a side effect "
                f"in {self.address} (if any)"
            )
        shown = redact_value(self.attributes, resource_type=resource_type)
        values = msgspec.json.encode(shown, order="sorted").decode()
        return f"state {self.source}: set {self.address} {values}"


class CodePatch(msgspec.Struct, frozen=True, kw_only=True):
    """Terraform code to write or change: a whole new file, or a unified diff of one."""

    path: str
    """Relative to the Terraform directory (``--tf-dir``) or the codegen output folder."""
    content: str
    kind: Literal["file", "diff"] = "file"

    def describe(self) -> str:
        return f"code {self.path}: {'new file' if self.kind == 'file' else 'patch'}"


class TerraformRun(msgspec.Struct, frozen=True, kw_only=True):
    """``terraform apply -target=ADDRESS`` of a saved plan, in a Terraform directory."""

    tf_dir: str
    address: str

    def describe(self) -> str:
        return f"terraform -chdir={self.tf_dir} plan -target={self.address} -out=… && apply"


def options_for(
    item: DriftItem,
    *,
    revertible: bool,
    quarantinable: bool,
    deletable: bool,
) -> list[Strategy]:
    """The strategies that fit ``item`` with what driftmgr can do for its type.

    ``revertible``/``quarantinable``/``deletable`` come from the provider's remediator.
    ``accept``, ``forget``, ``recreate`` and ``import`` need only the state, the observation
    and (to recreate) the Terraform code, so they always fit their kinds; a plan still asks
    for ``--tf-dir`` to recreate and ``--allow-destroy`` to delete.
    """
    fits = {
        "revert": revertible,
        "accept": True,
        "forget": True,
        "recreate": True,
        "import": True,
        "quarantine": quarantinable,
        "delete": deletable,
    }
    return [s for s in STRATEGIES_BY_KIND[item.kind] if fits[s]]


def redact_params(params: Mapping[str, Any], sensitive: Iterable[str]) -> dict[str, Any]:
    """``params`` with the named ones and every secret the catalogue knows hidden."""
    hidden = set(sensitive)
    return {k: SENSITIVE_VALUE if k in hidden else redact_value(v) for k, v in params.items()}
