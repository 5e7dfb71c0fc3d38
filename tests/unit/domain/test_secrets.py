"""The secrets catalogue and redaction: what is hidden, what stays, and that nothing leaks."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.domain.drift.diff import redact, set_change
from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.report import DriftChange, DriftScope
from driftmgr.domain.drift.rules import registered_types
from driftmgr.domain.resources import LiveResource, ScanOutcome, StateResource
from driftmgr.domain.secrets import (
    SECRET_ATTRIBUTES,
    SENSITIVE_VALUE,
    Secrets,
    is_secret_name,
    looks_secret,
    parse_path,
    redact_attributes,
    redact_value,
)

HIDDEN = SENSITIVE_VALUE
REGION = "us-east-1"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'

# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "master_password",
        "DB_PASSWORD",
        "dbpassword",
        "passwd",
        "secret",
        "client_secret",
        "secret_string",
        "token",
        "auth_token",
        "API_TOKEN",
        "x-auth-token",
        "OAuthToken",
        "api_key",
        "apiKey",
        "stripeApiKey",
        "X-Api-Key",
        "private_key",
        "privateKeyPem",
        "access_key",
        "secret_key",
        "AWS_SECRET_ACCESS_KEY",
        "credentials",
        "connection_string",
        "ConnectionString",
        "conn_str",
        "dsn",
        "SENTRY_DSN",
        "auth",
        "Authorization",
        "user_data",
        "user_data_base64",
        "passphrase",
    ],
)
def test_well_known_secret_names_are_secret_in_any_case_and_style(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "name",
        "Owner",
        "Environment",
        "author",
        "authority",
        "description",
        "secret_arn",
        "domain_auth_secret_arn",
        "access_key_id",
        "password_length",
        "authorization_type",
        "token_endpoint",
        "http_tokens",
        "manage_master_user_password",
        "get_password_data",
        "user_data_replace_on_change",
        "key_name",
        "kms_key_id",
        "public_key",
        "instance_type",
    ],
)
def test_names_about_secrets_and_ordinary_names_are_not_secret(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    "text",
    [
        "postgres://app:hunter2@db.internal:5432/app",
        "https://user:pa55@example.com/hook",
        "Server=db;Database=app;User Id=sa;Password=hunter2;",
        "host=db user=app password=hunter2",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE...",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
    ],
)
def test_values_that_carry_credentials_look_secret(text: str) -> None:
    assert looks_secret(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/hook",
        "git@github.com:org/repo.git",
        "ssh://git@github.com/org/repo",
        "a token bucket limits the rate",
        "-----BEGIN CERTIFICATE-----",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
    ],
)
def test_ordinary_values_do_not_look_secret(text: str) -> None:
    assert not looks_secret(text)


# --- the catalogue ------------------------------------------------------------------------


def test_the_catalogue_covers_the_listed_types_whose_schema_marks_secrets() -> None:
    listed = set(registered_types())
    for resource_type in (
        "aws_db_instance",
        "aws_instance",
        "aws_launch_template",
        "aws_lambda_function",
        "aws_lb_listener",
    ):
        assert resource_type in listed
        assert SECRET_ATTRIBUTES[resource_type]
    assert "password" in SECRET_ATTRIBUTES["aws_db_instance"]
    assert "environment[*].variables.*" in SECRET_ATTRIBUTES["aws_lambda_function"]


def test_every_catalogue_path_parses_into_names_and_wildcards() -> None:
    for resource_type, paths in SECRET_ATTRIBUTES.items():
        assert resource_type.islower() and "_" in resource_type
        for path in paths:
            steps = parse_path(path)
            assert steps and all(isinstance(s, str) and s for s in steps), (resource_type, path)


def test_paths_parse_the_way_reports_write_them() -> None:
    assert parse_path("ingress[0].cidr_blocks[12]") == ("ingress", 0, "cidr_blocks", 12)
    assert parse_path("tags.Name") == ("tags", "Name")
    assert parse_path("environment[*].variables.*") == ("environment", "*", "variables", "*")
    assert parse_path("") == ()


# --- redaction of attribute trees ---------------------------------------------------------


def test_every_lambda_environment_value_is_hidden_and_the_names_stay() -> None:
    attributes = {
        "function_name": "api",
        "environment": [{"variables": {"LOG_LEVEL": "debug", "DB_PASSWORD": "pw-1"}}],
        "tags": {"Environment": "prod", "Owner": "team-a"},
    }
    shown = redact_attributes("aws_lambda_function", attributes)
    assert shown == {
        "function_name": "api",
        "environment": [{"variables": {"LOG_LEVEL": HIDDEN, "DB_PASSWORD": HIDDEN}}],
        "tags": {"Environment": "prod", "Owner": "team-a"},
    }
    assert attributes["environment"][0]["variables"]["DB_PASSWORD"] == "pw-1"  # a copy


def test_environment_variables_are_hidden_in_any_type_and_in_name_value_pairs() -> None:
    attributes = {
        "env": {"MODE": "fast"},
        "containers": [
            {
                "image": "nginx:1.27",
                "environment": [{"name": "DB_HOST", "value": "db-1"}],
                "command": ["run", "KEY=visible"],
            }
        ],
        "environment": "production",  # a plain setting named environment: shown
        "envvars": ["A=b"],
    }
    assert redact_attributes(None, attributes) == {
        "env": {"MODE": HIDDEN},
        "containers": [
            {
                "image": "nginx:1.27",
                "environment": [{"name": "DB_HOST", "value": HIDDEN}],
                "command": ["run", "KEY=visible"],
            }
        ],
        "environment": "production",
        "envvars": [HIDDEN],
    }


def test_schema_sensitive_and_user_data_attributes_are_hidden_and_flags_are_not() -> None:
    db = redact_attributes(
        "aws_db_instance",
        {"password": "pw", "manage_master_user_password": False, "username": "admin"},
    )
    assert db == {"password": HIDDEN, "manage_master_user_password": False, "username": "admin"}
    instance = redact_attributes(
        "aws_instance",
        {
            "user_data": "IyEvYmluL3NoCg==",
            "user_data_replace_on_change": False,
            "metadata_options": [{"http_tokens": "required"}],
        },
    )
    assert instance == {
        "user_data": HIDDEN,
        "user_data_replace_on_change": False,
        "metadata_options": [{"http_tokens": "required"}],
    }
    listener = redact_attributes(
        "aws_lb_listener",
        {"default_action": [{"type": "x", "authenticate_oidc": [{"client_secret": "s"}]}]},
    )
    assert listener["default_action"][0]["authenticate_oidc"][0]["client_secret"] == HIDDEN
    assert listener["default_action"][0]["type"] == "x"


def test_catalogued_attributes_without_a_secret_name_are_hidden_for_their_type_only() -> None:
    assert redact_attributes("aws_ssm_parameter", {"value": "v", "name": "/app/db"}) == {
        "value": HIDDEN,
        "name": "/app/db",
    }
    assert redact_attributes("aws_sqs_queue", {"value": "v"}) == {"value": "v"}


def test_state_sensitive_paths_hide_their_values_and_positions_are_wildcards() -> None:
    attributes = {"marked": "x", "ports": [5432, 5433], "labels": {"team": "a", "odd": "b"}}
    shown = redact_attributes("aws_vpc", attributes, [("marked",), ("ports", 1), ("labels", "odd")])
    # A marked position hides every position: list order is not stable across sides.
    assert shown == {
        "marked": HIDDEN,
        "ports": [HIDDEN, HIDDEN],
        "labels": {"team": "a", "odd": HIDDEN},
    }


def test_sensitive_paths_into_dynamic_values_skip_their_value_wrapper() -> None:
    # terraform_data stores `input` as {"value": …, "type": …}; the state's sensitive path
    # is input.password, without the wrapper's step.
    attributes = {
        "input": {
            "value": {"port": 5432, "note": "kept"},
            "type": ["object", {"note": "string"}],
        }
    }
    shown = redact_attributes("terraform_data", attributes, [("input", "note")])
    assert shown["input"]["value"] == {"port": 5432, "note": HIDDEN}


def test_a_scalar_where_a_secret_path_expects_structure_is_hidden_whole() -> None:
    shown = redact_attributes("aws_lambda_function", {"environment": "DB_PASSWORD=x"})
    assert shown == {"environment": HIDDEN}


def test_secrets_inside_json_documents_are_hidden_and_the_document_stays_json() -> None:
    definitions = json.dumps(
        [
            {
                "name": "app",
                "image": "app:1",
                "environment": [{"name": "DB_PASSWORD", "value": "ecs-secret-1"}],
            }
        ]
    )
    shown = redact_attributes("aws_ecs_task_definition", {"container_definitions": definitions})
    document = json.loads(shown["container_definitions"])
    assert document == [
        {"name": "app", "image": "app:1", "environment": [{"name": "DB_PASSWORD", "value": HIDDEN}]}
    ]
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]})
    assert redact_attributes("aws_iam_policy", {"policy": policy}) == {"policy": policy}


def test_outputs_are_redacted_at_any_depth_by_name_and_by_look() -> None:
    value = {"db": {"host": "db.internal", "password": "out-1"}, "url": "mysql://u:p@h/x"}
    assert redact_value(value, path=("connection",)) == {
        "db": {"host": "db.internal", "password": HIDDEN},
        "url": HIDDEN,
    }
    assert redact_value("x", path=("db_password",)) == HIDDEN
    assert redact_value(["a", "b"], path=("names",)) == ["a", "b"]


def test_null_stays_null_and_empty_values_at_secret_paths_count_as_hidden() -> None:
    secrets = Secrets.of("aws_db_instance")
    assert secrets.redact({"password": None}) == {"password": None}
    assert secrets.holds_secret([], ("password",))
    assert not secrets.holds_secret(None, ("password",))


def test_trees_deeper_than_the_recursion_limit_are_redacted() -> None:
    deep: Any = {"password": "deep-secret"}
    for _ in range(20_000):
        deep = {"child": [deep]}
    shown = redact_value(deep)
    for _ in range(20_000):
        shown = shown["child"][0]
    assert shown == {"password": HIDDEN}


# --- changes ------------------------------------------------------------------------------


def test_a_changed_secret_is_reported_as_changed_with_its_path_and_no_values() -> None:
    changes = [
        DriftChange(path="password", expected="old-pw", actual="new-pw"),
        DriftChange(path="instance_class", expected="db.t3.micro", actual="db.t3.large"),
        DriftChange(path="tags.ApiToken", expected=None, actual="tok"),
    ]
    assert redact(changes, (), "aws_db_instance") == [
        DriftChange(path="password", expected=HIDDEN, actual=HIDDEN, sensitive=True),
        DriftChange(path="instance_class", expected="db.t3.micro", actual="db.t3.large"),
        DriftChange(path="tags.ApiToken", expected=None, actual=HIDDEN, sensitive=True),
    ]


def test_a_block_holding_a_secret_replaced_by_a_scalar_is_hidden_on_both_sides() -> None:
    (change,) = redact([DriftChange(path="block", expected={"password": "p"}, actual="gone")])
    assert change == DriftChange(path="block", expected=HIDDEN, actual=HIDDEN, sensitive=True)


def test_in_a_set_only_the_members_holding_a_secret_are_hidden() -> None:
    open_rule = {"cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "description": "ssh"}
    leaky = {"cidr_blocks": ["10.0.0.0/8"], "from_port": 80, "description": "https://u:pw@h"}
    change = set_change("ingress", [], [open_rule, leaky])
    (shown,) = redact([change], (), "aws_security_group")
    assert shown.sensitive
    assert open_rule in (shown.added or []) and HIDDEN in (shown.added or [])
    assert "pw@" not in msgspec.json.encode(shown).decode()


def _lambda(environment: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"function_name": "api", "environment": [{"variables": environment}], **extra}


def test_the_engine_detects_a_changed_secret_hides_it_and_ignores_an_unchanged_one() -> None:
    state = StateResource(
        address="aws_lambda_function.api",
        mode="managed",
        type="aws_lambda_function",
        name="api",
        provider="aws",
        provider_config=AWS,
        id="api",
        attributes={"id": "api", **_lambda({"DB_PASSWORD": "old-1", "API_TOKEN": "same-1"})},
    )
    cloud = LiveResource(
        type="aws_lambda_function",
        id="api",
        provider="aws",
        region=REGION,
        attributes={"id": "api", **_lambda({"DB_PASSWORD": "new-1", "API_TOKEN": "same-1"})},
    )
    outcome = ScanOutcome(
        provider="aws", type="aws_lambda_function", region=REGION, resources=[cloud]
    )
    findings = detect_drift([state], [outcome], DriftScope(providers=["aws"], regions=[REGION]))
    (item,) = findings.items
    assert item.kind == "modified"
    assert item.changes == [
        DriftChange(
            path="environment[0].variables.DB_PASSWORD",
            expected=HIDDEN,
            actual=HIDDEN,
            sensitive=True,
        )
    ]
    encoded = msgspec.json.encode(findings).decode()
    assert "old-1" not in encoded and "new-1" not in encoded and "same-1" not in encoded


def test_severity_is_judged_on_the_real_values_before_they_are_hidden() -> None:
    rule = {
        "cidr_blocks": ["0.0.0.0/0"],
        "from_port": 22,
        "to_port": 22,
        "protocol": "tcp",
        "description": "postgres://u:pw@h/db",  # hides the member, not its danger
    }
    state = StateResource(
        address="aws_security_group.web",
        mode="managed",
        type="aws_security_group",
        name="web",
        provider="aws",
        provider_config=AWS,
        id="sg-1",
        attributes={"id": "sg-1", "ingress": []},
    )
    cloud = LiveResource(
        type="aws_security_group",
        id="sg-1",
        provider="aws",
        region=REGION,
        attributes={"id": "sg-1", "ingress": [rule]},
    )
    outcome = ScanOutcome(
        provider="aws", type="aws_security_group", region=REGION, resources=[cloud]
    )
    (item,) = detect_drift(
        [state], [outcome], DriftScope(providers=["aws"], regions=[REGION])
    ).items
    assert item.severity == "critical"
    assert item.changes[0].added == [HIDDEN] and item.changes[0].sensitive


# --- properties ---------------------------------------------------------------------------

PLAIN_KEYS = st.sampled_from(["name", "ami", "tags", "Owner", "size", "rules", "Tier"])
SECRET_KEYS = st.sampled_from(
    ["password", "DB_PASSWORD", "apiKey", "user_data", "client_secret", "variables", "auth"]
)
PLAIN_LEAVES = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["v1", "x y"])


@st.composite
def planted_leaves(draw: st.DrawFn) -> str:
    return f"planted-{draw(st.integers(0, 10**6))}"


def _trees(leaves: st.SearchStrategy[Any], keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3)
        ),
        max_leaves=8,
    )


# Not "name": the names in an environment's name/value pairs are shown by design.
SECRET_VALUES = _trees(planted_leaves(), st.sampled_from(["a", "id", "value", "x"]))


@st.composite
def planted_trees(draw: st.DrawFn) -> Any:
    """Plain trees with secret-named keys here and there, every leaf under them planted."""

    def with_secrets(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        plain = st.dictionaries(PLAIN_KEYS, children, max_size=3)
        secret = st.dictionaries(SECRET_KEYS, SECRET_VALUES, min_size=1, max_size=2)
        return st.lists(children, max_size=3) | st.builds(lambda a, b: {**a, **b}, plain, secret)

    return draw(st.recursive(PLAIN_LEAVES, with_secrets, max_leaves=10))


def _without_secret_keys(tree: Any, secret_keys: set[str]) -> Any:
    if isinstance(tree, dict):
        return {
            k: _without_secret_keys(v, secret_keys) for k, v in tree.items() if k not in secret_keys
        }
    if isinstance(tree, list):
        return [_without_secret_keys(v, secret_keys) for v in tree]
    return tree


SECRET_KEY_SET = {
    "password",
    "DB_PASSWORD",
    "apiKey",
    "user_data",
    "client_secret",
    "variables",
    "auth",
}


@settings(max_examples=300, deadline=None)
@given(planted_trees(), st.sampled_from([None, "aws_lambda_function", "aws_db_instance"]))
def test_no_planted_secret_survives_and_everything_else_is_unchanged(
    tree: Any, resource_type: str | None
) -> None:
    shown = redact_value(tree, resource_type=resource_type, path=("root",))
    assert "planted-" not in json.dumps(shown)
    assert _without_secret_keys(shown, SECRET_KEY_SET) == _without_secret_keys(tree, SECRET_KEY_SET)


@settings(max_examples=300, deadline=None)
@given(planted_trees(), st.sampled_from([None, "aws_lambda_function", "aws_instance"]))
def test_redaction_is_idempotent(tree: Any, resource_type: str | None) -> None:
    once = redact_value(tree, resource_type=resource_type)
    assert redact_value(once, resource_type=resource_type) == once


def _paths(tree: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix] if prefix else []
    if isinstance(tree, dict):
        for key, child in tree.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(tree, list):
        for index, child in enumerate(tree):
            found += _paths(child, (*prefix, index))
    return found


def _at(tree: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [leaf for child in tree.values() for leaf in _leaves(child)]
    if isinstance(tree, list):
        return [leaf for child in tree for leaf in _leaves(child)]
    return [tree]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_whatever_the_state_marks_sensitive_is_hidden_at_any_depth(data: st.DataObject) -> None:
    tree = data.draw(st.dictionaries(PLAIN_KEYS, _trees(PLAIN_LEAVES, PLAIN_KEYS), min_size=1))
    marked = data.draw(st.lists(st.sampled_from(_paths(tree)), max_size=3))
    shown = redact_attributes("aws_vpc", tree, marked)
    for path in marked:
        assert all(leaf in (None, HIDDEN) for leaf in _leaves(_at(shown, path))), path


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            DriftChange,
            path=st.sampled_from(["password", "tags.Owner", "environment[0].variables.A", "x"]),
            expected=_trees(PLAIN_LEAVES, st.sampled_from(["a", "token"])),
            actual=_trees(PLAIN_LEAVES, st.sampled_from(["a", "token"])),
        ),
        max_size=4,
    ),
    st.sampled_from([None, "aws_lambda_function"]),
)
def test_redacting_changes_is_idempotent(
    changes: list[DriftChange], resource_type: str | None
) -> None:
    once = redact(changes, (), resource_type)
    assert redact(once, (), resource_type) == once
