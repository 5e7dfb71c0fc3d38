"""``.driftignore``: driftctl's syntax, so users can bring their files along.

Each line is a gitignore rule matched against ``TYPE.ID``:

- ``#`` starts a comment; blank lines are skipped; ``!`` re-includes what an earlier line
  ignored (the last matching line wins, as in gitignore);
- ``*`` matches within a name, and a line matches the resource *and* everything below it;
- a dot inside an id is escaped as ``\\.`` (``aws_s3_bucket.my\\.bucket``), a backslash as
  ``\\\\``; a ``/`` in an id may be written as is;
- a line with more than two dot-separated parts names attribute paths instead of whole
  resources: ``aws_instance.*.tags.Owner`` ignores that tag's drift on every instance.

Matching uses pathspec's gitignore implementation (a maintained library), so negation and
wildcards behave as users know them from ``.gitignore``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

import msgspec
from pathspec import GitIgnoreSpec

__all__ = ["IgnoreRules", "IgnoreSyntaxError"]

# gitignore treats "/" as a directory separator; ids (ARNs, DNS records) contain slashes,
# so they are swapped for a marker on both sides of the match (driftctl does the same).
_SLASH = "_-_"
_UNESCAPED_DOT = re.compile(r"(?<!\\)\.")


class IgnoreSyntaxError(ValueError):
    """A rule cannot be read; the message names the source and line."""


class _FieldRule(msgspec.Struct, frozen=True):
    negated: bool
    type_pattern: str
    id_pattern: str
    path: tuple[str, ...]


def _unescape(segment: str) -> str:
    return segment.replace("\\.", ".").replace("\\\\", "\\")


class IgnoreRules:
    def __init__(
        self,
        resource_lines: list[str],
        field_rules: list[_FieldRule],
        type_rules: list[tuple[bool, str, str]],
    ) -> None:
        self._spec = GitIgnoreSpec.from_lines(resource_lines)
        self._field_rules = field_rules
        self._type_rules = type_rules
        self._empty = not resource_lines and not field_rules

    @classmethod
    def empty(cls) -> IgnoreRules:
        return cls([], [], [])

    @classmethod
    def parse(cls, lines: Iterable[str], source: str = ".driftignore") -> IgnoreRules:
        resource_lines: list[str] = []
        field_rules: list[_FieldRule] = []
        type_rules: list[tuple[bool, str, str]] = []
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            body = line[1:] if negated else line
            if not body or body.strip("!") == "":
                raise IgnoreSyntaxError(f"{source} line {number}: {raw.strip()!r} names nothing")
            parts = _UNESCAPED_DOT.split(body)
            if any(p == "" for p in parts[:2]) or (len(parts) > 2 and "" in parts[2:]):
                raise IgnoreSyntaxError(
                    f"{source} line {number}: {raw.strip()!r} has an empty part; "
                    "escape dots inside ids as \\."
                )
            if len(parts) > 2:
                field_rules.append(
                    _FieldRule(
                        negated=negated,
                        type_pattern=parts[0],
                        id_pattern=_unescape(parts[1]).replace("/", _SLASH),
                        path=tuple(_unescape(p) for p in parts[2:]),
                    )
                )
                continue
            pattern = ".".join(parts).replace("/", _SLASH)
            # A type alone ("aws_iam_*") covers every id of the matching types.
            if len(parts) == 1:
                pattern += ".*"
            resource_lines.append(("!" if negated else "") + pattern)
            type_rules.append((negated, parts[0], parts[1] if len(parts) > 1 else "*"))
        return cls(resource_lines, field_rules, type_rules)

    @property
    def is_empty(self) -> bool:
        return self._empty

    def is_ignored(self, resource_type: str, resource_id: str) -> bool:
        if self._empty:
            return False
        candidate = f"{resource_type}.{resource_id}".replace("/", _SLASH)
        return self._spec.match_file(candidate)

    def ignores_whole_type(self, resource_type: str) -> bool:
        """True when no id of this type can be re-included: the type need not be listed."""
        whole = False
        for negated, type_pattern, id_pattern in self._type_rules:
            if not fnmatch.fnmatchcase(resource_type, type_pattern):
                continue
            if negated:
                whole = False
            elif id_pattern in ("*", "**"):
                whole = True
        return whole

    def is_path_ignored(self, resource_type: str, resource_id: str, path: str) -> bool:
        """Whether the change at attribute ``path`` (``tags.Owner``, ``ingress``) is ignored."""
        if not self._field_rules:
            return False
        steps = tuple(re.split(r"[.\[\]]+", path.strip("[]")))
        ident = resource_id.replace("/", _SLASH)
        ignored = False
        for rule in self._field_rules:
            if not (
                fnmatch.fnmatchcase(resource_type, rule.type_pattern)
                and fnmatch.fnmatchcase(ident, rule.id_pattern)
                and len(steps) >= len(rule.path)
                and all(fnmatch.fnmatchcase(s, p) for s, p in zip(steps, rule.path, strict=False))
            ):
                continue
            ignored = not rule.negated
        return ignored
