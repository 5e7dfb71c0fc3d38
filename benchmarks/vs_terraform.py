"""``driftmgr drift detect`` vs ``terraform plan -refresh-only`` on the same state.

For each size N (``--sizes``, default 10 100 500) it writes a Terraform configuration of N
resources of mixed types (VPCs, subnets, security groups with rules, S3 buckets with
versioning, IAM roles, policies and attachments, SQS queues, SNS topics, DynamoDB tables,
CloudWatch log groups, KMS keys), applies it with the real ``terraform`` and the
hashicorp/aws provider (the local mirror tests/support/terraform.py uses) to a moto server
this script starts on a free port (and stops at the end), then times, on that one state:

- **terraform**: ``terraform plan -refresh-only -json`` in the applied project (what a user
  runs to see drift; default parallelism);
- **driftmgr**: ``driftmgr drift detect --state terraform.tfstate --provider aws --region
  us-east-1 -o json``, the installed CLI as a user runs it (in-process on an embedded store,
  every registered type listed for unmanaged detection), with the AWS endpoint settings the
  tests use (``AWS_ENDPOINT_URL`` and friends);

each best of ``--repeat`` (wall time of the whole command), first with the cloud in sync
and then after a few out-of-band changes made with boto3 (a VPC retagged, a queue's
visibility timeout, a role's description, a log group deleted, one unmanaged queue).

Prints a table and, per N, a JSON line ``{"n", "terraform_s", "driftmgr_s", "ratio_in_sync",
"ratio_drifted", …}`` (ratio = terraform / driftmgr: above 1 means driftmgr is faster), and
last one JSON line with every ratio. Without terraform or the provider mirror it prints
``{"skipped": …, "ratio_skipped": 1.0}`` and exits 0.

Caveats: moto answers in milliseconds where AWS takes tens, and serves one request at a
time; terraform reads every attribute of every resource (an S3 bucket costs it ~15 calls)
while driftmgr lists by type, so the gap depends on the mix. driftmgr's time includes its
fixed cost (Python start-up, the store, ~1-2 s) which dominates at small N. One 2-core
machine, shared: compare ratios, not absolute seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from _moto import moto_server
from _smoke import parse_args

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "tests" / "data" / "terraform" / "generate.py"
REGION = "us-east-1"
#: ``--smoke``: three resources, one run each and no settling apply, to show the benchmark
#: still runs (each terraform command pays ~10 s of provider start-up on a 2-core machine).
SMOKE = {"sizes": [3], "repeat": 1, "settle": False}
#: Resource i of N has type CYCLE[i % len(CYCLE)]: every N gets a mix, small N the cheapest
#: types first. A dependent type comes after the one it depends on, so it never outnumbers it.
CYCLE = (
    "aws_vpc",
    "aws_sqs_queue",
    "aws_iam_role",
    "aws_sns_topic",
    "aws_cloudwatch_log_group",
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_subnet",
    "aws_security_group",
    "aws_dynamodb_table",
    "aws_iam_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_key",
)
COMMAND_TIMEOUT_S = 1800

PROVIDER = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  type = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {
    dynamodb = var.endpoint
    ec2      = var.endpoint
    iam      = var.endpoint
    kms      = var.endpoint
    logs     = var.endpoint
    s3       = var.endpoint
    sns      = var.endpoint
    sqs      = var.endpoint
    sts      = var.endpoint
  }
}
"""

TRUST = """jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })"""

BLOCKS = {
    "aws_vpc": """resource "aws_vpc" "v" {{
  count      = {n}
  cidr_block = "10.${{count.index}}.0.0/16"
  tags       = {{ Name = "bench-${{count.index}}", Team = "platform" }}
}}""",
    "aws_subnet": """resource "aws_subnet" "s" {{
  count      = {n}
  vpc_id     = aws_vpc.v[count.index % length(aws_vpc.v)].id
  cidr_block = cidrsubnet(aws_vpc.v[count.index % length(aws_vpc.v)].cidr_block, 8,
    floor(count.index / length(aws_vpc.v)))
  tags = {{ Name = "bench-${{count.index}}" }}
}}""",
    "aws_security_group": """resource "aws_security_group" "g" {{
  count       = {n}
  name        = "bench-${{count.index}}"
  description = "bench"
  vpc_id      = aws_vpc.v[count.index % length(aws_vpc.v)].id
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.v[count.index % length(aws_vpc.v)].cidr_block]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  tags = {{ Name = "bench-${{count.index}}" }}
}}""",
    "aws_s3_bucket": """resource "aws_s3_bucket" "b" {{
  count  = {n}
  bucket = "bench-bucket-${{count.index}}"
  tags   = {{ Purpose = "bench" }}
}}""",
    "aws_s3_bucket_versioning": """resource "aws_s3_bucket_versioning" "b" {{
  count  = {n}
  bucket = aws_s3_bucket.b[count.index].id
  versioning_configuration {{
    status = "Enabled"
  }}
}}""",
    "aws_iam_role": """resource "aws_iam_role" "r" {{
  count              = {n}
  name               = "bench-role-${{count.index}}"
  description        = "bench"
  assume_role_policy = {trust}
  tags               = {{ Team = "platform" }}
}}""",
    "aws_iam_policy": """resource "aws_iam_policy" "p" {{
  count = {n}
  name  = "bench-policy-${{count.index}}"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}]
  }})
}}""",
    "aws_iam_role_policy_attachment": """resource "aws_iam_role_policy_attachment" "a" {{
  count      = {n}
  role       = aws_iam_role.r[count.index].name
  policy_arn = aws_iam_policy.p[count.index].arn
}}""",
    "aws_sqs_queue": """resource "aws_sqs_queue" "q" {{
  count                      = {n}
  name                       = "bench-queue-${{count.index}}"
  visibility_timeout_seconds = 30
  tags                       = {{ Team = "platform" }}
}}""",
    "aws_sns_topic": """resource "aws_sns_topic" "t" {{
  count = {n}
  name  = "bench-topic-${{count.index}}"
  tags  = {{ Team = "platform" }}
}}""",
    "aws_dynamodb_table": """resource "aws_dynamodb_table" "d" {{
  count        = {n}
  name         = "bench-table-${{count.index}}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
  tags = {{ Team = "platform" }}
}}""",
    "aws_cloudwatch_log_group": """resource "aws_cloudwatch_log_group" "l" {{
  count             = {n}
  name              = "/bench/${{count.index}}"
  retention_in_days = 14
  tags              = {{ Team = "platform" }}
}}""",
    "aws_kms_key": """resource "aws_kms_key" "k" {{
  count       = {n}
  description = "bench ${{count.index}}"
  tags        = {{ Team = "platform" }}
}}""",
}


def counts(n: int) -> dict[str, int]:
    """How many resources of each type make up N."""
    found: dict[str, int] = {}
    for i in range(n):
        kind = CYCLE[i % len(CYCLE)]
        found[kind] = found.get(kind, 0) + 1
    return found


def configuration(n: int) -> str:
    blocks = [
        BLOCKS[kind].format(n=count, trust=TRUST) for kind, count in sorted(counts(n).items())
    ]
    return PROVIDER + "\n" + "\n\n".join(blocks) + "\n"


# --- tools ------------------------------------------------------------------------------


def load_generator() -> ModuleType:
    """tests/data/terraform/generate.py: the provider mirror, CLI config and clean env."""
    spec = importlib.util.spec_from_file_location("driftmgr_tf_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def driftmgr_command() -> list[str]:
    script = Path(sys.executable).with_name("driftmgr")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from driftmgr.cli import main; main()"]


def run(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )


def must(done: subprocess.CompletedProcess[str], ok: tuple[int, ...] = (0,)) -> str:
    if done.returncode not in ok:
        raise SystemExit(
            f"{' '.join(map(str, done.args))} exited {done.returncode}\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def aws_env(url: str, data_dir: Path) -> dict[str, str]:
    """The environment the tests give the CLI (tests/conftest.py ``aws``), plus a store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRIFTMGR_"))}
    env.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        DRIFTMGR_DATA_DIR=str(data_dir),
        DRIFTMGR_ACTOR="bench@vs-terraform",
    )
    return env


def client(url: str, service: str) -> Any:
    import boto3

    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


# --- one size -----------------------------------------------------------------------------


def attributes(state_path: Path) -> dict[str, dict[str, Any]]:
    """Managed instances' attributes by address."""
    state = json.loads(state_path.read_text())
    found: dict[str, dict[str, Any]] = {}
    for resource in state["resources"]:
        if resource["mode"] != "managed":
            continue
        for instance in resource["instances"]:
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            found[f"{resource['type']}.{resource['name']}{suffix}"] = instance["attributes"]
    return found


def drift_out_of_band(url: str, state_path: Path, n: int) -> list[str]:
    """A few changes behind Terraform's back; what was done, one line each."""
    attrs = attributes(state_path)
    done: list[str] = []
    if "aws_vpc.v[0]" in attrs:
        vpc = attrs["aws_vpc.v[0]"]["id"]
        client(url, "ec2").create_tags(
            Resources=[vpc], Tags=[{"Key": "Team", "Value": "someone-else"}]
        )
        done.append(f"retagged {vpc}")
    if "aws_sqs_queue.q[0]" in attrs:
        queue = attrs["aws_sqs_queue.q[0]"]["id"]
        client(url, "sqs").set_queue_attributes(
            QueueUrl=queue, Attributes={"VisibilityTimeout": "99"}
        )
        done.append("visibility timeout of bench-queue-0 30 -> 99")
    if "aws_iam_role.r[0]" in attrs:
        client(url, "iam").update_role(RoleName="bench-role-0", Description="changed by hand")
        done.append("description of bench-role-0")
    if "aws_cloudwatch_log_group.l[0]" in attrs:
        client(url, "logs").delete_log_group(logGroupName="/bench/0")
        done.append("deleted log group /bench/0")
    client(url, "sqs").create_queue(QueueName=f"unmanaged-{n}")
    done.append(f"created unmanaged queue unmanaged-{n}")
    return done


def time_terraform(project: Path, env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = run(
        ["terraform", "plan", "-refresh-only", "-input=false", "-no-color", "-json"],
        cwd=project,
        env=env,
    )
    seconds = time.perf_counter() - started
    stream = must(done)
    drifted = sum(
        1 for line in stream.splitlines() if json.loads(line).get("type") == "resource_drift"
    )
    return seconds, drifted


def time_driftmgr(project: Path, env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    command = [
        *driftmgr_command(),
        "drift",
        "detect",
        "--state",
        str(project / "terraform.tfstate"),
        "--provider",
        "aws",
        "--region",
        REGION,
        "-o",
        "json",
    ]
    started = time.perf_counter()
    done = run(command, cwd=project, env=env)
    seconds = time.perf_counter() - started
    report = json.loads(must(done, ok=(0, 2, 3)))
    summary: dict[str, Any] = report["summary"]
    return seconds, summary


def best_of(repeat: int, measure: Any) -> tuple[float, Any]:
    best, detail = float("inf"), None
    for _ in range(repeat):
        seconds, found = measure()
        if seconds < best:
            best, detail = seconds, found
    return best, detail


def measure_size(
    n: int, url: str, generator: ModuleType, scratch: Path, repeat: int, *, settle: bool
) -> dict[str, Any]:
    import httpx

    # A fresh cloud per size: names repeat across sizes, and driftmgr lists everything.
    httpx.post(f"{url}/moto-api/reset", timeout=60).raise_for_status()
    project = scratch / f"n{n}"
    project.mkdir()
    (project / "main.tf").write_text(configuration(n))
    cli_config = scratch / "terraformrc"
    cli_config.write_text(generator.CLI_CONFIG)
    tf_env: dict[str, str] = generator._terraform_env(cli_config, url)
    dm_env = aws_env(url, scratch / f"store-{n}")

    started = time.perf_counter()
    must(run(["terraform", "init", "-input=false", "-no-color"], cwd=project, env=tf_env))
    must(
        run(
            ["terraform", "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20"],
            cwd=project,
            env=tf_env,
        )
    )
    applied_s = time.perf_counter() - started
    if settle:
        # The state takes what the provider reads back right after creating (tags = {}), so
        # that only the out-of-band changes count as drift.
        must(
            run(
                [
                    "terraform",
                    "apply",
                    "-refresh-only",
                    "-auto-approve",
                    "-input=false",
                    "-no-color",
                ],
                cwd=project,
                env=tf_env,
            )
        )
    applied = len(attributes(project / "terraform.tfstate"))
    print(
        f"N={n}: applied {applied} resources {dict(sorted(counts(n).items()))} "
        f"in {applied_s:.0f} s"
        + (f", settled in {time.perf_counter() - started - applied_s:.0f} s" if settle else ""),
        flush=True,
    )

    result: dict[str, Any] = {"n": n, "applied": applied}
    for phase in ("in_sync", "drifted"):
        if phase == "drifted":
            changes = drift_out_of_band(url, project / "terraform.tfstate", n)
            print(f"N={n}: out-of-band changes: {'; '.join(changes)}", flush=True)
        tf_s, tf_drifted = best_of(repeat, lambda: time_terraform(project, tf_env))
        dm_s, dm_summary = best_of(repeat, lambda: time_driftmgr(project, dm_env))
        result[phase] = {
            "terraform_s": round(tf_s, 3),
            "driftmgr_s": round(dm_s, 3),
            "terraform_resource_drift": tf_drifted,
            "driftmgr_summary": {
                k: dm_summary.get(k)
                for k in ("total", "in_sync", "modified", "missing", "unmanaged")
            },
        }
        result[f"ratio_{phase}"] = round(tf_s / dm_s, 2)
        print(
            f"N={n} {phase}: terraform {tf_s:.2f} s ({tf_drifted} resource_drift), "
            f"driftmgr {dm_s:.2f} s {result[phase]['driftmgr_summary']}",
            flush=True,
        )
    result["terraform_s"] = result["in_sync"]["terraform_s"]
    result["driftmgr_s"] = result["in_sync"]["driftmgr_s"]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--settle",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="after the apply, `terraform apply -refresh-only` (untimed)",
    )
    args = parse_args(parser, SMOKE, argv)

    generator = load_generator()
    missing = generator.missing_tools()
    if missing is not None:
        print(f"skipped: {missing}")
        print(json.dumps({"skipped": missing, "ratio_skipped": 1.0}))
        return
    version = run(["terraform", "version", "-json"], cwd=ROOT, env=dict(os.environ))
    tf_version = json.loads(version.stdout).get("terraform_version", "?")
    print(
        f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
        f"terraform {tf_version}, hashicorp/aws 5.100.0 (mirror {generator.MIRROR}); "
        f"driftmgr: {' '.join(driftmgr_command())}; best of {args.repeat}",
        flush=True,
    )
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    results: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="driftmgr-vs-tf-") as tmp,
        moto_server() as url,
    ):
        scratch = Path(tmp)
        for n in args.sizes:
            result = measure_size(n, url, generator, scratch, args.repeat, settle=args.settle)
            results.append(result)
            print(json.dumps(result), flush=True)
            shutil.rmtree(scratch / f"n{n}" / ".terraform", ignore_errors=True)

    print(
        f"\n{'N':>5} {'phase':<8} {'terraform s':>12} {'driftmgr s':>11} {'tf/driftmgr':>12}"
        f" {'tf drift':>9} {'driftmgr modified/missing/unmanaged':>36}"
    )
    for r in results:
        for phase in ("in_sync", "drifted"):
            p = r[phase]
            s = p["driftmgr_summary"]
            print(
                f"{r['n']:>5} {phase:<8} {p['terraform_s']:>12.2f} {p['driftmgr_s']:>11.2f} "
                f"{r[f'ratio_{phase}']:>11.2f}x {p['terraform_resource_drift']:>9} "
                f"{s['modified']!s:>12}/{s['missing']!s}/{s['unmanaged']!s}"
            )
    print(
        "caveat: moto, one 2-core machine; driftmgr lists every registered type in the region "
        "(unmanaged detection), terraform reads each resource in the state"
    )
    print(
        json.dumps(
            {
                "sizes": [r["n"] for r in results],
                "ratios": {
                    str(r["n"]): {
                        "ratio_in_sync": r["ratio_in_sync"],
                        "ratio_drifted": r["ratio_drifted"],
                    }
                    for r in results
                },
                "seconds": {
                    str(r["n"]): {
                        "terraform_in_sync": r["in_sync"]["terraform_s"],
                        "driftmgr_in_sync": r["in_sync"]["driftmgr_s"],
                        "terraform_drifted": r["drifted"]["terraform_s"],
                        "driftmgr_drifted": r["drifted"]["driftmgr_s"],
                    }
                    for r in results
                },
            }
        )
    )


if __name__ == "__main__":
    main()
