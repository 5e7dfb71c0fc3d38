"""docs/configuration.md lists every setting, exactly, with its environment variable."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from driftmgr.cli import _parser
from driftmgr.settings import Settings

DOC = Path(__file__).parents[2] / "docs" / "configuration.md"


def rows() -> list[list[str]]:
    lines = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_the_table_lists_exactly_the_settings_fields() -> None:
    keys = [re.fullmatch(r"`([a-z_]+)`", row[0]).group(1) for row in rows()]  # type: ignore[union-attr]
    assert sorted(keys) == sorted(Settings.__struct_fields__)
    assert len(keys) == len(set(keys))


def test_each_row_names_the_environment_variable_of_its_key() -> None:
    for key, variable, *_ in rows():
        assert variable.startswith(f"`DRIFTMGR_{key.strip('`').upper()}`"), (key, variable)


def flags(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of ``parser`` and of its subcommands, however deep."""
    found = set(parser._option_string_actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= flags(sub)
    return found


def test_each_flag_in_the_table_is_a_flag_of_the_cli() -> None:
    known = flags(_parser())
    for row in rows():
        for flag in re.findall(r"`(--[a-z-]+)`", row[2]):
            assert flag in known, (row[0], flag)
