"""``--smoke`` for every benchmark: the same contenders and code paths at tiny sizes.

``make test`` runs each ``benchmarks/*.py --smoke`` (tests/integration/test_benchmarks.py),
so a benchmark that no longer runs fails the suite instead of rotting. Its numbers mean
nothing. Files starting with ``_`` are helpers, not benchmarks.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any


def parse_args(
    parser: argparse.ArgumentParser, smoke: Mapping[str, Any], argv: Sequence[str] | None
) -> argparse.Namespace:
    """Parse ``argv``; with ``--smoke`` the ``smoke`` sizes become the defaults (flags given
    explicitly still win)."""
    flags = " ".join(f"--{name.replace('_', '-')} {value}" for name, value in smoke.items())
    parser.add_argument(
        "--smoke", action="store_true", help=f"check that it runs: {flags} (flags given win)"
    )
    if parser.parse_known_args(argv)[0].smoke:
        parser.set_defaults(**smoke)
    return parser.parse_args(argv)
