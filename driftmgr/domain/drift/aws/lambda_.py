"""How Lambda functions compare (terraform-provider-aws 5.x, ``internal/service/lambda``);
permissions, aliases and event source mappings are in :mod:`.app_services`.
"""

from __future__ import annotations

from driftmgr.domain.drift.aws._common import (
    aws,
)
from driftmgr.domain.drift.rules import TypeRules

__all__ = []


# --- Lambda, load balancing, logs, ECR ------------------------------------------------------

aws(
    "aws_lambda_function",
    TypeRules(
        sets=frozenset({"vpc_config", "architectures"}),
        defaults={
            "memory_size": 128,
            "timeout": 3,
            "package_type": "Zip",
            "reserved_concurrent_executions": -1,
            "description": "",
            "kms_key_arn": "",
            "architectures": ["x86_64"],
            "ephemeral_storage": [{"size": 512}],
            "tracing_config": [{"mode": "PassThrough"}],
        },
        # The deployment package as Terraform saw it (filename, hash, S3 object) is not what
        # the API reports; code_sha256 is, and is compared.
        ignored=frozenset(
            {
                "filename",
                "source_code_hash",
                "last_modified",
                "s3_bucket",
                "s3_key",
                "s3_object_version",
                "publish",
                "skip_destroy",
                "replace_security_groups_on_destroy",
                "replacement_security_group_ids",
                "qualified_arn",
                "qualified_invoke_arn",
                "invoke_arn",
                "version",
                "signing_job_arn",
                "signing_profile_version_arn",
                "source_code_size",
            }
        ),
        severity={"code_sha256": "high", "role": "high"},
    ),
)
