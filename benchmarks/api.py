"""HTTP API latency and throughput: ``driftmgr serve`` beside a hello-world floor.

What it measures, on one ``driftmgr serve --port 0`` (the installed CLI, a child process
on a temporary embedded store holding two imported states and an admin token):

- four **queries**: ``GET /healthz`` (public), ``GET /api/v1/providers``,
  ``GET /api/v1/states`` and ``GET /api/v1/audit/events?limit=20`` (bearer token);
- one **command**: ``POST /api/v1/states`` importing a one-bucket state, each request a new
  serial of its client's own source, so that every one appends events; at most 8
  concurrent clients, as the server refuses more imports at once (503);
- the **floor**: ``GET /`` of a litestar hello-world app (JSON, no guard) served by uvicorn
  with the settings ``serve`` gives it (defaults, log level warning), in a second child
  process. It binds the way uvicorn does by default (``host``/``port``), so its connections
  have TCP_NODELAY however ``serve`` makes its socket: a floor, before and after a fix.

Each route is timed three ways: a **fresh** connection per request (connect, request,
response, close), one **kept-alive** connection, and ``--clients`` concurrent kept-alive
connections; p50 and p99 of the per-request latency, and requests per second (requests
over wall time). The client is a minimal asyncio HTTP/1.1 client in this process (one
write per request, Content-Length bodies only), cheap enough that the server, not the
client, is what is measured.

Prints a table and one JSON line: ``ratio_get_p50_kept_alive_over_fresh`` per query (the
issue 13 symptom: ~44 ms kept-alive against ~2.6 ms fresh made it ~17) and
``ratio_rps_of_floor`` per route and concurrency (goal: >= 0.5), and whether the goals of
issue 13 hold (GET p50 <= 2 ms kept-alive; >= 50 % of the floor's requests/s).
Caveats: one shared 2-core machine, the client and both servers on it (±20 % run to run);
loopback, so no network latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _smoke import parse_args

ROOT = Path(__file__).resolve().parents[1]
STATES = ROOT / "tests" / "data" / "terraform" / "states"
#: ``--smoke``: a few requests of each kind, to show the benchmark still runs.
SMOKE = {"requests": 32, "command_requests": 16, "warmup": 2}
QUERIES = {
    "healthz": "/healthz",
    "providers": "/api/v1/providers",
    "states": "/api/v1/states",
    "audit": "/api/v1/audit/events?limit=20",
}
MODES = ("fresh", "kept-alive", "concurrent")
#: Imports one server runs at once (``BLOCKING_SLOTS`` in driftmgr/http/limits.py): more
#: are refused with 503, so the command has at most this many concurrent clients.
COMMAND_CLIENTS = 8
#: The goals of issue 13, item 7.
GOAL_GET_P50_MS = 2.0
GOAL_RPS_OF_FLOOR = 0.5

#: Makes the request bytes of a client's ``i``-th request (client 0 when sequential).
MakeRequest = Callable[[int, int], bytes]


class ServerError(Exception):
    pass


class Connection:
    """One HTTP/1.1 connection: a request in one write, a Content-Length response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, address: tuple[str, int]) -> Connection:
        return cls(*await asyncio.open_connection(*address))

    async def exchange(self, request: bytes) -> bytes:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        for line in head.lower().split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise ServerError(f"unsupported transfer-encoding: {value.strip()!r}")
        body = await self.reader.readexactly(length or 0)
        if status >= 300:
            raise ServerError(f"HTTP {status}: {body[:500]!r}")
        return body

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def http_request(
    method: str, path: str, address: tuple[str, int], token: str | None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {address[0]}:{address[1]}", "Accept: */*"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    if method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass(frozen=True)
class Timing:
    latencies: list[float]
    seconds: float

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds


async def timed_clients(
    address: tuple[str, int], make: MakeRequest, *, clients: int, requests: int, warmup: int
) -> Timing:
    """``requests`` requests spread over ``clients`` kept-alive connections, after
    ``warmup`` untimed ones on each."""
    connections = [await Connection.open(address) for _ in range(clients)]
    try:

        async def warm(k: int) -> None:
            for i in range(warmup):
                await connections[k].exchange(make(k, i))

        # All at once: a connection left idle for uvicorn's keep-alive timeout (5 s) closes.
        await asyncio.gather(*(warm(k) for k in range(clients)))
        latencies: list[float] = []

        async def client(k: int, count: int) -> None:
            for i in range(warmup, warmup + count):
                request = make(k, i)
                began = time.perf_counter()
                await connections[k].exchange(request)
                latencies.append(time.perf_counter() - began)

        counts = [requests // clients + (k < requests % clients) for k in range(clients)]
        began = time.perf_counter()
        await asyncio.gather(*(client(k, n) for k, n in enumerate(counts)))
        return Timing(latencies, time.perf_counter() - began)
    finally:
        for connection in connections:
            await connection.close()


async def timed_fresh(
    address: tuple[str, int], make: MakeRequest, *, requests: int, warmup: int
) -> Timing:
    """A new connection for each request, opened and closed inside the timing."""
    latencies: list[float] = []
    began = time.perf_counter()
    for i in range(warmup + requests):
        if i == warmup:
            latencies.clear()
            began = time.perf_counter()
        request = make(0, i)
        started = time.perf_counter()
        connection = await Connection.open(address)
        await connection.exchange(request)
        await connection.close()
        latencies.append(time.perf_counter() - started)
    return Timing(latencies, time.perf_counter() - began)


def measure(
    address: tuple[str, int], make: MakeRequest, *, requests: int, warmup: int, clients: int
) -> dict[str, Timing]:
    return {
        "fresh": asyncio.run(timed_fresh(address, make, requests=requests, warmup=warmup)),
        "kept-alive": asyncio.run(
            timed_clients(address, make, clients=1, requests=requests, warmup=warmup)
        ),
        "concurrent": asyncio.run(
            timed_clients(address, make, clients=clients, requests=requests, warmup=warmup)
        ),
    }


def one_bucket_state(source: int, serial: int) -> dict[str, Any]:
    bucket = f"bench-{source}"
    attributes = {"id": bucket, "bucket": bucket, "region": "us-east-1", "tags": {}}
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": serial,
        "lineage": f"6f1c0ad2-1b7e-4d43-9a55-{source:012d}",
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


def import_request(address: tuple[str, int], token: str) -> MakeRequest:
    """POST /api/v1/states: client ``k`` imports its own source, serial ``i + 1``."""
    # Fresh connections all run as client 0 one after another, so serials only grow.
    calls: dict[int, int] = {}

    def make(k: int, i: int) -> bytes:
        calls[k] = serial = calls.get(k, 0) + 1
        body = {
            "source": f"tfstate:///bench/client-{k}.tfstate",
            "content": json.dumps(one_bucket_state(k, serial)),
        }
        return http_request("POST", "/api/v1/states", address, token, json.dumps(body).encode())

    return make


def constant(request: bytes) -> MakeRequest:
    return lambda k, i: request


async def send(address: tuple[str, int], request: bytes) -> bytes:
    connection = await Connection.open(address)
    try:
        return await connection.exchange(request)
    finally:
        await connection.close()


def driftmgr_command() -> list[str]:
    script = Path(sys.executable).with_name("driftmgr")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from driftmgr.cli import main; main()"]


@contextmanager
def served(command: list[str], env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """A server child process that says "listening on http://HOST:PORT" first on stderr."""
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    try:
        line = process.stderr.readline()  # blocks until it announces itself, or exits
        if "listening on http://" not in line:
            raise SystemExit(f"{command} did not start: {line}{process.stderr.read()}")
        url = line.split("listening on http://", 1)[1].split()[0]
        # Drain the rest, so that a chatty server never blocks on a full pipe.
        threading.Thread(target=process.stderr.read, daemon=True).start()
        host, _, port = url.rpartition(":")
        yield host, int(port)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_floor() -> None:
    """The floor: litestar's hello world, served by uvicorn as ``serve`` configures it."""
    import uvicorn
    from litestar import Litestar, get

    @get("/", sync_to_thread=False)
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    class Announcing(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            print(f"floor listening on http://{host}:{port}", file=sys.stderr, flush=True)

    app = Litestar([hello], logging_config=None, debug=False)
    Announcing(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="timed, per query and way")
    parser.add_argument(
        "--command-requests", type=int, default=100, help="timed, of the command, per way"
    )
    parser.add_argument("--warmup", type=int, default=50, help="untimed, per connection")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    args = parse_args(parser, SMOKE, argv)
    if args.serve_floor:
        serve_floor()
        return
    print(
        f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
        f"{args.requests} requests per query and way ({args.command_requests} of the command), "
        f"{args.warmup} warm-up per connection, "
        f"{args.clients} concurrent clients",
        flush=True,
    )
    sized = {"requests": args.requests, "warmup": args.warmup, "clients": args.clients}
    with tempfile.TemporaryDirectory(prefix="driftmgr-api-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRIFTMGR_"))}
        env.update(DRIFTMGR_DATA_DIR=str(Path(tmp) / "store"), DRIFTMGR_ACTOR="bench@api")
        created = subprocess.run(
            [
                *driftmgr_command(),
                "token",
                "create",
                "--name",
                "bench",
                "--role",
                "admin",
                "-ojson",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        token = json.loads(created.stdout)["token"]
        floor_command = [sys.executable, str(Path(__file__).resolve()), "--serve-floor"]
        timings: dict[str, dict[str, Timing]] = {}
        with (
            served(floor_command, env) as floor,
            served([*driftmgr_command(), "serve", "--port", "0"], env) as api,
        ):
            for name in ("default", "staging"):  # something for the queries to list
                seed = {
                    "source": f"tfstate:///srv/{name}.tfstate",
                    "content": (STATES / f"{name}.tfstate").read_text(),
                }
                body = json.dumps(seed).encode()
                asyncio.run(send(api, http_request("POST", "/api/v1/states", api, token, body)))
            timings["floor"] = measure(
                floor, constant(http_request("GET", "/", floor, None)), **sized
            )
            for name, path in QUERIES.items():
                get = http_request("GET", path, api, token)
                timings[name] = measure(api, constant(get), **sized)
            # ~20 times slower than a query: fewer, and a short warm-up (16 clients' worth)
            sized.update(
                requests=args.command_requests,
                warmup=min(args.warmup, 3),
                clients=min(args.clients, COMMAND_CLIENTS),
            )
            timings["import"] = measure(api, import_request(api, token), **sized)
    report(timings, args.clients, command_clients=min(args.clients, COMMAND_CLIENTS))


def report(timings: dict[str, dict[str, Timing]], clients: int, *, command_clients: int) -> None:
    floor = timings["floor"]
    labels = {"floor": "GET / (floor: hello world)", "import": "POST /api/v1/states"}
    labels.update({name: f"GET {path}" for name, path in QUERIES.items()})
    ways = {"fresh": "fresh", "kept-alive": "kept-alive", "concurrent": f"{clients} clients"}
    print(f"\n{'route':<38} {'way':<11} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7} {'% floor':>7}")
    for name, by_mode in timings.items():
        for mode in MODES:
            t = by_mode[mode]
            if mode == "concurrent":
                ways[mode] = f"{command_clients if name == 'import' else clients} clients"
            share = 100 * t.rps / floor[mode].rps
            print(
                f"{labels[name]:<38} {ways[mode]:<11} {1000 * t.percentile(0.5):>7.2f} "
                f"{1000 * t.percentile(0.99):>7.2f} {t.rps:>7.0f} {share:>6.0f}%"
            )
    routes = [name for name in timings if name != "floor"]
    kept_p50 = {q: 1000 * timings[q]["kept-alive"].percentile(0.5) for q in QUERIES}
    of_floor = {
        mode: {r: timings[r][mode].rps / floor[mode].rps for r in routes}
        for mode in ("kept-alive", "concurrent")
    }
    over_fresh = {
        q: timings[q]["kept-alive"].percentile(0.5) / timings[q]["fresh"].percentile(0.5)
        for q in QUERIES
    }
    goals = {
        f"get_p50_kept_alive_le_{GOAL_GET_P50_MS:g}ms": max(kept_p50.values()) <= GOAL_GET_P50_MS,
        f"rps_ge_{GOAL_RPS_OF_FLOOR:.0%}_of_floor": min(
            r for by_route in of_floor.values() for r in by_route.values()
        )
        >= GOAL_RPS_OF_FLOOR,
    }
    print(
        "GET p50 kept-alive / fresh: "
        + ", ".join(f"{q} {r:.2f}" for q, r in over_fresh.items())
        + "; goals: "
        + ", ".join(f"{g} {'met' if ok else 'MISSED'}" for g, ok in goals.items())
    )
    print("caveat: one shared 2-core machine, client and servers on it; loopback only")
    print(
        json.dumps(
            {
                "get_p50_kept_alive_ms": {q: round(v, 3) for q, v in kept_p50.items()},
                "rps": {
                    name: {mode: round(t.rps) for mode, t in by_mode.items()}
                    for name, by_mode in timings.items()
                },
                "ratio_get_p50_kept_alive_over_fresh": {
                    q: round(r, 3) for q, r in over_fresh.items()
                },
                "ratio_rps_of_floor": {
                    mode: {r: round(v, 3) for r, v in by_route.items()}
                    for mode, by_route in of_floor.items()
                },
                "goals_met": goals,
            }
        )
    )


if __name__ == "__main__":
    main()
