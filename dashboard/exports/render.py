"""Server-side chart rendering with kaleido (headless Debian Chromium), kept warm between exports.

Kaleido runs one Chromium with one tab in a background thread; :func:`start_renderer` opens it
on the first export (never at import: gunicorn ``--preload`` forks after importing the app, and
a browser started before the fork would be shared by every worker). Renders are serialised: the
one tab draws one figure at a time.

Geo traces read their country outlines from :data:`TOPOJSON_DIR` (Plotly's own topojson,
bundled), so no export ever fetches anything. MathJax is turned off: kaleido would otherwise
load it from a CDN.

Page size: kaleido prints PDFs at 96 CSS px per inch, so a figure of 1123 x 794 px becomes an
841.9 x 595.9 pt page, A4 landscape (841.9 x 595.3 pt) to within a point.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

from .spec import IMAGE_FORMATS, ExportFormat

TOPOJSON_DIR = Path(__file__).resolve().parents[2] / "assets" / "topojson"
RENDER_TIMEOUT_S = 60.0  # one figure; a world map at 50m resolution takes ~3 s here
# The first render after a start waits for Chromium and plotly.js to load.
MAX_SCALE = 3

_server_lock = threading.Lock()
_render_lock = threading.Lock()
_started = False


class ExportError(RuntimeError):
    """A chart could not be rendered (browser missing, render failed or timed out)."""


def start_renderer() -> None:
    """Start the shared kaleido browser if it is not running (idempotent, thread-safe)."""
    global _started
    with _server_lock:
        if _started:
            return
        import kaleido

        try:
            kaleido.start_sync_server(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False, silence_warnings=True)
        except Exception as error:  # noqa: BLE001 - any start failure means "no renderer"
            raise ExportError(f"could not start the chart renderer: {error}") from error
        _started = True
        # Stop Chromium with the process, not after the interpreter has torn down its modules.
        atexit.register(stop_renderer)


def stop_renderer() -> None:
    """Stop the shared kaleido browser (no-op when it is not running)."""
    global _started
    with _server_lock:
        if not _started:
            return
        import kaleido

        with _render_lock:
            kaleido.stop_sync_server(silence_warnings=True)
        _started = False


def renderer_running() -> bool:
    """True when the warm browser is up."""
    return _started


def _server_alive() -> bool:
    """False when kaleido's server thread has died (e.g. Chromium failed to start).

    kaleido's sync server waits on its task queue without a timeout, so a call to a dead server
    would block forever: check first.
    """
    import kaleido

    server: Any = getattr(kaleido, "_global_server", None)
    thread = getattr(server, "_thread", None)
    return thread is None or thread.is_alive()


def render_figure(figure: Any, fmt: ExportFormat, *, width: int, height: int, scale: int = 1) -> bytes:
    """Render ``figure`` to PNG, SVG or PDF bytes.

    Parameters
    ----------
    figure
        A plotly figure (or its dict).
    fmt
        ``ExportFormat.PNG``, ``SVG`` or ``PDF``; anything else raises ``ValueError``.
    width, height
        Size in CSS pixels (a PDF page is that size at 96 px per inch).
    scale
        Device pixels per CSS pixel (PNG: 1–3); the other formats ignore it.

    Raises
    ------
    ValueError
        For a non-image format or a bad size or scale.
    ExportError
        When the renderer cannot start or the render fails.
    """
    fmt = ExportFormat(fmt)
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"{fmt.value} is not an image format")
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, not {width}x{height}")
    if not 1 <= int(scale) <= MAX_SCALE:
        raise ValueError(f"scale must be 1 to {MAX_SCALE}, not {scale}")
    start_renderer()
    import kaleido

    opts = {"format": fmt.value, "width": int(width), "height": int(height),
            "scale": int(scale) if fmt is ExportFormat.PNG else 1}
    with _render_lock:
        if not _server_alive():
            _reset_dead_server()
            raise ExportError("the chart renderer stopped; try again")
        try:
            result = kaleido.calc_fig_sync(figure, opts=opts, topojson=TOPOJSON_DIR.as_uri() + "/")
        except Exception as error:  # noqa: BLE001 - kaleido raises many error types
            raise ExportError(f"could not render the {fmt.value.upper()} chart: {error}") from error
    if not isinstance(result, (bytes, bytearray)) or not result:
        raise ExportError(f"the renderer returned no {fmt.value.upper()} data")
    return bytes(result)


def _reset_dead_server() -> None:
    """Forget a server whose thread died, so the next export starts a fresh one."""
    global _started
    import kaleido

    kaleido.stop_sync_server(silence_warnings=True)  # the dead thread joins at once
    _started = False
