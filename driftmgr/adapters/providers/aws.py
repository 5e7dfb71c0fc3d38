"""AWS inventory adapter: lists live objects with aioboto3 and names them the way Terraform does.

Endpoints, credentials and regions come only from the SDK's own configuration
(``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``~/.aws``), so the same code runs against real AWS
and against a local moto server.

Shape of the module: one small async enumerator per Terraform type, the :data:`_TYPES` table
mapping each type to its service and scope, and one error classifier shared by all of them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import aioboto3
import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from driftmgr.adapters.providers.base import (
    OnScanned,
    ProviderAuthError,
    ProviderError,
    ProviderUnreachableError,
)
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource, ScanOutcome

__all__ = ["AwsProvider"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Response = dict[str, Any]

PROVIDER = "aws"

#: Region used for clients of global services (IAM, S3 ListBuckets, STS) when none is given.
DEFAULT_REGION = "us-east-1"

# Error codes, as AWS spells them, that decide how a failed listing is reported.
_ACCESS_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
_THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
    }
)
_SESSION_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
_BAD_CREDENTIALS = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "AuthFailure"}
)


class AwsProvider:
    """Lists EC2, VPC, security group, S3 and IAM objects as Terraform-shaped resources."""

    name = PROVIDER

    def __init__(
        self,
        *,
        profile: str | None = None,
        max_concurrency: int = 16,
        max_attempts: int = 5,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._profile = profile
        self._max_concurrency = max_concurrency
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # Every request in flight needs a pooled connection, or the semaphore is moot.
            max_pool_connections=max_concurrency,
        )
        # check_access must fail within seconds on a dead endpoint, whatever the scan settings.
        self._probe_config = Config(
            retries={"mode": "standard", "total_max_attempts": 2},
            connect_timeout=min(connect_timeout, 2),
            read_timeout=min(read_timeout, 5),
        )

    @property
    def supported_types(self) -> frozenset[str]:
        return frozenset(_TYPES)

    def check_access(self, region: str) -> str:
        try:
            session = boto3.Session(profile_name=self._profile)
            client = session.client("sts", region_name=region, config=self._probe_config)
        except ProfileNotFound:
            raise ProviderAuthError(
                f"AWS profile {self._profile!r} not found: add it to ~/.aws/config "
                "or choose another profile"
            ) from None
        endpoint = client.meta.endpoint_url
        try:
            identity = client.get_caller_identity()
        except (BotoConnectionError, HTTPClientError) as exc:
            raise ProviderUnreachableError(
                f"cannot reach AWS at {endpoint} ({_one_line(exc)}): "
                "check AWS_ENDPOINT_URL and network access"
            ) from None
        except (NoCredentialsError, PartialCredentialsError):
            raise ProviderAuthError(
                "no AWS credentials found: configure them (aws configure, AWS_PROFILE, "
                "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
            ) from None
        except (TokenRetrievalError, SSOError, CredentialRetrievalError) as exc:
            raise ProviderAuthError(
                f"AWS credentials could not be refreshed ({_one_line(exc)}): "
                "log in again (aws sso login) or renew the session"
            ) from None
        except ClientError as exc:
            code, message = _error_code(exc), _error_message(exc)
            if code in _SESSION_EXPIRED:
                raise ProviderAuthError(
                    f"AWS session expired ({code}: {message}): refresh the session token "
                    "(aws sso login, or new temporary credentials)"
                ) from None
            if code in _BAD_CREDENTIALS:
                raise ProviderAuthError(
                    f"AWS rejected the credentials ({code}: {message}): check the access key, "
                    "secret and profile in use"
                ) from None
            raise ProviderError(f"AWS STS call to {endpoint} failed: {code}: {message}") from None
        except BotoCoreError as exc:
            raise ProviderError(f"AWS STS call to {endpoint} failed: {_one_line(exc)}") from None
        return str(identity["Account"])

    async def scan(
        self,
        regions: Sequence[str],
        types: Sequence[str],
        on_scanned: OnScanned | None = None,
    ) -> list[ScanOutcome]:
        unknown = sorted(set(types) - set(_TYPES))
        if unknown:
            raise ValueError(f"unsupported AWS resource types: {', '.join(unknown)}")
        regions = list(dict.fromkeys(regions))
        jobs: list[tuple[str, str]] = []
        for type_ in dict.fromkeys(types):
            if _TYPES[type_].is_global:
                jobs.append((type_, GLOBAL_REGION))
            else:
                jobs.extend((type_, region) for region in regions)

        home_region = regions[0] if regions else DEFAULT_REGION
        async with _Scan(self._profile, self._config, self._max_concurrency, home_region) as scan:
            return await _gather(self._scan_one(scan, t, r, on_scanned) for t, r in jobs)

    async def _scan_one(
        self, scan: _Scan, type_: str, region: str, on_scanned: OnScanned | None
    ) -> ScanOutcome:
        spec = _TYPES[type_]
        started = time.perf_counter()
        resources: list[LiveResource] = []
        reason: str | None = None
        try:
            client_region = scan.home_region if spec.is_global else region
            client = await scan.client(spec.service, client_region)
            resources = await spec.enumerate(scan, client, region)
        except Exception as exc:
            reason = _unobserved_reason(exc)
            if not isinstance(exc, BotoCoreError | ClientError):
                # Not an AWS answer but a bug or a surprise shape: keep the traceback.
                logger.exception("listing %s in %s failed unexpectedly", type_, region)
        outcome = ScanOutcome(
            provider=PROVIDER,
            type=type_,
            region=region,
            resources=resources,
            unobserved_reason=reason,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        if on_scanned is not None:
            on_scanned(outcome)
        return outcome


# --------------------------------------------------------------------------------------------
# What one scan shares between its listings


class _Scan:
    """Clients, the concurrency bound and memoised lookups shared by one scan's listings.

    The semaphore wraps single API calls (one page, one sub-call), never a whole listing, so
    listings that fan out into sub-calls cannot deadlock on it.
    """

    def __init__(
        self, profile: str | None, config: Config, max_concurrency: int, home_region: str
    ) -> None:
        self.home_region = home_region
        self._profile = profile
        self._config = config
        self._limit = asyncio.Semaphore(max_concurrency)
        self._stack = AsyncExitStack()
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._client_lock = asyncio.Lock()
        self._shared: dict[str, asyncio.Task[Any]] = {}

    async def __aenter__(self) -> _Scan:
        # Started now so the account id is known by the time the first listing returns.
        self._start("account", self._account_id)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for task in self._shared.values():
            task.cancel()
        await asyncio.gather(*self._shared.values(), return_exceptions=True)
        await self._stack.aclose()

    async def client(self, service: str, region: str) -> Any:
        async with self._client_lock:
            key = (service, region)
            if key not in self._clients:
                if self._session is None:
                    # Created lazily: a bad profile then fails each listing, not the scan.
                    self._session = aioboto3.Session(profile_name=self._profile)
                creator = self._session.client(service, region_name=region, config=self._config)
                self._clients[key] = await self._stack.enter_async_context(creator)
            return self._clients[key]

    async def call(self, client: Any, operation: str, **params: Any) -> Response:
        async with self._limit:
            response: Response = await getattr(client, operation)(**params)
            return response

    async def pages(self, client: Any, operation: str, **params: Any) -> AsyncIterator[Response]:
        pages = aiter(client.get_paginator(operation).paginate(**params))
        while True:
            async with self._limit:
                try:
                    page: Response = await anext(pages)
                except StopAsyncIteration:
                    return
            yield page

    async def shared(self, key: str, compute: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``compute`` once per scan; every caller awaits the same result or error."""
        # shield: one cancelled listing must not cancel a lookup other listings wait on.
        result: T = await asyncio.shield(self._start(key, compute))
        return result

    def _start(self, key: str, compute: Callable[[], Coroutine[Any, Any, T]]) -> asyncio.Task[T]:
        if key not in self._shared:
            self._shared[key] = asyncio.create_task(compute())
        task: asyncio.Task[T] = self._shared[key]
        return task

    async def account(self) -> str | None:
        account: str | None = await self.shared("account", self._account_id)
        return account

    async def _account_id(self) -> str | None:
        try:
            client = await self.client("sts", self.home_region)
            identity = await self.call(client, "get_caller_identity")
        except (BotoCoreError, ClientError):
            # Resources are still worth reporting without it; the listings report the cause.
            return None
        return str(identity["Account"])


async def _gather(coros: Iterable[Awaitable[T]]) -> list[T]:
    """Await all; on the first failure cancel the rest and raise that failure itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_wrap(c)) for c in coros]
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


async def _wrap(awaitable: Awaitable[T]) -> T:
    return await awaitable


# --------------------------------------------------------------------------------------------
# Enumerators: one per Terraform type


async def _list_instances(scan: _Scan, ec2: Any, region: str) -> list[LiveResource]:
    instances: list[tuple[str, Response]] = []
    async for page in scan.pages(
        ec2,
        "describe_instances",
        # Terminated and shutting-down instances are gone as far as Terraform is concerned.
        Filters=[
            {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}
        ],
        PaginationConfig={"PageSize": 1000},
    ):
        for reservation in page.get("Reservations", []):
            owner = reservation.get("OwnerId", "")
            instances.extend((owner, i) for i in reservation.get("Instances", []))
    account = await scan.account()
    return [
        _instance_resource(instance, owner or account or "", region, account)
        for owner, instance in instances
        if instance.get("State", {}).get("Name") not in ("terminated", "shutting-down")
    ]


async def _list_vpcs(scan: _Scan, ec2: Any, region: str) -> list[LiveResource]:
    vpcs: list[Response] = []
    async for page in scan.pages(ec2, "describe_vpcs", PaginationConfig={"PageSize": 1000}):
        vpcs.extend(page.get("Vpcs", []))

    async def dns_flags(vpc_id: str) -> tuple[bool, bool]:
        support, hostnames = await _gather(
            scan.call(ec2, "describe_vpc_attribute", VpcId=vpc_id, Attribute=attribute)
            for attribute in ("enableDnsSupport", "enableDnsHostnames")
        )
        return (
            bool(support.get("EnableDnsSupport", {}).get("Value", False)),
            bool(hostnames.get("EnableDnsHostnames", {}).get("Value", False)),
        )

    flags = await _gather(dns_flags(vpc["VpcId"]) for vpc in vpcs)
    account = await scan.account()
    return [
        _vpc_resource(vpc, support, hostnames, region, account)
        for vpc, (support, hostnames) in zip(vpcs, flags, strict=True)
    ]


async def _list_security_groups(scan: _Scan, ec2: Any, region: str) -> list[LiveResource]:
    groups: list[Response] = []
    async for page in scan.pages(
        ec2, "describe_security_groups", PaginationConfig={"PageSize": 1000}
    ):
        groups.extend(page.get("SecurityGroups", []))
    account = await scan.account()
    return [_security_group_resource(group, region, account) for group in groups]


async def _list_buckets(scan: _Scan, s3: Any, region: str) -> list[LiveResource]:
    # ListBuckets is global: list and locate once per scan, then keep this region's buckets.
    located = await scan.shared("s3-bucket-regions", lambda: _locate_buckets(scan))
    names = sorted(name for name, bucket_region in located.items() if bucket_region == region)
    details = await _gather(_bucket_details(scan, s3, name) for name in names)
    account = await scan.account()
    return [
        _bucket_resource(name, region, tags, versioning, account)
        for name, (tags, versioning) in zip(names, details, strict=True)
        # A bucket deleted since the listing has no details: it is gone, not unobserved.
        if tags is not None
    ]


async def _locate_buckets(scan: _Scan) -> dict[str, str]:
    s3 = await scan.client("s3", scan.home_region)
    located: dict[str, str] = {}
    unlocated: list[str] = []
    async for page in scan.pages(s3, "list_buckets"):
        for bucket in page.get("Buckets", []):
            if bucket.get("BucketRegion"):
                located[bucket["Name"]] = bucket["BucketRegion"]
            else:
                unlocated.append(bucket["Name"])

    async def location(name: str) -> str | None:
        try:
            response = await scan.call(s3, "get_bucket_location", Bucket=name)
        except ClientError as exc:
            if _error_code(exc) == "NoSuchBucket":
                return None
            raise
        return _bucket_region(response.get("LocationConstraint"))

    for name, bucket_region in zip(
        unlocated, await _gather(location(n) for n in unlocated), strict=True
    ):
        if bucket_region is not None:
            located[name] = bucket_region
    return located


async def _bucket_details(
    scan: _Scan, s3: Any, name: str
) -> tuple[dict[str, str] | None, list[dict[str, bool]]]:
    """Tags and versioning of one bucket; ``(None, [])`` when the bucket no longer exists.

    Any other failure propagates, so the region's outcome is unobserved rather than
    reporting a bucket with tags we never saw.
    """
    try:
        tagging, versioning = await _gather(
            [_bucket_tagging(scan, s3, name), scan.call(s3, "get_bucket_versioning", Bucket=name)]
        )
    except ClientError as exc:
        if _error_code(exc) == "NoSuchBucket":
            return None, []
        raise
    return _tags(tagging.get("TagSet")), [
        {
            "enabled": versioning.get("Status") == "Enabled",
            "mfa_delete": versioning.get("MFADelete") == "Enabled",
        }
    ]


async def _bucket_tagging(scan: _Scan, s3: Any, name: str) -> Response:
    try:
        return await scan.call(s3, "get_bucket_tagging", Bucket=name)
    except ClientError as exc:
        if _error_code(exc) == "NoSuchTagSet":  # the bucket has no tags
            return {"TagSet": []}
        raise


async def _list_roles(scan: _Scan, iam: Any, region: str) -> list[LiveResource]:
    names: list[str] = []
    async for page in scan.pages(iam, "list_roles"):
        names.extend(role["RoleName"] for role in page.get("Roles", []))

    async def get_role(name: str) -> Response | None:
        # ListRoles leaves out Tags and PermissionsBoundary; GetRole carries both.
        try:
            response = await scan.call(iam, "get_role", RoleName=name)
        except ClientError as exc:
            if _error_code(exc) == "NoSuchEntity":  # deleted since the listing
                return None
            raise
        role: Response = response["Role"]
        return role

    roles = await _gather(get_role(name) for name in names)
    account = await scan.account()
    return [_role_resource(role, account) for role in roles if role is not None]


class _TypeSpec(NamedTuple):
    service: str
    enumerate: Callable[[_Scan, Any, str], Awaitable[list[LiveResource]]]
    is_global: bool
    """Listed once per scan, with region ``global``."""


_TYPES: dict[str, _TypeSpec] = {
    "aws_instance": _TypeSpec("ec2", _list_instances, is_global=False),
    "aws_vpc": _TypeSpec("ec2", _list_vpcs, is_global=False),
    "aws_security_group": _TypeSpec("ec2", _list_security_groups, is_global=False),
    # ListBuckets is global, but every bucket lives in a region: reported per region.
    "aws_s3_bucket": _TypeSpec("s3", _list_buckets, is_global=False),
    "aws_iam_role": _TypeSpec("iam", _list_roles, is_global=True),
}


# --------------------------------------------------------------------------------------------
# Mapping AWS objects to Terraform attributes (pure functions)


def _instance_resource(
    instance: Response, owner: str, region: str, account: str | None
) -> LiveResource:
    instance_id: str = instance["InstanceId"]
    placement = instance.get("Placement", {})
    profile_arn = instance.get("IamInstanceProfile", {}).get("Arn", "")
    interfaces = instance.get("NetworkInterfaces", [])
    primary = [i for i in interfaces if i.get("Attachment", {}).get("DeviceIndex") == 0]
    attributes = {
        "id": instance_id,
        "arn": f"arn:{_partition(region)}:ec2:{region}:{owner}:instance/{instance_id}",
        "ami": instance.get("ImageId", ""),
        "instance_type": instance.get("InstanceType", ""),
        "availability_zone": placement.get("AvailabilityZone", ""),
        "placement_group": placement.get("GroupName", ""),
        "tenancy": placement.get("Tenancy", ""),
        "subnet_id": instance.get("SubnetId", ""),
        "vpc_security_group_ids": sorted(g["GroupId"] for g in instance.get("SecurityGroups", [])),
        "key_name": instance.get("KeyName", ""),
        "private_ip": instance.get("PrivateIpAddress", ""),
        "public_ip": instance.get("PublicIpAddress", ""),
        "private_dns": instance.get("PrivateDnsName", ""),
        "public_dns": instance.get("PublicDnsName", ""),
        "primary_network_interface_id": primary[0]["NetworkInterfaceId"] if primary else "",
        "monitoring": instance.get("Monitoring", {}).get("State") == "enabled",
        "ebs_optimized": bool(instance.get("EbsOptimized", False)),
        # AWS omits it only outside a VPC, where it cannot be turned off.
        "source_dest_check": bool(instance.get("SourceDestCheck", True)),
        # Terraform stores the profile name; the API gives the ARN (path included).
        "iam_instance_profile": profile_arn.rsplit("/", 1)[-1] if profile_arn else "",
        "instance_state": instance.get("State", {}).get("Name", ""),
        "tags": _tags(instance.get("Tags")),
    }
    return _resource("aws_instance", instance_id, region, account, attributes)


def _vpc_resource(
    vpc: Response,
    enable_dns_support: bool,
    enable_dns_hostnames: bool,
    region: str,
    account: str | None,
) -> LiveResource:
    vpc_id: str = vpc["VpcId"]
    owner = vpc.get("OwnerId", account or "")
    ipv6 = [
        a
        for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlockState", {}).get("State") == "associated"
    ]
    attributes = {
        "id": vpc_id,
        "arn": f"arn:{_partition(region)}:ec2:{region}:{owner}:vpc/{vpc_id}",
        "cidr_block": vpc.get("CidrBlock", ""),
        "instance_tenancy": vpc.get("InstanceTenancy", ""),
        "enable_dns_support": enable_dns_support,
        "enable_dns_hostnames": enable_dns_hostnames,
        "dhcp_options_id": vpc.get("DhcpOptionsId", ""),
        "owner_id": owner,
        "ipv6_cidr_block": ipv6[0].get("Ipv6CidrBlock", "") if ipv6 else "",
        "ipv6_association_id": ipv6[0].get("AssociationId", "") if ipv6 else "",
        "tags": _tags(vpc.get("Tags")),
    }
    return _resource(
        "aws_vpc", vpc_id, region, account, attributes, is_default=bool(vpc.get("IsDefault"))
    )


def _security_group_resource(group: Response, region: str, account: str | None) -> LiveResource:
    group_id: str = group["GroupId"]
    owner = group.get("OwnerId", account or "")
    arn = group.get("SecurityGroupArn") or (
        f"arn:{_partition(region)}:ec2:{region}:{owner}:security-group/{group_id}"
    )
    attributes = {
        "id": group_id,
        "arn": arn,
        "name": group.get("GroupName", ""),
        "description": group.get("Description", ""),
        "vpc_id": group.get("VpcId", ""),
        "owner_id": owner,
        "ingress": _flatten_rules(group.get("IpPermissions", []), group_id, owner),
        "egress": _flatten_rules(group.get("IpPermissionsEgress", []), group_id, owner),
        "tags": _tags(group.get("Tags")),
    }
    return _resource(
        "aws_security_group",
        group_id,
        region,
        account,
        attributes,
        is_default=group.get("GroupName") == "default",
    )


def _bucket_resource(
    name: str,
    region: str,
    tags: dict[str, str],
    versioning: list[dict[str, bool]],
    account: str | None,
) -> LiveResource:
    attributes = {
        "id": name,
        "bucket": name,
        "arn": f"arn:{_partition(region)}:s3:::{name}",
        "region": region,
        "bucket_domain_name": f"{name}.s3.amazonaws.com",
        "bucket_regional_domain_name": f"{name}.s3.{region}.amazonaws.com",
        "versioning": versioning,
        "tags": tags,
    }
    return _resource("aws_s3_bucket", name, region, account, attributes)


def _role_resource(role: Response, account: str | None) -> LiveResource:
    name: str = role["RoleName"]
    path: str = role.get("Path", "/")
    created = role.get("CreateDate")
    attributes = {
        "id": name,
        "name": name,
        "arn": role.get("Arn", ""),
        "unique_id": role.get("RoleId", ""),
        "path": path,
        "description": role.get("Description", ""),
        "max_session_duration": role.get("MaxSessionDuration", 3600),
        "assume_role_policy": _policy_json(role.get("AssumeRolePolicyDocument")),
        "permissions_boundary": role.get("PermissionsBoundary", {}).get(
            "PermissionsBoundaryArn", ""
        ),
        "create_date": _rfc3339(created) if isinstance(created, datetime) else "",
        "tags": _tags(role.get("Tags")),
    }
    return _resource(
        "aws_iam_role",
        name,
        GLOBAL_REGION,
        account,
        attributes,
        # Service-linked roles are created and owned by AWS services, not by users.
        is_default=path.startswith("/aws-service-role/"),
    )


def _resource(
    type_: str,
    id_: str,
    region: str,
    account: str | None,
    attributes: dict[str, Any],
    *,
    is_default: bool = False,
) -> LiveResource:
    return LiveResource(
        type=type_,
        id=id_,
        provider=PROVIDER,
        region=region,
        account=account,
        attributes=attributes,
        is_default=is_default,
    )


_RULE_LISTS = ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups")

# AWS echoes protocol numbers for these when a rule was created with the number.
_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1"}


def _flatten_rules(
    permissions: list[Response], group_id: str, owner_id: str
) -> list[dict[str, Any]]:
    """Flatten IpPermissions into Terraform's ``ingress``/``egress`` rule set.

    As terraform-provider-aws does: sources that share protocol, ports and description form
    one rule, even across permissions; a pair naming the group itself becomes ``self``.
    """
    rules: dict[tuple[str, int, int, str], dict[str, Any]] = {}

    def rule(permission: Response, description: str | None) -> dict[str, Any]:
        raw = str(permission.get("IpProtocol", "-1")).lower()
        protocol = _PROTOCOL_NAMES.get(raw, raw)
        if protocol == "-1":  # all protocols: AWS omits the ports, Terraform says 0/0
            from_port = to_port = 0
        else:
            from_port = int(permission.get("FromPort", 0))
            to_port = int(permission.get("ToPort", 0))
        key = (protocol, from_port, to_port, description or "")
        if key not in rules:
            rules[key] = {
                "from_port": from_port,
                "to_port": to_port,
                "protocol": protocol,
                **{name: [] for name in _RULE_LISTS},
                "self": False,
                "description": description or "",
            }
        return rules[key]

    for permission in permissions:
        for ip in permission.get("IpRanges", []):
            rule(permission, ip.get("Description"))["cidr_blocks"].append(ip["CidrIp"])
        for ip in permission.get("Ipv6Ranges", []):
            rule(permission, ip.get("Description"))["ipv6_cidr_blocks"].append(ip["CidrIpv6"])
        for prefix in permission.get("PrefixListIds", []):
            rule(permission, prefix.get("Description"))["prefix_list_ids"].append(
                prefix["PrefixListId"]
            )
        for pair in permission.get("UserIdGroupPairs", []):
            target = rule(permission, pair.get("Description"))
            if pair.get("GroupId") == group_id:
                target["self"] = True
            else:
                target["security_groups"].append(_group_reference(pair, owner_id))

    for flattened in rules.values():
        for name in _RULE_LISTS:
            flattened[name] = sorted(set(flattened[name]))
    return sorted(rules.values(), key=_rule_order)


def _group_reference(pair: Response, owner_id: str) -> str:
    """A group of another account is written ``account/sg-…``, as Terraform stores it."""
    group_id = str(pair.get("GroupId", ""))
    user_id = pair.get("UserId")
    return f"{user_id}/{group_id}" if user_id and user_id != owner_id else group_id


def _rule_order(rule: dict[str, Any]) -> tuple[Any, ...]:
    return (
        rule["protocol"],
        rule["from_port"],
        rule["to_port"],
        rule["description"],
        *(rule[name] for name in _RULE_LISTS),
        rule["self"],
    )


def _tags(tag_list: list[Response] | None) -> dict[str, str]:
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in tag_list or []}


def _policy_json(document: Any) -> str:
    """Terraform's form of a policy document: minified JSON with sorted keys.

    boto3 usually decodes the document to a dict, but some paths leave it URL-encoded.
    """
    if document is None:
        return ""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            document = json.loads(urllib.parse.unquote(document))
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def _bucket_region(location_constraint: str | None) -> str:
    # GetBucketLocation's legacy answers: no constraint is us-east-1, "EU" is eu-west-1.
    if not location_constraint:
        return "us-east-1"
    if location_constraint == "EU":
        return "eu-west-1"
    return location_constraint


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------
# Errors


def _unobserved_reason(exc: Exception) -> str:
    """Why one (type, region) could not be listed, as one line for ``unobserved_reason``."""
    if isinstance(exc, ClientError):
        code, message = _error_code(exc), _error_message(exc)
        if code in _ACCESS_DENIED:
            return f"access denied: {code}: {message}"
        if code in _THROTTLED:
            return f"throttled: {code}: {message}"
        return f"error: {code}: {message}"
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return f"unreachable: {_one_line(exc)}"
    return f"error: {type(exc).__name__}: {_one_line(exc)}"


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def _error_message(exc: ClientError) -> str:
    return _one_line(exc.response.get("Error", {}).get("Message", "") or str(exc))


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
