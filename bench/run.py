"""Rutas against the naive Dash app on the same synthetic events, over HTTP and in Chromium.

Each arm runs in its own gunicorn server (``-c gunicorn.conf.py -w 1``); a :class:`DashClient` replays
the same user actions on every arm, rep by rep interleaved, and times the callback POSTs. Memory is
the worker's VmRSS/VmHWM after the scenarios. See ``python -m bench run --help``.

Arms: ``rutas`` (the embedded default: events in the worker's memory), ``naive`` and ``postgis``
(the shared deployment's store: the same events imported into a throwaway database, made and
dropped here; public read, a random secret key, no Redis, so the worker's own result cache). For
``postgis`` the database time of a scenario is the growth of the database's
``pg_stat_database.active_time`` (the time its sessions spent running statements) over the timed
repetitions, per repetition, read after a pause that lets the sessions flush their statistics. It
includes a repetition's untimed setup (the type chosen before a reset, the zoom before a click).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.dash_client import DashClient, DashRequestError, decode_array, plain
from bench.scenarios import CLICK_VIEW, SCENARIOS, SEARCH_WORDS, TYPES_BY_REP, VRAEM_BOX, VRAEM_VIEW
from bench.startup import REPO, free_port
from dashboard.state.views import TABLE_BLOCK_ROWS

WARMUP = 2
SERVER_START_TIMEOUT_S = 600


@dataclass(frozen=True)
class Arm:
    """One app under test and the ids of the controls the scenarios use."""

    name: str
    target: str  # gunicorn app
    types: str  # "id.prop" of the event-type control
    multi_types: bool
    timeline: str
    map: str
    reset: str
    # A table block the server answers, "id.prop": the grid's blocks past the first (scrolled to; a
    # grid request the first block, sent with every change's answer, does not answer).
    table_request: str = ""
    search: str = ""  # "id.prop" of the free-text search; none: the arm cannot search


RUTAS = Arm("rutas", "app:server", "filters-types.value", True, "timeline-graph", "map-graph", "page-reset",
            table_request="table-rows-request.data", search="filters-text.value")
TABLE_BLOCK = {"startRow": 0, "endRow": TABLE_BLOCK_ROWS, "sortModel": [], "filterModel": {}}  # as the grid asks
NAIVE = Arm("naive", "bench.naive_app:server", "naive-type.value", False, "naive-timeline", "naive-map",
            "naive-reset")
POSTGIS = dataclasses.replace(RUTAS, name="postgis")  # the same app on the shared deployment's store
ARMS = {arm.name: arm for arm in (RUTAS, NAIVE, POSTGIS)}
# PostgreSQL 15 flushes an idle session's statistics at most once a second, else after 10 s idle
# (PGSTAT_IDLE_INTERVAL): the last second of a scenario would count in the next one.
STATS_FLUSH_S = 11.0


@dataclass
class Record:
    arm: str
    n: int
    scenario: str
    times_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)  # bytes the page sent (callback POST bodies) per action
    rss_mb: float | None = None
    hwm_mb: float | None = None
    browser_ms: list[float] = field(default_factory=list)
    browser_posts: list[int] = field(default_factory=list)  # callback POSTs per action, in Chromium
    browser_frames: list[int] = field(default_factory=list)  # map frames per action, in Chromium
    database_ms: float | None = None  # database time per repetition (postgis arm)
    asked: list[str] = field(default_factory=list)  # what each timed repetition asked (rep_label)
    dnf: bool = False
    note: str = ""

    def json(self) -> dict:
        return {"arm": self.arm, "n": self.n, "scenario": self.scenario,
                "server_p50_ms": _round(percentile(self.times_ms, 50)),
                "server_p95_ms": _round(percentile(self.times_ms, 95)),
                "response_bytes": int(statistics.median(self.sizes)) if self.sizes else None,
                "request_bytes": int(statistics.median(self.sent)) if self.sent else None,
                "rss_mb": _round(self.rss_mb), "rss_hwm_mb": _round(self.hwm_mb),
                "database_ms": _round(self.database_ms),
                "browser_ms": _round(percentile(self.browser_ms, 95)),
                "browser_posts": max(self.browser_posts) if self.browser_posts else None,
                "browser_frames": max(self.browser_frames) if self.browser_frames else None,
                "slowest": self.slowest(),
                "dnf": self.dnf, **({"note": self.note} if self.note else {})}

    def slowest(self) -> dict | None:
        """The slowest timed repetition and what it asked: with few repetitions the p95 is nearly
        this one, so the note can name the word or the box that set it."""
        if not self.times_ms:
            return None
        at = max(range(len(self.times_ms)), key=self.times_ms.__getitem__)
        return {"ms": _round(self.times_ms[at]), "asked": self.asked[at] if at < len(self.asked) else ""}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (as bench/updates.py); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# --- data --------------------------------------------------------------------------------------

def prepare_dataset(n: int, data_dir: Path) -> tuple[str, Path]:
    """Write n synthetic events as a Rutas dataset; return its id and its events parquet.

    Generated in a child process, so the gigabytes it takes at 10M are given back before the
    servers start (a process rarely returns freed memory to the system).
    """
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(_generate_and_store, n, data_dir).result()


def _generate_and_store(n: int, data_dir: Path) -> tuple[str, Path]:
    from dashboard.data.datasets import EVENTS_FILE, DatasetRepository
    from dashboard.data.synth import synthetic_events

    meta = DatasetRepository(data_dir).save_frame(synthetic_events(n, seed=1), name=f"bench {n}",
                                                  file_name=f"synthetic-{n}.parquet")
    return meta.dataset_id, data_dir / "datasets" / meta.dataset_id / EVENTS_FILE


def import_into_database(url: str, n: int) -> str:
    """n synthetic events (the same as :func:`prepare_dataset`'s) into the database as one dataset;
    its id. In a child process, as :func:`prepare_dataset`."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(_save_events, url, n).result()


def _save_events(url: str, n: int) -> str:
    from dashboard.data.database.datasets import PostgisDatasetRepository
    from dashboard.data.synth import CHUNK_ROWS, synthetic_events

    events = synthetic_events(n, seed=1, categorical=n > CHUNK_ROWS)
    return PostgisDatasetRepository(url).save_frame(events, name=f"bench {n}", file_name="synthetic.csv").dataset_id


def postgis_env(database_url: str, redis_url: str = "") -> dict[str, str]:
    """The shared deployment's variables for a bench server: public read, a random secret key."""
    return {"RUTAS_DATABASE_URL": database_url, "RUTAS_SECRET_KEY": secrets.token_hex(32),
            "RUTAS_PUBLIC_READ": "true", "RUTAS_REDIS_URL": redis_url, "RUTAS_BASEMAP": "offline"}


def database_active_ms(url: str) -> float:
    """The database's ``pg_stat_database.active_time``: ms its sessions spent running statements."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return float(connection.execute(text(
                "SELECT active_time FROM pg_stat_database WHERE datname = current_database()")).scalar_one())
    finally:
        engine.dispose()


@contextmanager
def bench_database_server(kept: str | None = None):
    """A throwaway database on the bench's PostgreSQL (``RUTAS_TEST_DATABASE_URL``, default the local
    one); ``kept``: that database, made when missing, never dropped."""
    from bench.postgis_store import bench_database

    server = os.environ.get("RUTAS_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    with bench_database(server, kept) as url:
        yield url


def database_dataset(url: str, n: int, say: Callable[[str], None], keep_words: tuple[str, ...] = ()) -> str:
    """The id of the database's dataset of ``n`` events (a kept database's, imported by an earlier
    run), else of ``n`` synthetic events imported now; ``keep_words``: search words the database
    then keeps groups for (:func:`~dashboard.data.database.search_words.keep_words`)."""
    dataset_id = _database_dataset(url, n, say)
    if keep_words:
        from dashboard.data.database.search_words import keep_words as keep

        start = time.perf_counter()
        written = keep(url, keep_words)
        say(f"  search words kept in {time.perf_counter() - start:.1f} s: "
            + ", ".join(f"{word} ({facts:,} events written)" if facts else f"{word} (held already)"
                        for word, facts in written))
    return dataset_id


def _database_dataset(url: str, n: int, say: Callable[[str], None]) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT dataset_id FROM datasets WHERE events = :n ORDER BY dataset_key"),
                                       {"n": n}).scalars().first()
    finally:
        engine.dispose()
    if found is not None:
        say(f"n={n:,}: reusing dataset {found} in {url.rsplit('/', 1)[-1]}")
        return str(found)
    say(f"n={n:,}: importing synthetic events into {url.rsplit('/', 1)[-1]}")
    start = time.perf_counter()
    dataset_id = import_into_database(url, n)
    say(f"  imported in {time.perf_counter() - start:.0f} s")
    return dataset_id


# --- servers -----------------------------------------------------------------------------------

@dataclass
class Server:
    arm: Arm
    url: str
    search: str
    process: subprocess.Popen
    log_path: Path

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def alive(self) -> bool:
        return self.process.poll() is None and bool(self.worker_pids())


def proc_status_mb(pid: int, field_name: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


@contextmanager
def gunicorn(arm: Arm, env: dict[str, str], search: str, workers: int = 1, log_dir: Path | None = None):
    """Start one arm under gunicorn on a free port; wait until it answers; stop it afterwards."""
    port = free_port()
    log_path = Path(log_dir or tempfile.gettempdir()) / f"bench-{arm.name}-{port}.log"
    # The production settings (gunicorn.conf.py: preloaded, threaded workers) with this run's
    # worker count and port; the long timeout leaves room for callbacks over millions of events.
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(REPO / "gunicorn.conf.py"),
               "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "600", arm.target]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}, stdout=log_file,
                                   stderr=subprocess.STDOUT)
    server = Server(arm, f"http://127.0.0.1:{port}", search, process, log_path)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{arm.name} server exited; see {log_path}")
            try:
                with urllib.request.urlopen(f"{server.url}/", timeout=5) as response:  # noqa: S310
                    response.read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{arm.name} server did not answer; see {log_path}") from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- scenarios ---------------------------------------------------------------------------------

def mercator_corners(lon: float, lat: float, zoom: float, width_px: float = 900, height_px: float = 600):
    """The map's corner coordinates (as plotly's ``map._derived``) for a centre and zoom."""
    scale = 512 * 2 ** zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * scale

    def unproject(px_x: float, px_y: float) -> list[float]:
        lon_ = px_x / scale * 360 - 180
        lat_ = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * px_y / scale))))
        return [round(lon_, 6), round(lat_, 6)]

    w, h = width_px / 2, height_px / 2
    return [unproject(x - w, y - h), unproject(x + w, y - h), unproject(x + w, y + h), unproject(x - w, y + h)]


def first_event_point(figure: dict | None) -> dict | None:
    """Click data for the first event point of the map: a scattermap markers-only trace.

    Rutas draws one trace whose ``meta`` says whether it holds grid cells and how many leading
    points are uncertainty rings; the naive app's traces are plain markers (lines, outlines and
    colour-scaled cells skipped).
    """
    for number, trace in enumerate((figure or {}).get("data", [])):
        mode = trace.get("mode", "markers")
        if trace.get("type") != "scattermap" or "markers" not in mode or "lines" in mode:
            continue
        meta = trace.get("meta") if isinstance(trace.get("meta"), dict) else None
        if meta is not None and meta.get("cells"):
            continue
        if meta is None and (trace.get("hoverinfo") == "skip" or "colorscale" in (trace.get("marker") or {})):
            continue
        first = int(meta.get("halo_points", 0)) if meta else 0
        custom, lon, lat = (decode_array(trace.get(k)) for k in ("customdata", "lon", "lat"))
        if len(lon) <= first:
            continue
        point = {"curveNumber": number, "pointNumber": first, "pointIndex": first,
                 "lon": plain(lon[first]), "lat": plain(lat[first])}
        if len(custom):
            value = plain(custom[first])
            if isinstance(value, str) and not value.isdigit():
                continue
            point["customdata"] = value
        return point
    return None


def brush_year(rep: int) -> int:
    return 2019 - (rep % 15)  # 2019 first, then one year after another


def box_shift(rep: int) -> float:
    return 0.05 * (rep % 9)  # degrees the VRAEM box shrinks by on each side


def zoom_longitude(rep: int) -> float:
    return VRAEM_VIEW["lon"] + 0.03 * (rep % 11)


def rep_type(rep: int) -> str:
    return TYPES_BY_REP[rep % len(TYPES_BY_REP)]


def search_word(rep: int) -> str:
    return SEARCH_WORDS[rep % len(SEARCH_WORDS)]


def scenario_actions(scenario: str, arm: Arm, client: DashClient, rep: int = 0) -> tuple[dict | None, dict | None]:
    """(setup, action) prop changes for a scenario on an arm at repetition ``rep``; action None =
    cannot be scripted. The same ``rep`` gives both arms the same question."""
    event_type = rep_type(rep)
    if scenario == "one type":
        return None, {arm.types: [event_type] if arm.multi_types else event_type}
    if scenario == "brush 2019":
        year = brush_year(rep)
        if client.reads(arm.timeline, "selectedData"):
            return None, {f"{arm.timeline}.selectedData": {"points": [],
                                                           "range": {"x": [f"{year}-01-01", f"{year}-12-31"]}}}
        return None, {f"{arm.timeline}.relayoutData": {"xaxis.range[0]": f"{year}-01-01",
                                                       "xaxis.range[1]": f"{year}-12-31"}}
    if scenario == "VRAEM box":
        west, south, east, north = VRAEM_BOX
        shift = box_shift(rep)
        return None, {f"{arm.map}.selectedData": {"points": [], "range": {
            "map": [[west + shift, north - shift], [east - shift, south + shift]]}}}
    if scenario == "zoom VRAEM":
        view = dict(VRAEM_VIEW, lon=zoom_longitude(rep))
        return None, zoom_action(arm, view)
    if scenario == "click event":  # after zooming in to a town (untimed), where points are drawn
        return zoom_action(arm, CLICK_VIEW), None
    if scenario == "reset":  # from a filtered state: a reset of nothing measures nothing
        return {arm.types: [event_type] if arm.multi_types else event_type}, {f"{arm.reset}.n_clicks": 1 + rep}
    if scenario == "search":
        return None, {arm.search: search_word(rep)} if arm.search else None
    raise ValueError(scenario)


def rep_label(scenario: str, rep: int) -> str:
    """What :func:`scenario_actions` asks at repetition ``rep``, in a few words (the slowest
    repetition is named by it)."""
    if scenario in ("one type", "reset"):
        return rep_type(rep)
    if scenario == "brush 2019":
        return str(brush_year(rep))
    if scenario == "VRAEM box":
        return f"{box_shift(rep):.2f} deg in"
    if scenario == "zoom VRAEM":
        return f"lon {zoom_longitude(rep):.2f}"
    if scenario == "search":
        return repr(search_word(rep))
    return ""


def zoom_action(arm: Arm, view: dict = VRAEM_VIEW) -> dict:
    return {f"{arm.map}.relayoutData": {
        "map.center": {"lon": view["lon"], "lat": view["lat"]}, "map.zoom": view["zoom"],
        "map.bearing": 0, "map.pitch": 0,
        "map._derived": {"coordinates": mercator_corners(view["lon"], view["lat"], view["zoom"])}}}


def click_action(arm: Arm, client: DashClient) -> dict | None:
    point = first_event_point(client.get(arm.map, "figure"))
    return None if point is None else {f"{arm.map}.clickData": {"points": [point]}}


@dataclass
class ArmSession:
    """One arm's server, client and the state right after a cold load."""

    server: Server
    client: DashClient
    cold: tuple | None = None
    failed: str = ""
    database_url: str = ""  # the arm's database, whose time is read per scenario

    def one_rep(self, scenario: str, rep: int = 0) -> tuple[float, int, int] | None:
        """Run one repetition: (ms, response bytes, request bytes); None when the scenario cannot be
        scripted on this arm."""
        client, arm = self.client, self.server.arm
        if scenario == "cold load":
            exchange = client.initial_load()
            self.cold = client.snapshot()
            return exchange.ms, exchange.response_bytes, exchange.request_bytes
        client.restore(self.cold)
        setup, action = scenario_actions(scenario, arm, client, rep)
        if setup:
            client.act(setup)
        if scenario == "click event":
            action = click_action(arm, client)
        if action is None:
            return None
        # The table's first block comes with a change's answer (the page body's, the filter's).
        exchange = client.act(action)
        return exchange.ms, exchange.response_bytes, exchange.request_bytes


def run_http(sessions: list[ArmSession], n: int, reps: int, say: Callable[[str], None]) -> dict:
    """Every scenario, reps interleaved across arms; returns records by (arm, scenario)."""
    records = {(s.server.arm.name, sc): Record(s.server.arm.name, n, sc) for s in sessions for sc in SCENARIOS}
    for session in sessions:  # one cold load each, so every scenario has a start state
        try:
            session.one_rep("cold load")
        except DashRequestError as error:
            session.failed = f"cold load failed: {error}"
    with_database = [s for s in sessions if s.database_url]
    for scenario in SCENARIOS:
        database_before: dict[str, float] = {}
        for rep in range(WARMUP + reps):
            if rep == WARMUP and with_database:
                database_before = database_times(with_database)
            for session in sessions:
                record = records[(session.server.arm.name, scenario)]
                if record.dnf or record.note or session.failed:
                    if session.failed and not record.dnf:
                        record.dnf, record.note = True, session.failed
                    continue
                try:
                    result = session.one_rep(scenario, rep)
                except DashRequestError as error:
                    record.dnf, record.note = True, str(error)[:300]
                    if not session.server.alive():
                        session.failed = "server crashed"
                    continue
                if result is None:
                    record.note = ("not scriptable: no clickable event point in the map figure"
                                   if scenario == "click event" else "not scriptable: the arm has no such control")
                    continue
                if rep >= WARMUP:
                    record.times_ms.append(result[0])
                    record.asked.append(rep_label(scenario, rep))
                    record.sizes.append(result[1])
                    record.sent.append(result[2])
        for name, after in (database_times(with_database) if database_before else {}).items():
            record = records[(name, scenario)]
            if record.times_ms:  # the timed repetitions' database time, their setups included
                record.database_ms = (after - database_before[name]) / len(record.times_ms)
        say(f"  n={n:,} {scenario}: done")
    for session in sessions:
        workers = session.server.worker_pids()
        for scenario in SCENARIOS:
            record = records[(session.server.arm.name, scenario)]
            if workers:
                record.rss_mb = proc_status_mb(workers[0], "VmRSS")
                record.hwm_mb = proc_status_mb(workers[0], "VmHWM")
    return records


def database_times(sessions: list[ArmSession]) -> dict[str, float]:
    """Each arm's database time so far (ms), once its sessions have flushed their statistics."""
    time.sleep(STATS_FLUSH_S)
    return {s.server.arm.name: database_active_ms(s.database_url) for s in sessions}


# --- reporting ---------------------------------------------------------------------------------

def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def print_table(records: list[Record], arms: list[str]) -> None:
    header = (f"{'n':>9} {'scenario':<12} {'arm':<7} {'p50 ms':>8} {'p95 ms':>8} {'DB ms':>7} {'bytes':>12} "
              f"{'sent':>10} {'RSS MB':>7} {'HWM MB':>7} {'browser p50/p95 ms':>19} {'POSTs':>5} {'frames':>6}  note")
    print(header)
    print("-" * len(header))
    by_key = {(r.arm, r.n, r.scenario): r for r in records}
    for n in sorted({r.n for r in records}):
        for scenario in SCENARIOS:
            for arm in arms:
                r = by_key.get((arm, n, scenario))
                if r is None:
                    continue
                size = int(statistics.median(r.sizes)) if r.sizes else None
                sent = int(statistics.median(r.sent)) if r.sent else None
                browser = (f"{_fmt(percentile(r.browser_ms, 50), '.0f')}/{_fmt(percentile(r.browser_ms, 95), '.0f')}"
                           if r.browser_ms else "-")
                slowest = r.slowest()
                note = ("DNF " if r.dnf else "") + r.note + (
                    f"slowest {slowest['ms']:.0f} ms: {slowest['asked']}" if slowest and slowest["asked"] and not r.note else "")
                print(f"{n:>9,} {scenario:<12} {arm:<7} {_fmt(percentile(r.times_ms, 50)):>8} "
                      f"{_fmt(percentile(r.times_ms, 95)):>8} {_fmt(r.database_ms):>7} {_fmt(size, ',d'):>12} "
                      f"{_fmt(sent, ',d'):>10} {_fmt(r.rss_mb, '.0f'):>7} "
                      f"{_fmt(r.hwm_mb, '.0f'):>7} {browser:>19} {_fmt(max(r.browser_posts) if r.browser_posts else None, 'd'):>5} "
                      f"{_fmt(max(r.browser_frames) if r.browser_frames else None, 'd'):>6}  {note[:90]}")
            if "rutas" in arms and "naive" in arms:
                rutas, naive = by_key.get(("rutas", n, scenario)), by_key.get(("naive", n, scenario))
                print(f"{'':>9} {'':<12} {'ratio':<7} Rutas/naive: p95 {_ratio(rutas, naive, 'p95')}, "
                      f"bytes {_ratio(rutas, naive, 'bytes')}, sent {_ratio(rutas, naive, 'sent')}, "
                      f"browser p95 {_ratio(rutas, naive, 'browser')}")
            if "rutas" in arms and "postgis" in arms:
                rutas, postgis = by_key.get(("rutas", n, scenario)), by_key.get(("postgis", n, scenario))
                print(f"{'':>9} {'':<12} {'ratio':<7} PostGIS/in memory: p95 {_ratio(postgis, rutas, 'p95')}, "
                      f"bytes {_ratio(postgis, rutas, 'bytes')}")
        print()


def _ratio(measured: Record | None, baseline: Record | None, what: str) -> str:
    """``measured``'s figure over ``baseline``'s (p95, median bytes received or sent, or browser p95)."""
    def value(r: Record | None) -> float | None:
        if r is None or r.dnf:
            return None
        if what == "p95":
            return percentile(r.times_ms, 95)
        if what == "bytes":
            return statistics.median(r.sizes) if r.sizes else None
        if what == "sent":
            return statistics.median(r.sent) if r.sent else None
        return percentile(r.browser_ms, 95)

    a, b = value(measured), value(baseline)
    if baseline is not None and baseline.dnf and a is not None:
        return f"{baseline.arm} DNF"
    if a is None or b is None:
        return "n/a"
    if b == 0:
        return f"n/a ({baseline.arm} 0)"
    return f"{a / b:.3f}"


# --- entry point -------------------------------------------------------------------------------

def run(ns: list[int], reps: int, arms: list[str], browser: bool, browser_reps: int, as_json: bool,
        kept_database: str | None = None, keep_words: tuple[str, ...] = ()) -> None:
    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    records: list[Record] = []
    for n in ns:
        with tempfile.TemporaryDirectory(prefix=f"bench-{n}-") as tmp, ExitStack() as stack:
            envs: dict[str, dict[str, str]] = {}
            searches: dict[str, str] = {"naive": ""}
            if {"rutas", "naive"} & set(arms):
                say(f"n={n:,}: generating and storing synthetic events")
                dataset_id, parquet = prepare_dataset(n, Path(tmp))
                envs.update(rutas={"RUTAS_DATA_DIR": tmp, "RUTAS_BASEMAP": "offline"},
                            naive={"NAIVE_EVENTS": str(parquet)})
                searches["rutas"] = f"?dataset={dataset_id}"
            database = ""
            if "postgis" in arms:  # entered before the servers: dropped after they stop
                database = stack.enter_context(bench_database_server(kept_database))
                searches["postgis"] = f"?dataset={database_dataset(database, n, say, keep_words)}"
                envs["postgis"] = postgis_env(database)
            sessions = []
            for name in arms:
                say(f"n={n:,}: starting {name}")
                server = stack.enter_context(gunicorn(ARMS[name], envs[name], searches[name], log_dir=Path(tmp)))
                # A database answer at millions of events can take long: more room than in memory.
                client = DashClient(server.url, searches[name], timeout_s=300 if name == "postgis" else 30)
                client.fetch_app()
                for line in client.skipped:
                    say(f"  {name}: skipped {line}")
                sessions.append(ArmSession(server, client, database_url=database if name == "postgis" else ""))
            by_key = run_http(sessions, n, reps, say)
            if browser:
                from bench.browser import measure_browser

                for session in sessions:
                    say(f"n={n:,}: browser, {session.server.arm.name}")
                    for scenario, measure in measure_browser(session.server, browser_reps).items():
                        record = by_key[(session.server.arm.name, scenario)]
                        record.browser_ms = measure.times
                        record.browser_posts, record.browser_frames = measure.posts, measure.frames
                        if measure.failure:
                            record.dnf = True
                            record.note = (record.note + " " if record.note else "") + f"browser: {measure.failure}"
            records.extend(by_key.values())
    print_table(records, arms)
    if as_json:
        for record in records:
            print(json.dumps(record.json()))
