"""How ``google_*`` types compare (terraform-provider-google 6.x): one module per service,
each registering its types' :class:`~driftmgr.domain.drift.rules.TypeRules` on import."""
