"""Read HCL files the way driftmgr needs them, and evaluate the small part of HCL it can.

python-hcl2 (8.x, see research-providers.md §4) turns a file into plain dicts and lists. With
``strip_string_quotes`` a string literal arrives unescaped (``"a\\"b"`` → ``a"b``) while every
expression arrives as a template: ``bucket = var.x`` reads as ``"${var.x}"``, and the text inside
``${…}`` is still HCL source. :func:`parse_template` splits such a string into literal text and
:class:`Interpolation` parts; :func:`render` evaluates the parts an :class:`Env` knows (Terragrunt
functions, locals) and leaves the others exactly as written, reporting each as a
:class:`Problem`. The expression language understood is deliberately small: string, number and
bool literals, tuples, references with ``.attr`` / ``[index]`` steps, and function calls. Anything
else (operators, conditionals, ``for``, template directives) is left as written.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import hcl2

__all__ = [
    "Env",
    "HclError",
    "Interpolation",
    "LazyObject",
    "Problem",
    "Unevaluated",
    "block_bodies",
    "heredoc_text",
    "interpolations",
    "labeled_blocks",
    "load_hcl",
    "parse_template",
    "read_text",
    "render",
    "template_string",
]

_OPTIONS = hcl2.SerializationOptions(
    strip_string_quotes=True, explicit_blocks=False, with_comments=False
)


class HclError(ValueError):
    """A file is not HCL that python-hcl2 can read; the message is one line."""


def load_hcl(text: str) -> dict[str, Any]:
    """Parse HCL source into python-hcl2's plain dict form (heredocs kept raw: ``<<EOT…EOT``)."""
    try:
        doc = hcl2.loads(text, serialization_options=_OPTIONS)
    except Exception as e:  # lark raises many error types; all mean "not HCL we can read"
        raise HclError(f"not valid HCL ({_syntax_error(e)})") from None
    if not isinstance(doc, dict):
        raise HclError("not valid HCL (no top-level body)")
    return doc


def _syntax_error(e: Exception) -> str:
    """One line out of lark's multi-line messages: where, and what was found there."""
    line, column = getattr(e, "line", None), getattr(e, "column", None)
    token, char = getattr(e, "token", None), getattr(e, "char", None)
    if getattr(token, "type", None) == "$END":
        what = "unexpected end of file"
    elif token is not None:
        what = f"unexpected {str(token)!r}"
    elif isinstance(char, str):
        what = f"unexpected {char!r}"
    else:
        text = str(e).strip()
        what = text.splitlines()[0] if text else type(e).__name__
    if isinstance(line, int) and line > 0:
        return f"line {line}, column {column}: {what}"
    return what


def block_bodies(value: Any) -> list[dict[str, Any]]:
    """The bodies of a block type, whether it was written as a block (a list) or a map."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def labeled_blocks(value: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(label, body)`` for each block of a one-label type (``backend "s3" {…}``), in order."""
    found: list[tuple[str, dict[str, Any]]] = []
    for item in block_bodies(value):
        for label, body in item.items():
            if isinstance(body, dict):
                found.append((label, body))
            elif isinstance(body, list):  # .tf.json allows a list of bodies per label
                found.extend((label, b) for b in body if isinstance(b, dict))
    return found


_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][\w-]*)\r?\n(.*?)\r?\n?[ \t]*\2[ \t]*\Z", re.DOTALL)


def heredoc_text(value: str) -> str | None:
    """The template text of a raw heredoc (``<<-EOT`` indentation removed), or None."""
    match = _HEREDOC.match(value)
    if match is None:
        return None
    indented, body = match.group(1) == "-", match.group(3)
    lines = body.split("\n")
    if indented:
        widths = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(widths, default=0)
        lines = [line[cut:] for line in lines]
    return "\n".join(lines)


# --- templates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interpolation:
    """One ``${…}`` (or ``%{…}`` directive) inside a string, with its HCL source text."""

    raw: str
    """Exactly as written, ``${…}`` included."""
    expr: str
    """The expression inside, stripped."""
    directive: bool = False


def parse_template(value: str, *, escaped: bool = False) -> list[str | Interpolation]:
    """Split a string into literal text and interpolations.

    ``escaped`` is for the body of a string literal inside an expression, which is still HCL
    source (``\\"`` and ``\\n`` escapes); python-hcl2 has already unescaped top-level strings. In
    both, ``$${`` and ``%%{`` stand for a literal ``${`` and ``%{``.
    """
    parts: list[str | Interpolation] = []
    text: list[str] = []
    i, n = 0, len(value)
    while i < n:
        if escaped and value[i] == "\\" and i + 1 < n:
            text.append(_unescape(value, i))
            i += 6 if value[i + 1] == "u" else 10 if value[i + 1] == "U" else 2
        elif value.startswith(("$${", "%%{"), i):
            text.append(value[i + 1 : i + 3])
            i += 3
        elif value.startswith(("${", "%{"), i):
            end = _scan_braces(value, i + 2)
            if end < 0:  # unterminated: keep the rest as text
                text.append(value[i:])
                break
            if text:
                parts.append("".join(text))
                text = []
            inner = value[i + 2 : end - 1].strip().strip("~").strip()
            parts.append(Interpolation(value[i:end], inner, directive=value[i] == "%"))
            i = end
        else:
            text.append(value[i])
            i += 1
    if text:
        parts.append("".join(text))
    return parts


def interpolations(value: Any) -> list[Interpolation]:
    """Every interpolation in a value (strings inside lists and maps included), in order."""
    if isinstance(value, str):
        return [p for p in parse_template(value) if isinstance(p, Interpolation)]
    if isinstance(value, list):
        return [i for item in value for i in interpolations(item)]
    if isinstance(value, dict):
        return [i for item in value.values() for i in interpolations(item)]
    return []


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(value: str, i: int) -> str:
    kind = value[i + 1]
    if kind in _ESCAPES:
        return _ESCAPES[kind]
    width = 4 if kind == "u" else 8 if kind == "U" else 0
    digits = value[i + 2 : i + 2 + width]
    if width and len(digits) == width:
        try:
            return chr(int(digits, 16))
        except ValueError:
            pass
    return value[i : i + 2]


def _scan_braces(s: str, i: int) -> int:
    """Index just past the ``}`` closing a ``{`` that ends right before ``i``; -1 if none."""
    depth = 1
    while i < len(s):
        c = s[i]
        if c == '"':
            i = _scan_string(s, i)
            if i < 0:
                return -1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _scan_string(s: str, i: int) -> int:
    """Index just past the quoted string literal (HCL source) starting at ``s[i] == '"'``."""
    i += 1
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif s.startswith(("$${", "%%{"), i):
            i += 3
        elif s.startswith(("${", "%{"), i):
            i = _scan_braces(s, i + 2)
            if i < 0:
                return -1
        else:
            i += 1
    return -1


# --- expressions -------------------------------------------------------------------------------


class Unevaluated(Exception):
    """An expression driftmgr does not evaluate; ``reason`` says why, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LazyObject(ABC):
    """An object value whose attributes are computed on access (``local``, ``include.root``)."""

    @abstractmethod
    def lookup(self, key: str) -> Any:
        """The attribute ``key``; raise :class:`Unevaluated` when it cannot be known."""


class Env(Protocol):
    """Where an expression's names come from."""

    def variable(self, name: str) -> Any:
        """The value of a root name (``local``, ``include`` …); raise Unevaluated if unknown."""

    def call(self, name: str, args: list[Any]) -> Any:
        """Call a function; raise Unevaluated for functions that are not evaluated."""


@dataclass(frozen=True)
class Problem:
    """An interpolation left as written, and why."""

    expr: str
    reason: str | None = None

    def describe(self) -> str:
        return f"{self.expr} ({self.reason})" if self.reason else self.expr


def render(value: Any, env: Env) -> tuple[Any, list[Problem]]:
    """Evaluate every template in a value; what cannot be evaluated stays as written."""
    problems: list[Problem] = []
    return _render(value, env, problems), problems


def _render(value: Any, env: Env, problems: list[Problem]) -> Any:
    if isinstance(value, str):
        return _render_template(parse_template(value), env, problems)
    if isinstance(value, list):
        return [_render(item, env, problems) for item in value]
    if isinstance(value, dict):
        return {key: _render(item, env, problems) for key, item in value.items()}
    return value


def _render_template(parts: list[str | Interpolation], env: Env, problems: list[Problem]) -> Any:
    if len(parts) == 1 and isinstance(parts[0], Interpolation) and not parts[0].directive:
        # A lone interpolation keeps its type ("${local.cfg}" may be a map).
        only = parts[0]
        try:
            return _evaluate(_Parser(only.expr).parse(), env)
        except Unevaluated as e:
            problems.append(Problem(only.expr, _reason(only.expr, e.reason)))
            return only.raw
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        if part.directive:
            problems.append(Problem(part.raw, "template directive"))
            out.append(part.raw)
            continue
        try:
            out.append(template_string(_evaluate(_Parser(part.expr).parse(), env)))
        except Unevaluated as e:
            problems.append(Problem(part.expr, _reason(part.expr, e.reason)))
            out.append(part.raw)
    return "".join(out)


def _reason(expr: str, reason: str) -> str | None:
    # "var.x" explains itself; say more only when the reason adds something.
    return None if not reason or reason == expr else reason


def template_string(value: Any) -> str:
    """A value as HCL writes it into a string template."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    raise Unevaluated("not a string")


@dataclass(frozen=True)
class _Lit:
    value: Any


@dataclass(frozen=True)
class _Str:
    parts: list[str | Interpolation]


@dataclass(frozen=True)
class _Tuple:
    items: list[_Node]


@dataclass(frozen=True)
class _Ref:
    name: str


@dataclass(frozen=True)
class _Call:
    name: str
    args: list[_Node]
    source: str


@dataclass(frozen=True)
class _Get:
    target: _Node
    key: _Node


_Node = _Lit | _Str | _Tuple | _Ref | _Call | _Get

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<name>[A-Za-z_][\w-]*)
      | (?P<punct>[().,\[\]])
      | (?P<quote>")
    )""",
    re.VERBOSE,
)


class _Parser:
    """A recursive-descent parser for the expression subset described in the module docstring."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0

    def parse(self) -> _Node:
        node = self._postfix()
        if self.source[self.pos :].strip():
            raise Unevaluated("")
        return node

    def _peek(self) -> str:
        rest = self.source[self.pos :].lstrip()
        return rest[:1]

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise Unevaluated("")
        self.pos = self.source.index(char, self.pos) + 1

    def _postfix(self) -> _Node:
        node = self._primary()
        while True:
            nxt = self._peek()
            if nxt == ".":
                self._expect(".")
                match = _TOKEN.match(self.source, self.pos)
                if match is None or match.group("name") is None:
                    raise Unevaluated("")  # .* splat, .0
                self.pos = match.end()
                node = _Get(node, _Lit(match.group("name")))
            elif nxt == "[":
                self._expect("[")
                key = self._postfix()
                self._expect("]")
                node = _Get(node, key)
            else:
                return node

    def _primary(self) -> _Node:
        start = self.pos
        match = _TOKEN.match(self.source, self.pos)
        if match is None:
            raise Unevaluated("")
        self.pos = match.end()
        if match.group("num"):
            text = match.group("num")
            return _Lit(float(text) if any(c in text for c in ".eE") else int(text))
        if match.group("quote"):
            end = _scan_string(self.source, match.end() - 1)
            if end < 0:
                raise Unevaluated("")
            self.pos = end
            return _Str(parse_template(self.source[match.end() : end - 1], escaped=True))
        if match.group("punct") == "[":
            items: list[_Node] = []
            while self._peek() != "]":
                items.append(self._postfix())
                if self._peek() != ",":
                    break
                self._expect(",")
            self._expect("]")
            return _Tuple(items)
        name = match.group("name")
        if name is None:
            raise Unevaluated("")
        if name in ("true", "false", "null"):
            return _Lit({"true": True, "false": False, "null": None}[name])
        if self._peek() != "(":
            return _Ref(name)
        self._expect("(")
        args: list[_Node] = []
        while self._peek() != ")":
            args.append(self._postfix())
            if self._peek() != ",":
                break
            self._expect(",")
        self._expect(")")
        return _Call(name, args, self.source[start : self.pos].strip())


def _evaluate(node: _Node, env: Env) -> Any:
    if isinstance(node, _Lit):
        return node.value
    if isinstance(node, _Str):
        problems: list[Problem] = []
        value = _render_template(node.parts, env, problems)
        if problems:
            raise Unevaluated(problems[0].reason or problems[0].expr)
        return value
    if isinstance(node, _Tuple):
        return [_evaluate(item, env) for item in node.items]
    if isinstance(node, _Ref):
        return env.variable(node.name)
    if isinstance(node, _Call):
        return env.call(node.name, [_evaluate(arg, env) for arg in node.args])
    target, key = _evaluate(node.target, env), _evaluate(node.key, env)
    return _step(target, key)


def _step(target: Any, key: Any) -> Any:
    if isinstance(target, LazyObject) and isinstance(key, str):
        return target.lookup(key)
    if isinstance(target, Mapping) and isinstance(key, str) and key in target:
        return target[key]
    if isinstance(target, list) and isinstance(key, int) and -len(target) <= key < len(target):
        return target[key]
    raise Unevaluated(f"no attribute or element {key!r}")


def read_text(path: Path) -> str:
    """A config file's text (UTF-8, a BOM tolerated)."""
    return path.read_text(encoding="utf-8-sig")
