"""The IO remediation handlers need, as small protocols: real adapters in production
(wired in :mod:`driftmgr.bootstrap`), in-memory fakes in ``tests/unit/commands``.

The cloud side is :class:`~driftmgr.adapters.providers.base.Remediator` (calls) and
:class:`~driftmgr.adapters.providers.base.InventoryProvider` (observations).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import msgspec

from driftmgr.domain.remediation import CodePatch

__all__ = ["ImportRequest", "StateWriteResult", "StateWriter", "TerraformTool"]


class StateWriteResult(msgspec.Struct, frozen=True, kw_only=True):
    before: bytes
    after: bytes


class StateWriter(Protocol):
    def write(self, source: str, update: Callable[[bytes], bytes], *, who: str) -> StateWriteResult:
        """Lock the state at ``source`` as Terraform does, read it, write ``update(current)``
        and unlock. ``update`` may raise to write nothing. Raises
        :class:`~driftmgr.adapters.terraform.backends.SourceError` subclasses (locked,
        denied, unreachable) with a message for the user."""
        ...

    def read(self, source: str) -> bytes:
        """The state's current bytes."""
        ...


class ImportRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One unmanaged object to bring under Terraform."""

    type: str
    import_id: str
    region: str
    attributes: dict[str, Any]
    name: str | None = None


class TerraformTool(Protocol):
    """Terraform code and runs. Every method raises
    :class:`~driftmgr.domain.remediation.NotRemediable` with the reason when it cannot."""

    def patch_attributes(
        self, tf_dir: str, address: str, attributes: Mapping[str, Any]
    ) -> CodePatch:
        """A patch making the code of ``address`` set these attribute values."""
        ...

    def generate_imports(
        self, targets: list[ImportRequest], tf_dir: str | None
    ) -> tuple[list[CodePatch], list[str]]:
        """Files with ``import {}`` blocks and resource code for ``targets``, and the problems
        found checking them (empty when ``terraform plan`` accepted them)."""
        ...

    def recreate(self, tf_dir: str, address: str) -> str:
        """``terraform apply -target=address`` of a saved plan; its summary line."""
        ...
