"""Cloud Storage buckets as terraform-provider-google 6.x reads them (``services/storage``):
the JSON API's bucket resource, ``iamConfiguration`` flattened to its two attributes."""

from __future__ import annotations

from driftmgr.adapters.providers.google.mapping import Asset, labels, live, self_link
from driftmgr.adapters.providers.google.registry import mapper
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@mapper("google_storage_bucket", "storage.googleapis.com/Bucket")
def bucket(asset: Asset) -> LiveResource:
    data = asset.data
    name = str(data.get("name") or asset.relative_name)
    iam = data.get("iamConfiguration") or {}
    versioning = bool((data.get("versioning") or {}).get("enabled", False))
    attributes = {
        "name": name,
        "location": str(data.get("location", "")).upper(),
        "storage_class": data.get("storageClass", ""),
        "uniform_bucket_level_access": bool(
            (iam.get("uniformBucketLevelAccess") or {}).get("enabled", False)
        ),
        "public_access_prevention": iam.get("publicAccessPrevention", "inherited"),
        "versioning": [{"enabled": versioning}],
        "requester_pays": bool((data.get("billing") or {}).get("requesterPays", False)),
        "default_event_based_hold": bool(data.get("defaultEventBasedHold", False)),
        "effective_labels": labels(data),
        "url": f"gs://{name}",
        "self_link": self_link(data),
    }
    return live("google_storage_bucket", name, asset, attributes)
