"""How ``azurerm_*`` types compare (terraform-provider-azurerm 4.x): one module per service,
each registering its types' :class:`~driftmgr.domain.drift.rules.TypeRules` on import."""

from __future__ import annotations

from driftmgr.domain.drift.azurerm import (  # noqa: F401 - importing registers the rules
    compute,
    dns,
    keyvault,
    network,
    resources,
    storage,
    web,
)
