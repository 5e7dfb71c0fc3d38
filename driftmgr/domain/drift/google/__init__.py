"""How ``google_*`` types compare (terraform-provider-google 6.x): one module per service,
each registering its types' :class:`~driftmgr.domain.drift.rules.TypeRules` on import."""

from driftmgr.domain.drift.google import (  # noqa: F401 - each registers its types
    compute,
    dns,
    iam,
    kms,
    pubsub,
    sql,
    storage,
)
