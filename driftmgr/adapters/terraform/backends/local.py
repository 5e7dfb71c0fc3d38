"""Local state files: ``tfstate:///abs/path``, globs over directories, ``terraform.tfstate.d``.

Writes lock as terraform's local backend does: an fcntl write lock on the state file itself,
and the lock info in ``.<name>.lock.info`` beside it. The new snapshot is written in place,
through the locked descriptor, after the previous one was saved as ``<name>.backup``:
renaming a new file over the state would leave a ``terraform -lock-timeout`` that waits on
the old file's lock writing to a file that no longer has a name.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    StateTooLarge,
)
from driftmgr.adapters.terraform.backends.globs import (
    MAX_GLOB_ENTRIES,
    KeyGlob,
    directory_prefix,
)
from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.adapters.terraform.backends.uri import (
    LOCAL_STATE_NAME,
    LOCAL_WORKSPACE_DIR,
    Source,
    StateObject,
)
from driftmgr.adapters.terraform.backends.write import LockInfo, held, locked_error

__all__ = ["BACKUP_SUFFIX", "expand", "fetch", "lock_info_path", "locked"]

BACKUP_SUFFIX = ".backup"  # terraform's DefaultBackupExtension

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


def fetch(src: Source, max_bytes: int) -> bytes:
    """The file's bytes: a regular file only (not a device, FIFO or socket, which never end
    or block), of at most ``max_bytes``."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        fd = os.open(src.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
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
    try:
        return _read_regular(src, fd, max_bytes)
    except OSError as e:
        raise SourceError(f"{src.display}: cannot read the file: {e.strerror}") from None
    finally:
        os.close(fd)


def _read_regular(src: Source, fd: int, max_bytes: int) -> bytes:
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        raise SourceNotFound(
            f"{src.display}: is a directory, not a state file; name the .tfstate file in it, "
            f"or use a glob such as {src.display.rstrip('/')}/**/*.tfstate"
        )
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(
            f"{src.display}: is not a regular file (a device, pipe or socket); name a state file"
        )
    if info.st_size > max_bytes:
        raise StateTooLarge(src.display, max_bytes)
    os.set_blocking(fd, True)
    chunks, size = [], 0
    # The file may grow while it is read: stop one byte past the limit.
    while chunk := os.read(fd, min(1 << 20, max_bytes + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise StateTooLarge(src.display, max_bytes)
    return b"".join(chunks)


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
    walked = 0
    for dirpath, dirnames, filenames in os.walk(root):
        walked += 1 + len(filenames)
        if walked > MAX_GLOB_ENTRIES:
            raise SourceError(
                f"{src.display}: the glob reaches more than {MAX_GLOB_ENTRIES} files; narrow it "
                "(a longer literal directory, no ** over large trees)"
            )
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


# --- writing -------------------------------------------------------------------------------

# An fcntl lock belongs to the process, not to the descriptor: a second lock taken by this
# process would succeed, and closing any descriptor of the file would drop them all. So
# threads of this process are kept apart first, by one lock per path.
_GUARDS: dict[str, threading.Lock] = {}
_GUARDS_LOCK = threading.Lock()


def lock_info_path(path: str) -> str:
    """Where terraform's local backend keeps the lock info of the state at ``path``."""
    directory, name = os.path.split(path)
    return os.path.join(directory, f".{name.removeprefix('.')}.lock.info")


@contextmanager
def locked(src: Source, info: LockInfo) -> Iterator[_LocalState]:
    path = src.path
    with _GUARDS_LOCK:
        guard = _GUARDS.setdefault(path, threading.Lock())
    if not guard.acquire(blocking=False):
        raise locked_error(src, _read_lock_info(path))
    try:
        created = not os.path.lexists(path)
        fd = _open(src)
        try:
            _lock(src, fd)
            info = info.at(path)
            _write_lock_info(src, info)
            state = _LocalState(src, fd)

            def release() -> None:
                with suppress(FileNotFoundError):
                    os.unlink(lock_info_path(path))
                if created and not state.written:
                    with suppress(FileNotFoundError):
                        os.unlink(path)  # leave no empty state behind, as terraform does
                fcntl.lockf(fd, fcntl.LOCK_UN)

            with held(src, release, info.id):
                yield state
        finally:
            os.close(fd)
    finally:
        guard.release()


class _LocalState:
    def __init__(self, src: Source, fd: int) -> None:
        self._src = src
        self._fd = fd
        self._before = b""
        self.written = False

    def read(self) -> bytes:
        os.lseek(self._fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self._fd, 1 << 20):
            chunks.append(chunk)
        self._before = b"".join(chunks)
        return self._before

    def write(self, data: bytes) -> None:
        src, backup = self._src, self._src.path + BACKUP_SUFFIX
        if self._before:
            try:
                _replace(backup, self._before)
            except OSError as e:
                raise SourceError(
                    f"{src.display}: cannot save the previous state as {backup}: {e.strerror}; "
                    "nothing was written"
                ) from None
        try:
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.ftruncate(self._fd, 0)
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as e:
            saved = f"; the previous state is in {backup}" if self._before else ""
            raise SourceError(
                f"{src.display}: cannot write the file: {e.strerror}{saved}"
            ) from None
        self.written = True


def _open(src: Source) -> int:
    try:
        # A new state file is readable by this user only: states hold secrets.
        return os.open(src.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:
        raise SourceNotFound(f"{src.display}: its directory does not exist") from None
    except IsADirectoryError:
        raise SourceNotFound(f"{src.display}: is a directory, not a state file") from None
    except PermissionError:
        raise SourceAccessDenied(
            f"{src.display}: permission denied; let this user write the file and its directory"
        ) from None
    except OSError as e:
        raise SourceError(f"{src.display}: cannot open the file: {e.strerror}") from None


def _lock(src: Source, fd: int) -> None:
    try:
        # F_SETLK with F_WRLCK over the whole file: the lock terraform takes.
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in {errno.EACCES, errno.EAGAIN}:
            raise locked_error(src, _read_lock_info(src.path)) from None
        raise SourceError(f"{src.display}: cannot lock the file: {e.strerror}") from None
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(src.path))
    except OSError:
        same = False
    if not same:
        raise SourceError(f"{src.display}: the file was replaced while it was being locked; retry")


def _read_lock_info(path: str) -> LockInfo | None:
    try:
        return LockInfo.parse(Path(lock_info_path(path)).read_bytes())
    except OSError:
        return None


def _write_lock_info(src: Source, info: LockInfo) -> None:
    try:
        _replace(lock_info_path(src.path), info.to_json())
    except OSError as e:
        raise SourceError(
            f"{src.display}: cannot write the lock info beside it: {e.strerror}"
        ) from None


def _replace(path: str, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file (mode 0600), then a rename."""
    directory, name = os.path.split(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
