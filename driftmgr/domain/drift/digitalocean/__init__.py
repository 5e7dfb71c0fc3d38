"""How ``digitalocean_*`` types compare (terraform-provider-digitalocean 2.x): one module per
service, each registering its types' :class:`~driftmgr.domain.drift.rules.TypeRules` on import."""

from driftmgr.domain.drift.digitalocean import compute, dns, networking, platform  # noqa: F401
