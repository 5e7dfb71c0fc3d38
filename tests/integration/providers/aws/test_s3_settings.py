"""S3 bucket lifecycle, logging, ownership controls, ACL, CORS, website and notification
settings against a real moto server.

Expected attributes are shaped as terraform-provider-aws 5.x stores the
``aws_s3_bucket_<setting>`` resources; each is keyed by its bucket's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource

Boto = Callable[..., Any]

BUCKET = "aws_s3_bucket"
LIFECYCLE = "aws_s3_bucket_lifecycle_configuration"
LOGGING = "aws_s3_bucket_logging"
OWNERSHIP = "aws_s3_bucket_ownership_controls"
ACL = "aws_s3_bucket_acl"
CORS = "aws_s3_bucket_cors_configuration"
WEBSITE = "aws_s3_bucket_website_configuration"
NOTIFICATION = "aws_s3_bucket_notification"
TYPES = [LIFECYCLE, LOGGING, OWNERSHIP, ACL, CORS, WEBSITE, NOTIFICATION]
SCOPE = DriftScope(providers=["aws"], regions=[REGION])
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def owner_id(s3: Any, bucket: str) -> str:
    return str(s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"])


def seed(boto: Boto) -> dict[str, str]:
    """One bucket with every setting; returns the facts the expectations need."""
    s3 = boto("s3")
    s3.create_bucket(Bucket="site")
    s3.create_bucket(Bucket="logs")
    owner = owner_id(s3, "logs")
    s3.put_bucket_acl(
        Bucket="logs",
        AccessControlPolicy={
            "Owner": {"ID": owner},
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": owner}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "WRITE"},
                {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "READ_ACP"},
            ],
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="site",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-tmp",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "tmp/"},
                    "Expiration": {"Days": 7},
                    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
                }
            ]
        },
    )
    s3.put_bucket_logging(
        Bucket="site",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "site/"}},
    )
    s3.put_bucket_ownership_controls(
        Bucket="site",
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
    )
    s3.put_bucket_cors(
        Bucket="site",
        CORSConfiguration={
            "CORSRules": [
                {
                    "ID": "web",
                    "AllowedMethods": ["PUT", "GET"],
                    "AllowedOrigins": ["https://example.com"],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    s3.put_bucket_website(
        Bucket="site",
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": "error.html"},
        },
    )
    queue_url = boto("sqs").create_queue(QueueName="events")["QueueUrl"]
    queue_arn = boto("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket="site",
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "uploads",
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        },
    )
    return {"owner": owner, "queue_arn": queue_arn}


def expected(facts: dict[str, str]) -> dict[str, dict[str, Any]]:
    base = {"id": "site", "bucket": "site", "expected_bucket_owner": ""}
    return {
        LIFECYCLE: {
            **base,
            "rule": [
                {
                    "id": "expire-tmp",
                    "status": "Enabled",
                    "prefix": "",
                    "filter": [
                        {
                            "prefix": "tmp/",
                            "object_size_greater_than": None,
                            "object_size_less_than": None,
                            "tag": [],
                            "and": [],
                        }
                    ],
                    "expiration": [{"date": "", "days": 7, "expired_object_delete_marker": False}],
                    "noncurrent_version_expiration": [],
                    "noncurrent_version_transition": [],
                    "transition": [{"date": "", "days": 30, "storage_class": "STANDARD_IA"}],
                    "abort_incomplete_multipart_upload": [{"days_after_initiation": 2}],
                }
            ],
            # moto answers with S3's default, as AWS does since September 2024.
            "transition_default_minimum_object_size": "all_storage_classes_128K",
        },
        LOGGING: {
            **base,
            "target_bucket": "logs",
            "target_prefix": "site/",
            "target_grant": [],
            "target_object_key_format": [],
        },
        OWNERSHIP: {
            "id": "site",
            "bucket": "site",
            "rule": [{"object_ownership": "BucketOwnerPreferred"}],
        },
        CORS: {
            **base,
            "cors_rule": [
                {
                    "id": "web",
                    "allowed_headers": ["*"],
                    "allowed_methods": ["GET", "PUT"],
                    "allowed_origins": ["https://example.com"],
                    "expose_headers": [],
                    "max_age_seconds": 3000,
                }
            ],
        },
        WEBSITE: {
            **base,
            "index_document": [{"suffix": "index.html"}],
            "error_document": [{"key": "error.html"}],
            "redirect_all_requests_to": [],
            "routing_rule": [],
            "website_domain": f"s3-website-{REGION}.amazonaws.com",
            "website_endpoint": f"site.s3-website-{REGION}.amazonaws.com",
        },
        NOTIFICATION: {
            "id": "site",
            "bucket": "site",
            "eventbridge": False,
            "lambda_function": [],
            "queue": [
                {
                    "id": "uploads",
                    "queue_arn": facts["queue_arn"],
                    "events": ["s3:ObjectCreated:*"],
                    "filter_prefix": "uploads/",
                    "filter_suffix": "",
                }
            ],
            "topic": [],
        },
    }


def test_each_setting_is_read_as_the_provider_stores_it(boto: Boto) -> None:
    facts = seed(boto)

    outcomes = scan([REGION], TYPES)

    want = expected(facts)
    for type_, attributes in want.items():
        found = observed(outcomes[(type_, REGION)])
        if type_ == NOTIFICATION:
            # Every bucket has a notification configuration; an empty one is a default.
            assert {k for k, v in found.items() if not v.is_default} == {"site"}
            found = {k: v for k, v in found.items() if not v.is_default}
        assert set(found) == {"site"}, type_
        assert found["site"].attributes == attributes, type_
        assert found["site"].is_default is False, type_
        assert found["site"].type == type_


def test_every_bucket_has_an_acl_and_only_the_owners_sole_grant_is_a_default(boto: Boto) -> None:
    facts = seed(boto)

    acls = observed(scan([REGION], [ACL])[(ACL, REGION)])

    assert set(acls) == {"site", "logs"}
    assert acls["site"].is_default is True
    assert acls["logs"].is_default is False
    owner = facts["owner"]

    def grantee(type_: str, id_: str = "", uri: str = "") -> list[dict[str, str]]:
        return [{"display_name": "", "email_address": "", "id": id_, "type": type_, "uri": uri}]

    policy = acls["logs"].attributes["access_control_policy"][0]
    grants = [{**g, "grantee": [{**g["grantee"][0], "display_name": ""}]} for g in policy["grant"]]
    assert sorted(grants, key=lambda g: (g["permission"], g["grantee"][0]["type"])) == [
        {"grantee": grantee("CanonicalUser", id_=owner), "permission": "FULL_CONTROL"},
        {"grantee": grantee("Group", uri=LOG_DELIVERY), "permission": "READ_ACP"},
        {"grantee": grantee("Group", uri=LOG_DELIVERY), "permission": "WRITE"},
    ]
    assert policy["owner"][0]["id"] == owner


def test_a_bucket_without_settings_has_none_of_the_optional_ones(boto: Boto) -> None:
    boto("s3").create_bucket(Bucket="bare")

    outcomes = scan([REGION], TYPES)

    for type_ in (LIFECYCLE, LOGGING, CORS, WEBSITE):
        assert observed(outcomes[(type_, REGION)]) == {}, type_
    # Its empty notification configuration is listed as a default: never a finding alone.
    (notification,) = observed(outcomes[(NOTIFICATION, REGION)]).values()
    assert notification.is_default is True
    assert detect_drift([], outcomes.values(), SCOPE).items == []


def test_bucket_owner_enforced_ownership_is_a_cloud_default(boto: Boto) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="enforced")
    s3.put_bucket_ownership_controls(
        Bucket="enforced",
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )

    (controls,) = observed(scan([REGION], [OWNERSHIP])[(OWNERSHIP, REGION)]).values()

    assert controls.is_default is True


def _state(facts: dict[str, str]) -> list[StateResource]:
    # What the provider stores: the live shape plus Terraform-only attributes.
    resources = []
    for type_, attributes in expected(facts).items():
        stored = {**attributes}
        if type_ == WEBSITE:
            stored["routing_rules"] = ""
        resources.append(state_resource(type_, "site", stored))
    return resources


@pytest.mark.parametrize(
    ("type_", "change", "path"),
    [
        (
            LIFECYCLE,
            lambda s3: s3.put_bucket_lifecycle_configuration(
                Bucket="site",
                LifecycleConfiguration={
                    "Rules": [
                        {
                            "ID": "expire-tmp",
                            "Status": "Disabled",
                            "Filter": {"Prefix": "tmp/"},
                            "Expiration": {"Days": 7},
                            "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
                        }
                    ]
                },
            ),
            "rule",
        ),
        (
            LOGGING,
            lambda s3: s3.put_bucket_logging(
                Bucket="site",
                BucketLoggingStatus={
                    "LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "other/"}
                },
            ),
            "target_prefix",
        ),
        (
            OWNERSHIP,
            lambda s3: s3.put_bucket_ownership_controls(
                Bucket="site",
                OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
            ),
            "rule",
        ),
        (
            CORS,
            lambda s3: s3.put_bucket_cors(
                Bucket="site",
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "ID": "web",
                            "AllowedMethods": ["GET"],
                            "AllowedOrigins": ["https://example.com"],
                            "AllowedHeaders": ["*"],
                            "MaxAgeSeconds": 3000,
                        }
                    ]
                },
            ),
            "cors_rule",
        ),
        (
            WEBSITE,
            lambda s3: s3.put_bucket_website(
                Bucket="site",
                WebsiteConfiguration={
                    "IndexDocument": {"Suffix": "home.html"},
                    "ErrorDocument": {"Key": "error.html"},
                },
            ),
            "index_document",
        ),
    ],
)
def test_settings_are_in_sync_after_creation_and_modified_after_an_out_of_band_change(
    boto: Boto, type_: str, change: Callable[[Any], None], path: str
) -> None:
    facts = seed(boto)
    state = _state(facts)

    findings = detect_drift(state, scan([REGION], TYPES).values(), SCOPE)
    # The site's ACL is AWS's default one; logs' is unmanaged (its bucket is not in scope).
    assert [(i.kind, i.type, i.id) for i in findings.items] == [("unmanaged", ACL, "logs")]
    assert findings.summary.in_sync == len(state)

    change(boto("s3"))
    findings = detect_drift(state, scan([REGION], TYPES).values(), SCOPE)

    modified = [i for i in findings.items if i.kind == "modified"]
    assert [(i.type, i.id) for i in modified] == [(type_, "site")]
    assert [c.path.split("[")[0] for c in modified[0].changes] == [path]


def test_a_removed_notification_and_acl_changes_are_reported(boto: Boto) -> None:
    facts = seed(boto)
    s3 = boto("s3")
    owner = facts["owner"]
    state = [
        *_state(facts),
        state_resource(
            ACL,
            "site",
            {
                "id": "site,private",
                "bucket": "site",
                "acl": "private",
                "expected_bucket_owner": "",
                "access_control_policy": [
                    {
                        "grant": [
                            {
                                "grantee": [
                                    {
                                        "display_name": "",
                                        "email_address": "",
                                        "id": owner,
                                        "type": "CanonicalUser",
                                        "uri": "",
                                    }
                                ],
                                "permission": "FULL_CONTROL",
                            }
                        ],
                        "owner": [{"display_name": "", "id": owner}],
                    }
                ],
            },
        ),
    ]
    s3.put_bucket_notification_configuration(Bucket="site", NotificationConfiguration={})
    s3.put_bucket_acl(Bucket="site", ACL="public-read")

    findings = detect_drift(state, scan([REGION], TYPES).values(), SCOPE)

    # Emptied by hand, the notification is modified, as terraform plan -refresh-only says.
    assert sorted((i.kind, i.type, i.id) for i in findings.items) == [
        # Reported under the state's id (a canned ACL's "bucket,acl").
        ("modified", ACL, "site,private"),
        ("modified", NOTIFICATION, "site"),
        ("unmanaged", ACL, "logs"),
    ]
    assert ACCOUNT == "123456789012"


def test_inline_v3_bucket_settings_claim_the_live_setting_objects(boto: Boto) -> None:
    facts = seed(boto)
    bucket = {
        "id": "site",
        "bucket": "site",
        "lifecycle_rule": [{"id": "expire-tmp", "enabled": True, "prefix": "tmp/"}],
        "cors_rule": [{"allowed_methods": ["GET", "PUT"]}],
        "website": [{"index_document": "index.html"}],
        "logging": [{"target_bucket": "logs", "target_prefix": "site/"}],
        "tags_all": {},
    }
    state = [state_resource(BUCKET, "site", bucket)]
    state += [r for r in _state(facts) if r.type in (OWNERSHIP, NOTIFICATION)]

    types = [BUCKET, LIFECYCLE, LOGGING, CORS, WEBSITE, OWNERSHIP, NOTIFICATION]
    findings = detect_drift(state, scan([REGION], types).values(), SCOPE)

    # The bucket `logs` is not in the state; none of site's settings is unmanaged.
    assert [(i.kind, i.type, i.id) for i in findings.items if i.id != "logs"] == []
    assert ("unmanaged", BUCKET, "logs") in [(i.kind, i.type, i.id) for i in findings.items]
