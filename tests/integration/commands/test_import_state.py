"""ImportState refuses every malformed input with one clear line and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.adapters.eventstore.blobs import blobs_table
from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.state import ImportState, import_state
from driftmgr.domain.base import Cause
from driftmgr.errors import InvalidCommand
from driftmgr.settings import Settings

STATES = Path(__file__).parents[2] / "data" / "terraform" / "states"
VALID: dict[str, Any] = json.loads((STATES / "default.tfstate").read_text())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)
not_objects = json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps)
not_json = st.text(min_size=1).filter(lambda t: not _is_json(t))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@st.composite
def broken_states(draw: st.DrawFn) -> str:
    """A real state with one thing made wrong in a way no Terraform version writes."""
    doc = json.loads(json.dumps(VALID))
    resource = draw(st.sampled_from(doc["resources"]))
    instance = draw(st.sampled_from(resource["instances"]))
    wrong = draw(
        st.one_of(
            st.lists(st.integers(), max_size=2),
            st.text(min_size=1),
            st.floats(allow_nan=False),
            st.booleans(),
        )
    )
    breakage = draw(
        st.sampled_from(
            [
                lambda: doc.update(version=draw(st.integers().filter(lambda v: v not in (3, 4)))),
                lambda: doc.pop("version"),
                lambda: doc.update(serial=draw(st.text() | st.floats(allow_nan=False) | st.none())),
                lambda: doc.update(serial=draw(st.integers(max_value=-1))),
                lambda: doc.update(resources={"not": "a list"}),
                lambda: resource.update(instances=wrong if not isinstance(wrong, list) else "x"),
                lambda: resource.update(
                    mode=draw(st.text().filter(lambda m: m not in ("managed", "data")))
                ),
                lambda: resource.pop("type"),
                lambda: instance.update(attributes=draw(st.text() | st.lists(st.integers()))),
                lambda: instance.update(
                    index_key=draw(
                        st.floats(allow_nan=False, allow_infinity=False).filter(
                            lambda f: f != int(f)
                        )
                        | st.lists(st.integers(), min_size=1)
                    )
                ),
                lambda: instance.update(sensitive_attributes=draw(st.text(min_size=1))),
                lambda: instance.update(
                    status=draw(st.text(min_size=1).filter(lambda s: s != "tainted"))
                ),
            ]
        )
    )
    breakage()
    return json.dumps(doc)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    services = bootstrap(Settings(data_dir=tmp_path_factory.mktemp("store")))
    yield services
    services.close()


def nothing_written(services: Services) -> bool:
    with services.backend.blobs._engine.connect() as conn:
        blobs = conn.execute(sa.select(sa.func.count()).select_from(blobs_table)).scalar()
    return services.backend.app.position() == 0 and blobs == 0


@settings(max_examples=1000, deadline=None)
@given(content=st.one_of(broken_states(), not_objects, not_json))
def test_a_thousand_malformed_states_are_refused_clearly_and_write_nothing(
    services: Services, content: str
) -> None:
    with pytest.raises(InvalidCommand) as refused:
        import_state(
            services.backend,
            ImportState(source="tfstate:///srv/terraform.tfstate", content=content),
            Cause(actor="fuzz"),
        )
    message = str(refused.value)
    assert message.startswith("tfstate:///srv/terraform.tfstate: ")
    assert "\n" not in message and "Traceback" not in message
    assert nothing_written(services)
