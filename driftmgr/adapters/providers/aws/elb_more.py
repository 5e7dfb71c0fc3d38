"""ELBv2 listener rules and target group attachments, and Classic Load Balancers, as
terraform-provider-aws 5.x reads them (``internal/service/elbv2/listener_rule.go``,
``target_group_attachment.go``, ``internal/service/elb/load_balancer.go``).

Listener rules are listed per listener (``DescribeRules``), over the load balancers and
listeners the ``aws_lb``/``aws_lb_listener`` listings share; tags come from
``DescribeTags``, 20 ARNs a call. Every listener has a *default* rule (``IsDefault``):
it is the listener's ``default_action``, never an ``aws_lb_listener_rule`` of its own,
and is listed as a cloud default (its rules' ``cloud_default``).

A target group attachment is one registered target (``DescribeTargetHealth`` per target
group) and is named ``<target group ARN>/<target id>[/<port>]``: its Terraform id is a
random unique id, and Terraform cannot import it.

Classic Load Balancers are one paged ``DescribeLoadBalancers``, then per balancer
``DescribeLoadBalancerAttributes``; tags from ``DescribeTags``, 20 names a call.

moto 5.2 answers all of these.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.elbv2 import (
    _LISTENER_GONE,
    _TARGET_GROUP_GONE,
    _action,
    _listeners_of,
    _load_balancers,
    _tags,
)
from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__ = ["attachment_id"]

_RULE = "aws_lb_listener_rule"
_ATTACHMENT = "aws_lb_target_group_attachment"
_ELB = "aws_elb"
_ELB_GONE = ("LoadBalancerNotFound",)
_TAG_BATCH = 20
_PAGE_SIZE = 400


def attachment_id(target_group_arn: str, target_id: str, port: Any) -> str:
    """An attachment's driftmgr id: ``<target group ARN>/<target id>[/<port>]``."""
    base = f"{target_group_arn}/{target_id}"
    return f"{base}/{port}" if port not in (None, "", 0) else base


def _live(
    type_: str, id_: str, attributes: dict[str, Any], region: str, account: str | None
) -> LiveResource:
    default = is_cloud_default(type_, attributes)
    return resource(type_, id_, region, account, attributes, is_default=default)


# --- listener rules ------------------------------------------------------------------------


@enumerator(_RULE, "elbv2")
async def list_listener_rules(scan: Scan, elbv2: Any, region: str) -> list[LiveResource]:
    balancers = await _load_balancers(scan, region)
    per_balancer = await gather(
        _listeners_of(scan, elbv2, lb["LoadBalancerArn"]) for lb in balancers
    )
    listener_arns = [str(li["ListenerArn"]) for found in per_balancer for li in found]
    per_listener = await gather(_rules_of(scan, elbv2, arn) for arn in listener_arns)
    rules = [
        (listener, rule)
        for listener, found in zip(listener_arns, per_listener, strict=True)
        for rule in found
    ]
    # The default rules have no tags of their own to ask for.
    tagged = [str(rule["RuleArn"]) for _, rule in rules if not rule.get("IsDefault")]
    tag_maps = await _tags(scan, elbv2, tagged, ("RuleNotFound", *_LISTENER_GONE))
    account = await scan.account()
    found: list[LiveResource] = []
    for listener, rule in rules:
        arn = str(rule["RuleArn"])
        rule_tags = {} if rule.get("IsDefault") else tag_maps.get(arn)
        if rule_tags is None:
            continue  # deleted since the listing
        found.append(_rule_resource(listener, rule, rule_tags, region, account))
    return found


async def _rules_of(scan: Scan, elbv2: Any, listener_arn: str) -> list[Response]:
    found: list[Response] = []
    try:
        async for page in scan.pages(
            elbv2,
            "describe_rules",
            ListenerArn=listener_arn,
            PaginationConfig={"PageSize": _PAGE_SIZE},
        ):
            found.extend(page.get("Rules", []))
    except ClientError as exc:
        if error_code(exc) in _LISTENER_GONE:
            return []
        raise
    return found


def _values(condition: Response, config: str) -> list[dict[str, Any]]:
    block = condition.get(config) or {}
    values = block.get("Values") or condition.get("Values") or []
    return [{"values": sorted(values)}]


def _condition(condition: Response) -> dict[str, Any]:
    field = str(condition.get("Field", ""))
    block: dict[str, Any] = {
        "host_header": [],
        "http_header": [],
        "http_request_method": [],
        "path_pattern": [],
        "query_string": [],
        "source_ip": [],
    }
    if field == "host-header":
        block["host_header"] = _values(condition, "HostHeaderConfig")
    elif field == "path-pattern":
        block["path_pattern"] = _values(condition, "PathPatternConfig")
    elif field == "http-request-method":
        block["http_request_method"] = _values(condition, "HttpRequestMethodConfig")
    elif field == "source-ip":
        block["source_ip"] = _values(condition, "SourceIpConfig")
    elif field == "http-header":
        header = condition.get("HttpHeaderConfig") or {}
        block["http_header"] = [
            {
                "http_header_name": header.get("HttpHeaderName", ""),
                "values": sorted(header.get("Values") or []),
            }
        ]
    elif field == "query-string":
        pairs = (condition.get("QueryStringConfig") or {}).get("Values") or []
        block["query_string"] = sorted(
            ({"key": p.get("Key") or "", "value": p.get("Value", "")} for p in pairs),
            key=lambda p: (p["key"], p["value"]),
        )
    return block


def _ordered(block: dict[str, Any], position: int) -> dict[str, Any]:
    """AWS numbers a rule's actions from 1 in the order given when none is set."""
    return block if block.get("order") else {**block, "order": position}


def _rule_resource(
    listener_arn: str, rule: Response, rule_tags: dict[str, str], region: str, account: str | None
) -> LiveResource:
    arn = str(rule["RuleArn"])
    priority = str(rule.get("Priority", ""))
    actions = sorted(rule.get("Actions", []), key=lambda a: a.get("Order", 0))
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "listener_arn": listener_arn,
        "priority": int(priority) if priority.isdigit() else 0,
        "action": [_ordered(_action(action), n) for n, action in enumerate(actions, 1)],
        "condition": sorted(
            (_condition(c) for c in rule.get("Conditions", [])),
            key=lambda c: str(sorted((k, str(v)) for k, v in c.items())),
        ),
        "is_default": bool(rule.get("IsDefault", False)),
        "tags": rule_tags,
    }
    return _live(_RULE, arn, attributes, region, account)


# --- target group attachments --------------------------------------------------------------


@enumerator(_ATTACHMENT, "elbv2")
async def list_target_group_attachments(scan: Scan, elbv2: Any, region: str) -> list[LiveResource]:
    groups: list[Response] = []
    async for page in scan.pages(
        elbv2, "describe_target_groups", PaginationConfig={"PageSize": _PAGE_SIZE}
    ):
        groups.extend(page.get("TargetGroups", []))
    arns = [str(group["TargetGroupArn"]) for group in groups]
    per_group = await gather(_targets_of(scan, elbv2, arn) for arn in arns)
    account = await scan.account()
    found: list[LiveResource] = []
    for arn, targets in zip(arns, per_group, strict=True):
        for health in targets:
            target = health.get("Target") or {}
            target_id = str(target.get("Id", ""))
            port = target.get("Port")
            identity = attachment_id(arn, target_id, port)
            attributes: dict[str, Any] = {
                "id": identity,
                "target_group_arn": arn,
                "target_id": target_id,
                "port": int(port) if port else 0,
                "availability_zone": target.get("AvailabilityZone") or "",
            }
            found.append(_live(_ATTACHMENT, identity, attributes, region, account))
    return found


async def _targets_of(scan: Scan, elbv2: Any, arn: str) -> list[Response]:
    try:
        answer = await scan.call(elbv2, "describe_target_health", TargetGroupArn=arn)
    except ClientError as exc:
        if error_code(exc) in _TARGET_GROUP_GONE:
            return []
        raise
    return list(answer.get("TargetHealthDescriptions", []))


# --- Classic Load Balancers ----------------------------------------------------------------


@enumerator(_ELB, "elb")
async def list_classic_load_balancers(scan: Scan, elb: Any, region: str) -> list[LiveResource]:
    balancers: list[Response] = []
    async for page in scan.pages(
        elb, "describe_load_balancers", PaginationConfig={"PageSize": _PAGE_SIZE}
    ):
        balancers.extend(page.get("LoadBalancerDescriptions", []))
    names = [str(lb["LoadBalancerName"]) for lb in balancers]
    attribute_sets = await gather(_elb_attributes(scan, elb, name) for name in names)
    tag_maps = await _elb_tags(scan, elb, names)
    account = await scan.account()
    return [
        _elb_resource(lb, found, tag_maps.get(lb["LoadBalancerName"], {}), region, account)
        for lb, found in zip(balancers, attribute_sets, strict=True)
        if found is not None
    ]


async def _elb_attributes(scan: Scan, elb: Any, name: str) -> Response | None:
    try:
        answer = await scan.call(elb, "describe_load_balancer_attributes", LoadBalancerName=name)
    except ClientError as exc:
        if error_code(exc) in _ELB_GONE:
            return None
        raise
    found: Response = answer.get("LoadBalancerAttributes") or {}
    return found


async def _elb_tags(scan: Scan, elb: Any, names: list[str]) -> dict[str, dict[str, str]]:
    async def batch(chunk: list[str]) -> dict[str, dict[str, str]]:
        try:
            answer = await scan.call(elb, "describe_tags", LoadBalancerNames=chunk)
        except ClientError as exc:
            if error_code(exc) not in _ELB_GONE:
                raise
            if len(chunk) == 1:
                return {}
            singles = await gather(batch([name]) for name in chunk)
            return {k: v for single in singles for k, v in single.items()}
        return {
            str(d["LoadBalancerName"]): tags(d.get("Tags"))
            for d in answer.get("TagDescriptions", [])
        }

    chunks = [names[i : i + _TAG_BATCH] for i in range(0, len(names), _TAG_BATCH)]
    found: dict[str, dict[str, str]] = {}
    for answer in await gather(batch(chunk) for chunk in chunks):
        found.update(answer)
    return found


def _elb_resource(
    lb: Response, api: Response, lb_tags: dict[str, str], region: str, account: str | None
) -> LiveResource:
    name = str(lb["LoadBalancerName"])
    check = lb.get("HealthCheck") or {}
    draining = api.get("ConnectionDraining") or {}
    logs = api.get("AccessLog") or {}
    source = lb.get("SourceSecurityGroup") or {}
    arn_prefix = f"arn:{partition(region)}:elasticloadbalancing:{region}:{account or ''}"
    additional = {a.get("Key"): a.get("Value") for a in api.get("AdditionalAttributes") or []}
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": f"{arn_prefix}:loadbalancer/{name}",
        "dns_name": lb.get("DNSName", ""),
        "zone_id": lb.get("CanonicalHostedZoneNameID", ""),
        "internal": lb.get("Scheme") == "internal",
        "availability_zones": sorted(lb.get("AvailabilityZones") or []),
        "subnets": sorted(lb.get("Subnets") or []),
        "security_groups": sorted(lb.get("SecurityGroups") or []),
        "instances": sorted(str(i["InstanceId"]) for i in lb.get("Instances") or []),
        "listener": sorted(
            (
                {
                    "instance_port": d["Listener"].get("InstancePort", 0),
                    "instance_protocol": str(d["Listener"].get("InstanceProtocol", "")).upper(),
                    "lb_port": d["Listener"].get("LoadBalancerPort", 0),
                    "lb_protocol": str(d["Listener"].get("Protocol", "")).upper(),
                    "ssl_certificate_id": d["Listener"].get("SSLCertificateId") or "",
                }
                for d in lb.get("ListenerDescriptions") or []
            ),
            key=lambda b: (b["lb_port"], b["lb_protocol"]),
        ),
        "health_check": (
            [
                {
                    "healthy_threshold": check.get("HealthyThreshold", 0),
                    "unhealthy_threshold": check.get("UnhealthyThreshold", 0),
                    "target": check.get("Target", ""),
                    "interval": check.get("Interval", 0),
                    "timeout": check.get("Timeout", 0),
                }
            ]
            if check
            else []
        ),
        "cross_zone_load_balancing": bool(
            (api.get("CrossZoneLoadBalancing") or {}).get("Enabled", False)
        ),
        "idle_timeout": int((api.get("ConnectionSettings") or {}).get("IdleTimeout", 60)),
        "connection_draining": bool(draining.get("Enabled", False)),
        "connection_draining_timeout": int(draining.get("Timeout", 300)),
        "access_logs": (
            [
                {
                    "bucket": logs.get("S3BucketName", ""),
                    "bucket_prefix": logs.get("S3BucketPrefix") or "",
                    "interval": int(logs.get("EmitInterval") or 60),
                    "enabled": True,
                }
            ]
            if logs.get("Enabled")
            else []
        ),
        "desync_mitigation_mode": str(
            additional.get("elb.http.desyncmitigationmode") or "defensive"
        ),
        "source_security_group": source.get("GroupName", ""),
        "tags": lb_tags,
    }
    return _live(_ELB, name, attributes, region, account)
