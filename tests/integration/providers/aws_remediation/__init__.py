"""AWS remediation against a real moto server: every action kind, both ways.

Each test creates objects with boto3, lists them with driftmgr's own enumerators, drifts
them with boto3, and has :class:`~driftmgr.adapters.providers.aws.remediation.AwsRemediator`
plan and make the calls that bring them back; listing again must show the desired values.
Then the same recipes take the objects back to the drifted observation, as a rollback does.

Listing is what costs (each scan makes its own SDK clients), so a round trip lists all its
subjects together: four scans (three without the way back), however many objects and types
it covers.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from driftmgr.adapters.providers.aws import AwsProvider
from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from driftmgr.domain.drift.engine import compare_maps
from driftmgr.domain.remediation import ApiCall, Target
from driftmgr.domain.resources import LiveResource

__all__ = [
    "AMI",
    "REGION",
    "TRUST",
    "Boto",
    "Subject",
    "assert_same",
    "function",
    "launch",
    "listed",
    "lookup",
    "observe",
    "operations",
    "revert",
    "round_trip",
    "run",
    "target_of",
]

REGION = "us-east-1"
#: Any id will do: moto does not check images, and the fixtures load none (which is quick).
AMI = "ami-0123456789abcdef0"
Boto = Callable[..., Any]
#: A trust policy letting Lambda assume a role.
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


class Subject(NamedTuple):
    """One object of a round trip, and the attributes it drifts on."""

    type: str
    id: str
    attributes: tuple[str, ...]


def listed(types: Iterable[str]) -> dict[tuple[str, str], LiveResource]:
    """Every object of ``types`` as driftmgr's enumerators list them now, in one scan."""
    outcomes = asyncio.run(AwsProvider().scan([REGION], sorted(set(types))))
    for outcome in outcomes:
        assert outcome.unobserved_reason is None, outcome.unobserved_reason
    return {(r.type, r.id): r for outcome in outcomes for r in outcome.resources}


def lookup(resource_type: str, id_: str) -> LiveResource | None:
    """The object as listed now, or None when it is gone."""
    return listed([resource_type]).get((resource_type, id_))


def observe(resource_type: str, id_: str) -> LiveResource:
    """The object as listed now (fails if it is not listed)."""
    found = lookup(resource_type, id_)
    assert found is not None, f"{resource_type} {id_} is not listed"
    return found


def _observe_all(subjects: Sequence[Subject]) -> list[LiveResource]:
    found = listed(s.type for s in subjects)
    missing = [f"{s.type} {s.id}" for s in subjects if (s.type, s.id) not in found]
    assert not missing, f"not listed: {', '.join(missing)}"
    return [found[s.type, s.id] for s in subjects]


def target_of(live: LiveResource) -> Target:
    return Target(
        provider="aws", type=live.type, id=live.id, region=live.region, account=live.account
    )


def operations(calls: Sequence[ApiCall]) -> list[str]:
    return [c.operation for c in calls]


def launch(ec2: Any, **extra: Any) -> str:
    """A running t3.micro instance's id."""
    found: str = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro", **extra
    )["Instances"][0]["InstanceId"]
    return found


def function(boto: Boto, name: str, **extra: Any) -> str:
    """A Python Lambda function's ARN (moto never runs it: no container needed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    role = boto("iam").create_role(RoleName=f"{name}-exec", AssumeRolePolicyDocument=TRUST)
    arn: str = boto("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": buffer.getvalue()},
        **extra,
    )["FunctionArn"]
    return arn


def run(remediator: AwsRemediator, calls: Sequence[ApiCall]) -> None:
    for call in calls:
        remediator.execute(call)


def assert_same(
    expected: LiveResource, seen: LiveResource, attributes: Sequence[str], *, raw: bool = True
) -> None:
    """``attributes`` of ``seen`` are ``expected``'s, as the drift engine compares them (and,
    with ``raw``, exactly as listed)."""
    changes = compare_maps(expected.type, expected.attributes, seen.attributes, only=attributes)
    assert changes == [], changes
    if raw:
        assert {a: seen.attributes.get(a) for a in attributes} == {
            a: expected.attributes.get(a) for a in attributes
        }


def _converge_all(
    remediator: AwsRemediator,
    subjects: Sequence[Subject],
    wanted: Sequence[LiveResource],
    now: Sequence[LiveResource],
    raw: bool,
) -> tuple[list[list[ApiCall]], list[LiveResource]]:
    """Revert every subject from ``now`` to ``wanted``, list them again, and check that they
    match and that planning again finds nothing left to do."""
    made = []
    for subject, goal, seen in zip(subjects, wanted, now, strict=True):
        calls = remediator.revert_calls(
            target_of(goal), dict(goal.attributes), seen.attributes, subject.attributes
        )
        assert calls, f"{subject.type}: no calls"
        run(remediator, calls)
        made.append(calls)
    after = _observe_all(subjects)
    for subject, goal, seen in zip(subjects, wanted, after, strict=True):
        assert_same(goal, seen, subject.attributes, raw=raw)
        left = remediator.revert_calls(
            target_of(goal), goal.attributes, seen.attributes, subject.attributes
        )
        assert left == [], left
    return made, after


def revert(
    remediator: AwsRemediator,
    subjects: Sequence[Subject],
    drift: Callable[[], object],
    *,
    raw: bool = True,
) -> tuple[list[list[ApiCall]], list[LiveResource], list[LiveResource]]:
    """Drift the objects and revert them: per subject the calls, and the objects as listed
    drifted and reverted."""
    before = _observe_all(subjects)
    drift()
    drifted = _observe_all(subjects)
    for subject, old, new in zip(subjects, before, drifted, strict=True):
        assert {a: new.attributes.get(a) for a in subject.attributes} != {
            a: old.attributes.get(a) for a in subject.attributes
        }, f"the drift of {subject.type} does not show"
    forth, restored = _converge_all(remediator, subjects, before, drifted, raw)
    return forth, drifted, restored


def round_trip(
    remediator: AwsRemediator,
    subjects: Sequence[Subject],
    drift: Callable[[], object],
    *,
    raw: bool = True,
) -> list[tuple[list[ApiCall], list[ApiCall]]]:
    """:func:`revert`, then take the objects back to the drifted values (a rollback); per
    subject, the calls of both directions."""
    forth, drifted, restored = revert(remediator, subjects, drift, raw=raw)
    back, _ = _converge_all(remediator, subjects, drifted, restored, raw)
    return list(zip(forth, back, strict=True))
