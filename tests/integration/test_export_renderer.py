"""The warm renderer recovers from a stopped browser and never hangs a request."""

from __future__ import annotations

import threading

import kaleido
import plotly.graph_objects as go
import pytest

from dashboard.exports import render
from dashboard.exports.spec import ExportFormat

FIGURE = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))


def test_exp120_a_renderer_stopped_behind_our_back_is_restarted_not_bypassed(monkeypatch):
    render.start_renderer()
    kaleido.stop_sync_server(silence_warnings=True)
    # kaleido's own fallback (a one-shot browser) would load MathJax from a CDN: it must not run.
    monkeypatch.setattr(kaleido._sync_server, "oneshot_async_run",
                        lambda *a, **k: pytest.fail("kaleido's one-shot fallback was used"))
    png = render.render_figure(FIGURE, ExportFormat.PNG, width=200, height=100)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert render.renderer_running()


def test_exp121_a_render_that_never_returns_fails_within_the_deadline(monkeypatch):
    render.start_renderer()
    release, returned = threading.Event(), threading.Event()

    def never_answers(*args, **kwargs):
        release.wait(30)
        returned.set()

    monkeypatch.setattr(kaleido, "calc_fig_sync", never_answers)
    monkeypatch.setattr(render, "RENDER_TIMEOUT_S", 0.5)
    monkeypatch.setattr(render, "DEADLINE_SLACK_S", 0.5)
    with pytest.raises(render.ExportError, match="did not answer"):
        render.render_figure(FIGURE, ExportFormat.SVG, width=200, height=100)
    # The error came while the render was still blocked: the deadline, not the render, ended it.
    assert not returned.is_set()
    release.set()


def test_exp122_stop_is_idempotent_and_a_later_render_starts_again():
    render.stop_renderer()
    render.stop_renderer()
    assert not render.renderer_running()
    svg = render.render_figure(FIGURE, ExportFormat.SVG, width=200, height=100)
    assert svg.lstrip().startswith(b"<svg")
    assert render.renderer_running()
