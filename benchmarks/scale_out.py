"""Scale-out: drift jobs per minute with 1, 2 and 4 ``driftmgr worker`` processes, and
projection catch-up in events/s (issue 14, acceptance 3).

What it measures:

* **jobs** — for each worker count k (``--workers``, default 1,2,4): a fresh PostgreSQL
  database (``DRIFTMGR_BENCH_DATABASE_URL``, else ``DRIFTMGR_TEST_DATABASE_URL``; a user
  who may create databases), a fresh moto server holding one VPC, and ``--jobs`` drift jobs
  (``DetectDrift``: one state sent with its content, ``aws_vpc`` in us-east-1) submitted
  in-process before any worker runs. Then k ``driftmgr worker`` processes start at once;
  the clock runs from the moment the last of them says "running jobs" to the moment the
  ``jobs`` read model shows every job ended, and jobs/min = jobs / seconds × 60. The
  ratios 2/1 and 4/1 are the scale-out. Without a PostgreSQL URL the same runs on the
  embedded SQLite store (one data directory shared by every process), labelled so.
* **catch-up** — benchmarks/eventstore.py's measurement, reused: a log of ``--events``
  realistic events recorded once (untimed), then ``ProjectionRunner.catch_up()`` into empty
  read models, ``--batch-size`` (500) events per transaction ("batched") or one
  ("one_per_txn"), each in a fresh process on a fresh copy of the log; on SQLite always,
  on PostgreSQL when a URL is given. The goal is ≥ 30,000 events/s batched.

How: every measurement gets a fresh store (a CREATE DATABASE dropped afterwards, or a new
temp directory); the best of ``--repeat`` runs is kept. While the jobs run, the CPU time
of moto, of the workers, of the local PostgreSQL server's processes and of the whole
machine ("others": what none of those used, i.e. other programs) is read from /proc, to
tell which one was saturated. Results print as a table, then one JSON line.

Caveats:

* On a 2-core machine 4 workers cannot be 4× one worker: the workers, moto and PostgreSQL
  share the same two cores (see the machine's busy share in the table). Compare the
  ratios, not the absolute numbers, and only on one machine.
* moto is one process: a share near 100% of one core means it, not driftmgr, set the pace.
* The workers start together but not at the same instant: jobs taken by the first before
  the last announces itself are done outside the clock ("early" in the table), which flatters
  the larger counts a little. A fresh database's read models start empty: the worker that
  leads the projections catches the submissions up (partly inside the clock) before any
  job can be claimed.
* On SQLite nothing wakes another process when the read models move, so completion is
  polled every 50 ms there; on PostgreSQL the observer waits on NOTIFY.
* Worker start-up (imports, opening the store) is outside the clock.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from _moto import moto_server
from _smoke import parse_args
from eventstore import (
    CATCH_UP_CONTENDERS,
    PostgresStores,
    SQLiteStores,
    Store,
    _best,
    _progress,
    environment,
    run_child,
)

ROOT = Path(__file__).resolve().parents[1]
DRIFTMGR = str(Path(sys.executable).with_name("driftmgr"))
PG_ENVS = ("DRIFTMGR_BENCH_DATABASE_URL", "DRIFTMGR_TEST_DATABASE_URL")
REGION = "us-east-1"
CIDR = "10.14.0.0/16"
GOAL_EVENTS_PER_SECOND = 30_000
#: ``--smoke``: the same code paths at sizes that finish in well under a minute.
SMOKE = {"jobs": 6, "workers": "1,2", "events": 300, "repeat": 1}
#: Seconds a worker may take to announce itself, and the jobs to end, before giving up.
START_TIMEOUT = 120.0
JOBS_TIMEOUT = 1800.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# --- CPU time from /proc ------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process (Linux), None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    try:
        line = Path("/proc/stat").read_text().splitlines()[0]
    except OSError:
        return 0, 0
    values = [int(v) for v in line.split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def _postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL server process on this machine (a local server only;
    a backend that exits in between loses its share, so this is a floor)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if stat.split(" (", 1)[1].startswith("postgres)"):
                fields = stat.rsplit(")", 1)[1].split()
                found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return found


def _children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@contextmanager
def moto_with_pid() -> Iterator[tuple[str, int | None]]:
    """benchmarks/_moto.py's server, and its process id (found among our new children)."""
    before = _children_of(os.getpid())
    with moto_server() as url:
        new = _children_of(os.getpid()) - before
        pids = [p for p in new if b"moto.server" in _cmdline(p)]
        yield url, (pids[0] if pids else None)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# --- workers ------------------------------------------------------------------------------


class Worker:
    """One ``driftmgr worker`` process; a thread reads its stderr, notes when it announces
    itself, and keeps draining it so the pipe never fills."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.announced = threading.Event()
        self.announced_at = 0.0
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [DRIFTMGR, "worker", "--name", name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )
        assert self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            if not self.announced.is_set() and "running jobs" in line:
                self.announced_at = time.monotonic()
                self.announced.set()
            self.lines.append(line.rstrip("\n"))
        self.announced.set()  # ended without announcing: wake the waiter, who checks

    def wait_announced(self, timeout: float) -> float:
        if not self.announced.wait(timeout) or not self.announced_at:
            self.stop()
            raise RuntimeError(
                f"worker {self.name} did not start (exit {self.process.poll()}):\n"
                + "\n".join(self.lines[-20:])
            )
        return self.announced_at

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9


def _aws_env(aws_url: str) -> dict[str, str]:
    """AWS settings that point every SDK client at moto, and nowhere else."""
    return {
        "AWS_ENDPOINT_URL": aws_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto's fixed fake credentials
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@contextmanager
def _aws_here(aws_url: str) -> Iterator[None]:
    """This process's AWS settings pointed at moto (submitting checks access), then restored."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    for k in saved:
        del os.environ[k]
    os.environ.update(_aws_env(aws_url))
    try:
        yield
    finally:
        for k in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[k]
        os.environ.update(saved)


def _worker_env(store: Store, data_dir: Path, aws_url: str) -> dict[str, str]:
    """The parent's environment without any DRIFTMGR_/AWS_ setting, plus the measurement's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTMGR_", "AWS_"))}
    env.update(_aws_env(aws_url))
    env.update(DRIFTMGR_DATA_DIR=str(data_dir), DRIFTMGR_ACTOR="bench@scale-out")
    if store["kind"] == "postgres":
        env["DRIFTMGR_DATABASE_URL"] = store["url"]
    return env


# --- one jobs measurement -----------------------------------------------------------------


def _job_counts(services: Any) -> Counter[str]:
    import sqlalchemy as sa

    from driftmgr.projections.jobs import jobs_table

    jobs = jobs_table.c
    query = sa.select(jobs.status, sa.func.count()).group_by(jobs.status)
    with services.projections.engine.connect() as conn:
        return Counter({status: n for status, n in conn.execute(query).all()})


def _ended(counts: Counter[str]) -> int:
    return counts["completed"] + counts["failed"] + counts["cancelled"]


def _wait_for_jobs(services: Any, jobs: int, poll: float | None) -> Counter[str]:
    """Block until every job ended, re-reading the jobs read model whenever it moves
    (PostgreSQL: NOTIFY; SQLite: every ``poll`` seconds, nothing crosses processes)."""
    deadline = time.monotonic() + JOBS_TIMEOUT
    progress = services.projections.progress
    while _ended(found := _job_counts(services)) < jobs:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RuntimeError(f"timed out waiting for {jobs} jobs; by status: {dict(found)}")
        progress.wait_beyond(progress.position, min(remaining, poll or 2.0))
    return found


def _submit(services: Any, jobs: int, aws_url: str) -> None:
    """Create one VPC on moto and submit ``jobs`` drift jobs on a state managing it."""
    import boto3

    sys.path.insert(0, str(ROOT))
    from driftmgr.commands.drift import DetectDrift, StateInput, detect_drift
    from driftmgr.domain.base import Cause
    from tests.support.fakes import state_with_vpcs

    ec2 = boto3.client("ec2", endpoint_url=aws_url, region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock=CIDR)["Vpc"]["VpcId"]
    state = state_with_vpcs((vpc, CIDR))
    cause = Cause(actor="bench@scale-out")
    for index in range(jobs):
        command = DetectDrift(
            provider="aws",
            regions=[REGION],
            resource_types=["aws_vpc"],
            states=[StateInput(source=f"tfstate:///srv/scale-{index % 10}.tfstate", content=state)],
        )
        detect_drift(services.backend, command, cause)


def _per_worker(services: Any) -> dict[str, int]:
    """Job attempts started by each worker, from the events themselves (the discovery runs
    a drift job starts inside itself share the event type, and are left out)."""
    import sqlalchemy as sa
    from eventsourcing.utils import get_topic

    from driftmgr.domain.run import Run
    from driftmgr.projections.jobs import jobs_table

    with services.projections.engine.connect() as conn:
        job_ids = set(conn.execute(sa.select(jobs_table.c.job_id)).scalars())
    app = services.backend.app
    started = app.recorder.select_notifications(
        start=0, limit=1_000_000, topics=[get_topic(Run.Started)]
    )
    workers = Counter(
        app.mapper.to_domain_event(n).worker for n in started if n.originator_id in job_ids
    )
    return dict(sorted(workers.items()))


def measure_jobs(stores: SQLiteStores | PostgresStores, workers: int, jobs: int) -> dict[str, Any]:
    """One measurement: fresh store, moto and VPC, ``jobs`` queued, ``workers`` started."""
    from driftmgr.bootstrap import bootstrap
    from driftmgr.settings import Settings

    with ExitStack() as stack:
        store = stack.enter_context(stores.fresh())
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scale-out-")))
        aws_url, moto_pid = stack.enter_context(moto_with_pid())
        stack.enter_context(_aws_here(aws_url))
        if store["kind"] == "postgres":
            data_dir = scratch / "data"  # the cipher key every process of this store shares
            settings = Settings(data_dir=data_dir, database_url=store["url"], actor="bench")
        else:
            data_dir = Path(store["data_dir"])
            settings = Settings(data_dir=data_dir, actor="bench")
        observer = bootstrap(settings)  # submits and reads; runs neither jobs nor projections
        stack.callback(observer.close)
        if observer.wakeups is not None:
            observer.wakeups.start()
        _submit(observer, jobs, aws_url)

        env = _worker_env(store, data_dir, aws_url)
        running = [Worker(f"w{i + 1}", env, scratch) for i in range(workers)]
        codes: list[int] = []
        try:
            began = max(w.wait_announced(START_TIMEOUT) for w in running)
            early = _job_counts(observer)["completed"]
            cpu_before = {w.name: _cpu_seconds(w.process.pid) or 0.0 for w in running}
            moto_before = _cpu_seconds(moto_pid) if moto_pid else None
            machine_before = _machine_ticks()
            postgres_before = _postgres_cpu()
            observer_before = time.process_time()
            counts = _wait_for_jobs(
                observer, jobs, poll=None if observer.wakeups is not None else 0.05
            )
            seconds = time.monotonic() - began
            machine_after = _machine_ticks()
            postgres_after = _postgres_cpu()
            observer_cpu = time.process_time() - observer_before
            moto_after = _cpu_seconds(moto_pid) if moto_pid else None
            worker_cpu = sum(
                (_cpu_seconds(w.process.pid) or cpu_before[w.name]) - cpu_before[w.name]
                for w in running
            )
        finally:
            codes = [w.stop() for w in running]
        per_worker = _per_worker(observer)
        store_is_pg = store["kind"] == "postgres"

    busy = machine_after[0] - machine_before[0]
    total = machine_after[1] - machine_before[1]
    moto_cpu = (
        moto_after - moto_before if moto_after is not None and moto_before is not None else None
    )
    postgres_cpu = sum(t - postgres_before.get(pid, 0.0) for pid, t in postgres_after.items())
    busy_cores = busy / total * (os.cpu_count() or 1) if total else None
    ours = worker_cpu + (moto_cpu or 0.0) + postgres_cpu + observer_cpu
    return {
        "workers": workers,
        "jobs": jobs,
        "seconds": seconds,
        "jobs_per_minute": jobs / seconds * 60,
        "completed": counts["completed"],
        "failed": counts["failed"] + counts["cancelled"],
        "early": early,
        "attempts_by_worker": per_worker,
        "exit_codes": codes,
        "moto_cpu_share_of_one_core": round(moto_cpu / seconds, 3)
        if moto_cpu is not None
        else None,
        "workers_cpu_cores": round(worker_cpu / seconds, 3),
        "postgres_cpu_cores": round(postgres_cpu / seconds, 3) if store_is_pg else None,
        "observer_cpu_cores": round(observer_cpu / seconds, 3),
        "machine_busy_share": round(busy / total, 3) if total else None,
        "others_cpu_cores": (
            round(max(0.0, busy_cores - ours / seconds), 3) if busy_cores is not None else None
        ),
    }


# --- report -------------------------------------------------------------------------------


def _cores(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}c"


def _pg_url() -> tuple[str | None, str | None]:
    for name in PG_ENVS:
        if url := os.environ.get(name):
            return name, url
    return None, None


def bench_jobs(
    stores: SQLiteStores | PostgresStores, counts: list[int], jobs: int, repeat: int
) -> dict[str, Any]:
    runs: dict[int, list[dict[str, Any]]] = {k: [] for k in counts}
    for i in range(repeat):
        for k in counts:
            _progress(f"[{stores.name}] {jobs} drift jobs, {k} worker(s), {i + 1}/{repeat}")
            runs[k].append(measure_jobs(stores, k, jobs))
    best = {}
    for k, results in runs.items():
        top = min(results, key=lambda r: r["seconds"])
        best[str(k)] = {
            **top,
            "seconds": round(top["seconds"], 3),
            "jobs_per_minute": round(top["jobs_per_minute"], 1),
            "runs_seconds": [round(r["seconds"], 3) for r in results],
        }
    return best


def bench_catch_up(
    stores: SQLiteStores | PostgresStores, events: int, repeat: int, batch: int
) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in CATCH_UP_CONTENDERS}
    with stores.fresh() as template:
        _progress(f"[{stores.name}] recording a log of ~{events} events (untimed)")
        log = run_child("build_log", store=template, events=events)
        for i in range(repeat):
            for contender, size in CATCH_UP_CONTENDERS.items():
                _progress(f"[{stores.name}] catch-up {contender} {i + 1}/{repeat}")
                with stores.fresh(template) as store:
                    runs[contender].append(
                        run_child("catch_up", store=store, batch_size=size or batch)
                    )
    result: dict[str, Any] = {c: _best(r) for c, r in runs.items()}
    result["log_events"] = log["events"]
    return result


def _problems(jobs: dict[str, Any]) -> list[str]:
    found = []
    for k, r in jobs.items():
        if r["failed"] or r["completed"] != r["jobs"]:
            found.append(f"{k} worker(s): {r['completed']} completed, {r['failed']} failed")
        if any(code != 0 for code in r["exit_codes"]):
            found.append(f"{k} worker(s): exit codes {r['exit_codes']} after SIGTERM")
        retried = sum(r["attempts_by_worker"].values()) - r["jobs"]
        if retried:
            found.append(f"{k} worker(s): {retried} attempts beyond one per job")
        idle = int(k) - len(r["attempts_by_worker"])
        if idle > 0:
            found.append(f"{k} worker(s): {idle} worker(s) ran no job")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=60, help="drift jobs per worker count")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--events", type=int, default=20_000, help="events in the catch-up log")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--tmp-dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parse_args(parser, SMOKE, argv)
    try:
        counts = [int(k) for k in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers must be comma-separated numbers, not {args.workers!r}")
    if args.jobs < 1 or args.repeat < 1 or args.events < 3 or min(counts) < 1:
        parser.error("--jobs, --repeat and every worker count must be at least 1, --events 3")
    if 1 not in counts:
        parser.error("--workers must include 1: the ratios are over one worker")

    env = environment(args.tmp_dir)
    print(f"python     {env['python']} on {env['platform']}")
    print(f"machine    {env['cores']} cores, {env['machine']}, {env['processor']}")
    print(f"load       {os.getloadavg()[0]:.2f} (1-minute average at start)")
    pg_var, pg_url = _pg_url()
    pg = PostgresStores(pg_url) if pg_url else None
    skipped: dict[str, str] = {}
    if pg is not None:
        env["postgresql_server"] = pg.server_version()
        print(f"postgres   server {env['postgresql_server']} (from {pg_var})")
    else:
        skipped["postgresql"] = (
            f"neither {' nor '.join(PG_ENVS)} is set: jobs ran on the embedded SQLite store, "
            "PostgreSQL was not measured"
        )
        print(f"postgres   NOT MEASURED: {skipped['postgresql']}")
    print(
        f"method     {args.jobs} drift jobs per worker count ({args.workers}), catch-up of "
        f"~{args.events} events, batches of {args.batch_size}; best of {args.repeat}",
        flush=True,
    )

    started = time.perf_counter()
    sqlite = SQLiteStores(args.tmp_dir)
    job_store: SQLiteStores | PostgresStores = pg if pg is not None else sqlite
    jobs = bench_jobs(job_store, counts, args.jobs, args.repeat)
    catch_up_stores: list[SQLiteStores | PostgresStores] = [sqlite]
    if pg is not None:
        catch_up_stores.append(pg)
    catch_up = {
        s.name: bench_catch_up(s, args.events, args.repeat, args.batch_size)
        for s in catch_up_stores
    }
    wall = time.perf_counter() - started

    one = jobs["1"]["jobs_per_minute"]
    ratio_jobs = {
        f"{k}_over_1": round(r["jobs_per_minute"] / one, 2) for k, r in jobs.items() if k != "1"
    }
    ratio_catch_up = {
        name: round(r["batched"]["events_per_second"] / r["one_per_txn"]["events_per_second"], 2)
        for name, r in catch_up.items()
    }
    goal_met = {
        name: r["batched"]["events_per_second"] >= GOAL_EVENTS_PER_SECOND
        for name, r in catch_up.items()
    }

    print()
    print(f"drift jobs on {job_store.name}" + ("" if pg else " (PostgreSQL NOT MEASURED)"))
    print(
        f"{'workers':>7} {'jobs':>5} {'done':>5} {'failed':>6} {'early':>5} {'seconds':>8} "
        f"{'jobs/min':>9} {'vs 1':>6} {'moto core':>9} {'workers':>8} {'postgres':>8} "
        f"{'others':>7} {'machine':>8}   attempts by worker"
    )
    for k, r in jobs.items():
        ratio = 1.0 if k == "1" else ratio_jobs[f"{k}_over_1"]
        moto = r["moto_cpu_share_of_one_core"]
        machine = r["machine_busy_share"]
        print(
            f"{k:>7} {r['jobs']:>5} {r['completed']:>5} {r['failed']:>6} {r['early']:>5} "
            f"{r['seconds']:>8.2f} {r['jobs_per_minute']:>9.1f} {ratio:>5.2f}x "
            f"{'?' if moto is None else f'{moto:.0%}':>9} {r['workers_cpu_cores']:>7.2f}c "
            f"{_cores(r['postgres_cpu_cores']):>8} {_cores(r['others_cpu_cores']):>7} "
            f"{'?' if machine is None else f'{machine:.0%}':>8}   "
            + " ".join(f"{w}={n}" for w, n in r["attempts_by_worker"].items())
        )
    print(
        "  moto core: moto's CPU time / wall time (100% = one core busy); workers, postgres "
        "(the local server's processes), others (the rest of the machine: other programs): CPU "
        f"in cores; machine: share of all {env['cores']} cores busy"
    )
    print()
    print(
        f"{'store':<10} {'contender':<12} {'events':>7} {'commits':>7} {'best s':>8} "
        f"{'events/s':>9}"
    )
    for name, r in catch_up.items():
        for contender in CATCH_UP_CONTENDERS:
            c = r[contender]
            print(
                f"{name:<10} {contender:<12} {c['events']:>7} {c['commits']:>7} "
                f"{c['best_seconds']:>8.3f} {c['events_per_second']:>9,.0f}"
            )
    for name in catch_up:
        print(
            f"{name:<10} batched/one_per_txn = {ratio_catch_up[name]:.1f}x; goal ≥ "
            f"{GOAL_EVENTS_PER_SECOND:,} events/s batched: {'met' if goal_met[name] else 'NOT met'}"
        )
    problems = _problems(jobs)
    for problem in problems:
        print(f"odd        {problem}")
    print(f"wall time  {wall:.1f} s")
    print(
        json.dumps(
            {
                "jobs_store": job_store.name,
                "postgresql_measured": pg is not None,
                "jobs": jobs,
                "ratio_jobs_per_minute": ratio_jobs,
                "catch_up": catch_up,
                "ratio_catch_up_batched_over_one_per_txn": ratio_catch_up,
                "goal_catch_up_events_per_second": GOAL_EVENTS_PER_SECOND,
                "goal_catch_up_met": goal_met,
                "problems": problems,
                "environment": env,
                "skipped": skipped,
            }
        )
    )


if __name__ == "__main__":
    main()
