"""Lambda: functions, as terraform-provider-aws 5.x reads them
(``internal/service/lambda/function.go``). The module is ``lambda_`` because ``lambda`` is
a keyword.

``ListFunctions`` names the functions; one ``GetFunction`` each then gives the
configuration, the tags and the reserved concurrency together (the code itself is never
downloaded: only the image URI of its ``Code`` section is read). As the provider does,
``code_signing_config_arn`` costs one ``GetFunctionCodeSigningConfig`` per zip function, and
only in the regions of the ``aws`` partition where AWS Signer runs (elsewhere the call
fails with misleading errors, and the attribute is not reported).

``environment`` keeps the provider's shape, ``[{"variables": {…}}]``: the values are
plaintext in the state too, and whatever shows them to a person must redact them.
Attributes that describe a published version rather than the function (``version``,
``qualified_arn``) and the deployment package as Terraform saw it (``filename``,
``source_code_hash``) are not reported; ``code_sha256`` says whether the code changed.

moto 5.2 does not return ``DeadLetterConfig``, ``LoggingConfig`` or a ``SnapStart`` that
applies; those are tested against recorded responses
(``tests/integration/providers/aws/test_lambda.py``).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_FUNCTION = "aws_lambda_function"
_GONE = ("ResourceNotFoundException",)

#: Regions where the provider reads code signing configs (its ``signerServiceIsAvailable``).
_SIGNER_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-south-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "me-south-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)


@enumerator(_FUNCTION, "lambda")
async def list_functions(scan: Scan, lambda_: Any, region: str) -> list[LiveResource]:
    listed: list[Response] = []
    async for page in scan.pages(lambda_, "list_functions", PaginationConfig={"PageSize": 50}):
        listed.extend(page.get("Functions", []))
    signing = partition(region) == "aws" and region in _SIGNER_REGIONS
    details = await gather(
        _function(
            scan,
            lambda_,
            function["FunctionName"],
            signing=signing and function.get("PackageType", "Zip") == "Zip",
        )
        for function in listed
    )
    account = await scan.account()
    return [
        _function_resource(found[0], found[1], region, account)
        for found in details
        if found is not None  # deleted since the listing
    ]


async def _function(
    scan: Scan, lambda_: Any, name: str, *, signing: bool
) -> tuple[Response, str | None] | None:
    """GetFunction's answer and the code signing config ARN (None: not observed), or None
    when the function no longer exists."""
    calls = [scan.call(lambda_, "get_function", FunctionName=name)]
    if signing:
        calls.append(scan.call(lambda_, "get_function_code_signing_config", FunctionName=name))
    try:
        answers = await gather(calls)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    signing_arn = str(answers[1].get("CodeSigningConfigArn", "")) if signing else None
    return answers[0], signing_arn


def _function_resource(
    answer: Response, signing_arn: str | None, region: str, account: str | None
) -> LiveResource:
    function: Response = answer.get("Configuration") or {}
    name: str = function["FunctionName"]
    arn = str(function.get("FunctionArn", ""))
    concurrency = answer.get("Concurrency") or {}
    tracing = (function.get("TracingConfig") or {}).get("Mode") or "PassThrough"
    attributes: dict[str, Any] = {
        "id": name,
        "function_name": name,
        "arn": arn,
        "invoke_arn": (
            f"arn:{partition(region)}:apigateway:{region}:lambda:path/2015-03-31/functions/"
            f"{arn}/invocations"
        ),
        "architectures": list(function.get("Architectures", [])),
        "code_sha256": function.get("CodeSha256", ""),
        "dead_letter_config": _dead_letter_config(function.get("DeadLetterConfig")),
        "description": function.get("Description", ""),
        "environment": _environment(function.get("Environment")),
        "ephemeral_storage": _ephemeral_storage(function.get("EphemeralStorage")),
        "file_system_config": [
            {"arn": c.get("Arn", ""), "local_mount_path": c.get("LocalMountPath", "")}
            for c in function.get("FileSystemConfigs", [])
        ],
        "handler": function.get("Handler", ""),
        "image_config": _image_config(function.get("ImageConfigResponse")),
        "image_uri": (answer.get("Code") or {}).get("ImageUri", ""),
        "kms_key_arn": function.get("KMSKeyArn", ""),
        "last_modified": function.get("LastModified", ""),
        # Ordered: layers are applied in this order.
        "layers": [layer.get("Arn", "") for layer in function.get("Layers", [])],
        "logging_config": _logging_config(function.get("LoggingConfig")),
        "memory_size": function.get("MemorySize", 0),
        "package_type": function.get("PackageType", ""),
        # No reserved concurrency is what the provider stores as -1.
        "reserved_concurrent_executions": concurrency.get("ReservedConcurrentExecutions", -1),
        "role": function.get("Role", ""),
        "runtime": function.get("Runtime", ""),
        "signing_job_arn": function.get("SigningJobArn", ""),
        "signing_profile_version_arn": function.get("SigningProfileVersionArn", ""),
        "snap_start": _snap_start(function.get("SnapStart")),
        "source_code_size": function.get("CodeSize", 0),
        "timeout": function.get("Timeout", 0),
        "tracing_config": [{"mode": tracing}],
        "vpc_config": _vpc_config(function.get("VpcConfig")),
        "tags": {str(k): str(v) for k, v in (answer.get("Tags") or {}).items()},
    }
    if signing_arn is not None:
        attributes["code_signing_config_arn"] = signing_arn
    return resource(
        _FUNCTION,
        name,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_FUNCTION, attributes),
    )


def _dead_letter_config(config: Response | None) -> list[dict[str, Any]]:
    target = (config or {}).get("TargetArn")
    return [{"target_arn": target}] if target else []


def _environment(environment: Response | None) -> list[dict[str, Any]]:
    variables = (environment or {}).get("Variables")
    if not variables:
        return []
    return [{"variables": {str(k): str(v) for k, v in variables.items()}}]


def _ephemeral_storage(storage: Response | None) -> list[dict[str, Any]]:
    return [{"size": storage.get("Size", 0)}] if storage else []


def _image_config(response: Response | None) -> list[dict[str, Any]]:
    config = (response or {}).get("ImageConfig")
    if not config:
        return []
    return [
        {
            "command": list(config.get("Command", [])),
            "entry_point": list(config.get("EntryPoint", [])),
            "working_directory": config.get("WorkingDirectory", ""),
        }
    ]


def _logging_config(config: Response | None) -> list[dict[str, Any]]:
    if not config:
        return []
    return [
        {
            "application_log_level": config.get("ApplicationLogLevel", ""),
            "log_format": config.get("LogFormat", ""),
            "log_group": config.get("LogGroup", ""),
            "system_log_level": config.get("SystemLogLevel", ""),
        }
    ]


def _snap_start(config: Response | None) -> list[dict[str, Any]]:
    apply_on = (config or {}).get("ApplyOn", "None")
    if apply_on == "None":
        return []  # the provider's "not configured"
    return [
        {
            "apply_on": apply_on,
            "optimization_status": (config or {}).get("OptimizationStatus", ""),
        }
    ]


def _vpc_config(config: Response | None) -> list[dict[str, Any]]:
    if not config:
        return []
    subnets = sorted(config.get("SubnetIds", []))
    groups = sorted(config.get("SecurityGroupIds", []))
    vpc_id = str(config.get("VpcId", ""))
    if not subnets and not groups and not vpc_id:
        return []  # AWS returns an empty VpcConfig for functions outside a VPC
    return [
        {
            "ipv6_allowed_for_dual_stack": bool(config.get("Ipv6AllowedForDualStack", False)),
            "security_group_ids": groups,
            "subnet_ids": subnets,
            "vpc_id": vpc_id,
        }
    ]
