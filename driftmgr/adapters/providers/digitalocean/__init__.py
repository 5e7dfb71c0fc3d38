"""The DigitalOcean adapter: pydo for the API, boto3 for Spaces' S3 API."""

from driftmgr.adapters.providers.digitalocean.provider import DigitalOceanProvider

__all__ = ["DigitalOceanProvider"]
