"""The PostGIS event store at scale: import time, database size, per-update query time, worker memory.

Run: ``.venv/bin/python -m bench.postgis_store --n 100000,1000000`` (a PostgreSQL with PostGIS at
``RUTAS_TEST_DATABASE_URL``, default the local one ``make services`` starts). Each size gets a new
database (dropped after) and its own process, so memory is that size's alone. The updates are
``bench.store``'s: the same 24 filters, each asking what a filter change asks (totals, histogram,
breakdown, bins or points, one table page). Cold = a new result cache, so every answer is a query;
warm = the same update again, from the cache. Server time is measured in this process around the
store's calls: database time plus the transfer and the numpy that finishes each answer.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.store import memory_kb, one_update, percentile, release_freed_memory, varied_specs
from dashboard.data.cache import LruResultCache
from dashboard.data.database import dispose_engine, driver_url, engine_for, upgrade
from dashboard.data.database.datasets import PostgisDatasetRepository
from dashboard.data.filters import FilterSpec
from dashboard.data.store import PostgisEventStore
from dashboard.data.synth import CHUNK_ROWS, synthetic_events

ORDERS = [("event_date", True), ("quantity_kg", True), ("location", False), ("event_date", False)]


def run_one(n: int, url: str) -> None:
    events = synthetic_events(n, categorical=n > CHUNK_ROWS)
    start = time.perf_counter()
    PostgisDatasetRepository(url).save_frame(events, name=f"bench {n}", file_name="synthetic.csv")
    imported = time.perf_counter() - start
    del events
    release_freed_memory()
    with engine_for(url).connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    before = memory_kb()
    cold, warm, names = [], [], []
    specs = varied_specs()
    for i, spec in enumerate(specs):
        store = PostgisEventStore(url, cache=LruResultCache())  # a fresh cache: every answer is a query
        start = time.perf_counter()
        one_update(store, spec, ORDERS[i % len(ORDERS)])
        cold.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        one_update(store, spec, ORDERS[i % len(ORDERS)])
        warm.append((time.perf_counter() - start) * 1000)
        names.append(spec)
    slowest = sorted(zip(cold, names), key=lambda item: -item[0])[:3]
    store = PostgisEventStore(url)
    page = [store.rows(FilterSpec(), ("event_id",), offset=offset, limit=100) for offset in range(0, 1000, 100)]
    start = time.perf_counter()
    for offset in range(1000, 2000, 100):  # pages in order: each after the one before (keyset)
        page.append(store.rows(FilterSpec(), ("event_id",), offset=offset, limit=100))
    keyset_ms = (time.perf_counter() - start) * 1000 / 10
    memory = memory_kb()
    print(f"n={n:,}  import {imported:.1f} s ({n / imported:,.0f} rows/s)  database {size / 2**20:,.0f} MB  "
          f"worker RSS {before['VmRSS'] / 1024:.0f} MB after import, {memory['VmRSS'] / 1024:.0f} MB after queries")
    print(f"  {len(specs)} specs  cold update p50 {statistics.median(cold):.1f} ms  p95 {percentile(cold, 0.95):.1f} ms"
          f"  max {max(cold):.1f} ms  | warm p50 {statistics.median(warm):.2f} ms p95 {percentile(warm, 0.95):.2f} ms"
          f"  | next table page (keyset) {keyset_ms:.1f} ms")
    for milliseconds, spec in slowest:
        shown = {k: v for k, v in vars(spec).items() if v not in (None, (), "")}
        print(f"  slow: {milliseconds:.0f} ms {shown}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        run_one(args.one, args.url)
        return
    server = os.environ.get("RUTAS_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    for n in (int(v) for v in args.n.split(",")):
        with bench_database(server) as url:
            subprocess.run([sys.executable, "-m", "bench.postgis_store", "--one", str(n), "--url", url], check=False)


@contextmanager
def bench_database(server: str) -> Iterator[str]:
    """A new database ``rutas_bench_<random>`` on ``server`` at the newest schema, dropped after."""
    admin = create_engine(driver_url(server), isolation_level="AUTOCOMMIT")
    name = f"rutas_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))  # a name made here, never input
    url = make_url(driver_url(server)).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        dispose_engine(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
