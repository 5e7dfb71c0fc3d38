"""Azure inventory: the provider and one lister module per management SDK."""

from __future__ import annotations

# Importing the service modules registers their listers.
from driftmgr.adapters.providers.azurerm import (  # noqa: F401
    compute,
    dns,
    keyvault,
    network,
    resources,
    storage,
    web,
)
from driftmgr.adapters.providers.azurerm.provider import AzureProvider
from driftmgr.adapters.providers.azurerm.registry import ENUMERATORS

__all__ = ["ENUMERATORS", "AzureProvider"]
