"""How application and network load balancers, target groups and listeners compare
(terraform-provider-aws 5.x, ``internal/service/elbv2``); listener rules, attachments and
classic load balancers are in :mod:`.elb_more`.
"""

from __future__ import annotations

from driftmgr.domain.drift.aws._common import (
    aws,
)
from driftmgr.domain.drift.rules import TypeRules

__all__ = []


aws(
    "aws_lb",
    TypeRules(
        sets=frozenset({"security_groups", "subnets", "subnet_mapping"}),
        dns_names=frozenset({"dns_name"}),
        defaults={
            "internal": False,
            "load_balancer_type": "application",
            "ip_address_type": "ipv4",
            "enable_deletion_protection": False,
            "enable_http2": True,
            "idle_timeout": 60,
            "drop_invalid_header_fields": False,
            "desync_mitigation_mode": "defensive",
            "preserve_host_header": False,
            "enable_waf_fail_open": False,
            "enable_tls_version_and_cipher_suite_headers": False,
            "enable_xff_client_port": False,
            "xff_header_processing_mode": "append",
            "client_keep_alive": 3600,
        },
        ignored=frozenset({"name_prefix", "arn_suffix", "zone_id", "vpc_id"}),
        severity={"internal": "high", "security_groups": "high"},
        access=True,
    ),
)

aws(
    "aws_lb_target_group",
    TypeRules(
        case_insensitive=frozenset({"protocol"}),
        defaults={
            "deregistration_delay": "300",
            "slow_start": 0,
            "proxy_protocol_v2": False,
            "lambda_multi_value_headers_enabled": False,
            "connection_termination": False,
            "load_balancing_algorithm_type": "round_robin",
            "target_type": "instance",
            "ip_address_type": "ipv4",
        },
        # load_balancer_arns changes whenever a listener rule elsewhere points here.
        ignored=frozenset({"name_prefix", "arn_suffix", "load_balancer_arns"}),
    ),
)

aws(
    "aws_lb_listener",
    TypeRules(
        # A weighted forward's target groups are a TypeSet inside the action block.
        sets=frozenset({"default_action.forward.target_group"}),
        case_insensitive=frozenset({"protocol"}),
        ignored=frozenset({"mutual_authentication"}),
        severity={"certificate_arn": "high", "protocol": "high", "ssl_policy": "high"},
        access=True,
    ),
)
