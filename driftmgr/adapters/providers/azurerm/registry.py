"""The lister registry: one function per Terraform type, registered by decorator.

A lister runs on a worker thread with the blocking SDK clients of one subscription, and
lists its type subscription-wide (ARM's ``list_all``): the provider then splits the result
by location. Listings several types share (the virtual machines, Linux and Windows; the
networks and their subnets) are made once per scan through :meth:`Listing.shared`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from driftmgr.adapters.providers.azurerm.resilience import Calls
from driftmgr.domain.drift import azurerm as _azurerm  # noqa: F401 - registers the rules
from driftmgr.domain.drift.azurerm._common import PROVIDER, arm_id
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource

__all__ = ["ENUMERATORS", "Lister", "Listing", "TypeSpec", "enumerator"]


class Listing:
    """What a lister works with: the subscription, its SDK clients, the scan's calls."""

    def __init__(self, subscription: str, clients: Callable[[str], Any], calls: Calls) -> None:
        self.subscription = subscription
        self._clients = clients
        self.calls = calls
        self._shared: dict[str, tuple[threading.Lock, list[Any]]] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        return self._clients(service)

    def pages(self, service: str, pager: Callable[[], Any]) -> list[Any]:
        """Every item of a paged SDK listing, retried as one call."""
        return self.calls.pages(service, pager)

    def shared(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()`` once per scan and subscription, whichever lister asks first; a failure
        is every asker's failure (each re-raises it)."""
        with self._lock:
            lock, box = self._shared.setdefault(key, (threading.Lock(), []))
        with lock:
            if not box:
                try:
                    box.append((True, make()))
                except Exception as exc:
                    box.append((False, exc))
            ok, value = box[0]
        if not ok:
            raise value
        return value

    def live(
        self,
        resource_type: str,
        resource_id: str,
        location: str | None,
        attributes: Mapping[str, Any],
    ) -> LiveResource:
        """A live object under its canonical (case-insensitive) ARM id, in its location."""
        region = (
            GLOBAL_REGION
            if rules_for(resource_type).is_global
            else (location or "").replace(" ", "").lower() or GLOBAL_REGION
        )
        return LiveResource(
            type=resource_type,
            id=arm_id(resource_id) or resource_id,
            provider=PROVIDER,
            region=region,
            attributes={"id": resource_id, **attributes},
            account=self.subscription,
        )


#: ``def list_x(listing) -> list[LiveResource]`` (blocking).
Lister = Callable[[Listing], list[LiveResource]]


class TypeSpec(NamedTuple):
    service: str
    """The management SDK the lister calls (``network``, ``compute`` …): progress and
    metrics are per service."""
    list: Lister
    is_global: bool


ENUMERATORS: dict[str, TypeSpec] = {}


def enumerator(resource_type: str, service: str) -> Callable[[Lister], Lister]:
    """Register the decorated function as the lister of ``resource_type``."""

    def register(function: Lister) -> Lister:
        if resource_type in ENUMERATORS:
            raise ValueError(f"{resource_type} has two listers")
        ENUMERATORS[resource_type] = TypeSpec(service, function, rules_for(resource_type).is_global)
        return function

    return register
