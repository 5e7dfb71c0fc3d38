"""``driftmgr.toml``: the configuration file beneath the environment, which flags override.

Precedence is file < ``DRIFTMGR_*`` environment < command-line flags. The file's keys are the
environment names without ``DRIFTMGR_``, lower-case, with TOML types (a list where the
environment takes a comma list, a number where it takes a number). Each value is turned into
the string its environment variable would hold and layered *under* the real environment, so
every check stays in :meth:`Settings.from_env`; an error about a value that came from the file
is reworded to name the file and key instead of the variable.

The file is ``--config PATH``, else ``DRIFTMGR_CONFIG``, else ``./driftmgr.toml`` when present.
The CLI layers it into its own process environment once (:func:`activate`), so every reader
of a ``DRIFTMGR_*`` variable, flag defaults included, sees the same configuration.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import msgspec

from driftmgr.settings import ConfigurationError, Settings

__all__ = [
    "CONFIG_VARIABLE",
    "DEFAULT_FILE",
    "ConfigFile",
    "LayeredEnviron",
    "activate",
    "config_notices",
    "layered_environ",
    "load_settings",
    "read_config_file",
]

CONFIG_VARIABLE = "DRIFTMGR_CONFIG"
DEFAULT_FILE = "driftmgr.toml"
_PREFIX = "DRIFTMGR_"
_ENVIRONMENT_ONLY = {
    "token": "the API token is a secret for one client: set DRIFTMGR_TOKEN in its environment",
    "config": "the file cannot name another file: use --config or DRIFTMGR_CONFIG",
}
# Values that name files or folders: relative ones are relative to the file, not to
# wherever the command happens to run.
_PATH_KEYS = frozenset({"data_dir", "state_roots"})
_SECRET_KEYS = frozenset({"cipher_key", "audit_key"})


def _kinds() -> dict[str, str]:
    """TOML key → the shape its value takes, from the annotations of :class:`Settings`."""
    shapes = {
        "Path": "string",
        "str": "string",
        "str | None": "string",
        "int": "integer",
        "float": "number",
        "tuple[str, ...]": "list",
        "tuple[Path, ...]": "list",
        "tuple[tuple[str, str], ...]": "table",
        "tuple[SinkConfig, ...]": "tables",
    }
    annotations = {k: str(v) for k, v in Settings.__annotations__.items()}
    return {name: shapes[annotations[name]] for name in Settings.__struct_fields__}


_KINDS = _kinds()
_DESCRIPTIONS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "list": "a list of strings",
    "table": 'a table of strings (like { modified = "accept" })',
    "tables": "an array of tables ([[notifications]])",
}


@dataclass(frozen=True)
class ConfigFile:
    """A read configuration file: its values as environment strings, and what to warn."""

    path: Path
    environ: dict[str, str]
    notices: tuple[str, ...] = ()

    def key_of(self, variable: str) -> str:
        return variable.removeprefix(_PREFIX).lower()


class LayeredEnviron(Mapping[str, str]):
    """The environment over a file's values; remembers which variables the file supplied."""

    def __init__(self, environ: Mapping[str, str], file: ConfigFile | None) -> None:
        self._environ = environ
        self.file = file
        below = file.environ if file is not None else {}
        self.from_file = frozenset(k for k in below if not environ.get(k))
        self._values = {**below, **{k: v for k, v in environ.items() if v or k not in below}}

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def explain(self, message: str) -> str:
        """``message`` with each variable the file supplied named as ``FILE: key``."""
        if self.file is None or not self.from_file:
            return message
        file = self.file

        def rename(match: re.Match[str]) -> str:
            name = match.group(0)
            return f"{file.path}: {file.key_of(name)}" if name in self.from_file else name

        return re.sub(r"DRIFTMGR_[A-Z_]+", rename, message)


def locate(environ: Mapping[str, str], explicit: str | None = None) -> tuple[Path | None, bool]:
    """The file to read and whether it was named (a named file must exist)."""
    named = explicit or environ.get(CONFIG_VARIABLE) or None
    if named:
        return Path(named), True
    default = Path(DEFAULT_FILE)
    return (default, False) if default.is_file() else (None, False)


def read_config_file(path: Path) -> ConfigFile:
    """Parse and check ``path``; every mistake is a :class:`ConfigurationError` naming it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(
            f"configuration file {path} does not exist (named by --config or "
            f"{CONFIG_VARIABLE}); create it or name another"
        ) from None
    except OSError as e:
        raise ConfigurationError(f"cannot read configuration file {path}: {e.strerror}") from None
    try:
        table = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        # The message ends "(at line L, column C)".
        raise ConfigurationError(f"{path}: not valid TOML: {e}") from None
    environ: dict[str, str] = {}
    for key, value in table.items():
        environ[_PREFIX + key.upper()] = _to_environ(path, key, value)
    return ConfigFile(path=path, environ=environ, notices=_secret_notices(path, table))


def _to_environ(path: Path, key: str, value: Any) -> str:
    kind = _KINDS.get(key)
    if kind is None:
        if key in _ENVIRONMENT_ONLY:
            raise ConfigurationError(f"{path}: {key} cannot be set here: {_ENVIRONMENT_ONLY[key]}")
        near = difflib.get_close_matches(key, list(_KINDS), n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise ConfigurationError(
            f"{path}: unknown key {key!r}{hint}; the keys are listed in docs/configuration.md"
        )

    def wrong() -> NoReturn:
        raise ConfigurationError(
            f"{path}: {key} must be {_DESCRIPTIONS[kind]}, not {_toml_type(value)}"
        )

    if kind == "string":
        if not isinstance(value, str):
            wrong()
        return _relative_to(path, value) if key in _PATH_KEYS else value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            wrong()
        return str(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            wrong()
        return str(value)
    if kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            wrong()
        items = [_relative_to(path, v) if key in _PATH_KEYS else v for v in value]
        if any("," in item for item in items):
            raise ConfigurationError(f"{path}: {key}: an item cannot contain a comma")
        return ",".join(items)
    if kind == "table":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            wrong()
        return ",".join(f"{k}={v}" for k, v in value.items())
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        wrong()
    return msgspec.json.encode(value).decode()


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # dates and times


def _relative_to(path: Path, value: str) -> str:
    resolved = Path(value).expanduser()
    if not resolved.is_absolute():
        resolved = path.parent / resolved
    return str(resolved)


def _secret_notices(path: Path, table: Mapping[str, Any]) -> tuple[str, ...]:
    """Warn (not refuse) when a file others can read holds a secret: the operator may have
    reasons (a container image's read-only mount), but should know."""
    secrets = [key for key in sorted(_SECRET_KEYS) if table.get(key)]
    url = table.get("database_url")
    if isinstance(url, str) and urlsplit(url).password:
        secrets.append("database_url (its password)")
    if not secrets:
        return ()
    try:
        mode = path.stat().st_mode
    except OSError:
        return ()
    if not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return ()
    return (
        f"{path} holds {', '.join(secrets)} and other users can read it: "
        f"run `chmod 600 {path}` (or move the secrets to the environment)",
    )


def layered_environ(
    environ: Mapping[str, str] | None = None, *, config: str | None = None
) -> LayeredEnviron:
    """``environ`` (default: the process's) over the configuration file's values."""
    env = os.environ if environ is None else environ
    path, _ = locate(env, config)
    return LayeredEnviron(env, read_config_file(path) if path is not None else None)


_NOTICES: dict[Settings, tuple[str, ...]] = {}


def load_settings(
    environ: Mapping[str, str] | None = None, *, config: str | None = None
) -> Settings:
    """:class:`Settings` from the configuration file under the environment."""
    layered = layered_environ(environ, config=config)
    try:
        settings = Settings.from_env(layered)
    except ConfigurationError as e:
        message = layered.explain(str(e))
        raise ConfigurationError(explain(message) if environ is None else message) from None
    if layered.file is not None and layered.file.notices:
        _NOTICES[settings] = layered.file.notices
    return settings


def config_notices(settings: Settings) -> tuple[str, ...]:
    """Warnings about the file ``settings`` were loaded from (shown with the store's)."""
    return _NOTICES.get(settings, ())


_ACTIVE: list[LayeredEnviron] = []
_SET: dict[str, tuple[str, str | None]] = {}
"""Variable → (the value :func:`activate` set, the one before), restored by the next
activation (the CLI's ``main`` runs more than once in one process in tests)."""


def activate(argv: Sequence[str] | None = None) -> LayeredEnviron:
    """Layer the configuration file (``--config`` in ``argv``) into this process's
    environment, beneath what is already set, for the CLI process's whole life."""
    import argparse

    for name, (value, before) in _SET.items():
        if os.environ.get(name) == value:
            if before is None:
                del os.environ[name]
            else:
                os.environ[name] = before
    _SET.clear()
    _ACTIVE.clear()
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    known, _ = pre.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    layered = layered_environ(os.environ, config=known.config)
    if layered.file is not None:
        values = {name: layered.file.environ[name] for name in layered.from_file}
        values[CONFIG_VARIABLE] = str(layered.file.path)  # --config beats the variable
        for name, value in values.items():
            _SET[name] = (value, os.environ.get(name))
            os.environ[name] = value
    _ACTIVE.append(layered)
    return layered


def activate_or_exit(argv: Sequence[str] | None = None) -> None:
    """:func:`activate`, or the CLI's one-line error and exit status 1."""
    try:
        activate(argv)
    except ConfigurationError as e:
        from driftmgr.cli.terminal import safe

        print(f"error: {safe(str(e))}", file=sys.stderr)
        sys.exit(1)


def explain(message: str) -> str:
    """Reword an error about a variable the active file supplied (for the CLI's handler)."""
    return _ACTIVE[0].explain(message) if _ACTIVE else message
