"""Parse and import a large Terraform state: time, peak memory, and the ratio to json.loads.

What it measures, on one generated v4 state of ``--resources`` instances (default 50,000,
about 100 MB, shaped like terraform-provider-aws instances with nested blocks and tags):

- ``json.loads``: the standard library decoding the same bytes, as the yardstick;
- ``parse_state``: driftmgr's parser (msgspec decode + validation into StateResource values);
- ``import``: the whole ImportState command on a fresh embedded store — parse, analysis
  (counts and dependency graph), compressed blob writes and the events.

Method: each contender runs in a fresh Python process (so one's memory cannot help
another), ``--repeat`` times, keeping the best time; peak memory is that process's maximum
resident set size minus its size before the measured step. Caveats: one 2-core machine,
numbers vary run to run by ±10%; RSS includes allocator slack; the import also pays for
fsync of the SQLite event store.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _smoke import parse_args

ROOT = Path(__file__).resolve().parents[1]
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
#: ``--smoke``: the same contenders on a 1 MB state, to show the benchmark still runs; the
#: numbers mean little (json.loads still takes milliseconds, so the ratios stay finite).
SMOKE = {"resources": 500, "repeat": 1}


def generate(path: Path, resources: int) -> int:
    """Write a v4 state with ``resources`` instances spread over count, for_each and modules."""
    per_resource = 50
    blocks = []
    for group in range(resources // per_resource):
        module = f'module.svc["s{group % 40}"]' if group % 3 else None
        instances = []
        for n in range(per_resource):
            ident = f"i-{group:05x}{n:08x}"
            instances.append(
                {
                    "index_key": n,
                    "schema_version": 1,
                    "attributes": {
                        "id": ident,
                        "arn": f"arn:aws:ec2:us-east-1:123456789012:instance/{ident}",
                        "ami": "ami-0c55b159cbfafe1f0",
                        "instance_type": "t3.micro",
                        "availability_zone": "us-east-1a",
                        "subnet_id": f"subnet-{group:08x}",
                        "vpc_security_group_ids": [f"sg-{group:08x}", "sg-0000default"],
                        "private_ip": f"10.{group % 250}.{n}.{group % 200}",
                        "private_dns": f"ip-10-0-{n}-{group % 200}.ec2.internal",
                        "public_ip": "",
                        "key_name": "",
                        "monitoring": False,
                        "ebs_optimized": False,
                        "source_dest_check": True,
                        "iam_instance_profile": "",
                        "instance_state": "running",
                        "tenancy": "default",
                        "user_data": "2f2b0e8c1d1b7a1f6f5e6f1c0a0b8b0c6d7e8f90",
                        "root_block_device": [
                            {
                                "delete_on_termination": True,
                                "device_name": "/dev/xvda",
                                "encrypted": True,
                                "iops": 3000,
                                "kms_key_id": "",
                                "throughput": 125,
                                "volume_id": f"vol-{group:05x}{n:08x}",
                                "volume_size": 20,
                                "volume_type": "gp3",
                                "tags": {},
                            }
                        ],
                        "metadata_options": [
                            {
                                "http_endpoint": "enabled",
                                "http_tokens": "required",
                                "http_put_response_hop_limit": 1,
                                "instance_metadata_tags": "disabled",
                            }
                        ],
                        "tags": {"Name": f"svc-{group}-{n}", "Team": "platform", "Env": "prod"},
                        "tags_all": {
                            "Name": f"svc-{group}-{n}",
                            "Team": "platform",
                            "Env": "prod",
                            "ManagedBy": "terraform",
                        },
                        "password": f"not-really-{n}",
                        "cpu_options": [
                            {"amd_sev_snp": "", "core_count": 1, "threads_per_core": 2}
                        ],
                        "credit_specification": [{"cpu_credits": "unlimited"}],
                        "capacity_reservation_specification": [
                            {
                                "capacity_reservation_preference": "open",
                                "capacity_reservation_target": [],
                            }
                        ],
                        "maintenance_options": [{"auto_recovery": "default"}],
                        "private_dns_name_options": [
                            {
                                "enable_resource_name_dns_a_record": False,
                                "enable_resource_name_dns_aaaa_record": False,
                                "hostname_type": "ip-name",
                            }
                        ],
                        "enclave_options": [{"enabled": False}],
                        "primary_network_interface_id": f"eni-{group:05x}{n:08x}",
                        "placement_group": "",
                        "placement_partition_number": 0,
                        "host_id": "",
                        "host_resource_group_arn": None,
                        "hibernation": False,
                        "get_password_data": False,
                        "disable_api_stop": False,
                        "disable_api_termination": False,
                        "instance_initiated_shutdown_behavior": "stop",
                        "outpost_arn": "",
                        "password_data": "",
                        "secondary_private_ips": [],
                        "security_groups": [],
                        "ipv6_address_count": 0,
                        "ipv6_addresses": [],
                        "associate_public_ip_address": False,
                    },
                    "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]],
                    "dependencies": [f"aws_subnet.g{group}", "aws_security_group.shared"],
                }
            )
        block: dict[str, Any] = {
            "mode": "managed",
            "type": "aws_instance",
            "name": f"g{group}",
            "provider": AWS,
            "instances": instances,
        }
        if module:
            block["module"] = module
        blocks.append(block)
    document = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 42,
        "lineage": "2f1c9c1a-bench-4d6b-9d41-000000000000",
        "outputs": {},
        "resources": blocks,
        "check_results": None,
    }
    data = json.dumps(document).encode()
    path.write_bytes(data)
    return len(data)


def _rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(contender: str, state: Path) -> dict[str, float]:
    """Measure one contender in this (fresh) process."""
    data = state.read_bytes()
    if contender == "json.loads":
        before = _rss_mb()
        started = time.perf_counter()
        json.loads(data)
    elif contender == "parse_state":
        from driftmgr.adapters.terraform.state import parse_state

        before = _rss_mb()
        started = time.perf_counter()
        parse_state(data)
    else:
        from driftmgr.bootstrap import bootstrap
        from driftmgr.commands.state import ImportState, import_state
        from driftmgr.domain.base import Cause
        from driftmgr.settings import Settings

        with tempfile.TemporaryDirectory() as store:
            services = bootstrap(Settings(data_dir=Path(store)), providers={})
            text = data.decode()
            before = _rss_mb()
            started = time.perf_counter()
            import_state(
                services.backend,
                ImportState(source=f"tfstate://{state}", content=text),
                Cause(actor="bench"),
            )
            seconds = time.perf_counter() - started
            services.close()
            return {"seconds": seconds, "peak_mb": _rss_mb() - before}
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": _rss_mb() - before}


def measure(contender: str, state: Path, repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--child", contender, str(state)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        runs.append(json.loads(out.stdout))
    best = min(runs, key=lambda r: r["seconds"])
    return {
        "best_seconds": round(best["seconds"], 3),
        "peak_mb": round(max(r["peak_mb"] for r in runs), 1),
        "runs_seconds": [round(r["seconds"], 3) for r in runs],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parse_args(parser, SMOKE, argv)
    if args.child:
        print(json.dumps(run_one(args.child[0], Path(args.child[1]))))
        return

    import msgspec

    print(
        f"python   {platform.python_implementation()} {platform.python_version()} "
        f"on {platform.platform()}"
    )
    print(f"machine  {os.cpu_count()} cores; msgspec {msgspec.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "big.tfstate"
        size = generate(state, args.resources)
        print(
            f"state    {args.resources:,} instances, {size / 1e6:.1f} MB; best of "
            f"{args.repeat}, each run in a fresh process\n"
        )
        results = {
            c: measure(c, state, args.repeat) for c in ("json.loads", "parse_state", "import")
        }
    print(f"{'contender':<12} {'best s':>8} {'MB/s':>8} {'peak MB':>9}   runs (s)")
    for name, r in results.items():
        rate = size / 1e6 / r["best_seconds"]
        print(
            f"{name:<12} {r['best_seconds']:>8.3f} {rate:>8.1f} {r['peak_mb']:>9.1f}   "
            + " ".join(f"{s:.3f}" for s in r["runs_seconds"])
        )
    parse = results["parse_state"]["best_seconds"] / results["json.loads"]["best_seconds"]
    whole = results["import"]["best_seconds"] / results["json.loads"]["best_seconds"]
    print(f"\nparse_state / json.loads = {parse:.2f}x time; import / json.loads = {whole:.2f}x")
    print(
        json.dumps(
            {
                "resources": args.resources,
                "bytes": size,
                "results": results,
                "ratios": {
                    "parse_over_json_loads": round(parse, 3),
                    "import_over_json_loads": round(whole, 3),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
