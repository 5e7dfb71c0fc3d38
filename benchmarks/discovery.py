"""AWS discovery against moto: the concurrent scan vs a one-call-at-a-time baseline.

Prints, measured in one run:

- the wall time of a full ``AwsProvider.scan`` of ~2,000 seeded resources across every type
  the adapter supports (``ENUMERATORS``, those this script knows how to seed) and 3 regions
  (``--regions``), (1) **sequential**: ``max_concurrency=1`` (one request in flight,
  scan-wide) and no rate limits; (2) **concurrent**: the default concurrency (32 scan-wide,
  8 per account/service/region lane) and no rate limits; their ratio is the concurrency gain;
- (3) **defaults**: the concurrent scan with the production rate limits on
  (``DEFAULT_RATE_LIMITS``), i.e. what the limits cost against an endpoint that never
  throttles: a lower bound set by the busiest lane's calls / its requests per second;
- calls and attempts per scan (``AwsProvider.last_stats``), and whether every run produced
  byte-identical inventories (the discovery job stores them content-addressed).

Method: moto runs as ``ThreadedMotoServer`` in this process (``--server subprocess`` runs
``moto.server`` in a child process instead, so client and server stop sharing a GIL); it is
seeded once with boto3, untimed. Each contender then scans the same world; one untimed
warm-up scan first loads botocore's models; contenders alternate, best of ``--repeat``.

Caveats:

- moto is one Python process (and, in-process, shares this process's GIL): it renders XML
  and JSON far slower than AWS and cannot serve requests in parallel, so the concurrency
  gain measured here is a floor. research-providers.md measured ~1.5x for ``gather`` against
  moto; on real AWS latency is network-bound (tens of ms per call) and the gain approaches
  the lane concurrency until the rate limits bind.
- The "defaults" time is not what AWS would take: real AWS adds latency but the same rate
  limits; read it as "at least calls / rate for the busiest lane".
- One machine, one run: compare the ratios, not the absolute numbers.
- ``--latency 0.02`` puts a loopback proxy that holds every request 20 ms (an in-region
  AWS API round trip is of that order) between the SDK and moto: the gain measured then is
  what concurrency buys against a network-bound endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

from _moto import moto_server
from _smoke import parse_args

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
#: Share of ``--resources`` per type; regional types are split evenly over the regions scanned.
MIX = {
    "aws_instance": 0.30,
    "aws_vpc": 0.075,
    "aws_security_group": 0.225,
    "aws_s3_bucket": 0.225,
    "aws_iam_role": 0.175,
}
UNLIMITED = dict.fromkeys(("ec2", "s3", "iam", "sts", "route53", "lambda", "logs"), math.inf)
#: ``--smoke``: the same contenders and scans (every registered type) on a handful of
#: resources in one region, to show the benchmark still runs; the numbers mean nothing.
SMOKE = {"resources": 10, "repeat": 1, "regions": 1}


# --- moto ----------------------------------------------------------------------------------


@contextmanager
def moto(mode: str) -> Iterator[str]:
    if mode == "subprocess":
        with moto_server() as url:
            yield url
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def client(url: str, service: str, region: str = REGIONS[0]) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=url,
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=16),
    )


def seed(url: str, types: list[str], total: int, regions: tuple[str, ...]) -> dict[str, int]:
    """Create ``total`` resources over ``types`` and ``regions``; return how many of each."""
    counts = {t: max(1, round(total * MIX[t])) for t in types}
    jobs: list[Callable[[], object]] = []
    for region in regions:
        ec2, s3 = client(url, "ec2", region), client(url, "s3", region)
        per_region = {t: counts[t] // len(regions) for t in types if t != "aws_iam_role"}
        if "aws_instance" in per_region:
            image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
            remaining = per_region["aws_instance"]
            while remaining:
                batch = min(remaining, 250)
                remaining -= batch
                jobs.append(partial(run_instances, ec2, image, batch))
        vpcs = [
            ec2.create_vpc(CidrBlock=f"10.{n % 250}.0.0/16")["Vpc"]["VpcId"]
            for n in range(max(per_region.get("aws_vpc", 0), 1))
        ]
        for n in range(per_region.get("aws_security_group", 0)):
            jobs.append(
                partial(
                    ec2.create_security_group,
                    GroupName=f"bench-{n}",
                    Description="bench",
                    VpcId=vpcs[n % len(vpcs)],
                )
            )
        for n in range(per_region.get("aws_s3_bucket", 0)):
            jobs.append(partial(bucket, s3, f"bench-{region}-{n}", region))
    iam = client(url, "iam")
    for n in range(counts.get("aws_iam_role", 0)):
        jobs.append(
            partial(
                iam.create_role,
                RoleName=f"bench-{n:04d}",
                AssumeRolePolicyDocument=TRUST,
                Tags=[{"Key": "team", "Value": str(n % 7)}],
            )
        )
    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    return {
        t: (c if t == "aws_iam_role" else c // len(regions) * len(regions))
        for t, c in counts.items()
    }


def run_instances(ec2: Any, image: str, count: int) -> None:
    ec2.run_instances(
        ImageId=image,
        MinCount=count,
        MaxCount=count,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "bench"}]}
        ],
    )


def bucket(s3: Any, name: str, region: str) -> None:
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": location} if location else {}))
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})


# --- the scans -----------------------------------------------------------------------------


def contenders() -> dict[str, Callable[[], Any]]:
    from driftmgr.adapters.providers.aws import AwsProvider

    return {
        "sequential": lambda: AwsProvider(max_concurrency=1, rate_limits=UNLIMITED),
        "concurrent": lambda: AwsProvider(rate_limits=UNLIMITED),
        "defaults": lambda: AwsProvider(),
    }


def timed_scan(
    provider: Any, types: list[str], regions: tuple[str, ...]
) -> tuple[float, Any, bytes]:
    import msgspec

    started = time.perf_counter()
    outcomes = asyncio.run(provider.scan(regions, types))
    seconds = time.perf_counter() - started
    failed = [(o.type, o.region, o.unobserved_reason) for o in outcomes if not o.observed]
    if failed:
        raise SystemExit(f"a listing failed, the measurement is void: {failed}")
    inventory = msgspec.json.encode([(o.type, o.region, o.resources) for o in outcomes])
    return seconds, outcomes, inventory


@contextmanager
def _network(url: str, latency: float) -> Iterator[str]:
    """``url`` itself, or a proxy to it that adds ``latency`` to every request."""
    if not latency:
        yield url
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.support.fault_proxy import FaultProxy

    with FaultProxy(url, latency=latency) as proxy:
        yield proxy.url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--regions",
        type=int,
        choices=range(1, len(REGIONS) + 1),
        default=len(REGIONS),
        metavar="N",
        help=f"scan the first N of {', '.join(REGIONS)} (default: all)",
    )
    parser.add_argument("--server", choices=["thread", "subprocess"], default="thread")
    parser.add_argument(
        "--skip-defaults", action="store_true", help="leave out the rate-limited run"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="add this round trip to every request (a loopback proxy), as a network would",
    )
    args = parse_args(parser, SMOKE, argv)
    regions = REGIONS[: args.regions]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from driftmgr.adapters.providers.aws import ENUMERATORS
    from driftmgr.adapters.providers.aws.resilience import (
        DEFAULT_MAX_CONCURRENCY,
        DEFAULT_RATE_LIMITS,
        DEFAULT_SERVICE_CONCURRENCY,
    )

    types = sorted(t for t in ENUMERATORS if t in MIX)
    skipped = sorted(set(ENUMERATORS) - set(MIX))
    print(
        f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
        f"moto {version('moto')} ({args.server}, +{args.latency * 1000:.0f} ms a request), "
        f"aiobotocore {version('aiobotocore')}, "
        f"botocore {version('botocore')}, aiolimiter {version('aiolimiter')}, "
        f"stamina {version('stamina')}"
    )
    print(
        f"defaults: max_concurrency={DEFAULT_MAX_CONCURRENCY}, "
        f"{DEFAULT_SERVICE_CONCURRENCY} per lane, rate limits {dict(DEFAULT_RATE_LIMITS)} "
        "(others 20/s)"
    )
    if skipped:
        print(f"registered types this script cannot seed (listed empty): {skipped}")
    with moto(args.server) as moto_url, _network(moto_url, args.latency) as url:
        os.environ.update(
            AWS_ENDPOINT_URL=url,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION=regions[0],
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        started = time.perf_counter()
        seeded = seed(url, types, args.resources, regions)
        print(
            f"seeded {sum(seeded.values()):,} resources in {time.perf_counter() - started:.1f} s "
            f"over {len(regions)} regions: {seeded} (plus moto's default VPC and security "
            "group per region)"
        )
        all_types = sorted(ENUMERATORS)
        _, warm, reference = timed_scan(contenders()["concurrent"](), all_types, regions)
        listed = sum(len(o.resources) for o in warm)
        print(f"warm-up scan: {len(warm)} (type, region) listings, {listed:,} resources")

        names = [n for n in contenders() if not (args.skip_defaults and n == "defaults")]
        best: dict[str, float] = {}
        stats: dict[str, Any] = {}
        identical = True
        for _ in range(args.repeat):
            for name in names:
                provider = contenders()[name]()
                seconds, _, inventory = timed_scan(provider, all_types, regions)
                identical &= inventory == reference
                best[name] = min(best.get(name, math.inf), seconds)
                stats[name] = provider.last_stats

    print(f"\n{'scan':<12} {'best s':>8} {'calls':>7} {'attempts':>9} {'calls/s':>8}")
    for name in names:
        s = stats[name]
        print(
            f"{name:<12} {best[name]:>8.2f} {s.calls:>7} {s.attempts:>9} "
            f"{s.calls / best[name]:>8.0f}"
        )
    ratio = best["sequential"] / best["concurrent"]
    print(f"\nsequential / concurrent = {ratio:.2f}x (best of {args.repeat})")
    print(f"every scan's inventory byte-identical to the warm-up's: {identical}")
    print(
        "caveat: moto is one GIL-bound process"
        + (" sharing this process's GIL" if args.server == "thread" else "")
        + (
            f", behind {args.latency * 1000:.0f} ms of modelled network"
            if args.latency
            else "; the gain against real AWS (network-bound latency) is larger"
        )
        + ", until rate limits bind"
    )
    print(
        json.dumps(
            {
                "server": args.server,
                "resources": sum(seeded.values()),
                "regions": list(regions),
                "best_seconds": {n: round(best[n], 3) for n in names},
                "ratio_sequential_over_concurrent": round(ratio, 2),
                "identical_inventories": identical,
            }
        )
    )


if __name__ == "__main__":
    main()
