"""Content-addressed blob store: sha256 → compressed (and optionally encrypted) bytes.

State bodies, inventories and reports are too large for events; events carry the hash.
A blob is written before the event that names it, and writing the same bytes twice is a
no-op, so a failed save leaves at worst an unreferenced blob, never a dangling hash.
Reading re-checks the hash, so a blob altered in the database is detected, not served.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime

import sqlalchemy as sa
from eventsourcing.persistence import Cipher

__all__ = ["BlobCorruptedError", "BlobNotFoundError", "BlobStore", "blobs_table"]

_metadata = sa.MetaData()

blobs_table = sa.Table(
    "driftmgr_blobs",
    _metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("stored", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


class BlobNotFoundError(LookupError):
    pass


class BlobCorruptedError(ValueError):
    pass


class BlobStore:
    def __init__(
        self, engine: sa.Engine, *, cipher: Cipher | None = None, compression_level: int = 6
    ) -> None:
        self._engine = engine
        self._cipher = cipher
        self._level = compression_level
        _metadata.create_all(engine)

    def close(self) -> None:
        self._engine.dispose()

    @staticmethod
    def hash_of(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def put(self, data: bytes) -> str:
        """Store ``data`` (if new) and return its sha256."""
        digest = self.hash_of(data)
        if self.exists(digest):
            return digest
        stored = zlib.compress(data, self._level)
        if self._cipher is not None:
            stored = self._cipher.encrypt(stored)
        row = {
            "sha256": digest,
            "size": len(data),
            "stored": stored,
            "created_at": datetime.now(UTC).replace(tzinfo=None),
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(blobs_table.insert(), row)
        except sa.exc.IntegrityError:
            pass  # written concurrently by someone else: same hash, same bytes
        return digest

    def exists(self, digest: str) -> bool:
        query = sa.select(blobs_table.c.sha256).where(blobs_table.c.sha256 == digest)
        with self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def get(self, digest: str) -> bytes:
        query = sa.select(blobs_table.c.stored).where(blobs_table.c.sha256 == digest)
        with self._engine.connect() as conn:
            stored = conn.execute(query).scalar()
        if stored is None:
            raise BlobNotFoundError(f"no blob {digest}")
        try:
            if self._cipher is not None:
                stored = self._cipher.decrypt(stored)
            data = zlib.decompress(stored)
        except (ValueError, zlib.error) as e:
            raise BlobCorruptedError(f"blob {digest} cannot be read: {e}") from e
        if self.hash_of(data) != digest:
            raise BlobCorruptedError(f"blob {digest} does not match its hash: it was altered")
        return data
