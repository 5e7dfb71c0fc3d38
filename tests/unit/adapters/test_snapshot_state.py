"""Snapshot state: aggregate attributes keep their types through JSON."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import msgspec
import pytest

from driftmgr.adapters.eventstore.snapshot_state import decode_state, encode_state
from driftmgr.domain.base import Cause


class Colour(enum.Enum):
    RED = "red"


def test_values_of_every_supported_type_come_back_equal_and_of_their_type() -> None:
    state: dict[str, Any] = {
        "text": "t",
        "number": 3,
        "ratio": 0.5,
        "flag": True,
        "nothing": None,
        "id": uuid4(),
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "day": date(2026, 1, 2),
        "wait": timedelta(days=1, seconds=2, microseconds=3),
        "price": Decimal("1.10"),
        "raw": b"\x00\xff",
        "pair": (1, "a"),
        "tags": frozenset({"a", "b"}),
        "seen": {1, 2},
        "by_index": {1: Cause(actor="x"), 2: Cause(actor="y")},
        "by_name": {"a": [uuid4(), (1, 2)], "$uuid": "not a tag"},
        "colour": Colour.RED,
        "cause": Cause(actor="alice"),
    }
    decoded = decode_state(msgspec.json.decode(msgspec.json.encode(encode_state(state))))
    assert decoded == state
    for name, value in state.items():
        assert type(decoded[name]) is type(value), name


def test_a_value_of_an_unknown_type_is_refused_naming_it() -> None:
    class Odd:
        pass

    with pytest.raises(TypeError, match=r"cannot snapshot a value of type .*Odd"):
        encode_state({"odd": Odd()})


def test_the_snapshot_interval_is_a_setting_and_a_bad_one_is_named() -> None:
    from driftmgr.settings import ConfigurationError, Settings

    assert Settings.from_env({}).snapshot_interval == 50
    assert Settings.from_env({"DRIFTMGR_SNAPSHOT_INTERVAL": "0"}).snapshot_interval == 0
    with pytest.raises(ConfigurationError, match="DRIFTMGR_SNAPSHOT_INTERVAL: 'ten'"):
        Settings.from_env({"DRIFTMGR_SNAPSHOT_INTERVAL": "ten"})
