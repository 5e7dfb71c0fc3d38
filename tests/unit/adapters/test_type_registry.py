"""One type, one enumerator and one rules entry: neither side may know a type the other does not.

A type listed without rules would be compared with no knowledge of its defaults, sets or
computed attributes (false drift); rules without a lister would make every state resource
of the type unobserved forever. The import-id table in docs/ is generated from the rules and
must say what the code says.
"""

from __future__ import annotations

from pathlib import Path

from driftmgr.adapters.providers.aws import ENUMERATORS
from driftmgr.domain.drift.import_ids import import_id_table
from driftmgr.domain.drift.rules import registered_types, rules_for

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_every_enumerated_type_has_rules() -> None:
    assert sorted(set(ENUMERATORS) - registered_types()) == []


def test_every_rules_entry_is_listed_by_an_enumerator_as_itself_or_as_the_type_it_is() -> None:
    unlisted = [
        t
        for t in registered_types()
        if t not in ENUMERATORS and rules_for(t).live_type not in ENUMERATORS
    ]
    assert unlisted == []


def test_the_import_id_table_in_the_docs_is_the_one_the_rules_make() -> None:
    committed = (DOCS / "import-ids.md").read_text()
    assert committed == import_id_table(), (
        "docs/import-ids.md is stale: run `python -m driftmgr.domain.drift.import_ids`"
    )
