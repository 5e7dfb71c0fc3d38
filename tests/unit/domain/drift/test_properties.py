"""Properties of the comparison, over every registered type and random attribute values.

(a) a resource compared with itself — set members in any order — is in sync;
(b) one attribute changed on the live side is reported at exactly that attribute's path
    (a set's name with the members added and removed);
(c) findings do not depend on the order of state resources, of live resources, or of set
    members (checked on every golden case).
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from driftmgr.domain.drift.diff import SENSITIVE_VALUE
from driftmgr.domain.drift.engine import compare_attributes
from driftmgr.domain.drift.normalise import (
    canonical_set,
    drop_empty,
    is_empty,
    normalise_attribute,
    sort_key,
)
from driftmgr.domain.drift.rules import TypeRules, registered_types, rules_for
from driftmgr.domain.resources import LiveResource, ScanOutcome, StateResource
from tests.unit.domain.drift.test_golden import Scenario, case_files, load_case, run, scenario

TYPES = sorted(registered_types())
FIELDS = ["a", "b", "name", "protocol", "cidr_blocks", "from_port", "description", "policy"]
GENERIC_NAMES = ["description", "name", "size", "settings", "tags"]

# --- value strategies ---------------------------------------------------------------------

words = st.text(alphabet=string.ascii_letters + string.digits + "-./*:_", max_size=8)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), words)
ipv4_cidrs = st.builds(
    lambda address, prefix: f"{address}/{prefix}",
    st.ip_addresses(v=4),
    st.integers(0, 32),
)
ipv6_cidrs = st.builds(
    lambda address, prefix, upper: f"{str(address).upper() if upper else address}/{prefix}",
    st.ip_addresses(v=6),
    st.integers(0, 128),
    st.booleans(),
)
cidrs = st.one_of(ipv4_cidrs, ipv6_cidrs)
dns_names = st.builds(
    lambda labels, dot, upper: ".".join(labels).upper() if upper else ".".join(labels) + dot,
    st.lists(
        st.sampled_from(["www", "Api", "example", "com", "\\052", "org"]), min_size=1, max_size=4
    ),
    st.sampled_from(["", "."]),
    st.booleans(),
)
actions = st.sampled_from(["s3:GetObject", "s3:*", "sqs:SendMessage", "kms:Decrypt"])
principals = st.one_of(
    st.just("*"),
    st.fixed_dictionaries(
        {
            "AWS": st.one_of(
                st.sampled_from(["*", "123456789012", "arn:aws:iam::1:role/x"]),
                st.lists(st.sampled_from(["*", "210987654321"]), min_size=1, max_size=2),
            )
        }
    ),
    st.fixed_dictionaries(
        {"Service": st.sampled_from(["ec2.amazonaws.com", "lambda.amazonaws.com"])}
    ),
)
statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.one_of(actions, st.lists(actions, min_size=1, max_size=3)),
    },
    optional={
        "Sid": st.sampled_from(["", "A", "B"]),
        "Resource": st.one_of(
            st.just("*"),
            st.lists(st.sampled_from(["arn:aws:s3:::a/*", "*"]), min_size=1, max_size=2),
        ),
        "Principal": principals,
        "Condition": st.fixed_dictionaries(
            {
                "Bool": st.fixed_dictionaries(
                    {
                        "aws:SecureTransport": st.one_of(
                            st.booleans(), st.sampled_from(["true", "false"])
                        )
                    }
                )
            }
        ),
    },
)
policy_documents = st.fixed_dictionaries(
    {"Version": st.just("2012-10-17"), "Statement": st.lists(statements, min_size=1, max_size=3)}
)
policies = policy_documents.flatmap(
    lambda doc: st.sampled_from([doc, json.dumps(doc), json.dumps(doc, indent=2, sort_keys=True)])
)
json_values = st.recursive(
    st.one_of(scalars, cidrs),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(FIELDS), children, max_size=3),
    ),
    max_leaves=8,
)
member_fields = st.one_of(scalars, cidrs, st.lists(st.one_of(cidrs, words), max_size=3), policies)
set_members = st.one_of(st.dictionaries(st.sampled_from(FIELDS), member_fields, max_size=4), words)
tag_maps = st.dictionaries(words, words, max_size=3)


def value_strategy(name: str, rules: TypeRules) -> st.SearchStrategy[Any]:
    if name in rules.sets:
        return st.lists(set_members, max_size=4)
    if name in rules.policies:
        return st.one_of(policies, st.just(""))
    if name in rules.cidrs:
        return st.one_of(cidrs, st.lists(cidrs, max_size=3))
    if name in rules.dns_names:
        return st.one_of(dns_names, st.lists(dns_names, max_size=3))
    if name in rules.hashed:
        return st.one_of(
            words, words.map(lambda s: __import__("base64").b64encode(s.encode()).decode())
        )
    if name == "tags":
        return tag_maps
    if name in rules.defaults:
        return st.one_of(st.none(), st.just(rules.defaults[name]), scalars)
    return json_values


def compared_names(rules: TypeRules) -> list[str]:
    named = (
        rules.sets
        | rules.policies
        | rules.cidrs
        | rules.case_insensitive
        | rules.dns_names
        | rules.hashed
        | rules.absent_when_empty
        | frozenset(rules.defaults)
        | frozenset(GENERIC_NAMES)
    )
    return sorted(n for n in named - rules.ignored - {"tags_all"} if "." not in n)


@st.composite
def typed_attributes(draw: st.DrawFn) -> tuple[str, TypeRules, dict[str, Any]]:
    resource_type = draw(st.sampled_from(TYPES))
    rules = rules_for(resource_type)
    names = draw(st.lists(st.sampled_from(compared_names(rules)), unique=True, max_size=6))
    return resource_type, rules, {name: draw(value_strategy(name, rules)) for name in names}


def state(resource_type: str, attributes: dict[str, Any]) -> StateResource:
    return StateResource(
        address=f"{resource_type}.x",
        mode="managed",
        type=resource_type,
        name="x",
        provider="aws",
        provider_config="p",
        id="x",
        attributes=attributes,
    )


def live(resource_type: str, attributes: dict[str, Any]) -> LiveResource:
    return LiveResource(
        type=resource_type, id="x", provider="aws", region="us-east-1", attributes=attributes
    )


def reorder_sets(
    attributes: dict[str, Any], rules: TypeRules, rnd: random.Random
) -> dict[str, Any]:
    """The same attributes with every set, and every list inside a set member, reordered."""
    out = dict(attributes)
    for name in rules.sets:
        value = out.get(name)
        if not isinstance(value, list):
            continue
        members = [
            {k: rnd.sample(v, len(v)) if isinstance(v, list) else v for k, v in m.items()}
            if isinstance(m, dict)
            else m
            for m in value
        ]
        out[name] = rnd.sample(members, len(members))
    return out


# --- (a) ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed=typed_attributes(), rnd=st.randoms(use_true_random=False))
def test_a_resource_compared_with_itself_is_in_sync_whatever_its_type_and_values(
    typed: tuple[str, TypeRules, dict[str, Any]], rnd: random.Random
) -> None:
    resource_type, rules, attributes = typed
    same = reorder_sets(msgspec.json.decode(msgspec.json.encode(attributes)), rules, rnd)
    assert compare_attributes(state(resource_type, attributes), live(resource_type, same)) == []


# --- (b) ----------------------------------------------------------------------------------


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_one_changed_attribute_is_reported_at_exactly_its_path(data: st.DataObject) -> None:
    resource_type, rules, attributes = data.draw(typed_attributes())
    name = data.draw(st.sampled_from(compared_names(rules)))
    before = data.draw(value_strategy(name, rules))
    after = data.draw(value_strategy(name, rules))
    expected = normalise_attribute(name, before, rules)
    actual = normalise_attribute(name, after, rules)
    assume(expected != actual)
    assume(not (name in rules.absent_when_empty and is_empty(drop_empty(before))))

    changes = compare_attributes(
        state(resource_type, {**attributes, name: before}),
        live(resource_type, {**attributes, name: after}),
    )

    assert changes, f"{resource_type}.{name}: {before!r} -> {after!r}"
    assert all(c.path == name or c.path.startswith((f"{name}.", f"{name}[")) for c in changes)
    one_block_each = (
        isinstance(expected, list)
        and isinstance(actual, list)
        and len(expected) == len(actual) == 1
        and isinstance(expected[0], dict)
        and isinstance(actual[0], dict)
    )
    if name in rules.sets and one_block_each:
        # One block on each side: named at the leaves that differ, inside member [0].
        assert all(c.path.startswith(f"{name}[0]") for c in changes), changes
        return
    if name in rules.sets or name in rules.policies:
        (change,) = changes
        assert change.path == name
    if name in rules.sets:
        (change,) = changes
        if SENSITIVE_VALUE in (change.added or []) + (change.removed or []):
            return
        was = {sort_key(m) for m in expected or []}
        now = {sort_key(m) for m in actual or []}
        assert change.added == canonical_set(m for m in actual or [] if sort_key(m) not in was)
        assert change.removed == canonical_set(m for m in expected or [] if sort_key(m) not in now)


# --- (c) ----------------------------------------------------------------------------------


def _shuffled(s: Scenario, rnd: random.Random) -> Scenario:
    state_resources = [
        msgspec.structs.replace(r, attributes=reorder_sets(r.attributes, rules_for(r.type), rnd))
        for r in s.state
    ]
    outcomes = [
        msgspec.structs.replace(
            o,
            resources=rnd.sample(
                [
                    msgspec.structs.replace(
                        r, attributes=reorder_sets(r.attributes, rules_for(r.type), rnd)
                    )
                    for r in o.resources
                ],
                len(o.resources),
            ),
        )
        for o in s.live
    ]
    return Scenario(
        state=rnd.sample(state_resources, len(state_resources)),
        live=rnd.sample(outcomes, len(outcomes)),
        scope=s.scope,
        ignore=s.ignore,
    )


SCENARIOS: dict[Path, Scenario] = {path: scenario(load_case(path)) for path in case_files()}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(sorted(SCENARIOS)), rnd=st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_the_order_of_resources_or_set_members(
    path: Path, rnd: random.Random
) -> None:
    baseline = SCENARIOS[path]
    assert run(_shuffled(baseline, rnd)) == run(baseline), path.stem


def test_every_golden_case_is_checked_for_order_independence() -> None:
    assert len(SCENARIOS) >= 45
    assert all(isinstance(o, ScanOutcome) for s in SCENARIOS.values() for o in s.live)
