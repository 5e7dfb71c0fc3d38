"""The GCP inventory adapter (Terraform provider ``google``), over Cloud Asset Inventory."""

from driftmgr.adapters.providers.google.provider import GoogleProvider
from driftmgr.adapters.providers.google.registry import MAPPERS

__all__ = ["MAPPERS", "GoogleProvider"]
