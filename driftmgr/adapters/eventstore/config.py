"""Turn driftmgr settings into eventsourcing's persistence environment and SQL engines.

Every file driftmgr keeps in its data folder is created here (or in ``keys.py`` through
:func:`private_dir`), owner-only: the folder 0700, the SQLite databases 0600. SQLite gives
its ``-wal``, ``-shm`` and ``-journal`` files the mode of their database, so creating the
database file 0600 before SQLite first opens it covers them too, whatever the umask.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from driftmgr.settings import Settings

__all__ = [
    "create_sql_engine",
    "create_sqlite_engine",
    "event_store_env",
    "log_key",
    "private_dir",
    "private_file",
    "sqlite_path",
]

_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) if missing; a folder created here is 0700.

    An existing folder is left as it is: it may be one the user shares with other things
    (``DRIFTMGR_DATA_DIR=.``); the files driftmgr puts in it are owner-only anyway.
    """
    try:
        path.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        return
    os.chmod(path, 0o700)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if missing; take group/other access away if not."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _restrict(path)
    else:
        os.close(fd)


def _restrict(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if mode & 0o077:
        os.chmod(path, mode & 0o700)


def sqlite_path(settings: Settings, database: str) -> Path:
    """The SQLite file of ``database`` ('events' or 'views') in the data folder."""
    return (settings.data_dir / f"{database}.sqlite3").resolve()


def _prepare_sqlite(settings: Settings, database: str) -> Path:
    path = sqlite_path(settings, database)
    private_file(path)
    for suffix in _SQLITE_COMPANIONS:  # left by an earlier version, perhaps world-readable
        _restrict(path.with_name(path.name + suffix))
    return path


def event_store_env(settings: Settings, *, cipher_key: str | None) -> dict[str, str]:
    """The eventsourcing environment for the configured store (see ADR 0001).

    ``cipher_key`` is the key :func:`driftmgr.adapters.eventstore.keys.open_store` resolved
    and verified for this store (``None`` only for a store created before encryption
    became the default).
    """
    from driftmgr.adapters.eventstore.chain import checkpoint_key
    from driftmgr.adapters.eventstore.recorders import AUDIT_INTERVAL_ENV, AUDIT_KEY_ENV

    env = {
        "MAPPER_TOPIC": "driftmgr.adapters.eventstore.mapper:MsgspecMapper",
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        # The recorders chain every event and sign checkpoints (chain.py, ADR 0014).
        AUDIT_INTERVAL_ENV: str(settings.audit_checkpoint_interval),
    }
    audit_key = checkpoint_key(settings.audit_key, cipher_key)
    if audit_key is not None:
        env[AUDIT_KEY_ENV] = audit_key.hex()
    if cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = cipher_key
    if settings.is_postgres:
        pg = settings.postgres()
        env.update(
            PERSISTENCE_MODULE="driftmgr.adapters.eventstore.recorders:ChainedPostgresFactory",
            POSTGRES_HOST=pg.host,
            POSTGRES_PORT=str(pg.port),
            POSTGRES_USER=pg.user,
            POSTGRES_PASSWORD=pg.password,
            POSTGRES_DBNAME=pg.dbname,
            POSTGRES_CONNECT_TIMEOUT="5",
            POSTGRES_LOCK_TIMEOUT="10",
        )
    else:
        env.update(
            PERSISTENCE_MODULE="driftmgr.adapters.eventstore.recorders:ChainedSQLiteFactory",
            SQLITE_DBNAME=str(_prepare_sqlite(settings, "events")),
            SQLITE_LOCK_TIMEOUT="30",
        )
    return env


def log_key(settings: Settings) -> str:
    """Identifies one event log, so every reader and writer in a process shares its signal."""
    if settings.is_postgres:
        pg = settings.postgres()
        return f"postgresql://{pg.host}:{pg.port}/{pg.dbname}"
    return str(sqlite_path(settings, "events"))


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
    # Read models can be rebuilt from the log, so they need not survive a power cut;
    # the events database (blobs live there) must.
    return create_sqlite_engine(_prepare_sqlite(settings, database), durable=database == "events")


def create_sqlite_engine(path: Path, *, durable: bool) -> sa.Engine:
    """A synchronous engine on the SQLite file ``path`` (WAL; ``durable``: fsync each commit)."""
    private_file(path)
    engine = sa.create_engine(
        f"sqlite+pysqlite:///{path.resolve()}",
        json_serializer=_json_serialise,
        json_deserializer=msgspec.json.decode,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    synchronous = "FULL" if durable else "NORMAL"

    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    sa.event.listen(engine, "connect", set_pragmas)
    return engine
