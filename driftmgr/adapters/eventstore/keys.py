"""Which AES key opens the event store, and proof, before anything is written, that it does.

Stores are encrypted at rest by default. The key is resolved here and nowhere else:

1. ``DRIFTMGR_CIPHER_KEY`` when it is set (base64 of 16, 24 or 32 bytes);
2. else ``<data dir>/cipher.key`` when that file exists (it must be owner-only);
3. else, and only for a *new* store, a fresh 32-byte key is written to
   ``<data dir>/cipher.key`` (mode 0600) and a notice asks the user to back it up.

The events database holds one row in ``driftmgr_store``: the store's format version and a
key check — a known constant encrypted with the store's key (AES-GCM, so it says nothing
about the key). :func:`open_store` verifies the key against it and raises
:class:`StoreKeyError`, having changed nothing, when the key is missing or another one.

Stores created before encryption became the default have no key check. One whose events are
plaintext keeps working, with a notice that it is not encrypted; one whose events are
encrypted gets its key check recorded the first time the right key opens it.

Nothing here prints: notices are returned, and the CLI and ``serve`` show them.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from driftmgr.adapters.eventstore.config import (
    create_sql_engine,
    log_key,
    private_dir,
    sqlite_path,
)
from driftmgr.settings import ConfigurationError, Settings

__all__ = [
    "KEY_FILE_NAME",
    "KEY_VARIABLE",
    "STORE_FORMAT_VERSION",
    "StoreKey",
    "StoreKeyError",
    "key_file_path",
    "open_store",
    "store_table",
]

KEY_VARIABLE = "DRIFTMGR_CIPHER_KEY"
KEY_FILE_NAME = "cipher.key"
STORE_FORMAT_VERSION = 1
_CIPHER_NAME = "AES-GCM"
_KEY_CHECK = b"driftmgr: this store's key check, format 1"
_KEY_SIZES = (16, 24, 32)
_NEW_KEY_SIZE = 32

_metadata = sa.MetaData()

store_table = sa.Table(
    "driftmgr_store",
    _metadata,
    sa.Column("name", sa.String(32), primary_key=True),  # one row: "store"
    sa.Column("format_version", sa.Integer, nullable=False),
    sa.Column("cipher", sa.String(32), nullable=False),
    sa.Column("key_check", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
_ROW = "store"


class StoreKeyError(ConfigurationError):
    """The store cannot be opened with the key at hand; nothing was changed. One line."""


@dataclass(frozen=True)
class StoreKey:
    """The outcome of :func:`open_store`."""

    key: str | None
    """The base64 AES key of the store; ``None`` only for a legacy plaintext store."""
    notices: tuple[str, ...] = ()
    """Warnings for the user (a key was just created, the store is not encrypted, …)."""


@dataclass(frozen=True)
class _Candidate:
    key: str
    source: str  # where it came from, for messages: the variable or the file


@dataclass(frozen=True)
class _Found:
    key_check: bytes | None  # the store's key check, when it has one
    first_event: bytes | None  # the stored state of its first event, when it has events


def key_file_path(settings: Settings) -> Path:
    return settings.data_dir.resolve() / KEY_FILE_NAME


def open_store(settings: Settings) -> StoreKey:
    """Resolve the store's key and verify it against the store, creating both if new.

    Raises :class:`~driftmgr.settings.ConfigurationError` when ``DRIFTMGR_CIPHER_KEY`` is
    malformed and :class:`StoreKeyError` when the store cannot be opened with the key at
    hand; in both cases before anything was written.
    """
    key_file = key_file_path(settings)
    candidate = _configured(settings) or _read_key_file(key_file)
    found = _inspect(settings)
    if found.key_check is not None:
        if candidate is None:
            raise StoreKeyError(_no_key(settings))
        if not _opens_key_check(candidate.key, found.key_check):
            raise StoreKeyError(_wrong_key(settings, candidate))
        return StoreKey(candidate.key)
    if found.first_event is not None:
        return _open_legacy(settings, candidate, found.first_event)
    created = False
    if candidate is None:
        candidate, created = _create_key_file(key_file)
    try:
        _record_key_check(settings, candidate)
    except StoreKeyError:
        if created:  # another machine set the store up first, with its own key
            key_file.unlink(missing_ok=True)
        raise
    return StoreKey(candidate.key, (_created_notice(settings, key_file),) if created else ())


# --- where the key comes from --------------------------------------------------------------


def _decode(text: str) -> bytes | None:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) in _KEY_SIZES else None


def _configured(settings: Settings) -> _Candidate | None:
    if settings.cipher_key is None:
        return None
    if _decode(settings.cipher_key) is None:
        raise ConfigurationError(
            f"{KEY_VARIABLE} must be a base64 AES key of 16, 24 or 32 bytes "
            "(e.g. the output of `openssl rand -base64 32`)"
        )
    return _Candidate(settings.cipher_key.strip(), KEY_VARIABLE)


def _read_key_file(path: Path) -> _Candidate | None:
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    if mode & 0o077:
        raise StoreKeyError(
            f"{path} can be read by other users (mode {mode & 0o777:04o}): "
            f"run `chmod 600 {path}` and try again"
        )
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise StoreKeyError(f"cannot read the store key {path}: {e}") from None
    if _decode(text) is None:
        raise StoreKeyError(f"{path} does not hold a base64 AES key of 16, 24 or 32 bytes")
    return _Candidate(text.strip(), str(path))


def _create_key_file(path: Path) -> tuple[_Candidate, bool]:
    """Write a new key to ``path`` (0600), atomically: readers see all of it or no file.

    Returns the key and whether it is ours; when another process of this machine got there
    first, its key is read and returned instead.
    """
    private_dir(path.parent)
    key = AESCipher.create_key(_NEW_KEY_SIZE)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, path)  # fails, instead of replacing, if the file appeared
    except FileExistsError:
        existing = _read_key_file(path)
        if existing is None:  # pragma: no cover - removed again in between
            raise StoreKeyError(f"{path} appeared and vanished while creating it") from None
        return existing, False
    finally:
        temporary.unlink(missing_ok=True)
    _sync_dir(path.parent)
    return _Candidate(key, str(path)), True


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- what the store says -------------------------------------------------------------------


def _cipher(key: str) -> AESCipher:
    return AESCipher(Environment(env={AESCipher.CIPHER_KEY: key}))


def _opens(key: str, ciphertext: bytes) -> bool:
    try:
        _cipher(key).decrypt(ciphertext)
    except ValueError:
        return False
    return True


def _opens_key_check(key: str, key_check: bytes) -> bool:
    try:
        return _cipher(key).decrypt(key_check) == _KEY_CHECK
    except ValueError:
        return False


def _is_plaintext(state: bytes) -> bool:
    try:
        zlib.decompress(state)
    except zlib.error:
        return False
    return True


def _events_table(settings: Settings) -> tuple[str, str]:
    """The event table eventsourcing creates for the application, and its order column."""
    if settings.is_postgres:
        return "driftmgr_events", "notification_id"  # "<application name>_events"
    return "stored_events", "rowid"


def _inspect(settings: Settings) -> _Found:
    """Read (only read) the key check and the first event, if the store has them."""
    if settings.is_postgres:
        engine = create_sql_engine(settings, database="events")
    else:
        path = sqlite_path(settings, "events")
        if not path.exists():
            return _Found(None, None)
        # Read-write but only read: a read-only connection would leave empty -wal and -shm
        # files behind, as it may not remove them; mode=rw never creates the database.
        uri = f"{path.as_uri()}?mode=rw"
        engine = sa.create_engine(
            "sqlite+pysqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, timeout=30),
            poolclass=sa.pool.NullPool,
        )
    table, order = _events_table(settings)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            key_check = None
            if inspector.has_table(store_table.name):
                key_check = conn.execute(
                    sa.select(store_table.c.key_check).where(store_table.c.name == _ROW)
                ).scalar()
            first = None
            if inspector.has_table(table):
                query = sa.text(f"SELECT state FROM {table} ORDER BY {order} LIMIT 1")
                first = conn.execute(query).scalar()
    finally:
        engine.dispose()
    return _Found(
        bytes(key_check) if key_check is not None else None,
        bytes(first) if first is not None else None,
    )


def _record_key_check(settings: Settings, candidate: _Candidate) -> None:
    """Record the key check of ``candidate``; if another process just recorded one, the
    candidate must open it."""
    engine = create_sql_engine(settings, database="events")
    try:
        with engine.begin() as conn:  # IF NOT EXISTS: two first runs may race here
            conn.execute(sa.schema.CreateTable(store_table, if_not_exists=True))
        row = {
            "name": _ROW,
            "format_version": STORE_FORMAT_VERSION,
            "cipher": _CIPHER_NAME,
            "key_check": _cipher(candidate.key).encrypt(_KEY_CHECK),
            "created_at": datetime.now(UTC).replace(tzinfo=None),
        }
        try:
            with engine.begin() as conn:
                conn.execute(store_table.insert(), row)
        except sa.exc.IntegrityError:
            with engine.connect() as conn:
                recorded = conn.execute(
                    sa.select(store_table.c.key_check).where(store_table.c.name == _ROW)
                ).scalar_one()
            if not _opens_key_check(candidate.key, bytes(recorded)):
                raise StoreKeyError(_wrong_key(settings, candidate)) from None
    finally:
        engine.dispose()


def _open_legacy(settings: Settings, candidate: _Candidate | None, first: bytes) -> StoreKey:
    """A store with events but no key check: created before encryption was the default."""
    if candidate is not None:
        if _opens(candidate.key, first):
            _record_key_check(settings, candidate)  # from now on, checked like any other
            return StoreKey(candidate.key)
        if _is_plaintext(first):
            undo = (
                f"unset {KEY_VARIABLE}"
                if candidate.source == KEY_VARIABLE
                else f"move {candidate.source} out of the way"
            )
            raise StoreKeyError(
                f"{_where(settings)} is not encrypted (it was created before driftmgr encrypted "
                f"stores by default), so it cannot be opened with the key in {candidate.source}: "
                f"{undo} to use it"
            )
        raise StoreKeyError(_wrong_key(settings, candidate))
    if _is_plaintext(first):
        return StoreKey(
            None,
            (
                f"{_where(settings)} is not encrypted: it was created before driftmgr encrypted "
                "stores by default; a store created in a new DRIFTMGR_DATA_DIR (or a new "
                "PostgreSQL database) is encrypted",
            ),
        )
    raise StoreKeyError(_no_key(settings))


# --- messages (one line each) -------------------------------------------------------------


def _where(settings: Settings) -> str:
    if settings.is_postgres:
        return f"the store in {log_key(settings)}"
    return f"the store in {settings.data_dir.resolve()}"


def _origin(settings: Settings) -> str:
    if settings.is_postgres:
        return (
            f"a key driftmgr created is in {KEY_FILE_NAME} in the data folder of the machine "
            "that first used this database"
        )
    return f"a key driftmgr created is in {key_file_path(settings)}"


def _no_key(settings: Settings) -> str:
    return (
        f"{_where(settings)} is encrypted and no key was found: set {KEY_VARIABLE} to the key "
        f"in use ({_origin(settings)})"
    )


def _wrong_key(settings: Settings, candidate: _Candidate) -> str:
    hint = "" if candidate.source == str(key_file_path(settings)) else f" ({_origin(settings)})"
    return (
        f"{_where(settings)} is encrypted with another key than the one in {candidate.source}: "
        f"set {KEY_VARIABLE} to the key in use{hint}"
    )


def _created_notice(settings: Settings, key_file: Path) -> str:
    notice = (
        f"{_where(settings)} is new and encrypted with a new key, written to {key_file}: "
        "back this file up and keep it secret; without it the store cannot be read"
    )
    if settings.is_postgres:
        notice += (
            f"; every other machine using this database needs {KEY_VARIABLE} set to its content"
        )
    return notice
