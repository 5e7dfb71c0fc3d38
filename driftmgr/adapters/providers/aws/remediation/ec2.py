"""EC2: tags of every EC2 object, instances, VPC attributes and EBS volumes.

An instance's type can only change while it is stopped: the recipe stops it, waits, changes
the type and starts it again if it was running or the desired map says it runs (so that
reverting a stopped instance's type does not start it, unless the state says it should).
The same rule makes a retry finish what an attempt killed between the type change and the
start left undone: the type already matches, but the instance is stopped and should run.
``instance_state`` is what a quarantine changes (it stops the instance) and what its
rollback restores. ``modify_instance_attribute`` takes
one attribute per call, ``modify_vpc_attribute`` too; a volume takes one modification per
six hours, so every volume attribute goes into a single ``modify_volume``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import (
    api_call,
    block,
    flag,
    identifier,
    value,
    wait,
)
from driftmgr.adapters.providers.aws.remediation.registry import (
    Change,
    deletion,
    quarantine,
    recipe,
    refuse_deletion,
)
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target

__all__: list[str] = []

_INSTANCE = "aws_instance"
_VOLUME = "aws_ebs_volume"

#: Types tagged with CreateTags/DeleteTags, by the id the tagging API takes.
EC2_TAGGED = (
    _INSTANCE,
    "aws_vpc",
    "aws_security_group",
    "aws_subnet",
    _VOLUME,
    "aws_eip",
    "aws_internet_gateway",
    "aws_nat_gateway",
    "aws_route_table",
    "aws_network_acl",
    "aws_launch_template",
    "aws_key_pair",
)


def _ec2_id(target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any]) -> str:
    # A key pair's id is its name; tags go on its key-… id.
    if target.type == "aws_key_pair":
        return identifier(target, actual, desired, "key_pair_id")
    return identifier(target, actual, desired, "id")


@tagger(EC2_TAGGED, ("ec2:create_tags", "ec2:delete_tags"))
def ec2_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    resource = _ec2_id(target, actual, desired)
    calls = []
    if diff.put:
        params = {"Resources": [resource], "Tags": tag_list(diff.put)}
        calls.append(api_call(target, "ec2", "create_tags", params))
    if diff.remove:
        params = {"Resources": [resource], "Tags": [{"Key": k} for k in diff.remove]}
        calls.append(api_call(target, "ec2", "delete_tags", params))
    return calls


# --- instances ------------------------------------------------------------------------------

#: Terraform attribute → ModifyInstanceAttribute's parameter, for the boolean flags.
_INSTANCE_FLAGS = {
    "disable_api_termination": "DisableApiTermination",
    "disable_api_stop": "DisableApiStop",
    "source_dest_check": "SourceDestCheck",
}


@recipe(_INSTANCE, tuple(_INSTANCE_FLAGS), ("ec2:modify_instance_attribute",))
def instance_flags(change: Change) -> list[ApiCall]:
    instance = identifier(change.target, change.actual, change.desired, "id")
    return [
        api_call(
            change.target,
            "ec2",
            "modify_instance_attribute",
            {
                "InstanceId": instance,
                _INSTANCE_FLAGS[name]: {"Value": flag(value(_INSTANCE, name, change.desired))},
            },
        )
        for name in change.attributes
    ]


@recipe(_INSTANCE, "vpc_security_group_ids", ("ec2:modify_instance_attribute",))
def instance_security_groups(change: Change) -> list[ApiCall]:
    instance = identifier(change.target, change.actual, change.desired, "id")
    groups = sorted({str(g) for g in change.desired.get("vpc_security_group_ids") or []})
    if not groups:
        raise NotRemediable("an instance in a VPC needs at least one security group")
    params = {"InstanceId": instance, "Groups": groups}
    return [api_call(change.target, "ec2", "modify_instance_attribute", params)]


#: metadata_options field → ModifyInstanceMetadataOptions parameter.
_METADATA_OPTIONS = {
    "http_endpoint": "HttpEndpoint",
    "http_tokens": "HttpTokens",
    "http_put_response_hop_limit": "HttpPutResponseHopLimit",
    "http_protocol_ipv6": "HttpProtocolIpv6",
    "instance_metadata_tags": "InstanceMetadataTags",
}


@recipe(_INSTANCE, "metadata_options", ("ec2:modify_instance_metadata_options",))
def instance_metadata_options(change: Change) -> list[ApiCall]:
    instance = identifier(change.target, change.actual, change.desired, "id")
    options = block(change.desired.get("metadata_options"))
    params: dict[str, Any] = {"InstanceId": instance}
    for name, parameter in _METADATA_OPTIONS.items():
        if options.get(name) not in (None, ""):
            params[parameter] = options[name]
    if len(params) == 1:
        raise NotRemediable("metadata_options: the desired block is empty")
    return [api_call(change.target, "ec2", "modify_instance_metadata_options", params)]


def _settled(state: str) -> str:
    """Where a state is heading: an instance ``pending`` will be ``running``."""
    return {"pending": "running", "stopping": "stopped"}.get(state, state)


def _transition(target: Target, instance: str, now: str, final: str) -> list[ApiCall]:
    """Calls that take an instance from state ``now`` to ``final`` (running or stopped)."""
    ids = {"InstanceIds": [instance]}
    stopped = wait(target, "ec2", "instance_stopped", ids)
    running = wait(target, "ec2", "instance_running", ids)
    if final not in ("running", "stopped"):
        raise NotRemediable(f"instance_state {final!r} cannot be restored (only running/stopped)")
    if now not in ("pending", "running", "stopping", "stopped"):
        raise NotRemediable(f"an instance that is {now or 'in no state'} cannot be changed")
    if final == "stopped":
        if now == "stopped":
            return []
        if now == "stopping":
            return [stopped]
        return [api_call(target, "ec2", "stop_instances", ids), stopped]
    if now == "running":
        return []
    if now == "pending":
        return [running]
    before = [stopped] if now == "stopping" else []
    return [*before, api_call(target, "ec2", "start_instances", ids), running]


@recipe(
    _INSTANCE,
    ("instance_type", "instance_state"),
    (
        "ec2:stop_instances",
        "ec2:wait:instance_stopped",
        "ec2:modify_instance_attribute",
        "ec2:start_instances",
        "ec2:wait:instance_running",
    ),
    always=True,
)
def instance_type_and_state(change: Change) -> list[ApiCall]:
    target = change.target
    instance = identifier(target, change.actual, change.desired, "id")
    now = str(change.actual.get("instance_state") or "")
    wanted = _settled(str(change.desired.get("instance_state") or ""))
    if "instance_state" in change.attributes:
        final = wanted
    elif _settled(now) == "stopped" and wanted == "running":
        # Also the start that an attempt killed after changing the type did not make.
        final = "running"
    elif not change.attributes:
        return []
    else:
        final = _settled(now)
    calls: list[ApiCall] = []
    if "instance_type" in change.attributes:
        instance_type = str(change.desired.get("instance_type") or "")
        if not instance_type:
            raise NotRemediable("instance_type: the desired value is empty")
        calls += _transition(target, instance, now, "stopped")
        params = {"InstanceId": instance, "InstanceType": {"Value": instance_type}}
        calls.append(api_call(target, "ec2", "modify_instance_attribute", params))
        now = "stopped"
    return calls + _transition(target, instance, now, final)


@quarantine(_INSTANCE, "instance_state", ("ec2:stop_instances", "ec2:wait:instance_stopped"))
def stop_instance(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    instance = identifier(target, actual, {}, "id")
    now = str(actual.get("instance_state") or "")
    return _transition(target, instance, now, "stopped") if now in ("pending", "running") else []


@deletion(_INSTANCE, ("ec2:terminate_instances",))
def terminate_instance(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    instance = identifier(target, actual, {}, "id")
    return [api_call(target, "ec2", "terminate_instances", {"InstanceIds": [instance]})]


# --- VPCs -----------------------------------------------------------------------------------

#: Terraform attribute → ModifyVpcAttribute's parameter.
_VPC_FLAGS = {
    "enable_dns_support": "EnableDnsSupport",
    "enable_dns_hostnames": "EnableDnsHostnames",
    "enable_network_address_usage_metrics": "EnableNetworkAddressUsageMetrics",
}


@recipe("aws_vpc", tuple(_VPC_FLAGS), ("ec2:modify_vpc_attribute",))
def vpc_flags(change: Change) -> list[ApiCall]:
    vpc = identifier(change.target, change.actual, change.desired, "id")
    # DNS hostnames need DNS support: turn support on first, and off last.
    order = list(_VPC_FLAGS)
    if not flag(value("aws_vpc", "enable_dns_support", change.desired)):
        order = [*order[1:], order[0]]
    return [
        api_call(
            change.target,
            "ec2",
            "modify_vpc_attribute",
            {
                "VpcId": vpc,
                _VPC_FLAGS[name]: {"Value": flag(value("aws_vpc", name, change.desired))},
            },
        )
        for name in order
        if name in change.attributes
    ]


# --- EBS volumes ----------------------------------------------------------------------------

#: Terraform attribute → ModifyVolume's parameter.
_VOLUME_SETTINGS = {
    "size": "Size",
    "type": "VolumeType",
    "iops": "Iops",
    "throughput": "Throughput",
}


@recipe(
    _VOLUME,
    tuple(_VOLUME_SETTINGS),
    ("ec2:modify_volume",),
    irreversible="a volume's size only grows (its type, IOPS and throughput go back)",
)
def volume_settings(change: Change) -> list[ApiCall]:
    volume = identifier(change.target, change.actual, change.desired, "id")
    params: dict[str, Any] = {"VolumeId": volume}
    for name in change.attributes:
        wanted = change.desired.get(name)
        # No IOPS or throughput: the volume type's own (gp2 has no settable IOPS).
        if wanted not in (None, "", 0):
            params[_VOLUME_SETTINGS[name]] = wanted
        elif name in ("size", "type"):
            raise NotRemediable(f"{name}: the desired value is empty")
    size, now = change.desired.get("size"), change.actual.get("size")
    if "size" in change.attributes and isinstance(now, int) and int(size or 0) < now:
        raise NotRemediable(f"size: an EBS volume cannot shrink (from {now} to {size} GiB)")
    if len(params) == 1:
        raise NotRemediable(f"{', '.join(change.attributes)}: the desired values are empty")
    return [api_call(change.target, "ec2", "modify_volume", params)]


refuse_deletion(_VOLUME, "a volume may hold data: snapshot it and delete it by hand if it must go")
