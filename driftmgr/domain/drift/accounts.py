"""The cloud account a finding belongs to, read from the ids it carries.

A report has no account field: one drift check may span several AWS accounts (assumed
roles), Azure subscriptions or GCP projects, and the ids already say which. A dashboard
groups and filters findings by it, so it is derived here, from the id shapes alone:

- an AWS ARN, ``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE``: its 12-digit account
  field (empty for S3 buckets, ``aws`` for AWS-managed policies: no account then);
- an Azure resource id, ``/subscriptions/SUBSCRIPTION/…``: the subscription;
- a GCP name or link with a ``projects/PROJECT/`` segment (``projects/p/global/networks/n``,
  ``//compute.googleapis.com/projects/p/…``, ``https://…/v1/projects/p/…``): the project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["account_in", "account_of"]

_AWS_ACCOUNT = re.compile(r"\d{12}")
_AZURE = re.compile(r"/subscriptions/([^/]+)(?:/|$)", re.IGNORECASE)
_GCP = re.compile(r"(?:^|/)projects/([^/]+)/")


def account_in(identifier: str) -> str | None:
    """The account, subscription or project ``identifier`` names, or None."""
    if identifier.startswith("arn:"):
        fields = identifier.split(":", 5)
        if len(fields) == 6 and _AWS_ACCOUNT.fullmatch(fields[4]):
            return fields[4]
        return None
    azure = _AZURE.match(identifier)
    if azure:
        return azure.group(1)
    gcp = _GCP.search(identifier)
    return gcp.group(1) if gcp else None


def account_of(identifiers: Iterable[str | None]) -> str | None:
    """The account of the first of ``identifiers`` that names one (a finding's ``id``,
    ``cloud.id`` and ``import_id``, in that order)."""
    for identifier in identifiers:
        if identifier:
            account = account_in(identifier)
            if account is not None:
                return account
    return None
