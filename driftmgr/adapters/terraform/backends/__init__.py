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

Every call takes the :class:`SourcePolicy` that decides what may be read (local paths under
the operator's roots, hosts and addresses, credentials bound to their origin): it is required,
so that no caller can forget it. See :mod:`driftmgr.adapters.terraform.backends.policy`.

:func:`write_state` writes a new snapshot under the backend's own lock, as Terraform locks it
(:mod:`driftmgr.adapters.terraform.backends.write`); only it takes the write options
``?dynamodb_table=``, ``?use_lockfile=``, ``?lock=none`` (s3) and ``?lock_address=`` … (http).
"""

from __future__ import annotations

from driftmgr.adapters.terraform.backends.errors import (
    InvalidSourceURI,
    SourceAccessDenied,
    SourceError,
    SourceNotAllowed,
    SourceNotFound,
    SourceUnreachable,
    StateLocked,
)
from driftmgr.adapters.terraform.backends.globs import MAX_GLOB_MATCHES
from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.adapters.terraform.backends.uri import Source, StateObject
from driftmgr.adapters.terraform.backends.write import StateWrite, write_state
from driftmgr.observability import FETCHED_BYTES

__all__ = [
    "InvalidSourceURI",
    "SourceAccessDenied",
    "SourceError",
    "SourceNotAllowed",
    "SourceNotFound",
    "SourcePolicy",
    "SourceUnreachable",
    "StateLocked",
    "StateObject",
    "StateWrite",
    "canonical_uri",
    "expand_sources",
    "fetch_state",
    "write_state",
]


def canonical_uri(uri: str, policy: SourcePolicy) -> str:
    """Validate ``uri`` and return its canonical form; a bare path becomes ``tfstate:///abs``.

    Nothing is read: a local path is normalised lexically, its symlinks are left as they are.
    """
    return policy.parse(uri).uri


def expand_sources(
    uri: str, policy: SourcePolicy, *, workspaces: bool = False
) -> list[StateObject]:
    """The concrete state objects ``uri`` stands for, sorted by URI.

    A concrete URI gives that one object (not checked for existence); a glob gives every
    matching object, possibly none. With ``workspaces``, each default-workspace state also
    brings the named workspaces its backend's layout puts beside it. ``policy`` refuses what
    may not be read (:class:`SourceNotAllowed`) before anything is listed.
    """
    src = policy.admit(policy.parse(uri))
    if not src.is_glob and not workspaces:
        return [src.state_object()]  # no IO, no credentials needed
    unique = {obj.uri: obj for obj in _expand(src, policy, workspaces=workspaces)}
    if len(unique) > MAX_GLOB_MATCHES:
        raise SourceError(
            f"{src.display}: matches {len(unique)} states, more than the {MAX_GLOB_MATCHES} one "
            "import may take; narrow the glob, or import its parts one by one"
        )
    return sorted(unique.values(), key=lambda obj: obj.uri)


def fetch_state(uri: str, policy: SourcePolicy) -> bytes:
    """The bytes of one concrete state object, if ``policy`` lets it be read."""
    src = policy.parse(uri)
    if src.is_glob:
        raise InvalidSourceURI(
            f"{src.display}: is a glob; expand it with expand_sources() and fetch each object"
        )
    return FETCHED_BYTES.counted(src.backend, data=_fetch(policy.admit(src), policy))


def _expand(src: Source, policy: SourcePolicy, *, workspaces: bool) -> list[StateObject]:
    # Imports are local so that importing this package does not load four cloud SDKs.
    match src.backend:
        case "local":
            from driftmgr.adapters.terraform.backends import local

            return local.expand(src, workspaces=workspaces, policy=policy)
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


def _fetch(src: Source, policy: SourcePolicy) -> bytes:
    match src.backend:
        case "local":
            from driftmgr.adapters.terraform.backends import local

            return local.fetch(src, policy.max_state_bytes)
        case "s3":
            from driftmgr.adapters.terraform.backends import s3

            return s3.fetch(src, policy.max_state_bytes)
        case "gcs":
            from driftmgr.adapters.terraform.backends import gcs

            return gcs.fetch(src, policy.max_state_bytes)
        case "azurerm":
            from driftmgr.adapters.terraform.backends import azurerm

            return azurerm.fetch(src, policy.max_state_bytes)
        case "http":
            from driftmgr.adapters.terraform.backends import http

            return http.fetch(src, policy)
        case _:
            from driftmgr.adapters.terraform.backends import tfcloud

            return tfcloud.fetch(src, policy)
