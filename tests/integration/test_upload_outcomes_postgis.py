"""Upload outcomes in the shared database: any server answers a poll, and an importer that dies
(kill -9) leaves its upload reported interrupted, not "working" for ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import text

from dashboard.data.database import dispose_engine, engine_for
from dashboard.data.database.upload_outcomes import DatabaseUploadOutcomes
from dashboard.data.upload_outcomes import OutcomeState
from tests.integration.database import throwaway_database

REPORT = {"file_name": "acled.csv", "dataset_id": "acled-2024", "events": 12, "refused": ""}


@pytest.fixture(scope="module")
def url():
    with throwaway_database() as made:
        yield made
        dispose_engine(made)


def second_server(url: str) -> DatabaseUploadOutcomes:
    """Another server's view: its own engine (own pool, own connections) on the same database."""
    from sqlalchemy import create_engine

    from dashboard.data.database import driver_url

    return DatabaseUploadOutcomes(create_engine(driver_url(url)))


def test_upl101_started_then_finished_and_seen_from_another_server(url):
    here, there = DatabaseUploadOutcomes(engine_for(url)), second_server(url)
    assert here.get("token-0001") is None and there.get("not a token") is None
    here.start("token-0001")
    assert there.get("token-0001").state is OutcomeState.STARTED  # the importer is alive: working
    here.finish("token-0001", REPORT)
    seen = there.get("token-0001")
    assert seen.state is OutcomeState.FINISHED and seen.report == REPORT
    with pytest.raises(ValueError):
        here.start("../../etc")
    # The importer's lock went back with its connection: a started record made later on a
    # connection the pool hands out again is not mistaken for a live import.
    here.start("token-0002")
    here.finish("token-0002", REPORT)
    with engine_for(url).connect() as connection:
        held = connection.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar_one()
    assert held == 0


def test_upl102_an_importer_killed_mid_import_is_reported_interrupted(url):
    script = textwrap.dedent(f"""
        import sys, time
        from dashboard.data.database import engine_for
        from dashboard.data.database.upload_outcomes import DatabaseUploadOutcomes
        DatabaseUploadOutcomes(engine_for({url!r})).start("token-killed")
        print("started", flush=True)
        time.sleep(120)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    try:
        assert child.stdout.readline().strip() == "started"
        poller = second_server(url)
        assert poller.get("token-killed").state is OutcomeState.STARTED
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        deadline = time.monotonic() + 30  # the server notices the dropped connection at once, or nearly
        while poller.get("token-killed").state is OutcomeState.STARTED and time.monotonic() < deadline:
            time.sleep(0.2)
        assert poller.get("token-killed").state is OutcomeState.INTERRUPTED
    finally:
        if child.poll() is None:
            child.kill()


def test_upl103_old_records_go_but_a_live_import_stays(url):
    outcomes = DatabaseUploadOutcomes(engine_for(url), max_age_seconds=3600)
    outcomes.start("token-live-0001")
    outcomes.start("token-done-0001")
    outcomes.finish("token-done-0001", REPORT)
    with engine_for(url).begin() as connection:
        connection.execute(text("UPDATE upload_outcomes SET at = now() - interval '2 hours'"))
    with engine_for(url).connect() as connection:
        before = set(connection.execute(text("SELECT token FROM upload_outcomes")).scalars())
    assert outcomes.remove_old() == len(before) - 1  # all but the import still running
    with engine_for(url).connect() as connection:
        assert set(connection.execute(text("SELECT token FROM upload_outcomes")).scalars()) == {"token-live-0001"}
    assert outcomes.get("token-live-0001").state is OutcomeState.STARTED
    outcomes.finish("token-live-0001", REPORT)
