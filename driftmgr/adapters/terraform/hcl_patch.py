"""Patch a resource's Terraform code so that it sets given values: "accept" the cloud.

:func:`patch_attributes` finds the ``resource`` block of an address in a Terraform
directory's ``*.tf`` files, and rewrites only the text that must change: the value of an
``attr = value`` line, a missing attribute inserted after the block's last one, single
entries of a ``tags = {…}`` map. Comments and everything else stay as written; the ``=``
of the lines around an edit are aligned as ``terraform fmt`` aligns them, so that code that
passed ``terraform fmt -check`` still does. python-hcl2's parse tree (Lark, with positions)
locates the text, and parses the result again as a check.

It refuses, with a message saying what to change by hand, whenever a literal would not
express the cloud's value faithfully (ADR 0012):

* the value in the code is an expression (a reference, a function call, a ``for``
  expression, an interpolation) rather than a literal;
* the resource has ``count`` or ``for_each`` and the value is shared by, or computed for,
  every instance while the instances' values differ (one literal cannot express that);
* the resource is in a child module, declared in JSON syntax, or has an override file.

The other instances' values come from the ``state`` argument (the caller's snapshot of
the state) or else the directory's local ``terraform.tfstate``; with neither, the patch is
made and :attr:`HclPatch.notes` says that the other instances were not checked.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import msgspec
from lark import Token, Tree

from driftmgr.domain.remediation import NotRemediable

__all__ = [
    "Attribute",
    "Block",
    "HclPatch",
    "NotLiteral",
    "PatchRefused",
    "ResourceAddress",
    "align_assignments",
    "is_literal",
    "literal_value",
    "parse_address",
    "parse_blocks",
    "patch_attributes",
    "render_value",
]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "endfor", "endif", "else"})
_ADDRESS = re.compile(
    r'^(?P<type>[A-Za-z_][\w-]*)\.(?P<name>[A-Za-z_][\w-]*)(?:\[(?P<key>\d+|"(?:[^"\\]|\\.)*")\])?$'
)
#: Meta-arguments and blocks that are not the provider's attributes.
_META = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner"})
_INDENT = "  "


class PatchRefused(NotRemediable):
    """The code cannot be patched safely; the message says why and what to do by hand."""


class HclPatch(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    """The patched file, relative to the Terraform directory."""
    diff: str
    """A unified diff (``a/PATH``, ``b/PATH``); empty when the code already sets the values."""
    new_text: str
    notes: tuple[str, ...] = ()
    """What the patch leaves unchecked (e.g. the other instances' values)."""


@dataclass(frozen=True)
class ResourceAddress:
    type: str
    name: str
    key: int | str | None = None

    @property
    def resource(self) -> str:
        return f"{self.type}.{self.name}"


def parse_address(address: str) -> ResourceAddress:
    """``aws_instance.web[0]`` → type, name, key; refuses module, data and malformed ones."""
    text = address.strip()
    if text.startswith("module."):
        raise PatchRefused(
            f"{address} is in a child module: driftmgr patches resources of the root module "
            "only; change the module's code (or the arguments the root module passes it) by "
            "hand"
        )
    if text.startswith("data."):
        raise PatchRefused(f"{address} is a data source: there is nothing to accept")
    found = _ADDRESS.match(text)
    if found is None:
        raise PatchRefused(f"{address!r} is not a resource address such as aws_instance.web[0]")
    raw = found.group("key")
    key: int | str | None = None
    if raw is not None:
        key = int(raw) if raw.isdigit() else str(json.loads(raw))
    return ResourceAddress(found.group("type"), found.group("name"), key)


# --------------------------------------------------------------------------------------------
# Locating text: blocks and attributes with their positions


@dataclass(frozen=True)
class Attribute:
    name: str
    start: int
    """Where its name starts."""
    value: Tree[Token]
    value_start: int
    value_end: int


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    start: int
    end: int
    open_end: int
    """Just after its ``{``."""
    close_start: int
    """Where its ``}`` is."""
    attributes: dict[str, Attribute]
    blocks: tuple[Block, ...]


def parse_blocks(text: str) -> list[Block]:
    """The top-level blocks of HCL source; raises :class:`PatchRefused` if it is not HCL."""
    body = _parse(text).children[0]
    assert isinstance(body, Tree)
    return _body(body)[1]


def _parse(text: str) -> Tree[Token]:
    try:
        tree: Tree[Token] = hcl2.parses_to_tree(text)
    except Exception as e:  # lark raises many error types; all mean "not HCL we can read"
        raise PatchRefused(f"not valid HCL: {str(e).splitlines()[0] if str(e) else e}") from None
    return tree


def _body(body: Tree[Token]) -> tuple[dict[str, Attribute], list[Block]]:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = _token_text(child.children[0])
            value = child.children[2]
            assert isinstance(value, Tree)
            attributes[name] = Attribute(
                name=name,
                start=child.meta.start_pos,
                value=value,
                value_start=value.meta.start_pos,
                value_end=_end_of(value),
            )
        elif child.data == "block":
            blocks.append(_block(child))
    return attributes, blocks


def _block(node: Tree[Token]) -> Block:
    names: list[str] = []
    open_end = close_start = -1
    inner: Tree[Token] | None = None
    for child in node.children:
        if isinstance(child, Token):
            if child.type == "LBRACE":
                open_end = _end(child)
            elif child.type == "RBRACE":
                close_start = _start(child)
        elif child.data == "body":
            inner = child
        elif child.data == "string":
            names.append(_string_value(child))
        elif child.data != "new_line_or_comment":
            names.append(_token_text(child))
    attributes, blocks = _body(inner) if inner is not None else ({}, [])
    return Block(
        type=names[0],
        labels=tuple(names[1:]),
        start=node.meta.start_pos,
        end=node.meta.end_pos,
        open_end=open_end,
        close_start=close_start,
        attributes=attributes,
        blocks=tuple(blocks),
    )


def _end_of(node: Tree[Token]) -> int:
    """Where an expression (or a map entry) ends: a heredoc's token takes in the newline
    after its closing marker, which belongs to the line, not to the value."""
    end: int = node.meta.end_pos
    tokens = list(node.scan_values(lambda v: isinstance(v, Token)))
    if tokens and tokens[-1].type.startswith("HEREDOC") and str(tokens[-1]).endswith("\n"):
        return end - 1
    return end


def _start(token: Token) -> int:
    assert token.start_pos is not None
    return token.start_pos


def _end(token: Token) -> int:
    assert token.end_pos is not None
    return token.end_pos


def _token_text(node: Tree[Token] | Token) -> str:
    if isinstance(node, Token):
        return str(node)
    return "".join(_token_text(c) for c in node.children)


def _string_value(node: Tree[Token]) -> str:
    value = literal_value(node)
    if not isinstance(value, str):
        raise PatchRefused("a block label is not a plain string")
    return value


# --------------------------------------------------------------------------------------------
# Literals: reading them, writing them


class NotLiteral(ValueError):
    """An expression: its value is known only to terraform."""


def is_literal(node: Tree[Token]) -> bool:
    try:
        literal_value(node)
    except NotLiteral:
        return False
    return True


def literal_value(node: Tree[Token] | Token, context: Mapping[str, Any] | None = None) -> Any:
    """The value of a literal expression; raises :class:`NotLiteral` for any other.

    ``context`` gives values to the references ``count.index``, ``each.key`` and
    ``each.value`` (a ``for_each`` instance's), so that ``"web-${count.index}"`` can be
    evaluated for one instance. Nothing else is evaluated.
    """
    if isinstance(node, Token):
        raise NotLiteral
    kind = node.data
    parts = [
        c for c in node.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")
    ]
    if kind == "expr_term":
        inner = [c for c in parts if not (isinstance(c, Token) and c.type in ("LPAR", "RPAR"))]
        if len(inner) != 1:
            raise NotLiteral
        return literal_value(inner[0], context)
    if kind == "string":
        return "".join(_string_part(p, context) for p in parts if isinstance(p, Tree))
    if kind == "int_lit":
        return int(str(parts[0]))
    if kind == "float_lit":
        return float(str(parts[0]))
    if kind == "literal_value":
        return {"true": True, "false": False, "null": None}[str(parts[0])]
    if kind == "unary_op" and str(parts[0]) == "-":
        number = literal_value(parts[1], context)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise NotLiteral
        return -number
    if kind == "tuple":
        return [literal_value(c, context) for c in parts if isinstance(c, Tree)]
    if kind == "object":
        return dict(_object_items(node, context))
    if kind in ("heredoc_template", "heredoc_template_trim"):
        return _heredoc(str(parts[0]), trim=kind == "heredoc_template_trim")
    if kind == "get_attr_expr_term" and context is not None:
        reference = _token_text(node).replace(" ", "")
        if reference in context:
            return context[reference]
    raise NotLiteral


def _string_part(part: Tree[Token], context: Mapping[str, Any] | None) -> str:
    (piece,) = part.children
    if isinstance(piece, Token):
        if piece.type == "STRING_CHARS":
            return _unescape(str(piece))
        if piece.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
            return _unescape(str(piece)[1:])  # `$${…}`: one `$`, the rest as any text
        raise NotLiteral
    if piece.data == "interpolation" and context is not None:
        value = literal_value(piece.children[1], context)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise NotLiteral
        return str(value)
    raise NotLiteral


def _object_items(
    node: Tree[Token], context: Mapping[str, Any] | None
) -> Iterator[tuple[str, Any]]:
    for element in node.children:
        if isinstance(element, Tree) and element.data == "object_elem":
            yield _object_key(element), literal_value(element.children[2], context)


def _object_key(element: Tree[Token]) -> str:
    """An object element's key when it is a name or a literal string."""
    key = element.children[0]
    assert isinstance(key, Tree)
    (inner,) = key.children
    if isinstance(inner, Tree) and inner.data == "expr_term" and len(inner.children) == 1:
        only = inner.children[0]
        if isinstance(only, Tree) and only.data == "identifier":
            return _token_text(only)
        if isinstance(only, Tree) and only.data == "string":
            value = literal_value(only)
            assert isinstance(value, str)
            return value
    if isinstance(inner, Tree) and inner.data == "keyword":
        return _token_text(inner)
    raise NotLiteral


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:([ntr\"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")


def _unescape(text: str) -> str:
    def one(found: re.Match[str]) -> str:
        simple, short, long = found.groups()
        if simple:
            return _ESCAPES[simple]
        return chr(int(short or long, 16))

    return _ESCAPE.sub(one, text)


def _heredoc(token: str, *, trim: bool) -> str:
    lines = token.split("\n")
    body = lines[1:-2]  # the <<EOT line, then the closing marker and the final newline
    if any("${" in line.replace("$${", "") or "%{" in line.replace("%%{", "") for line in body):
        raise NotLiteral
    if trim:
        widths = [len(line) - len(line.lstrip(" ")) for line in body if line.strip()]
        cut = min(widths, default=0)
        body = [line[cut:] for line in body]
    text = "\n".join(body) + ("\n" if body else "")
    return text.replace("$${", "${").replace("%%{", "%{")


def render_value(value: Any, indent: str = "") -> str:
    """``value`` as an HCL literal; maps and long lists span lines, indented from ``indent``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PatchRefused(f"{value} cannot be written in HCL")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        inner = indent + _INDENT
        width = max(len(_key(k)) for k in value)
        lines = [
            f"{inner}{_key(k).ljust(width)} = {render_value(v, inner)}" for k, v in value.items()
        ]
        return "{\n" + "\n".join(lines) + f"\n{indent}}}"
    if isinstance(value, list | tuple):
        items = [render_value(v, indent + _INDENT) for v in value]
        flat = "[" + ", ".join(items) + "]"
        if len(flat) <= 80 and "\n" not in flat:
            return flat
        inner = indent + _INDENT
        return "[\n" + "".join(f"{inner}{item},\n" for item in items) + f"{indent}]"
    raise PatchRefused(f"a {type(value).__name__} value cannot be written in HCL")


def _quote(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{_TEMPLATE_START.sub(_escape_template, escaped)}"'


_TEMPLATE_START = re.compile(r"[$%]\{")


def _escape_template(found: re.Match[str]) -> str:
    """``${``/``%{`` as literal text: ``$${``/``%%{`` as terraform writes it, which python-hcl2
    reads only when a ``}`` follows; else ``\\u0024{``/``\\u0025{``, the same value."""
    sign = found.group(0)[0]
    if "}" in found.string[found.end() :]:
        return sign * 2 + "{"
    return f"\\u{ord(sign):04x}{{"


def _key(key: Any) -> str:
    """A map key: bare when it is a name, quoted when HCL would read it otherwise (as
    ``null`` the value, or ``for`` the start of a for expression)."""
    text = str(key)
    return text if _IDENTIFIER.match(text) and text not in _KEYWORDS else _quote(text)


# --------------------------------------------------------------------------------------------
# Patching


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Found:
    path: Path
    text: str
    block: Block
    blocks: list[Block]
    """Every top-level block of the directory's *.tf files (for providers)."""


def patch_attributes(
    tf_dir: Path,
    address: str,
    attributes: Mapping[str, Any],
    *,
    state: Mapping[str, Mapping[str, Any]] | None = None,
) -> HclPatch:
    """The change to ``tf_dir``'s code that makes ``address`` set ``attributes``.

    ``attributes`` are top-level attribute values as the provider names them (a map for
    ``tags``). ``state`` is the state's attributes of the resource's instances by address
    (``aws_instance.web[1]`` → …), used to check the other instances of a ``count`` or
    ``for_each`` resource; when None, the directory's local ``terraform.tfstate`` is read
    if there is one. Raises :class:`PatchRefused` with what to change by hand.
    """
    target = parse_address(address)
    if not attributes:
        raise PatchRefused(f"{address}: no attribute values to set")
    found = _find_resource(tf_dir, target)
    block = found.block
    repeated = _repetition(block)
    _check_key(address, target, repeated)
    context = _instance_context(target, block, repeated)
    instances = dict(state) if state is not None else _local_state(tf_dir, target)
    siblings = None
    if repeated is not None and instances is not None:
        siblings = {a: v for a, v in instances.items() if a != address}
    current = instances.get(address) if instances is not None else None
    patcher = _Patcher(found.text, block, address, repeated, context, siblings, current)
    defaults = _default_tags(found.blocks, block) if target.type.startswith("aws_") else {}
    for name, value in attributes.items():
        patcher.set(name, value, defaults if name == "tags" else {})
    new_text = patcher.apply()
    notes = list(patcher.notes)
    if repeated is not None and siblings is None and patcher.shared:
        notes.append(
            f"{target.resource} has {repeated}: the other instances' values were not "
            "checked (no state given, no local terraform.tfstate); review the plan for them"
        )
    relative = found.path.relative_to(tf_dir).as_posix()
    diff = "".join(
        difflib.unified_diff(
            found.text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=f"a/{relative}",
            tofile=f"b/{relative}",
        )
    )
    return HclPatch(path=relative, diff=diff, new_text=new_text, notes=tuple(notes))


def _find_resource(tf_dir: Path, target: ResourceAddress) -> _Found:
    if not tf_dir.is_dir():
        raise PatchRefused(f"{tf_dir} is not a directory")
    for path in sorted(tf_dir.glob("*.tf.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        resources = doc.get("resource", {}) if isinstance(doc, dict) else {}
        if isinstance(resources, dict) and target.name in resources.get(target.type, {}):
            raise PatchRefused(
                f"{target.resource} is declared in JSON syntax ({path.name}): patch it by hand"
            )
    everything: list[Block] = []
    declared: list[tuple[Path, str, Block]] = []
    for path in sorted(tf_dir.glob("*.tf")):
        text = path.read_text(encoding="utf-8")
        try:
            blocks = parse_blocks(text)
        except PatchRefused as e:
            raise PatchRefused(f"{path.name}: {e}") from None
        everything.extend(blocks)
        declared.extend(
            (path, text, b)
            for b in blocks
            if b.type == "resource" and b.labels == (target.type, target.name)
        )
    if not declared:
        raise PatchRefused(f"no resource {target.resource} is declared in {tf_dir}/*.tf")
    overrides = [p.name for p, _, _ in declared if _is_override(p)]
    if overrides:
        raise PatchRefused(
            f"{target.resource} is changed by an override file ({', '.join(overrides)}): "
            "patch it by hand"
        )
    path, text, block = declared[0]
    return _Found(path=path, text=text, block=block, blocks=everything)


def _is_override(path: Path) -> bool:
    return path.name == "override.tf" or path.name.endswith("_override.tf")


def _repetition(block: Block) -> str | None:
    """``count`` or ``for_each`` when the block has one."""
    for meta in ("count", "for_each"):
        if meta in block.attributes:
            return meta
    return None


def _check_key(address: str, target: ResourceAddress, repeated: str | None) -> None:
    if repeated is None and target.key is not None:
        raise PatchRefused(f"{address}: {target.resource} has neither count nor for_each")
    if repeated is not None and target.key is None:
        raise PatchRefused(
            f"{address}: {target.resource} has {repeated}; name one instance, "
            f"e.g. {target.resource}[{'0' if repeated == 'count' else json.dumps('key')}]"
        )
    if repeated == "count" and not isinstance(target.key, int):
        raise PatchRefused(f"{address}: {target.resource} has count; its keys are numbers")
    if repeated == "for_each" and not isinstance(target.key, str):
        raise PatchRefused(f"{address}: {target.resource} has for_each; its keys are strings")


def _instance_context(
    target: ResourceAddress, block: Block, repeated: str | None
) -> dict[str, Any]:
    if repeated == "count":
        return {"count.index": target.key}
    if repeated != "for_each":
        return {}
    context: dict[str, Any] = {"each.key": target.key}
    try:
        each = literal_value(block.attributes["for_each"].value)
    except NotLiteral:
        return context
    if isinstance(each, dict) and target.key in each:
        context["each.value"] = each[target.key]
    elif isinstance(each, list):
        context["each.value"] = target.key
    return context


def _local_state(tf_dir: Path, target: ResourceAddress) -> dict[str, dict[str, Any]] | None:
    """The resource's instances in the directory's local state, or None without one."""
    data_dir = tf_dir / ".terraform"
    try:
        backend = json.loads((data_dir / "terraform.tfstate").read_text(encoding="utf-8"))
        if backend.get("backend", {}).get("type", "local") != "local":
            return None
    except (OSError, ValueError, AttributeError):
        pass
    try:
        workspace = (data_dir / "environment").read_text(encoding="utf-8").strip() or "default"
    except OSError:
        workspace = "default"
    path = (
        tf_dir / "terraform.tfstate"
        if workspace == "default"
        else tf_dir / "terraform.tfstate.d" / workspace / "terraform.tfstate"
    )
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    instances: dict[str, dict[str, Any]] = {}
    for resource in state.get("resources", []):
        if (
            resource.get("mode") != "managed"
            or "module" in resource
            or (resource.get("type"), resource.get("name")) != (target.type, target.name)
        ):
            continue
        for instance in resource.get("instances", []):
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            instances[target.resource + suffix] = dict(instance.get("attributes") or {})
    return instances


def _default_tags(blocks: Sequence[Block], resource: Block) -> dict[str, Any]:
    """The literal ``default_tags`` of the aws provider configuration ``resource`` uses."""
    alias = None
    if "provider" in resource.attributes:
        reference = _source_of(resource.attributes["provider"]).split(".")
        alias = reference[1] if len(reference) == 2 else None
    for block in blocks:
        if block.type != "provider" or block.labels != ("aws",):
            continue
        try:
            own = (
                literal_value(block.attributes["alias"].value)
                if "alias" in block.attributes
                else None
            )
        except NotLiteral:
            continue
        if own != alias:
            continue
        for inner in block.blocks:
            if inner.type == "default_tags" and "tags" in inner.attributes:
                try:
                    tags = literal_value(inner.attributes["tags"].value)
                except NotLiteral:
                    return {}
                return dict(tags) if isinstance(tags, dict) else {}
    return {}


def _source_of(attribute: Attribute) -> str:
    return _token_text(attribute.value).strip()


class _Patcher:
    """The edits that make one resource block set the values asked for."""

    def __init__(
        self,
        text: str,
        block: Block,
        address: str,
        repeated: str | None,
        context: Mapping[str, Any],
        siblings: Mapping[str, Mapping[str, Any]] | None,
        current: Mapping[str, Any] | None,
    ) -> None:
        self.text = text
        self.current = current
        """The state's values of this instance, when known."""
        self.block = block
        self.address = address
        self.repeated = repeated
        self.context = context
        self.siblings = siblings
        self.edits: list[_Edit] = []
        self.inserted: list[tuple[str, Any]] = []
        self.notes: list[str] = []
        self.shared = False
        """Whether an edit changes a value every instance shares."""

    # -- decisions

    def set(self, name: str, value: Any, defaults: Mapping[str, Any]) -> None:
        if not _IDENTIFIER.match(name) or name in _META:
            raise PatchRefused(f"{self.address}: {name!r} is not an attribute driftmgr can set")
        if any(b.type == name for b in self.block.blocks):
            raise PatchRefused(
                f"{self.address}: {name} is a nested block; driftmgr patches attributes only, "
                "change the block by hand"
            )
        attribute = self.block.attributes.get(name)
        if isinstance(value, Mapping) and (attribute is None or _is_object(attribute.value)):
            self._set_map(name, attribute, value, defaults)
        else:
            self._set_value(name, attribute, value)

    def _set_value(self, name: str, attribute: Attribute | None, value: Any) -> None:
        if attribute is None:
            if _is_empty(value):
                return  # not set is null: nothing to write
            self._check_siblings(name, lambda v: _same(v.get(name), value))
            self.inserted.append((name, value))
            return
        try:
            current = literal_value(attribute.value)
        except NotLiteral:
            self._expression(name, attribute, value)
            return
        if _same(current, value):
            return
        self._check_siblings(name, lambda v: _same(v.get(name), value))
        indent = self._indent_at(attribute.start)
        self.edits.append(
            _Edit(attribute.value_start, attribute.value_end, render_value(value, indent))
        )

    def _expression(self, name: str, attribute: Attribute, value: Any) -> None:
        source = _source_of(attribute)
        try:
            evaluated = literal_value(attribute.value, self.context)
        except NotLiteral:
            raise PatchRefused(
                f"{self.address}: {name} is set by an expression ({_short(source)}), not a "
                "literal; driftmgr does not rewrite expressions: change that code by hand"
            ) from None
        if _same(evaluated, value):
            return
        raise PatchRefused(
            f"{self.address}: {name} differs per instance ({_short(source)}); one literal "
            f"cannot give this instance the cloud's value and keep the others': change that "
            "code by hand (e.g. a map indexed by count.index or each.key)"
        )

    def _set_map(
        self,
        name: str,
        attribute: Attribute | None,
        value: Mapping[str, Any],
        defaults: Mapping[str, Any],
    ) -> None:
        if attribute is None:
            wanted = {k: v for k, v in value.items() if not (k in defaults and defaults[k] == v)}
            if not wanted:
                return
            for key, item in wanted.items():
                self._check_siblings(name, lambda v, k=key, i=item: _same(_get(v, name, k), i))
            self.inserted.append((name, wanted))
            return
        elements = _elements(attribute.value)
        existing = {key for key, _ in elements}
        wanted = {
            k: v
            for k, v in value.items()
            if k in existing or not (k in defaults and defaults[k] == v)
        }
        indent = self._indent_at(attribute.start) + _INDENT
        removed: list[Tree[Token]] = []
        replaced: dict[int, str] = {}
        for key, element in elements:
            if key not in wanted:
                self._check_siblings(f"{name}.{key}", lambda v, k=key: _get(v, name, k) is None)
                removed.append(element)
                continue
            replacement = self._map_entry(name, key, element, wanted[key], indent)
            if replacement is not None:
                replaced[id(element)] = replacement
        added = {k: v for k, v in wanted.items() if k not in existing}
        for key, item in added.items():
            self._check_siblings(
                f"{name}.{key}", lambda v, k=key, i=item: _same(_get(v, name, k), i)
            )
        if removed or replaced or added:
            self._edit_map(attribute, elements, removed, replaced, added, indent)

    def _map_entry(
        self, name: str, key: str, element: Tree[Token], value: Any, indent: str
    ) -> str | None:
        """The new text of an entry's value, or None to keep it."""
        node = element.children[2]
        assert isinstance(node, Tree)
        try:
            current = literal_value(node)
        except NotLiteral:
            current = None
            try:
                evaluated = literal_value(node, self.context)
            except NotLiteral:
                self._unevaluated_entry(name, key, node, value)
                return None
            if _same(evaluated, value):
                return None
            raise PatchRefused(
                f"{self.address}: {name}.{key} differs per instance "
                f"({_short(_token_text(node).strip())}); one literal cannot give this "
                "instance the cloud's value and keep the others': change that code by hand"
            ) from None
        if _same(current, value):
            return None
        self._check_siblings(f"{name}.{key}", lambda v: _same(_get(v, name, key), value))
        return render_value(value, indent)

    def _unevaluated_entry(self, name: str, key: str, node: Tree[Token], value: Any) -> None:
        source = _short(_token_text(node).strip())
        mine = self.current
        if mine is not None and _same(_get(mine, name, key), value):
            return None  # not drifted: the expression gives what the cloud has
        if mine is None:
            self.notes.append(
                f"{name}.{key} left as written ({source}): an expression driftmgr cannot "
                "evaluate; check that it gives the cloud's value"
            )
            return None
        raise PatchRefused(
            f"{self.address}: {name}.{key} is set by an expression ({source}), not a literal; "
            "driftmgr does not rewrite expressions: change that code by hand"
        )

    def _check_siblings(self, what: str, agrees: Any) -> None:
        """Refuse a change of a value all instances share when another instance differs."""
        if self.repeated is None:
            return
        self.shared = True
        if self.siblings is None:
            return
        differ = sorted(a for a, v in self.siblings.items() if not agrees(v))
        if differ:
            raise PatchRefused(
                f"{self.address}: {what} is one literal for every instance of this "
                f"{self.repeated} resource, and {', '.join(differ[:3])} "
                f"{'has' if len(differ) == 1 else 'have'} another value: one literal cannot "
                "express both; change that code by hand (e.g. a map indexed by "
                f"{'count.index' if self.repeated == 'count' else 'each.key'})"
            )

    # -- text

    def _indent_at(self, position: int) -> str:
        line_start = self.text.rfind("\n", 0, position) + 1
        prefix = self.text[line_start:position]
        return prefix if not prefix.strip() else re.match(r"\s*", prefix).group(0)  # type: ignore[union-attr]

    def _edit_map(
        self,
        attribute: Attribute,
        elements: list[tuple[str, Tree[Token]]],
        removed: list[Tree[Token]],
        replaced: dict[int, str],
        added: Mapping[str, Any],
        indent: str,
    ) -> None:
        start, end = attribute.value_start, attribute.value_end
        own_lines = "\n" in self.text[start:end] and all(
            self._alone_on_line(e) for _, e in elements
        )
        if not own_lines:  # e.g. `{ a = "b", c = "d" }`: write the map again, one per line
            outer = self._indent_at(attribute.start)
            gone = {id(e) for e in removed}
            lines = [
                (
                    _key(k),
                    replaced.get(id(e)) or _token_text(e.children[2]).strip(),
                )
                for k, e in elements
                if id(e) not in gone
            ]
            lines += [(_key(k), render_value(v, indent)) for k, v in added.items()]
            self.edits.append(_Edit(start, end, _map_text(lines, outer)))
            return
        for element in removed:
            line_start = self.text.rfind("\n", 0, element.meta.start_pos) + 1
            line_end = self.text.find("\n", _end_of(element)) + 1
            self.edits.append(_Edit(line_start, line_end, ""))
        for _, element in elements:
            if id(element) in replaced:
                node = element.children[2]
                assert isinstance(node, Tree)
                self.edits.append(_Edit(node.meta.start_pos, _end_of(node), replaced[id(element)]))
        if added:
            kept = [e for _, e in elements if e not in removed]
            if kept:
                at = self.text.find("\n", _end_of(kept[-1])) + 1
            else:
                at = self.text.rfind("\n", 0, end) + 1
            text = "".join(
                f"{indent}{_key(k)} = {render_value(v, indent)}\n" for k, v in added.items()
            )
            self.edits.append(_Edit(at, at, text))

    def _alone_on_line(self, element: Tree[Token]) -> bool:
        line_start = self.text.rfind("\n", 0, element.meta.start_pos) + 1
        before = self.text[line_start : element.meta.start_pos]
        line_end = self.text.find("\n", _end_of(element))
        after = self.text[_end_of(element) : line_end].strip().lstrip(",").strip()
        return not before.strip() and (not after or after.startswith(("#", "//")))

    def apply(self) -> str:
        edits = list(self.edits)
        if self.inserted:
            edits.append(self._insertion())
        edits.sort(key=lambda e: (e.start, e.end))
        for before, after in itertools.pairwise(edits):
            if before.end > after.start:  # pragma: no cover - one edit per attribute
                raise PatchRefused(f"{self.address}: overlapping edits")
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        """Where each edit's text is in the patched text."""
        cursor = shift = 0
        for edit in edits:
            pieces += [self.text[cursor : edit.start], edit.text]
            spans.append((edit.start + shift, edit.start + shift + len(edit.text)))
            shift += len(edit.text) - (edit.end - edit.start)
            cursor = edit.end
        pieces.append(self.text[cursor:])
        try:
            return align_assignments("".join(pieces), spans)
        except PatchRefused as e:  # pragma: no cover - a bug, never the user's code
            raise PatchRefused(f"{self.address}: the patched code does not parse ({e})") from None

    def _insertion(self) -> _Edit:
        block, text = self.block, self.text
        block_indent = self._indent_at(block.start)
        indent = block_indent + _INDENT
        ordered = sorted(block.attributes.values(), key=lambda a: a.start)
        one_line = "\n" not in text[block.open_end : block.close_start]
        if ordered and not one_line:
            indent = self._indent_at(ordered[-1].start)
        lines = "".join(
            f"{indent}{name} = {render_value(value, indent)}\n" for name, value in self.inserted
        )
        if one_line:
            # `resource "x" "y" {}` or `{ name = "q" }`: HCL wants a multi-line body.
            existing = text[block.open_end : block.close_start].strip()
            body = (f"{indent}{existing}\n" if existing else "") + lines
            return _Edit(block.open_end, block.close_start, "\n" + body + block_indent)
        if ordered:
            at = text.find("\n", ordered[-1].value_end) + 1
        else:
            at = text.find("\n", block.open_end) + 1
        return _Edit(at, at, lines)


def _map_text(lines: list[tuple[str, str]], outer: str) -> str:
    if not lines:
        return "{}"
    inner = outer + _INDENT
    return "{\n" + "".join(f"{inner}{k} = {v}\n" for k, v in lines) + f"{outer}}}"


def align_assignments(text: str, spans: Sequence[tuple[int, int]] | None = None) -> str:
    """``text`` with the ``=`` of its assignments aligned as ``terraform fmt`` aligns them.

    fmt aligns each run of consecutive lines holding one assignment each, key first and value
    on that line (a heredoc's body lines do not count); any other line (blank, a comment,
    ``tags = {``) ends the run, and a ``tags = {`` gets one space before its ``=``. With
    ``spans`` (edited ranges of ``text``), only the runs at an edit and next to it are
    aligned: the rest stays as written. Raises :class:`PatchRefused` if it is not HCL.
    """
    touched: set[int] = set()
    for start, end in spans if spans is not None else [(0, len(text))]:
        # The lines around the edit too: a removed or added line changes the runs it ends.
        first = text.count("\n", 0, start) - 1
        touched.update(range(first, text.count("\n", 0, end) + 2))
    found = [
        a
        for node in _parse(text).iter_subtrees()
        if node.data in ("attribute", "object_elem") and (a := _assignment(text, node)) is not None
    ]
    edits = [
        _Edit(a.key_end, a.equals_end, " =") for a in found if not a.aligned and a.first in touched
    ]
    runs: list[list[_Assignment]] = []
    for member in sorted((a for a in found if a.aligned), key=lambda a: a.first):
        if runs and member.first == runs[-1][-1].last + 1:
            runs[-1].append(member)
        else:
            runs.append([member])
    for run in runs:
        if all(touched.isdisjoint(range(m.first, m.last + 1)) for m in run):
            continue
        column = max(m.lead for m in run)
        edits += [_Edit(m.key_end, m.equals_end, " " * (column - m.lead + 1) + "=") for m in run]
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


@dataclass(frozen=True)
class _Assignment:
    """An ``attr = value`` or map entry first on its line."""

    first: int
    last: int
    """Its first and last line (they differ for a heredoc)."""
    aligned: bool
    """Whether fmt aligns it with its neighbours: not when the value spans lines (``{``)."""
    lead: int
    """Its key's last column."""
    key_end: int
    equals_end: int
    """Just after its ``=``: the spaces from ``key_end`` up to it are what alignment sets."""


def _assignment(text: str, node: Tree[Token]) -> _Assignment | None:
    key, equals, value = node.children[:3]
    if not (isinstance(key, Tree) and isinstance(equals, Token) and isinstance(value, Tree)):
        return None
    if str(equals).strip() != "=":  # `key: value` in an object
        return None
    start, key_end = key.meta.start_pos, key.meta.end_pos
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():  # not first on its line: `{ a = 1, b = 2 }`
        return None
    end = _end_of(value)
    heredoc = any(
        isinstance(c, Tree) and c.data.startswith("heredoc_template") for c in value.children
    )
    return _Assignment(
        first=text.count("\n", 0, start),
        last=text.count("\n", 0, end),
        aligned=heredoc or "\n" not in text[value.meta.start_pos : end],
        lead=key_end - line_start,
        key_end=key_end,
        equals_end=_end(equals),
    )


def _is_object(node: Tree[Token]) -> bool:
    inner = [c for c in node.children if isinstance(c, Tree)]
    return node.data == "expr_term" and len(inner) == 1 and inner[0].data == "object"


def _elements(node: Tree[Token]) -> list[tuple[str, Tree[Token]]]:
    (obj,) = [c for c in node.children if isinstance(c, Tree)]
    elements = []
    for element in obj.children:
        if isinstance(element, Tree) and element.data == "object_elem":
            try:
                elements.append((_object_key(element), element))
            except NotLiteral:
                key = _short(_token_text(element.children[0]).strip())
                raise PatchRefused(
                    f"a key of the map is an expression ({key}): change that code by hand"
                ) from None
    return elements


def _get(values: Mapping[str, Any], name: str, key: str) -> Any:
    inner = values.get(name)
    return inner.get(key) if isinstance(inner, Mapping) else None


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _same(a: Any, b: Any) -> bool:
    """Equal as Terraform compares: numbers by value, null and empty as equal."""
    if _is_empty(a) and _is_empty(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _short(source: str, limit: int = 60) -> str:
    flat = " ".join(source.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
