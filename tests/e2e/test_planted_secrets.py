"""Planted secrets, end to end: distinct secrets in a state and in the cloud (moto), and every
way driftmgr shows values — import, state show and compare, discovery and the inventory
(``GET /api/v1/resources``), drift detection with a secret changed out of band, the report,
a remediation plan, the CLI's tables and JSON — without one of them in a response body, a
command's output or a log line. The changed secret is still reported: path named, values
hidden.

tests/e2e/conftest.py makes every other e2e test check the same planted values too.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.settings import Settings
from tests.e2e.conftest import Ran, assert_matches_contract, assert_no_secrets, guard_responses
from tests.support.secrets import (
    DB_PASSWORD,
    DB_PASSWORD_OLD,
    LAMBDA_API_TOKEN,
    LAMBDA_DATABASE_URL_PASSWORD,
    LAMBDA_DB_PASSWORD_LIVE,
    LAMBDA_DB_PASSWORD_STATE,
    LAMBDA_PLAIN_VARIABLE,
    MARKED_SENSITIVE,
    OUTPUT_NESTED_PASSWORD,
    OUTPUT_SENSITIVE,
    USER_DATA,
    leaked,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
HIDDEN = "(sensitive)"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
BUILTIN = 'provider["terraform.io/builtin/terraform"]'
TYPES = ("aws_lambda_function", "aws_instance", "aws_db_instance")
FUNCTION = "planted-api"
DATABASE = "planted-db"
SCRIPT = f"#!/bin/sh\nexport APP_SECRET={USER_DATA}\n"
#: The forms a leak of the user data would take: as the API returns it, as the state stores it.
USER_DATA_FORMS = (
    base64.b64encode(SCRIPT.encode()).decode(),
    hashlib.sha1(SCRIPT.encode()).hexdigest(),  # how the provider stores it
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def assert_clean(text: str, where: str) -> None:
    assert_no_secrets(text, where)
    encoded = [form for form in USER_DATA_FORMS if form in text]
    assert not encoded, f"{where} leaked the user data, encoded: {encoded}"


def _environment(db_password: str) -> dict[str, str]:
    return {
        "DB_PASSWORD": db_password,
        "API_TOKEN": LAMBDA_API_TOKEN,
        "LOG_SINK": LAMBDA_PLAIN_VARIABLE,
        "DATABASE_URL": f"postgres://app:{LAMBDA_DATABASE_URL_PASSWORD}@db.internal/app",
    }


@dataclass
class World:
    instance_id: str
    db_resource_id: str
    role_arn: str

    def state(self, serial: int) -> dict[str, Any]:
        """The state Terraform wrote: version 1 before the database password was rotated,
        version 2 after. Neither knows of the Lambda variable changed out of band."""
        version = f"v{serial}"
        db_password = DB_PASSWORD_OLD if serial == 1 else DB_PASSWORD
        return {
            "version": 4,
            "terraform_version": "1.9.5",
            "serial": serial,
            "lineage": "5c3b1f0e-planted-secrets",
            "outputs": {
                "connection": {
                    "value": {
                        "host": "db.internal",
                        "password": f"{OUTPUT_NESTED_PASSWORD}-{version}",
                    },
                    "type": ["object", {"host": "string", "password": "string"}],
                },
                "admin_password": {"value": OUTPUT_SENSITIVE, "type": "string", "sensitive": True},
                "function_name": {"value": FUNCTION, "type": "string"},
            },
            "resources": [
                _resource(
                    "aws_lambda_function",
                    "api",
                    {
                        "id": FUNCTION,
                        "function_name": FUNCTION,
                        "arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}",
                        "role": self.role_arn,
                        "handler": "index.handler",
                        "runtime": "python3.12",
                        "environment": [{"variables": _environment(LAMBDA_DB_PASSWORD_STATE)}],
                        "tags": {},
                        "tags_all": {},
                    },
                    sensitive=[
                        [
                            {"type": "get_attr", "value": "environment"},
                            {"type": "index", "value": {"value": 0, "type": "number"}},
                            {"type": "get_attr", "value": "variables"},
                        ]
                    ],
                ),
                _resource(
                    "aws_instance",
                    "app",
                    {
                        "id": self.instance_id,
                        "user_data": SCRIPT,
                        "tags": {"Name": "app"},
                        "tags_all": {"Name": "app"},
                    },
                ),
                _resource(
                    "aws_db_instance",
                    "main",
                    {
                        "id": self.db_resource_id,
                        "identifier": DATABASE,
                        "username": "admin",
                        "password": db_password,
                        "engine": "postgres",
                        "tags": {},
                        "tags_all": {},
                    },
                    sensitive=[[{"type": "get_attr", "value": "password"}]],
                ),
                _resource(
                    "terraform_data",
                    "config",
                    {
                        "id": "3b1c2c6e-0d6f-4f1e-9f57-4a3c7b1f2e11",
                        "input": {
                            "value": {"note": f"{MARKED_SENSITIVE}-{version}", "port": 5432},
                            "type": ["object", {"note": "string", "port": "number"}],
                        },
                    },
                    provider=BUILTIN,
                    sensitive=[
                        [
                            {"type": "get_attr", "value": "input"},
                            {"type": "get_attr", "value": "note"},
                        ]
                    ],
                ),
            ],
        }


def _resource(
    type_: str,
    name: str,
    attributes: dict[str, Any],
    *,
    provider: str = AWS,
    sensitive: list[Any] | None = None,
) -> dict[str, Any]:
    return {
        "mode": "managed",
        "type": type_,
        "name": name,
        "provider": provider,
        "instances": [
            {
                "schema_version": 0,
                "attributes": attributes,
                "sensitive_attributes": sensitive or [],
            }
        ],
    }


def _zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


@pytest.fixture
def world(boto: Callable[..., Any]) -> World:
    """The cloud as Terraform left it, and then one secret changed by hand."""
    role_arn = boto("iam").create_role(RoleName="planted-exec", AssumeRolePolicyDocument=TRUST)[
        "Role"
    ]["Arn"]
    lambda_ = boto("lambda")
    lambda_.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": _zipped("def handler(event, context):\n    return 1\n")},
        Environment={"Variables": _environment(LAMBDA_DB_PASSWORD_STATE)},
    )
    ec2 = boto("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", UserData=SCRIPT
    )["Instances"][0]["InstanceId"]
    database = boto("rds").create_db_instance(
        DBInstanceIdentifier=DATABASE,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword=DB_PASSWORD,
        AllocatedStorage=20,
    )["DBInstance"]
    # Out of band: someone rotates the function's database password by hand.
    lambda_.update_function_configuration(
        FunctionName=FUNCTION,
        Environment={"Variables": _environment(LAMBDA_DB_PASSWORD_LIVE)},
    )
    return World(
        instance_id=instance_id,
        db_resource_id=database["DbiResourceId"],
        role_arn=role_arn,
    )


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))  # with the traceback, if any


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every log line written while the test runs: driftmgr's at DEBUG, everything else at
    INFO (the SDKs' DEBUG dumps raw API traffic, which no driftmgr setting turns on)."""
    handler = _Records()
    root, ours = logging.getLogger(), logging.getLogger("driftmgr")
    levels = (root.level, ours.level)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        ours.setLevel(levels[1])


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient[Any]]:
    services: Services = bootstrap(Settings(data_dir=tmp_path / "store"))
    app = create_app(services, auth=LocalTrust(actor="planted@test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        guard_responses(client)
        checks = client.event_hooks["response"]

        def check_encoded(response: Any) -> None:
            assert_clean(response.text, f"{response.request.method} {response.request.url}")

        client.event_hooks = {"response": [*checks, check_encoded]}
        yield client
    services.close()


def _changes(report: dict[str, Any], address: str) -> dict[str, dict[str, Any]]:
    (item,) = [d for d in report["drifts"] if d["address"] == address]
    return {c["path"]: c for c in item["changes"]}


def test_no_planted_secret_leaves_the_api_or_its_logs(
    client: TestClient[Any], world: World, log_lines: list[str]
) -> None:
    source = "tfstate:///srv/planted/terraform.tfstate"
    first = client.post(
        "/api/v1/states", json={"source": source, "content": json.dumps(world.state(1))}
    )
    assert first.status_code == 202, first.text
    second = client.post(
        "/api/v1/states", json={"source": source, "content": json.dumps(world.state(2))}
    )
    assert second.status_code == 202, second.text
    state_id = second.json()["id"]
    wait = {"min_position": second.json()["position"]}

    # State views: outputs at any depth, whether marked sensitive or not.
    shown = client.get(f"/api/v1/states/{state_id}", params=wait).json()
    outputs = {o["name"]: o["value"] for o in shown["outputs"]}
    assert outputs == {
        "connection": {"host": "db.internal", "password": HIDDEN},
        "admin_password": HIDDEN,
        "function_name": FUNCTION,
    }
    for path in ("", "/versions", "/analysis", "/graph"):
        assert client.get(f"/api/v1/states/{state_id}{path}", params=wait).status_code == 200
    assert client.get("/api/v1/states", params=wait).status_code == 200

    # Comparison: every changed secret named, none shown.
    compared = client.get(
        "/api/v1/states/compare", params={"a": f"{state_id}@1", "b": f"{state_id}@2", **wait}
    ).json()
    changed = {c["address"]: {x["path"]: x for x in c["changes"]} for c in compared["changed"]}
    assert changed["aws_db_instance.main"]["password"] == {
        "path": "password",
        "expected": HIDDEN,
        "actual": HIDDEN,
        "sensitive": True,
    }
    assert changed["terraform_data.config"]["input.value.note"]["sensitive"] is True
    assert [(c["path"], c["expected"], c["actual"]) for c in compared["output_changes"]] == [
        ("connection.password", HIDDEN, HIDDEN)
    ]

    # The inventory: what GET /api/v1/resources serves holds no secret.
    discovery = client.post(
        "/api/v1/discoveries",
        json={"provider": "aws", "regions": [REGION], "resource_types": list(TYPES)},
    ).json()
    done = client.get(
        f"/api/v1/discoveries/{discovery['id']}",
        params={"min_position": discovery["position"], "wait": 60},
    ).json()
    assert done["status"] == "completed", done
    resources = client.get(
        "/api/v1/resources", params={"type": "aws_lambda_function", **wait}
    ).json()
    (function,) = resources["resources"]
    assert function["attributes"]["environment"] == [
        {"variables": dict.fromkeys(_environment(""), HIDDEN)}
    ]
    (instance,) = client.get("/api/v1/resources", params={"type": "aws_instance"}).json()[
        "resources"
    ]
    assert instance["attributes"]["user_data"] == HIDDEN
    everything = client.get("/api/v1/resources").json()
    assert everything["total"] >= 3

    # Drift: the changed secret is found and named, its values hidden; the unchanged are not.
    run = client.post(
        "/api/v1/drift-runs",
        json={
            "provider": "aws",
            "regions": [REGION],
            "state_ids": [state_id],
            "resource_types": list(TYPES),
        },
    ).json()
    status = client.get(
        f"/api/v1/drift-runs/{run['id']}", params={"min_position": run["position"], "wait": 60}
    ).json()
    assert status["status"] == "completed", status
    report = assert_matches_contract(client.get(f"/api/v1/drift-runs/{run['id']}/report").json())
    lambda_changes = _changes(report, "aws_lambda_function.api")
    assert lambda_changes == {
        "environment[0].variables.DB_PASSWORD": {
            "path": "environment[0].variables.DB_PASSWORD",
            "expected": HIDDEN,
            "actual": HIDDEN,
            "sensitive": True,
        }
    }
    plan = client.post("/api/v1/remediation-plans", json={"drift_run_id": run["id"]}).json()
    planned = client.get(
        f"/api/v1/remediation-plans/{plan['id']}", params={"min_position": plan["position"]}
    ).json()
    assert any(a["address"] == "aws_lambda_function.api" for a in planned["actions"])

    assert log_lines, "nothing was logged: the capture is not working"
    assert_clean("\n".join(log_lines), "the logs")


def test_no_planted_secret_reaches_the_cli_output(
    world: World, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    # The `driftmgr` fixture checks every command's stdout and stderr (with -v: its log
    # lines) against the planted secrets; the user data's encoded forms are checked here.
    def run(*args: str) -> Ran:
        ran = driftmgr("-v", *args)
        assert_clean(ran.stdout + ran.stderr, f"driftmgr {' '.join(args)}")
        return ran

    # Two versions of one state file: the database password was rotated in between.
    state_file = tmp_path / "terraform.tfstate"
    state_file.write_text(json.dumps(world.state(1)))
    imported = run("state", "import", str(state_file), "-o", "json")
    assert imported.code == 0, imported.stderr
    state_id = imported.json()["id"]
    state_file.write_text(json.dumps(world.state(2)))
    assert run("state", "import", str(state_file)).code == 0

    for output in ("table", "json"):
        shown = run("state", "show", state_id, "-o", output)
        assert shown.code == 0, shown.stderr
        compared = run("state", "compare", f"{state_id}@1", f"{state_id}@2", "-o", output)
        assert compared.code == 0, compared.stderr
    assert json.loads(compared.stdout)["changed"], compared.stdout
    table = run("state", "compare", f"{state_id}@1", f"{state_id}@2")
    assert "    password: changed (sensitive)" in table.stdout.splitlines()

    scope = ("--provider", "aws", "--region", REGION)
    types = [arg for t in TYPES for arg in ("--type", t)]
    discovered = run("discover", *scope, *types, "-o", "json")
    assert discovered.code == 0, discovered.stderr

    detected = run("drift", "detect", "--state", str(state_file), *scope, *types, "-o", "json")
    assert detected.code == 2, detected.stderr
    report = detected.report()
    assert "environment[0].variables.DB_PASSWORD" in _changes(report, "aws_lambda_function.api")
    rendered = run("drift", "report", report["run_id"])
    assert rendered.code == 2, rendered.stderr
    assert "environment[0].variables.DB_PASSWORD: changed (sensitive)" in rendered.stdout
    assert leaked(rendered.stdout) == []
