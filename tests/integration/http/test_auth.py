"""Who may call which route, and from where: the server's auth mode over a real SQLite store.

Every operation of the OpenAPI document is walked with no token and with each role; the
permission a route needs is read from the app itself, so a new route is covered the day
it is added, and a route that declares no permission cannot even be built.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar import Litestar, get
from litestar.routes import HTTPRoute, WebSocketRoute
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.tokens import CreateToken, RevokeToken, create_token, revoke_token
from driftmgr.domain.base import Cause
from driftmgr.http.app import create_app
from driftmgr.http.auth import AuthConfig, ServerAuth, serve_hosts
from driftmgr.http.oidc import OidcVerifier
from driftmgr.settings import Settings

STATE = (
    Path(__file__).parents[2] / "data" / "terraform" / "states" / "default.tfstate"
).read_text()
ROLES = ("viewer", "operator", "approver", "auditor", "admin")
PUBLIC_PATHS = {"/healthz", "/readyz"}
#: What each role may do, as the issue states it; the test does not import the product's map.
ALLOWED = {
    "viewer": {"read"},
    "operator": {"read", "command"},
    "approver": {"read", "approve"},
    "auditor": {"read", "audit"},
    "admin": {"read", "command", "approve", "audit", "admin"},
}
ISSUER, AUDIENCE = "https://idp.test/realms/ops", "driftmgr-api"


@pytest.fixture
def services(sqlite_settings: Settings) -> Iterator[Services]:
    services = bootstrap(sqlite_settings)
    yield services
    services.close()


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    """One active token per role, named after it, already projected."""
    secrets, position = {}, 0
    for role in ROLES:
        issued = create_token(
            services.backend, CreateToken(name=role, role=role), Cause(actor="tester")
        )
        secrets[role], position = issued.token, issued.position
    services.projections.wait(position)  # projects itself, or waits for the app's runner
    return secrets


def serve(services: Services, auth: AuthConfig, **kwargs: Any) -> TestClient[Any]:
    return TestClient(
        create_app(services, auth=auth, **kwargs),
        raise_server_exceptions=False,
        base_url="http://127.0.0.1:8000",
    )


@pytest.fixture
def client(services: Services, tokens: dict[str, str]) -> Iterator[TestClient[Any]]:
    with serve(services, ServerAuth()) as client:
        yield client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


JSON = {"Content-Type": "application/json"}


def declared_permissions(app: Litestar) -> dict[tuple[str, str], str]:
    """(METHOD, OpenAPI path) → the permission the handler declares."""
    found = {}
    for route in app.routes:
        if isinstance(route, WebSocketRoute):  # not in OpenAPI: test_event_streams.py
            continue
        assert isinstance(route, HTTPRoute)
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for handler in route.route_handlers:
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                found[(method, path)] = handler.opt["permission"]
    return found


def operations(client: TestClient[Any], admin: str) -> list[tuple[str, str, str]]:
    """Every operation the OpenAPI document lists, as (method, path, permission)."""
    document = client.get("/schema/openapi.json", headers=bearer(admin))
    assert document.status_code == 200, document.text
    declared = declared_permissions(client.app)
    found = []
    for path, item in document.json()["paths"].items():
        for method in item:
            if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                found.append((method.upper(), path, declared[(method.upper(), path)]))
    # The OpenAPI document and the dashboard's page and assets (public, no data) are not API.
    schema_routes = {k for k in declared if k[1].startswith(("/schema", "/assets")) or k[1] == "/"}
    assert {(m, p) for m, p, _ in found} == set(declared) - schema_routes, (
        "a route is missing from the OpenAPI document, so this walk would not cover it"
    )
    return found


def call(client: TestClient[Any], method: str, path: str, **headers: str) -> Any:
    concrete = re.sub(r"\{\w+\}", str(uuid4()), path)
    if method == "GET":
        # A live stream would never end: only what the log holds now.
        live = {"follow": "false"} if concrete == "/api/v1/events" else None
        return client.get(concrete, headers=headers, params=live)
    return client.request(method, concrete, content=b"{}", headers={**JSON, **headers})


def test_without_a_token_every_route_but_health_answers_401(
    client: TestClient[Any], tokens: dict[str, str], services: Services
) -> None:
    ops = operations(client, tokens["admin"])
    assert {m for m, _, _ in ops} == {"GET", "POST"}
    for method, path, permission in ops:
        response = call(client, method, path)
        if path in PUBLIC_PATHS:
            assert permission == "public"
            assert response.status_code == 200, (method, path, response.text)
            continue
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")
    for path in ("/schema/openapi.json", "/schema"):
        assert client.get(path).status_code == 401, path
    garbage = client.get("/api/v1/states", headers=bearer("dmt_" + "x" * 43))
    assert garbage.status_code == 401
    assert 'error="invalid_token"' in garbage.headers["www-authenticate"]
    assert client.get("/api/v1/states", headers={"Authorization": "Basic eDp5"}).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_its_permissions_allow(
    client: TestClient[Any], tokens: dict[str, str], services: Services, role: str
) -> None:
    before = services.backend.app.position()
    for method, path, permission in operations(client, tokens["admin"]):
        response = call(client, method, path, **bearer(tokens[role]))
        if permission == "public" or permission in ALLOWED[role]:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.json()["detail"].startswith(f"token:{role} may not")
    # Bodies of `{}` are malformed commands: whatever was let through recorded nothing.
    assert services.backend.app.position() == before


def test_a_command_needs_json_and_records_nothing_otherwise(
    client: TestClient[Any], tokens: dict[str, str], services: Services
) -> None:
    body = json.dumps({"source": "tfstate:///srv/csrf.tfstate", "content": STATE}).encode()
    operator = bearer(tokens["operator"])
    before = services.backend.app.position()
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
    ):
        refused = client.post(
            "/api/v1/states", content=body, headers={**operator, "Content-Type": content_type}
        )
        assert refused.status_code == 415, (content_type, refused.text)
    missing = client.post("/api/v1/states", content=body, headers=operator)
    assert missing.status_code == 415
    run = uuid4()
    cancel = client.post(f"/api/v1/drift-runs/{run}/cancel", headers=operator)
    assert cancel.status_code == 415  # even without a body
    assert services.backend.app.position() == before

    accepted = client.post(
        "/api/v1/states",
        content=body,
        headers={**operator, "Content-Type": "application/json; charset=utf-8"},
    )
    assert accepted.status_code == 202, accepted.text
    assert services.backend.app.position() > before


def test_a_cross_origin_command_is_refused_unless_the_origin_is_configured(
    services: Services, tokens: dict[str, str]
) -> None:
    body = {"source": "tfstate:///srv/cors.tfstate", "content": STATE}
    operator = bearer(tokens["operator"])
    with serve(services, ServerAuth(cors_origins=("https://ui.example",))) as client:
        before = services.backend.app.position()
        evil = client.post(
            "/api/v1/states", json=body, headers={**operator, "Origin": "http://evil.example"}
        )
        assert evil.status_code == 403 and "cross-origin" in evil.json()["detail"]
        assert services.backend.app.position() == before
        preflight = client.options(
            "/api/v1/states",
            headers={
                "Origin": "http://evil.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert "access-control-allow-origin" not in preflight.headers
        assert preflight.status_code >= 400

        allowed = client.options(
            "/api/v1/states",
            headers={
                "Origin": "https://ui.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == "https://ui.example"
        from_ui = client.post(
            "/api/v1/states", json=body, headers={**operator, "Origin": "https://ui.example"}
        )
        assert from_ui.status_code == 202, from_ui.text
        assert from_ui.headers["access-control-allow-origin"] == "https://ui.example"
        same_origin = client.post(
            "/api/v1/states", json=body, headers={**operator, "Origin": "http://127.0.0.1:8000"}
        )
        assert same_origin.status_code == 202, same_origin.text

    with serve(services, ServerAuth()) as client:  # no CORS configured: no origin is
        response = client.get(
            "/api/v1/states", headers={**operator, "Origin": "https://ui.example"}
        )
        assert "access-control-allow-origin" not in response.headers


def test_the_actor_is_the_token_never_a_header(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    body = {"source": "tfstate:///srv/actor.tfstate", "content": STATE}
    accepted = client.post(
        "/api/v1/states",
        json=body,
        headers={**bearer(tokens["operator"]), "X-Driftmgr-Actor": "mallory"},
    )
    assert accepted.status_code == 202, accepted.text
    view = client.get(
        f"/api/v1/states/{accepted.json()['id']}",
        params={"min_position": accepted.json()["position"]},
        headers=bearer(tokens["viewer"]),
    ).json()
    assert view["summary"]["imported_by"] == "token:operator"
    assert [v["imported_by"] for v in view["versions"]] == ["token:operator"]


def test_a_revoked_token_is_refused_as_soon_as_revocation_returns(
    client: TestClient[Any], tokens: dict[str, str], services: Services
) -> None:
    viewer = bearer(tokens["viewer"])
    assert client.get("/api/v1/states", headers=viewer).status_code == 200
    revoked = revoke_token(
        services.backend, RevokeToken(token="viewer", reason="left"), Cause(actor="tester")
    )
    services.projections.wait(revoked.position)
    refused = client.get("/api/v1/states", headers=viewer)
    assert refused.status_code == 401 and "unknown or revoked" in refused.json()["detail"]
    assert client.get("/api/v1/states", headers=bearer(tokens["operator"])).status_code == 200


def test_admins_manage_tokens_over_http_and_secrets_never_come_back(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    created = client.post("/api/v1/tokens", json={"name": "ci", "role": "operator"}, headers=admin)
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    assert secret.startswith("dmt_") and len(secret) > 40
    # Usable at once: the answer waited for the read models.
    assert client.get("/api/v1/states", headers=bearer(secret)).status_code == 200

    twice = client.post("/api/v1/tokens", json={"name": "ci", "role": "viewer"}, headers=admin)
    assert twice.status_code == 409 and "already named 'ci'" in twice.json()["detail"]
    bad_role = client.post("/api/v1/tokens", json={"name": "x", "role": "root"}, headers=admin)
    assert bad_role.status_code == 400

    listed = client.get("/api/v1/tokens", headers=admin)
    assert listed.status_code == 200
    assert secret not in listed.text and secret[-4:] == next(
        t["hint"] for t in listed.json() if t["name"] == "ci"
    )
    assert {t["name"] for t in listed.json()} == {*ROLES, "ci"}

    token_id = created.json()["id"]
    revoked = client.post(f"/api/v1/tokens/{token_id}/revoke", json={}, headers=admin)
    assert revoked.status_code == 202, revoked.text
    assert client.get("/api/v1/states", headers=bearer(secret)).status_code == 401
    again = client.post(f"/api/v1/tokens/{token_id}/revoke", json={}, headers=admin)
    assert again.status_code == 409
    reissued = client.post("/api/v1/tokens", json={"name": "ci", "role": "viewer"}, headers=admin)
    assert reissued.status_code == 201  # the name is free again once revoked


def test_an_app_with_a_route_that_declares_no_permission_cannot_be_built(
    services: Services,
) -> None:
    @get("/extra", sync_to_thread=False)
    def undeclared() -> str:
        return "?"

    @get("/extra", permission="raed", sync_to_thread=False)
    def misspelt() -> str:
        return "?"

    @get("/extra", permission="read", sync_to_thread=False)
    def declared() -> str:
        return "ok"

    for handler in (undeclared, misspelt):
        with pytest.raises(TypeError, match="/extra"):
            create_app(services, auth=ServerAuth(), extra_routes=[handler])
    create_app(services, auth=ServerAuth(), extra_routes=[declared])


def test_only_the_hosts_the_server_answers_to_are_served(
    services: Services, tokens: dict[str, str]
) -> None:
    settings = Settings(data_dir=services.settings.data_dir, serve_hosts=("drift.example.com",))
    auth = ServerAuth(allowed_hosts=serve_hosts(settings, host="127.0.0.1", port=8000))
    viewer = bearer(tokens["viewer"])
    with serve(services, auth) as client:
        for host in (
            "127.0.0.1:8000",
            "localhost:8000",
            "drift.example.com",
            "drift.example.com:443",
        ):
            response = client.get("/api/v1/states", headers={**viewer, "Host": host})
            assert response.status_code == 200, (host, response.text)
        for host in ("evil.example", "localhost:9999", "127.0.0.1", "drift.example.com.evil"):
            refused = client.get("/healthz", headers={"Host": host})
            assert refused.status_code == 400, (host, refused.text)
            assert "DRIFTMGR_SERVE_HOSTS" in refused.json()["detail"]


def test_readiness_says_whether_the_store_answers(services: Services) -> None:
    with serve(services, ServerAuth()) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        services.projections.last_error = "OperationalError: disk I/O error"
        assert client.get("/readyz").status_code == 503
        services.projections.last_error = None
        services.backend.app.close()  # the store no longer answers
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503, not_ready.text


# --- OIDC ----------------------------------------------------------------------------------


class Idp:
    """An identity provider's signing key, published as a JWKS file."""

    def __init__(self, path: Path, kid: str = "k1") -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        path.write_text(json.dumps({"keys": [{**jwk, "kid": kid, "alg": "RS256", "use": "sig"}]}))
        self.jwks = path

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "u-123",
            "email": "alice@example.com",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "driftmgr_role": "operator",
            **overrides,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


@pytest.fixture
def idp(tmp_path: Path) -> Idp:
    return Idp(tmp_path / "jwks.json")


@pytest.fixture
def oidc_client(services: Services, idp: Idp) -> Iterator[TestClient[Any]]:
    verifier = OidcVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=str(idp.jwks))
    with serve(services, ServerAuth(oidc=verifier)) as client:
        yield client


def import_as(client: TestClient[Any], token: str, name: str) -> Any:
    body = {"source": f"tfstate:///srv/{name}.tfstate", "content": STATE}
    return client.post(
        "/api/v1/states", json=body, headers={**bearer(token), "X-Driftmgr-Actor": "mallory"}
    )


def test_a_valid_oidc_token_acts_as_its_actor_claim_with_its_role(
    oidc_client: TestClient[Any], idp: Idp
) -> None:
    accepted = import_as(oidc_client, idp.token(), "oidc")
    assert accepted.status_code == 202, accepted.text
    view = oidc_client.get(
        f"/api/v1/states/{accepted.json()['id']}",
        params={"min_position": accepted.json()["position"]},
        headers=bearer(idp.token(driftmgr_role="viewer")),
    )
    assert view.status_code == 200, view.text
    assert view.json()["summary"]["imported_by"] == "alice@example.com"

    no_email = import_as(
        oidc_client, idp.token(email=None, driftmgr_role=["viewer", "operator"]), "sub"
    )
    assert no_email.status_code == 202, no_email.text
    by_sub = oidc_client.get(
        f"/api/v1/states/{no_email.json()['id']}",
        params={"min_position": no_email.json()["position"]},
        headers=bearer(idp.token(driftmgr_role="viewer")),
    )
    assert by_sub.json()["summary"]["imported_by"] == "u-123"


@pytest.mark.parametrize(
    ("role_claim", "status"),
    [
        ("viewer", 403),
        (["viewer", "approver"], 403),
        (None, 403),
        ("superuser", 403),
        ("admin", 202),
    ],
)
def test_an_oidc_token_may_only_do_what_its_roles_allow(
    oidc_client: TestClient[Any], idp: Idp, role_claim: Any, status: int
) -> None:
    response = import_as(oidc_client, idp.token(driftmgr_role=role_claim), f"r{uuid4().hex}")
    assert response.status_code == status, response.text


def tampered(token: str) -> str:
    """The token with one character of its signature changed."""
    head, payload, signature = token.split(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return ".".join([head, payload, signature[:middle] + swapped + signature[middle + 1 :]])


def tampered_claims(token: str) -> str:
    """The token with its role raised to admin, the signature left as it was."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raised = json.dumps({**claims, "driftmgr_role": "admin"}).encode()
    return ".".join([head, base64.urlsafe_b64encode(raised).decode().rstrip("="), signature])


def other_key_token(tmp_path: Path, **claims: Any) -> str:
    """A token signed by a key the issuer does not publish, under the issuer's key id."""
    return Idp(tmp_path / "other.json").token(**claims)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda idp, tmp: idp.token(aud="another-api"), id="wrong audience"),
        pytest.param(lambda idp, tmp: idp.token(iss="https://evil.example"), id="wrong issuer"),
        pytest.param(
            lambda idp, tmp: idp.token(exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
            id="expired",
        ),
        pytest.param(lambda idp, tmp: idp.token(nbf=int(time.time()) + 3600), id="not yet valid"),
        pytest.param(lambda idp, tmp: idp.token(exp=None), id="no expiry"),
        pytest.param(lambda idp, tmp: other_key_token(tmp), id="bad signature"),
        pytest.param(lambda idp, tmp: tampered(idp.token()), id="tampered signature"),
        pytest.param(lambda idp, tmp: tampered_claims(idp.token()), id="tampered claims"),
        pytest.param(
            lambda idp, tmp: jwt.encode(
                {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60},
                "a shared secret of at least thirty-two bytes",
                algorithm="HS256",
                headers={"kid": idp.kid},
            ),
            id="symmetric algorithm",
        ),
        pytest.param(
            lambda idp, tmp: jwt.encode(
                {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60},
                None,
                algorithm="none",
            ),
            id="unsigned",
        ),
        pytest.param(lambda idp, tmp: "not.a.jwt", id="garbage"),
    ],
)
def test_a_forged_or_foreign_oidc_token_is_refused(
    oidc_client: TestClient[Any],
    idp: Idp,
    tmp_path: Path,
    forge: Callable[[Idp, Path], str],
) -> None:
    response = oidc_client.get("/api/v1/states", headers=bearer(forge(idp, tmp_path)))
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    # The genuine article passes, so the refusal above is about the forgery.
    assert oidc_client.get("/api/v1/states", headers=bearer(idp.token())).status_code == 200


def test_api_tokens_still_work_beside_oidc(
    oidc_client: TestClient[Any], tokens: dict[str, str]
) -> None:
    assert oidc_client.get("/api/v1/states", headers=bearer(tokens["viewer"])).status_code == 200
