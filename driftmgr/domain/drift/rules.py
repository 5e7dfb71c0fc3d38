"""Per resource type: how to identify it, split it, and which transforms its attributes need.

Everything the engine knows about a type lives in one :class:`TypeRules` value, registered
under the Terraform type name. Written from terraform-provider-aws's schemas and read code:
an attribute is *ignored* when the provider computes it (ARNs, owner ids, creation dates),
when it is Terraform-only, or when it is the identity the match was made on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import msgspec

from driftmgr.domain.drift.report import Severity
from driftmgr.domain.resources import StateResource

__all__ = [
    "ALWAYS_IGNORED",
    "CloudContext",
    "Key",
    "TypeRules",
    "register",
    "registered_types",
    "rules_for",
]

#: A resource's place in the match dictionary: (Terraform type, canonical id).
Key = tuple[str, str]

#: Never drift, whatever the type: identity, computed ARNs and account ids, the tags map
#: that ``tags`` is compared against, and Terraform's own timeouts block.
ALWAYS_IGNORED = frozenset({"id", "arn", "owner_id", "tags_all", "timeouts"})


class CloudContext(msgspec.Struct, frozen=True, kw_only=True):
    """Facts about the account that one object's attributes do not carry, learned by the
    adapter while listing, for :attr:`TypeRules.cloud_default` (all optional: without them
    those predicates answer False)."""

    default_vpc_ids: frozenset[str] = frozenset()
    default_security_group_ids: frozenset[str] = frozenset()
    default_network_acl_ids: frozenset[str] = frozenset()
    default_internet_gateway_ids: frozenset[str] = frozenset()
    """Internet gateways attached to a default VPC."""
    zone_names: dict[str, str] = msgspec.field(default_factory=dict)
    """Hosted zone id (with or without ``/hostedzone/``) → zone name."""
    service_linked_role_names: frozenset[str] = frozenset()


class TypeRules(msgspec.Struct, frozen=True, kw_only=True):
    sets: frozenset[str] = frozenset()
    """Attributes whose member order means nothing (TypeSet in the provider schema)."""
    policies: frozenset[str] = frozenset()
    """JSON policy documents, compared semantically."""
    cidrs: frozenset[str] = frozenset()
    """Attributes (or set-member fields) holding a CIDR or a list of CIDRs."""
    case_insensitive: frozenset[str] = frozenset()
    """Attributes (or set-member fields) the provider compares case-insensitively."""
    dns_names: frozenset[str] = frozenset()
    """Attributes (or set-member fields) holding DNS names: case, a trailing dot and Route
    53's octal escapes (``\\052`` for ``*``) do not matter."""
    hashed: frozenset[str] = frozenset()
    """Attributes the provider stores as a SHA-1 hex of their content (``user_data``)."""
    ignored_tag_prefixes: tuple[str, ...] = ()
    """Tag keys the cloud reserves (``aws:``): users cannot set them, the provider never
    stores them, the API lists them."""
    defaults: Mapping[str, Any] = msgspec.field(default_factory=dict)
    """Values the provider assumes when an attribute is absent: absent equals default."""
    ignored: frozenset[str] = frozenset()
    """Computed, volatile, Terraform-only or identity attributes: never reported as drift."""
    configured: frozenset[str] = frozenset()
    """Names in :data:`ALWAYS_IGNORED` that this type's users configure, so they are compared
    after all (an EventBridge target's ``arn`` is what it invokes, not its own ARN)."""
    member_ignored: Mapping[str, frozenset[str]] = msgspec.field(default_factory=dict)
    """Fields dropped from the members of a list or set attribute before comparing: the
    provider ignores them there (a DynamoDB index's auto-scaled capacity)."""
    live_type: str | None = None
    """The type the cloud side lists this state type as (``aws_default_vpc`` is an
    ``aws_vpc``): matched, compared and reported as that type's object."""
    absent_when_empty: frozenset[str] = frozenset()
    """Optional+Computed attributes another resource may manage (an EIP's ``instance`` set
    by ``aws_eip_association``): an empty state value says nothing, so it is not compared."""
    identity: Callable[[Mapping[str, Any]], str | None] | None = None
    """Canonical id from attributes, for types whose Terraform id is not what the cloud
    returns (security group rules, routes, policy attachments, DNS records)."""
    split: Callable[[StateResource], list[StateResource]] | None = None
    """Break one state resource into the units the cloud lists (a rule with three CIDRs is
    three rules in AWS)."""
    claims: Callable[[StateResource], list[Key]] | None = None
    """Live resources a state resource manages inline (its ingress rules, its routes), so
    that they are neither unmanaged nor reported twice."""
    claimed_types: frozenset[str] | None = None
    """The types ``claims`` can return, when known: the engine then asks for claims only if
    a live object of one of them is left unmatched (None: always ask)."""
    parent: Callable[[Mapping[str, Any]], Key | None] | None = None
    """For a live child resource, the resource that owns it (rule → security group)."""
    parent_attribute: Callable[[Mapping[str, Any]], str | None] | None = None
    """For a live child, the parent's attribute that holds it (a rule → its group's
    ``ingress`` or ``egress``). When set, the child is the parent's to report only if the
    parent was compared on that attribute; otherwise it can still be unmanaged."""
    import_id: str = "{id}"
    """The id ``terraform import`` takes for a live object of this type, as a template over
    its attributes (``{role}/{policy_arn}``); ``{id}`` is driftmgr's id for it. Written into
    ``docs/import-ids.md`` (generated: ``python -m driftmgr.domain.drift.import_ids``)."""
    import_id_of: Callable[[str, Mapping[str, Any]], str | None] | None = None
    """For ids a template cannot say (a rule's sources): (id, attributes) → import id;
    ``import_id`` then describes it in words."""
    same_when: Mapping[str, Callable[[Mapping[str, Any], Mapping[str, Any]], bool]] = msgspec.field(
        default_factory=dict
    )
    """Attribute → (state attributes, cloud attributes) → whether a difference there is no
    drift: the provider's DiffSuppressFunc (storage autoscaling grew ``allocated_storage``)."""
    normalisers: Mapping[str, Callable[[Any], Any]] = msgspec.field(default_factory=dict)
    """Attribute → a function giving its comparable form, for values only the provider's own
    equivalence can judge (an ECS task's container definitions with the API's defaults)."""
    absent_in_cloud: Callable[[Mapping[str, Any]], bool] | None = None
    """For state values that mean "nothing" to the cloud (versioning ``Disabled`` on a bucket
    that never had it): such a resource with no cloud object is in sync, not missing."""
    delegates: Callable[[StateResource], list[tuple[Key, str]]] | None = None
    """Attributes of *another* resource that this one manages separately: (that resource's
    key, attribute). An ``aws_security_group_rule`` manages its group's ``ingress``; Terraform
    refreshes the group's copy only on its next apply, so the engine does not compare it."""
    cloud_default: Callable[[Mapping[str, Any], CloudContext], bool] | None = None
    """Whether a live object of this type is one the cloud made by itself (a default VPC, a
    zone's NS record, a service-linked role): never unmanaged, still compared when managed.
    Reads the Terraform-named attributes plus the facts the enumerator adds under the
    provider's data-source names (documented beside each predicate)."""
    access: bool = False
    """The type decides who can reach or read what: a missing or unmanaged one is high."""
    severity: Mapping[str, Severity] = msgspec.field(default_factory=dict)
    """Top-level attribute → severity of a change to it (unlisted: medium, labels low)."""
    taggable: bool = True
    """False when the Terraform schema has no ``tags``: a tag-scoped run never lists it."""
    is_global: bool = False
    """Not regional (IAM, Route 53, CloudFront): listed once per account, from the home
    region."""
    region: Callable[[Mapping[str, Any]], str | None] | None = None
    """Where a state object of this type lives, from its attributes, for providers that do
    not say it AWS's way (``region``, an ARN, an availability zone): an Azure ``location``,
    a GCP ``zone``. None from the hook: the state does not say."""


_REGISTRY: dict[str, TypeRules] = {}


def register(resource_type: str, rules: TypeRules) -> None:
    """Declare how a type compares. Rules are module-level data: register at import time,
    once per type, so that everything about a type is in its one entry."""
    if resource_type in _REGISTRY:
        raise ValueError(f"{resource_type} is registered already: extend its one entry")
    _REGISTRY[resource_type] = rules
    rules_for.cache_clear()


def registered_types() -> frozenset[str]:
    return frozenset(_REGISTRY)


@cache
def rules_for(resource_type: str) -> TypeRules:
    rules = _REGISTRY.get(resource_type, TypeRules())
    ignored = (rules.ignored | ALWAYS_IGNORED) - rules.configured
    return msgspec.structs.replace(rules, ignored=ignored)
