"""The state service through the CLI: real Terraform states in S3 (moto), workspaces,
analysis, comparison, discovery — and never a sensitive value in any output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Ran

STATES = Path(__file__).parents[1] / "data" / "terraform" / "states"
BUCKET = "tf-states"
KEY = "prod/network/terraform.tfstate"


def state_document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((STATES / f"{name}.tfstate").read_text())
    return document


@pytest.fixture
def s3_states(boto: Callable[..., Any]) -> Any:
    """The real fixture states as Terraform's s3 backend lays out default and `staging`."""
    s3 = boto("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=(STATES / "default.tfstate").read_bytes())
    s3.put_object(
        Bucket=BUCKET, Key=f"env:/staging/{KEY}", Body=(STATES / "staging.tfstate").read_bytes()
    )
    return s3


def import_json(driftmgr: Callable[..., Ran], *args: str) -> Any:
    result = driftmgr("state", "import", *args, "--output", "json")
    assert result.code == 0, result.stderr
    return result.json()


def test_importing_an_s3_state_with_its_workspaces_records_each_one(
    s3_states: Any, driftmgr: Callable[..., Ran]
) -> None:
    imported = import_json(driftmgr, f"tfstate+s3://{BUCKET}/{KEY}", "--workspaces")
    by_workspace = {i["workspace"]: i for i in imported}
    assert set(by_workspace) == {"default", "staging"}
    default = by_workspace["default"]
    assert default["source"] == f"tfstate+s3://{BUCKET}/{KEY}"
    assert by_workspace["staging"]["source"] == f"tfstate+s3://{BUCKET}/env:/staging/{KEY}"
    assert (default["serial"], default["backend"], default["flags"]) == (10, "s3", [])
    assert default["lineage"] == state_document("default")["lineage"]
    assert default["resource_count"] == 9  # managed instances: data sources not counted

    # The same content again is a no-op: still one version.
    again = import_json(driftmgr, f"tfstate+s3://{BUCKET}/{KEY}")
    assert (again["id"], again["versions"]) == (default["id"], 1)

    listed = driftmgr("state", "list", "--output", "json").json()
    assert {s["workspace"] for s in listed} == {"default", "staging"}
    totals = driftmgr("state", "analyze", "--output", "json").json()
    assert (totals["state_count"], totals["resource_count"]) == (2, 18)


def test_an_older_serial_or_another_lineage_is_flagged_not_silently_accepted(
    s3_states: Any, driftmgr: Callable[..., Ran]
) -> None:
    uri = f"tfstate+s3://{BUCKET}/{KEY}"
    import_json(driftmgr, uri)
    older = state_document("default") | {"serial": 3}
    s3_states.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(older).encode())
    result = driftmgr("state", "import", uri, "--output", "json")
    assert result.code == 0
    assert result.json()["flags"] == ["serial_regressed"]
    assert "warning:" in result.stderr and "serial regressed" in result.stderr

    other = state_document("default") | {"serial": 11, "lineage": "0000-another-state"}
    s3_states.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(other).encode())
    assert import_json(driftmgr, uri)["flags"] == ["lineage_changed"]
    versions = driftmgr("state", "show", import_json(driftmgr, uri)["id"], "--output", "json")
    assert [v["flags"] for v in versions.json()["versions"]] == [
        [],
        ["serial_regressed"],
        ["lineage_changed"],
    ]


def test_show_redacts_sensitive_outputs_and_lists_resources(
    driftmgr: Callable[..., Ran],
) -> None:
    state_id = import_json(driftmgr, str(STATES / "default.tfstate"))["id"]
    shown = driftmgr("state", "show", state_id, "--output", "json").json()
    outputs = {o["name"]: o for o in shown["outputs"]}
    assert outputs["db_password"] == {
        "name": "db_password",
        "sensitive": True,
        "value": "(sensitive)",
    }
    assert outputs["bucket_names"]["value"] == ["driftmgr-default-a", "driftmgr-default-b"]
    addresses = {r["address"] for r in shown["resources"]}
    assert {
        "aws_instance.web[0]",
        'aws_s3_bucket.b["a"]',
        "data.aws_ami.ubuntu",
        "module.iam.aws_iam_role.this",
    } <= addresses
    table = driftmgr("state", "show", state_id)
    assert table.code == 0 and "db_password" in table.stdout and "(sensitive)" in table.stdout


def test_analyze_gives_counts_graphs_and_blast_radius(driftmgr: Callable[..., Ran]) -> None:
    state_id = import_json(driftmgr, str(STATES / "default.tfstate"))["id"]
    analysis = driftmgr("state", "analyze", state_id, "--output", "json").json()
    assert analysis["resource_count"] == 9
    assert analysis["by_type"]["aws_instance"] == 2
    assert analysis["by_type"]["aws_s3_bucket"] == 2
    assert analysis["data_source_count"] == 1
    assert analysis["sensitive_outputs"] == ["db_password"]
    assert ["aws_instance.web", "aws_subnet.main"] in analysis["graph"]["edges"]

    dot = driftmgr("state", "analyze", state_id, "--graph", "dot")
    assert dot.code == 0 and dot.stdout.startswith("digraph")
    assert '"aws_instance.web" -> "aws_subnet.main"' in dot.stdout
    mermaid = driftmgr("state", "analyze", state_id, "--graph", "mermaid")
    assert mermaid.stdout.startswith("flowchart")
    radius = driftmgr(
        "state", "analyze", state_id, "--blast-radius", "aws_vpc.main", "--output", "json"
    ).json()
    assert {"aws_subnet.main", "aws_instance.web"} <= set(radius["dependents"])


def test_compare_reports_changes_with_redacted_secrets_and_mirrors(
    s3_states: Any, driftmgr: Callable[..., Ran]
) -> None:
    imported = import_json(driftmgr, f"tfstate+s3://{BUCKET}/{KEY}", "--workspaces")
    ids = {i["workspace"]: i["id"] for i in imported}
    forward = driftmgr("state", "compare", ids["default"], ids["staging"], "--output", "json")
    assert forward.code == 0, forward.stderr
    comparison = forward.json()
    assert "lineages differ" in " ".join(comparison["warnings"])
    assert "aws_instance.web[0]" in {c["address"] for c in comparison["changed"]}
    config = next(c for c in comparison["changed"] if c["address"] == "terraform_data.config")
    password = next(c for c in config["changes"] if c["path"].endswith("password"))
    assert password["expected"] == password["actual"] == "(sensitive)"

    backward = driftmgr(
        "state", "compare", ids["staging"], ids["default"], "--output", "json"
    ).json()
    assert backward["added"] == comparison["removed"]
    assert {c["address"] for c in backward["changed"]} == {
        c["address"] for c in comparison["changed"]
    }

    same = driftmgr(
        "state", "compare", ids["default"], f"{ids['default']}@10", "--output", "json"
    ).json()
    assert (same["added"], same["removed"], same["changed"]) == ([], [], [])


def test_discover_finds_and_imports_the_states_of_a_tree(
    s3_states: Any, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    tree = tmp_path / "infra"
    (tree / "network").mkdir(parents=True)
    (tree / "network" / "backend.tf").write_text(
        f'terraform {{\n  backend "s3" {{\n    bucket = "{BUCKET}"\n    key = "{KEY}"\n'
        '    region = "us-east-1"\n  }\n}\n'
    )
    (tree / "legacy").mkdir()
    (tree / "legacy" / "terraform.tfstate").write_bytes((STATES / "staging.tfstate").read_bytes())
    cache = tree / "network" / ".terraform"
    cache.mkdir()
    (cache / "terraform.tfstate").write_text("{}")  # backend cache, never a state source

    found = driftmgr("state", "discover", str(tree), "--output", "json")
    assert found.code == 0, found.stderr
    sources = {s["uri"]: s for s in found.json()["sources"]}
    assert set(sources) == {
        f"tfstate+s3://{BUCKET}/{KEY}",
        f"tfstate://{(tree / 'legacy' / 'terraform.tfstate').resolve()}",
    }
    assert sources[f"tfstate+s3://{BUCKET}/{KEY}"]["found_in"] == "network/backend.tf"

    imported = driftmgr("state", "discover", str(tree), "--import", "--output", "json")
    assert imported.code == 0, imported.stderr
    assert {i["backend"] for i in imported.json()["imported"]} == {"s3", "local"}
    assert len(driftmgr("state", "list", "--output", "json").json()) == 2


def test_a_missing_remote_state_is_one_clear_error(
    s3_states: Any, driftmgr: Callable[..., Ran], existing_store: Path
) -> None:
    result = driftmgr("state", "import", f"tfstate+s3://{BUCKET}/nope/terraform.tfstate")
    assert result.code == 1
    assert result.stderr.count("\n") == 1 and "nope/terraform.tfstate" in result.stderr
    bad_scheme = driftmgr("state", "import", "tfstate+ftp://host/x")
    assert bad_scheme.code == 1 and "tfstate+s3" in bad_scheme.stderr
