"""`make demo`: find real drift in a (local) AWS account, end to end, in under a minute.

1. Start a moto server on loopback: our stand-in for an AWS account.
2. "terraform apply": create a VPC, a security group, two instances (count), two buckets
   (for_each) and an IAM role (in a module), and write the Terraform v4 state for them.
3. Check: `driftmgr drift detect` finds nothing (exit 0).
4. Change things behind Terraform's back: resize an instance, retag the VPC, open SSH to the
   world, delete a bucket, create a bucket nobody manages.
5. `driftmgr discover` lists the account; `driftmgr drift detect` reports the drift (exit 2).
6. With `--serve` (`make demo-web`): issue an admin token, start `driftmgr serve` on the
   demo's store and print the dashboard's address, to look at the findings in a browser;
   moto keeps running, so "Check drift again" works. Ctrl-C stops both.

The functions here are also used by the end-to-end tests (tests/e2e), so this page and the
tests describe the same world.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass
class World:
    """What "terraform apply" created."""

    vpc_id: str
    subnet_id: str
    security_group_id: str
    instance_ids: list[str]
    buckets: dict[str, str]
    role_name: str


def client(service: str) -> Any:
    # No endpoint argument: the SDK reads AWS_ENDPOINT_URL, as driftmgr does.
    return boto3.client(service, region_name=REGION)


def apply(suffix: str = "demo") -> World:
    """Create the resources a small Terraform configuration would."""
    ec2, s3, iam = client("ec2"), client("s3"), client("iam")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(
        Resources=[vpc_id],
        Tags=[{"Key": "Name", "Value": f"{suffix}-vpc"}, {"Key": "Owner", "Value": "platform"}],
    )
    subnet_id = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{REGION}a"
    )["Subnet"]["SubnetId"]
    sg_id = ec2.create_security_group(
        GroupName=f"{suffix}-web", Description="web servers", VpcId=vpc_id
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
            }
        ],
    )
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    reservation = ec2.run_instances(
        ImageId=image,
        InstanceType="t3.micro",
        MinCount=2,
        MaxCount=2,
        SubnetId=subnet_id,
        SecurityGroupIds=[sg_id],
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"{suffix}-app"}]}
        ],
    )
    instance_ids = sorted(i["InstanceId"] for i in reservation["Instances"])
    buckets = {key: f"{suffix}-{key}-{vpc_id[-8:]}" for key in ("logs", "assets")}
    for key, name in buckets.items():
        s3.create_bucket(Bucket=name)
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "Data", "Value": key}]})
    role_name = f"{suffix}-app-{vpc_id[-8:]}"
    iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
        Description="application role",
        Tags=[{"Key": "Team", "Value": "app"}],
    )
    return World(vpc_id, subnet_id, sg_id, instance_ids, buckets, role_name)


def _tags(tag_list: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tag_list or []}


def _resource(
    type_: str, name: str, instances: list[dict[str, Any]], module: str | None = None
) -> dict[str, Any]:
    resource = {
        "mode": "managed",
        "type": type_,
        "name": name,
        "provider": AWS,
        "instances": instances,
    }
    if module:
        resource["module"] = module
    return resource


def terraform_state(world: World, serial: int = 1) -> dict[str, Any]:
    """The v4 state terraform-provider-aws would write for `world`, read back from the API."""
    ec2, s3, iam = client("ec2"), client("s3"), client("iam")
    vpc = ec2.describe_vpcs(VpcIds=[world.vpc_id])["Vpcs"][0]
    subnet = ec2.describe_subnets(SubnetIds=[world.subnet_id])["Subnets"][0]
    group = ec2.describe_security_groups(GroupIds=[world.security_group_id])["SecurityGroups"][0]
    reservations = ec2.describe_instances(InstanceIds=world.instance_ids)["Reservations"]
    instances = sorted(
        (i for r in reservations for i in r["Instances"]), key=lambda i: i["InstanceId"]
    )
    rule = {
        "cidr_blocks": ["10.0.0.0/16"],
        "description": "",
        "from_port": 443,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": "tcp",
        "security_groups": [],
        "self": False,
        "to_port": 443,
    }
    egress = {
        "cidr_blocks": ["0.0.0.0/0"],
        "description": "",
        "from_port": 0,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": "-1",
        "security_groups": [],
        "self": False,
        "to_port": 0,
    }
    vpc_tags = _tags(vpc.get("Tags"))
    # A refresh drops what no longer exists; so does this read-back.
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    buckets = {key: name for key, name in world.buckets.items() if name in existing}
    resources = [
        _resource(
            "aws_vpc",
            "main",
            [
                {
                    "schema_version": 1,
                    "attributes": {
                        "id": vpc["VpcId"],
                        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc['VpcId']}",
                        "cidr_block": vpc["CidrBlock"],
                        "instance_tenancy": vpc["InstanceTenancy"],
                        "enable_dns_support": True,
                        "enable_dns_hostnames": False,
                        "dhcp_options_id": vpc.get("DhcpOptionsId", ""),
                        "owner_id": ACCOUNT,
                        "tags": vpc_tags,
                        "tags_all": vpc_tags,
                    },
                }
            ],
        ),
        _resource(
            "aws_subnet",
            "main",
            [
                {
                    "schema_version": 1,
                    "attributes": {
                        "id": subnet["SubnetId"],
                        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{subnet['SubnetId']}",
                        "vpc_id": world.vpc_id,
                        "cidr_block": subnet["CidrBlock"],
                        "availability_zone": subnet["AvailabilityZone"],
                        "map_public_ip_on_launch": False,
                        "tags": {},
                        "tags_all": {},
                    },
                    "dependencies": ["aws_vpc.main"],
                }
            ],
        ),
        _resource(
            "aws_security_group",
            "web",
            [
                {
                    "schema_version": 1,
                    "attributes": {
                        "id": group["GroupId"],
                        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{group['GroupId']}",
                        "name": group["GroupName"],
                        "description": group["Description"],
                        "vpc_id": world.vpc_id,
                        "owner_id": ACCOUNT,
                        "ingress": [rule],
                        "egress": [egress],
                        "revoke_rules_on_delete": False,
                        "tags": {},
                        "tags_all": {},
                    },
                    "dependencies": ["aws_vpc.main"],
                }
            ],
        ),
        _resource(
            "aws_instance",
            "app",
            [
                {
                    "index_key": n,
                    "schema_version": 1,
                    "attributes": {
                        "id": i["InstanceId"],
                        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{i['InstanceId']}",
                        "ami": i["ImageId"],
                        "instance_type": i["InstanceType"],
                        "availability_zone": i["Placement"]["AvailabilityZone"],
                        "subnet_id": i["SubnetId"],
                        "private_ip": i["PrivateIpAddress"],
                        "vpc_security_group_ids": [g["GroupId"] for g in i["SecurityGroups"]],
                        "security_groups": [],
                        "key_name": "",
                        "iam_instance_profile": "",
                        "monitoring": False,
                        "ebs_optimized": False,
                        "source_dest_check": True,
                        "instance_state": "running",
                        "tenancy": "default",
                        "user_data": None,
                        "tags": _tags(i.get("Tags")),
                        "tags_all": _tags(i.get("Tags")),
                    },
                    "dependencies": ["aws_security_group.web"],
                }
                for n, i in enumerate(instances)
            ],
        ),
        _resource(
            "aws_s3_bucket",
            "data",
            [
                {
                    "index_key": key,
                    "schema_version": 0,
                    "attributes": {
                        "id": name,
                        "bucket": name,
                        "arn": f"arn:aws:s3:::{name}",
                        "region": REGION,
                        "bucket_domain_name": f"{name}.s3.amazonaws.com",
                        "force_destroy": False,
                        "versioning": [{"enabled": False, "mfa_delete": False}],
                        "tags": _tags(s3.get_bucket_tagging(Bucket=name)["TagSet"]),
                        "tags_all": _tags(s3.get_bucket_tagging(Bucket=name)["TagSet"]),
                    },
                }
                for key, name in sorted(buckets.items())
            ],
        ),
    ]
    role = iam.get_role(RoleName=world.role_name)["Role"]
    resources.append(
        _resource(
            "aws_iam_role",
            "app",
            [
                {
                    "schema_version": 0,
                    "attributes": {
                        "id": role["RoleName"],
                        "name": role["RoleName"],
                        "arn": role["Arn"],
                        "unique_id": role["RoleId"],
                        "path": role["Path"],
                        "description": role.get("Description", ""),
                        "max_session_duration": role.get("MaxSessionDuration", 3600),
                        "assume_role_policy": json.dumps(
                            TRUST_POLICY, separators=(",", ":"), sort_keys=True
                        ),
                        "permissions_boundary": "",
                        "force_detach_policies": False,
                        "tags": _tags(role.get("Tags")),
                        "tags_all": _tags(role.get("Tags")),
                    },
                }
            ],
            module="module.iam",
        )
    )
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": serial,
        "lineage": "4f3b4bde-7a7e-4a31-9a55-3c1ad2f1de80",
        "outputs": {},
        "resources": resources,
        "check_results": None,
    }


def drift_out_of_band(world: World) -> dict[str, set[str]]:
    """Change the account behind Terraform's back; return what a correct report must say."""
    ec2, s3 = client("ec2"), client("s3")
    resized = world.instance_ids[0]
    ec2.stop_instances(InstanceIds=[resized])
    ec2.modify_instance_attribute(InstanceId=resized, InstanceType={"Value": "t3.large"})
    ec2.start_instances(InstanceIds=[resized])
    ec2.create_tags(Resources=[world.vpc_id], Tags=[{"Key": "Owner", "Value": "someone-else"}])
    ec2.authorize_security_group_ingress(
        GroupId=world.security_group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    s3.delete_bucket(Bucket=world.buckets["assets"])
    shadow = f"shadow-it-{world.vpc_id[-8:]}"
    s3.create_bucket(Bucket=shadow)
    return {
        "modified": {"aws_instance.app[0]", "aws_vpc.main", "aws_security_group.web"},
        "missing": {'aws_s3_bucket.data["assets"]'},
        "unmanaged": {shadow},
    }


def _driftmgr(*args: str, env: dict[str, str]) -> int:
    """Run the driftmgr CLI like a user would, and show what it prints."""
    command = [str(Path(sys.executable).with_name("driftmgr")), *args]
    print(f"\n$ driftmgr {' '.join(args)}", flush=True)
    return subprocess.run(command, env=env, check=False).returncode


def serve_dashboard(env: dict[str, str]) -> int:
    """Issue a token, start `driftmgr serve` on the demo's store, print where to look, and
    wait until Ctrl-C (or SIGTERM)."""
    import signal

    driftmgr = str(Path(sys.executable).with_name("driftmgr"))
    issued = subprocess.run(
        [driftmgr, "token", "create", "--name", "demo-dashboard", "--role", "admin", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    token = json.loads(issued.stdout)["token"]
    port = env.get("DRIFTMGR_DEMO_PORT", "8000")
    server = subprocess.Popen(
        [driftmgr, "serve", "--port", port], env=env, stderr=subprocess.PIPE, text=True
    )
    assert server.stderr is not None
    line = server.stderr.readline()  # the server announces its address once it serves
    if "listening on " not in line:
        print(line + server.stderr.read(), file=sys.stderr)
        return 1
    url = line.split("listening on ", 1)[1].split()[0]
    print(
        f"\nThe dashboard: {url}/\nLog in with this admin token (the demo's own, on its "
        f"local store):\n  {token}\nCtrl-C stops the server and the moto account.",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda signum, frame: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=30)
        return 0


def main(argv: list[str] | None = None) -> int:
    import argparse
    import logging

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--serve",
        action="store_true",
        help="then serve the web dashboard on the demo's store (DRIFTMGR_DEMO_PORT, 8000)",
    )
    args = parser.parse_args(argv)

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines
    workdir = Path(".driftmgr/demo").resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "DRIFTMGR_DATA_DIR": str(workdir / "store"),
        "DRIFTMGR_ACTOR": "demo@driftmgr",
    }
    env.pop("DRIFTMGR_API_URL", None)
    env.pop("AWS_PROFILE", None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    try:
        print(f"moto (our stand-in AWS account) is listening on {env['AWS_ENDPOINT_URL']}")
        world = apply()
        state = workdir / "terraform.tfstate"
        state.write_text(json.dumps(terraform_state(world), indent=2))
        print(f"wrote {state} for {len(world.instance_ids) + len(world.buckets) + 4} resources")
        detect = ["drift", "detect", "--state", str(state), "--provider", "aws"]
        detect += ["--region", REGION]
        clean = _driftmgr(*detect, env=env)
        expected = drift_out_of_band(world)
        print(
            "\nchanged behind Terraform's back: "
            + "; ".join(f"{k}: {', '.join(sorted(v))}" for k, v in expected.items())
        )
        _driftmgr("discover", "--provider", "aws", "--region", REGION, env=env)
        drifted = _driftmgr(*detect, env=env)
        print(f"\nexit codes: before the changes {clean} (no drift), after {drifted} (drift found)")
        print(
            f"the event log and read models are in {workdir / 'store'}; e.g.\n"
            f"  DRIFTMGR_DATA_DIR={workdir / 'store'} .venv/bin/driftmgr drift report <run id> "
            "--output json"
        )
        if (clean, drifted) != (0, 2):
            return 1
        if args.serve:
            return serve_dashboard(env)
        print("to look at these findings in a browser: make demo-web")
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
