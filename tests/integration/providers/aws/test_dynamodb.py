"""DynamoDB tables against a real moto server, and against recorded responses for what moto
cannot serve (see :mod:`driftmgr.adapters.providers.aws.dynamodb`): table classes,
on-demand throughput limits, regions without continuous backups, and failed sub-calls.

:class:`RecordedJsonAws` is the JSON-protocol counterpart of the package's query-API
:class:`~tests.integration.providers.aws.RecordedAws`; the Lambda and Logs tests use it too.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan

Boto = Callable[..., Any]

#: A recorded JSON answer: the document, an (HTTP status, document) pair, or a function of
#: the request's JSON body choosing one.
JsonAnswer = (
    Mapping[str, Any]
    | tuple[int, Mapping[str, Any]]
    | Callable[[Mapping[str, Any]], Mapping[str, Any] | tuple[int, Mapping[str, Any]]]
)

TABLE = "aws_dynamodb_table"


class RecordedJsonAws:
    """A loopback server answering JSON-protocol AWS requests with recorded documents.

    A request is named by its ``X-Amz-Target`` operation (``DescribeTable``) or, for
    REST-JSON services such as Lambda, by method and path (``GET /2015-03-31/functions/``).
    Requests without a recorded answer get HTTP 400 ``UnrecognizedClientException``.
    """

    def __init__(self, answers: Mapping[str, JsonAnswer]) -> None:
        self._answers = dict(answers)
        self._lock = threading.Lock()
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def calls(self) -> Counter[str]:
        with self._lock:
            return Counter(self.requests)

    def __enter__(self) -> RecordedJsonAws:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _answer(self, name: str, body: bytes) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append(name)
        answer = self._answers.get(name)
        if answer is None:
            document: Mapping[str, Any] = {
                "__type": "UnrecognizedClientException",
                "message": f"no recorded answer for {name}",
            }
            return 400, json.dumps(document).encode()
        if callable(answer):
            answer = answer(json.loads(body or b"{}"))
        status, document = answer if isinstance(answer, tuple) else (200, answer)
        return status, json.dumps(document).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorded = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = self.headers.get("X-Amz-Target")
                name = (
                    target.rsplit(".", 1)[-1]
                    if target
                    else f"{self.command} {urlsplit(self.path).path}"
                )
                status, document = recorded._answer(name, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(document)))
                if status >= 400:
                    # REST-JSON services name the error in a header.
                    self.send_header("x-amzn-ErrorType", json.loads(document)["__type"])
                self.end_headers()
                self.wfile.write(document)

            do_POST = do_PUT = do_DELETE = do_GET

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@contextmanager
def recorded_json_aws(
    monkeypatch: pytest.MonkeyPatch, service: str, answers: Mapping[str, JsonAnswer]
) -> Iterator[RecordedJsonAws]:
    """Point one service's SDK clients (``AWS_ENDPOINT_URL_<SERVICE>``) at a
    :class:`RecordedJsonAws`; every other service keeps the moto server (after ``aws``)."""
    with RecordedJsonAws(answers) as server:
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service.upper()}", server.url)
        yield server


def json_error(code: str, message: str, status: int = 400) -> tuple[int, dict[str, str]]:
    """A JSON-protocol error answer."""
    return status, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}


def table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def list_tables(dynamodb_scan: dict[tuple[str, str], Any]) -> dict[str, Any]:
    return observed(dynamodb_scan[(TABLE, REGION)])


# --- moto ------------------------------------------------------------------------------------


def test_tables_are_listed_with_keys_indexes_stream_encryption_recovery_ttl_and_tags(
    boto: Boto,
) -> None:
    dynamodb = boto("dynamodb")
    dynamodb.create_table(
        TableName="orders",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "created", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "created", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total", "id"]},
            },
            {
                "IndexName": "by-created",
                "KeySchema": [{"AttributeName": "created", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-created-local",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "created", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["z", "a"]},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        # An SSE block without a key: AWS uses its managed key, which Terraform reads as "".
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
        DeletionProtectionEnabled=True,
        Tags=[{"Key": "team", "Value": "shop"}, {"Key": "env", "Value": "prod"}],
    )
    dynamodb.update_continuous_backups(
        TableName="orders",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    dynamodb.update_time_to_live(
        TableName="orders",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
    )
    stream_arn = dynamodb.describe_table(TableName="orders")["Table"]["LatestStreamArn"]

    table = list_tables(scan([REGION], [TABLE]))["orders"]

    assert (table.type, table.id, table.region, table.account) == (TABLE, "orders", REGION, ACCOUNT)
    assert not table.is_default
    assert table.attributes == {
        "id": "orders",
        "name": "orders",
        "arn": table_arn("orders"),
        "billing_mode": "PAY_PER_REQUEST",
        "read_capacity": 0,
        "write_capacity": 0,
        "on_demand_throughput": [],
        "hash_key": "pk",
        "range_key": "sk",
        "attribute": [
            {"name": "created", "type": "N"},
            {"name": "pk", "type": "S"},
            {"name": "sk", "type": "S"},
            {"name": "status", "type": "S"},
        ],
        "global_secondary_index": [
            {
                "hash_key": "created",
                "name": "by-created",
                "non_key_attributes": [],
                "on_demand_throughput": [],
                "projection_type": "KEYS_ONLY",
                "range_key": "",
                "read_capacity": 0,
                "write_capacity": 0,
            },
            {
                "hash_key": "status",
                "name": "by-status",
                "non_key_attributes": ["id", "total"],
                "on_demand_throughput": [],
                "projection_type": "INCLUDE",
                "range_key": "created",
                "read_capacity": 0,
                "write_capacity": 0,
            },
        ],
        "local_secondary_index": [
            {
                "name": "by-created-local",
                # A list in the provider's schema: the API's order is kept.
                "non_key_attributes": ["z", "a"],
                "projection_type": "INCLUDE",
                "range_key": "created",
            }
        ],
        "stream_enabled": True,
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "stream_arn": stream_arn,
        "stream_label": stream_arn.rsplit("/", 1)[-1],
        "server_side_encryption": [{"enabled": True, "kms_key_arn": ""}],
        "point_in_time_recovery": [{"enabled": True, "recovery_period_in_days": 35}],
        "ttl": [{"attribute_name": "expires", "enabled": True}],
        "table_class": "STANDARD",
        "deletion_protection_enabled": True,
        "tags": {"env": "prod", "team": "shop"},
    }


def test_a_provisioned_table_reports_capacity_its_own_key_and_disabled_features(
    boto: Boto,
) -> None:
    dynamodb, kms = boto("dynamodb"), boto("kms")
    key_arn = kms.create_key(Description="tables")["KeyMetadata"]["Arn"]
    dynamodb.create_table(
        TableName="ledger",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn},
    )
    dynamodb.create_table(
        TableName="plain",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )

    tables = list_tables(scan([REGION], [TABLE]))

    ledger = tables["ledger"].attributes
    assert ledger["billing_mode"] == "PROVISIONED"
    assert (ledger["read_capacity"], ledger["write_capacity"]) == (7, 3)
    assert ledger["range_key"] == ""
    assert ledger["server_side_encryption"] == [{"enabled": True, "kms_key_arn": key_arn}]
    assert ledger["stream_enabled"] is False
    assert ledger["stream_view_type"] == ""
    assert ledger["point_in_time_recovery"] == [{"enabled": False, "recovery_period_in_days": 0}]
    assert ledger["ttl"] == [{"attribute_name": "", "enabled": False}]
    assert ledger["tags"] == {}
    # Encrypted with the AWS owned key: the API describes no SSE, and the provider no block.
    assert tables["plain"].attributes["server_side_encryption"] == []


# --- recorded responses ----------------------------------------------------------------------


def recorded_table(name: str, **extra: Any) -> dict[str, Any]:
    """A DescribeTable ``Table`` as AWS returns it, plus ``extra`` fields."""
    return {
        "TableName": name,
        "TableArn": table_arn(name),
        "TableStatus": "ACTIVE",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "ProvisionedThroughput": {
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": 0,
            "WriteCapacityUnits": 0,
        },
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "DeletionProtectionEnabled": False,
        **extra,
    }


def describe(tables: Mapping[str, Mapping[str, Any]]) -> JsonAnswer:
    def answer(body: Mapping[str, Any]) -> Mapping[str, Any] | tuple[int, Mapping[str, Any]]:
        name = body["TableName"]
        if name not in tables:
            return json_error("ResourceNotFoundException", f"Requested resource not found: {name}")
        return {"Table": tables[name]}

    return answer


NO_TTL: Mapping[str, Any] = {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
NO_TAGS: Mapping[str, Any] = {"Tags": []}


def test_table_class_and_on_demand_limits_moto_lacks_are_read_from_recorded_responses(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = recorded_table(
        "archive",
        TableClassSummary={"TableClass": "STANDARD_INFREQUENT_ACCESS"},
        OnDemandThroughput={"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50},
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-id",
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "IndexStatus": "ACTIVE",
                "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
                "OnDemandThroughput": {"MaxReadRequestUnits": 10, "MaxWriteRequestUnits": -1},
            }
        ],
    )
    answers: dict[str, JsonAnswer] = {
        "ListTables": {"TableNames": ["archive"]},
        "DescribeTable": describe({"archive": archive}),
        # A region where continuous backups do not exist: PITR reads as disabled.
        "DescribeContinuousBackups": json_error(
            "UnknownOperationException", "Unknown operation: DescribeContinuousBackups"
        ),
        "DescribeTimeToLive": NO_TTL,
        "ListTagsOfResource": NO_TAGS,
    }
    with recorded_json_aws(monkeypatch, "dynamodb", answers):
        attributes = list_tables(scan([REGION], [TABLE]))["archive"].attributes

    assert attributes["table_class"] == "STANDARD_INFREQUENT_ACCESS"
    assert attributes["on_demand_throughput"] == [
        {"max_read_request_units": 100, "max_write_request_units": 50}
    ]
    assert attributes["global_secondary_index"][0]["on_demand_throughput"] == [
        {"max_read_request_units": 10, "max_write_request_units": -1}
    ]
    assert attributes["point_in_time_recovery"] == [
        {"enabled": False, "recovery_period_in_days": 0}
    ]


def test_tags_are_read_from_every_page(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def tag_pages(body: Mapping[str, Any]) -> Mapping[str, Any]:
        if body.get("NextToken") == "page-2":
            return {"Tags": [{"Key": "b", "Value": "2"}]}
        return {"Tags": [{"Key": "a", "Value": "1"}], "NextToken": "page-2"}

    answers: dict[str, JsonAnswer] = {
        "ListTables": {"TableNames": ["paged"]},
        "DescribeTable": describe({"paged": recorded_table("paged")}),
        "DescribeContinuousBackups": {"ContinuousBackupsDescription": {}},
        "DescribeTimeToLive": NO_TTL,
        "ListTagsOfResource": tag_pages,
    }
    with recorded_json_aws(monkeypatch, "dynamodb", answers) as server:
        attributes = list_tables(scan([REGION], [TABLE]))["paged"].attributes

    assert attributes["tags"] == {"a": "1", "b": "2"}
    assert server.calls()["ListTagsOfResource"] == 2


def test_a_table_deleted_while_listing_is_left_out(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, JsonAnswer] = {
        "ListTables": {"TableNames": ["gone", "kept"]},
        "DescribeTable": describe({"kept": recorded_table("kept")}),
        "DescribeContinuousBackups": {"ContinuousBackupsDescription": {}},
        "DescribeTimeToLive": NO_TTL,
        "ListTagsOfResource": NO_TAGS,
    }
    with recorded_json_aws(monkeypatch, "dynamodb", answers):
        tables = list_tables(scan([REGION], [TABLE]))

    assert sorted(tables) == ["kept"]


def test_a_failed_sub_call_leaves_the_region_unobserved_instead_of_guessing(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, JsonAnswer] = {
        "ListTables": {"TableNames": ["orders"]},
        "DescribeTable": describe({"orders": recorded_table("orders")}),
        "DescribeContinuousBackups": {"ContinuousBackupsDescription": {}},
        "DescribeTimeToLive": json_error(
            "AccessDeniedException", "not authorized to perform: dynamodb:DescribeTimeToLive"
        ),
        "ListTagsOfResource": NO_TAGS,
    }
    with recorded_json_aws(monkeypatch, "dynamodb", answers):
        outcome = scan([REGION], [TABLE])[(TABLE, REGION)]

    assert outcome.resources == []
    assert outcome.unobserved_reason is not None
    assert outcome.unobserved_reason.startswith("access denied: AccessDeniedException")
