"""One type, one enumerator and one rules entry: neither side may know a type the other does not.

A type listed without rules would be compared with no knowledge of its defaults, sets or
computed attributes (false drift); rules without a lister would make every state resource
of the type unobserved forever. The import-id table in docs/ is generated from the rules and
must say what the code says.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from driftmgr.adapters.providers.aws import ENUMERATORS, provider, registry
from driftmgr.bootstrap import default_providers
from driftmgr.domain.drift import defaults, scope, severity
from driftmgr.domain.drift.import_ids import import_id_table
from driftmgr.domain.drift.rules import register, registered_types, rules_for

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_every_enumerated_type_has_rules() -> None:
    assert sorted(set(ENUMERATORS) - registered_types()) == []


def test_every_rules_entry_is_listed_by_an_enumerator_as_itself_or_as_the_type_it_is() -> None:
    listed = set().union(*(f().supported_types for f in default_providers().values()))
    assert set(ENUMERATORS) <= listed
    unlisted = [
        t for t in registered_types() if t not in listed and rules_for(t).live_type not in listed
    ]
    assert unlisted == []


def test_every_listed_type_of_every_cloud_has_rules() -> None:
    for name, factory in default_providers().items():
        assert sorted(factory().supported_types - registered_types()) == [], name


def test_the_import_id_table_in_the_docs_is_the_one_the_rules_make() -> None:
    committed = (DOCS / "import-ids.md").read_text()
    assert committed == import_id_table(), (
        "docs/import-ids.md is stale: run `python -m driftmgr.domain.drift.import_ids`"
    )


def test_a_type_is_registered_once_so_its_knowledge_is_in_one_entry() -> None:
    # A second register() of a type (to add claims, say) would split the type again.
    with pytest.raises(ValueError, match="registered already"):
        register("aws_s3_bucket", rules_for("aws_s3_bucket"))


def test_no_type_is_named_outside_its_service_modules() -> None:
    """Severity, cloud defaults, scope and the enumerator registry read each type's rules:
    none of them keeps a table of type names of its own."""
    for module in (severity, defaults, scope, registry, provider):
        names = sorted(set(re.findall(r"\"(aws_[a-z0-9_]+)\"", inspect.getsource(module))))
        assert names == [], f"{module.__name__} names types: {names}"


def test_an_enumerator_is_global_exactly_when_its_rules_say_so() -> None:
    assert {t for t, spec in ENUMERATORS.items() if spec.is_global} == {
        t for t in ENUMERATORS if rules_for(t).is_global
    }
    assert {t for t in ENUMERATORS if rules_for(t).is_global} >= {
        "aws_iam_role",
        "aws_route53_zone",
    }
