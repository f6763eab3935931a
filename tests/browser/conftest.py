"""One served app per session and one Chromium context per module; a fresh page per test.

One app, because Dash hands the globally registered callbacks to the first app built in a process:
a second app would serve a page with no callbacks.
"""

from __future__ import annotations

import logging

import pytest

from bench.harness import UPLOAD_LIMIT_BYTES, PageLog, UiPage, chromium_browser, serve_app


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    """The app keeps its imports in an empty data directory of its own (tests delete what they add)."""
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def rutas_app(data_dir):
    from dashboard import create_app
    from dashboard.config import Settings

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    # A small upload limit, so a just-over file is quick to make.
    return create_app(Settings(data_dir=str(data_dir), max_upload_bytes=UPLOAD_LIMIT_BYTES))


@pytest.fixture(scope="session")
def app_context(rutas_app):
    from dashboard.state.context import get_context

    return get_context()


@pytest.fixture(scope="session")
def store(app_context):
    return app_context.store


@pytest.fixture(scope="session")
def trace_index(app_context):
    """Where the map's events are (one trace) and its highlight (a layer slot)."""
    from types import SimpleNamespace

    from dashboard.figures.event_map import EVENT_TRACE, LayerSlot

    return SimpleNamespace(events=range(EVENT_TRACE, EVENT_TRACE + 1), highlight=LayerSlot.HIGHLIGHT)


@pytest.fixture(scope="session")
def base_url(rutas_app):
    with serve_app(rutas_app) as url:
        yield url


@pytest.fixture(scope="module")
def browser_context():
    with chromium_browser() as context:
        context.set_default_timeout(60_000)
        yield context


@pytest.fixture
def ui(browser_context, base_url):
    page = browser_context.new_page()
    log = PageLog(page)
    try:
        yield UiPage(page=page, log=log, base_url=base_url)
    finally:
        page.close()
