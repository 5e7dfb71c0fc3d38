"""An aggregate's attributes ↔ JSON that keeps their types, for snapshots.

Events decode against their class's annotations (``mapper.py``); an aggregate's ``__dict__``
has no annotations to decode against, so each value that JSON cannot carry as itself is
tagged with its type: ``{"$uuid": "…"}``, ``{"$t": [...]}`` for a tuple, ``{"$struct":
topic, "v": …}`` for a msgspec Struct (whose own fields then decode typed), and so on. Dicts
are always tagged, so a tag can never be mistaken for data. A value of a type listed nowhere
here fails the snapshot (and only the snapshot: see ``DriftmgrApplication.take_snapshot``).
"""

from __future__ import annotations

import base64
import dataclasses
import enum
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.utils import get_topic, resolve_topic

__all__ = ["decode_state", "encode_state"]

_PLAIN = (str, int, float, bool, type(None))


def encode_state(state: dict[str, Any]) -> dict[str, Any]:
    """An aggregate's attributes as tagged JSON-able values."""
    return {name: _encode(value) for name, value in state.items()}


def decode_state(state: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`encode_state`."""
    return {name: _decode(value) for name, value in state.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, _PLAIN) and not isinstance(value, enum.Enum):
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {"$m": {k: _encode(v) for k, v in value.items()}}
        return {"$d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"$t": [_encode(v) for v in value]}
    if isinstance(value, frozenset):
        return {"$fs": [_encode(v) for v in value]}
    if isinstance(value, set):
        return {"$s": [_encode(v) for v in value]}
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, msgspec.Struct):
        return {"$struct": get_topic(type(value)), "v": msgspec.to_builtins(value)}
    if isinstance(value, enum.Enum):
        return {"$enum": get_topic(type(value)), "v": _encode(value.value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$dc": get_topic(type(value)), "v": fields}
    raise TypeError(f"cannot snapshot a value of type {type(value).__qualname__}")


def _decode(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        return [_decode(v) for v in value]
    if kind is not dict:
        return value
    tag = next(iter(value))
    try:
        decoder = _DECODERS[tag]
    except KeyError:
        raise ValueError(f"unknown snapshot value tag {tag!r}") from None
    return decoder(value[tag], value.get("v"))


def _struct(topic: str, payload: Any) -> Any:
    return msgspec.convert(payload, resolve_topic(topic))


def _dataclass(topic: str, payload: dict[str, Any]) -> Any:
    cls = resolve_topic(topic)
    instance = object.__new__(cls)
    for name, v in payload.items():
        object.__setattr__(instance, name, _decode(v))
    return instance


#: tag → decoder(the tag's value, the value of "v" if any).
_DECODERS: dict[str, Callable[[Any, Any], Any]] = {
    "$m": lambda p, _: {k: _decode(v) for k, v in p.items()},
    "$d": lambda p, _: {_decode(k): _decode(v) for k, v in p},
    "$t": lambda p, _: tuple([_decode(v) for v in p]),
    "$fs": lambda p, _: frozenset([_decode(v) for v in p]),
    "$s": lambda p, _: {_decode(v) for v in p},
    "$uuid": lambda p, _: UUID(p),
    "$dt": lambda p, _: datetime.fromisoformat(p),
    "$date": lambda p, _: date.fromisoformat(p),
    "$td": lambda p, _: timedelta(days=p[0], seconds=p[1], microseconds=p[2]),
    "$dec": lambda p, _: Decimal(p),
    "$b": lambda p, _: base64.b64decode(p),
    "$struct": _struct,
    "$enum": lambda topic, v: resolve_topic(topic)(_decode(v)),
    "$dc": _dataclass,
}
