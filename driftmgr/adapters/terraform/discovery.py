"""Find every Terraform state a directory tree refers to.

Three kinds of evidence, each reported as a :class:`FoundSource` whose ``uri`` the backends
module reads:

- state files on disk: ``*.tfstate`` (backups are skipped), with
  ``terraform.tfstate.d/<ws>/…`` naming workspace ``<ws>``; they are not opened;
- ``terraform { backend "TYPE" {…} }`` and ``terraform { cloud {…} }`` in ``*.tf`` and
  ``*.tf.json``, completed from sibling ``*.tfbackend`` / ``backend.hcl`` / ``*.backend.hcl``
  files when the block is a partial configuration;
- Terragrunt units (``terragrunt.hcl``) through their effective ``remote_state``
  (see :mod:`driftmgr.adapters.terraform.terragrunt`).

Nothing is fetched and nothing is guessed: a value driftmgr cannot evaluate (``${var.env}``,
``get_aws_account_id()``) stays in the URI as written, and ``note`` says so. Files that cannot be
read or parsed are skipped with a line in :attr:`DiscoveryResult.warnings`.

The walk prunes ``.terraform`` (its ``terraform.tfstate`` is backend metadata, not state),
``.terragrunt-cache`` (copies of units), ``.git`` and ``node_modules``; it never enters a
symlinked directory, and skips symlinked files that point outside the tree. A
:class:`SourcePolicy` decides which trees may be scanned at all (a server: only under its
state roots).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from driftmgr.adapters.terraform.backends.errors import SourceError
from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.adapters.terraform.hcl import (
    HclError,
    Problem,
    block_bodies,
    interpolations,
    labeled_blocks,
    load_hcl,
    read_text,
)
from driftmgr.adapters.terraform.terragrunt import CONFIG_NAME, Terragrunt

__all__ = [
    "DiscoveryError",
    "DiscoveryResult",
    "FoundSource",
    "discover",
    "discover_state_sources",
]

PRUNED_DIRS = frozenset({".terraform", ".terragrunt-cache", ".git", "node_modules"})
_WORKSPACES_DIR = "terraform.tfstate.d"
# A file that never says "backend" or "cloud" cannot configure one: skip parsing it.
_MAY_CONFIGURE_STATE = re.compile(r"\b(?:backend|cloud)\b")
_TFC_HOST = "app.terraform.io"


class FoundSource(msgspec.Struct, frozen=True, kw_only=True):
    uri: str
    """The state location as a source URI (``tfstate+s3://bucket/key`` …)."""
    backend: str
    """local | s3 | gcs | azurerm | http | tfcloud"""
    workspace: str
    """``default`` unless the layout names another."""
    found_in: str
    """The file that revealed it, relative to the scanned root (posix)."""
    kind: str
    """``state_file`` | ``backend_block`` | ``cloud_block`` | ``terragrunt``"""
    note: str | None = None
    """What could not be known or evaluated, e.g. ``key uses var.env; left as written``."""


class DiscoveryResult(msgspec.Struct, frozen=True, kw_only=True):
    sources: list[FoundSource]
    """Sorted by (found_in, uri), one per URI."""
    warnings: list[str]
    """One line per file or block that was skipped, prefixed with its path."""


class DiscoveryError(ValueError):
    """The root cannot be scanned; the message is one line."""


def discover(
    root: Path, *, policy: SourcePolicy, environ: Mapping[str, str] | None = None
) -> DiscoveryResult:
    """Scan ``root`` for state sources.

    ``policy`` decides where a scan may go: on a server, ``root`` must lie under its state
    roots (refused with the same message whether or not it exists), and Terragrunt files
    outside them (``include``, ``find_in_parent_folders`` …) are not read. ``environ`` feeds
    Terragrunt's ``get_env``: by default the process environment for the local user's CLI,
    and nothing for a server, whose environment is not its clients' to read.
    """
    try:
        root = policy.directory(os.fspath(root))
    except SourceError as e:
        raise DiscoveryError(str(e)) from None
    if not root.exists():
        raise DiscoveryError(f"cannot scan {root}: no such directory")
    if not root.is_dir():
        raise DiscoveryError(f"cannot scan {root}: not a directory")
    if environ is None:
        environ = os.environ if policy.trusts_caller else {}
    scan = _Scan(root.resolve(), environ, policy)
    scan.run()
    return DiscoveryResult(sources=scan.sources(), warnings=scan.warnings)


def discover_state_sources(
    root: Path, *, policy: SourcePolicy, environ: Mapping[str, str] | None = None
) -> list[FoundSource]:
    """The sources of :func:`discover`, without its warnings."""
    return discover(root, policy=policy, environ=environ).sources


@dataclass(frozen=True)
class _Candidate:
    source: FoundSource
    exact: bool
    """False when the URI holds placeholders or unevaluated parts: then two equal URIs from
    different files may still be different states, so they are not merged."""
    unfinished: bool = False
    """A partial backend block with no backend config file to complete it."""
    directory: Path | None = None


@dataclass
class _Scan:
    base: Path
    environ: Mapping[str, str]
    policy: SourcePolicy
    warnings: list[str] = field(default_factory=list)
    candidates: list[_Candidate] = field(default_factory=list)
    _backend_files: dict[Path, dict[str, Any] | None] = field(default_factory=dict)

    def run(self) -> None:
        terragrunt_files: list[tuple[Path, bool]] = []
        for files in self._walk():
            backend_files = [f for f in files if _is_backend_config(f.name)]
            terraform_files = [f for f in files if f.name.endswith((".tf", ".tf.json"))]
            for path in files:
                if path.name.endswith(".tfstate"):
                    self._state_file(path)
            for path in terraform_files:
                self._terraform_file(path, backend_files)
            terragrunt_files.extend(
                (path, bool(terraform_files)) for path in files if path.name == CONFIG_NAME
            )
        self._terragrunt(terragrunt_files)

    def sources(self) -> list[FoundSource]:
        ordered = sorted(self.candidates, key=lambda c: (c.source.found_in, c.source.uri))
        seen: set[object] = set()
        out: list[FoundSource] = []
        for candidate in ordered:
            key: object = candidate.source.uri
            if not candidate.exact:
                key = (candidate.source.uri, candidate.source.found_in)
            if key not in seen:
                seen.add(key)
                out.append(candidate.source)
        return out

    # walking

    def _walk(self) -> list[list[Path]]:
        """The readable files of each directory, directory by directory, in sorted order."""
        found: list[list[Path]] = []
        for dirpath, dirnames, filenames in os.walk(self.base, onerror=self._walk_error):
            here = Path(dirpath)
            dirnames[:] = sorted(
                d for d in dirnames if d not in PRUNED_DIRS and not (here / d).is_symlink()
            )
            files = [here / name for name in sorted(filenames)]
            found.append([f for f in files if self._readable(f)])
        return found

    def _walk_error(self, error: OSError) -> None:
        where = self.display(Path(error.filename)) if error.filename else "."
        self.warn(where, f"cannot read directory ({error.strerror or error}); skipped")

    def _readable(self, path: Path) -> bool:
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                return False  # a broken or looping link
            if not target.is_relative_to(self.base):
                if _is_interesting(path.name):
                    self.warn(path, "symlink to a file outside the scanned tree; skipped")
                return False
        return path.is_file()

    # output helpers

    def display(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.base)).as_posix()

    def warn(self, path: Path | str, message: str) -> None:
        where = path if isinstance(path, str) else self.display(path)
        self.warnings.append(f"{where}: {message}")

    # state files

    def _state_file(self, path: Path) -> None:
        workspace = "default"
        if path.parent.parent.name == _WORKSPACES_DIR:
            workspace = path.parent.name
        source = FoundSource(
            uri=_local_uri(path),
            backend="local",
            workspace=workspace,
            found_in=self.display(path),
            kind="state_file",
        )
        self.candidates.append(_Candidate(source, exact=True))

    # Terraform configuration

    def _terraform_file(self, path: Path, backend_files: list[Path]) -> None:
        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError) as e:
            self.warn(path, f"cannot read ({_reason(e)}); skipped")
            return
        if not _MAY_CONFIGURE_STATE.search(text):
            return
        doc: Any
        if path.name.endswith(".json"):
            try:
                doc = json.loads(text)
            except ValueError as e:
                self.warn(path, f"not valid JSON ({e}); skipped")
                return
        else:
            try:
                doc = load_hcl(text)
            except HclError as e:
                self.warn(path, f"{e}; skipped")
                return
        if not isinstance(doc, dict):
            return
        for terraform in block_bodies(doc.get("terraform")):
            for backend, settings in labeled_blocks(terraform.get("backend")):
                self._backend_block(path, backend, settings, backend_files)
            for cloud in block_bodies(terraform.get("cloud")):
                self._add(path, "cloud_block", _locate("cloud", cloud, path.parent))

    def _backend_block(
        self, path: Path, backend: str, settings: dict[str, Any], backend_files: list[Path]
    ) -> None:
        located = _locate(backend, settings, path.parent)
        if located is None:
            self.warn(path, f'backend "{backend}" has no driftmgr source URI; skipped')
            return
        merged_any = False
        for config_file in backend_files:
            extra = self._backend_file(config_file)
            if extra is None:
                continue
            merged = _locate(backend, {**settings, **extra}, path.parent)
            assert merged is not None
            if located.missing:
                merged.completed_from = config_file.name
            else:
                merged.merged_from = config_file.name
            self._add(path, "backend_block", merged)
            merged_any = True
        if not merged_any:
            self._add(path, "backend_block", located, unfinished=bool(located.missing))

    def _backend_file(self, path: Path) -> dict[str, Any] | None:
        if path not in self._backend_files:
            try:
                self._backend_files[path] = load_hcl(read_text(path))
            except HclError as e:
                self._backend_files[path] = None
                self.warn(path, f"{e}; skipped")
            except (OSError, UnicodeDecodeError) as e:
                self._backend_files[path] = None
                self.warn(path, f"cannot read ({_reason(e)}); skipped")
        return self._backend_files[path]

    def _add(
        self,
        path: Path,
        kind: str,
        located: _Location | None,
        *,
        problems: dict[str, list[Problem]] | None = None,
        unfinished: bool = False,
    ) -> None:
        if located is None:
            return
        if problems is None:  # as written in a .tf file: every interpolation is unevaluated
            problems = {
                key: [Problem(i.raw if i.directive else i.expr) for i in found]
                for key in located.used
                if (found := interpolations(located.settings.get(key)))
            }
        note, exact = located.note(problems)
        source = FoundSource(
            uri=located.uri,
            backend=located.backend,
            workspace=located.workspace,
            found_in=self.display(path),
            kind=kind,
            note=note,
        )
        self.candidates.append(_Candidate(source, exact, unfinished, path.parent))

    # Terragrunt

    def _terragrunt(self, files: list[tuple[Path, bool]]) -> None:
        if not files:
            return
        tg = Terragrunt(self.environ, self.warn, readable=self.policy.allows_path)
        included = {include.path for path, _ in files for include in tg.includes(path)}
        unit_dirs: set[Path] = set()
        for path, has_tf_files in files:
            if not tg.is_unit(path, included=included, has_tf_files=has_tf_files):
                continue
            state = tg.remote_state(path)
            if state is None:
                continue
            located = _locate(state.backend, state.config, path.parent)
            if located is None:
                where = self.display(state.declared_in)
                self.warn(
                    path,
                    f'remote_state backend "{state.backend}" (from {where}) has no driftmgr'
                    " source URI; skipped",
                )
                continue
            located.terragrunt = True
            if state.backend == "local" and not os.path.isabs(str(state.config.get("path", ""))):
                located.remarks.append("relative path resolved against the unit directory")
            self._add(path, "terragrunt", located, problems=state.problems)
            unit_dirs.add(path.parent)
        self._drop_backend_blocks_completed_by(unit_dirs)

    def _drop_backend_blocks_completed_by(self, unit_dirs: set[Path]) -> None:
        # `backend "s3" {}` beside a terragrunt.hcl is filled in by Terragrunt's remote_state.
        self.candidates = [
            c for c in self.candidates if not (c.unfinished and c.directory in unit_dirs)
        ]


def _is_backend_config(name: str) -> bool:
    return name.endswith((".tfbackend", ".backend.hcl")) or name == "backend.hcl"


def _is_interesting(name: str) -> bool:
    return (
        name.endswith((".tfstate", ".tf", ".tf.json"))
        or name == CONFIG_NAME
        or _is_backend_config(name)
    )


def _reason(e: Exception) -> str:
    return e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__


def _local_uri(path: Path) -> str:
    return "tfstate://" + path.as_posix()


# --- backend settings → source URI ----------------------------------------------------------------


@dataclass
class _Location:
    uri: str
    backend: str
    settings: dict[str, Any]
    workspace: str = "default"
    used: list[str] = field(default_factory=list)
    """The settings the URI is built from (only their problems are worth a note)."""
    missing: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    completed_from: str | None = None
    merged_from: str | None = None
    terragrunt: bool = False
    cloud: bool = False
    """From a ``cloud {}`` block, whose missing settings come from the environment."""

    def note(self, problems: Mapping[str, list[Problem]]) -> tuple[str | None, bool]:
        """The note for this location, and whether its URI is exact."""
        parts: list[str] = []
        if self.completed_from and not self.missing:
            parts.append(f"partial backend configuration completed from {self.completed_from}")
        elif self.merged_from and not self.missing:
            parts.append(f"settings merged from {self.merged_from}")
        elif self.missing:
            unset = ", ".join(self.missing)
            if self.terragrunt:
                parts.append(f"partial configuration: {unset} not set")
            elif self.completed_from or self.merged_from:
                source = self.completed_from or self.merged_from
                parts.append(f"partial backend configuration: {unset} not set, even with {source}")
            elif self.cloud:
                parts.append(
                    f"partial cloud configuration: {unset} not set"
                    " (supplied by TF_CLOUD_ORGANIZATION / TF_WORKSPACE)"
                )
            else:
                parts.append(
                    f"partial backend configuration: {unset} not set"
                    " (supplied by terraform init -backend-config)"
                )
        parts.extend(self.remarks)
        unevaluated = [
            f"{key} uses {', '.join(p.describe() for p in found)}"
            for key in self.used
            if (found := problems.get(key))
        ]
        if unevaluated:
            parts.append("; ".join(unevaluated) + "; left as written")
        return ("; ".join(parts) or None), not self.missing and not unevaluated


class _Fields:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.used: list[str] = []
        self.missing: list[str] = []

    def get(self, key: str) -> str | None:
        self.used.append(key)
        return _text(self.settings.get(key))

    def need(self, key: str, placeholder: str | None = None) -> str:
        value = self.get(key)
        if value:
            return value
        self.missing.append(key)
        return f"<{placeholder or key}>"


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _locate(backend: str, settings: dict[str, Any], base_dir: Path) -> _Location | None:
    """Where a backend configuration keeps the default workspace's state; None if unsupported."""
    f = _Fields(settings)
    remarks: list[str] = []
    workspace = "default"
    if backend == "s3":
        uri, kind = f"tfstate+s3://{f.need('bucket')}/{f.need('key')}", "s3"
    elif backend == "gcs":
        bucket, prefix = f.need("bucket"), (f.get("prefix") or "").strip("/")
        path = f"{prefix}/default.tfstate" if prefix else "default.tfstate"
        uri, kind = f"tfstate+gs://{bucket}/{path}", "gcs"
    elif backend == "azurerm":
        account, container = f.need("storage_account_name"), f.need("container_name")
        uri, kind = f"tfstate+azurerm://{account}/{container}/{f.need('key')}", "azurerm"
    elif backend == "http":
        address, kind = f.need("address"), "http"
        if address.startswith(("http://", "https://")):
            uri = f"tfstate+{address}"
        elif address.startswith("<"):
            uri = f"tfstate+https://{address}"
        else:
            uri = f"tfstate+{address}"
            if "${" not in address:
                remarks.append("address is not an http(s) URL")
    elif backend == "local":
        path_setting = f.get("path") or "terraform.tfstate"
        uri, kind = _local_uri(Path(os.path.normpath(base_dir / path_setting))), "local"
    elif backend in ("remote", "cloud"):
        uri, workspace, remarks = _locate_tfcloud(backend, f)
        kind = "tfcloud"
    else:
        return None
    return _Location(
        uri=uri,
        backend=kind,
        settings=settings,
        workspace=workspace,
        used=f.used,
        missing=f.missing,
        remarks=remarks,
        cloud=backend == "cloud",
    )


def _locate_tfcloud(backend: str, f: _Fields) -> tuple[str, str, list[str]]:
    remarks: list[str] = []
    organization = f.need("organization")
    hostname = f.get("hostname")
    if hostname and hostname != _TFC_HOST:
        remarks.append(f"hostname {hostname} is not part of the URI")
    f.used.append("workspaces")
    selectors = block_bodies(f.settings.get("workspaces"))
    chosen = selectors[0] if selectors else {}
    name, prefix = _text(chosen.get("name")), _text(chosen.get("prefix"))
    tags, project = chosen.get("tags"), _text(chosen.get("project"))
    # With `cloud { workspaces { name } }` the CLI workspace is that name; the remote
    # backend maps its one named workspace to the CLI's "default".
    workspace = "default"
    if name:
        selected = name
        if backend == "cloud":
            workspace = name
    elif prefix and backend == "remote":
        selected = f"{prefix}*"
        remarks.append(f"stands for every workspace named {prefix}*")
    elif tags and backend == "cloud" and isinstance(tags, list | dict):
        if isinstance(tags, dict):
            listed = ",".join(f"{k}={_text(v) or ''}" for k, v in tags.items())
        else:
            listed = ",".join(_text(t) or "" for t in tags)
        selected = f"tags:{listed}"
        remarks.append(f"stands for every workspace tagged {listed}")
    elif project and backend == "cloud":
        selected = "*"
        remarks.append(f"stands for every workspace in project {project}")
    else:
        selected = "<workspace>"
        f.missing.append("workspaces")
    return f"tfstate+tfcloud://{organization}/{selected}", workspace, remarks
