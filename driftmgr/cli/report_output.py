"""`-o FORMAT` and `--out FILE` for the commands that print a drift report (docs/ci.md)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from driftmgr.cli.api import CliError
from driftmgr.cli.formats import RENDERERS

__all__ = ["REPORT_FORMATS", "add_report_output_options", "write_output"]

REPORT_FORMATS = ("table", "json", *RENDERERS)


def add_report_output_options(parser: argparse.ArgumentParser) -> None:
    """``--out FILE``; ``-o`` comes from the common options, given :data:`REPORT_FORMATS`."""
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="write the report to FILE (replaced whole, never half-written) instead of stdout",
    )


def write_output(text: str, out: str | None) -> None:
    """``text`` on stdout, or into ``out`` atomically: a temporary file beside it, renamed
    over it once complete, so a reader (or a CI upload step) never sees half a report."""
    if out is None:
        sys.stdout.write(text)
        return
    target = Path(out)
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as e:
        raise CliError(f"cannot write {target}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644 & ~_umask())
        os.replace(temp, target)
    except OSError as e:
        Path(temp).unlink(missing_ok=True)
        raise CliError(f"cannot write {target}: {e.strerror}") from None


def _umask() -> int:
    """The process's umask (mkstemp makes files 0600; a report is as readable as any file)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
