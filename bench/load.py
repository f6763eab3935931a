"""A loopback load run: simulated users on one gunicorn server, errors and latency under load.

    python -m bench load --users 20 --minutes 5 --workers 2 --n 100000 [--store postgis|memory]

The app is served as in production (``gunicorn.conf.py``: preloaded, threaded workers) with
``--workers`` workers over ``--n`` synthetic events (labelled synthetic, from dashboard.data.synth):

- ``--store postgis`` (default): the shared deployment on a throwaway database (made and dropped
  here, as bench.postgis_store does), public read, a random secret key, and a Redis result cache:
  a private ``redis-server`` started for the run (so its hit figures are this run's alone) unless
  ``--redis-url`` names one;
- ``--store memory``: the embedded default, every event in each worker's memory, no Redis.

Each user is a process of its own (not a thread: twenty clients parsing megabyte answers under one
GIL would add their waits for the GIL to the latencies measured) with its own
:class:`~bench.dash_client.DashClient` (its own session and CSRF token). It opens the page, then
until the time is up waits a think time (``THINK_S``) and does an action drawn from ``ACTION_WEIGHTS``
with its own seeded generator (``--seed`` + its number), so a run repeats the same choices. An
action's time is the wall time of its requests, one after another, as in ``bench run``; a filter
change's answer carries the table's first block (a table page asks for a later one). Any non-2xx answer or exception is
an error: the user reloads the page and goes on, and every error is listed.

Printed: actions and POSTs done, errors, p50/p95/p99 per action kind, over all actions and over all
POSTs, throughput, the workers' memory (VmRSS/VmHWM) at the end, the CPU seconds of the workers and
of the users (who share the machine with the server), database time (the throwaway database's
``pg_stat_database.active_time``: the time its sessions spent running statements, read once the
server has stopped and its sessions have flushed their statistics) and Redis hits and misses
(``INFO stats`` of the private server).
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bench.dash_client import DashClient, Exchange
from bench.run import (
    POSTGIS,
    RUTAS,
    TABLE_BLOCK,
    Server,
    bench_database_server,
    click_action,
    database_active_ms,
    database_dataset,
    first_event_point,
    gunicorn,
    percentile,
    postgis_env,
    prepare_dataset,
    proc_status_mb,
    zoom_action,
)
from bench.scenarios import CLICK_VIEW, SEARCH_WORDS, TYPES_BY_REP, VRAEM_BOX, VRAEM_VIEW
from bench.startup import free_port


class Action(StrEnum):
    """What a simulated user does."""

    COLD_LOAD = "cold load"
    TYPE_PICK = "type pick"
    BRUSH = "brush"
    BOX = "box"
    ZOOM = "zoom"
    CLICK = "click"
    RESET = "reset"
    TABLE_PAGE = "table page"
    SEARCH = "search"


class StoreKind(StrEnum):
    """Where the served events live."""

    POSTGIS = "postgis"
    MEMORY = "memory"


# How often each action is drawn: mostly filter changes and map moves, now and then a reload.
ACTION_WEIGHTS = {Action.COLD_LOAD: 1, Action.TYPE_PICK: 4, Action.BRUSH: 3, Action.BOX: 3, Action.ZOOM: 3,
                  Action.CLICK: 2, Action.RESET: 2, Action.TABLE_PAGE: 2, Action.SEARCH: 2}
THINK_S = (1.0, 3.0)  # a user's pause between two actions, drawn uniformly
RAMP_S = 5.0  # users start at random moments within the first seconds, not all at once
BRUSH_YEARS = (2005, 2024)
TABLE_PAGES = 20  # a table page is one of the first 20 blocks of 50 rows
REQUEST_TIMEOUT_S = 120.0


def choose_action(rng: random.Random) -> Action:
    """One action drawn by ``ACTION_WEIGHTS``."""
    return rng.choices(list(ACTION_WEIGHTS), weights=list(ACTION_WEIGHTS.values()))[0]


def think_seconds(rng: random.Random) -> float:
    return rng.uniform(*THINK_S)


# --- one user ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One action done: its kind, time (ms), requests and response bytes."""

    action: str
    ms: float
    posts: int
    response_bytes: int
    request_ms: tuple[float, ...] = ()


@dataclass(frozen=True)
class Failure:
    """One action that failed: a non-2xx answer or an exception."""

    user: int
    action: str
    at_s: float  # seconds since the run started
    error: str


@dataclass
class UserResult:
    samples: list[Sample] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # actions with nothing to act on (no point to click)


def table_block(client: DashClient, start_row: int) -> Exchange:
    """The grid's request for the block at ``start_row``, past the first (which comes with every
    filter change's answer): a scroll down the table."""
    block = dict(TABLE_BLOCK, startRow=start_row, endRow=start_row + TABLE_BLOCK["endRow"])
    return client.act({RUTAS.table_request: block})


def do_action(action: Action, client: DashClient, rng: random.Random) -> Exchange | None:
    """Do ``action`` on ``client``'s page with values drawn from ``rng``; None = nothing to act on."""
    if action is Action.COLD_LOAD:
        return client.reload()
    if action is Action.TYPE_PICK:
        types = rng.sample(TYPES_BY_REP, rng.randint(1, 2))
        return client.act({RUTAS.types: types})
    if action is Action.BRUSH:
        year = rng.randint(*BRUSH_YEARS)
        brush = {f"{RUTAS.timeline}.selectedData": {"points": [], "range": {"x": [f"{year}-01-01", f"{year}-12-31"]}}}
        return client.act(brush)
    if action is Action.BOX:
        west, south, east, north = VRAEM_BOX
        shift = rng.uniform(0, 0.4)
        box = {"points": [], "range": {"map": [[west + shift, north - shift], [east - shift, south + shift]]}}
        return client.act({f"{RUTAS.map}.selectedData": box})
    if action is Action.ZOOM:
        view = {"lon": VRAEM_VIEW["lon"] + rng.uniform(-0.5, 0.5), "lat": VRAEM_VIEW["lat"] + rng.uniform(-0.5, 0.5),
                "zoom": rng.uniform(6.0, 10.0)}
        return client.act(zoom_action(RUTAS, view))
    if action is Action.CLICK:  # on a drawn event; a user zooms in to a town until points show
        exchange = Exchange()
        if first_event_point(client.get(RUTAS.map, "figure")) is None:
            exchange.merge(client.act(zoom_action(RUTAS, CLICK_VIEW)))
        click = click_action(RUTAS, client)
        return None if click is None else exchange.merge(client.act(click))
    if action is Action.RESET:
        clicks = client.get(RUTAS.reset.split(".")[0], "n_clicks") or 0
        return client.act({f"{RUTAS.reset}.n_clicks": clicks + 1})
    if action is Action.TABLE_PAGE:
        return table_block(client, TABLE_BLOCK["endRow"] * rng.randint(1, TABLE_PAGES - 1))
    if action is Action.SEARCH:  # kept by the actions after it, until a reset
        return client.act({RUTAS.search: rng.choice(SEARCH_WORDS)})
    raise ValueError(action)


def run_user(number: int, url: str, search: str, seed: int, started: float, deadline: float) -> UserResult:
    """One simulated user until ``deadline`` (``time.time()``): a page load, then think and act."""
    rng = random.Random(seed * 1000 + number)
    time.sleep(max(0.0, started + rng.uniform(0, RAMP_S) - time.time()))
    client = DashClient(url, search, timeout_s=REQUEST_TIMEOUT_S)
    result = UserResult()
    action = Action.COLD_LOAD
    while True:
        try:
            exchange = do_action(action, client, rng)
        except Exception as error:  # noqa: BLE001  (every failure counts, whatever raised it)
            result.failures.append(Failure(number, action, time.time() - started, f"{type(error).__name__}: {error}"[:400]))
            action = Action.COLD_LOAD  # as a user would: reload the page
        else:
            if exchange is None:
                result.skipped[action] += 1
            else:
                result.samples.append(Sample(action, exchange.ms, exchange.posts, exchange.response_bytes,
                                             tuple(exchange.request_ms)))
            action = choose_action(rng)
        pause = think_seconds(rng)
        if time.time() + pause >= deadline:
            return result
        time.sleep(pause)


# --- summary (pure) -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """Latency figures of one kind of action (or of all)."""

    what: str
    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None
    mean_bytes: float | None


def latency_line(what: str, times_ms: Sequence[float], sizes: Sequence[int] = ()) -> Line:
    return Line(what, len(times_ms), percentile(list(times_ms), 50), percentile(list(times_ms), 95),
                percentile(list(times_ms), 99), max(times_ms) if times_ms else None,
                statistics.fmean(sizes) if sizes else None)


def summarise(samples: Sequence[Sample]) -> list[Line]:
    """p50/p95/p99 per action kind (in ``Action`` order), over all actions, and over all requests."""
    lines = []
    for action in Action:
        chosen = [s for s in samples if s.action == action]
        if chosen:
            lines.append(latency_line(action, [s.ms for s in chosen], [s.response_bytes for s in chosen]))
    lines.append(latency_line("all actions", [s.ms for s in samples], [s.response_bytes for s in samples]))
    lines.append(latency_line("all requests", [ms for s in samples for ms in s.request_ms]))
    return lines


@dataclass(frozen=True)
class FailureGroup:
    """Failures of one action with one error text: how many, by which users, when."""

    action: str
    error: str
    count: int
    users: tuple[int, ...]
    first_s: float
    last_s: float


def group_failures(failures: Sequence[Failure]) -> list[FailureGroup]:
    """Failures grouped by (action, error), in the order each first happened."""
    groups: dict[tuple[str, str], list[Failure]] = {}
    for failure in sorted(failures, key=lambda f: f.at_s):
        groups.setdefault((failure.action, failure.error), []).append(failure)
    return [FailureGroup(action, error, len(group), tuple(sorted({f.user for f in group})), group[0].at_s,
                         group[-1].at_s) for (action, error), group in groups.items()]


def redis_hits(before: dict, after: dict) -> tuple[int, int]:
    """(hits, misses) between two ``INFO stats`` readings."""
    return (int(after["keyspace_hits"]) - int(before["keyspace_hits"]),
            int(after["keyspace_misses"]) - int(before["keyspace_misses"]))


# --- services --------------------------------------------------------------------------------------

@contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of this run's own on a free port, in memory only; its URL. Stopped after."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: give --redis-url")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def redis_stats(url: str) -> dict:
    import redis

    client = redis.Redis.from_url(url)
    stats = client.info("stats")
    stats["used_memory"] = client.info("memory")["used_memory"]
    stats["keys"] = client.dbsize()
    return stats


# --- the run -----------------------------------------------------------------------------------

def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a running process has used; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def children_cpu_s() -> float:
    """CPU seconds of this process's children that have ended (the users' processes, once joined)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worker_memory(server: Server) -> list[tuple[int, float | None, float | None]]:
    return [(pid, proc_status_mb(pid, "VmRSS"), proc_status_mb(pid, "VmHWM")) for pid in server.worker_pids()]


def run_load(users: int, minutes: float, workers: int, n: int, store: StoreKind, seed: int = 1,
             redis_url: str = "", as_json: bool = False, kept_database: str | None = None,
             keep_words: tuple[str, ...] = ()) -> int:
    """Serve, load, print; the exit status (1 when any action failed)."""
    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-load-{n}-")))
        database = ""
        if store is StoreKind.POSTGIS:
            database = stack.enter_context(bench_database_server(kept_database))
            dataset_id = database_dataset(database, n, say, keep_words)
            redis_url = redis_url or stack.enter_context(private_redis())
            env, arm = postgis_env(database, redis_url), POSTGIS
        else:
            say(f"n={n:,}: generating and storing synthetic events")
            dataset_id, _ = prepare_dataset(n, tmp)
            env, arm, redis_url = {"RUTAS_DATA_DIR": str(tmp), "RUTAS_BASEMAP": "offline"}, RUTAS, ""
        search = f"?dataset={dataset_id}"
        say(f"starting gunicorn -w {workers} ({store} store)")
        with gunicorn(arm, env, search, workers=workers, log_dir=tmp) as server:
            redis_before = redis_stats(redis_url) if redis_url else None
            db_before = database_active_ms(database) if database else 0.0
            say(f"{users} users for {minutes:g} min against {server.url}/{search}")
            workers_cpu_before = sum(process_cpu_s(pid) for pid in server.worker_pids())
            users_cpu_before = children_cpu_s()
            started = time.time()
            deadline = started + minutes * 60
            with multiprocessing.get_context("spawn").Pool(users) as pool:
                results = pool.starmap(run_user, [(i, server.url, search, seed, started, deadline)
                                                  for i in range(users)])
            elapsed = time.time() - started
            users_cpu = children_cpu_s() - users_cpu_before
            workers_cpu = sum(process_cpu_s(pid) for pid in server.worker_pids()) - workers_cpu_before
            memory, master = worker_memory(server), proc_status_mb(server.process.pid, "VmRSS")
            redis_after = redis_stats(redis_url) if redis_url else None
            alive = server.alive()
            log_tail = server.log_path.read_text(errors="replace").splitlines()[-15:]
        # The server has stopped: its database sessions end and flush their statistics.
        time.sleep(2.0 if database else 0.0)
        db_ms = database_active_ms(database) - db_before if database else None
    samples = [s for r in results for s in r.samples]
    failures = [f for r in results for f in r.failures]
    skipped = {str(action): count for action, count in sum((r.skipped for r in results), Counter()).items()}
    report = LoadReport(users=users, minutes=minutes, workers=workers, n=n, store=str(store), seed=seed,
                        elapsed_s=elapsed, samples=samples, failures=failures, skipped=skipped,
                        workers_mb=memory, master_rss_mb=master, database_ms=db_ms,
                        workers_cpu_s=workers_cpu, users_cpu_s=users_cpu,
                        redis=(redis_hits(redis_before, redis_after) if redis_before else None),
                        redis_keys=redis_after["keys"] if redis_after else None,
                        redis_mb=redis_after["used_memory"] / 2**20 if redis_after else None,
                        server_alive=alive, load=os.getloadavg())
    print_report(report)
    if failures and log_tail:
        print("server log (last lines):")
        for line in log_tail:
            print(f"  {line}")
    if as_json:
        print(json.dumps(report.json()))
    return 1 if failures else 0


@dataclass
class LoadReport:
    users: int
    minutes: float
    workers: int
    n: int
    store: str
    seed: int
    elapsed_s: float
    samples: list[Sample]
    failures: list[Failure]
    skipped: dict
    workers_mb: list[tuple[int, float | None, float | None]]
    master_rss_mb: float | None
    workers_cpu_s: float
    users_cpu_s: float
    database_ms: float | None
    redis: tuple[int, int] | None
    redis_keys: int | None
    redis_mb: float | None
    server_alive: bool
    load: tuple[float, float, float]

    def json(self) -> dict:
        return {"users": self.users, "minutes": self.minutes, "workers": self.workers, "n": self.n,
                "store": self.store, "seed": self.seed, "elapsed_s": round(self.elapsed_s, 1),
                "actions": len(self.samples), "posts": sum(s.posts for s in self.samples),
                "errors": [dataclasses.asdict(f) for f in self.failures], "skipped": self.skipped,
                "latency_ms": [dataclasses.asdict(line) for line in summarise(self.samples)],
                "workers_mb": [{"pid": p, "rss": r, "hwm": h} for p, r, h in self.workers_mb],
                "database_ms": self.database_ms, "redis_hits_misses": self.redis, "load": self.load,
                "workers_cpu_s": round(self.workers_cpu_s, 1), "users_cpu_s": round(self.users_cpu_s, 1)}


def _f(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def print_report(report: LoadReport) -> None:
    samples = report.samples
    posts = sum(s.posts for s in samples)
    print(f"load run: {report.users} users x {report.minutes:g} min, gunicorn -w {report.workers} (gthread), "
          f"{report.store} store, n={report.n:,} synthetic events, seed {report.seed}, "
          f"think {THINK_S[0]:g}-{THINK_S[1]:g} s")
    print(f"  {len(samples)} actions, {posts} POSTs in {report.elapsed_s:.0f} s: "
          f"{len(samples) / report.elapsed_s:.2f} actions/s, {posts / report.elapsed_s:.2f} POSTs/s; "
          f"errors {len(report.failures)}; server {'alive' if report.server_alive else 'DEAD'}")
    if report.skipped:
        print(f"  skipped (nothing to act on): {report.skipped}")
    header = f"  {'action':<13} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean bytes':>11}"
    print(header)
    for line in summarise(samples):
        print(f"  {line.what:<13} {line.count:>6} {_f(line.p50):>8} {_f(line.p95):>8} {_f(line.p99):>8} "
              f"{_f(line.max):>8} {_f(line.mean_bytes, ',.0f'):>11}")
    for pid, rss, hwm in report.workers_mb:
        print(f"  worker {pid}: VmRSS {_f(rss)} MB, VmHWM {_f(hwm)} MB")
    print(f"  master VmRSS {_f(report.master_rss_mb)} MB")
    cores = os.cpu_count() or 1
    print(f"  CPU: workers {report.workers_cpu_s:.1f} s, the simulated users {report.users_cpu_s:.1f} s "
          f"(of {cores * report.elapsed_s:.0f} s on {cores} cores: the users share the machine with the server)")
    if report.database_ms is not None:
        per_post = report.database_ms / posts if posts else None
        print(f"  database time (pg_stat_database.active_time): {report.database_ms / 1000:.1f} s over the run, "
              f"{_f(per_post, '.1f')} ms per POST")
    if report.redis is not None:
        hits, misses = report.redis
        rate = hits / (hits + misses) if hits + misses else None
        print(f"  Redis: {hits} hits, {misses} misses ({_f(None if rate is None else 100 * rate)} % hits), "
              f"{report.redis_keys} keys, {_f(report.redis_mb, '.1f')} MB")
    print(f"  load average at the end: {' '.join(f'{v:.2f}' for v in report.load)}")
    for group in group_failures(report.failures):
        print(f"  ERROR x{group.count} ({group.action}; users {', '.join(map(str, group.users))}; "
              f"{group.first_s:.0f}-{group.last_s:.0f} s): {group.error}")
