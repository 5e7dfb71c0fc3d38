"""In-memory stand-ins for the cloud side of the ports (inventory, remediation, state
backends).

They implement the same protocols as the real adapters and record what was asked, for tests
of job mechanics that need a cloud to misbehave on cue. Everything driftmgr owns is real.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from driftmgr.adapters.providers.base import OnScanned, ProviderUnreachableError
from driftmgr.adapters.terraform.backends import SourceError
from driftmgr.commands.ports import StateWriteResult
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target
from driftmgr.domain.resources import LiveResource, ScanOutcome

AWS = 'provider["registry.terraform.io/hashicorp/aws"]'


class FakeCloud:
    """A cloud with fixed contents; can fail the next N scans or refuse access."""

    name = "aws"

    def __init__(
        self,
        resources: Sequence[LiveResource] = (),
        *,
        fail_scans: int = 0,
        unreachable: bool = False,
        block_after: int | None = None,
    ) -> None:
        self.resources = list(resources)
        self.block_after = block_after
        self.blocked = threading.Event()
        self.fail_scans = fail_scans
        self.unreachable = unreachable
        self.scans: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    @property
    def supported_types(self) -> frozenset[str]:
        return frozenset({"aws_vpc", "aws_s3_bucket"})

    def check_access(self, region: str) -> str:
        if self.unreachable:
            raise ProviderUnreachableError("cannot reach the fake cloud")
        return "123456789012"

    async def scan(
        self,
        regions: Sequence[str],
        types: Sequence[str],
        on_scanned: OnScanned | None = None,
        *,
        cancel_event: threading.Event | None = None,
        tag_filter: Mapping[str, str] | None = None,
    ) -> list[ScanOutcome]:
        self.scans.append((tuple(regions), tuple(types)))
        if self.fail_scans:
            self.fail_scans -= 1
            raise ConnectionResetError("the fake cloud hung up")
        outcomes = []
        for region in regions:
            for type_ in types:
                if self.block_after is not None and len(outcomes) >= self.block_after:
                    # A slow cloud: hold further listings until someone cancels (bounded).
                    assert cancel_event is not None
                    self.blocked.set()
                    await asyncio.to_thread(cancel_event.wait, 30)
                if cancel_event is not None and cancel_event.is_set():
                    outcome = ScanOutcome(
                        provider=self.name,
                        type=type_,
                        region=region,
                        unobserved_reason="cancelled",
                    )
                else:
                    outcome = ScanOutcome(
                        provider=self.name,
                        type=type_,
                        region=region,
                        resources=[
                            r for r in self.resources if r.type == type_ and r.region == region
                        ],
                    )
                if on_scanned:
                    on_scanned(outcome)
                outcomes.append(outcome)
        return outcomes


def vpc(id_: str, cidr: str = "10.0.0.0/16", region: str = "us-east-1") -> LiveResource:
    return LiveResource(
        type="aws_vpc",
        id=id_,
        provider="aws",
        region=region,
        attributes={"id": id_, "cidr_block": cidr, "tags": {}},
    )


def state_with_vpcs(*vpcs: tuple[str, str], serial: int = 1, region: str = "us-east-1") -> str:
    """A v4 state managing aws_vpc resources given as (id, cidr)."""
    return json.dumps(
        {
            "version": 4,
            "terraform_version": "1.11.4",
            "serial": serial,
            "lineage": "lin-1",
            "outputs": {},
            "resources": [
                {
                    "mode": "managed",
                    "type": "aws_vpc",
                    "name": f"v{n}",
                    "provider": AWS,
                    "instances": [
                        {
                            "schema_version": 1,
                            "attributes": {
                                "id": id_,
                                "cidr_block": cidr,
                                "tags": {},
                                "tags_all": {},
                                "arn": f"arn:aws:ec2:{region}:123456789012:vpc/{id_}",
                            },
                        }
                    ],
                }
                for n, (id_, cidr) in enumerate(vpcs)
            ],
        }
    )


def dump_tables(engine: Any, tables: Sequence[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order, for before/after comparisons."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        return {
            t.name: sorted(
                (tuple(repr(v) for v in row) for row in conn.execute(sa.select(t))), key=repr
            )
            for t in tables
        }


class FakeRemediator:
    """Sets VPC attributes on a :class:`FakeCloud`; records every call it executes."""

    name = "aws"

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.executed: list[ApiCall] = []
        self.before_call: Callable[[ApiCall], None] | None = None

    def revertible(self, resource_type: str, attributes: Any) -> bool:
        return resource_type == "aws_vpc" and set(attributes) <= {"tags", "cidr_block"}

    def quarantinable(self, resource_type: str) -> bool:
        return resource_type == "aws_vpc"

    def deletable(self, resource_type: str) -> bool:
        return resource_type == "aws_vpc"

    def revert_calls(
        self,
        target: Target,
        desired: Mapping[str, Any],
        actual: Mapping[str, Any],
        attributes: Sequence[str],
    ) -> list[ApiCall]:
        calls = []
        for name in attributes:
            if name not in ("tags", "cidr_block"):
                raise NotRemediable(f"no recipe for {name}")
            if desired.get(name) != actual.get(name):
                params = {"id": target.id, "name": name, "value": desired.get(name)}
                calls.append(_call("set", target, params))
        return calls

    def quarantine_calls(
        self, target: Target, actual: Mapping[str, Any], marker: str
    ) -> tuple[list[ApiCall], list[str]]:
        tags = {**actual.get("tags", {}), "driftmgr:quarantined": marker}
        return [_call("set", target, {"id": target.id, "name": "tags", "value": tags})], ["tags"]

    def delete_calls(self, target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
        return [_call("delete", target, {"id": target.id})]

    def execute(self, call: ApiCall) -> Any:
        if self.before_call is not None:
            self.before_call(call)
        self.executed.append(call)
        resources = self.cloud.resources
        index = next(i for i, r in enumerate(resources) if r.id == call.params["id"])
        if call.operation == "delete":
            del resources[index]
            return None
        live = resources[index]
        attributes = {**live.attributes, call.params["name"]: call.params["value"]}
        resources[index] = msgspec.structs.replace(live, attributes=attributes)
        return None


def _call(operation: str, target: Target, params: dict[str, Any]) -> ApiCall:
    return ApiCall(service="fake", operation=operation, region=target.region, params=params)


class FakeStates:
    """State documents in memory, written as a locking backend would be (one at a time)."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        self.writes = 0

    def read(self, source: str) -> bytes:
        try:
            return self.documents[source]
        except KeyError:
            raise SourceError(f"{source}: no such state") from None

    def write(self, source: str, update: Callable[[bytes], bytes], *, who: str) -> StateWriteResult:
        before = self.read(source)
        after = update(before)
        self.documents[source] = after
        self.writes += 1
        return StateWriteResult(before=before, after=after)


def tagged_vpc(id_: str, tags: dict[str, str]) -> Any:
    live = vpc(id_)
    return msgspec.structs.replace(live, attributes={**live.attributes, "tags": tags})
