"""Local state files: ``tfstate:///abs/path``, globs over directories, ``terraform.tfstate.d``."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
)
from driftmgr.adapters.terraform.backends.globs import KeyGlob, directory_prefix
from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.adapters.terraform.backends.uri import (
    LOCAL_STATE_NAME,
    LOCAL_WORKSPACE_DIR,
    Source,
    StateObject,
)

__all__ = ["expand", "fetch"]

# Terraform's and Terragrunt's working directories: `.terraform/terraform.tfstate` holds backend
# settings, not a state, and caches hold copies. A wildcard never descends into them; naming
# them literally in the pattern still works.
_SKIPPED_DIRS = frozenset({".terraform", ".terragrunt-cache"})


def expand(src: Source, *, workspaces: bool, policy: SourcePolicy) -> list[StateObject]:
    """``src`` was admitted by ``policy`` (a glob: its directory); so is everything found."""
    paths = _glob(src) if src.is_glob else [src.path]
    if workspaces:
        paths += [p for path in paths for p in _workspace_paths(path)]
    for path in paths:
        policy.check_found(path)  # a symlink out of the roots
    return [src.at(path).state_object() for path in paths]


def fetch(src: Source) -> bytes:
    try:
        return Path(src.path).read_bytes()
    except FileNotFoundError:
        raise SourceNotFound(f"{src.display}: no such file") from None
    except IsADirectoryError:
        raise SourceNotFound(
            f"{src.display}: is a directory, not a state file; name the .tfstate file in it, "
            f"or use a glob such as {src.display.rstrip('/')}/**/*.tfstate"
        ) from None
    except PermissionError:
        raise SourceAccessDenied(
            f"{src.display}: permission denied; let this user read the file"
        ) from None
    except OSError as e:
        raise SourceError(f"{src.display}: cannot read the file: {e.strerror}") from None


def _glob(src: Source) -> list[str]:
    root = directory_prefix(src.path)  # absolute, ends with "/"
    pattern = src.path[len(root) :]
    glob = KeyGlob(pattern)
    segments = pattern.split("/")
    skipped = _SKIPPED_DIRS.difference(segments)
    # Without "**" nothing deeper than the pattern's own depth can match: do not walk there.
    max_depth = None if "**" in pattern else len(segments) - 1
    if not os.path.isdir(root):
        return []
    if not os.access(root, os.R_OK | os.X_OK):
        raise SourceAccessDenied(f"{src.display}: cannot list {root}: permission denied")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        relative = PurePosixPath(Path(dirpath).relative_to(root).as_posix())
        depth = 0 if str(relative) == "." else len(relative.parts)
        if max_depth is not None and depth >= max_depth:
            dirnames.clear()
        else:
            dirnames[:] = [d for d in dirnames if d not in skipped]
        for name in filenames:
            key = name if depth == 0 else f"{relative}/{name}"
            if glob.matches(key):
                found.append(root + key)
    return found


def _workspace_paths(path: str) -> list[str]:
    """The named workspaces' states beside a default ``DIR/terraform.tfstate``."""
    state = PurePosixPath(path)
    if state.name != LOCAL_STATE_NAME or state.parent.parent.name == LOCAL_WORKSPACE_DIR:
        return []
    workspace_dir = Path(state.parent, LOCAL_WORKSPACE_DIR)
    try:
        entries = sorted(workspace_dir.iterdir())
    except OSError:  # no workspaces (or unreadable: the default state is still worth reading)
        return []
    return [(e / LOCAL_STATE_NAME).as_posix() for e in entries if (e / LOCAL_STATE_NAME).is_file()]
