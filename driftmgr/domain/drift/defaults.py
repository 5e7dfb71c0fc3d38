"""Which live objects the cloud created by itself (a default VPC, ``local`` routes, a zone's
NS and SOA records, service-linked roles, a bucket's owner-only ACL …).

Each type's predicate is its rules entry's ``cloud_default``, in the module of its service
under :mod:`driftmgr.domain.drift.aws`, with the facts it reads. An enumerator asks
:func:`is_cloud_default` for every object it lists and sets ``LiveResource.is_default``
from the answer. The engine then never reports such an object as unmanaged, but still
matches and compares it when a state manages it (driftctl's ``aws_default_*``
middlewares, which drop defaults from the cloud side *unless managed*).

A few facts are not attributes of the Terraform resource: the enumerator adds them to the
attribute dict under the name the provider's *data source* uses (``default``,
``default_for_az``, ``main``, ``key_manager`` …; the engine compares only what the state
records, so extra live attributes are harmless), and passes the account-wide ones in a
:class:`~driftmgr.domain.drift.rules.CloudContext`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift import aws as _aws  # noqa: F401 - registers the AWS type rules
from driftmgr.domain.drift.rules import CloudContext, registered_types, rules_for

__all__ = ["CloudContext", "default_types", "is_cloud_default"]

_NO_CONTEXT = CloudContext()


def default_types() -> frozenset[str]:
    """The Terraform types that have cloud-created objects (``aws_default_*`` excluded: the
    cloud lists those objects under the plain type)."""
    return frozenset(
        t
        for t in registered_types()
        if rules_for(t).cloud_default is not None and rules_for(t).live_type is None
    )


def is_cloud_default(
    resource_type: str, attributes: Mapping[str, Any], context: CloudContext = _NO_CONTEXT
) -> bool:
    """Whether a live object of ``resource_type`` was created by AWS itself, not by a user.

    ``attributes`` are the object's Terraform-named attributes plus the extra facts its
    predicate reads; ``context`` carries the account-wide facts. Unknown types are never
    defaults.
    """
    predicate = rules_for(resource_type).cloud_default
    return predicate is not None and predicate(attributes, context)
