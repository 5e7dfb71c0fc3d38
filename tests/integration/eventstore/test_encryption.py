"""Encrypted at rest by default: the key, the key check, file modes, refusals that change
nothing — on real SQLite files and a real PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from driftmgr.adapters.eventstore.blobs import blobs_table
from driftmgr.adapters.eventstore.config import create_sql_engine, event_store_env, log_key
from driftmgr.adapters.eventstore.keys import (
    KEY_FILE_NAME,
    StoreKeyError,
    key_file_path,
    store_table,
)
from driftmgr.adapters.eventstore.signals import signal_for
from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.application import DriftmgrApplication
from driftmgr.commands.state import ImportState, import_state
from driftmgr.domain.base import Cause
from driftmgr.domain.state_file import StateFile
from driftmgr.settings import ConfigurationError, Settings

STATES = Path(__file__).parents[2] / "data" / "terraform" / "states"
MARKER = "zebra-7f3a1c-plaintext-marker"
SOURCE = f"tfstate:///srv/{MARKER}/terraform.tfstate"
CAUSE = Cause(actor="tester")


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def with_key(settings: Settings, key: str | None) -> Settings:
    return Settings(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        cipher_key=key,
        actor=settings.actor,
    )


def marked_state() -> str:
    """A real state with a distinctive value in a resource's attributes."""
    doc: dict[str, Any] = json.loads((STATES / "default.tfstate").read_text())
    doc["resources"][0]["instances"][0]["attributes"]["description"] = MARKER
    return json.dumps(doc)


@contextmanager
def opened(settings: Settings) -> Iterator[Services]:
    services = bootstrap(settings)
    try:
        yield services
    finally:
        services.close()


def import_marked(services: Services) -> int:
    accepted = import_state(
        services.backend, ImportState(source=SOURCE, content=marked_state()), CAUSE
    )
    services.projections.catch_up()
    return accepted.position


def stored_payloads(settings: Settings) -> list[bytes]:
    """The stored bytes of every event and every blob, as they are in the database."""
    events = "driftmgr_events" if settings.is_postgres else "stored_events"
    engine = create_sql_engine(settings, database="events")
    try:
        with engine.connect() as conn:
            states = conn.execute(sa.text(f"SELECT state FROM {events}")).scalars().all()
            blobs = conn.execute(sa.select(blobs_table.c.stored)).scalars().all()
    finally:
        engine.dispose()
    assert states and blobs
    return [bytes(s) for s in [*states, *blobs]]


def plaintext(payload: bytes) -> bytes | None:
    try:
        return zlib.decompress(payload)
    except zlib.error:
        return None


def snapshot(settings: Settings) -> dict[str, Any]:
    """Everything a run could change: the data folder's files, and the database's tables."""
    files = {}
    if settings.data_dir.exists():
        files = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(settings.data_dir.iterdir())
        }
    tables: dict[str, list[Any]] = {}
    if settings.is_postgres:
        engine = create_sql_engine(settings, database="events")
        try:
            with engine.connect() as conn:
                for name in sorted(sa.inspect(conn).get_table_names()):
                    rows = conn.execute(sa.text(f'SELECT * FROM "{name}"')).all()
                    tables[name] = sorted(repr(tuple(r)) for r in rows)
        finally:
            engine.dispose()
    return {"files": files, "tables": tables}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- a fresh store -------------------------------------------------------------------------


def test_a_fresh_sqlite_store_is_encrypted_with_a_key_file_and_owner_only_files(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "new" / "store", actor="tester")
    with opened(settings) as services:
        (notice,) = services.notices
        key_file = settings.data_dir.resolve() / KEY_FILE_NAME
        assert str(key_file) in notice and "back this file up" in notice
        import_marked(services)
        # While open, with the -wal and -shm files SQLite added: all owner-only.
        files = sorted(p.name for p in settings.data_dir.iterdir())
        assert {"cipher.key", "events.sqlite3", "views.sqlite3"} <= set(files)
        assert any(name.endswith("-wal") for name in files), files
        assert {name: mode(settings.data_dir / name) for name in files} == dict.fromkeys(
            files, 0o600
        )
    assert mode(settings.data_dir) == 0o700
    key = base64.b64decode(key_file.read_text().strip(), validate=True)
    assert len(key) == 32

    payloads = stored_payloads(settings)
    assert all(plaintext(p) is None for p in payloads)  # not merely compressed
    raw = b"".join(p.read_bytes() for p in settings.data_dir.glob("events.sqlite3*"))
    assert MARKER.encode() not in raw
    assert base64.b64encode(key) not in raw  # the key check is no copy of the key
    # …and it is the key in the file that encrypted them, the blob's body included.
    cipher = AESCipher(Environment(env={"CIPHER_KEY": key_file.read_text().strip()}))
    opened_payloads = [zlib.decompress(cipher.decrypt(p)) for p in payloads]
    assert any(MARKER.encode() in p and b'"resources"' in p for p in opened_payloads)


def test_a_fresh_store_is_encrypted_and_opens_again_without_a_notice(
    store_settings: Settings,
) -> None:
    with opened(store_settings) as services:
        assert len(services.notices) == 1
        position = import_marked(services)
    assert mode(key_file_path(store_settings)) == 0o600
    assert all(plaintext(p) is None for p in stored_payloads(store_settings))
    with opened(store_settings) as services:
        assert services.notices == ()
        assert services.backend.app.position() == position
        state = services.backend.app.get(StateFile, StateFile.create_id(SOURCE))
        assert state.source == SOURCE
        blob = services.backend.blobs.get(state.versions[-1].content_sha256)
        assert MARKER.encode() in blob


def test_a_configured_key_is_used_and_no_key_file_is_written(store_settings: Settings) -> None:
    key = new_key()
    with opened(with_key(store_settings, key)) as services:
        assert services.notices == ()
        import_marked(services)
    assert not key_file_path(store_settings).exists()
    with opened(with_key(store_settings, key)) as services:
        assert services.backend.app.get(StateFile, StateFile.create_id(SOURCE)).source == SOURCE
    with pytest.raises(StoreKeyError, match="no key was found"):
        bootstrap(store_settings)
    assert not key_file_path(store_settings).exists()


# --- refusals that change nothing ----------------------------------------------------------


def test_another_key_is_refused_in_one_line_changing_nothing_and_the_store_still_works(
    store_settings: Settings,
) -> None:
    with opened(store_settings) as services:
        position = import_marked(services)
    before = snapshot(store_settings)

    with pytest.raises(StoreKeyError) as refused:
        bootstrap(with_key(store_settings, new_key()))
    message = str(refused.value)
    assert "\n" not in message
    assert "encrypted with another key" in message and "DRIFTMGR_CIPHER_KEY" in message
    assert snapshot(store_settings) == before

    with opened(store_settings) as services:  # the key file still opens it
        assert services.backend.app.position() == position
        assert services.backend.app.get(StateFile, StateFile.create_id(SOURCE)).source == SOURCE
        import_state(  # and it still records
            services.backend,
            ImportState(source=SOURCE.replace("srv", "srv2"), content=marked_state()),
            CAUSE,
        )
        assert services.backend.app.position() > position


def test_the_right_key_given_in_the_variable_opens_a_store_whose_key_file_is_gone(
    store_settings: Settings,
) -> None:
    with opened(store_settings) as services:
        position = import_marked(services)
    key_file = key_file_path(store_settings)
    key = key_file.read_text()
    key_file.unlink()
    before = snapshot(store_settings)

    with pytest.raises(StoreKeyError) as refused:
        bootstrap(store_settings)
    assert "no key was found" in str(refused.value) and "\n" not in str(refused.value)
    assert snapshot(store_settings) == before  # no new key file, no table, no row

    with opened(with_key(store_settings, key)) as services:
        assert services.notices == ()
        assert services.backend.app.position() == position


def test_a_second_machine_without_the_key_is_refused_and_creates_no_key(
    store_settings: Settings, tmp_path: Path
) -> None:
    """Another machine on the same PostgreSQL database (another data folder), or a copy
    of the SQLite store without its key file."""
    with opened(store_settings) as services:
        import_marked(services)
    elsewhere = tmp_path / "elsewhere"
    if store_settings.is_postgres:
        other = Settings(data_dir=elsewhere, database_url=store_settings.database_url)
    else:
        elsewhere.mkdir()
        for name in ("events.sqlite3", "views.sqlite3"):
            (elsewhere / name).write_bytes((store_settings.data_dir / name).read_bytes())
        other = Settings(data_dir=elsewhere)
    before = snapshot(other)
    with pytest.raises(StoreKeyError, match="is encrypted and no key was found"):
        bootstrap(other)
    assert snapshot(other) == before
    assert not (elsewhere / KEY_FILE_NAME).exists()
    with opened(with_key(other, key_file_path(store_settings).read_text())) as services:
        assert services.backend.app.get(StateFile, StateFile.create_id(SOURCE)).source == SOURCE


@pytest.mark.parametrize(
    "value",
    ["not base64!", base64.b64encode(b"ten bytes!").decode(), base64.b64encode(os.urandom(33))],
    ids=["not-base64", "too-short", "too-long"],
)
def test_a_malformed_cipher_key_is_a_configuration_error_naming_the_variable(
    tmp_path: Path, value: str | bytes
) -> None:
    key = value.decode() if isinstance(value, bytes) else value
    settings = Settings(data_dir=tmp_path / "store", cipher_key=key)
    with pytest.raises(ConfigurationError, match="DRIFTMGR_CIPHER_KEY") as refused:
        bootstrap(settings)
    assert not isinstance(refused.value, StoreKeyError)
    assert not settings.data_dir.exists()


def test_a_key_file_others_can_read_or_that_holds_no_key_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "store")
    with opened(settings):
        pass
    key_file = key_file_path(settings)
    key_file.chmod(0o644)
    with pytest.raises(StoreKeyError, match=r"other users \(mode 0644\).*chmod 600"):
        bootstrap(settings)
    key_file.chmod(0o600)
    key = key_file.read_text()
    key_file.write_text("hunter2\n")
    with pytest.raises(StoreKeyError, match="does not hold a base64 AES key"):
        bootstrap(settings)
    key_file.write_text(key)
    with opened(settings) as services:
        assert services.notices == ()


# --- stores created before encryption was the default --------------------------------------


class OldDriftmgr(DriftmgrApplication):
    """The application as driftmgr was before: encrypted only with ``cipher_key``, no key
    check, and a keyless run free to write plaintext into an encrypted store."""

    name = "driftmgr"  # the library names a subclass after itself, and its tables after that

    def __init__(self, settings: Settings) -> None:
        self.log_signal = signal_for(log_key(settings))
        Application.__init__(self, env=event_store_env(settings, cipher_key=settings.cipher_key))


def record_the_old_way(settings: Settings) -> None:
    with OldDriftmgr(settings) as app:
        app.record(StateFile(source=SOURCE, **CAUSE.fields()))


def has_key_check(settings: Settings) -> bool:
    engine = create_sql_engine(settings, database="events")
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(store_table.name):
                return False
            return conn.execute(sa.select(sa.func.count()).select_from(store_table)).scalar() == 1
    finally:
        engine.dispose()


def test_a_legacy_plaintext_store_keeps_working_with_a_notice(store_settings: Settings) -> None:
    record_the_old_way(store_settings)
    (payload,) = [
        p for p in _event_states(store_settings) if plaintext(p) is not None
    ]  # the detector sees plaintext when there is some
    assert MARKER.encode() in (plaintext(payload) or b"")

    with opened(store_settings) as services:
        (notice,) = services.notices
        assert "is not encrypted" in notice
        assert services.backend.app.get(StateFile, StateFile.create_id(SOURCE)).source == SOURCE
    assert not key_file_path(store_settings).exists()
    assert not has_key_check(store_settings)

    before = snapshot(store_settings)
    with pytest.raises(StoreKeyError, match=r"is not encrypted .* unset DRIFTMGR_CIPHER_KEY"):
        bootstrap(with_key(store_settings, new_key()))
    assert snapshot(store_settings) == before


def test_a_legacy_encrypted_store_refuses_a_keyless_run_instead_of_getting_stuck(
    store_settings: Settings,
) -> None:
    key = new_key()
    record_the_old_way(with_key(store_settings, key))
    before = snapshot(store_settings)

    with pytest.raises(StoreKeyError, match="is encrypted and no key was found"):
        bootstrap(store_settings)
    assert snapshot(store_settings) == before
    assert not key_file_path(store_settings).exists()

    with opened(with_key(store_settings, key)) as services:  # adopted: its key check recorded
        assert services.notices == ()
        assert services.projections.rebuild() == 1
        assert services.backend.app.get(StateFile, StateFile.create_id(SOURCE)).source == SOURCE
    assert has_key_check(store_settings)
    with pytest.raises(StoreKeyError, match="encrypted with another key"):
        bootstrap(with_key(store_settings, new_key()))


def _event_states(settings: Settings) -> list[bytes]:
    events = "driftmgr_events" if settings.is_postgres else "stored_events"
    engine = create_sql_engine(settings, database="events")
    try:
        with engine.connect() as conn:
            return [
                bytes(s) for s in conn.execute(sa.text(f"SELECT state FROM {events}")).scalars()
            ]
    finally:
        engine.dispose()
