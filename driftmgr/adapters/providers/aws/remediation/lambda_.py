"""Lambda: function tags, configuration, reserved concurrency, quarantine, deletion.

Every configuration attribute goes into one ``UpdateFunctionConfiguration``, followed by a
wait until the update is done (AWS refuses the next update of a function while one is in
progress). Environment variables are secrets: the call marks ``Environment`` sensitive,
so previews and logs show ``(sensitive)``. A quarantine sets the reserved concurrency to 0,
which stops every invocation; its rollback restores the concurrency observed before (-1,
the provider's "none reserved", is ``DeleteFunctionConcurrency``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import (
    api_call,
    arn_of,
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
)
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tagger
from driftmgr.domain.remediation import ApiCall, Target

__all__: list[str] = []

_FUNCTION = "aws_lambda_function"


def _name(target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any]) -> str:
    return identifier(target, actual, desired, "function_name", "id")


@tagger((_FUNCTION,), ("lambda:tag_resource", "lambda:untag_resource"))
def function_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    name = _name(target, actual, desired)
    arn = arn_of(target, actual, desired, f"lambda:function:{name}")
    calls = []
    if diff.put:
        calls.append(
            api_call(target, "lambda", "tag_resource", {"Resource": arn, "Tags": diff.put})
        )
    if diff.remove:
        params = {"Resource": arn, "TagKeys": list(diff.remove)}
        calls.append(api_call(target, "lambda", "untag_resource", params))
    return calls


def _strings(found: Any) -> list[str]:
    return [str(v) for v in found if v] if isinstance(found, list) else []


def _environment(found: Any) -> dict[str, Any]:
    variables = block(found).get("variables") or {}
    return {"Variables": {str(k): "" if v is None else str(v) for k, v in variables.items()}}


def _vpc_config(found: Any) -> dict[str, Any]:
    config = block(found)
    return {
        "SubnetIds": sorted(_strings(config.get("subnet_ids"))),
        "SecurityGroupIds": sorted(_strings(config.get("security_group_ids"))),
        "Ipv6AllowedForDualStack": flag(config.get("ipv6_allowed_for_dual_stack")),
    }


#: Terraform attribute → (UpdateFunctionConfiguration parameter, how to write the value).
_CONFIGURATION: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "memory_size": ("MemorySize", int),
    "timeout": ("Timeout", int),
    "handler": ("Handler", str),
    "runtime": ("Runtime", str),
    "description": ("Description", lambda v: str(v or "")),
    "role": ("Role", str),
    "environment": ("Environment", _environment),
    "layers": ("Layers", _strings),
    "kms_key_arn": ("KMSKeyArn", lambda v: str(v or "")),
    "tracing_config": (
        "TracingConfig",
        lambda v: {"Mode": str(block(v).get("mode") or "PassThrough")},
    ),
    "ephemeral_storage": ("EphemeralStorage", lambda v: {"Size": int(block(v).get("size") or 512)}),
    "dead_letter_config": (
        "DeadLetterConfig",
        lambda v: {"TargetArn": str(block(v).get("target_arn") or "")},
    ),
    "vpc_config": ("VpcConfig", _vpc_config),
}


@recipe(
    _FUNCTION,
    tuple(_CONFIGURATION),
    ("lambda:update_function_configuration", "lambda:wait:function_updated_v2"),
)
def configuration(change: Change) -> list[ApiCall]:
    name = _name(change.target, change.actual, change.desired)
    params: dict[str, Any] = {"FunctionName": name}
    for attribute in change.attributes:
        parameter, write = _CONFIGURATION[attribute]
        params[parameter] = write(value(_FUNCTION, attribute, change.desired))
    sensitive = ("Environment",) if "Environment" in params else ()
    return [
        api_call(
            change.target, "lambda", "update_function_configuration", params, sensitive=sensitive
        ),
        wait(change.target, "lambda", "function_updated_v2", {"FunctionName": name}),
    ]


def _concurrency(target: Target, name: str, reserved: int) -> ApiCall:
    if reserved < 0:
        return api_call(target, "lambda", "delete_function_concurrency", {"FunctionName": name})
    params = {"FunctionName": name, "ReservedConcurrentExecutions": reserved}
    return api_call(target, "lambda", "put_function_concurrency", params)


@recipe(
    _FUNCTION,
    "reserved_concurrent_executions",
    ("lambda:put_function_concurrency", "lambda:delete_function_concurrency"),
)
def reserved_concurrency(change: Change) -> list[ApiCall]:
    name = _name(change.target, change.actual, change.desired)
    reserved = int(value(_FUNCTION, "reserved_concurrent_executions", change.desired))
    return [_concurrency(change.target, name, reserved)]


@quarantine(_FUNCTION, "reserved_concurrent_executions", ("lambda:put_function_concurrency",))
def throttle_function(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    if actual.get("reserved_concurrent_executions") == 0:
        return []
    return [_concurrency(target, _name(target, actual, {}), 0)]


@deletion(_FUNCTION, ("lambda:delete_function",))
def delete_function(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    name = _name(target, actual, {})
    return [api_call(target, "lambda", "delete_function", {"FunctionName": name})]
