"""How terraform-provider-aws (5.x) resource types compare, one module per AWS service.

Each type has one :class:`~driftmgr.domain.drift.rules.TypeRules` entry, registered once,
in the module of its service, beside the enumerator of the same service in
:mod:`driftmgr.adapters.providers.aws`: how it is identified and imported, what its
attributes mean (sets, policies, CIDRs, defaults, ignored), how it relates to its parent
and children, which of its objects the cloud makes itself, how bad a change is, whether it
carries tags and whether it is global. ``docs/adding-a-type.md`` walks through adding one.

Entries are written from the provider's schema and read code: ``sets`` are ``TypeSet``
attributes (and single-block lists whose order cannot matter), ``defaults`` are the
provider's or the API's defaults for optional attributes, ``ignored`` attributes are
computed-and-volatile, Terraform-only (``force_destroy``, ``skip_final_snapshot``…),
write-only (passwords) or derived from the identity. What the API reports is compared;
what it cannot report is ignored.
"""

from driftmgr.domain.drift.aws import (  # noqa: F401 - importing a module registers its types
    apigateway,
    app_services,
    cloudwatch,
    databases,
    dynamodb,
    ec2,
    ec2_network,
    ecr,
    ecs,
    eks,
    elb_more,
    elbv2,
    iam,
    iam_more,
    kms,
    lambda_,
    logs,
    network_more,
    policies,
    rds,
    route53,
    s3,
    sns,
    sqs,
)
