"""Cloud KMS key rings and crypto keys as terraform-provider-google 6.x reads them
(``services/kms``): their ``name`` is the provider's id, their location is in it."""

from __future__ import annotations

import re

from driftmgr.adapters.providers.google.mapping import Asset, labels, live
from driftmgr.adapters.providers.google.registry import mapper
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_RING = re.compile(r"^projects/[^/]+/locations/([^/]+)/keyRings/[^/]+$")


@mapper("google_kms_key_ring", "cloudkms.googleapis.com/KeyRing")
def key_ring(asset: Asset) -> LiveResource:
    name = str(asset.data.get("name") or asset.relative_name)
    match = _RING.match(name)
    attributes = {
        "name": name.rsplit("/", 1)[-1],
        "location": match.group(1) if match else asset.location,
    }
    return live("google_kms_key_ring", name, asset, attributes)


@mapper("google_kms_crypto_key", "cloudkms.googleapis.com/CryptoKey")
def crypto_key(asset: Asset) -> LiveResource:
    data = asset.data
    name = str(data.get("name") or asset.relative_name)
    ring, _, short = name.rpartition("/cryptoKeys/")
    template = data.get("versionTemplate") or {}
    attributes = {
        "name": short,
        "key_ring": ring,
        "purpose": data.get("purpose", "ENCRYPT_DECRYPT"),
        "rotation_period": data.get("rotationPeriod", ""),
        "destroy_scheduled_duration": data.get("destroyScheduledDuration", ""),
        "import_only": bool(data.get("importOnly", False)),
        "version_template": (
            [
                {
                    "algorithm": template.get("algorithm", ""),
                    "protection_level": template.get("protectionLevel", ""),
                }
            ]
            if template
            else []
        ),
        "effective_labels": labels(data),
    }
    return live("google_kms_crypto_key", name, asset, attributes)
