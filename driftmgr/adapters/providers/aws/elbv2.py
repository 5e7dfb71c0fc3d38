"""Elastic Load Balancing v2: load balancers, target groups and listeners, as
terraform-provider-aws 5.x reads them (``internal/service/elbv2``).

Calls are shared and batched: the region's load balancers are listed once per scan for
both ``aws_lb`` and ``aws_lb_listener`` (listeners can only be listed per load balancer);
tags come from ``DescribeTags``, 20 ARNs a call. Per object there remains what the API
offers only one at a time: ``DescribeLoadBalancerAttributes`` and
``DescribeCapacityReservation`` (application and network load balancers),
``DescribeTargetGroupAttributes``, ``DescribeListeners`` per load balancer and
``DescribeListenerAttributes`` (not for TLS listeners, where the API refuses it).

The attribute maps follow the provider's: a load balancer or listener attribute the API
does not return is not reported (the provider keeps its state value then), target group
attributes only for the target types that support them, ``stickiness`` and the
``target_*`` blocks as its protocol-aware flatteners build them. A forward
``default_action`` carries both ``target_group_arn`` and ``forward``, as the provider reads
it without a state (on import): AWS returns both whichever one was configured.
``authenticate_oidc`` has no ``client_secret``: the API never returns it.

What moto 5.2 cannot serve is tested against recorded responses
(``tests/integration/providers/aws/test_elbv2.py``): subnet mapping addresses (Elastic
IPs, private addresses), the echo of ``ForwardConfig`` for a single target group, and
the protocol-specific target group attributes (``proxy_protocol_v2``,
``preserve_client_ip``, ``target_group_health``, ``target_health_state``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar, cast

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")

_LB = "aws_lb"
_TARGET_GROUP = "aws_lb_target_group"
_LISTENER = "aws_lb_listener"

_LB_GONE = ("LoadBalancerNotFound", "LoadBalancerNotFoundException")
_TARGET_GROUP_GONE = ("TargetGroupNotFound", "TargetGroupNotFoundException")
_LISTENER_GONE = ("ListenerNotFound", "ListenerNotFoundException")
#: Most ARNs one DescribeTags call takes.
_TAG_BATCH = 20
_PAGE_SIZE = 400

#: API key → (Terraform attribute, type): the provider's ``loadBalancerAttributes``.
_LB_ATTRIBUTES: dict[str, tuple[str, type]] = {
    "client_keep_alive.seconds": ("client_keep_alive", int),
    "routing.http.desync_mitigation_mode": ("desync_mitigation_mode", str),
    "dns_record.client_routing_policy": ("dns_record_client_routing_policy", str),
    "routing.http.drop_invalid_header_fields.enabled": ("drop_invalid_header_fields", bool),
    "load_balancing.cross_zone.enabled": ("enable_cross_zone_load_balancing", bool),
    "deletion_protection.enabled": ("enable_deletion_protection", bool),
    "routing.http2.enabled": ("enable_http2", bool),
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": (
        "enable_tls_version_and_cipher_suite_headers",
        bool,
    ),
    "waf.fail_open.enabled": ("enable_waf_fail_open", bool),
    "routing.http.xff_client_port.enabled": ("enable_xff_client_port", bool),
    "zonal_shift.config.enabled": ("enable_zonal_shift", bool),
    "idle_timeout.timeout_seconds": ("idle_timeout", int),
    "routing.http.preserve_host_header.enabled": ("preserve_host_header", bool),
    "routing.http.xff_header_processing.mode": ("xff_header_processing_mode", str),
}

_INSTANCE_OR_IP = frozenset({"instance", "ip"})
#: API key → (Terraform attribute, type, target types): the provider's
#: ``targetGroupAttributes``.
_TARGET_GROUP_ATTRIBUTES: dict[str, tuple[str, type, frozenset[str]]] = {
    "deregistration_delay.connection_termination.enabled": (
        "connection_termination",
        bool,
        _INSTANCE_OR_IP,
    ),
    "deregistration_delay.timeout_seconds": ("deregistration_delay", str, _INSTANCE_OR_IP),
    "lambda.multi_value_headers.enabled": (
        "lambda_multi_value_headers_enabled",
        bool,
        frozenset({"lambda"}),
    ),
    "load_balancing.algorithm.type": ("load_balancing_algorithm_type", str, _INSTANCE_OR_IP),
    "load_balancing.algorithm.anomaly_mitigation": (
        "load_balancing_anomaly_mitigation",
        str,
        _INSTANCE_OR_IP,
    ),
    "load_balancing.cross_zone.enabled": (
        "load_balancing_cross_zone_enabled",
        str,
        _INSTANCE_OR_IP,
    ),
    "preserve_client_ip.enabled": ("preserve_client_ip", str, _INSTANCE_OR_IP),
    "proxy_protocol_v2.enabled": ("proxy_protocol_v2", bool, _INSTANCE_OR_IP),
    "slow_start.duration_seconds": ("slow_start", int, _INSTANCE_OR_IP),
}

#: API key → (Terraform attribute, type): the provider's ``listenerAttributes``.
_LISTENER_ATTRIBUTES: dict[str, tuple[str, type]] = {
    "tcp.idle_timeout.seconds": ("tcp_idle_timeout_seconds", int),
    **{
        f"routing.http.request.x_amzn_{header}.header_name": (
            f"routing_http_request_x_amzn_{header}_header_name",
            str,
        )
        for header in (
            "mtls_clientcert",
            "mtls_clientcert_issuer",
            "mtls_clientcert_leaf",
            "mtls_clientcert_serial_number",
            "mtls_clientcert_subject",
            "mtls_clientcert_validity",
            "tls_cipher_suite",
            "tls_version",
        )
    },
    **{
        f"routing.http.response.{header}.header_value": (
            f"routing_http_response_{header}_header_value",
            str,
        )
        for header in (
            "access_control_allow_credentials",
            "access_control_allow_headers",
            "access_control_allow_methods",
            "access_control_allow_origin",
            "access_control_expose_headers",
            "access_control_max_age",
            "content_security_policy",
            "strict_transport_security",
            "x_content_type_options",
            "x_frame_options",
        )
    },
    "routing.http.response.server.enabled": ("routing_http_response_server_enabled", bool),
}


# --- load balancers ------------------------------------------------------------------------


@enumerator(_LB, "elbv2")
async def list_load_balancers(scan: Scan, elbv2: Any, region: str) -> list[LiveResource]:
    balancers = await _load_balancers(scan, region)
    details, tag_maps = await _both(
        gather(_load_balancer_details(scan, elbv2, lb) for lb in balancers),
        _tags(scan, elbv2, [lb["LoadBalancerArn"] for lb in balancers], _LB_GONE),
    )
    account = await scan.account()
    return [
        _load_balancer_resource(lb, found[0], found[1], lb_tags, region, account)
        for lb, found in zip(balancers, details, strict=True)
        # Deleted since the listing: one of its calls said so.
        if found is not None and (lb_tags := tag_maps.get(lb["LoadBalancerArn"])) is not None
    ]


async def _load_balancers(scan: Scan, region: str) -> list[Response]:
    """The region's load balancers, listed once per scan for load balancers and listeners."""

    async def describe() -> list[Response]:
        elbv2 = await scan.client("elbv2", region)
        found: list[Response] = []
        async for page in scan.pages(
            elbv2, "describe_load_balancers", PaginationConfig={"PageSize": _PAGE_SIZE}
        ):
            found.extend(page.get("LoadBalancers", []))
        return found

    return await scan.shared(f"elbv2:load-balancers:{region}", describe)


async def _load_balancer_details(
    scan: Scan, elbv2: Any, lb: Response
) -> tuple[Response, list[dict[str, Any]] | None] | None:
    """The attributes and (application and network load balancers only, as the provider
    reads it) ``minimum_load_balancer_capacity``; None when the load balancer is gone."""
    arn = lb["LoadBalancerArn"]
    calls = [scan.call(elbv2, "describe_load_balancer_attributes", LoadBalancerArn=arn)]
    reads_capacity = lb.get("Type") in ("application", "network")
    if reads_capacity:
        calls.append(scan.call(elbv2, "describe_capacity_reservation", LoadBalancerArn=arn))
    try:
        answers = await gather(calls)
    except ClientError as exc:
        if error_code(exc) in _LB_GONE:
            return None
        raise
    capacity: list[dict[str, Any]] | None = None
    if reads_capacity:
        minimum = answers[1].get("MinimumLoadBalancerCapacity")
        capacity = [{"capacity_units": minimum.get("CapacityUnits", 0)}] if minimum else []
    return answers[0], capacity


def _load_balancer_resource(
    lb: Response,
    attribute_list: Response,
    capacity: list[dict[str, Any]] | None,
    lb_tags: dict[str, str],
    region: str,
    account: str | None,
) -> LiveResource:
    arn: str = lb["LoadBalancerArn"]
    lb_type = str(lb.get("Type", ""))
    api = {a.get("Key"): a.get("Value") for a in attribute_list.get("Attributes", [])}
    zones = lb.get("AvailabilityZones", [])
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "arn_suffix": _suffix(arn, ":loadbalancer/"),
        "name": lb.get("LoadBalancerName", ""),
        "dns_name": lb.get("DNSName", ""),
        "zone_id": lb.get("CanonicalHostedZoneId", ""),
        "internal": lb.get("Scheme") == "internal",
        "load_balancer_type": lb_type,
        "ip_address_type": lb.get("IpAddressType", ""),
        "customer_owned_ipv4_pool": lb.get("CustomerOwnedIpv4Pool", ""),
        "enforce_security_group_inbound_rules_on_private_link_traffic": lb.get(
            "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", ""
        ),
        "ipam_pools": _ipam_pools(lb.get("IpamPools")),
        "security_groups": sorted(lb.get("SecurityGroups", [])),
        "subnets": sorted(zone["SubnetId"] for zone in zones if zone.get("SubnetId")),
        "subnet_mapping": _sorted_members(_subnet_mapping(zone) for zone in zones),
        "vpc_id": lb.get("VpcId", ""),
        "access_logs": [_logs_block(api, "access_logs")],
        **_mapped(api, _LB_ATTRIBUTES),
        "tags": lb_tags,
    }
    if lb_type == "application":
        attributes["connection_logs"] = [_logs_block(api, "connection_logs")]
    if capacity is not None:
        attributes["minimum_load_balancer_capacity"] = capacity
    return _resource(_LB, arn, attributes, region, account)


def _subnet_mapping(zone: Response) -> dict[str, Any]:
    address = (zone.get("LoadBalancerAddresses") or [{}])[0]
    return {
        "allocation_id": address.get("AllocationId", ""),
        "ipv6_address": address.get("IPv6Address", ""),
        "outpost_id": zone.get("OutpostId", ""),
        "private_ipv4_address": address.get("PrivateIPv4Address", ""),
        "subnet_id": zone.get("SubnetId", ""),
    }


def _ipam_pools(pools: Response | None) -> list[dict[str, Any]]:
    if not pools:
        return []
    return [{"ipv4_ipam_pool_id": pools.get("Ipv4IpamPoolId", "")}]


def _logs_block(api: dict[Any, Any], prefix: str) -> dict[str, Any]:
    """``access_logs`` / ``connection_logs`` from the ``<prefix>.s3.*`` attributes; a key
    the API leaves out is the zero value the provider's flattener leaves."""
    return {
        "bucket": str(api.get(f"{prefix}.s3.bucket") or ""),
        "enabled": _bool(api.get(f"{prefix}.s3.enabled")),
        "prefix": str(api.get(f"{prefix}.s3.prefix") or ""),
    }


# --- target groups -------------------------------------------------------------------------


@enumerator(_TARGET_GROUP, "elbv2")
async def list_target_groups(scan: Scan, elbv2: Any, region: str) -> list[LiveResource]:
    groups: list[Response] = []
    async for page in scan.pages(
        elbv2, "describe_target_groups", PaginationConfig={"PageSize": _PAGE_SIZE}
    ):
        groups.extend(page.get("TargetGroups", []))
    arns = [group["TargetGroupArn"] for group in groups]
    attribute_lists, tag_maps = await _both(
        gather(
            _unless_gone(
                scan.call(elbv2, "describe_target_group_attributes", TargetGroupArn=arn),
                _TARGET_GROUP_GONE,
            )
            for arn in arns
        ),
        _tags(scan, elbv2, arns, _TARGET_GROUP_GONE),
    )
    account = await scan.account()
    return [
        _target_group_resource(group, attribute_list, group_tags, region, account)
        for group, attribute_list in zip(groups, attribute_lists, strict=True)
        # Deleted since the listing: one of its calls said so.
        if attribute_list is not None
        and (group_tags := tag_maps.get(group["TargetGroupArn"])) is not None
    ]


def _target_group_resource(
    group: Response,
    attribute_list: Response,
    group_tags: dict[str, str],
    region: str,
    account: str | None,
) -> LiveResource:
    arn: str = group["TargetGroupArn"]
    target_type = str(group.get("TargetType", ""))
    protocol = str(group.get("Protocol", ""))
    api_list: list[Response] = attribute_list.get("Attributes", [])
    api = {a.get("Key"): a.get("Value") for a in api_list}
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "arn_suffix": _suffix(arn, ":", keep="targetgroup/"),
        "name": group.get("TargetGroupName", ""),
        "target_type": target_type,
        "ip_address_type": group.get("IpAddressType", ""),
        "load_balancer_arns": sorted(group.get("LoadBalancerArns", [])),
        "health_check": [_health_check(group)],
        "stickiness": [_stickiness(api, protocol)],
        "target_failover": [_target_failover(api, protocol)],
        "target_group_health": [_target_group_health(api, protocol)],
        "target_health_state": [_target_health_state(api, protocol)],
        "tags": group_tags,
    }
    # As the provider: these are read only when AWS returns them (a Lambda target group
    # has no port, protocol or VPC).
    for api_name, name in (
        ("Port", "port"),
        ("Protocol", "protocol"),
        ("ProtocolVersion", "protocol_version"),
        ("VpcId", "vpc_id"),
    ):
        if group.get(api_name) not in (None, ""):
            attributes[name] = group[api_name]
    for key, (name, kind, target_types) in _TARGET_GROUP_ATTRIBUTES.items():
        if target_type in target_types and key in api:
            attributes[name] = _typed(api[key], kind)
    return _resource(_TARGET_GROUP, arn, attributes, region, account)


def _health_check(group: Response) -> dict[str, Any]:
    matcher = group.get("Matcher") or {}
    return {
        "enabled": bool(group.get("HealthCheckEnabled", False)),
        "healthy_threshold": group.get("HealthyThresholdCount", 0),
        "interval": group.get("HealthCheckIntervalSeconds", 0),
        "matcher": matcher.get("GrpcCode") or matcher.get("HttpCode") or "",
        "path": group.get("HealthCheckPath", ""),
        "port": group.get("HealthCheckPort", ""),
        "protocol": group.get("HealthCheckProtocol", ""),
        "timeout": group.get("HealthCheckTimeoutSeconds", 0),
        "unhealthy_threshold": group.get("UnhealthyThresholdCount", 0),
    }


def _stickiness(api: dict[Any, Any], protocol: str) -> dict[str, Any]:
    sticky_type = str(api.get("stickiness.type") or "")
    block: dict[str, Any] = {
        "enabled": _bool(api.get("stickiness.enabled")),
        "type": sticky_type,
        "cookie_duration": 0,
        "cookie_name": "",
    }
    # Cookies only exist for HTTP(S), and only the active type's are read.
    if protocol in ("HTTP", "HTTPS"):
        if sticky_type == "lb_cookie" and "stickiness.lb_cookie.duration_seconds" in api:
            block["cookie_duration"] = _int(api["stickiness.lb_cookie.duration_seconds"])
        if sticky_type == "app_cookie":
            block["cookie_name"] = str(api.get("stickiness.app_cookie.cookie_name") or "")
            if "stickiness.app_cookie.duration_seconds" in api:
                block["cookie_duration"] = _int(api["stickiness.app_cookie.duration_seconds"])
    return block


def _target_failover(api: dict[Any, Any], protocol: str) -> dict[str, Any]:
    if protocol != "GENEVE":
        return {}
    block: dict[str, Any] = {}
    for key, name in (
        ("target_failover.on_deregistration", "on_deregistration"),
        ("target_failover.on_unhealthy", "on_unhealthy"),
    ):
        if key in api:
            block[name] = str(api[key] or "")
    return block


def _target_group_health(api: dict[Any, Any], protocol: str) -> dict[str, Any]:
    dns_failover: dict[str, Any] = {}
    unhealthy_state_routing: dict[str, Any] = {}
    if protocol != "GENEVE":
        prefix = "target_group_health"
        for key, name in (
            ("minimum_healthy_targets.count", "minimum_healthy_targets_count"),
            ("minimum_healthy_targets.percentage", "minimum_healthy_targets_percentage"),
        ):
            if f"{prefix}.dns_failover.{key}" in api:
                dns_failover[name] = str(api[f"{prefix}.dns_failover.{key}"] or "")
        count = f"{prefix}.unhealthy_state_routing.minimum_healthy_targets.count"
        if count in api:
            unhealthy_state_routing["minimum_healthy_targets_count"] = _int(api[count])
        percentage = f"{prefix}.unhealthy_state_routing.minimum_healthy_targets.percentage"
        if percentage in api:
            unhealthy_state_routing["minimum_healthy_targets_percentage"] = str(
                api[percentage] or ""
            )
    return {"dns_failover": [dns_failover], "unhealthy_state_routing": [unhealthy_state_routing]}


def _target_health_state(api: dict[Any, Any], protocol: str) -> dict[str, Any]:
    if protocol not in ("TCP", "TLS"):
        return {}
    block: dict[str, Any] = {}
    termination = "target_health_state.unhealthy.connection_termination.enabled"
    if termination in api:
        block["enable_unhealthy_connection_termination"] = _bool(api[termination])
    draining = "target_health_state.unhealthy.draining_interval_seconds"
    if draining in api:
        block["unhealthy_draining_interval"] = _int(api[draining])
    return block


# --- listeners -----------------------------------------------------------------------------


@enumerator(_LISTENER, "elbv2")
async def list_listeners(scan: Scan, elbv2: Any, region: str) -> list[LiveResource]:
    balancers = await _load_balancers(scan, region)
    per_balancer = await gather(
        _listeners_of(scan, elbv2, lb["LoadBalancerArn"]) for lb in balancers
    )
    listeners = [listener for found in per_balancer for listener in found]
    attribute_lists, tag_maps = await _both(
        gather(_listener_attributes(scan, elbv2, listener) for listener in listeners),
        _tags(scan, elbv2, [listener["ListenerArn"] for listener in listeners], _LISTENER_GONE),
    )
    account = await scan.account()
    return [
        _listener_resource(listener, attribute_list, listener_tags, region, account)
        for listener, attribute_list in zip(listeners, attribute_lists, strict=True)
        # Deleted since the listing: one of its calls said so.
        if attribute_list is not None
        and (listener_tags := tag_maps.get(listener["ListenerArn"])) is not None
    ]


async def _listeners_of(scan: Scan, elbv2: Any, lb_arn: str) -> list[Response]:
    found: list[Response] = []
    try:
        async for page in scan.pages(
            elbv2,
            "describe_listeners",
            LoadBalancerArn=lb_arn,
            PaginationConfig={"PageSize": _PAGE_SIZE},
        ):
            found.extend(page.get("Listeners", []))
    except ClientError as exc:
        if error_code(exc) in _LB_GONE:  # the load balancer went, and its listeners with it
            return []
        raise
    return found


async def _listener_attributes(scan: Scan, elbv2: Any, listener: Response) -> Response | None:
    """The listener's attributes; ``{}`` for TLS listeners (the API refuses them), None
    when the listener no longer exists."""
    if listener.get("Protocol") == "TLS":
        return {}
    return await _unless_gone(
        scan.call(elbv2, "describe_listener_attributes", ListenerArn=listener["ListenerArn"]),
        _LISTENER_GONE,
    )


def _listener_resource(
    listener: Response,
    attribute_list: Response,
    listener_tags: dict[str, str],
    region: str,
    account: str | None,
) -> LiveResource:
    arn: str = listener["ListenerArn"]
    certificates = listener.get("Certificates") or []
    alpn = listener.get("AlpnPolicy") or []
    api = {a.get("Key"): a.get("Value") for a in attribute_list.get("Attributes", [])}
    actions = sorted(listener.get("DefaultActions", []), key=lambda a: a.get("Order", 0))
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "load_balancer_arn": listener.get("LoadBalancerArn", ""),
        "port": listener.get("Port", 0),
        "protocol": listener.get("Protocol", ""),
        "ssl_policy": listener.get("SslPolicy", ""),
        "alpn_policy": alpn[0] if len(alpn) == 1 else "",
        "default_action": [_action(action) for action in actions],
        "mutual_authentication": _mutual_authentication(listener.get("MutualAuthentication")),
        **_mapped(api, _LISTENER_ATTRIBUTES),
        "tags": listener_tags,
    }
    # DescribeListeners returns the default certificate only: one, or none (plain HTTP/TCP).
    if len(certificates) <= 1:
        attributes["certificate_arn"] = (
            certificates[0].get("CertificateArn", "") if certificates else ""
        )
    return _resource(_LISTENER, arn, attributes, region, account)


def _action(action: Response) -> dict[str, Any]:
    action_type = str(action.get("Type", ""))
    block: dict[str, Any] = {
        "type": action_type,
        "order": action.get("Order", 0),
        "target_group_arn": "",
        "forward": [],
        "redirect": [],
        "fixed_response": [],
        "authenticate_cognito": [],
        "authenticate_oidc": [],
    }
    if action_type == "forward":
        block["target_group_arn"] = action.get("TargetGroupArn", "")
        block["forward"] = _forward(action.get("ForwardConfig"))
    elif action_type == "redirect":
        redirect = action.get("RedirectConfig") or {}
        block["redirect"] = [
            {
                "host": redirect.get("Host", ""),
                "path": redirect.get("Path", ""),
                "port": redirect.get("Port", ""),
                "protocol": redirect.get("Protocol", ""),
                "query": redirect.get("Query", ""),
                "status_code": redirect.get("StatusCode", ""),
            }
        ]
    elif action_type == "fixed-response":
        fixed = action.get("FixedResponseConfig") or {}
        block["fixed_response"] = [
            {
                "content_type": fixed.get("ContentType", ""),
                "message_body": fixed.get("MessageBody", ""),
                "status_code": fixed.get("StatusCode", ""),
            }
        ]
    elif action_type == "authenticate-cognito":
        cognito = action.get("AuthenticateCognitoConfig") or {}
        block["authenticate_cognito"] = [
            {
                **_authenticate_common(cognito),
                "user_pool_arn": cognito.get("UserPoolArn", ""),
                "user_pool_client_id": cognito.get("UserPoolClientId", ""),
                "user_pool_domain": cognito.get("UserPoolDomain", ""),
            }
        ]
    elif action_type == "authenticate-oidc":
        oidc = action.get("AuthenticateOidcConfig") or {}
        block["authenticate_oidc"] = [
            {
                **_authenticate_common(oidc),
                "authorization_endpoint": oidc.get("AuthorizationEndpoint", ""),
                "client_id": oidc.get("ClientId", ""),
                "issuer": oidc.get("Issuer", ""),
                "token_endpoint": oidc.get("TokenEndpoint", ""),
                "user_info_endpoint": oidc.get("UserInfoEndpoint", ""),
            }
        ]
    return block


def _forward(config: Response | None) -> list[dict[str, Any]]:
    if not config:
        return []
    stickiness = config.get("TargetGroupStickinessConfig")
    return [
        {
            # A set in the provider's schema.
            "target_group": sorted(
                (
                    {"arn": g.get("TargetGroupArn", ""), "weight": g.get("Weight", 0)}
                    for g in config.get("TargetGroups", [])
                ),
                key=lambda g: str(g["arn"]),
            ),
            "stickiness": (
                [
                    {
                        "duration": stickiness.get("DurationSeconds", 0),
                        "enabled": bool(stickiness.get("Enabled", False)),
                    }
                ]
                if stickiness is not None
                else []
            ),
        }
    ]


def _authenticate_common(config: Response) -> dict[str, Any]:
    return {
        "authentication_request_extra_params": dict(
            config.get("AuthenticationRequestExtraParams") or {}
        ),
        "on_unauthenticated_request": config.get("OnUnauthenticatedRequest", ""),
        "scope": config.get("Scope", ""),
        "session_cookie_name": config.get("SessionCookieName", ""),
        "session_timeout": config.get("SessionTimeout", 0),
    }


def _mutual_authentication(config: Response | None) -> list[dict[str, Any]]:
    if not config:
        return []
    mode = str(config.get("Mode", ""))
    if mode == "off":
        return [{"mode": mode}]
    block: dict[str, Any] = {
        "advertise_trust_store_ca_names": config.get("AdvertiseTrustStoreCaNames", ""),
        "mode": mode,
        "trust_store_arn": config.get("TrustStoreArn", ""),
    }
    if "IgnoreClientCertificateExpiry" in config:
        block["ignore_client_certificate_expiry"] = bool(config["IgnoreClientCertificateExpiry"])
    return [block]


# --- shared --------------------------------------------------------------------------------


def _resource(
    type_: str, id_: str, attributes: dict[str, Any], region: str, account: str | None
) -> LiveResource:
    return resource(
        type_, id_, region, account, attributes, is_default=is_cloud_default(type_, attributes)
    )


async def _both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Both answers, fetched together (on the first failure the other is cancelled)."""
    one, two = await gather([first, second])
    return cast(A, one), cast(B, two)


async def _tags(
    scan: Scan, elbv2: Any, arns: list[str], gone: tuple[str, ...]
) -> dict[str, dict[str, str] | None]:
    """Tags by ARN, 20 ARNs a call; None for an ARN that no longer exists.

    DescribeTags fails a whole batch for one missing ARN; such a batch is asked again one
    ARN at a time, so that the others are still observed.
    """

    async def batch(chunk: list[str]) -> dict[str, dict[str, str] | None]:
        try:
            answer = await scan.call(elbv2, "describe_tags", ResourceArns=chunk)
        except ClientError as exc:
            if error_code(exc) not in gone:
                raise
            if len(chunk) == 1:
                return {chunk[0]: None}
            singles = await gather(batch([arn]) for arn in chunk)
            return {arn: found for single in singles for arn, found in single.items()}
        described: dict[str, dict[str, str] | None] = {
            str(d["ResourceArn"]): tags(d.get("Tags")) for d in answer.get("TagDescriptions", [])
        }
        return {arn: described.get(arn, {}) for arn in chunk}

    chunks = [arns[i : i + _TAG_BATCH] for i in range(0, len(arns), _TAG_BATCH)]
    found: dict[str, dict[str, str] | None] = {}
    for answer in await gather(batch(chunk) for chunk in chunks):
        found.update(answer)
    return found


def _mapped(api: dict[Any, Any], names: dict[str, tuple[str, type]]) -> dict[str, Any]:
    """The mapped attributes the API returned (the provider skips the ones it did not)."""
    return {name: _typed(api[key], kind) for key, (name, kind) in names.items() if key in api}


def _typed(value: Any, kind: type) -> Any:
    if kind is bool:
        return _bool(value)
    if kind is int:
        return _int(value)
    return "" if value is None else str(value)


def _bool(value: Any) -> bool:
    return str(value).lower() == "true"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _suffix(arn: str, marker: str, *, keep: str = "") -> str:
    """``arn_suffix``: what follows ``loadbalancer/`` (load balancers), or the part from
    ``targetgroup/`` on (target groups), as CloudWatch dimensions name them."""
    if keep:
        index = arn.find(keep)
        return arn[index:] if index >= 0 else ""
    index = arn.find(marker)
    return arn[index + len(marker) :] if index >= 0 else ""


def _sorted_members(members: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A TypeSet of blocks as a list in a fixed order."""
    return sorted(members, key=lambda m: json.dumps(m, sort_keys=True, default=str))


async def _unless_gone(call: Awaitable[T], codes: tuple[str, ...]) -> T | None:
    """The call's answer, or None when it says the object no longer exists."""
    try:
        return await call
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise
