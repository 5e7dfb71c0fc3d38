"""Security groups: inline ``ingress``/``egress`` sets, standalone rules, deletion.

AWS keeps a group's rules as *sources*: one CIDR, IPv6 CIDR, prefix list or group per
(protocol, ports), each with its own description. A Terraform rule block with several
``cidr_blocks`` is several of them. The inline recipe therefore compares both sides source
by source, with the drift engine's folding (``"all"`` is ``"-1"``, ports of ``-1`` are 0,
CIDRs in network form, the group itself is ``self``): it revokes the sources only the
observation has and authorizes the ones only the desired set has, one permission per rule
block, revoking first (a source whose description changed is revoked and authorized again:
AWS refuses a second rule with the same source).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from driftmgr.adapters.providers.aws.remediation.calls import api_call, identifier
from driftmgr.adapters.providers.aws.remediation.registry import Change, deletion, recipe
from driftmgr.domain.drift.identity import protocol_for_value
from driftmgr.domain.drift.normalise import canonical_cidr
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target

__all__ = ["RuleSource", "rule_sources"]

_GROUP = "aws_security_group"
_DIRECTIONS = {"ingress": "ingress", "egress": "egress"}


class RuleSource(NamedTuple):
    """One source of one rule, as AWS keeps it."""

    protocol: str
    from_port: int
    to_port: int
    kind: str
    """``cidr``, ``cidr6``, ``prefix`` or ``group``."""
    source: str
    description: str

    @property
    def key(self) -> tuple[str, int, int, str, str]:
        """What identifies the rule in AWS: everything but the description."""
        return self.protocol, self.from_port, self.to_port, self.kind, self.source


def _int(found: Any) -> int:
    try:
        return int(found or 0)
    except (TypeError, ValueError):
        return 0


def _strings(found: Any) -> list[str]:
    if isinstance(found, str):
        return [found] if found else []
    if isinstance(found, Iterable):
        return [str(v) for v in found if v not in (None, "")]
    return []


def _group_reference(reference: str, group_id: str) -> str:
    # A group of the same account may be written "account/sg-…"; the group itself is `self`.
    bare = reference.rsplit("/", 1)[-1]
    return group_id if bare == group_id else reference


def rule_sources(member: Mapping[str, Any], group_id: str) -> list[RuleSource]:
    """The sources one ``ingress``/``egress`` block stands for, folded as the engine folds."""
    protocol = protocol_for_value(member.get("protocol"))
    low, high = (
        (0, 0) if protocol == "-1" else (_int(member.get("from_port")), _int(member.get("to_port")))
    )
    description = str(member.get("description") or "")

    def source(kind: str, name: str) -> RuleSource:
        return RuleSource(protocol, low, high, kind, name, description)

    found = [source("cidr", str(canonical_cidr(c))) for c in _strings(member.get("cidr_blocks"))]
    found += [
        source("cidr6", str(canonical_cidr(c))) for c in _strings(member.get("ipv6_cidr_blocks"))
    ]
    found += [source("prefix", p) for p in _strings(member.get("prefix_list_ids"))]
    found += [
        source("group", _group_reference(g, group_id))
        for g in _strings(member.get("security_groups"))
    ]
    if member.get("self") is True or str(member.get("self")).lower() == "true":
        found.append(source("group", group_id))
    return found


def _blocks(found: Any) -> list[Mapping[str, Any]]:
    return [m for m in found if isinstance(m, Mapping)] if isinstance(found, list) else []


def permission(sources: list[RuleSource], *, with_descriptions: bool) -> dict[str, Any]:
    """One ``IpPermissions`` entry for sources sharing protocol and ports."""
    first = sources[0]
    entry: dict[str, Any] = {"IpProtocol": first.protocol}
    if first.protocol != "-1":
        entry["FromPort"], entry["ToPort"] = first.from_port, first.to_port
    lists: dict[str, list[dict[str, str]]] = {}
    for item in sources:
        if item.kind == "group":
            user, _, group = item.source.rpartition("/")
            value = {"GroupId": group, **({"UserId": user} if user else {})}
            name = "UserIdGroupPairs"
        else:
            name, field = {
                "cidr": ("IpRanges", "CidrIp"),
                "cidr6": ("Ipv6Ranges", "CidrIpv6"),
                "prefix": ("PrefixListIds", "PrefixListId"),
            }[item.kind]
            value = {field: item.source}
        if with_descriptions and item.description:
            value["Description"] = item.description
        lists.setdefault(name, []).append(value)
    entry.update(lists)
    return entry


def _permissions(
    members: list[Mapping[str, Any]],
    group_id: str,
    wanted: set[RuleSource],
    *,
    with_descriptions: bool,
) -> list[dict[str, Any]]:
    """One permission per rule block, holding those of its sources that are ``wanted``."""
    left = set(wanted)
    found = []
    for member in members:
        sources = [s for s in rule_sources(member, group_id) if s in left]
        left -= set(sources)
        by_ports: dict[tuple[str, int, int], list[RuleSource]] = {}
        for item in sources:
            by_ports.setdefault((item.protocol, item.from_port, item.to_port), []).append(item)
        found += [permission(s, with_descriptions=with_descriptions) for s in by_ports.values()]
    return found


def rule_changes(
    desired: list[Mapping[str, Any]], actual: list[Mapping[str, Any]], group_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(permissions to revoke, permissions to authorize) that make ``actual`` ``desired``."""
    want = {s for m in desired for s in rule_sources(m, group_id)}
    have = {s for m in actual for s in rule_sources(m, group_id)}
    revoke = _permissions(actual, group_id, have - want, with_descriptions=False)
    authorize = _permissions(desired, group_id, want - have, with_descriptions=True)
    return revoke, authorize


@recipe(
    _GROUP,
    tuple(_DIRECTIONS),
    (
        "ec2:revoke_security_group_ingress",
        "ec2:authorize_security_group_ingress",
        "ec2:revoke_security_group_egress",
        "ec2:authorize_security_group_egress",
    ),
)
def inline_rules(change: Change) -> list[ApiCall]:
    group = identifier(change.target, change.actual, change.desired, "id")
    calls = []
    for direction in change.attributes:
        revoke, authorize = rule_changes(
            _blocks(change.desired.get(direction)), _blocks(change.actual.get(direction)), group
        )
        for operation, permissions in (("revoke", revoke), ("authorize", authorize)):
            if permissions:
                calls.append(
                    api_call(
                        change.target,
                        "ec2",
                        f"{operation}_security_group_{direction}",
                        {"GroupId": group, "IpPermissions": permissions},
                    )
                )
    return calls


@deletion(_GROUP, ("ec2:delete_security_group",))
def delete_group(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    group = identifier(target, actual, {}, "id")
    return [api_call(target, "ec2", "delete_security_group", {"GroupId": group})]


# --- standalone rules -----------------------------------------------------------------------


@recipe(
    "aws_security_group_rule",
    "description",
    (
        "ec2:update_security_group_rule_descriptions_ingress",
        "ec2:update_security_group_rule_descriptions_egress",
    ),
)
def rule_description(change: Change) -> list[ApiCall]:
    """A rule's description, on the one source the observed rule has.

    Rules are listed one source each as ``aws_security_group_rule``, which is also what a
    state's ``aws_vpc_security_group_{ingress,egress}_rule`` is compared as: the desired map
    may have either shape, and only its ``description`` is read. Any other change to a rule
    changes its identity (the rule is then missing and unmanaged, not modified)."""
    actual = change.actual
    direction = str(actual.get("type") or change.desired.get("type") or "")
    if direction not in _DIRECTIONS:
        raise NotRemediable(f"{change.target.label}: the rule's direction is not known")
    group = identifier(change.target, actual, change.desired, "security_group_id")
    member = {
        **actual,
        "description": change.desired.get("description") or "",
        "security_groups": _strings(actual.get("source_security_group_id")),
        "self": False,
    }
    sources = rule_sources(member, group)
    if not sources:
        raise NotRemediable(f"{change.target.label}: the observed rule has no source")
    params = {"GroupId": group, "IpPermissions": [permission(sources, with_descriptions=True)]}
    return [
        api_call(
            change.target, "ec2", f"update_security_group_rule_descriptions_{direction}", params
        )
    ]
