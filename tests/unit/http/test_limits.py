"""The JSON depth check that runs before a request body is decoded."""

from __future__ import annotations

import json

import pytest

from driftmgr.http.limits import MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, json_depth_exceeds


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("body", "too_deep"),
    [
        (nested(MAX_JSON_DEPTH), False),
        (nested(MAX_JSON_DEPTH + 1), True),
        (nested(100_000), True),
        (b"[" * 100_000, True),  # malformed, but a decoder would descend before failing
        (b"{" * 100_000, True),
        (b"[" + b"[]," * 10_000 + b"[]]", False),  # wide, not deep
        # Brackets inside strings (a state's content) are text, not nesting.
        (json.dumps({"content": "[" * 10_000, "q": '\\"[[[['}).encode(), False),
        (b'{"a": ' + nested(MAX_JSON_DEPTH) + b"}", True),
        # Escaped backslashes and quotes do not end a string early, nor extend it.
        (json.dumps({"a": "\\", "b": "[" * 100, "c": '\\"[[{'}).encode(), False),
        (json.dumps({"a": "\\"}).encode() + nested(MAX_JSON_DEPTH + 1), True),
        # Shallow but huge: refused, since the check's own cost grows with it.
        (b"[" + b"[]," * MAX_JSON_CONTAINERS + b"[]]", True),
    ],
)
def test_depth_is_measured_outside_strings(body: bytes, too_deep: bool) -> None:
    assert json_depth_exceeds(body) is too_deep
