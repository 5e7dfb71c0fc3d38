"""A local Azure Resource Manager (and managed-identity token endpoint) for the Azure SDK.

The real, unmodified SDK talks to it over HTTPS: azure-core sends bearer tokens over TLS
only, so the server makes its own certificate authority for 127.0.0.1 and the tests hand
its PEM file to the SDK the SDK's own way (``REQUESTS_CA_BUNDLE``). Tokens come from the
App Service managed-identity protocol (``IDENTITY_ENDPOINT`` + ``IDENTITY_HEADER``), which
``DefaultAzureCredential`` tries by itself: driftmgr's code does not know it is a test.

Answers follow the ARM REST reference: list bodies are ``{"value": [...], "nextLink": ...}``
(every listing paged, :attr:`FakeAzure.page_size` items a page), errors are
``{"error": {"code", "message"}}``. Faults are switchable per path fragment: 401, 403
``AuthorizationFailed``, 429 with ``Retry-After``, 5xx.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SUBSCRIPTION = "00000000-0000-0000-0000-00000000a2e1"
TENANT = "11111111-1111-1111-1111-111111111111"


@dataclass
class Fault:
    """Answer requests whose path (and query) contains ``fragment`` with ``status``,
    ``times`` times (None: for ever)."""

    fragment: str
    status: int
    times: int | None = 1
    retry_after: str | None = None
    code: str = ""
    fired: threading.Event = field(default_factory=threading.Event)
    """Set once the fault has answered a request."""


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    at: float
    status: int = 200


@dataclass
class FakeAzure:
    """What the fake ARM holds: resources by id, and the faults to answer with."""

    subscription: str = SUBSCRIPTION
    page_size: int = 2
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Lower-cased ARM id → the resource's JSON (as GET would answer)."""
    extra_collections: dict[str, list[str]] = field(default_factory=dict)
    """Lower-cased id → further collection paths that list it (DNS ``/recordsets``)."""
    other_subscriptions: dict[str, str] = field(default_factory=dict)
    """More subscriptions the credential sees: id → state (``Disabled``, ``Warned`` …)."""
    faults: list[Fault] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    identity_secret: str = field(default_factory=lambda: secrets.token_hex(8))
    token: str = field(default_factory=lambda: "fake-arm-" + secrets.token_hex(8))
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- contents -------------------------------------------------------------------------

    def put(self, resource: dict[str, Any], *, also_listed_under: tuple[str, ...] = ()) -> str:
        rid = resource["id"]
        with self.lock:
            self.resources[rid.lower()] = resource
            if also_listed_under:
                self.extra_collections[rid.lower()] = [p.lower() for p in also_listed_under]
        return str(rid)

    def get(self, rid: str) -> dict[str, Any]:
        return self.resources[rid.lower()]

    def delete(self, rid: str) -> None:
        with self.lock:
            del self.resources[rid.lower()]

    def fail(
        self,
        fragment: str,
        status: int,
        *,
        times: int | None = 1,
        retry_after: str | None = None,
        code: str = "",
    ) -> Fault:
        fault = Fault(fragment.lower(), status, times, retry_after, code)
        with self.lock:
            self.faults.append(fault)
        return fault

    def listed(self, fragment: str) -> list[Request]:
        """The GETs whose path contains ``fragment`` (case-insensitive), in order."""
        with self.lock:
            return [r for r in self.requests if fragment.lower() in r.path.lower()]

    # --- answering --------------------------------------------------------------------------

    def collections_of(self, rid: str) -> list[str]:
        """The list paths an id is listed under: subscription-wide and per resource group
        for a top-level resource, ``parent/childType`` for a child."""
        parts = rid.strip("/").split("/")
        low = [p.lower() for p in parts]
        found = list(self.extra_collections.get(rid.lower(), []))
        if len(parts) == 4 and low[2] == "resourcegroups":
            found.append(f"/subscriptions/{low[1]}/resourcegroups")
        elif len(parts) >= 8 and low[4] == "providers":
            if len(parts) == 8:
                found.append(f"/subscriptions/{low[1]}/providers/{low[5]}/{low[6]}")
            found.append("/" + "/".join(low[:-1]))
        return found

    def listing(self, path: str) -> list[dict[str, Any]]:
        path = path.rstrip("/").lower()
        with self.lock:
            items = [
                resource
                for rid, resource in sorted(self.resources.items())
                if path in self.collections_of(rid)
            ]
        return items

    def fault_for(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.fragment in path.lower() and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    fault.fired.set()
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        record = Request("GET", url.path, query, time.monotonic())
        with fake.lock:
            fake.requests.append(record)
        if url.path == "/msi/token":
            self._token(fake, query, record)
            return
        if self.headers.get("Authorization") != f"Bearer {fake.token}":
            self._error(record, 401, "InvalidAuthenticationToken", "The access token is invalid.")
            return
        if "api-version" not in query:
            self._error(record, 400, "MissingApiVersionParameter", "api-version is required")
            return
        fault = fake.fault_for(f"{url.path}?{url.query}")
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            code = fault.code or {
                401: "InvalidAuthenticationToken",
                403: "AuthorizationFailed",
                429: "TooManyRequests",
            }.get(fault.status, "InternalServerError")
            self._error(record, fault.status, code, f"fake fault on {url.path}", headers)
            return
        if url.path.rstrip("/") == "/subscriptions":
            items = [
                {
                    "id": f"/subscriptions/{sub}",
                    "subscriptionId": sub,
                    "tenantId": TENANT,
                    "displayName": f"driftmgr tests {sub[-4:]}",
                    "state": state,
                }
                for sub, state in {fake.subscription: "Enabled", **fake.other_subscriptions}.items()
            ]
        elif url.path.rstrip("/").count("/") == 2 and url.path.startswith("/subscriptions/"):
            sub = url.path.rstrip("/").rsplit("/", 1)[-1]
            known = {fake.subscription: "Enabled", **fake.other_subscriptions}
            if sub not in known:
                self._error(record, 404, "SubscriptionNotFound", f"{sub} could not be found.")
                return
            self._json(
                record,
                200,
                {"id": url.path, "subscriptionId": sub, "tenantId": TENANT, "state": known[sub]},
            )
            return
        else:
            rid = url.path.rstrip("/").lower()
            if rid in fake.resources:
                self._json(record, 200, fake.resources[rid])
                return
            items = fake.listing(url.path)
        skip = int(query.get("$skiptoken", ["0"])[0])
        page = items[skip : skip + fake.page_size]
        body: dict[str, Any] = {"value": page}
        if skip + fake.page_size < len(items):
            rest = {k: v[0] for k, v in query.items() if k != "$skiptoken"}
            rest["$skiptoken"] = str(skip + fake.page_size)
            body["nextLink"] = f"{fake.base_url}{url.path}?{urlencode(rest)}"
        self._json(record, 200, body)

    def _token(self, fake: FakeAzure, query: dict[str, list[str]], record: Request) -> None:
        if self.headers.get("X-IDENTITY-HEADER") != fake.identity_secret:
            self._json(record, 401, {"error": "unauthorized", "error_description": "bad header"})
            return
        self._json(
            record,
            200,
            {
                "access_token": fake.token,
                "expires_on": str(int(time.time()) + 3600),
                "resource": query.get("resource", [""])[0],
                "token_type": "Bearer",
                "client_id": "fake-client",
            },
        )

    def _error(
        self,
        record: Request,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._json(record, status, {"error": {"code": code, "message": message}}, headers)

    def _json(
        self,
        record: Request,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        record.status = status
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", secrets.token_hex(8))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeAzure


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed CA certificate for 127.0.0.1 (its own trust anchor) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "driftmgr fake ARM")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "ca.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class RunningAzure:
    fake: FakeAzure
    url: str
    ca_bundle: Path

    def env(self) -> dict[str, str]:
        """The environment a process needs to reach this server through the SDK."""
        return {
            "DRIFTMGR_AZURE_RESOURCE_MANAGER_URL": self.url,
            "AZURE_SUBSCRIPTION_ID": self.fake.subscription,
            "IDENTITY_ENDPOINT": f"{self.url}/msi/token",
            "IDENTITY_HEADER": self.fake.identity_secret,
            "REQUESTS_CA_BUNDLE": str(self.ca_bundle),
        }


def serve(fake: FakeAzure | None = None) -> Iterator[RunningAzure]:
    """Run a fake ARM on a free port until the generator is closed (a fixture body)."""
    fake = fake or FakeAzure()
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = _certificate(Path(tmp))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server = _Server(("127.0.0.1", 0), _Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.fake = fake
        fake.base_url = f"https://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield RunningAzure(fake, fake.base_url, cert)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


# --- resources in ARM's JSON shapes (from the REST API reference examples) ------------------


def rg_id(sub: str, rg: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def arm_id(sub: str, rg: str, kind: str, name: str) -> str:
    return f"{rg_id(sub, rg)}/providers/{kind}/{name}"


def resource_group(sub: str, name: str, location: str, tags: dict[str, str]) -> dict[str, Any]:
    return {
        "id": rg_id(sub, name),
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": location,
        "tags": tags,
        "properties": {"provisioningState": "Succeeded"},
    }


def _res(
    sub: str,
    rg: str,
    resource_type: str,
    name: str,
    location: str,
    properties: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": arm_id(sub, rg, resource_type, name),
        "name": name,
        "type": resource_type,
        "location": location,
        "tags": extra.pop("tags", {}),
        **extra,
        "properties": {"provisioningState": "Succeeded", **properties},
    }


def virtual_network(
    sub: str, rg: str, name: str, location: str, space: str, subnets: dict[str, str], **extra: Any
) -> dict[str, Any]:
    """A network with its subnets embedded, ARM's way (name → prefix)."""
    vnet = _res(
        sub,
        rg,
        "Microsoft.Network/virtualNetworks",
        name,
        location,
        {"addressSpace": {"addressPrefixes": [space]}, "dhcpOptions": {"dnsServers": []}},
        **extra,
    )
    vnet["properties"]["subnets"] = [
        {
            "id": f"{vnet['id']}/subnets/{subnet}",
            "name": subnet,
            "type": "Microsoft.Network/virtualNetworks/subnets",
            "properties": {
                "addressPrefix": prefix,
                "privateEndpointNetworkPolicies": "Disabled",
                "privateLinkServiceNetworkPolicies": "Enabled",
                "provisioningState": "Succeeded",
            },
        }
        for subnet, prefix in subnets.items()
    ]
    return vnet


def security_group(
    sub: str, rg: str, name: str, location: str, rules: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    group = _res(sub, rg, "Microsoft.Network/networkSecurityGroups", name, location, {}, **extra)
    group["properties"]["securityRules"] = [
        {
            "id": f"{group['id']}/securityRules/{rule['name']}",
            "name": rule["name"],
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "properties": {k: v for k, v in rule.items() if k != "name"},
        }
        for rule in rules
    ]
    return group


def public_ip(sub: str, rg: str, name: str, location: str, **extra: Any) -> dict[str, Any]:
    return _res(
        sub,
        rg,
        "Microsoft.Network/publicIPAddresses",
        name,
        location,
        {
            "publicIPAllocationMethod": "Static",
            "publicIPAddressVersion": "IPv4",
            "idleTimeoutInMinutes": 4,
            "ipAddress": "20.1.2.3",
        },
        sku={"name": "Standard", "tier": "Regional"},
        **extra,
    )


def network_interface(
    sub: str, rg: str, name: str, location: str, subnet_id: str, ip: str, **extra: Any
) -> dict[str, Any]:
    return _res(
        sub,
        rg,
        "Microsoft.Network/networkInterfaces",
        name,
        location,
        {
            "ipConfigurations": [
                {
                    "id": f"{arm_id(sub, rg, 'Microsoft.Network/networkInterfaces', name)}"
                    "/ipConfigurations/internal",
                    "name": "internal",
                    "properties": {
                        "subnet": {"id": subnet_id},
                        "privateIPAllocationMethod": "Static",
                        "privateIPAddress": ip,
                        "privateIPAddressVersion": "IPv4",
                        "primary": True,
                    },
                }
            ],
            "enableAcceleratedNetworking": False,
            "enableIPForwarding": False,
            "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
            "macAddress": "00-0D-3A-00-00-01",
        },
        **extra,
    )


def virtual_machine(
    sub: str,
    rg: str,
    name: str,
    location: str,
    nic_id: str,
    *,
    size: str = "Standard_B2s",
    windows: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    os_profile: dict[str, Any] = {
        "computerName": name,
        "adminUsername": "azureuser",
        "allowExtensionOperations": True,
    }
    if windows:
        os_profile["windowsConfiguration"] = {
            "enableAutomaticUpdates": True,
            "provisionVMAgent": True,
            "timeZone": "UTC",
            "patchSettings": {"patchMode": "AutomaticByOS"},
        }
        image = {
            "publisher": "MicrosoftWindowsServer",
            "offer": "WindowsServer",
            "sku": "2022-datacenter",
            "version": "latest",
        }
    else:
        os_profile["linuxConfiguration"] = {
            "disablePasswordAuthentication": True,
            "provisionVMAgent": True,
            "ssh": {
                "publicKeys": [
                    {
                        "path": "/home/azureuser/.ssh/authorized_keys",
                        "keyData": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKey driftmgr",
                    }
                ]
            },
        }
        image = {
            "publisher": "Canonical",
            "offer": "ubuntu-24_04-lts",
            "sku": "server",
            "version": "latest",
        }
    return _res(
        sub,
        rg,
        "Microsoft.Compute/virtualMachines",
        name,
        location,
        {
            "vmId": secrets.token_hex(16),
            "hardwareProfile": {"vmSize": size},
            "osProfile": os_profile,
            "storageProfile": {
                "imageReference": image,
                "osDisk": {
                    "name": f"{name}-osdisk",
                    "osType": "Windows" if windows else "Linux",
                    "caching": "ReadWrite",
                    "createOption": "FromImage",
                    "diskSizeGB": 30,
                    "managedDisk": {"storageAccountType": "Standard_LRS"},
                },
            },
            "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
        },
        **extra,
    )


def managed_disk(
    sub: str, rg: str, name: str, location: str, size: int, **extra: Any
) -> dict[str, Any]:
    return _res(
        sub,
        rg,
        "Microsoft.Compute/disks",
        name,
        location,
        {
            "creationData": {"createOption": "Empty"},
            "diskSizeGB": size,
            "networkAccessPolicy": "AllowAll",
            "publicNetworkAccess": "Enabled",
            "diskState": "Unattached",
        },
        sku={"name": "Standard_LRS", "tier": "Standard"},
        **extra,
    )


def storage_account(sub: str, rg: str, name: str, location: str, **extra: Any) -> dict[str, Any]:
    return _res(
        sub,
        rg,
        "Microsoft.Storage/storageAccounts",
        name,
        location,
        {
            "accessTier": "Hot",
            "supportsHttpsTrafficOnly": True,
            "minimumTlsVersion": "TLS1_2",
            "allowBlobPublicAccess": False,
            "allowSharedKeyAccess": True,
            "publicNetworkAccess": "Enabled",
            "isHnsEnabled": False,
            "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/"},
        },
        kind="StorageV2",
        sku={"name": "Standard_LRS", "tier": "Standard"},
        **extra,
    )


def container(account_id: str, name: str, access: str = "None") -> dict[str, Any]:
    return {
        "id": f"{account_id}/blobServices/default/containers/{name}",
        "name": name,
        "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
        "etag": '"0x8D"',
        "properties": {"publicAccess": access, "metadata": {}, "hasLegalHold": False},
    }


def key_vault(sub: str, rg: str, name: str, location: str, **extra: Any) -> dict[str, Any]:
    return _res(
        sub,
        rg,
        "Microsoft.KeyVault/vaults",
        name,
        location,
        {
            "tenantId": TENANT,
            "sku": {"family": "A", "name": "standard"},
            "accessPolicies": [],
            "enabledForDeployment": False,
            "enabledForDiskEncryption": False,
            "enabledForTemplateDeployment": False,
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": 90,
            "enableRbacAuthorization": True,
            "publicNetworkAccess": "Enabled",
            "vaultUri": f"https://{name}.vault.azure.net/",
        },
        **extra,
    )


def dns_zone(sub: str, rg: str, name: str, **extra: Any) -> dict[str, Any]:
    zone = _res(
        sub,
        rg,
        "Microsoft.Network/dnszones",
        name,
        "global",
        {"numberOfRecordSets": 2, "nameServers": ["ns1-01.azure-dns.com."], "zoneType": "Public"},
        **extra,
    )
    zone["etag"] = "00000002-0000-0000-0000-000000000000"
    return zone


def record_set(zone_id: str, kind: str, name: str, ttl: int, **properties: Any) -> dict[str, Any]:
    """A record set as ARM lists it: ``dnszones`` in lower case, whatever Terraform wrote."""
    zone_name = zone_id.rsplit("/", 1)[-1]
    rid = f"{zone_id}/{kind}/{name}".replace("/dnsZones/", "/dnszones/")
    return {
        "id": rid,
        "name": name,
        "type": f"Microsoft.Network/dnszones/{kind}",
        "etag": secrets.token_hex(8),
        "properties": {
            "metadata": properties.pop("metadata", {}),
            "TTL": ttl,
            "fqdn": f"{name}.{zone_name}.",
            "provisioningState": "Succeeded",
            **properties,
        },
    }


def service_plan(sub: str, rg: str, name: str, location: str, **extra: Any) -> dict[str, Any]:
    return _res(
        sub,
        rg,
        "Microsoft.Web/serverfarms",
        name,
        location,
        {
            "reserved": True,
            "perSiteScaling": False,
            "zoneRedundant": False,
            "maximumElasticWorkerCount": 1,
        },
        kind="linux",
        sku={"name": "P1v3", "tier": "PremiumV3", "capacity": 1},
        **extra,
    )


def web_app(
    sub: str, rg: str, name: str, location: str, plan_id: str, **extra: Any
) -> dict[str, Any]:
    return _res(
        sub,
        rg,
        "Microsoft.Web/sites",
        name,
        location,
        {
            "serverFarmId": plan_id,
            "httpsOnly": True,
            "enabled": True,
            "clientAffinityEnabled": False,
            "clientCertEnabled": False,
            "clientCertMode": "Required",
            "publicNetworkAccess": "Enabled",
            "defaultHostName": f"{name}.azurewebsites.net",
            "state": "Running",
        },
        kind="app,linux",
        **extra,
    )


def put_record(fake: FakeAzure, record: dict[str, Any]) -> str:
    """Store a record set so that its zone's ``recordsets`` listing has it."""
    zone = record["id"].rsplit("/", 2)[0]
    return fake.put(record, also_listed_under=(f"{zone}/recordsets",))


@dataclass
class AppWorld:
    """The ids of :func:`app_world`'s objects that tests change out of band."""

    vnet: str
    ssh_rule_group: str
    vm_web: str
    account: str
    vault: str
    zone: str


def app_world(fake: FakeAzure, location: str = "westeurope") -> AppWorld:
    """The cloud ``tests/data/azure/terraform.tfstate`` describes, in sync with it: one
    resource group of a small web application (network, VMs, storage, vault, DNS, App
    Service)."""
    sub, rg = fake.subscription, "rg-app"
    fake.put(resource_group(sub, rg, location, {"env": "prod"}))
    vnet = virtual_network(
        sub,
        rg,
        "vnet-app",
        location,
        "10.0.0.0/16",
        {"snet-data": "10.0.2.0/24", "snet-web": "10.0.1.0/24"},
        tags={"Owner": "platform"},
    )
    vnet["properties"]["subnets"][0]["properties"]["serviceEndpoints"] = [
        {"service": "Microsoft.Storage", "locations": [location]}
    ]
    vnet_id = fake.put(vnet)
    rule = {
        "protocol": "Tcp",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "access": "Allow",
        "direction": "Inbound",
    }
    nsg = fake.put(
        security_group(
            sub,
            rg,
            "nsg-web",
            location,
            [
                {
                    "name": "allow-ssh",
                    "priority": 100,
                    "destinationPortRange": "22",
                    "sourceAddressPrefix": "10.0.0.0/8",
                    **rule,
                },
                {
                    "name": "allow-https",
                    "priority": 110,
                    "destinationPortRange": "443",
                    "sourceAddressPrefix": "*",
                    **rule,
                },
            ],
        )
    )
    pip = fake.put(public_ip(sub, rg, "pip-web", location))
    web_subnet = f"{vnet_id}/subnets/snet-web"
    nic_web = network_interface(sub, rg, "nic-web", location, web_subnet, "10.0.1.4")
    nic_web["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] = {"id": pip}
    nic_web_id = fake.put(nic_web)
    nic_jump = fake.put(network_interface(sub, rg, "nic-jump", location, web_subnet, "10.0.1.5"))
    vm_web = fake.put(
        virtual_machine(sub, rg, "vm-web", location, nic_web_id, tags={"role": "vm-web"})
    )
    fake.put(
        virtual_machine(
            sub,
            rg,
            "vm-jump",
            location,
            nic_jump,
            size="Standard_B2ms",
            windows=True,
            tags={"role": "vm-jump"},
        )
    )
    fake.put(managed_disk(sub, rg, "disk-data", location, 64, tags={"data": "app"}))
    account = fake.put(storage_account(sub, rg, "stappdata01", location, tags={"data": "app"}))
    fake.put(container(account, "assets"))
    vault = fake.put(key_vault(sub, rg, "kv-app-01", location))
    zone = fake.put(dns_zone(sub, rg, "example.com"))
    put_record(fake, record_set(zone, "A", "www", 300, ARecords=[{"ipv4Address": "20.1.2.3"}]))
    put_record(
        fake,
        record_set(
            zone, "CNAME", "api", 3600, CNAMERecord={"cname": "app-web-01.azurewebsites.net"}
        ),
    )
    put_record(
        fake, record_set(zone, "NS", "@", 172800, NSRecords=[{"nsdname": "ns1-01.azure-dns.com."}])
    )
    plan = fake.put(service_plan(sub, rg, "plan-app", location))
    fake.put(web_app(sub, rg, "app-web-01", location, plan))
    return AppWorld(vnet_id, nsg, vm_web, account, vault, zone)
