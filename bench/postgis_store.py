"""The PostGIS event store at scale: import time, database size, per-update query time, worker memory.

Run: ``.venv/bin/python -m bench.postgis_store --n 100000,1000000`` (a PostgreSQL with PostGIS at
``RUTAS_TEST_DATABASE_URL``, default the local one ``make services`` starts). Each size gets a new
database (dropped after) and its own process, so memory is that size's alone. The updates are
``bench.store``'s: the same 25 filters, each asking what a filter change asks (totals, histogram,
breakdown, bins or points, one table page). Cold = a new result cache, so every answer is a query;
warm = the same update again, from the cache. Server time is measured in this process around the
store's calls: database time plus the transfer and the numpy that finishes each answer; "sql" is
the part spent in the driver's execute (the query and its rows' transfer), summed per update.
The load average is printed with the figures (other processes share the cores); "cpu" is what
the load inflates least: the CPU time of this process plus that of the database backend serving
each query (read from /proc, so the server must be local; parallel workers' CPU is not counted,
``--serial`` turns them off so the figure is whole).

``--database NAME`` keeps the database: a later run with the same name skips the import (10M
events take minutes to write) and the migrations, and measures the queries again. ``--each`` also
prints every filter's cold update (ms, CPU).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from bench.store import memory_kb, one_update, percentile, release_freed_memory, varied_specs
from dashboard.data.cache import LruResultCache
from dashboard.data.database import dispose_engine, driver_url, engine_for, upgrade
from dashboard.data.database.datasets import PostgisDatasetRepository
from dashboard.data.filters import FilterSpec
from dashboard.data.store import PostgisEventStore
from dashboard.data.synth import CHUNK_ROWS, synthetic_events

KEPT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
ORDERS = [("event_date", True), ("quantity_kg", True), ("location", False), ("event_date", False)]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_ms(pid: int) -> float:
    """User + system CPU of a local process, in ms (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS


class QueryClock:
    """Since the last ``take``: ms the driver spent executing (and fetching), the queries, and the
    CPU ms of the backends that ran them."""

    def __init__(self, engine, serial: bool) -> None:
        self._local = threading.local()
        self.total_ms, self.queries, self.backend_cpu_ms = 0.0, 0, 0.0
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        self._serial = serial

    def _on_connect(self, dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            dbapi_connection.info_backend_pid = cursor.fetchone()[0]
            if self._serial:
                cursor.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_connection.commit()

    def _before(self, connection, *_args) -> None:
        pid = getattr(connection.connection.dbapi_connection, "info_backend_pid", None)
        self._local.started = (time.perf_counter(), pid, process_cpu_ms(pid) if pid else 0.0)

    def _after(self, *_args) -> None:
        start, pid, cpu = self._local.started
        self.total_ms += (time.perf_counter() - start) * 1000
        self.backend_cpu_ms += process_cpu_ms(pid) - cpu if pid else 0.0
        self.queries += 1

    def take(self) -> tuple[float, int, float]:
        taken = (self.total_ms, self.queries, self.backend_cpu_ms)
        self.total_ms, self.queries, self.backend_cpu_ms = 0.0, 0, 0.0
        return taken


def run_one(n: int, url: str, serial: bool, each: bool = False) -> None:
    engine = engine_for(url)
    engine.dispose()  # connections open from here on report their backend (and are serial if asked)
    clock = QueryClock(engine, serial)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT COALESCE(sum(events), 0) FROM datasets")).scalar_one()
    if stored:
        imported = None
    else:
        events = synthetic_events(n, categorical=n > CHUNK_ROWS)
        start = time.perf_counter()
        PostgisDatasetRepository(url).save_frame(events, name=f"bench {n}", file_name="synthetic.csv")
        imported = time.perf_counter() - start
        del events
        release_freed_memory()
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        n = connection.execute(text("SELECT sum(events) FROM datasets")).scalar_one()
    before = memory_kb()
    cold, warm, names, sql, queries, cpu = [], [], [], [], [], []
    specs = varied_specs()
    for i, spec in enumerate(specs):
        store = PostgisEventStore(url, cache=LruResultCache())  # a fresh cache: every answer is a query
        clock.take()
        start, start_cpu = time.perf_counter(), time.process_time()
        one_update(store, spec, ORDERS[i % len(ORDERS)])
        cold.append((time.perf_counter() - start) * 1000)
        client_cpu = (time.process_time() - start_cpu) * 1000
        spent, count, backend_cpu = clock.take()
        sql.append(spent)
        queries.append(count)
        cpu.append(client_cpu + backend_cpu)
        start = time.perf_counter()
        one_update(store, spec, ORDERS[i % len(ORDERS)])
        warm.append((time.perf_counter() - start) * 1000)
        names.append(spec)
    slowest = sorted(zip(cold, cpu, names), key=lambda item: -item[0])[:3]
    store = PostgisEventStore(url)
    page = [store.rows(FilterSpec(), ("event_id",), offset=offset, limit=100) for offset in range(0, 1000, 100)]
    start = time.perf_counter()
    for offset in range(1000, 2000, 100):  # pages in order: each after the one before (keyset)
        page.append(store.rows(FilterSpec(), ("event_id",), offset=offset, limit=100))
    keyset_ms = (time.perf_counter() - start) * 1000 / 10
    memory = memory_kb()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    done = (f"import {imported:.1f} s ({n / imported:,.0f} rows/s)" if imported is not None
            else "import skipped (kept database)")
    print(f"n={n:,}  {done}  database {size / 2**20:,.0f} MB  "
          f"worker RSS {before['VmRSS'] / 1024:.0f} MB after import, {memory['VmRSS'] / 1024:.0f} MB after queries"
          f"  | load average {load}")
    print(f"  {len(specs)} specs  cold update p50 {statistics.median(cold):.1f} ms  p95 {percentile(cold, 0.95):.1f} ms"
          f"  max {max(cold):.1f} ms  | sql p50 {statistics.median(sql):.1f} ms p95 {percentile(sql, 0.95):.1f} ms"
          f" ({statistics.median(queries):.0f} queries)  | cpu (this process + backend) p50 "
          f"{statistics.median(cpu):.1f} ms p95 {percentile(cpu, 0.95):.1f} ms{' serial' if serial else ''}"
          f"  | warm p50 {statistics.median(warm):.2f} ms"
          f" p95 {percentile(warm, 0.95):.2f} ms  | next table page (keyset) {keyset_ms:.1f} ms")
    for milliseconds, cpu_ms, spec in slowest:
        print(f"  slow: {milliseconds:.0f} ms (cpu {cpu_ms:.0f} ms) {shown_filter(spec)}")
    if each:
        for milliseconds, cpu_ms, spec in zip(cold, cpu, names):
            print(f"  filter: {milliseconds:7.0f} ms (cpu {cpu_ms:.0f} ms) {shown_filter(spec)}")
    sys.stdout.flush()


def shown_filter(spec: FilterSpec) -> dict[str, object]:
    """A filter's set fields (what a line of figures names)."""
    return {k: v for k, v in vars(spec).items() if v not in (None, (), "")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--database", help="keep the database under this name (reused when it holds events)")
    parser.add_argument("--serial", action="store_true", help="no parallel workers (whole CPU figures)")
    parser.add_argument("--each", action="store_true", help="also print each filter's cold update")
    args = parser.parse_args()
    if args.one is not None:
        run_one(args.one, args.url, args.serial, args.each)
        return
    server = os.environ.get("RUTAS_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    for n in (int(v) for v in args.n.split(",")):
        with bench_database(server, args.database) as url:
            subprocess.run([sys.executable, "-m", "bench.postgis_store", "--one", str(n), "--url", url,
                            *(["--serial"] if args.serial else []), *(["--each"] if args.each else [])], check=False)


@contextmanager
def bench_database(server: str, kept: str | None = None) -> Iterator[str]:
    """A new database ``rutas_bench_<random>`` on ``server`` at the newest schema, dropped after;
    ``kept``: that database (made when missing, upgraded, never dropped)."""
    if kept is not None and not KEPT_NAME.match(kept):
        raise SystemExit(f"--database: lower-case letters, digits and _ only, not {kept!r}")
    admin = create_engine(driver_url(server), isolation_level="AUTOCOMMIT")
    name = kept or f"rutas_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))  # a name checked above or made here
    url = make_url(driver_url(server)).set(database=name).render_as_string(hide_password=False)
    try:
        if not exists:  # a kept database is measured as it is (another checkout may be measuring it)
            upgrade(url)
            dispose_engine(url)
        yield url
    finally:
        if kept is None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
