"""Service accounts as terraform-provider-google 6.x reads them: the IAM v1
``ServiceAccount`` resource. The asset is named by the account's unique id; the provider's id
is the account's own ``name`` (``projects/{project}/serviceAccounts/{email}``)."""

from __future__ import annotations

from driftmgr.adapters.providers.google.mapping import Asset, live
from driftmgr.adapters.providers.google.registry import mapper
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@mapper("google_service_account", "iam.googleapis.com/ServiceAccount")
def service_account(asset: Asset) -> LiveResource:
    data = asset.data
    email = str(data.get("email", ""))
    name = str(data.get("name") or f"projects/{asset.project}/serviceAccounts/{email}")
    attributes = {
        "name": name,
        "email": email,
        "account_id": email.split("@", 1)[0],
        "display_name": data.get("displayName", ""),
        "description": data.get("description", ""),
        "disabled": bool(data.get("disabled", False)),
        "unique_id": str(data.get("uniqueId", "")),
        "member": f"serviceAccount:{email}",
    }
    return live("google_service_account", name, asset, attributes)
