"""Source URIs: parse, validate and render the driftctl-compatible ``tfstate…://`` grammar.

Object keys, blob names and local paths are taken literally (no percent-decoding), as driftctl
does; only query option values are URL-decoded.

Write options (see :mod:`.write`) ride in the query too, and are kept in :attr:`Source.options`:
``dynamodb_table``, ``use_lockfile`` and ``lock`` for s3; ``lock_address``, ``unlock_address``,
``lock_method``, ``unlock_method``, ``update_method`` and ``lock`` for http, whose other query
parameters stay part of the address.
"""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
from pathlib import PurePosixPath

import msgspec

from driftmgr.adapters.terraform.backends.errors import InvalidSourceURI
from driftmgr.adapters.terraform.backends.globs import directory_prefix, has_glob

__all__ = ["DEFAULT_WORKSPACE", "SUPPORTED_SCHEMES", "Source", "StateObject", "parse_source"]

DEFAULT_WORKSPACE = "default"
S3_WORKSPACE_KEY_PREFIX = "env:"  # terraform's s3 backend default
LOCAL_WORKSPACE_DIR = "terraform.tfstate.d"
LOCAL_STATE_NAME = "terraform.tfstate"
AZURE_WORKSPACE_SEPARATOR = "env:"

_SCHEMES = {
    "tfstate": "local",
    "tfstate+s3": "s3",
    "tfstate+gs": "gcs",
    "tfstate+azurerm": "azurerm",
    "tfstate+http": "http",
    "tfstate+https": "http",
    "tfstate+tfcloud": "tfcloud",
}
SUPPORTED_SCHEMES = (
    "tfstate://PATH, tfstate+s3://BUCKET/KEY, tfstate+gs://BUCKET/OBJECT, "
    "tfstate+azurerm://ACCOUNT/CONTAINER/BLOB, tfstate+http(s)://HOST/PATH, "
    "tfstate+tfcloud://ORG/WORKSPACE"
)
# What people type when they mean one of ours.
_HINTS = {
    "file": "tfstate",
    "s3": "tfstate+s3",
    "gs": "tfstate+gs",
    "gcs": "tfstate+gs",
    "azurerm": "tfstate+azurerm",
    "http": "tfstate+http",
    "https": "tfstate+https",
    "tfcloud": "tfstate+tfcloud",
    "tfstate+gcs": "tfstate+gs",
}
_GLOBBING = frozenset({"local", "s3", "gcs", "azurerm"})

_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_S3_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_GCS_BUCKET = re.compile(r"[a-z0-9][a-z0-9._-]*")
# The account name becomes part of a host name, so it is checked strictly.
_AZURE_ACCOUNT = re.compile(r"[a-z0-9]{3,24}")
_AZURE_CONTAINER = re.compile(r"\$root|[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
# HCP Terraform names: letters, digits, "-" and "_" (they become URL path segments).
_TFC_NAME = re.compile(r"[A-Za-z0-9_-]+")
# A DynamoDB table name.
_DYNAMODB_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
# An HTTP method token, as terraform's http backend sends it.
_METHOD = re.compile(r"[A-Z]{1,20}")

S3_OPTIONS = ("dynamodb_table", "use_lockfile", "lock")
HTTP_OPTIONS = (
    "lock_address",
    "unlock_address",
    "lock_method",
    "unlock_method",
    "update_method",
    "lock",
)


class StateObject(msgspec.Struct, frozen=True, kw_only=True):
    """One concrete state object a source URI stands for."""

    uri: str
    """Canonical concrete URI (no globs); ``fetch_state`` reads it."""
    backend: str
    """``local``, ``s3``, ``gcs``, ``azurerm``, ``http`` or ``tfcloud``."""
    workspace: str
    """``default``, or the Terraform workspace the backend's layout puts this object in."""


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    """A parsed, validated source URI; ``path`` may hold a glob for the globbing backends."""

    backend: str
    authority: str
    """"" (local), bucket (s3, gcs), account (azurerm), ``scheme://host[:port]`` (http), org."""
    path: str
    """Absolute local path, object key, blob name, http path and query, or tfcloud workspace."""
    container: str = ""
    """The azurerm container."""
    workspace_key_prefix: str = S3_WORKSPACE_KEY_PREFIX
    options: tuple[tuple[str, str], ...] = ()
    """Write options (s3, http) in their canonical order; never part of what is read."""

    def option(self, name: str) -> str | None:
        return dict(self.options).get(name)

    @property
    def uri(self) -> str:
        match self.backend:
            case "local":
                return f"tfstate://{self.path}"
            case "s3":
                uri = f"tfstate+s3://{self.authority}/{self.path}"
                query = list(self.options)
                if self.workspace_key_prefix != S3_WORKSPACE_KEY_PREFIX:
                    query.insert(0, ("workspace_key_prefix", self.workspace_key_prefix))
                if query:
                    uri += "?" + urllib.parse.urlencode(query, safe=":/")
                return uri
            case "gcs":
                return f"tfstate+gs://{self.authority}/{self.path}"
            case "azurerm":
                return f"tfstate+azurerm://{self.authority}/{self.container}/{self.path}"
            case "http":
                uri = f"tfstate+{self.authority}{self.path}"
                if self.options:
                    uri += ("&" if "?" in self.path else "?") + urllib.parse.urlencode(
                        self.options, safe=":/"
                    )
                return uri
            case _:
                return f"tfstate+tfcloud://{self.authority}/{self.path}"

    @property
    def display(self) -> str:
        """The URI as error messages show it: an http query may carry a token, so it is hidden."""
        if self.backend == "http" and ("?" in self.path or self.options):
            return f"tfstate+{self.authority}{self.path.split('?', 1)[0]}?…"
        return self.uri

    @property
    def is_glob(self) -> bool:
        return self.backend in _GLOBBING and has_glob(self.path)

    def at(self, path: str) -> Source:
        """The same source with another object path (a glob match, a workspace's object)."""
        return dataclasses.replace(self, path=path)

    def state_object(self) -> StateObject:
        return StateObject(uri=self.uri, backend=self.backend, workspace=self.workspace)

    @property
    def workspace(self) -> str:
        """The workspace the backend's layout implies for this (concrete) object."""
        match self.backend:
            case "local":
                path = PurePosixPath(self.path)
                if path.name == LOCAL_STATE_NAME and path.parent.parent.name == LOCAL_WORKSPACE_DIR:
                    return path.parent.name
            case "s3":
                head = self.workspace_key_prefix + "/"
                if self.path.startswith(head):
                    name, slash, key = self.path[len(head) :].partition("/")
                    if name and slash and key:
                        return name
            case "gcs":
                # <prefix>/<workspace>.tfstate; a plain terraform.tfstate is a copied state file,
                # not the gcs backend's layout.
                name = self.path.rsplit("/", 1)[-1]
                stem = name.removesuffix(".tfstate")
                if stem and stem != name and stem != "terraform":
                    return stem
            case "azurerm":
                at = self.path.rfind(AZURE_WORKSPACE_SEPARATOR)
                name = self.path[at + len(AZURE_WORKSPACE_SEPARATOR) :]
                if at > 0 and name and "/" not in name:
                    return name
            case "tfcloud":
                return self.path
        return DEFAULT_WORKSPACE


def parse_source(uri: str, *, trusted: bool) -> Source:
    """Validate ``uri`` and split it into its parts; raise :class:`InvalidSourceURI`.

    Nothing here touches the file system: a local path is made absolute and normalised
    lexically (symlinks are resolved later, by the source policy). Only a ``trusted`` caller —
    the local user's own CLI — may give a path relative to the working directory or to ``~``;
    a server takes absolute paths only, so that no answer depends on its working directory,
    its home directory or its user database.
    """
    if not uri:
        raise InvalidSourceURI(f"empty source URI; use one of {SUPPORTED_SCHEMES}")
    if _CONTROL.search(uri):
        raise InvalidSourceURI(
            f"{_redact(uri)!r}: control characters are not allowed in a source URI"
        )
    scheme, sep, rest = uri.partition("://")
    if not sep or not _URI_SCHEME.fullmatch(scheme):
        return _local(uri, uri, trusted=trusted)  # a bare path
    backend = _SCHEMES.get(scheme.lower())
    if backend is None:
        hint = _HINTS.get(scheme.lower())
        did_you_mean = f" (did you mean {hint}://…?)" if hint else ""
        raise InvalidSourceURI(
            f"{_redact(uri)}: unknown scheme {scheme!r}{did_you_mean}; "
            f"supported: {SUPPORTED_SCHEMES}"
        )
    match backend:
        case "local":
            return _local(uri, rest, trusted=trusted)
        case "s3":
            return _s3(uri, rest)
        case "gcs":
            return _gcs(uri, rest)
        case "azurerm":
            return _azurerm(uri, rest)
        case "http":
            return _http(uri, scheme.lower().removeprefix("tfstate+"), rest)
        case _:
            return _tfcloud(uri, rest)


def _local(uri: str, text: str, *, trusted: bool) -> Source:
    if not text:
        raise InvalidSourceURI(f"{uri}: missing the path; expected tfstate://PATH")
    if trusted:
        text = os.path.expanduser(text)
    elif not text.startswith("/"):
        raise InvalidSourceURI(
            f"{uri}: a local path given to a server must be absolute (tfstate:///PATH)"
        )
    if has_glob(text):
        # Normalise only the literal directory part: the pattern has nothing to normalise.
        head = directory_prefix(text)
        pattern = text[len(head) :]
        base = os.path.abspath(head or ".")
        path = f"{base.rstrip('/')}/{pattern}"
    else:
        path = os.path.abspath(text)
    # POSIX keeps a leading "//" as written; it names the same directory as "/".
    return Source(backend="local", authority="", path="/" + path.lstrip("/"))


def _split_query(uri: str, rest: str, usage: str) -> tuple[str, str]:
    body, _, query = rest.partition("?")
    if not body or "/" not in body or not body.split("/", 1)[1]:
        raise InvalidSourceURI(f"{uri}: expected {usage}")
    return body, query


def _check_name(uri: str, kind: str, value: str, pattern: re.Pattern[str]) -> None:
    if has_glob(value):
        raise InvalidSourceURI(f"{uri}: globs are allowed in the object key only, not the {kind}")
    if not pattern.fullmatch(value):
        raise InvalidSourceURI(f"{uri}: {value!r} is not a valid {kind} name")


def _s3(uri: str, rest: str) -> Source:
    body, query = _split_query(uri, rest, "tfstate+s3://BUCKET/KEY")
    bucket, _, key = body.partition("/")
    _check_name(uri, "bucket", bucket, _S3_BUCKET)
    prefix = S3_WORKSPACE_KEY_PREFIX
    options: dict[str, str] = {}
    if query:
        try:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            raise InvalidSourceURI(f"{uri}: malformed query string") from None
        for name, value in pairs:
            if name == "workspace_key_prefix":
                prefix = value
            elif name in S3_OPTIONS:
                if name in options:
                    raise InvalidSourceURI(f"{uri}: option {name!r} is given twice")
                options[name] = _s3_option(uri, name, value)
            else:
                raise InvalidSourceURI(
                    f"{uri}: unknown option {name!r}; tfstate+s3 accepts ?workspace_key_prefix=P, "
                    "?dynamodb_table=T, ?use_lockfile=true and ?lock=none"
                )
        if not prefix or prefix.startswith("/") or prefix.endswith("/") or has_glob(prefix):
            raise InvalidSourceURI(
                f"{uri}: workspace_key_prefix must be non-empty, without globs, and must not "
                "start or end with '/' (as in terraform's s3 backend)"
            )
    if options.get("use_lockfile") == "false":
        del options["use_lockfile"]  # terraform's default
    ordered = tuple((name, options[name]) for name in S3_OPTIONS if name in options)
    return Source(
        backend="s3", authority=bucket, path=key, workspace_key_prefix=prefix, options=ordered
    )


def _s3_option(uri: str, name: str, value: str) -> str:
    if name == "dynamodb_table" and not _DYNAMODB_TABLE.fullmatch(value):
        raise InvalidSourceURI(f"{uri}: {value!r} is not a DynamoDB table name")
    if name == "use_lockfile" and value.lower() not in {"true", "false"}:
        raise InvalidSourceURI(f"{uri}: use_lockfile must be true or false")
    if name == "lock" and value != "none":
        raise InvalidSourceURI(f"{uri}: the only lock option is lock=none (write unlocked)")
    return value.lower() if name == "use_lockfile" else value


def _no_query(uri: str, rest: str, usage: str) -> str:
    if "?" in rest:
        raise InvalidSourceURI(f"{uri}: no query options are supported; expected {usage}")
    return rest


def _gcs(uri: str, rest: str) -> Source:
    usage = "tfstate+gs://BUCKET/OBJECT"
    body, _ = _split_query(uri, _no_query(uri, rest, usage), usage)
    bucket, _, name = body.partition("/")
    _check_name(uri, "bucket", bucket, _GCS_BUCKET)
    return Source(backend="gcs", authority=bucket, path=name)


def _azurerm(uri: str, rest: str) -> Source:
    usage = "tfstate+azurerm://ACCOUNT/CONTAINER/BLOB"
    parts = _no_query(uri, rest, usage).split("/", 2)
    if len(parts) != 3 or not all(parts):
        raise InvalidSourceURI(f"{uri}: expected {usage}")
    account, container, blob = parts
    _check_name(uri, "storage account", account, _AZURE_ACCOUNT)
    _check_name(uri, "container", container, _AZURE_CONTAINER)
    return Source(backend="azurerm", authority=account, container=container, path=blob)


def _http(uri: str, scheme: str, rest: str) -> Source:
    parts = urllib.parse.urlsplit(f"{scheme}://{rest}")
    shown = _redact(uri)
    if "@" in parts.netloc:
        raise InvalidSourceURI(
            f"{shown}: credentials in the URI are not accepted; "
            "set TF_HTTP_USERNAME and TF_HTTP_PASSWORD instead"
        )
    if "#" in rest:
        raise InvalidSourceURI(f"{shown}: a URI fragment is never sent to the server; remove it")
    if has_glob(rest):
        raise InvalidSourceURI(f"{shown}: globs are not supported for http backends")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise InvalidSourceURI(f"{shown}: invalid port") from None
    if not parts.hostname:
        raise InvalidSourceURI(f"{shown}: missing the host; expected tfstate+{scheme}://HOST/PATH")
    path = parts.path or "/"
    kept, options = _http_options(shown, parts.query)
    if kept:
        path += "?" + kept
    return Source(
        backend="http",
        authority=f"{scheme}://{parts.netloc.lower()}",
        path=path,
        options=options,
    )


def _http_options(shown: str, query: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The address's own query (kept as written) and driftmgr's write options taken from it."""
    kept: list[str] = []
    options: dict[str, str] = {}
    for piece in query.split("&") if query else ():
        raw_name, _, raw_value = piece.partition("=")
        name = urllib.parse.unquote_plus(raw_name)
        if name not in HTTP_OPTIONS:
            kept.append(piece)
            continue
        if name in options:
            raise InvalidSourceURI(f"{shown}: option {name!r} is given twice")
        value = urllib.parse.unquote_plus(raw_value)
        if name.endswith("_address"):
            _check_http_address(shown, name, value)
        elif name.endswith("_method") and not _METHOD.fullmatch(value):
            raise InvalidSourceURI(f"{shown}: {name} must be an HTTP method such as LOCK or PUT")
        elif name == "lock" and value != "none":
            raise InvalidSourceURI(f"{shown}: the only lock option is lock=none (write unlocked)")
        options[name] = value
    ordered = tuple((name, options[name]) for name in HTTP_OPTIONS if name in options)
    return "&".join(kept), ordered


def _check_http_address(shown: str, name: str, value: str) -> None:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise InvalidSourceURI(f"{shown}: {name} must be an http(s) URL")
    if "@" in parts.netloc:
        raise InvalidSourceURI(f"{shown}: {name} must not carry credentials")
    if parts.fragment:
        raise InvalidSourceURI(f"{shown}: {name} must not have a fragment")


def _tfcloud(uri: str, rest: str) -> Source:
    usage = "tfstate+tfcloud://ORG/WORKSPACE"
    parts = _no_query(uri, rest, usage).split("/")
    if len(parts) != 2 or not all(parts):
        raise InvalidSourceURI(f"{uri}: expected {usage}")
    org, workspace = parts
    for kind, value in (("organization", org), ("workspace", workspace)):
        if has_glob(value):
            raise InvalidSourceURI(f"{uri}: globs are not supported for tfstate+tfcloud")
        if not _TFC_NAME.fullmatch(value):
            raise InvalidSourceURI(
                f"{uri}: {value!r} is not a valid {kind} name (letters, digits, '-' and '_')"
            )
    return Source(backend="tfcloud", authority=org, path=workspace)


def _redact(uri: str) -> str:
    """``uri`` without userinfo or query values, which may carry secrets."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    if "?" in tail:
        tail = tail.split("?", 1)[0] + "?…"
    return f"{scheme}{sep}{authority}{slash}{tail}"
