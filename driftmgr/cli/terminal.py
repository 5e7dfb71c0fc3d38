"""Text from outside (cloud tags and values, state contents, server errors) made safe to print.

A terminal obeys control characters: an escape sequence in a tag value can clear the screen,
recolour what follows or move the cursor, and a newline or carriage return in one can draw a
fake table row; Unicode bidi overrides reorder what a reader sees. :func:`safe` shows every
such character as a visible escape (``\\x1b``, ``\\n``, ``\\u202e``) instead. driftmgr's own
formatting (the newlines between table rows, between lines of a message) is added around
escaped values, never passed through here.
"""

from __future__ import annotations

import logging
import re

__all__ = ["SafeFormatter", "safe", "safe_json", "safe_lines"]

#: C0 controls, DEL, C1 controls, and the invisible characters that reorder or break lines:
#: bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the Arabic
#: letter mark and left-to-right/right-to-left marks, and the Unicode line separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: What JSON encoding leaves raw: everything above but C0, which JSON always escapes.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe(text: str) -> str:
    """``text`` with every control, escape and bidi character shown as a visible escape.
    Idempotent: what it returns has nothing left to escape."""
    return _UNSAFE.sub(_escape, text)


def safe_lines(text: str) -> str:
    """Text of several lines (a graph a server rendered): each line made :func:`safe`, the
    line breaks kept."""
    return "\n".join(safe(line) for line in text.split("\n"))


def safe_json(text: str) -> str:
    """JSON text with the characters JSON leaves raw (DEL, C1 controls, bidi controls) written
    as ``\\u`` escapes: the same JSON value, harmless on a terminal. They can only occur
    inside strings, where the escape means the very same character."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeFormatter(logging.Formatter):
    """Log lines for a terminal: a message quoting outside values is one escaped line, and a
    traceback keeps only its own line breaks."""

    def format(self, record: logging.LogRecord) -> str:
        copy = logging.makeLogRecord(record.__dict__)
        copy.msg, copy.args = safe(record.getMessage()), None
        return safe_lines(super().format(copy))
