"""Turn driftmgr settings into eventsourcing's persistence environment and SQL engines."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa

from driftmgr.settings import Settings

__all__ = ["create_sql_engine", "event_store_env", "log_key"]


def event_store_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing environment for the configured store (see ADR 0001)."""
    env = {
        "MAPPER_TOPIC": "driftmgr.adapters.eventstore.mapper:MsgspecMapper",
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
    }
    if settings.cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key
    if settings.is_postgres:
        pg = settings.postgres()
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_HOST=pg.host,
            POSTGRES_PORT=str(pg.port),
            POSTGRES_USER=pg.user,
            POSTGRES_PASSWORD=pg.password,
            POSTGRES_DBNAME=pg.dbname,
            POSTGRES_CONNECT_TIMEOUT="5",
            POSTGRES_LOCK_TIMEOUT="10",
        )
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str((settings.data_dir / "events.sqlite3").resolve()),
            SQLITE_LOCK_TIMEOUT="30",
        )
    return env


def log_key(settings: Settings) -> str:
    """Identifies one event log, so every reader and writer in a process shares its signal."""
    if settings.is_postgres:
        pg = settings.postgres()
        return f"postgresql://{pg.host}:{pg.port}/{pg.dbname}"
    return str((settings.data_dir / "events.sqlite3").resolve())


def _json_serialise(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def create_sql_engine(settings: Settings, *, database: str) -> sa.Engine:
    """A synchronous engine on the events database ('events') or the read models ('views')."""
    url = settings.sqlalchemy_url(database=database, driver="pysqlite")
    if settings.is_postgres:
        return sa.create_engine(
            url,
            json_serializer=_json_serialise,
            json_deserializer=msgspec.json.decode,
            pool_pre_ping=True,
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        json_serializer=_json_serialise,
        json_deserializer=msgspec.json.decode,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    # Read models can be rebuilt from the log, so they need not survive a power cut;
    # the events database (blobs live there) must.
    synchronous = "FULL" if database == "events" else "NORMAL"

    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    sa.event.listen(engine, "connect", set_pragmas)
    return engine
