"""Races through the served app (issue 20): the production gunicorn config, two workers, driven over
HTTP by the bench's Dash client as the page drives it.

``test_concurrency.py`` races the repositories from spawned processes; here the same races go
through ``/_dash-update-component``: four pages send the same upload at once, four pages add a slide
to the same story at the same revision, and a worker is killed (SIGKILL) in the middle of an import
while ``python -m dashboard info`` runs its clean-up. Every round releases the clients with one
barrier; every wait polls a condition and fails with a message when its timeout passes.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest

from bench.dash_client import DashClient, DashRequestError
from bench.run import RUTAS, Server, gunicorn
from dashboard.data.datasets import DatasetRepository
from dashboard.data.interprocess import owner_of, process_alive
from dashboard.data.stories import Slide, Story, StoryRepository
from dashboard.data.synth import synthetic_events, write_synthetic_csv
from dashboard.data.upload_outcomes import OutcomeState, UploadOutcomes
from dashboard.i18n import translate
from dashboard.ids import DataIds, StoryIds
from dashboard.state.story_builder import story_hash

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 4
UPLOAD_ROUNDS = 10
STORY_ROUNDS = 10
KILL_ROUNDS = 4
KILL_ROWS = 20_000
TIMEOUT = 60  # seconds any one wait may take: a hang fails the test with a message, it never freezes it
LANG = "en"
TEMP_PREFIXES = (".tmp-", ".trash-")


# ---- the server and its pages ------------------------------------------------------------------------
@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """The production config (gunicorn.conf.py, 2 gthread workers) on a free port and a fresh data dir."""
    data_dir = tmp_path / "data"
    with gunicorn(RUTAS, {"RUTAS_DATA_DIR": str(data_dir)}, "", workers=2, log_dir=tmp_path) as server:
        yield server, data_dir
    log = server.log_path.read_text(errors="replace")
    assert "Exception on /_dash-update-component" not in log, log[-3000:]


def open_pages(server: Server, count: int = CLIENTS) -> list[DashClient]:
    """``count`` pages, each loaded as a browser loads it (layout, then the initial callbacks)."""
    pages = []
    for _ in range(count):
        page = DashClient(server.url, timeout_s=TIMEOUT)
        page.initial_load()
        pages.append(page)
    return pages


def at_once(pages: list[DashClient], action: Callable[[int, DashClient], object]) -> list[object]:
    """Run ``action`` on every page in its own thread, all released at the same instant.

    A request that fails (HTTP 500, timeout) is returned as its ``DashRequestError``, not raised, so
    the caller counts it."""
    barrier = threading.Barrier(len(pages), timeout=TIMEOUT)

    def run(index: int) -> object:
        barrier.wait()
        try:
            return action(index, pages[index])
        except DashRequestError as error:
            return error

    with ThreadPoolExecutor(len(pages)) as pool:
        return list(pool.map(run, range(len(pages))))


def failures(outcomes: list[object]) -> list[str]:
    return [str(o) for o in outcomes if isinstance(o, DashRequestError)]


def wait_until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> object:
    """Poll ``condition`` until it is truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.005)


def data_url(data: bytes) -> str:
    """An upload as dcc.Upload hands it to the page: a base64 data URL."""
    return "data:text/csv;base64," + base64.b64encode(data).decode("ascii")


def ticket(contents: str) -> dict:
    """What the page's clientside callback stores before the upload is sent: a fresh token and the length."""
    return {"token": str(uuid.uuid4()), "chars": len(contents)}


def leftovers(data_dir: Path) -> list[Path]:
    """Temporary and trash entries (import folders, story temp files) anywhere in the data dir."""
    return sorted(p for p in data_dir.rglob(".t*") if p.name.startswith(TEMP_PREFIXES))


def cli(data_dir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dashboard", *args], cwd=REPO,
                            env={**os.environ, "RUTAS_DATA_DIR": str(data_dir)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen, what: str) -> str:
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{what} did not finish within {TIMEOUT} s")
    assert process.returncode == 0, f"{what}: exit {process.returncode}: {err[-2000:]}"
    return out


# ---- race 1: the same upload from four pages -------------------------------------------------------
def small_csv(number: int) -> bytes:
    """A small importable CSV, different each round (the same bytes twice are one dataset)."""
    return (f"date,lat,lon,location\n2019-01-{number + 1:02d},-12.5,-73.8,Pichari\n"
            f"2019-02-01,-12.6,-73.9,Round {number}\n").encode()


def uploader(data: bytes, file_name: str) -> Callable[[int, DashClient], dict]:
    """A page choosing this file in its upload control; returns the report the page then shows."""
    contents = data_url(data)

    def upload(index: int, page: DashClient) -> dict:
        # dcc.Upload sets contents and filename; the clientside callback (not run by the client)
        # names the upload with a token, which triggers the import on the server.
        page.act({f"{DataIds.UPLOAD}.contents": contents, f"{DataIds.UPLOAD}.filename": file_name,
                  f"{DataIds.UPLOAD_TOKEN}.data": ticket(contents)})
        return page.get(DataIds.REPORT_STORE, "data")

    return upload


def test_srr001_same_upload_from_four_pages_makes_one_dataset(served):
    server, data_dir = served
    pages = open_pages(server)
    assert all(page.reads(DataIds.UPLOAD_TOKEN, "data") for page in pages)
    listed: list[str] = []
    for number in range(UPLOAD_ROUNDS):
        outcomes = at_once(pages, uploader(small_csv(number), f"round-{number}.csv"))
        assert failures(outcomes) == [], f"round {number}: {failures(outcomes)}"
        metas = DatasetRepository(data_dir).list()
        new = [m for m in metas if m.dataset_id not in listed]
        assert len(new) == 1, f"round {number}: {len(new)} new datasets: {[m.dataset_id for m in new]}"
        listed.append(new[0].dataset_id)
        assert len(metas) == number + 1, "an earlier dataset was lost"
        reports = outcomes  # each page's report, as its import's response left it
        assert [r["dataset_id"] for r in reports] == [new[0].dataset_id] * CLIENTS, reports
        assert all(r["accepted"] == 2 and not r["refused"] for r in reports), reports
        assert sorted(r["already_imported"] for r in reports) == [False] + [True] * (CLIENTS - 1), reports
        assert leftovers(data_dir) == []
    # The command line reads the same data directory the same way.
    cli_ids = [m["dataset_id"] for m in json.loads(finished(cli(data_dir, "datasets", "--json"), "datasets"))]
    assert sorted(cli_ids) == sorted(listed)


# ---- race 2: the same story, the same revision, four pages ---------------------------------------------
def test_srr002_same_revision_slide_from_four_pages_one_added_the_others_told(served):
    server, data_dir = served
    repository = StoryRepository(data_dir)
    repository.save(Story(story_id="shared", title="Shared", slides=(Slide(title="First"),)))
    pages = open_pages(server)
    for page in pages:  # each page chooses the story in the chooser, as a user does
        page.act({f"{StoryIds.SELECT}.value": "shared"})
    stale = translate("story.stale", LANG)
    titles = ["First"]
    for number in range(STORY_ROUNDS):
        now = story_hash(repository.get("shared"))
        stores = [page.get(StoryIds.STORE, "data") for page in pages]
        assert all(s["id"] == "shared" and s["hash"] == now for s in stores), (number, stores)
        for index, page in enumerate(pages):  # typed in each page's slide title field
            page.components[StoryIds.SLIDE_TITLE]["props"]["value"] = f"Round {number} page {index}"

        def add(index: int, page: DashClient) -> str:
            clicks = page.get(StoryIds.ADD, "n_clicks") or 0
            page.act({f"{StoryIds.ADD}.n_clicks": clicks + 1})
            return page.get(StoryIds.STATUS, "children")

        outcomes = at_once(pages, add)
        assert failures(outcomes) == [], f"round {number}: {failures(outcomes)}"
        winners = [i for i, status in enumerate(outcomes) if status != stale]
        assert len(winners) == 1, f"round {number}: {outcomes}"
        [winner] = winners
        titles.append(f"Round {number} page {winner}")
        assert outcomes[winner] == translate("story.added", LANG, number=len(titles), slide=titles[-1],
                                             title="Shared")
        assert [s.title for s in repository.get("shared").slides] == titles  # one new slide: the winner's
        assert leftovers(data_dir) == []


# ---- kill -9 in the middle of an import -------------------------------------------------------------
def post_callback(port: int, body: bytes, connected: Callable[[http.client.HTTPConnection], None] | None = None
                  ) -> tuple[int, bytes]:
    """POST one callback request on its own connection; ``connected`` learns the connection first."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.connect()
        if connected:
            connected(connection)
        connection.request("POST", "/_dash-update-component", body=body,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def upload_body(page: DashClient, contents: str, file_name: str, token: dict) -> bytes:
    """The request the page sends for the import callback (triggered by the upload's token)."""
    [callback] = [c for c in page.callbacks if c.input_keys() == [f"{DataIds.UPLOAD_TOKEN}.data"]]
    values = {f"{DataIds.UPLOAD}.contents": contents, f"{DataIds.UPLOAD}.filename": file_name,
              f"{DataIds.UPLOAD_TOKEN}.data": token}

    def value(component_id: str, prop: str) -> object:
        return values.get(f"{component_id}.{prop}", page.get(component_id, prop))

    outputs = [{"id": i, "property": p} for i, p in callback.outputs]
    return orjson.dumps({
        "output": callback.output, "outputs": outputs,
        "inputs": [{"id": i, "property": p, "value": value(i, p)} for i, p in callback.inputs],
        "state": [{"id": i, "property": p, "value": value(i, p)} for i, p in callback.state],
        "changedPropIds": [f"{DataIds.UPLOAD_TOKEN}.data"],
    })


def report_of(status: int, data: bytes) -> dict:
    assert status == 200, f"HTTP {status}: {data[:500]!r}"
    return orjson.loads(data)["response"][DataIds.REPORT_STORE]["data"]


def socket_inode(server_port: int, client_port: int) -> int | None:
    """The inode of the server side of the connection from ``client_port`` (IPv4 loopback)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            return int(fields[9]) or None
    return None


def holder_of(inode: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the socket (the worker that accepted the connection)."""
    wanted = f"socket:[{inode}]"
    for pid in pids:
        try:
            names = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for name in names:
            try:
                if os.readlink(f"/proc/{pid}/fd/{name}") == wanted:
                    return pid
            except OSError:
                continue
    return None


def kill_mid_import(server: Server, page: DashClient, data_dir: Path, contents: str, file_name: str,
                    while_writing: bool) -> None:
    """Send the import, SIGKILL the worker serving it (while it parses, or while it writes its temporary
    folder) and run ``python -m dashboard info`` at once; the request gets no answer."""
    port = int(server.url.rsplit(":", 1)[1])
    workers = wait_until(lambda: len(server.worker_pids()) == 2 and server.worker_pids(), "two workers")
    token = ticket(contents)
    connections: list[http.client.HTTPConnection] = []
    with ThreadPoolExecutor(1) as pool:
        request = pool.submit(post_callback, port, upload_body(page, contents, file_name, token), connections.append)
        client_port = wait_until(lambda: connections and connections[0].sock.getsockname()[1],
                                 "the import's connection")
        # The worker holding the server side of that connection serves the import.
        worker = wait_until(lambda: holder_of(socket_inode(port, client_port) or -1, workers),
                            "a worker to accept the import")
        outcomes = UploadOutcomes(data_dir)
        wait_until(lambda: outcomes.get(token["token"]) is not None, "the import's started record")
        if while_writing:
            wait_until(lambda: request.done() or any(owner_of(p.name, ".tmp-") == worker
                                                     for p in data_dir.glob(".tmp-*")),
                       "the import's temporary folder")
            assert not request.done(), "the import finished before its write could be caught"
        os.kill(worker, signal.SIGKILL)
        info = cli(data_dir, "info")  # its clean-up runs while the kill lands
        with pytest.raises((OSError, http.client.HTTPException)):
            request.result(timeout=TIMEOUT)  # the killed worker never answers
    finished(info, "python -m dashboard info")
    wait_until(lambda: not process_alive(worker), "the killed worker to be reaped")
    # The page still polling is told the import was cut off, not "working" for ever.
    assert outcomes.get(token["token"]).state is OutcomeState.INTERRUPTED


def test_srr003_worker_killed_mid_import_leaves_nothing_partial(served, tmp_path):
    server, data_dir = served
    [page] = open_pages(server, 1)
    port = int(server.url.rsplit(":", 1)[1])
    for number in range(KILL_ROUNDS):
        csv_path = tmp_path / f"synthetic-{number}.csv"
        write_synthetic_csv(synthetic_events(KILL_ROWS, seed=100 + number), csv_path)  # labelled synthetic
        contents, file_name = data_url(csv_path.read_bytes()), csv_path.name
        kill_mid_import(server, page, data_dir, contents, file_name, while_writing=bool(number % 2))

        metas = DatasetRepository(data_dir).list()
        assert len(metas) == number, f"round {number}: a killed import is listed: {[m.dataset_id for m in metas]}"
        for path in leftovers(data_dir):  # whatever is left is dead: the next clean-up takes it
            prefix = next(p for p in TEMP_PREFIXES if path.name.startswith(p))
            owner = owner_of(path.name, prefix)
            assert owner is not None and not process_alive(owner), f"{path} is held by a live process"
        finished(cli(data_dir, "info"), "python -m dashboard info")
        assert leftovers(data_dir) == []

        # The same file again, to the respawned workers: imported whole.
        wait_until(lambda: len(server.worker_pids()) == 2, "gunicorn to replace the killed worker")
        report = report_of(*post_callback(port, upload_body(page, contents, file_name, ticket(contents))))
        assert report["accepted"] == KILL_ROWS and not report["already_imported"] and not report["refused"], report
        metas = DatasetRepository(data_dir).list()
        assert [m.dataset_id for m in metas][-1] == report["dataset_id"] and len(metas) == number + 1
        assert len(DatasetRepository(data_dir).load_events(report["dataset_id"])) == KILL_ROWS
        assert leftovers(data_dir) == []
