"""What every read model shares: one SQLAlchemy MetaData, UTC timestamps, event dispatch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

__all__ = ["Projection", "UTCDateTime", "handles", "metadata", "tracking_table"]

metadata = sa.MetaData()

tracking_table = sa.Table(
    "projection_tracking",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no time zones)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


F = TypeVar("F", bound=Callable[..., None])


def handles(*event_types: type) -> Callable[[F], F]:
    """Mark a projection method as the rule for these event classes."""

    def mark(method: F) -> F:
        method._handles = event_types  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    """A read model: the tables it owns and one method per event type that updates them.

    Methods receive the connection of the runner's transaction, which also advances the
    tracking position: a batch of events and its effects commit together or not at all.
    """

    name: ClassVar[str]
    tables: ClassVar[tuple[sa.Table, ...]]
    _rules: ClassVar[dict[type, Callable[..., None]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._rules = {}
        for value in vars(cls).values():
            for event_type in getattr(value, "_handles", ()):
                cls._rules[event_type] = value

    def handled_types(self) -> frozenset[type]:
        return frozenset(self._rules)

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        rule = self._rules.get(type(event))
        if rule is not None:
            rule(self, conn, event, position)
