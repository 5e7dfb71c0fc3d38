"""Evaluate just enough of Terragrunt to know where each unit keeps its state.

A unit is a ``terragrunt.hcl``. Its backend is its own ``remote_state``, or else the one of the
files it includes (the last include wins, as Terragrunt merges them bottom-up; ``no_merge``
includes are ignored), or else a ``generate`` block whose contents hold a ``terraform { backend
… }``. Included files are evaluated *in the unit's context*, as Terragrunt does:
``path_relative_to_include()`` there is the unit's directory relative to the included file's.

Evaluated: ``path_relative_to_include``, ``path_relative_from_include``, ``find_in_parent_folders``,
``get_env`` (from the given environment), ``get_terragrunt_dir``, ``get_parent_terragrunt_dir``,
``get_original_terragrunt_dir``, ``get_repo_root`` and the two ``get_path_*_repo_root`` (by
looking for ``.git``), ``read_terragrunt_config(…).locals``, ``local.*``,
``include.<label>.locals.*`` and a few pure string functions (``basename``, ``dirname``,
``lower``, ``upper``, ``trimspace``, ``trimprefix``, ``trimsuffix``, ``replace`` without a
regex, ``format`` with ``%s``/``%d``/``%v``). Everything else (``get_aws_account_id()``,
``run_cmd``, ``dependency.*`` outputs, operators …) is left as written and reported as a
:class:`~driftmgr.adapters.terraform.hcl.Problem`, never guessed.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftmgr.adapters.terraform.hcl import (
    HclError,
    LazyObject,
    Problem,
    Unevaluated,
    block_bodies,
    heredoc_text,
    interpolations,
    labeled_blocks,
    load_hcl,
    read_text,
    render,
    template_string,
)

__all__ = ["CONFIG_NAME", "Include", "RemoteState", "Terragrunt"]

CONFIG_NAME = "terragrunt.hcl"
_MAX_PARENTS = 100  # Terragrunt's own bound on find_in_parent_folders


@dataclass(frozen=True)
class Include:
    label: str
    """``""`` for a bare ``include {}``."""
    path: Path
    merge_strategy: str = "shallow"


@dataclass(frozen=True)
class RemoteState:
    """A unit's effective backend, evaluated; what could not be evaluated is left as written."""

    unit: Path
    backend: str
    config: dict[str, Any]
    problems: dict[str, list[Problem]]
    """Interpolations left as written, by top-level config key."""
    declared_in: Path
    generated: bool = False
    """True when the backend comes from a ``generate`` block's contents."""


class Terragrunt:
    """Parses and evaluates Terragrunt files, caching each parsed file.

    ``warn(path, message)`` receives one-line problems that make a file or block unusable.
    ``readable(path)`` says whether a file outside the scanned tree may be looked at (a
    server's state roots): one that may not is treated as absent, without being touched.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        warn: Callable[[Path, str], None],
        *,
        readable: Callable[[Path], bool],
    ) -> None:
        self.environ = environ
        self._warn = warn
        self.readable = readable
        self._docs: dict[Path, dict[str, Any] | None] = {}
        self._includes: dict[Path, list[Include]] = {}

    def parse(self, path: Path) -> dict[str, Any] | None:
        """The parsed file, or None (warned once) when it cannot be read or parsed."""
        if path not in self._docs:
            if not self.readable(path):
                self._docs[path] = None
                self._warn(path, "outside the directories this server may read; skipped")
                return None
            try:
                self._docs[path] = load_hcl(read_text(path))
            except HclError as e:
                self._docs[path] = None
                self._warn(path, f"{e}; skipped")
            except (OSError, UnicodeDecodeError) as e:
                self._docs[path] = None
                self._warn(path, f"cannot read ({_os_reason(e)}); skipped")
        return self._docs[path]

    def includes(self, unit: Path) -> list[Include]:
        """The unit's ``include`` blocks with their paths evaluated, in order."""
        if unit in self._includes:
            return self._includes[unit]
        found: list[Include] = []
        doc = self.parse(unit) or {}
        scope = _Scope(self, config=unit, file=unit, unit=unit, includes=[], original=None)
        for label, body in _include_blocks(doc.get("include")):
            name = f'include "{label}"' if label else "include"
            path, problems = render(body.get("path"), scope)
            if problems or not isinstance(path, str) or not path:
                why = _explain(problems) or "no path"
                self._warn(unit, f"{name}: {why}; include ignored")
                continue
            target = Path(os.path.normpath(unit.parent / path))
            if not self.readable(target) or not target.is_file():
                self._warn(unit, f"{name}: {path} does not exist; include ignored")
                continue
            strategy = body.get("merge_strategy", "shallow")
            found.append(Include(label, target, strategy if isinstance(strategy, str) else ""))
        self._includes[unit] = found
        return found

    def is_unit(self, path: Path, *, included: set[Path], has_tf_files: bool) -> bool:
        """Whether a ``terragrunt.hcl`` is a unit (rather than a root other files include)."""
        doc = self.parse(path)
        if doc is None:
            return False
        terraform = block_bodies(doc.get("terraform"))
        if path in included:
            return any("source" in body for body in terraform)
        # Not included by anything we saw: a unit if it includes something, configures
        # terraform, or sits beside Terraform code. A lone file with only a
        # remote_state (a root scanned without its children) is not.
        return bool(doc.get("include") or terraform or has_tf_files)

    def remote_state(self, unit: Path) -> RemoteState | None:
        """The unit's effective backend, or None when it has none Terragrunt would configure."""
        doc = self.parse(unit)
        if doc is None:
            return None
        includes = self.includes(unit)
        own = _Scope(self, config=unit, file=unit, unit=unit, includes=includes, original=None)
        body = _remote_state_body(doc)
        if body is not None:
            return self._remote_state(unit, body, own)
        merged = [i for i in includes if i.merge_strategy != "no_merge"]
        for include in reversed(merged):
            body = _remote_state_body(self.parse(include.path) or {})
            if body is not None:
                scope = own.included(include)
                return self._remote_state(unit, body, scope)
        return self._generated_backend(unit, doc, own, merged)

    def _remote_state(self, unit: Path, body: dict[str, Any], scope: _Scope) -> RemoteState | None:
        backend, problems = render(body.get("backend"), scope)
        if problems or not isinstance(backend, str) or not backend:
            why = _explain(problems) or "not set"
            self._warn(unit, f"remote_state backend: {why}; skipped")
            return None
        raw = body.get("config", {})
        config: dict[str, Any] = {}
        by_key: dict[str, list[Problem]] = {}
        if isinstance(raw, dict):
            for key, value in raw.items():
                config[key], found = render(value, scope)
                if found:
                    by_key[key] = found
        else:
            value, found = render(raw, scope)
            if found or not isinstance(value, dict):
                why = _explain(found) or "not a map"
                self._warn(unit, f"remote_state config: {why}; skipped")
                return None
            config = value
        return RemoteState(unit, backend, config, by_key, scope.file)

    def _generated_backend(
        self, unit: Path, doc: dict[str, Any], own: _Scope, includes: list[Include]
    ) -> RemoteState | None:
        # generate blocks merge by label, the unit's own overriding its includes'.
        blocks: dict[str, tuple[dict[str, Any], _Scope]] = {}
        for include in includes:
            for label, body in labeled_blocks((self.parse(include.path) or {}).get("generate")):
                blocks[label] = (body, own.included(include))
        for label, body in labeled_blocks(doc.get("generate")):
            blocks[label] = (body, own)
        for label, (body, scope) in blocks.items():
            contents = body.get("contents")
            if not isinstance(contents, str) or "backend" not in contents:
                continue
            text = heredoc_text(contents)
            rendered, problems = render(contents if text is None else text, scope)
            if not isinstance(rendered, str):
                continue
            try:
                generated = load_hcl(rendered)
            except HclError as e:
                self._warn(unit, f'generate "{label}": contents are {e}; skipped')
                continue
            for terraform in block_bodies(generated.get("terraform")):
                for backend, settings in labeled_blocks(terraform.get("backend")):
                    reasons = {p.expr: p for p in problems}
                    by_key = {
                        key: [reasons.get(i.expr, Problem(i.expr)) for i in found]
                        for key, value in settings.items()
                        if (found := interpolations(value))
                    }
                    return RemoteState(unit, backend, settings, by_key, scope.file, True)
        return None


def _include_blocks(value: Any) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for body in block_bodies(value):
        if "path" in body and not isinstance(body["path"], dict):
            found.append(("", body))  # bare include {}
        else:
            found.extend(labeled_blocks([body]))
    return found


def _remote_state_body(doc: dict[str, Any]) -> dict[str, Any] | None:
    bodies = block_bodies(doc.get("remote_state"))
    return bodies[0] if bodies else None


def _explain(problems: list[Problem]) -> str:
    return "; ".join(f"{p.expr}: {p.reason}" if p.reason else p.expr for p in problems)


def _os_reason(e: Exception) -> str:
    return e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__


# --- evaluation ---------------------------------------------------------------------------------


@dataclass
class _Scope:
    """What an expression in one file sees while Terragrunt parses one config."""

    tg: Terragrunt
    config: Path
    """Terragrunt's "current config": the unit, or the file read by read_terragrunt_config."""
    file: Path
    """The file whose ``local.*`` are in scope (the unit or an included file)."""
    unit: Path
    """The unit that started it all (get_original_terragrunt_dir, the repository root)."""
    includes: list[Include]
    original: Include | None
    """Set while evaluating an included file: the include that pulled it in."""
    _locals: dict[str, Any] = field(default_factory=dict)
    _evaluating: set[str] = field(default_factory=set)

    def included(self, include: Include) -> _Scope:
        return _Scope(
            self.tg,
            config=self.config,
            file=include.path,
            unit=self.unit,
            includes=self.includes,
            original=include,
        )

    # Env protocol

    def variable(self, name: str) -> Any:
        if name == "local":
            return _Locals(self)
        if name == "include" and self.original is None and self.includes:
            return _Includes(self)
        if name == "dependency":
            raise Unevaluated("dependency outputs need terraform")
        raise Unevaluated("")

    def call(self, name: str, args: list[Any]) -> Any:
        special = _TERRAGRUNT_FUNCTIONS.get(name)
        if special is not None:
            return special(self, args)
        pure = _STRING_FUNCTIONS.get(name)
        if pure is not None:
            if not all(isinstance(a, str) for a in args):
                raise Unevaluated(f"{name}() is only evaluated on strings")
            try:
                return pure(*args)
            except TypeError:
                raise Unevaluated(f"{name}() takes other arguments") from None
        if name in _NEEDS_AWS:
            raise Unevaluated("needs AWS credentials")
        raise Unevaluated(f"{name}() is not evaluated")

    # locals

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        doc = self.tg.parse(self.file) or {}
        sources: dict[str, Any] = {}
        for body in block_bodies(doc.get("locals")):
            sources.update(body)
        if name not in sources:
            raise Unevaluated(f"no local {name}")
        if name in self._evaluating:
            raise Unevaluated(f"local.{name} refers to itself")
        self._evaluating.add(name)
        try:
            value, problems = render(sources[name], self)
        finally:
            self._evaluating.discard(name)
        if problems:
            first = problems[0]
            raise Unevaluated(f"{first.expr}: {first.reason}" if first.reason else first.expr)
        self._locals[name] = value
        return value

    # include helpers

    def selected_include(self, args: list[Any]) -> Include | None:
        if self.original is not None:
            return self.original
        if not self.includes:
            return None
        if len(self.includes) == 1:
            return self.includes[0]
        if len(args) != 1:
            raise Unevaluated("needs an include label when there are several includes")
        for include in self.includes:
            if include.label == args[0]:
                return include
        raise Unevaluated(f"no include labelled {args[0]!r}")

    def config_dir(self) -> str:
        return self.config.parent.as_posix()


class _Locals(LazyObject):
    def __init__(self, scope: _Scope) -> None:
        self.scope = scope

    def lookup(self, key: str) -> Any:
        return self.scope.local(key)


class _Includes(LazyObject):
    """``include.<label>`` (or ``include.locals`` for a bare include)."""

    def __init__(self, scope: _Scope) -> None:
        self.scope = scope

    def lookup(self, key: str) -> Any:
        for include in self.scope.includes:
            if include.label == key:
                return _ConfigView(self.scope.included(include))
        bare = [i for i in self.scope.includes if i.label == ""]
        if bare:
            return _ConfigView(self.scope.included(bare[0])).lookup(key)
        raise Unevaluated(f"no include labelled {key!r}")


class _ConfigView(LazyObject):
    """A parsed Terragrunt config as an object: ``.locals`` and ``.inputs`` are evaluated."""

    def __init__(self, scope: _Scope) -> None:
        self.scope = scope

    def lookup(self, key: str) -> Any:
        if key == "locals":
            return _Locals(self.scope)
        if key == "inputs":
            doc = self.scope.tg.parse(self.scope.file) or {}
            value, problems = render(doc.get("inputs", {}), self.scope)
            if problems:
                raise Unevaluated(f"inputs use {problems[0].expr}")
            return value
        raise Unevaluated(f"{key} of an included config is not evaluated")


# Terragrunt's own functions


def _arg(args: list[Any], index: int, default: str | None = None) -> str:
    if index < len(args):
        value = args[index]
        if isinstance(value, str):
            return value
        raise Unevaluated("argument is not a string")
    if default is None:
        raise Unevaluated("missing argument")
    return default


def _find_in_parent_folders(scope: _Scope, args: list[Any]) -> str:
    name = _arg(args, 0, "") or CONFIG_NAME
    previous = Path(os.path.abspath(scope.config.parent))
    for _ in range(_MAX_PARENTS):
        current = previous.parent
        if current == previous:
            break
        candidate = current / name
        if scope.tg.readable(candidate) and candidate.is_file():
            return candidate.as_posix()
        previous = current
    if len(args) > 1:
        return _arg(args, 1)
    raise Unevaluated(f"no {name} in a parent folder")


def _path_relative_to_include(scope: _Scope, args: list[Any]) -> str:
    include = scope.selected_include(args)
    if include is None:
        return "."
    return Path(os.path.relpath(scope.config.parent, include.path.parent)).as_posix()


def _path_relative_from_include(scope: _Scope, args: list[Any]) -> str:
    include = scope.selected_include(args)
    if include is None:
        return "."
    return Path(os.path.relpath(include.path.parent, scope.config.parent)).as_posix()


def _get_parent_terragrunt_dir(scope: _Scope, args: list[Any]) -> str:
    relative = _path_relative_from_include(scope, args)
    return Path(os.path.normpath(scope.config.parent / relative)).as_posix()


def _get_env(scope: _Scope, args: list[Any]) -> str:
    name = _arg(args, 0)
    if name in scope.tg.environ:
        return scope.tg.environ[name]
    if len(args) > 1:
        return _arg(args, 1)
    raise Unevaluated(f"environment variable {name} is not set")


def _repo_root(scope: _Scope) -> Path:
    directory = scope.unit.parent
    for candidate in (directory, *directory.parents):
        if scope.tg.readable(candidate) and (candidate / ".git").exists():
            return candidate
    raise Unevaluated("not inside a git repository")


def _read_terragrunt_config(scope: _Scope, args: list[Any]) -> Any:
    target = Path(os.path.normpath(scope.config.parent / _arg(args, 0)))
    if not scope.tg.readable(target):
        raise Unevaluated(f"{target.name} is outside the directories this server may read")
    if target.is_dir():
        target = target / CONFIG_NAME
    if not scope.tg.readable(target) or not target.is_file():
        if len(args) > 1:
            return args[1]
        raise Unevaluated(f"{target.name} does not exist")
    if scope.tg.parse(target) is None:
        raise Unevaluated(f"{target.name} cannot be parsed")
    read = _Scope(scope.tg, config=target, file=target, unit=scope.unit, includes=[], original=None)
    return _ConfigView(read)


_TERRAGRUNT_FUNCTIONS: dict[str, Callable[[_Scope, list[Any]], Any]] = {
    "find_in_parent_folders": _find_in_parent_folders,
    "path_relative_to_include": _path_relative_to_include,
    "path_relative_from_include": _path_relative_from_include,
    "get_env": _get_env,
    "get_terragrunt_dir": lambda scope, args: scope.config_dir(),
    "get_original_terragrunt_dir": lambda scope, args: scope.unit.parent.as_posix(),
    "get_parent_terragrunt_dir": _get_parent_terragrunt_dir,
    "get_repo_root": lambda scope, args: _repo_root(scope).as_posix(),
    "get_path_from_repo_root": lambda scope, args: Path(
        os.path.relpath(scope.unit.parent, _repo_root(scope))
    ).as_posix(),
    "get_path_to_repo_root": lambda scope, args: Path(
        os.path.relpath(_repo_root(scope), scope.unit.parent)
    ).as_posix(),
    "read_terragrunt_config": _read_terragrunt_config,
}

_NEEDS_AWS = frozenset(
    {"get_aws_account_id", "get_aws_caller_identity_arn", "get_aws_caller_identity_user_id"}
)


# Pure Terraform string functions


def _dirname(path: str) -> str:
    # Go's filepath.Dir, which Terraform uses: "a/b/" -> "a/b", "a" -> ".".
    parent = posixpath.dirname(path)
    return posixpath.normpath(parent) if parent else "."


def _basename(path: str) -> str:
    if not path:
        return "."
    trimmed = path.rstrip("/")
    return posixpath.basename(trimmed) if trimmed else "/"


def _replace(text: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        raise Unevaluated("replace() with a regular expression is not evaluated")
    return text.replace(old, new)


_VERB = re.compile(r"%(.)")


def _format(spec: str, *args: str) -> str:
    values = iter(args)

    def verb(match: re.Match[str]) -> str:
        if match.group(1) == "%":
            return "%"
        if match.group(1) not in "sdv":
            raise Unevaluated(f"format verb %{match.group(1)} is not evaluated")
        try:
            return template_string(next(values))
        except StopIteration:
            raise Unevaluated("format() has too few arguments") from None

    return _VERB.sub(verb, spec)


_STRING_FUNCTIONS: dict[str, Callable[..., str]] = {
    "basename": _basename,
    "dirname": _dirname,
    "lower": str.lower,
    "upper": str.upper,
    "trimspace": str.strip,
    "trimprefix": lambda s, prefix: s.removeprefix(prefix),
    "trimsuffix": lambda s, suffix: s.removesuffix(suffix),
    "replace": _replace,
    "format": _format,
}
