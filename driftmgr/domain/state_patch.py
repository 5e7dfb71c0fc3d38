"""Edits of a raw version 4 state document: the new snapshots remediation writes.

Pure: bytes in, bytes out. Every edit makes the next snapshot of the same state, as
Terraform would: ``serial`` one higher, ``lineage`` kept, every other field and every key
order as it was, written as Terraform writes (two-space indent, trailing newline). A
document is decoded into builtins and edited in place, so that fields this module does not
know (``check_results``, ``identity`` …) survive every edit.

Addresses are Terraform's: ``aws_instance.web``, ``module.a["x"].aws_instance.web[0]``,
``data.aws_ami.ubuntu``. Keys are compared as values, not as text, so ``["a"]`` written
with any valid HCL escaping finds the same instance.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, TypeGuard

__all__ = [
    "StatePatchError",
    "lineage_of",
    "remove_instance",
    "restore",
    "serial_of",
    "set_attributes",
]

IndexKey = int | str | None


class StatePatchError(ValueError):
    """The edit cannot be made to this document; the message says why, on one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.splitlines()))


def serial_of(document: bytes) -> int | None:
    """The document's ``serial``, or None when it is not a state with an integer serial."""
    doc = _loads_or_none(document)
    serial = doc.get("serial") if isinstance(doc, dict) else None
    return serial if _is_int(serial) else None


def lineage_of(document: bytes) -> str | None:
    """The document's ``lineage``, or None when it has none."""
    doc = _loads_or_none(document)
    lineage = doc.get("lineage") if isinstance(doc, dict) else None
    return lineage if isinstance(lineage, str) and lineage else None


def set_attributes(document: bytes, address: str, attributes: dict[str, Any]) -> bytes:
    """Set ``attributes`` (merged over the instance's own) on the instance at ``address``.

    Setting ``tags`` also sets ``tags_all``, as the AWS provider keeps it: the new tags plus
    the entries of the old ``tags_all`` whose keys were not in the old ``tags`` (the
    provider's ``default_tags``). An explicit ``tags_all`` in ``attributes`` wins.
    """
    doc = _load(document)
    _, _, instance = _find(doc, _parse_address(address), address)
    current = instance.get("attributes")
    if not isinstance(current, dict):
        raise StatePatchError(
            f"{address}: the instance has no JSON attributes (a pre-0.12 flatmap state?); "
            "let terraform upgrade the state first"
        )
    old_tags, old_all = current.get("tags"), current.get("tags_all")
    current.update(attributes)
    if "tags" in attributes and "tags_all" not in attributes and "tags_all" in current:
        current["tags_all"] = _tags_all(attributes["tags"], old_tags, old_all)
    return _dump(_next_serial(doc))


def remove_instance(document: bytes, address: str) -> bytes:
    """Drop the instance at ``address``; the resource entry goes with its last instance."""
    doc = _load(document)
    resources, r, instance = _find(doc, _parse_address(address), address)
    instances = resources[r]["instances"]
    instances.remove(instance)
    if not instances:
        del resources[r]
    return _dump(_next_serial(doc))


def restore(snapshot: bytes, current: bytes) -> bytes:
    """``snapshot``'s content as the next snapshot after ``current`` (same lineage only)."""
    old, now = _load(snapshot), _load(current)
    if old.get("lineage") != now.get("lineage"):
        raise StatePatchError(
            f"the snapshot's lineage {old.get('lineage')!r} is not the state's "
            f"{now.get('lineage')!r}: they are different states; nothing is restored"
        )
    old["serial"] = _serial(now) + 1
    return _dump(old)


# --- addresses -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Address:
    modules: tuple[tuple[str, IndexKey], ...]
    mode: str
    type: str
    name: str
    key: IndexKey


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INT = re.compile(r"-?[0-9]+")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _parse_address(address: str) -> _Address:
    steps = _steps(address, address)
    modules: list[tuple[str, IndexKey]] = []
    i = 0
    while len(steps) - i > 2 and steps[i] == ("module", None):
        modules.append(steps[i + 1])
        i += 2
    mode = "managed"
    if len(steps) - i == 3 and steps[i] == ("data", None):
        mode = "data"
        i += 1
    rest = steps[i:]
    if len(rest) != 2 or rest[0][1] is not None:
        raise StatePatchError(
            f"{address!r} is not a resource instance address (such as aws_instance.web[0] "
            'or module.app.aws_s3_bucket.data["logs"])'
        )
    (type_, _), (name, key) = rest
    return _Address(tuple(modules), mode, type_, name, key)


def _module_path(module: str, address: str) -> tuple[tuple[str, IndexKey], ...]:
    if not module:
        return ()
    steps = _steps(module, address)
    if len(steps) % 2 or any(step != ("module", None) for step in steps[::2]):
        raise StatePatchError(f"{address}: the state names a malformed module path")
    return tuple(steps[1::2])


def _steps(text: str, address: str) -> list[tuple[str, IndexKey]]:
    """``a.b[0].c["k"]`` as ``[("a", None), ("b", 0), ("c", "k")]``."""
    steps: list[tuple[str, IndexKey]] = []
    pos = 0
    while True:
        match = _IDENT.match(text, pos)
        if match is None:
            raise StatePatchError(f"{address!r}: expected a name at character {pos + 1}")
        pos = match.end()
        key: IndexKey = None
        if text.startswith("[", pos):
            key, pos = _key(text, pos + 1, address)
        steps.append((match.group(), key))
        if pos == len(text):
            return steps
        if text[pos] != ".":
            raise StatePatchError(f"{address!r}: unexpected {text[pos]!r} at character {pos + 1}")
        pos += 1


def _key(text: str, pos: int, address: str) -> tuple[IndexKey, int]:
    """The index key starting at ``pos`` (after ``[``) and the position after its ``]``."""
    if (number := _INT.match(text, pos)) and text.startswith("]", number.end()):
        return int(number.group()), number.end() + 1
    if not text.startswith('"', pos):
        raise StatePatchError(f"{address!r}: an index must be a number or a quoted string")
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            if not text.startswith("]", i + 1):
                break
            return "".join(out), i + 2
        if char == "\\" and i + 1 < len(text):
            code = text[i + 1]
            width = {"u": 4, "U": 8}.get(code)
            if width is not None:
                digits = text[i + 2 : i + 2 + width]
                if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    break
                out.append(chr(int(digits, 16)))
                i += 2 + width
                continue
            if code not in _ESCAPES:
                break
            out.append(_ESCAPES[code])
            i += 2
            continue
        if char in "$%" and text.startswith(char + "{", i + 1):
            out.append(char)  # `$${` and `%%{` are HCL's escapes of `${` and `%{`
            i += 2
            continue
        out.append(char)
        i += 1
    raise StatePatchError(f"{address!r}: malformed quoted index key")


def _find(doc: dict[str, Any], want: _Address, address: str) -> tuple[list[Any], int, Any]:
    """The resources list, the position of the resource in it, and the instance object."""
    resources = doc.get("resources")
    if not isinstance(resources, list):
        resources = []
    for r, resource in enumerate(resources):
        if not (
            isinstance(resource, dict)
            and resource.get("mode") == want.mode
            and resource.get("type") == want.type
            and resource.get("name") == want.name
            and _module_path(resource.get("module") or "", address) == want.modules
        ):
            continue
        instances = resource.get("instances")
        for instance in instances if isinstance(instances, list) else ():
            if isinstance(instance, dict) and _index_key(instance) == want.key:
                if instance.get("deposed"):
                    continue  # a deposed object is not the instance the address names
                return resources, r, instance
    raise StatePatchError(f"{address}: no such resource instance in the state")


def _index_key(instance: dict[str, Any]) -> IndexKey:
    key = instance.get("index_key")
    if isinstance(key, float) and key.is_integer():
        return int(key)  # Go writes every number as a float64
    return key if key is None or isinstance(key, str) or _is_int(key) else None


# --- documents -----------------------------------------------------------------------------


def _tags_all(tags: Any, old_tags: Any, old_all: Any) -> dict[str, Any]:
    new = tags if isinstance(tags, dict) else {}
    before = old_tags if isinstance(old_tags, dict) else {}
    defaults = {
        k: v for k, v in (old_all if isinstance(old_all, dict) else {}).items() if k not in before
    }
    merged = {**defaults, **new}
    return {k: merged[k] for k in sorted(merged)}  # terraform writes maps with sorted keys


def _load(document: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(document)
    except (ValueError, UnicodeDecodeError):
        raise StatePatchError("not a Terraform state: the document is not valid JSON") from None
    if not isinstance(doc, dict):
        raise StatePatchError("not a Terraform state: the document is not a JSON object")
    if doc.get("version") != 4:
        raise StatePatchError(
            "only version 4 states are edited; let terraform 0.12 or later upgrade it first"
        )
    return doc


def _loads_or_none(document: bytes) -> Any:
    try:
        return json.loads(document)
    except (ValueError, UnicodeDecodeError):
        return None


def _serial(doc: dict[str, Any]) -> int:
    serial = doc.get("serial")
    if not _is_int(serial) or serial < 0:
        raise StatePatchError("the state has no valid 'serial'; it is not a state terraform wrote")
    return int(serial)


def _next_serial(doc: dict[str, Any]) -> dict[str, Any]:
    doc["serial"] = _serial(doc) + 1
    return doc


def _dump(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
