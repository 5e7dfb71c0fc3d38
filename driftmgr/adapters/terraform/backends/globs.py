"""Glob patterns over slash-separated keys: ``*`` within a segment, ``**`` across segments.

The semantics are gitignore's, anchored at the root and matching whole keys only:

- ``*`` matches any run of characters but ``/`` (``a**b`` is the same as ``a*b``);
- a ``**`` segment matches zero or more whole segments (``a/**/b`` matches ``a/b``);
- a trailing ``/**`` matches everything below, at least one segment (not the directory itself);
- a bare ``*.tfstate`` matches top-level keys only.

Only ``*`` is a wildcard: ``?``, ``[`` and ``]`` are legal in object keys and match themselves.

The matcher runs in polynomial time (segments x states, each segment compared in
O(len(pattern) * len(key))): a backtracking regular expression takes exponential time on
patterns such as ``*a*a*a…b``, and a client chooses the pattern.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from driftmgr.adapters.terraform.backends.errors import SourceError

__all__ = [
    "MAX_GLOB_ENTRIES",
    "MAX_GLOB_MATCHES",
    "KeyGlob",
    "capped",
    "directory_prefix",
    "has_glob",
    "literal_prefix",
]

MAX_GLOB_ENTRIES = 100_000
"""Files, directories or object keys one glob may list or walk through."""
MAX_GLOB_MATCHES = 1_000
"""States one glob may stand for: each is fetched, parsed and stored."""

_ANY_SEGMENTS = "**"


def has_glob(text: str) -> bool:
    return "*" in text


def literal_prefix(pattern: str) -> str:
    """Everything before the first wildcard: the narrowest prefix to list a store with."""
    return pattern.split("*", 1)[0]


def directory_prefix(pattern: str) -> str:
    """The literal prefix cut back to a ``/`` boundary ("" for the root)."""
    head = literal_prefix(pattern)
    return head[: head.rfind("/") + 1]


def capped(items: Iterable[str], display: str, limit: int = MAX_GLOB_ENTRIES) -> Iterator[str]:
    """``items`` (a listing or a walk), refused once more than ``limit`` went by: a glob
    over a huge tree or bucket must not hold a worker for hours."""
    for count, item in enumerate(items, 1):
        if count > limit:
            raise SourceError(
                f"{display}: the glob reaches more than {limit} files or objects; "
                "narrow it (a longer literal prefix, fewer ** segments)"
            )
        yield item


def segment_matches(pattern: str, text: str) -> bool:
    """Whether ``text`` (one segment) matches ``pattern``, whose only wildcard is ``*``.

    Greedy, with one backtracking point (the last ``*``): a later ``*`` can absorb anything
    an earlier one could, so earlier choices never need revisiting.
    """
    if not text and pattern and not pattern.strip("*"):
        return False  # a segment of wildcards alone stands for a name, as in gitignore
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif p < len(pattern) and pattern[p] == text[t]:
            p += 1
            t += 1
        elif star >= 0:
            mark += 1
            p, t = star + 1, mark
        else:
            return False
    return pattern[p:].strip("*") == ""


class KeyGlob:
    """A compiled pattern; ``matches(key)`` says whether a whole key matches it."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        parts = pattern.split("/")
        # A trailing "**" needs at least one segment; elsewhere "**" may match none.
        self._open_ended = parts[-1] == _ANY_SEGMENTS
        self._parts = parts[:-1] if self._open_ended else parts

    def matches(self, key: str) -> bool:
        # Keys ending in "/" are console-made "folder" markers, never state objects.
        if not key or key.endswith("/"):
            return False
        # A leading "/" is no empty first segment, as in gitignore (S3 keys may start so).
        segments = key.removeprefix("/").split("/")
        parts = self._parts
        # States of an NFA over pattern segments: index i means parts[:i] matched so far.
        states = self._closure({0})
        for n, segment in enumerate(segments):
            after: set[int] = set()
            for i in states:
                if i < len(parts):
                    if parts[i] == _ANY_SEGMENTS:
                        after.add(i)
                    elif segment_matches(parts[i], segment):
                        after.add(i + 1)
            if self._open_ended and len(parts) in states and n < len(segments):
                return True  # the prefix matched and this segment lies below it
            if not after:
                return False
            states = self._closure(after)
        return not self._open_ended and len(parts) in states

    def _closure(self, states: set[int]) -> set[int]:
        """Add the states reached by letting each ``**`` match no segment."""
        pending = list(states)
        while pending:
            i = pending.pop()
            if i < len(self._parts) and self._parts[i] == _ANY_SEGMENTS and i + 1 not in states:
                states.add(i + 1)
                pending.append(i + 1)
        return states

    def __repr__(self) -> str:
        return f"KeyGlob({self.pattern!r})"
