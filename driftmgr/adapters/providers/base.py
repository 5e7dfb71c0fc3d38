"""The port every cloud inventory adapter implements, and the errors it may raise."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol

from driftmgr.domain.remediation import ApiCall, Target
from driftmgr.domain.resources import ScanOutcome

__all__ = [
    "InventoryProvider",
    "OnScanned",
    "ProviderAuthError",
    "ProviderError",
    "ProviderUnreachableError",
    "RemediationCallError",
    "Remediator",
]

#: Called once per (type, region) as soon as that listing has finished or failed.
OnScanned = Callable[[ScanOutcome], None]


class ProviderError(Exception):
    """A provider cannot be used at all; the message says what to do about it."""


class ProviderUnreachableError(ProviderError):
    """The provider's API endpoint could not be reached (DNS, connection refused, timeout)."""


class ProviderAuthError(ProviderError):
    """Credentials are missing, invalid or expired."""


class InventoryProvider(Protocol):
    """Lists live cloud objects as Terraform-shaped :class:`LiveResource` values."""

    name: str
    """Short provider name as Terraform states use it (``aws``)."""

    @property
    def supported_types(self) -> frozenset[str]:
        """Terraform resource types this adapter can list."""
        ...

    def check_access(self, region: str | None = None) -> str:
        """Make one cheap authenticated call; return the account id.

        Raises :class:`ProviderUnreachableError` or :class:`ProviderAuthError` with a message
        that names the endpoint and what to check. Commands call this before recording
        anything, so a bad endpoint costs no events.
        """
        ...

    async def scan(
        self,
        regions: Sequence[str],
        types: Sequence[str],
        on_scanned: OnScanned | None = None,
        *,
        cancel_event: threading.Event | None = None,
        tag_filter: Mapping[str, str] | None = None,
    ) -> list[ScanOutcome]:
        """List every requested type in every requested region.

        With ``tag_filter`` only resources carrying those tags come back (an empty value
        matches any value of the key), and types that cannot carry tags are not listed.

        Global types are listed once, with region ``global``. A failure to list one
        (type, region) never raises: it comes back as an outcome with
        ``unobserved_reason`` set, so the rest of the inventory still completes.

        ``cancel_event`` may be set from another thread: listings not finished by then come
        back unobserved with reason ``cancelled``, promptly. Cancelling the task running
        ``scan`` stops it too (raising ``CancelledError``).
        """
        ...


class Remediator(Protocol):
    """Turns a strategy for one cloud object into API calls, and makes those calls.

    Planning (``*_calls``, ``revertible`` …) is pure: it reads only its arguments, so a plan's
    preview is exactly what :meth:`execute` will do. ``desired``/``actual`` are attribute maps
    in terraform-provider shape (a state's attributes, tags from ``tags_all``, or a
    :class:`~driftmgr.domain.resources.LiveResource`'s attributes); ``attributes`` names the
    top-level attributes to bring from ``actual`` to ``desired``. Planning raises
    :class:`~driftmgr.domain.remediation.NotRemediable` with the reason when it cannot.
    """

    name: str

    def revertible(self, resource_type: str, attributes: Collection[str]) -> bool:
        """Whether :meth:`revert_calls` can restore every one of ``attributes``."""
        ...

    def quarantinable(self, resource_type: str) -> bool: ...

    def deletable(self, resource_type: str) -> bool: ...

    def revert_calls(
        self,
        target: Target,
        desired: Mapping[str, Any],
        actual: Mapping[str, Any],
        attributes: Sequence[str],
    ) -> list[ApiCall]:
        """Calls that make ``attributes`` of ``target`` what ``desired`` says (none when
        they already are)."""
        ...

    def quarantine_calls(
        self, target: Target, actual: Mapping[str, Any], marker: str
    ) -> tuple[list[ApiCall], list[str]]:
        """Calls that tag ``target`` ``driftmgr:quarantined=<marker>`` and stop or disable
        it where its type allows; and the top-level attributes those calls change (what a
        rollback restores)."""
        ...

    def delete_calls(self, target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
        """Calls that delete ``target``, guarded (never a non-empty bucket, a volume with
        data, a KMS key without its waiting period)."""
        ...

    def execute(self, call: ApiCall) -> Any:
        """Make one call (checking its guard first). Raises :class:`RemediationCallError`
        with a one-line message a user can act on."""
        ...


class RemediationCallError(ProviderError):
    """A remediation call failed or its guard refused; the message says which and why."""
