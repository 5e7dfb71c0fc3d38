"""Workflow definition files: read, checked, refused with the line at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftmgr.cli.api import CliError
from driftmgr.cli.workflow import dump_definition, load_definition
from driftmgr.domain.workflow import (
    CONDITIONS,
    STEPS,
    StepDefinition,
    WorkflowDefinition,
    WorkflowScope,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "workflow.yaml"

GOOD = """\
name: nightly
scope:
  states: [s3://b/net.tfstate]
steps:
  - step: detect
  - step: plan
    when: drift
"""


def test_the_documented_example_is_a_valid_workflow() -> None:
    definition = load_definition(EXAMPLE.read_text(), str(EXAMPLE))
    assert [s.step for s in definition.steps] == ["discover", "detect", "plan", "approve", "apply"]
    assert definition.steps[2].when == "severity >= high"


def test_a_valid_file_is_read_with_defaults() -> None:
    definition = load_definition(GOOD)
    assert definition.scope.provider == "aws"
    assert definition.steps[0].when == "always"


def test_an_unknown_key_is_refused_with_its_line() -> None:
    text = GOOD.replace("    when: drift", "    wen: drift")
    with pytest.raises(CliError, match=r"^wf.yaml:7: Object contains unknown field `wen`"):
        load_definition(text, "wf.yaml")


def test_an_unknown_step_is_refused_with_its_line() -> None:
    text = GOOD.replace("step: plan", "step: deploy")
    with pytest.raises(
        CliError, match=r"^wf.yaml:6: Invalid enum value 'deploy'; the steps are discover, detect,"
    ):
        load_definition(text, "wf.yaml")


def test_an_unknown_condition_lists_the_known_ones() -> None:
    text = GOOD.replace("when: drift", "when: severity > high")
    with pytest.raises(CliError, match="use one of always, drift, severity >= low"):
        load_definition(text, "wf.yaml")


@pytest.mark.parametrize("text", ["", "- a list\n", "name: [unclosed\n"])
def test_what_is_not_a_workflow_mapping_is_refused(text: str) -> None:
    with pytest.raises(CliError, match=r"wf\.yaml"):
        load_definition(text, "wf.yaml")


_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20
)


@st.composite
def definitions(draw: st.DrawFn) -> WorkflowDefinition:
    chosen = sorted(draw(st.sets(st.sampled_from(STEPS[2:]))), key=STEPS.index)
    steps = [StepDefinition(step="detect")]  # type: ignore[arg-type]
    if draw(st.booleans()):
        steps.insert(0, StepDefinition(step="discover"))  # type: ignore[arg-type]
    if "plan" not in chosen:
        chosen = []
    for name in chosen:
        steps.append(
            StepDefinition(
                step=name,  # type: ignore[arg-type]
                when=draw(st.sampled_from(CONDITIONS)),
                strategies=draw(
                    st.dictionaries(_text, st.sampled_from(["revert", "accept"]), max_size=2)
                ),
                continue_on_error=draw(st.booleans()),
            )
        )
    scope = WorkflowScope(
        regions=draw(st.lists(_text, max_size=3)),
        states=draw(st.lists(_text, min_size=1, max_size=3)),
        tags=draw(st.dictionaries(_text, st.text(max_size=5), max_size=2)),
        max_inventory_age=draw(st.none() | st.floats(0, 1e6)),
    )
    return WorkflowDefinition(name=draw(_text.filter(str.strip)), scope=scope, steps=steps)


@given(definitions())
def test_a_definition_written_as_yaml_reads_back_the_same(definition: WorkflowDefinition) -> None:
    assert load_definition(dump_definition(definition)) == definition


def test_the_definition_shown_in_the_docs_is_valid() -> None:
    docs = (EXAMPLE.parents[1] / "workflows.md").read_text()
    block = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert load_definition(block, "docs/workflows.md").name == "nightly-network"
