"""Configuration, read once from ``DRIFTMGR_*`` environment variables.

Where events live is decided here and nowhere else: an SQLite file under the data directory
by default, PostgreSQL when ``DRIFTMGR_DATABASE_URL`` says ``postgresql://…``.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

import msgspec

__all__ = ["ConfigurationError", "PostgresParams", "Settings"]


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
    """``DRIFTMGR_CIPHER_KEY``: base64 AES key; when set, events and blobs are encrypted."""
    actor: str = "anonymous"
    """``DRIFTMGR_ACTOR``: who the CLI says it is (defaults to user@host)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls(
            data_dir=Path(env.get("DRIFTMGR_DATA_DIR") or ".driftmgr"),
            database_url=env.get("DRIFTMGR_DATABASE_URL") or None,
            cipher_key=env.get("DRIFTMGR_CIPHER_KEY") or None,
            actor=env.get("DRIFTMGR_ACTOR") or _default_actor(),
        )
        if settings.database_url is not None:
            settings.postgres()  # fail early, naming the variable
        return settings

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


def _default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
