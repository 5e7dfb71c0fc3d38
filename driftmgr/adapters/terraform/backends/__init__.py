"""Read Terraform state from every backend, addressed by driftctl-compatible URIs.

```
tfstate://PATH                              local file (relative or absolute; globs allowed)
tfstate+s3://BUCKET/KEY[?workspace_key_prefix=P]
tfstate+gs://BUCKET/OBJECT
tfstate+azurerm://ACCOUNT/CONTAINER/BLOB
tfstate+http://HOST[:PORT]/PATH, tfstate+https://...
tfstate+tfcloud://ORG/WORKSPACE
```

``*`` and ``**`` globs work in local paths and in S3, GCS and Azure object keys. Everything is
synchronous (callers run it in worker threads), and credentials come only from each SDK's
standard chain. SDKs are imported on first use of their backend.
"""

from __future__ import annotations

from driftmgr.adapters.terraform.backends.errors import (
    InvalidSourceURI,
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
)
from driftmgr.adapters.terraform.backends.uri import Source, StateObject, parse_source

__all__ = [
    "InvalidSourceURI",
    "SourceAccessDenied",
    "SourceError",
    "SourceNotFound",
    "SourceUnreachable",
    "StateObject",
    "canonical_uri",
    "expand_sources",
    "fetch_state",
]


def canonical_uri(uri: str) -> str:
    """Validate ``uri`` and return its canonical form; a bare path becomes ``tfstate:///abs``."""
    return parse_source(uri).uri


def expand_sources(uri: str, *, workspaces: bool = False) -> list[StateObject]:
    """The concrete state objects ``uri`` stands for, sorted by URI.

    A concrete URI gives that one object (not checked for existence); a glob gives every
    matching object, possibly none. With ``workspaces``, each default-workspace state also
    brings the named workspaces its backend's layout puts beside it.
    """
    src = parse_source(uri)
    if not src.is_glob and not workspaces:
        return [src.state_object()]  # no IO, no credentials needed
    unique = {obj.uri: obj for obj in _expand(src, workspaces=workspaces)}
    return sorted(unique.values(), key=lambda obj: obj.uri)


def fetch_state(uri: str) -> bytes:
    """The bytes of one concrete state object."""
    src = parse_source(uri)
    if src.is_glob:
        raise InvalidSourceURI(
            f"{src.display}: is a glob; expand it with expand_sources() and fetch each object"
        )
    return _fetch(src)


def _expand(src: Source, *, workspaces: bool) -> list[StateObject]:
    # Imports are local so that importing this package does not load four cloud SDKs.
    match src.backend:
        case "local":
            from driftmgr.adapters.terraform.backends import local

            return local.expand(src, workspaces=workspaces)
        case "s3":
            from driftmgr.adapters.terraform.backends import s3

            return s3.expand(src, workspaces=workspaces)
        case "gcs":
            from driftmgr.adapters.terraform.backends import gcs

            return gcs.expand(src, workspaces=workspaces)
        case "azurerm":
            from driftmgr.adapters.terraform.backends import azurerm

            return azurerm.expand(src, workspaces=workspaces)
        case "http":
            from driftmgr.adapters.terraform.backends import http

            return http.expand(src, workspaces=workspaces)
        case _:
            from driftmgr.adapters.terraform.backends import tfcloud

            return tfcloud.expand(src, workspaces=workspaces)


def _fetch(src: Source) -> bytes:
    match src.backend:
        case "local":
            from driftmgr.adapters.terraform.backends import local

            return local.fetch(src)
        case "s3":
            from driftmgr.adapters.terraform.backends import s3

            return s3.fetch(src)
        case "gcs":
            from driftmgr.adapters.terraform.backends import gcs

            return gcs.fetch(src)
        case "azurerm":
            from driftmgr.adapters.terraform.backends import azurerm

            return azurerm.fetch(src)
        case "http":
            from driftmgr.adapters.terraform.backends import http

            return http.fetch(src)
        case _:
            from driftmgr.adapters.terraform.backends import tfcloud

            return tfcloud.fetch(src)
