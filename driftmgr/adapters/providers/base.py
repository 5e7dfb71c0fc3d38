"""The port every cloud inventory adapter implements, and the errors it may raise."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from driftmgr.domain.resources import ScanOutcome

__all__ = [
    "InventoryProvider",
    "OnScanned",
    "ProviderAuthError",
    "ProviderError",
    "ProviderUnreachableError",
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
