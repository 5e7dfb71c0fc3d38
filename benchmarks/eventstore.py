"""Event store throughput: batched vs one-commit-per-event appends, and projection catch-up.

What it measures, on the embedded SQLite store and (when ``DRIFTMGR_BENCH_DATABASE_URL`` names
a PostgreSQL server) on PostgreSQL:

* **appends** — N events (``--events``) recorded through ``DriftmgrApplication.record``: one
  ``DiscoveryRun`` (``Requested``, ``Started``, then ``ServiceScanned`` events), saved every
  ``--batch-size`` events ("batched") or after every event ("naive"). The clock covers the
  domain calls and the saves, not opening the store.
* **catch-up** — a log of about N realistic events (state imports, drift runs requested,
  started and completed with their discovery scans and reports, stand-alone discoveries with
  failed attempts, remediation plans; every blob an event names is in the blob store) is
  recorded once, untimed. Each measurement copies it into a fresh store and times
  ``ProjectionRunner.catch_up()`` into empty read models, with the projections and engine
  ``bootstrap`` builds, ``batch_size=--batch-size`` ("batched") or ``batch_size=1``
  ("one_per_txn").

How: every measurement runs in a fresh child process on a fresh store (a new temp directory,
or a new PostgreSQL database dropped afterwards); contenders alternate, and the best of
``--repeat`` runs is kept. Results print as a table, then as one JSON line.

Caveats:

* One machine, one run: compare the ratios, not the absolute numbers.
* Naive appends pay one durable commit per event; on SQLite (``synchronous=FULL`` on the
  events file) that fsync dominates, so the ratio depends mostly on the disk under the temp
  directory (``--tmp-dir``; a tmpfs makes fsync free and the ratio small).
* The append scenarios never run projections, so their ``inventory_sha256`` names no blob.
* The catch-up log is generated, not recorded from a cloud: inventories repeat across runs
  (the blob store de-duplicates them), and the mix of event types is fixed by the generator.
* On SQLite the read models use ``synchronous=NORMAL``, so one transaction per event costs
  no fsync there; on PostgreSQL every commit waits for the WAL flush.
* Child process start-up (imports) is outside the timed region but inside the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import uuid4

from _smoke import parse_args

DEFAULT_EVENTS = 5_000
DEFAULT_REPEAT = 3
DEFAULT_BATCH = 500
#: ``--smoke``: the same measurements at sizes that finish in seconds (batches still split the
#: work into several commits), to show the benchmark still runs; the numbers mean nothing.
SMOKE = {"events": 100, "repeat": 1, "batch_size": 25}

#: contender → events per save (appends) or events per read-model transaction (catch-up);
#: ``None`` stands for ``--batch-size``.
APPEND_CONTENDERS: dict[str, int | None] = {"batched": None, "naive": 1}
CATCH_UP_CONTENDERS: dict[str, int | None] = {"batched": None, "one_per_txn": 1}

PG_ENV = "DRIFTMGR_BENCH_DATABASE_URL"

Store = dict[str, str]
"""``{"kind": "sqlite", "data_dir": …}`` or ``{"kind": "postgres", "url": …}``."""


# --- child side: what runs inside one fresh process ---------------------------------------


def _settings(store: Store) -> Any:
    from driftmgr.settings import Settings

    if store["kind"] == "postgres":
        return Settings(
            data_dir=Path(tempfile.gettempdir()), database_url=store["url"], actor="bench"
        )
    return Settings(data_dir=Path(store["data_dir"]), actor="bench")


def measure_appends(store: Store, events: int, batch: int) -> dict[str, Any]:
    """Record ``events`` events on one DiscoveryRun, saving every ``batch`` events."""
    from driftmgr.commands.application import DriftmgrApplication
    from driftmgr.domain.base import Cause
    from driftmgr.domain.discovery_run import DiscoveryRun

    app = DriftmgrApplication(_settings(store))
    cause = Cause(actor="bench")
    digest = "0" * 64
    saves = pending = 0
    try:
        started = time.perf_counter()
        run = DiscoveryRun.request(
            provider="aws", regions=["us-east-1"], resource_types=["aws_instance"], cause=cause
        )
        for i in range(1, events + 1):
            if i == 2:
                run.start(worker="bench", cause=cause)
            elif i > 2:
                run.record_scan(
                    resource_type=f"aws_type_{i % 97}",
                    region=f"region-{i // 97}",
                    resource_count=i % 13,
                    inventory_sha256=digest,
                    duration_ms=i % 1000,
                    cause=cause,
                )
            pending += 1
            if pending == batch:
                app.record(run)
                saves += 1
                pending = 0
        if pending:
            app.record(run)
            saves += 1
        seconds = time.perf_counter() - started
        recorded = app.position()
    finally:
        app.close()
    if recorded != events:
        raise RuntimeError(f"expected {events} events in the log, found {recorded}")
    return {"events": recorded, "seconds": seconds, "commits": saves}


def measure_catch_up(store: Store, batch_size: int) -> dict[str, Any]:
    """Project the whole (pre-built) log into empty read models, ``batch_size`` per txn."""
    from driftmgr.bootstrap import bootstrap

    services = bootstrap(_settings(store), providers={}, projection_batch_size=batch_size)
    try:
        runner = services.projections
        if runner.position != 0:
            raise RuntimeError(f"read models are not empty: at position {runner.position}")
        log_end = services.backend.app.position()
        started = time.perf_counter()
        applied = runner.catch_up()
        seconds = time.perf_counter() - started
        if applied != log_end or runner.position != log_end:
            raise RuntimeError(f"applied {applied} of {log_end} events")
        commits = -(-applied // batch_size)
    finally:
        services.close()
    return {"events": applied, "seconds": seconds, "commits": commits}


def build_log(store: Store, events: int, seed: int = 7) -> dict[str, Any]:
    """Record at least ``events`` realistic events (untimed), as driftmgr's jobs would."""
    from driftmgr.bootstrap import bootstrap

    services = bootstrap(_settings(store), providers={})
    try:
        counts = _LogWriter(services.backend, random.Random(seed)).write(events)
    finally:
        services.close()
    return counts


class _LogWriter:
    """Generates drift and discovery work through the real aggregates and command helpers."""

    regions = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
    types = (
        "aws_instance",
        "aws_s3_bucket",
        "aws_security_group",
        "aws_vpc",
        "aws_subnet",
        "aws_iam_role",
        "aws_db_instance",
        "aws_lambda_function",
    )
    # Local paths: a state sent with its content (as the CLI sends one) must be local; the
    # files need not exist, since the content comes with the command.
    sources = tuple(f"/srv/tfstate-bench/env-{n:02d}/terraform.tfstate" for n in range(20))

    def __init__(self, backend: Any, rng: random.Random) -> None:
        import msgspec

        from driftmgr.domain.resources import LiveResource

        self.backend = backend
        self.rng = rng
        self.encode = msgspec.json.Encoder().encode
        self.serials: dict[str, int] = {}
        self.kinds: dict[str, int] = {}
        # Two variants of each (type, region) inventory: unchanged inventories repeat, and the
        # content-addressed store keeps one copy, as it would in production.
        self.inventories: dict[tuple[str, str, int], tuple[str, int]] = {}
        for t in self.types:
            for region in self.regions:
                for variant in (0, 1):
                    resources = [
                        LiveResource(
                            type=t,
                            id=f"{t}-{region}-{variant}-{k:04d}",
                            provider="aws",
                            region=region,
                            account="123456789012",
                            is_default=k == 0,
                            attributes={
                                "arn": f"arn:aws:{t}:{region}:123456789012:{k}",
                                "tags": {"env": f"env-{k % 4}", "team": "platform"},
                                "name": f"{t}-{k}",
                                "enabled": k % 2 == 0,
                                "size": k * 8,
                                "subnets": [f"subnet-{k}a", f"subnet-{k}b"],
                            },
                        )
                        for k in range(rng.randint(0, 12))
                    ]
                    digest = backend.blobs.put(self.encode(resources))
                    self.inventories[(t, region, variant)] = (digest, len(resources))

    def write(self, events: int) -> dict[str, Any]:
        app = self.backend.app
        cycle = 0
        while app.position() < events:
            if cycle % 3 == 2:
                self._discovery(cycle)
            else:
                self._drift(cycle)
            cycle += 1
        return {"events": app.position(), "kinds": dict(sorted(self.kinds.items()))}

    def _count(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            for pending in aggregate.pending_events:
                name = type(pending).__qualname__
                self.kinds[name] = self.kinds.get(name, 0) + 1

    def _record(self, *aggregates: Any) -> None:
        self._count(*aggregates)
        self.backend.app.record(*aggregates)

    def _cause(self) -> Any:
        from driftmgr.domain.base import Cause

        return Cause(actor=self.rng.choice(("alice@ops", "bob@ops", "ci@runner")))

    def _state_body(self, source: str) -> str:
        serial = self.serials[source] = self.serials.get(source, 0) + 1
        resources = [
            {
                "mode": "managed",
                "type": t,
                "name": f"r{k}",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    {
                        "schema_version": 1,
                        "attributes": {
                            "id": f"{t}-{k:04d}",
                            "tags": {"serial": str(serial)},
                            "size": k * serial,
                        },
                    }
                ],
            }
            for k, t in enumerate(self.rng.sample(self.types, 6))
        ]
        return json.dumps(
            {
                "version": 4,
                "terraform_version": "1.9.5",
                "serial": serial,
                "lineage": f"lineage-{self.sources.index(source):02d}",
                "outputs": {},
                "resources": resources,
            }
        )

    def _scan(self, run: Any, cause: Any) -> None:
        """Every (type, region) of the run, one event each; a few regions are unobserved."""
        for t in run.resource_types:
            for region in run.regions:
                duration = self.rng.randint(40, 4000)
                if self.rng.random() < 0.05:
                    run.record_unobserved(
                        resource_type=t,
                        region=region,
                        duration_ms=duration,
                        reason="AccessDenied: not authorised",
                        cause=cause,
                    )
                    continue
                digest, count = self.inventories[(t, region, self.rng.randint(0, 1))]
                run.record_scan(
                    resource_type=t,
                    region=region,
                    resource_count=count,
                    inventory_sha256=digest,
                    duration_ms=duration,
                    cause=cause,
                )

    def _drift(self, cycle: int) -> None:
        import msgspec

        from driftmgr.commands.state import prepare_states, stage_import
        from driftmgr.domain.discovery_run import DiscoveryRun
        from driftmgr.domain.drift.report import (
            DriftChange,
            DriftItem,
            DriftScope,
            ReportBody,
            ReportSource,
            summarise,
        )
        from driftmgr.domain.drift_run import DriftRun
        from driftmgr.domain.remediation import DEFAULT_STRATEGIES, Target
        from driftmgr.domain.remediation_plan import RemediationAction, RemediationPlan

        cause = self._cause()
        backend = self.backend
        # DetectDrift: import one state and request the run in one transaction.
        source = self.sources[cycle % len(self.sources)]
        [prepared] = prepare_states(source, self._state_body(source), policy=backend.source_policy)
        staged = stage_import(backend, prepared, cause)
        state = staged.state
        regions = self.rng.sample(self.regions, 3)
        run = DriftRun.request(
            state_ids=[state.id],
            provider="aws",
            regions=regions,
            resource_types=list(self.types),
            cause=cause,
        )
        self._record(*staged.aggregates, run)
        # The drift job: start, take an inventory, compare, store the report.
        run.start(worker="worker-1", cause=cause)
        self._record(run)
        discovery = DiscoveryRun.request(
            provider="aws",
            regions=regions,
            resource_types=list(self.types),
            drift_run_id=run.id,
            cause=cause,
        )
        discovery.start(worker=f"drift-run:{run.id}", cause=cause)
        run.record_inventory(discovery.id, cause)
        self._record(discovery, run)
        self._scan(discovery, cause)
        self._record(discovery)
        items = [
            DriftItem(
                kind=self.rng.choice(("modified", "missing", "unmanaged")),
                address=f"aws_instance.web[{k}]",
                type="aws_instance",
                id=f"i-{cycle:05d}{k}",
                provider="aws",
                region=regions[0],
                severity=self.rng.choice(("critical", "high", "medium", "low")),
                changes=[DriftChange(path="tags.env", expected="prod", actual=f"dev-{k}")],
            )
            for k in range(self.rng.randint(0, 6))
        ]
        parsed = prepared.parsed
        summary = summarise(items, in_sync=len(parsed.managed))
        body = ReportBody(
            sources=[
                ReportSource(
                    state_id=state.id,
                    uri=state.source,
                    serial=parsed.serial,
                    lineage=parsed.lineage,
                )
            ],
            scope=DriftScope(providers=["aws"], regions=run.regions, types=run.resource_types),
            summary=summary,
            drifts=items,
        )
        digest = backend.blobs.put(msgspec.json.encode(body))
        discovery.complete(cause)
        run.complete(report_sha256=digest, summary=summary, cause=cause)
        self._record(discovery, run)
        if items and cycle % 2 == 0:
            actions = [
                RemediationAction(
                    index=index,
                    strategy=DEFAULT_STRATEGIES[item.kind],
                    drift_kind=item.kind,
                    address=item.address,
                    target=Target(
                        provider=item.provider,
                        type=item.type,
                        id=item.id or "",
                        region=item.region or "",
                    ),
                    severity=item.severity,
                    changes=item.changes,
                    attributes=sorted({c.path.split(".", 1)[0] for c in item.changes}),
                )
                for index, item in enumerate(items)
            ]
            plan = RemediationPlan.plan(
                drift_run_id=run.id, actions=actions, approval_threshold="high", cause=cause
            )
            self._record(plan)

    def _discovery(self, cycle: int) -> None:
        from driftmgr.domain.discovery_run import DiscoveryRun

        cause = self._cause()
        run = DiscoveryRun.request(
            provider="aws",
            regions=self.rng.sample(self.regions, 4),
            resource_types=list(self.types),
            cause=cause,
        )
        self._record(run)
        run.start(worker="worker-2", cause=cause)
        if cycle % 2 == 0:  # a first attempt that fails and is retried
            self._record(run)
            retry_at = datetime.now(UTC) + timedelta(seconds=4)
            run.fail(error="ProviderUnreachableError: timed out", retry_at=retry_at, cause=cause)
            self._record(run)
            run.start(worker="worker-1", cause=cause)
        self._record(run)
        self._scan(run, cause)
        run.complete(cause)
        self._record(run)


_CHILD_ACTIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "appends": measure_appends,
    "catch_up": measure_catch_up,
    "build_log": build_log,
}


def _child_main(spec: str) -> None:
    request = json.loads(spec)
    result = _CHILD_ACTIONS[request.pop("action")](**request)
    print(json.dumps(result))


# --- parent side: stores, fresh processes, repeats, report --------------------------------


def run_child(action: str, **kwargs: Any) -> dict[str, Any]:
    """Run one action in a fresh interpreter and return the JSON it prints."""
    spec = json.dumps({"action": action, **kwargs})
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", spec],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{action} failed in its child process:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class SQLiteStores:
    name = "sqlite"

    def __init__(self, root: Path) -> None:
        self.root = root

    @contextmanager
    def fresh(self, template: Store | None = None) -> Iterator[Store]:
        """A new data directory, holding a copy of ``template``'s event log when given."""
        path = Path(tempfile.mkdtemp(prefix="driftmgr-bench-", dir=self.root))
        try:
            if template is not None:
                for f in Path(template["data_dir"]).iterdir():
                    # The log and the key that opens it, not the read models.
                    if f.name.startswith("events.sqlite3") or f.name == "cipher.key":
                        shutil.copy2(f, path / f.name)
            yield {"kind": "sqlite", "data_dir": str(path)}
        finally:
            shutil.rmtree(path, ignore_errors=True)


class PostgresStores:
    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url

    def _admin(self, statement: Any) -> None:
        import psycopg

        # A child that just exited may still show as a session on the template for a moment.
        for attempt in range(50):
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(statement)
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 49:
                    raise
                time.sleep(0.1)

    @contextmanager
    def fresh(self, template: Store | None = None) -> Iterator[Store]:
        """A new database, cloned from ``template``'s database when given; dropped after."""
        from psycopg import sql
        from sqlalchemy.engine import make_url

        name = f"driftmgr_bench_{uuid4().hex[:12]}"
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            source = make_url(template["url"]).database or ""
            create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(source))
        self._admin(create)
        try:
            url = make_url(self.url).set(database=name).render_as_string(hide_password=False)
            yield {"kind": "postgres", "url": url}
        finally:
            self._admin(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def server_version(self) -> str:
        import psycopg

        with psycopg.connect(self.url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    best = min(runs, key=lambda r: r["seconds"])
    return {
        "events": best["events"],
        "commits": best["commits"],
        "best_seconds": round(best["seconds"], 4),
        "events_per_second": round(best["events"] / best["seconds"], 1),
        "runs_seconds": [round(r["seconds"], 4) for r in runs],
    }


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_store(
    stores: SQLiteStores | PostgresStores, events: int, repeat: int, batch: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    appends: dict[str, list[dict[str, Any]]] = {c: [] for c in APPEND_CONTENDERS}
    for i in range(repeat):
        for contender, size in APPEND_CONTENDERS.items():
            _progress(f"[{stores.name}] appends {contender} {i + 1}/{repeat}")
            with stores.fresh() as store:
                appends[contender].append(
                    run_child("appends", store=store, events=events, batch=size or batch)
                )

    catch_up: dict[str, list[dict[str, Any]]] = {c: [] for c in CATCH_UP_CONTENDERS}
    with stores.fresh() as template:
        _progress(f"[{stores.name}] recording a log of ~{events} events (untimed)")
        log = run_child("build_log", store=template, events=events)
        for i in range(repeat):
            for contender, size in CATCH_UP_CONTENDERS.items():
                _progress(f"[{stores.name}] catch-up {contender} {i + 1}/{repeat}")
                with stores.fresh(template) as store:
                    catch_up[contender].append(
                        run_child("catch_up", store=store, batch_size=size or batch)
                    )

    append_best = {c: _best(r) for c, r in appends.items()}
    catch_up_best: dict[str, Any] = {c: _best(r) for c, r in catch_up.items()}
    catch_up_best["log"] = log
    ratios = {
        "appends_batched_over_naive": round(
            append_best["batched"]["events_per_second"] / append_best["naive"]["events_per_second"],
            2,
        ),
        "catch_up_batched_over_one_per_txn": round(
            catch_up_best["batched"]["events_per_second"]
            / catch_up_best["one_per_txn"]["events_per_second"],
            2,
        ),
    }
    return append_best, catch_up_best, ratios


def _filesystem_of(path: Path) -> str:
    """The mount point and type holding ``path`` (Linux), since fsync cost depends on it."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    target = str(path.resolve())
    best = ("", "unknown")
    for line in mounts:
        fields = line.split()
        if (
            len(fields) >= 3
            and (target == fields[1] or target.startswith(fields[1].rstrip("/") + "/"))
            and len(fields[1]) >= len(best[0])
        ):
            best = (fields[1], fields[2])
    return f"{best[1]} (mounted at {best[0]})"


def environment(tmp_root: Path) -> dict[str, Any]:
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or _cpu_model(),
        "cores": os.cpu_count(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "libraries": {
            name: version(name) for name in ("eventsourcing", "sqlalchemy", "msgspec", "psycopg")
        },
        "tmp_dir": str(tmp_root),
        "tmp_filesystem": _filesystem_of(tmp_root),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _table(store: str, appends: dict[str, Any], catch_up: dict[str, Any]) -> list[str]:
    rows = [("appends", c, r) for c, r in appends.items()]
    rows += [("catch-up", c, r) for c, r in catch_up.items() if c != "log"]
    lines = []
    for measurement, contender, r in rows:
        runs = " ".join(f"{s:.3f}" for s in r["runs_seconds"])
        lines.append(
            f"{store:<10} {measurement:<9} {contender:<12} {r['events']:>7} {r['commits']:>7} "
            f"{r['best_seconds']:>9.3f} {r['events_per_second']:>11,.0f}   {runs}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH,
        help="events per save / per read-model transaction when batched",
    )
    parser.add_argument(
        "--tmp-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the SQLite stores go (its disk decides the fsync cost)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parse_args(parser, SMOKE, argv)
    if args.child:
        _child_main(args.child)
        return
    if args.events < 3 or args.repeat < 1 or args.batch_size < 1:
        parser.error("--events must be at least 3, --repeat and --batch-size at least 1")

    env = environment(args.tmp_dir)
    libs = ", ".join(f"{k} {v}" for k, v in env["libraries"].items())
    print(f"python     {env['python']} on {env['platform']}")
    print(f"machine    {env['cores']} cores, {env['machine']}, {env['processor']}")
    print(f"libraries  {libs}, SQLite {env['sqlite']}")
    print(f"tmp dir    {env['tmp_dir']} on {env['tmp_filesystem']}")
    print(
        f"method     best of {args.repeat}, each in a fresh process and a fresh store; "
        f"{args.events} events, batches of {args.batch_size}"
    )

    backends: list[SQLiteStores | PostgresStores] = [SQLiteStores(args.tmp_dir)]
    skipped: dict[str, str] = {}
    pg_url = os.environ.get(PG_ENV)
    if pg_url:
        pg = PostgresStores(pg_url)
        env["postgresql_server"] = pg.server_version()
        print(f"postgres   server {env['postgresql_server']}")
        backends.append(pg)
    else:
        skipped["postgresql"] = (
            f"{PG_ENV} is not set (a postgresql://user:password@host:port/db URL whose user "
            "may create databases)"
        )
        print(f"postgres   skipped: {skipped['postgresql']}")

    results: dict[str, Any] = {"appends": {}, "catch_up": {}, "ratios": {}}
    started = time.perf_counter()
    for stores in backends:
        appends, catch_up, ratios = bench_store(stores, args.events, args.repeat, args.batch_size)
        results["appends"][stores.name] = appends
        results["catch_up"][stores.name] = catch_up
        results["ratios"][stores.name] = ratios
    wall = time.perf_counter() - started

    print()
    print(
        f"{'store':<10} {'measure':<9} {'contender':<12} {'events':>7} {'commits':>7} "
        f"{'best s':>9} {'events/s':>11}   runs (s)"
    )
    for name in results["appends"]:
        for line in _table(name, results["appends"][name], results["catch_up"][name]):
            print(line)
    print()
    for name, ratios in results["ratios"].items():
        print(
            f"{name:<10} appends batched/naive = {ratios['appends_batched_over_naive']:.1f}x; "
            f"catch-up batched/one_per_txn = "
            f"{ratios['catch_up_batched_over_one_per_txn']:.1f}x"
        )
    for name, log in ((n, c["log"]) for n, c in results["catch_up"].items()):
        kinds = ", ".join(f"{k} {v}" for k, v in log["kinds"].items())
        print(f"{name:<10} catch-up log: {log['events']} events ({kinds})")
    print(f"wall time  {wall:.1f} s")
    results["environment"] = env
    results["skipped"] = skipped
    print(json.dumps(results, sort_keys=False))


if __name__ == "__main__":
    main()
