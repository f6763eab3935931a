"""A machine without Chromium: exports fail at once, naming the missing program (issue 15, item 8)."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard.exports import render
from dashboard.exports.spec import ExportFormat

FIGURE = {"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}], "layout": {}}


@pytest.fixture
def fresh_renderer(monkeypatch):
    """No renderer running; kaleido's singleton left stopped afterwards."""
    import kaleido

    monkeypatch.setattr(render, "_started", False)
    yield
    render._started = False
    kaleido.stop_sync_server(silence_warnings=True)


def test_lay001_no_browser_fails_at_once_naming_chromium(monkeypatch, fresh_renderer):
    monkeypatch.setattr(render, "find_chart_browser", lambda: None)
    began = time.monotonic()
    with pytest.raises(render.ExportError, match="Chromium") as caught:
        render.render_figure(FIGURE, ExportFormat.PNG, width=200, height=100)
    assert time.monotonic() - began < 2.0
    assert "make chromium" in str(caught.value)


def test_lay002_browser_path_to_nothing_is_no_browser(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    assert render.find_chart_browser() is None


def test_lay003_a_renderer_thread_that_dies_ends_the_wait_at_once():
    release = threading.Event()
    began = time.monotonic()
    with pytest.raises(render.ExportError):
        render._call_with_deadline(lambda: release.wait(30), 30.0, alive=lambda: False)
    release.set()
    assert time.monotonic() - began < 2.0


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # kaleido's thread dies
def test_lay004_kaleido_raising_chrome_not_found_in_its_thread_is_reported_by_name(monkeypatch, fresh_renderer):
    """Our look-up sees a browser, kaleido's own does not: its thread dies, the render stops waiting."""
    answers = iter(["/usr/bin/chromium"])  # first look-up (before start) finds one, later ones none
    monkeypatch.setattr(render, "find_chart_browser", lambda: next(answers, None))
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    began = time.monotonic()
    with pytest.raises(render.ExportError, match="Chromium"):
        render.render_figure(FIGURE, ExportFormat.SVG, width=200, height=100)
    assert time.monotonic() - began < 10.0
