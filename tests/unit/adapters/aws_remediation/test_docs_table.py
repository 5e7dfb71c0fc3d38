"""docs/remediation-actions.md lists exactly what the AWS remediation registry holds.

The table is what users read; the registry is what runs. The expected rows are computed from
the registry here and compared with the rows parsed from the document, so a recipe added,
removed or changed without its row fails this test (the document is never rewritten by it).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import driftmgr.adapters.providers.aws.remediation  # noqa: F401  (registers every recipe)
from driftmgr.adapters.providers.aws.remediation.registry import (
    DELETIONS,
    QUARANTINES,
    RECIPES,
    REFUSED_DELETIONS,
)

DOC = Path(__file__).parents[4] / "docs" / "remediation-actions.md"
HEADER = ("Action", "Resource types", "Attributes", "API operations", "Reversible")
NONE = "—"

Row = tuple[str, str, str, str, str]


def _names(values: Iterable[str]) -> str:
    return ", ".join(f"`{v}`" for v in values) or NONE


def registry_rows() -> list[Row]:
    """One row per recipe, quarantine step, deletion and refused deletion, in the order
    the service modules register them."""
    rows: list[Row] = []
    for recipe in dict.fromkeys(RECIPES.values()):
        reversible = "yes" if recipe.irreversible is None else f"no: {recipe.irreversible}"
        rows.append(
            (
                "revert",
                _names(recipe.types),
                _names(recipe.attributes),
                _names(recipe.operations),
                reversible,
            )
        )
    for step in dict.fromkeys(QUARANTINES.values()):
        rows.append(
            (
                "quarantine",
                _names(step.types),
                _names(("tags", *step.attributes)),
                _names(step.operations),
                "yes",
            )
        )
    for deletion in dict.fromkeys(DELETIONS.values()):
        guard = f" (only if {deletion.guard})" if deletion.guard else ""
        operations = _names(deletion.operations) + guard
        rows.append(("delete", _names(deletion.types), NONE, operations, "no"))
    for resource_type, reason in REFUSED_DELETIONS.items():
        rows.append(("delete", _names([resource_type]), NONE, NONE, f"never: {reason}"))
    return rows


def document_rows(text: str) -> list[Row]:
    """The rows of the document's one table whose header is ``HEADER``."""
    lines = text.splitlines()
    header = "| " + " | ".join(HEADER) + " |"
    assert lines.count(header) == 1, f"{DOC.name} must have exactly one actions table"
    start = lines.index(header) + 2  # past the header and its separator
    rows: list[Row] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        assert len(cells) == len(HEADER), f"malformed row: {line}"
        rows.append((cells[0], cells[1], cells[2], cells[3], cells[4]))
    return rows


def test_the_document_lists_every_registered_action_as_registered() -> None:
    documented = document_rows(DOC.read_text(encoding="utf-8"))
    expected = registry_rows()

    missing = [row for row in expected if row not in documented]
    stale = [row for row in documented if row not in expected]
    assert (missing, stale) == ([], []), "docs/remediation-actions.md is out of date"
    assert documented == expected, "the rows are not in registration order"


def test_there_are_at_least_eighteen_kinds_of_action() -> None:
    assert len(registry_rows()) >= 18
