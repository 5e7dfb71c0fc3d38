"""Glob patterns over slash-separated keys: ``*`` within a segment, ``**`` across segments.

Matching is delegated to pathspec's gitignore implementation, with two adjustments so that it
behaves like a path glob rather than an ignore file:

- every pattern is anchored at the root (a bare ``*.tfstate`` matches top-level keys only);
- a key matches only as a whole, not because one of its parent "directories" matched (in
  gitignore, ``envs/*`` also ignores ``envs/a/b``). A sentinel segment appended to both the
  pattern and the key forces that, unless the pattern ends in ``**``, which means "anything
  below" anyway.

Only ``*`` is a wildcard here: ``?``, ``[`` and ``]`` are legal in object keys and are escaped.
"""

from __future__ import annotations

import pathspec

__all__ = ["KeyGlob", "directory_prefix", "has_glob", "literal_prefix"]

# A segment no object key or file path can contain (S3's XML API cannot carry NUL either).
_END = "\x00"
_ESCAPED = frozenset("\\?[]")


def has_glob(text: str) -> bool:
    return "*" in text


def literal_prefix(pattern: str) -> str:
    """Everything before the first wildcard: the narrowest prefix to list a store with."""
    return pattern.split("*", 1)[0]


def directory_prefix(pattern: str) -> str:
    """The literal prefix cut back to a ``/`` boundary ("" for the root)."""
    head = literal_prefix(pattern)
    return head[: head.rfind("/") + 1]


class KeyGlob:
    """A compiled pattern; ``matches(key)`` says whether a whole key matches it."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        escaped = "".join("\\" + c if c in _ESCAPED else c for c in pattern)
        self._open_ended = pattern == "**" or pattern.endswith("/**")
        line = "/" + escaped if self._open_ended else f"/{escaped}/{_END}"
        self._spec = pathspec.GitIgnoreSpec.from_lines([line])

    def matches(self, key: str) -> bool:
        # Keys ending in "/" are console-made "folder" markers, never state objects.
        if not key or key.endswith("/"):
            return False
        return self._spec.match_file(key if self._open_ended else f"{key}/{_END}")

    def __repr__(self) -> str:
        return f"KeyGlob({self.pattern!r})"
