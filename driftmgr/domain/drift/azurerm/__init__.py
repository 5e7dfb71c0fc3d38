"""How ``azurerm_*`` types compare (terraform-provider-azurerm 4.x): one module per service,
each registering its types' :class:`~driftmgr.domain.drift.rules.TypeRules` on import."""
