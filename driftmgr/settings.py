"""Configuration, read once from ``DRIFTMGR_*`` environment variables.

Where events live is decided here and nowhere else: an SQLite file under the data directory
by default, PostgreSQL when ``DRIFTMGR_DATABASE_URL`` says ``postgresql://…``.
"""

from __future__ import annotations

import getpass
import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict
from urllib.parse import unquote, urlsplit

import msgspec

if TYPE_CHECKING:
    from driftmgr.notifications.config import SinkConfig

__all__ = [
    "DEFAULT_FETCH_DEADLINE",
    "DEFAULT_MAX_STATE_BYTES",
    "ConfigurationError",
    "PostgresParams",
    "Settings",
    "fetch_deadline_from",
    "max_state_bytes_from",
]

DEFAULT_MAX_STATE_BYTES = 256 * 1024 * 1024
DEFAULT_FETCH_DEADLINE = 300.0


class ConfigurationError(ValueError):
    """A setting is malformed; the message names the variable."""


class PostgresParams(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int
    user: str
    password: str
    dbname: str


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path = Path(".driftmgr")
    """``DRIFTMGR_DATA_DIR``: where the embedded SQLite files live."""
    database_url: str | None = None
    """``DRIFTMGR_DATABASE_URL``: ``postgresql://user:password@host:port/dbname``."""
    cipher_key: str | None = None
    """``DRIFTMGR_CIPHER_KEY``: base64 AES key (16/24/32 bytes) of the store. Stores are
    encrypted either way: unset, the key is ``<data_dir>/cipher.key``, created with a new
    store (``adapters/eventstore/keys.py`` resolves and checks it)."""
    audit_key: str | None = None
    """``DRIFTMGR_AUDIT_KEY``: the secret (32+ characters) the event log's checkpoints are
    signed with (ADR 0014). Unset, a key derived from the store's cipher key is used."""
    audit_checkpoint_interval: int = 1000
    """``DRIFTMGR_AUDIT_CHECKPOINT_INTERVAL``: events between two signed checkpoints."""
    actor: str = "anonymous"
    """``DRIFTMGR_ACTOR``: who the CLI says it is (defaults to user@host)."""
    oidc_issuer: str | None = None
    """``DRIFTMGR_OIDC_ISSUER``: accept OIDC bearer tokens (JWTs) whose ``iss`` is this; set
    it together with ``DRIFTMGR_OIDC_AUDIENCE`` and ``DRIFTMGR_OIDC_JWKS``."""
    oidc_audience: str | None = None
    """``DRIFTMGR_OIDC_AUDIENCE``: the ``aud`` an OIDC token must carry (this server)."""
    oidc_jwks: str | None = None
    """``DRIFTMGR_OIDC_JWKS``: the issuer's signing keys, a JWKS file path or an https URL."""
    oidc_role_claim: str = "driftmgr_role"
    """``DRIFTMGR_OIDC_ROLE_CLAIM``: the claim naming the role (a string or a list)."""
    oidc_actor_claim: str = "email"
    """``DRIFTMGR_OIDC_ACTOR_CLAIM``: the claim recorded as the actor (``sub`` if absent)."""
    serve_hosts: tuple[str, ...] = ()
    """``DRIFTMGR_SERVE_HOSTS``: comma list of further ``Host`` names ``serve`` answers to
    (``name`` or ``name:port``), besides the bound address and localhost."""
    cors_origins: tuple[str, ...] = ()
    """``DRIFTMGR_CORS_ORIGINS``: comma list of browser origins (``https://ui.example``)
    allowed to call the API; none by default."""
    state_roots: tuple[Path, ...] = ()
    """``DRIFTMGR_STATE_ROOTS``: directories (``:``- or comma-separated) under which a server
    reads local state paths, globs and discovery scans for its clients; none by default
    (clients send a state's content). The local CLI reads its user's own files regardless."""
    allowed_hosts: tuple[str, ...] = ()
    """``DRIFTMGR_ALLOWED_HOSTS``: comma list of hosts a server fetches http(s) state sources
    from (``host``, ``host:port``, ``[IPv6]:port``, ``*.domain``, ``*``); none by default. Only
    a host listed exactly may resolve to a loopback, link-local or private address."""

    job_lease_seconds: float = 30.0
    """``DRIFTMGR_JOB_LEASE_SECONDS``: how long a worker's claim on a job lasts without a
    heartbeat (renewed every third of it): a job whose worker died is retried after this
    (at once by a restart on the same host, which sees the old process gone)."""
    job_max_attempts: int = 3
    """``DRIFTMGR_JOB_MAX_ATTEMPTS``: attempts a job gets (a lost worker's included) before
    it is dead-lettered: failed for good, with the reason of its last attempt."""
    approval_severity: str = "high"
    """``DRIFTMGR_APPROVAL_SEVERITY``: a remediation plan with a finding this severe or worse
    (``low``, ``medium``, ``high``, ``critical``; ``none``: never) needs approval by someone
    other than its requester. Plans that delete anything always do."""
    snapshot_interval: int = 50
    """``DRIFTMGR_SNAPSHOT_INTERVAL``: snapshot an aggregate every this many events, so
    loading it reads one snapshot and fewer than this many events (0: never snapshot). 50
    keeps loading a 10,000-event aggregate under 5 ms (``benchmarks/aggregate_load.py``)."""
    remediation_defaults: tuple[tuple[str, str], ...] = ()
    """``DRIFTMGR_REMEDIATION_DEFAULTS``: ``modified=accept,missing=forget,…``, the strategy
    per finding kind when a plan names none."""
    max_state_bytes: int = DEFAULT_MAX_STATE_BYTES
    """``DRIFTMGR_MAX_STATE_BYTES``: the largest state read from a file or fetched from a
    store or URL (256 MiB; at least 1 MiB). A larger one is refused without being buffered."""
    fetch_deadline: float = DEFAULT_FETCH_DEADLINE
    """``DRIFTMGR_FETCH_DEADLINE``: seconds a whole http(s) state fetch may take, redirects
    and a slow body included (300; from 1 to 86400)."""
    ready_max_lag: int = 1000
    """``DRIFTMGR_READY_MAX_LAG``: events the read models may be behind the store while
    ``/readyz`` still answers ready (1000; 0: fully caught up)."""
    api_url: str | None = None
    """``DRIFTMGR_API_URL``: the server the CLI talks to (``--api-url``); unset, the CLI
    runs in-process on the embedded store."""
    log_format: str = "text"
    """``DRIFTMGR_LOG_FORMAT``: log lines for a person (``text``) or JSON (``json``)."""
    inventory_ttl: str | None = None
    """``DRIFTMGR_INVENTORY_TTL``: reuse an inventory younger than this (``90s``, ``15m``,
    ``2h``) in ``drift detect`` (``--max-inventory-age``)."""
    notifications: tuple[SinkConfig, ...] = ()
    """``DRIFTMGR_NOTIFICATIONS`` (JSON) or ``[[notifications]]`` tables: where drift found,
    drift resolved, approval waiting and run failed are sent (docs/notifications.md)."""
    analysis_inline_max_resources: int = 5000
    """``DRIFTMGR_ANALYSIS_INLINE_MAX_RESOURCES``: an imported state with more managed
    resources than this is analysed by a job (StateAnalysisRun), not during its import."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls(
            data_dir=Path(env.get("DRIFTMGR_DATA_DIR") or ".driftmgr"),
            database_url=env.get("DRIFTMGR_DATABASE_URL") or None,
            cipher_key=env.get("DRIFTMGR_CIPHER_KEY") or None,
            audit_key=_audit_key(env),
            audit_checkpoint_interval=_checkpoint_interval(env),
            actor=env.get("DRIFTMGR_ACTOR") or _default_actor(),
            state_roots=_path_list(env.get("DRIFTMGR_STATE_ROOTS") or ""),
            allowed_hosts=tuple(
                h.strip() for h in (env.get("DRIFTMGR_ALLOWED_HOSTS") or "").split(",") if h.strip()
            ),
            job_lease_seconds=_lease_seconds(env),
            job_max_attempts=_max_attempts(env),
            approval_severity=_approval_severity(env),
            snapshot_interval=_snapshot_interval(env),
            remediation_defaults=_remediation_defaults(env),
            max_state_bytes=max_state_bytes_from(env),
            fetch_deadline=fetch_deadline_from(env),
            ready_max_lag=_ready_max_lag(env),
            analysis_inline_max_resources=_analysis_inline_max_resources(env),
            api_url=env.get("DRIFTMGR_API_URL") or None,
            log_format=_log_format(env),
            inventory_ttl=env.get("DRIFTMGR_INVENTORY_TTL") or None,
            notifications=_notifications(env),
            **_access_settings(env),
        )
        if settings.database_url is not None:
            settings.postgres()  # fail early, naming the variable
        return settings

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_audience and self.oidc_jwks)

    @property
    def is_postgres(self) -> bool:
        return self.database_url is not None

    def postgres(self) -> PostgresParams:
        url = self.database_url or ""
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
            raise ConfigurationError(
                "DRIFTMGR_DATABASE_URL must look like postgresql://user:password@host:5432/dbname"
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise ConfigurationError("DRIFTMGR_DATABASE_URL has an invalid port") from None
        return PostgresParams(
            host=parts.hostname or "localhost",
            port=port,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=parts.path.strip("/"),
        )

    def sqlalchemy_url(self, *, database: str, driver: str) -> str:
        """URL of the SQL database holding ``database`` ('events' or 'views')."""
        if self.is_postgres:
            pg = self.postgres()
            from sqlalchemy.engine import URL

            return URL.create(
                "postgresql+psycopg",
                username=pg.user,
                password=pg.password or None,
                host=pg.host,
                port=pg.port,
                database=pg.dbname,
            ).render_as_string(hide_password=False)
        path = (self.data_dir / f"{database}.sqlite3").resolve()
        return f"sqlite+{driver}:///{path}"


_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?")
_ORIGIN = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?"
)


def _comma_list(
    env: Mapping[str, str], name: str, pattern: re.Pattern[str], shape: str
) -> tuple[str, ...]:
    items = [item.strip().lower() for item in (env.get(name) or "").split(",") if item.strip()]
    for item in items:
        if not pattern.fullmatch(item):
            raise ConfigurationError(f"{name}: {item!r} is not {shape}")
    return tuple(items)


class _AccessSettings(TypedDict):
    oidc_issuer: str | None
    oidc_audience: str | None
    oidc_jwks: str | None
    oidc_role_claim: str
    oidc_actor_claim: str
    serve_hosts: tuple[str, ...]
    cors_origins: tuple[str, ...]


def _access_settings(env: Mapping[str, str]) -> _AccessSettings:
    """Who may use ``serve`` and from where: OIDC, Host names and CORS origins."""
    oidc = {
        "DRIFTMGR_OIDC_ISSUER": env.get("DRIFTMGR_OIDC_ISSUER") or None,
        "DRIFTMGR_OIDC_AUDIENCE": env.get("DRIFTMGR_OIDC_AUDIENCE") or None,
        "DRIFTMGR_OIDC_JWKS": env.get("DRIFTMGR_OIDC_JWKS") or None,
    }
    given = [name for name, value in oidc.items() if value]
    if given and len(given) < len(oidc):
        missing = ", ".join(name for name, value in oidc.items() if not value)
        raise ConfigurationError(f"{missing} must be set too when {given[0]} is (OIDC)")
    jwks = oidc["DRIFTMGR_OIDC_JWKS"]
    if jwks and "://" in jwks and not jwks.startswith("https://"):
        raise ConfigurationError("DRIFTMGR_OIDC_JWKS must be a file path or an https:// URL")
    return {
        "oidc_issuer": oidc["DRIFTMGR_OIDC_ISSUER"],
        "oidc_audience": oidc["DRIFTMGR_OIDC_AUDIENCE"],
        "oidc_jwks": jwks,
        "oidc_role_claim": env.get("DRIFTMGR_OIDC_ROLE_CLAIM") or "driftmgr_role",
        "oidc_actor_claim": env.get("DRIFTMGR_OIDC_ACTOR_CLAIM") or "email",
        "serve_hosts": _comma_list(
            env, "DRIFTMGR_SERVE_HOSTS", _HOST, "a host name, optionally with :port"
        ),
        "cors_origins": _comma_list(
            env, "DRIFTMGR_CORS_ORIGINS", _ORIGIN, "an origin like https://ui.example[:port]"
        ),
    }


_SEVERITIES = ("none", "low", "medium", "high", "critical")
_KIND_STRATEGIES = {
    "modified": ("revert", "accept"),
    "missing": ("forget", "recreate"),
    "unmanaged": ("import", "quarantine", "delete"),
}


def _max_attempts(env: Mapping[str, str]) -> int:
    text = (env.get("DRIFTMGR_JOB_MAX_ATTEMPTS") or "3").strip()
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise ConfigurationError(
            f"DRIFTMGR_JOB_MAX_ATTEMPTS: {text!r} is not a whole number of attempts from 1 to 100"
        )
    return int(text)


def _lease_seconds(env: Mapping[str, str]) -> float:
    return _seconds(env, "DRIFTMGR_JOB_LEASE_SECONDS", 30.0)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A number of seconds from 1 to 86400 (a day) from ``name``, or ``default``."""
    text = env.get(name) or str(default)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 1 <= value <= 86400:  # also refuses nan and inf
        raise ConfigurationError(f"{name}: {text!r} is not a number of seconds from 1 to 86400")
    return value


def max_state_bytes_from(env: Mapping[str, str]) -> int:
    """``DRIFTMGR_MAX_STATE_BYTES`` (also read by the in-process CLI, which has no Settings)."""
    text = (env.get("DRIFTMGR_MAX_STATE_BYTES") or str(DEFAULT_MAX_STATE_BYTES)).strip()
    if not text.isdigit() or not 1 << 20 <= int(text) <= 1 << 40:
        raise ConfigurationError(
            f"DRIFTMGR_MAX_STATE_BYTES: {text!r} is not a number of bytes from 1048576 (1 MiB) "
            "to 1099511627776 (1 TiB)"
        )
    return int(text)


def fetch_deadline_from(env: Mapping[str, str]) -> float:
    return _seconds(env, "DRIFTMGR_FETCH_DEADLINE", DEFAULT_FETCH_DEADLINE)


def _ready_max_lag(env: Mapping[str, str]) -> int:
    text = (env.get("DRIFTMGR_READY_MAX_LAG") or "1000").strip()
    if not text.isdigit():
        raise ConfigurationError(
            f"DRIFTMGR_READY_MAX_LAG: {text!r} is not a whole number of events"
        )
    return int(text)


def _analysis_inline_max_resources(env: Mapping[str, str]) -> int:
    text = (env.get("DRIFTMGR_ANALYSIS_INLINE_MAX_RESOURCES") or "5000").strip()
    if not text.isdigit():
        raise ConfigurationError(
            f"DRIFTMGR_ANALYSIS_INLINE_MAX_RESOURCES: {text!r} is not a whole number of resources"
        )
    return int(text)


def _log_format(env: Mapping[str, str]) -> str:
    value = (env.get("DRIFTMGR_LOG_FORMAT") or "text").strip()
    if value not in ("text", "json"):
        raise ConfigurationError(f"DRIFTMGR_LOG_FORMAT: {value!r} is not one of text, json")
    return value


def _notifications(env: Mapping[str, str]) -> tuple[SinkConfig, ...]:
    from driftmgr.notifications.config import parse_sinks

    text = env.get("DRIFTMGR_NOTIFICATIONS") or ""
    if not text.strip():
        return ()
    try:
        data = msgspec.json.decode(text)
    except msgspec.DecodeError as e:
        raise ConfigurationError(
            f"DRIFTMGR_NOTIFICATIONS: not JSON ({e}); expected a list of sink objects"
        ) from None
    return parse_sinks(data, source="DRIFTMGR_NOTIFICATIONS", environ=env)


def _snapshot_interval(env: Mapping[str, str]) -> int:
    text = (env.get("DRIFTMGR_SNAPSHOT_INTERVAL") or "50").strip()
    if not text.isdigit():
        raise ConfigurationError(
            f"DRIFTMGR_SNAPSHOT_INTERVAL: {text!r} is not a whole number of events (0: never)"
        )
    return int(text)


def _audit_key(env: Mapping[str, str]) -> str | None:
    value = env.get("DRIFTMGR_AUDIT_KEY") or None
    if value is not None and len(value.strip()) < 32:
        raise ConfigurationError(
            "DRIFTMGR_AUDIT_KEY must be a secret of at least 32 characters "
            "(e.g. the output of `openssl rand -base64 32`)"
        )
    return value.strip() if value else None


def _checkpoint_interval(env: Mapping[str, str]) -> int:
    text = env.get("DRIFTMGR_AUDIT_CHECKPOINT_INTERVAL") or "1000"
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1_000_000:
        raise ConfigurationError(
            f"DRIFTMGR_AUDIT_CHECKPOINT_INTERVAL: {text!r} is not a number of events "
            "from 1 to 1000000"
        )
    return value


def _approval_severity(env: Mapping[str, str]) -> str:
    value = (env.get("DRIFTMGR_APPROVAL_SEVERITY") or "high").strip().lower()
    if value not in _SEVERITIES:
        raise ConfigurationError(
            f"DRIFTMGR_APPROVAL_SEVERITY: {value!r} is not one of {', '.join(_SEVERITIES)}"
        )
    return value


def _remediation_defaults(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in (env.get("DRIFTMGR_REMEDIATION_DEFAULTS") or "").split(","):
        if not item.strip():
            continue
        kind, _, strategy = (part.strip().lower() for part in item.partition("="))
        if strategy not in _KIND_STRATEGIES.get(kind, ()):
            raise ConfigurationError(
                f"DRIFTMGR_REMEDIATION_DEFAULTS: {item.strip()!r} is not KIND=STRATEGY "
                "(modified=revert|accept, missing=forget|recreate, "
                "unmanaged=import|quarantine|delete)"
            )
        pairs.append((kind, strategy))
    return tuple(pairs)


def _default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _path_list(text: str) -> tuple[Path, ...]:
    """``DRIFTMGR_STATE_ROOTS``: paths separated by ``os.pathsep`` or commas."""
    parts = text.replace(",", os.pathsep).split(os.pathsep)
    return tuple(Path(part.strip()) for part in parts if part.strip())
