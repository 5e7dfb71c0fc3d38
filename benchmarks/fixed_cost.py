"""The fixed cost of one drift check: ``driftmgr drift detect`` on a one-bucket state.

What it measures, against a moto server it starts (a child process, on a free port) holding
one S3 bucket, with a Terraform state naming just that bucket:

- **python**: ``python -c pass``, the interpreter's own start-up, as the yardstick;
- **import**: ``python -c "import driftmgr.cli"``, what every command pays before parsing;
- **detect**: ``driftmgr drift detect --state one.tfstate --provider aws --region us-east-1
  -o json``, the installed CLI as a user runs it, in-process on an existing embedded store
  (one untimed warm-up run creates it and its key). Unmanaged detection is not narrowed:
  every registered type is listed in the region. Best of ``--repeat``; a loopback proxy in
  front of moto timestamps the AWS requests, which splits the wall time into
  *before the first AWS call* (start-up, imports, store, app, state parse, the access
  probe), *AWS calls* (first to last request: the listings, and what runs between them) and
  *after the last call* (comparison, report, shutting the store down);
  and the process's CPU time (user + system, best of the runs), steadier than wall time
  when the machine is shared;
- **imports**: one more detect run under ``python -X importtime``: the sum of every
  module's own import time (importtime's bookkeeping inflates it a little), and that of
  the heaviest packages' modules.

Prints a table and one JSON line; ``ratio_detect_over_python`` is the fixed cost in units
of a bare interpreter start, ``ratio_imports_of_detect`` the share of it spent importing.
Caveats: one shared 2-core machine (±20% run to run); moto answers in milliseconds, so the
AWS window here is the client's own cost (SDK clients, request signing, parsing), not
network latency.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _moto import moto_server
from _smoke import parse_args

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
BUCKET = "fixed-cost-one"
#: ``--smoke``: one timed run of each, to show the benchmark still runs.
SMOKE = {"repeat": 1}
#: Packages whose modules' import time is shown on its own.
HEAVY = (
    "driftmgr",
    "litestar",
    "sqlalchemy",
    "eventsourcing",
    "psycopg",
    "aioboto3",
    "aiobotocore",
    "aiohttp",
    "boto3",
    "botocore",
    "httpx",
    "msgspec",
    "cryptography",
)


def request_clock(upstream: str) -> Any:
    """A pass-through proxy (tests/support/fault_proxy.py) that timestamps every request."""
    sys.path.insert(0, str(ROOT))
    from tests.support.fault_proxy import FaultKind, FaultProxy

    class Clock(FaultProxy):
        def __init__(self) -> None:
            super().__init__(upstream)
            self.times: list[float] = []
            self._times_lock = threading.Lock()

        def _decide(
            self, service: str, region: str, operation: str, body: bytes
        ) -> FaultKind | None:
            with self._times_lock:
                self.times.append(time.perf_counter())
            return None

        def reset(self) -> None:
            with self._times_lock:
                self.times.clear()

    return Clock()


def one_bucket_state(path: Path) -> None:
    attributes = {"id": BUCKET, "bucket": BUCKET, "region": REGION, "tags": {}, "tags_all": {}}
    state = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "6f1c0ad2-1b7e-4d43-9a55-9e0f3a1c2b01",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "one",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [{"schema_version": 0, "attributes": attributes}],
            }
        ],
    }
    path.write_text(json.dumps(state))


def driftmgr_command() -> list[str]:
    script = Path(sys.executable).with_name("driftmgr")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from driftmgr.cli import main; main()"]


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str, str]:
    global last_cpu
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    last_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 2, 3):
        raise SystemExit(f"{command} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout, done.stderr


#: CPU seconds (user + system) of the last command :func:`timed` ran: steadier than wall
#: time on a loaded machine.
last_cpu = 0.0


def import_times(stderr: str) -> tuple[float, dict[str, float]]:
    """Sum of self times, and the self times of each heavy package's modules, from
    ``-X importtime``."""
    pattern = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)$")
    total_us = 0
    packages: dict[str, float] = {}
    for line in stderr.splitlines():
        match = pattern.match(line)
        if match is None:
            continue
        self_us, _, name = match.groups()
        total_us += int(self_us)
        top = name.split(".")[0]
        if top in HEAVY:
            packages[top] = packages.get(top, 0.0) + int(self_us) / 1e6
    return total_us / 1e6, packages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parse_args(parser, SMOKE, argv)
    print(
        f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
        f"driftmgr: {' '.join(driftmgr_command())}; best of {args.repeat}",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="driftmgr-fixed-cost-") as tmp,
        moto_server() as moto_url,
    ):
        work = Path(tmp)
        clock = request_clock(moto_url).start()
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRIFTMGR_"))}
            env.update(
                AWS_ENDPOINT_URL=clock.url,
                AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing",
                AWS_DEFAULT_REGION=REGION,
                AWS_CONFIG_FILE=os.devnull,
                AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                AWS_EC2_METADATA_DISABLED="true",
                DRIFTMGR_DATA_DIR=str(work / "store"),
                DRIFTMGR_ACTOR="bench@fixed-cost",
            )
            import boto3

            boto3.client(
                "s3",
                region_name=REGION,
                endpoint_url=moto_url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            ).create_bucket(Bucket=BUCKET)
            state = work / "one.tfstate"
            one_bucket_state(state)
            detect = [
                *driftmgr_command(),
                "drift",
                "detect",
                "--state",
                str(state),
                "--provider",
                "aws",
                "--region",
                REGION,
                "-o",
                "json",
            ]
            _, out, _ = timed(detect, env, work)  # warm-up: creates the store and its key
            summary = json.loads(out)["summary"]
            if summary["in_sync"] != 1:
                raise SystemExit(f"the bucket is not in sync: {summary}")

            python_s = min(
                timed([sys.executable, "-c", "pass"], env, work)[0] for _ in range(args.repeat)
            )
            import_s = min(
                timed([sys.executable, "-c", "import driftmgr.cli"], env, work)[0]
                for _ in range(args.repeat)
            )
            best: dict[str, float] = {}
            best_cpu = float("inf")
            for _ in range(args.repeat):
                clock.reset()
                started = time.perf_counter()
                total, _, _ = timed(detect, env, work)
                if not clock.times:
                    raise SystemExit("the CLI made no AWS request")
                best_cpu = min(best_cpu, last_cpu)
                if total < best.get("total", float("inf")):
                    best = {
                        "total": total,
                        "before_first_call": clock.times[0] - started,
                        "aws_calls": clock.times[-1] - clock.times[0],
                        "after_last_call": started + total - clock.times[-1],
                        "requests": float(len(clock.times)),
                    }
            profiled = [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                "from driftmgr.cli import main; main()",
            ]
            _, _, stderr = timed(
                [*profiled, *detect[len(driftmgr_command()) :]],
                env,
                work,
            )
            imports_s, packages = import_times(stderr)
        finally:
            clock.stop()

    print(f"\n{'what':<44} {'seconds':>8}")
    rows = [
        ("python -c pass", python_s),
        ("python -c 'import driftmgr.cli'", import_s),
        ("drift detect, one bucket: total", best["total"]),
        ("  CPU time of the process (user + system)", best_cpu),
        ("  before the first AWS call", best["before_first_call"]),
        (f"  AWS calls ({best['requests']:.0f} requests, first to last)", best["aws_calls"]),
        ("  after the last AWS call", best["after_last_call"]),
        ("imports during detect (-X importtime, self sum)", imports_s),
    ]
    rows += [
        (f"  {name}.* modules", s) for name, s in sorted(packages.items(), key=lambda p: -p[1])
    ]
    for name, seconds in rows:
        print(f"{name:<44} {seconds:>8.3f}")
    print("caveat: importtime's bookkeeping inflates import times; moto answers in milliseconds")
    print(
        json.dumps(
            {
                "python_s": round(python_s, 3),
                "import_cli_s": round(import_s, 3),
                "detect_s": round(best["total"], 3),
                "detect_cpu_s": round(best_cpu, 3),
                "before_first_call_s": round(best["before_first_call"], 3),
                "aws_calls_s": round(best["aws_calls"], 3),
                "after_last_call_s": round(best["after_last_call"], 3),
                "requests": int(best["requests"]),
                "imports_s": round(imports_s, 3),
                "imports_by_package_s": {k: round(v, 3) for k, v in sorted(packages.items())},
                "ratio_detect_over_python": round(best["total"] / python_s, 1),
                "ratio_imports_of_detect": round(imports_s / best["total"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
