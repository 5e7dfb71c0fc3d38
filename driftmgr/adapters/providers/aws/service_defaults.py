"""Objects that AWS services create by themselves in the types of the newer enumerators
(CloudWatch, EventBridge, ECS, Secrets Manager): never reported as unmanaged.

Kept apart from :mod:`driftmgr.domain.drift.defaults`; an enumerator sets
``is_default`` when either says so. Each predicate reads the Terraform-named attributes
the enumerator reports, plus the extra facts named below (harmless to the engine, which
compares only what the state records):

=================================  ========================================================
type                               default when
=================================  ========================================================
``aws_cloudwatch_metric_alarm``    its name starts ``TargetTracking-`` (Application Auto
                                   Scaling's target-tracking alarms, owned by the policy)
``aws_cloudwatch_event_rule``      ``managed_by`` is set (ListRules ``ManagedBy``: a rule a
                                   service put on the bus for itself)
``aws_cloudwatch_event_target``    ``managed_by`` is set (its rule's)
``aws_ecs_cluster``                ``name == "default"`` (ECS creates it on first use)
``aws_secretsmanager_secret``      ``owning_service`` is set (ListSecrets
                                   ``OwningService``), or the name starts with a managing
                                   service's prefix (``rds!``, ``events!`` …)
=================================  ========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from driftmgr.domain.drift.defaults import is_cloud_default

__all__ = ["is_default"]

#: Name prefixes of the secrets AWS services create and rotate for themselves.
_MANAGED_SECRET_PREFIXES = ("rds!", "events!", "redshift!", "appflow!", "sqlworkbench!")


def _metric_alarm(a: Mapping[str, Any]) -> bool:
    return str(a.get("alarm_name", "")).startswith("TargetTracking-")


def _managed_by(a: Mapping[str, Any]) -> bool:
    return bool(a.get("managed_by"))


def _ecs_cluster(a: Mapping[str, Any]) -> bool:
    return a.get("name") == "default"


def _secret(a: Mapping[str, Any]) -> bool:
    return bool(a.get("owning_service")) or str(a.get("name", "")).startswith(
        _MANAGED_SECRET_PREFIXES
    )


_PREDICATES: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "aws_cloudwatch_metric_alarm": _metric_alarm,
    "aws_cloudwatch_event_rule": _managed_by,
    "aws_cloudwatch_event_target": _managed_by,
    "aws_ecs_cluster": _ecs_cluster,
    "aws_secretsmanager_secret": _secret,
}


def is_default(resource_type: str, attributes: Mapping[str, Any]) -> bool:
    """Whether AWS created this object itself: :func:`is_cloud_default`, or one of the
    service-owned objects above."""
    predicate = _PREDICATES.get(resource_type)
    return is_cloud_default(resource_type, attributes) or (
        predicate is not None and predicate(attributes)
    )
