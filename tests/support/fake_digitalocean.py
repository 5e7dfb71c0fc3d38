"""A local DigitalOcean API over TLS, answering the documented JSON shapes, for pydo to talk to.

Shapes follow the API reference (https://docs.digitalocean.com/reference/api/): each listing
is ``{"<collection>": [...], "links": {"pages": {...}}, "meta": {"total": n}}``; errors are
``{"id": "...", "message": "..."}``. Every paged listing is served ``page_size`` items a page
(2 by default, whatever ``per_page`` asks), so a client that stops after page one misses
objects. pydo (azure-core) refuses to send a bearer token over plain HTTP, so the server
speaks TLS with a certificate made here; :attr:`FakeDigitalOcean.ca_file` is its CA.

Faults are switched on per path: :meth:`fail` answers the next N requests to a path (or
every one) with a status, headers and DigitalOcean's error body.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["TOKEN", "UNPAGED", "FakeDigitalOcean", "Request", "digitalocean", "seed"]

TOKEN = "dop_v1_fake_token"

#: Paths whose answer is one object, not a paged collection (the API documents no paging).
UNPAGED = {"/v2/databases": "databases"}

_ERRORS = {
    401: ("unauthorized", "Unable to authenticate you."),
    403: ("forbidden", "You do not have access for the attempted action."),
    404: ("not_found", "The resource you were accessing could not be found."),
    429: ("too_many_requests", "API Rate limit exceeded."),
    500: ("server_error", "Unexpected server-side error"),
    503: ("service_unavailable", "The service is unavailable."),
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]


@dataclass
class _Fault:
    status: int
    times: int | None
    headers: dict[str, str]


@dataclass
class FakeDigitalOcean:
    """The server and its world: ``collections[path]`` is what ``GET path`` lists."""

    page_size: int = 2
    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    account: dict[str, Any] = field(
        default_factory=lambda: {
            "uuid": "b6fr89dbf6d9156cace5f3c78dc9851d957381ef",
            "email": "ops@example.com",
            "status": "active",
            "droplet_limit": 25,
        }
    )
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    ca_file: str = ""
    _faults: dict[str, list[_Fault]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the world -------------------------------------------------------------------------

    def put(self, path: str, *items: dict[str, Any]) -> None:
        """Add objects to the listing at ``path`` (``/v2/droplets``)."""
        with self._lock:
            self.collections.setdefault(path, []).extend(items)

    def remove(self, path: str, **match: Any) -> None:
        with self._lock:
            self.collections[path] = [
                item
                for item in self.collections.get(path, [])
                if any(item.get(k) != v for k, v in match.items())
            ]

    def find(self, path: str, **match: Any) -> dict[str, Any]:
        return next(
            item
            for item in self.collections.get(path, [])
            if all(item.get(k) == v for k, v in match.items())
        )

    def fail(
        self,
        path: str,
        status: int,
        *,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``path`` (None: all) with ``status``."""
        with self._lock:
            self._faults.setdefault(path, []).append(_Fault(status, times, dict(headers or {})))

    def asked(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # --- answering -------------------------------------------------------------------------

    def answer(
        self, method: str, target: str, authorization: str | None
    ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path.rstrip("/")
        with self._lock:
            self.requests.append(Request(method, path, query))
            fault = self._take_fault(path)
        if fault is not None:
            return _error(fault.status, fault.headers)
        if authorization != f"Bearer {TOKEN}":
            return _error(401)
        if method != "GET":
            return _error(404)
        if path == "/v2/account":
            return 200, {}, {"account": self.account}
        if path in UNPAGED:
            return 200, {}, {UNPAGED[path]: list(self.collections.get(path, []))}
        if path not in self.collections:
            return _error(404)
        return 200, {}, self._page(path, query)

    def _take_fault(self, path: str) -> _Fault | None:
        faults = self._faults.get(path) or []
        while faults:
            fault = faults[0]
            if fault.times is None:
                return fault
            if fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    faults.pop(0)
                return fault
            faults.pop(0)
        return None

    def _page(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        items = self.collections[path]
        asked = int(query.get("per_page", "20"))
        per_page = max(1, min(asked, 200, self.page_size))
        page = max(1, int(query.get("page", "1")))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        key = path.rsplit("/", 1)[-1]
        key = {
            "keys": "ssh_keys",
            "records": "domain_records",
            "clusters": "kubernetes_clusters",
        }.get(key, key)
        pages: dict[str, str] = {}
        base = f"https://api.digitalocean.com{path}"
        if page < last:
            pages["next"] = f"{base}?page={page + 1}&per_page={per_page}"
            pages["last"] = f"{base}?page={last}&per_page={per_page}"
        if page > 1:
            pages["first"] = f"{base}?page=1&per_page={per_page}"
            pages["prev"] = f"{base}?page={page - 1}&per_page={per_page}"
        return {key: chunk, "links": {"pages": pages}, "meta": {"total": len(items)}}

    # --- serving ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def serve(self) -> Iterator[_Served]:
        """Start the server on a free loopback port; yields where it is and its CA file."""
        with tempfile.TemporaryDirectory() as folder:
            ca_file, context = _tls(Path(folder))
            fake = self

            class Handler(BaseHTTPRequestHandler):
                def do_GET(self) -> None:
                    status, headers, body = fake.answer(
                        "GET", self.path, self.headers.get("Authorization")
                    )
                    data = json.dumps(body).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("ratelimit-limit", "5000")
                    self.send_header("ratelimit-remaining", "4999")
                    self.send_header("ratelimit-reset", "1444931833")
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)

                def log_message(self, format: str, *args: Any) -> None:
                    pass

            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            server.daemon_threads = True
            server.socket = context.wrap_socket(server.socket, server_side=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                host, port = server.server_address[:2]
                yield _Served(f"https://{host}:{port}", str(ca_file))
            finally:
                server.shutdown()
                server.server_close()
                thread.join(timeout=10)


@dataclass(frozen=True)
class _Served:
    url: str
    ca_file: str


def _error(status: int, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    ident, message = _ERRORS.get(status, ("error", "Something went wrong."))
    return status, dict(headers or {}), {"id": ident, "message": message}


def _tls(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA, and a certificate it signed for 127.0.0.1 and localhost."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake DigitalOcean CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file = folder / "server.pem"
    cert_file.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file)
    return ca_file, context


# --- the pytest fixture and a small account ----------------------------------------------


@pytest.fixture
def digitalocean(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDigitalOcean]:
    """A fresh fake DigitalOcean, and the environment the adapter reads pointing at it:
    ``DIGITALOCEAN_API_URL``, ``DIGITALOCEAN_TOKEN``, ``REQUESTS_CA_BUNDLE`` (its CA)."""
    fake = FakeDigitalOcean()
    with fake.serve() as served:
        for name in ("DIGITALOCEAN_ACCESS_TOKEN", "SPACES_ACCESS_KEY_ID", "SPACES_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DIGITALOCEAN_API_URL", served.url)
        monkeypatch.setenv("DIGITALOCEAN_TOKEN", TOKEN)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", served.ca_file)
        fake.url = served.url
        fake.ca_file = served.ca_file
        yield fake


REGIONS = [
    {"slug": "nyc3", "name": "New York 3", "available": True, "features": ["storage"]},
    {"slug": "ams3", "name": "Amsterdam 3", "available": True, "features": ["storage"]},
    {"slug": "fra1", "name": "Frankfurt 1", "available": True, "features": ["storage"]},
    {"slug": "nyc1", "name": "New York 1", "available": False, "features": []},
]


def droplet(ident: int, name: str, region: str = "nyc3", **extra: Any) -> dict[str, Any]:
    """A droplet as ``GET /v2/droplets`` lists it."""
    body: dict[str, Any] = {
        "id": ident,
        "name": name,
        "memory": 1024,
        "vcpus": 1,
        "disk": 25,
        "locked": False,
        "status": "active",
        "created_at": "2026-01-10T16:00:00Z",
        "features": ["monitoring", "droplet_agent", "private_networking"],
        "backup_ids": [],
        "snapshot_ids": [],
        "image": {"id": 7555620, "slug": "ubuntu-24-04-x64", "distribution": "Ubuntu"},
        "volume_ids": [],
        "size": {"slug": "s-1vcpu-1gb", "price_monthly": 6, "price_hourly": 0.00893},
        "size_slug": "s-1vcpu-1gb",
        "networks": {
            "v4": [
                {"ip_address": f"104.236.32.{ident % 250}", "type": "public"},
                {"ip_address": f"10.132.0.{ident % 250}", "type": "private"},
            ],
            "v6": [],
        },
        "region": {"slug": region, "name": region, "available": True},
        "tags": ["web", "env:prod"],
        "vpc_uuid": "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
    }
    body.update(extra)
    return body


def seed(fake: FakeDigitalOcean) -> None:
    """An account with at least three objects of every paged listing (two pages each)."""
    fake.put("/v2/regions", *REGIONS)
    fake.put(
        "/v2/droplets",
        droplet(3164444, "web-1"),
        droplet(3164445, "web-2"),
        droplet(3164446, "worker-1", "ams3", tags=["worker"]),
    )
    fake.put(
        "/v2/volumes",
        *(
            {
                "id": f"506f78a4-e098-11e5-ad9f-000f53306ae{i}",
                "name": f"data-{i}",
                "region": {"slug": "nyc3"},
                "size_gigabytes": 10 * (i + 1),
                "description": "Block store for examples",
                "droplet_ids": [],
                "filesystem_type": "ext4",
                "filesystem_label": "",
                "tags": ["data"],
                "created_at": "2026-01-10T16:00:00Z",
            }
            for i in range(3)
        ),
    )
    fake.put(
        "/v2/account/keys",
        *(
            {
                "id": 512189 + i,
                "fingerprint": f"3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:f{i}",
                "public_key": f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{i}example ops@example.com",
                "name": f"key-{i}",
            }
            for i in range(3)
        ),
    )
    fake.put(
        "/v2/vpcs",
        *(
            {
                "id": f"5a4981aa-9653-4bd1-bef5-d6bff52042e{i}",
                "urn": f"do:vpc:5a4981aa-9653-4bd1-bef5-d6bff52042e{i}",
                "name": f"vpc-{i}",
                "description": "",
                "region": "nyc3",
                "ip_range": f"10.10.{i}.0/24",
                "default": i == 0,
                "created_at": "2026-01-10T16:00:00Z",
            }
            for i in range(3)
        ),
    )
    fake.put(
        "/v2/firewalls",
        *(
            {
                "id": f"bb4b2611-3d72-467b-8602-280330ecd65{i}",
                "name": f"fw-{i}",
                "status": "succeeded",
                "inbound_rules": [
                    {
                        "protocol": "tcp",
                        "ports": "22",
                        "sources": {"addresses": ["192.0.2.0/24"]},
                    }
                ],
                "outbound_rules": [
                    {
                        "protocol": "tcp",
                        "ports": "0",
                        "destinations": {"addresses": ["0.0.0.0/0", "::/0"]},
                    }
                ],
                "created_at": "2026-01-10T16:00:00Z",
                "droplet_ids": [],
                "tags": ["web"],
                "pending_changes": [],
            }
            for i in range(3)
        ),
    )
    fake.put(
        "/v2/load_balancers",
        *(
            {
                "id": f"4de7ac8b-495b-4884-9a69-1050c6793cd{i}",
                "name": f"lb-{i}",
                "ip": f"104.131.186.{i}",
                "size_unit": 1,
                "size": "lb-small",
                "algorithm": "round_robin",
                "status": "active",
                "created_at": "2026-01-10T16:00:00Z",
                "forwarding_rules": [
                    {
                        "entry_protocol": "http",
                        "entry_port": 80,
                        "target_protocol": "http",
                        "target_port": 80,
                        "certificate_id": "",
                        "tls_passthrough": False,
                    }
                ],
                "health_check": {
                    "protocol": "http",
                    "port": 80,
                    "path": "/",
                    "check_interval_seconds": 10,
                    "response_timeout_seconds": 5,
                    "healthy_threshold": 5,
                    "unhealthy_threshold": 3,
                },
                "sticky_sessions": {"type": "none"},
                "region": {"slug": "nyc3"},
                "tag": "web",
                "droplet_ids": [],
                "redirect_http_to_https": False,
                "enable_proxy_protocol": False,
                "enable_backend_keepalive": False,
                "http_idle_timeout_seconds": 60,
                "vpc_uuid": "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
                "project_id": "4de7ac8b-495b-4884-9a69-1050c6793cd6",
                "disable_lets_encrypt_dns_records": False,
            }
            for i in range(3)
        ),
    )
    fake.put(
        "/v2/databases",
        *(
            {
                "id": f"9cc10173-e9ea-4176-9dbc-a4cee4c4ff3{i}",
                "name": f"db-{i}",
                "engine": "pg",
                "version": "16",
                "connection": {"uri": "postgres://doadmin:s3cret@host:25060/defaultdb"},
                "num_nodes": 1,
                "size": "db-s-1vcpu-1gb",
                "region": "nyc3",
                "status": "online",
                "created_at": "2026-01-10T16:00:00Z",
                "maintenance_window": {"day": "tuesday", "hour": "01:00:00", "pending": False},
                "tags": ["production"],
                "private_network_uuid": "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
                "storage_size_mib": 10240,
                "project_id": "4de7ac8b-495b-4884-9a69-1050c6793cd6",
            }
            for i in range(3)
        ),
    )
    fake.put(
        "/v2/kubernetes/clusters",
        *(
            {
                "id": f"bd5f5959-5e1e-4205-a714-a914373942a{i}",
                "name": f"k8s-{i}",
                "region": "nyc3",
                "version": "1.31.1-do.0",
                "cluster_subnet": "10.244.0.0/16",
                "service_subnet": "10.245.0.0/16",
                "vpc_uuid": "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
                "ipv4": "68.183.121.157",
                "endpoint": "https://bd5f5959.k8s.ondigitalocean.com",
                "tags": ["k8s", f"k8s:bd5f5959-5e1e-4205-a714-a914373942a{i}", "prod"],
                "node_pools": [
                    {
                        "id": "cdda885e-7663-40c8-bc74-3a036c66545d",
                        "name": "default",
                        "size": "s-2vcpu-4gb",
                        "count": 3,
                        "tags": ["k8s", "k8s-worker", "terraform:default-node-pool"],
                        "labels": {},
                        "auto_scale": False,
                        "min_nodes": 0,
                        "max_nodes": 0,
                        "nodes": [],
                    }
                ],
                "maintenance_policy": {"start_time": "04:00", "duration": "4h0m0s", "day": "any"},
                "auto_upgrade": False,
                "status": {"state": "running"},
                "created_at": "2026-01-10T16:00:00Z",
                "updated_at": "2026-01-10T16:00:00Z",
                "surge_upgrade": True,
                "ha": False,
            }
            for i in range(3)
        ),
    )
    project_ids = [f"4de7ac8b-495b-4884-9a69-1050c6793cd{i}" for i in range(3)]
    fake.put(
        "/v2/projects",
        *(
            {
                "id": ident,
                "owner_uuid": "99525febec065ca37b2ffe4f852fd2b2581895e7",
                "owner_id": 258992,
                "name": f"project-{i}",
                "description": "",
                "purpose": "Web Application",
                "environment": "Production",
                "created_at": "2026-01-10T16:00:00Z",
                "updated_at": "2026-01-10T16:00:00Z",
                "is_default": i == 0,
            }
            for i, ident in enumerate(project_ids)
        ),
    )
    for ident in project_ids:
        fake.put(f"/v2/projects/{ident}/resources")
    fake.put(
        f"/v2/projects/{project_ids[1]}/resources",
        *({"urn": f"do:droplet:{d}", "status": "ok"} for d in (3164444, 3164445, 3164446)),
    )
    fake.put(
        "/v2/certificates",
        *(
            {
                "id": f"892071a0-bb95-49bc-8021-3afd67a210b{i}",
                "name": f"cert-{i}",
                "not_after": "2027-02-22T00:00:00Z",
                "sha1_fingerprint": "dfcc9f57d86bf58e321c2c6c31c7a971be244ac7",
                "created_at": "2026-01-10T16:00:00Z",
                "dns_names": [f"www{i}.example.com"],
                "state": "verified",
                "type": "lets_encrypt",
            }
            for i in range(3)
        ),
    )
    domains = ["example.com", "example.net", "example.org"]
    fake.put("/v2/domains", *({"name": d, "ttl": 1800, "zone_file": ""} for d in domains))
    for n, domain in enumerate(domains):
        fake.put(
            f"/v2/domains/{domain}/records",
            {"id": 1000 + 10 * n, "type": "SOA", "name": "@", "data": "1800", "ttl": 1800},
            {
                "id": 1001 + 10 * n,
                "type": "NS",
                "name": "@",
                "data": "ns1.digitalocean.com",
                "ttl": 1800,
            },
            {
                "id": 1002 + 10 * n,
                "type": "A",
                "name": "www",
                "data": "104.236.32.182",
                "ttl": 3600,
            },
        )
