"""ECR: repositories, as terraform-provider-aws 5.x reads them
(``internal/service/ecr/repository.go``).

The id is the repository name. ``DescribeRepositories`` gives everything but the tags,
which cost one ``ListTagsForResource`` per repository.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_REPOSITORY = "aws_ecr_repository"
_GONE = ("RepositoryNotFoundException",)


@enumerator(_REPOSITORY, "ecr")
async def list_repositories(scan: Scan, ecr: Any, region: str) -> list[LiveResource]:
    repositories: list[Response] = []
    async for page in scan.pages(ecr, "describe_repositories", PaginationConfig={"PageSize": 1000}):
        repositories.extend(page.get("repositories", []))
    repository_tags = await gather(
        _tags(scan, ecr, repository["repositoryArn"]) for repository in repositories
    )
    account = await scan.account()
    return [
        _repository_resource(repository, found, region, account)
        for repository, found in zip(repositories, repository_tags, strict=True)
        if found is not None  # deleted since the listing
    ]


async def _tags(scan: Scan, ecr: Any, arn: str) -> dict[str, str] | None:
    try:
        answer = await scan.call(ecr, "list_tags_for_resource", resourceArn=arn)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    return tags(answer.get("tags"))


def _repository_resource(
    repository: Response, repository_tags: dict[str, str], region: str, account: str | None
) -> LiveResource:
    name: str = repository["repositoryName"]
    scanning = repository.get("imageScanningConfiguration")
    encryption = repository.get("encryptionConfiguration")
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": repository.get("repositoryArn", ""),
        "registry_id": repository.get("registryId", ""),
        "repository_url": repository.get("repositoryUri", ""),
        "image_tag_mutability": repository.get("imageTagMutability", ""),
        "image_scanning_configuration": (
            [{"scan_on_push": bool(scanning.get("scanOnPush", False))}] if scanning else []
        ),
        "encryption_configuration": (
            [
                {
                    "encryption_type": encryption.get("encryptionType", ""),
                    "kms_key": encryption.get("kmsKey", ""),
                }
            ]
            if encryption
            else []
        ),
        "tags": repository_tags,
    }
    return resource(
        _REPOSITORY,
        name,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_REPOSITORY, attributes),
    )
