"""Bounded work per request: a client must not be able to hold the server.

- Reading and fetching states blocks a thread for as long as the source takes. Those calls run
  in :class:`BlockingPool`, a few threads of their own: when they are all busy the answer is
  ``503`` with ``Retry-After`` at once, while ``/healthz`` and queries, which use other
  threads, keep answering.
- A JSON body nested deeper than :data:`MAX_JSON_DEPTH` is refused before it is decoded
  (the decoder recurses, and 100,000 levels overflow the interpreter's stack).
- Query parameters carry their ranges (:data:`Position`, :data:`Offset` …), so an out of
  range or non-finite number is a ``400``, never an overflow in the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import QueryParameter

from driftmgr.errors import InvalidCommand

__all__ = [
    "BLOCKING_SLOTS",
    "MAX_JSON_CONTAINERS",
    "MAX_JSON_DEPTH",
    "AsOf",
    "BlockingPool",
    "Count",
    "Limit",
    "Offset",
    "Position",
    "ServerBusy",
    "Wait",
    "blocking_pool_of",
    "body_limit",
    "check_json_depth",
    "refuse_control_characters",
]

T = TypeVar("T")

BLOCKING_SLOTS = 8
"""State reads and fetches one server runs at once; more are refused with 503."""
MAX_JSON_DEPTH = 64
"""Nesting of a request body; commands need a handful of levels."""
MAX_JSON_CONTAINERS = 50_000
"""Arrays and objects in a request body (strings aside: a state's content is one string)."""
RETRY_AFTER_SECONDS = 5

# The largest integer JSON carries exactly (schema validators read numbers as doubles); the
# databases store up to 2**63 - 1.
_INT64 = 2**53 - 1

# Query parameters, with their ranges (litestar answers 400 outside them; nan and inf too).
# Litestar leaves a bound of 0 out of the schema (it is falsy): it is stated again.
_FROM_ZERO: dict[str, Any] = {"minimum": 0}
Position = Annotated[int | None, QueryParameter(ge=0, le=_INT64, schema_extra=_FROM_ZERO)]
Count = Annotated[int | None, QueryParameter(ge=0, le=_INT64, schema_extra=_FROM_ZERO)]
Offset = Annotated[int, QueryParameter(ge=0, le=_INT64, schema_extra=_FROM_ZERO)]
Limit = Annotated[int, QueryParameter(ge=1, le=_INT64)]
Wait = Annotated[float, QueryParameter(ge=0, le=86400, schema_extra=_FROM_ZERO)]
"""Seconds a long poll may hold its answer; queries cut it to ``MAX_WAIT_SECONDS``."""
AsOf = Annotated[
    str | None,
    QueryParameter(
        description="As it was at a log position or an RFC 3339 time (read models replayed); "
        "a moment the log does not have is a 404",
        schema_extra={
            "one_of": [
                Schema(type=OpenAPIType.INTEGER, minimum=0),
                Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
                Schema(type=OpenAPIType.NULL),  # litestar reads "null" as absent
            ]
        },
    ),
]


class ServerBusy(Exception):
    """Every slot for blocking work is taken: retry later (503)."""

    retry_after = RETRY_AFTER_SECONDS


def blocking_pool_of(state: State) -> BlockingPool:
    pool: BlockingPool = state.blocking_pool
    return pool


class BlockingPool:
    """At most ``slots`` blocking calls at once, on threads apart from the default ones.

    Admission is decided on the event loop thread, where no two coroutines run at once, so a
    plain counter is exact.
    """

    def __init__(self, slots: int = BLOCKING_SLOTS) -> None:
        self.slots = slots
        self._busy = 0
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if self._busy >= self.slots:
            raise ServerBusy(
                f"this server is already reading or fetching {self.slots} states; "
                f"retry in {RETRY_AFTER_SECONDS} s"
            )
        if self._limiter is None:  # made on first use: it belongs to the running loop
            self._limiter = anyio.CapacityLimiter(self.slots)
        self._busy += 1
        try:
            # Not abandoned on cancel: the slot stays taken until the thread is done.
            return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)
        finally:
            self._busy -= 1


# A JSON string once its escapes are gone, and everything that is not a bracket.
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def body_limit(max_state_bytes: int) -> int:
    """The largest request body: a command carries a state as a JSON string, whose escapes
    (``\\"`` for every quote, ``\\uXXXX`` for non-ASCII) can double it, and a little more.
    The state itself is then held to ``max_state_bytes`` like a state read from a source."""
    return 2 * max_state_bytes + (1 << 20)


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` (JSON, possibly malformed) may nest arrays and objects deeper than
    ``limit``, or holds more than :data:`MAX_JSON_CONTAINERS` of them.

    C-speed passes: strings removed, then the innermost pairs, at most ``limit`` times (the
    cap on containers bounds their cost). What is left unpaired (malformed JSON) counts as
    nested too, since a decoder descends into it before it finds the error.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    # Escapes first (\\ pairs, then \"), so that a string is a plain run between quotes.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _STRING.sub(b"", unescaped).translate(None, _NOT_BRACKETS)
    if len(brackets) > 2 * MAX_JSON_CONTAINERS:
        return True
    passes = 0
    while brackets and passes <= limit:
        brackets, removed = _INNERMOST.subn(b"", brackets)
        if not removed:
            break
        passes += 1
    return passes + brackets.count(b"[") + brackets.count(b"{") > limit


async def check_json_depth(request: Request[Any, Any, Any]) -> None:
    """``before_request``: refuse a body nested too deeply before it is decoded."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if json_depth_exceeds(await request.body()):
        raise ValidationException(
            f"the JSON body nests arrays or objects more than {MAX_JSON_DEPTH} levels deep, "
            f"or holds more than {MAX_JSON_CONTAINERS} of them; send the command's fields "
            "as documented (a state's content as one string)"
        )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def refuse_control_characters(field: str, values: Iterable[str]) -> None:
    """Names, ARNs and regions never hold control characters: refuse them (422) rather than
    let an SDK fail on them as a header value."""
    for index, value in enumerate(values):
        if _CONTROL.search(value):
            raise InvalidCommand(
                f"{field}[{index}] contains a control character (a newline?); "
                "send it on one line, e.g. arn:aws:iam::123456789012:role/name"
            )
