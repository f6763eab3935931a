"""The shared deployment reads the data version once per HTTP request, not at every store access,
and still sees its own writes and every other process's writes on the next request."""

from __future__ import annotations

import flask
import pytest
from sqlalchemy import event

from dashboard.config import Settings
from dashboard.data.database import engine_for
from dashboard.data.database.datasets import (
    PostgisDatasetRepository,
    end_request_versions,
    read_version_once_per_request,
)
from dashboard.data.synth import synthetic_events
from dashboard.serving import install
from tests.integration.database import throwaway_database


@pytest.fixture()
def database_url():
    with throwaway_database() as url:
        yield url


class VersionReads:
    """Counts the queries of the data version on an engine."""

    def __init__(self, url: str) -> None:
        self.count = 0
        event.listen(engine_for(url), "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args) -> None:
        if "FROM data_version" in statement:
            self.count += 1


def test_dbd101_one_version_read_per_request_and_a_write_is_seen_at_once(database_url):
    repository, other_worker = PostgisDatasetRepository(database_url), PostgisDatasetRepository(database_url)
    reads = VersionReads(database_url)
    token = read_version_once_per_request()
    try:
        first = repository.version()
        assert [repository.version() for _ in range(14)] == [first] * 14
        assert reads.count == 1
        repository.save_frame(synthetic_events(50, seed=3), name="new", file_name="new.csv")
        after_write = repository.version()
        assert after_write != first and reads.count == 2  # this process's own write: read again
        other_worker.save_frame(synthetic_events(50, seed=4), name="other", file_name="other.csv")
    finally:
        end_request_versions(token)
    # Outside a request nothing is kept: another process's write shows at the next read.
    assert repository.version() not in (first, after_write)
    assert repository.version() == repository.version() and reads.count >= 4


def test_dbd102_the_server_gives_each_request_its_own_memo(database_url):
    repository = PostgisDatasetRepository(database_url)
    reads = VersionReads(database_url)
    server = flask.Flask(__name__)
    install(server, Settings(), file_request_limit=1_000_000)
    seen: list[str] = []

    @server.route("/twice")
    def twice():
        seen.append(repository.version())
        seen.append(repository.version())
        return "ok"

    client = server.test_client()
    assert client.get("/twice").status_code == 200
    assert reads.count == 1
    repository.save_frame(synthetic_events(50, seed=5), name="between", file_name="between.csv")
    assert client.get("/twice").status_code == 200
    assert seen[0] == seen[1] != seen[2] == seen[3]  # the next request saw the write
    reads.count = 0
    repository.version()  # after the requests: no memo left behind in this thread
    repository.version()
    assert reads.count == 2
