"""The source policy: which state sources a request may make driftmgr read, and how.

Every source goes through one :class:`SourcePolicy` before anything is read or fetched:

- **Local paths.** A server reads only under the operator's state roots
  (``DRIFTMGR_STATE_ROOTS``; none by default: clients send a state's ``content``). A path is
  first checked lexically (``..`` collapsed) against the roots, before any file system call,
  then with its symlinks resolved; globs are checked on their literal directory and every
  match again. Every refusal is the same sentence, :data:`LOCAL_REFUSAL`, so an answer never
  tells whether a path outside the roots exists.
- **Hosts the client names** (the http backend): a server fetches only from hosts in
  ``DRIFTMGR_ALLOWED_HOSTS`` (none by default), on the first request and on every redirect.
- **Addresses.** A server connects only to public addresses: every address a host resolves
  to must be public — not loopback, link-local (the instance metadata services at
  169.254.169.254 and fd00:ec2::254 included), private, shared, unspecified, reserved or
  multicast — unless the host is listed exactly (``host`` or ``host:port``; a wildcard entry
  is no consent). The connection goes to the address that was checked, so DNS cannot answer
  differently between the check and the connect.
- **Redirects** are followed by hand, at most :data:`MAX_REDIRECTS`, each hop checked as above.
- **Credentials** (:class:`Credential`) go only to the origin (scheme, host, port) they were
  configured for, on every hop.

:meth:`SourcePolicy.local` is the in-process CLI's policy: the local user reads their own
files and URLs, as they could without driftmgr; credentials stay bound to their origin there
too.
"""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import os
import re
import socket
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpcore
import httpx

from driftmgr.adapters.terraform.backends.errors import (
    InvalidSourceURI,
    SourceError,
    SourceNotAllowed,
    SourceUnreachable,
    StateTooLarge,
)
from driftmgr.adapters.terraform.backends.globs import directory_prefix
from driftmgr.adapters.terraform.backends.uri import Source, parse_source
from driftmgr.settings import (
    DEFAULT_FETCH_DEADLINE,
    DEFAULT_MAX_STATE_BYTES,
    ConfigurationError,
    Settings,
    fetch_deadline_from,
    max_state_bytes_from,
)

__all__ = [
    "DIRECTORY_REFUSAL",
    "LOCAL_REFUSAL",
    "MAX_REDIRECTS",
    "TIMEOUT",
    "Credential",
    "Fetcher",
    "SourcePolicy",
    "basic_auth",
]

LOCAL_REFUSAL = (
    "local paths are not readable through this server: upload the state's content, "
    "or ask the operator to add its directory to DRIFTMGR_STATE_ROOTS"
)
DIRECTORY_REFUSAL = (
    "this server scans only directories under its DRIFTMGR_STATE_ROOTS; ask the operator to "
    "add the directory, or run `driftmgr state discover` without --api-url on your own machine"
)
MAX_REDIRECTS = 5
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOSTNAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Origin = tuple[str, str, int]


def _origin(url: httpx.URL) -> Origin:
    scheme = url.scheme.lower()
    return scheme, _host_of(url), url.port or _DEFAULT_PORTS.get(scheme, 0)


def _host_of(url: httpx.URL) -> str:
    return _normal_host(url.raw_host.decode("ascii"))


def _normal_host(host: str) -> str:
    host = host.lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


@dataclasses.dataclass(frozen=True, slots=True)
class Credential:
    """Headers (``Authorization`` …) that may be sent to one origin only."""

    origin: Origin
    headers: Mapping[str, str]

    @classmethod
    def bound_to(cls, address: str, headers: Mapping[str, str]) -> Credential | None:
        """A credential for the origin of ``address`` (a URL); None if it is not an http(s) URL."""
        try:
            url = httpx.URL(address if "://" in address else f"https://{address}")
        except httpx.InvalidURL:
            return None
        if url.scheme.lower() not in _DEFAULT_PORTS or not url.raw_host:
            return None
        return cls(origin=_origin(url), headers=dict(headers))

    def applies_to(self, url: httpx.URL) -> bool:
        return _origin(url) == self.origin


def basic_auth(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


@dataclasses.dataclass(frozen=True, slots=True)
class _HostRule:
    host: str
    """A host name or a normalised IP address; for a wildcard, the suffix ("" for ``*``)."""
    port: int | None = None
    wildcard: bool = False

    @classmethod
    def parse(cls, entry: str) -> _HostRule:
        text = entry.strip().lower()
        if text == "*":
            return cls(host="", wildcard=True)
        if text.startswith("*."):
            suffix = text[2:].rstrip(".")
            if not _HOSTNAME.fullmatch(suffix):
                raise ValueError(entry)
            return cls(host=suffix, wildcard=True)
        port: str | None = None
        if text.startswith("["):
            host, bracket, rest = text[1:].partition("]")
            if not bracket or (rest and not rest.startswith(":")):
                raise ValueError(entry)
            port = rest[1:] if rest else None
            ipaddress.IPv6Address(host)  # raises ValueError
        elif text.count(":") == 1:
            host, _, port = text.partition(":")
        else:
            host = text  # a name, an IPv4 address, or an IPv6 address without a port
        host = _normal_host(host)
        if ":" not in host and not _HOSTNAME.fullmatch(host):
            raise ValueError(entry)
        number = None
        if port is not None:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(entry)
            number = int(port)
        return cls(host=host, port=number)

    def matches(self, host: str, port: int) -> bool:
        if self.wildcard:
            return not self.host or host.endswith("." + self.host)
        return host == self.host and (self.port is None or self.port == port)


def is_public_address(address: str) -> bool:
    """Whether a server may connect to ``address`` without the operator listing its host."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one reaches that IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not ip.is_multicast


def _inside(path: str, root: str) -> bool:
    return root == "/" or path == root or path.startswith(root + "/")


@dataclasses.dataclass(frozen=True, slots=True)
class SourcePolicy:
    """What a request may make driftmgr read. The default value reads nothing local and
    fetches from no client-named host: :meth:`server` and :meth:`local` open it up."""

    roots: tuple[Path, ...] | None = ()
    """Directories local paths must be under; None: any path (the local user's own CLI)."""
    allowed_hosts: frozenset[str] | None = frozenset()
    """``host``, ``host:port``, ``[v6]:port``, ``*.domain`` or ``*``; None: any host."""
    allow_private: bool = False
    """Connect to non-public addresses of any host (the local user's own network)."""
    max_state_bytes: int = DEFAULT_MAX_STATE_BYTES
    """The largest state read or fetched (``DRIFTMGR_MAX_STATE_BYTES``)."""
    fetch_deadline: float = DEFAULT_FETCH_DEADLINE
    """Seconds one http(s) fetch may take in all (``DRIFTMGR_FETCH_DEADLINE``)."""

    def __post_init__(self) -> None:
        for entry in self.allowed_hosts or ():
            try:
                _HostRule.parse(entry)
            except ValueError:
                raise ConfigurationError(
                    f"DRIFTMGR_ALLOWED_HOSTS: {entry!r} is not a host, host:port, [IPv6]:port, "
                    "*.domain or *"
                ) from None

    @classmethod
    def local(cls) -> SourcePolicy:
        """The local user's own CLI: their files, their network, their credentials."""
        return cls(
            roots=None,
            allowed_hosts=None,
            allow_private=True,
            max_state_bytes=max_state_bytes_from(os.environ),
            fetch_deadline=fetch_deadline_from(os.environ),
        )

    @classmethod
    def server(cls, settings: Settings) -> SourcePolicy:
        """A server's: only the operator's state roots and allowed hosts, public addresses."""
        roots = tuple(Path(os.path.abspath(os.path.expanduser(r))) for r in settings.state_roots)
        hosts = frozenset(h.strip().lower() for h in settings.allowed_hosts if h.strip())
        return cls(
            roots=roots,
            allowed_hosts=hosts,
            allow_private=False,
            max_state_bytes=settings.max_state_bytes,
            fetch_deadline=settings.fetch_deadline,
        )

    @property
    def trusts_caller(self) -> bool:
        """True for the local user's own CLI, whose paths and environment are their own."""
        return self.roots is None

    # --- parsing and admission -----------------------------------------------------------

    def parse(self, uri: str) -> Source:
        """``uri`` as a :class:`Source`, without touching the file system or the network."""
        return parse_source(uri, trusted=self.trusts_caller)

    def admit(self, src: Source) -> Source:
        """``src`` if this policy lets it be read (a local path with its symlinks resolved);
        otherwise :class:`SourceNotAllowed`. No IO beyond resolving a local path's symlinks
        inside the roots."""
        match src.backend:
            case "local":
                if src.is_glob:
                    head = directory_prefix(src.path)
                    base = self.resolve(head)
                    return src.at(f"{base.rstrip('/')}/{src.path[len(head) :]}")
                return src.at(self.resolve(src.path))
            case "http":
                self.check_host(src, httpx.URL(src.authority + src.path), first=True)
        return src

    # --- local paths ---------------------------------------------------------------------

    def resolve(self, path: str) -> str:
        """The real path of ``path`` (absolute) if it lies under a root, else
        :class:`SourceNotAllowed` with :data:`LOCAL_REFUSAL`, whatever the reason."""
        if "\0" in path:
            raise InvalidSourceURI("a path cannot contain a NUL character")
        if self.roots is None:
            return os.path.realpath(path)
        normal = os.path.normpath(path)
        # Lexically first: a path outside every root is refused before any file system call.
        if not os.path.isabs(normal) or not any(_inside(normal, r) for r in self._roots()):
            raise SourceNotAllowed(LOCAL_REFUSAL)
        real = os.path.realpath(normal)
        if not any(_inside(real, r) for r in self._real_roots()):
            raise SourceNotAllowed(LOCAL_REFUSAL)  # a symlink out of the roots
        return real

    def check_found(self, path: str) -> None:
        """Refuse a path found under an admitted one (a glob match, a workspace's state) that
        leaves the roots through a symlink."""
        if self.roots is not None and not any(
            _inside(os.path.realpath(path), r) for r in self._real_roots()
        ):
            raise SourceNotAllowed(LOCAL_REFUSAL)

    def allows_path(self, path: Path | str) -> bool:
        """Whether ``path`` may be read (for scans that skip rather than refuse)."""
        try:
            self.resolve(os.fspath(path))
        except SourceError:
            return False
        return True

    def directory(self, path: str) -> Path:
        """A directory to scan: under a root (resolved), else :class:`SourceNotAllowed` with
        :data:`DIRECTORY_REFUSAL`, the same whether or not it exists."""
        if self.roots is None and "\0" not in path:
            return Path(os.path.expanduser(path))
        try:
            return Path(self.resolve(path))
        except SourceNotAllowed:
            raise SourceNotAllowed(DIRECTORY_REFUSAL) from None

    def _roots(self) -> list[str]:
        return [os.path.normpath(r) for r in self.roots or ()]

    def _real_roots(self) -> list[str]:
        return [os.path.realpath(r) for r in self.roots or ()]

    # --- hosts and addresses ---------------------------------------------------------------

    def _rules(self, extra: Iterable[_HostRule] = ()) -> list[_HostRule]:
        return [*(_HostRule.parse(e) for e in self.allowed_hosts or ()), *extra]

    def check_host(self, src: Source, url: httpx.URL, *, first: bool) -> None:
        """Refuse a URL whose scheme is not http(s) or, on a server, whose host is not listed."""
        _check_scheme(src, url, first=first)
        if self.allowed_hosts is None:
            return
        _, host, port = _origin(url)
        if not any(rule.matches(host, port) for rule in self._rules()):
            if first:
                raise SourceNotAllowed(
                    f"{src.display}: {url.netloc.decode('ascii')} is not in this server's "
                    "DRIFTMGR_ALLOWED_HOSTS; ask the operator to allow it"
                )
            raise SourceNotAllowed(
                f"{src.display}: the address redirected to a host that is not in this "
                "server's DRIFTMGR_ALLOWED_HOSTS"
            )

    def consents(self, host: str, port: int, extra: Iterable[_HostRule] = ()) -> bool:
        """Whether non-public addresses of ``host:port`` may be used: always on the local
        user's machine, else only for a host listed exactly (not by a wildcard)."""
        return self.allow_private or any(
            not rule.wildcard and rule.matches(host, port) for rule in self._rules(extra)
        )

    @contextmanager
    def fetcher(
        self,
        src: Source,
        *,
        credential: Credential | None = None,
        operator_hosts: Iterable[str] = (),
        client_chosen: bool,
    ) -> Iterator[Fetcher]:
        """An HTTP GETter for ``src`` that applies this policy on every hop.

        ``client_chosen``: the URLs come from the client (the http backend), so every hop's
        host must be allowed; otherwise (HCP Terraform, whose API host is ``TFE_ADDRESS``) only
        addresses are checked. ``operator_hosts`` are URLs the operator configured: their hosts
        count as listed exactly.
        """
        extra = tuple(_HostRule(host=h, port=p) for _, h, p in map(_origin_of, operator_hosts))
        deadline = _Deadline()
        if self.allow_private and self.allowed_hosts is None:
            # The local user's own machine: their proxies (HTTPS_PROXY …) apply as usual.
            client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        else:
            transport = _VettingTransport(self, extra, deadline)
            # With a transport given, httpx ignores proxy variables: a proxy would connect
            # to addresses this policy has not seen.
            client = httpx.Client(timeout=TIMEOUT, follow_redirects=False, transport=transport)
        with client:
            yield Fetcher(
                self, src, client, credential, client_chosen=client_chosen, deadline=deadline
            )


def _check_scheme(src: Source, url: httpx.URL, *, first: bool) -> None:
    if url.scheme.lower() not in _DEFAULT_PORTS:
        where = "" if first else " (the address redirected to another scheme)"
        raise SourceNotAllowed(f"{src.display}: only http and https are fetched{where}")


def _origin_of(url: str) -> Origin:
    return _origin(httpx.URL(url))


class Fetcher:
    """GET with the policy applied: redirects followed by hand, credentials bound to their
    origin. Transport errors are httpx's; refusals are :class:`SourceNotAllowed`."""

    def __init__(
        self,
        policy: SourcePolicy,
        src: Source,
        client: httpx.Client,
        credential: Credential | None,
        *,
        client_chosen: bool,
        deadline: _Deadline | None = None,
    ) -> None:
        self._policy = policy
        self._src = src
        self._client = client
        self._credential = credential
        self._client_chosen = client_chosen
        self._deadline = deadline or _Deadline()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """The response to ``GET url`` after at most :data:`MAX_REDIRECTS` redirects, its body
        read whole. The body is streamed and refused past the policy's ``max_state_bytes``;
        the whole exchange, redirects included, must end within its ``fetch_deadline``."""
        seconds = self._policy.fetch_deadline
        self._deadline.at = time.monotonic() + seconds
        try:
            return self._get(url, headers)
        except httpx.TimeoutException:
            if not self._deadline.passed():
                raise
            raise SourceUnreachable(
                f"{self._src.display}: the state was not fetched within {seconds:g} s, the "
                "limit of DRIFTMGR_FETCH_DEADLINE; check the server, or ask the operator to "
                "raise the limit"
            ) from None
        finally:
            self._deadline.at = None

    def _get(self, url: str, headers: Mapping[str, str] | None) -> httpx.Response:
        src = self._src
        target = httpx.URL(url)
        for hop in range(MAX_REDIRECTS + 1):
            if self._client_chosen:
                self._policy.check_host(src, target, first=hop == 0)
            else:
                _check_scheme(src, target, first=hop == 0)
            sent = dict(headers or {})
            if self._credential is not None and self._credential.applies_to(target):
                sent.update(self._credential.headers)
            request = self._client.build_request("GET", target, headers=sent)
            try:
                response = self._client.send(request, stream=True)
            except _Refused as refused:
                where = "its address" if hop == 0 else "the address it redirected to"
                raise SourceNotAllowed(f"{src.display}: {where} {refused.reason}") from None
            try:
                if not response.is_redirect:
                    return self._read(response)
            finally:
                response.close()
            try:
                target = response.url.join(response.headers["Location"]).copy_with(fragment=None)
            except (httpx.InvalidURL, ValueError):
                raise SourceError(
                    f"{src.display}: the server answered {response.status_code} with an "
                    "unusable Location"
                ) from None
        raise SourceError(f"{src.display}: more than {MAX_REDIRECTS} redirects")

    def _read(self, response: httpx.Response) -> httpx.Response:
        """``response`` with its body read, at most ``max_state_bytes`` of it (decoded)."""
        limit = self._policy.max_state_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise StateTooLarge(self._src.display, limit)  # refused before reading a byte
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise StateTooLarge(self._src.display, limit)
            if self._deadline.passed():  # the local client has no deadline-aware transport
                raise httpx.ReadTimeout("deadline passed", request=response.request)
            chunks.append(chunk)
        # A new response holding the decoded body: callers read .content as usual.
        headers = [
            (k, v) for k, v in response.headers.multi_items() if k.lower() not in _BODY_HEADERS
        ]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=b"".join(chunks),
            request=response.request,
        )


_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class _Deadline:
    """When the fetch in progress must be over (monotonic time); None between fetches."""

    def __init__(self) -> None:
        self.at: float | None = None

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def passed(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0

    def bound(self, timeout: float | None) -> float | None:
        """``timeout`` for one socket operation, shortened to what the deadline leaves;
        past the deadline, a timeout error (httpx reports it as its own)."""
        remaining = self.remaining()
        if remaining is None:
            return timeout
        if remaining <= 0:
            raise httpcore.ReadTimeout("the fetch deadline passed")
        return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """Every read and write bounded by the fetch's deadline, so that a server trickling its
    headers or body a byte at a time cannot hold a worker past it."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.bound(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.bound(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadline.bound(timeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: _Deadline) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self._deadline.bound(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for state fetches")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_NOT_PUBLIC = (
    "is not a public address (or does not resolve); this server connects only to public "
    "addresses unless the operator lists the host exactly in DRIFTMGR_ALLOWED_HOSTS"
)


class _VettingTransport(httpx.BaseTransport):
    """Resolves each request's host, checks every address, and connects to a checked one.

    The request goes to the IP address itself, with the original ``Host`` header and TLS
    server name (``sni_hostname``), so certificates are still verified against the host name.
    Connections are not kept alive: a pooled connection is keyed by address, and must not
    carry one host's requests to another's TLS session.
    """

    def __init__(
        self, policy: SourcePolicy, extra: tuple[_HostRule, ...], deadline: _Deadline
    ) -> None:
        self._policy = policy
        self._extra = extra
        self._inner = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        # httpx offers no parameter for httpcore's network backend: this one bounds every
        # socket operation by the fetch's deadline (a per-read timeout alone lets a server
        # trickle a byte a second forever).
        self._inner._pool._network_backend = _DeadlineBackend(deadline)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _, host, port = _origin(request.url)
        consent = self._policy.consents(host, port, self._extra)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            if consent:
                raise httpx.ConnectError(f"cannot resolve {host}", request=request) from None
            raise _Refused(_NOT_PUBLIC) from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses or not (consent or all(is_public_address(a) for a in addresses)):
            raise _Refused(_NOT_PUBLIC)
        extensions = dict(request.extensions)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            extensions["sni_hostname"] = host
        failure: httpx.ConnectError | None = None
        for address in addresses:
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=address.split("%", 1)[0]),
                headers=request.headers,  # keeps the Host header of the original URL
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return self._inner.handle_request(pinned)
            except httpx.ConnectError as e:
                failure = e
        assert failure is not None
        raise failure

    def close(self) -> None:
        self._inner.close()
