"""How DynamoDB tables compare (terraform-provider-aws 5.x, ``internal/service/dynamodb``)."""

from __future__ import annotations

from driftmgr.domain.drift.aws._common import (
    aws,
)
from driftmgr.domain.drift.rules import TypeRules

__all__ = []


aws(
    "aws_dynamodb_table",
    TypeRules(
        sets=frozenset({"attribute", "global_secondary_index", "local_secondary_index", "replica"}),
        # An index's capacity moves under auto scaling, like the table's.
        member_ignored={"global_secondary_index": frozenset({"read_capacity", "write_capacity"})},
        defaults={
            "billing_mode": "PROVISIONED",
            "stream_enabled": False,
            "table_class": "STANDARD",
            "deletion_protection_enabled": False,
            "range_key": "",
        },
        # Capacities move under application auto scaling; restore_* and import_table are
        # creation-time inputs the API does not report back.
        ignored=frozenset(
            {
                "read_capacity",
                "write_capacity",
                "restore_date_time",
                "restore_source_name",
                "restore_source_table_arn",
                "restore_to_latest_time",
                "import_table",
                "stream_arn",
                "stream_label",
            }
        ),
        severity={"server_side_encryption": "high"},
    ),
)
