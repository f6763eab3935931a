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
import time
from pathlib import Path
from typing import Any

from .spec import IMAGE_FORMATS, ExportFormat

TOPOJSON_DIR = Path(__file__).resolve().parents[2] / "assets" / "topojson"
RENDER_TIMEOUT_S = 60.0  # one figure; a world map at 50m resolution takes ~3 s here
# The first render after a start waits for Chromium and plotly.js to load.
MAX_SCALE = 3
DEADLINE_SLACK_S = 15.0  # kaleido's own timeout first; ours only for a render that never returns
STOP_WAIT_S = 10.0
POLL_S = 0.25  # how often a waiting render checks that the renderer's thread is still alive
BROWSER_INSTALL_HINT = "install it with `make chromium` (Debian: `sudo apt-get install chromium`)"

_server_lock = threading.Lock()
_render_lock = threading.Lock()
_started = False


class ExportError(RuntimeError):
    """A chart could not be rendered (browser missing, render failed or timed out)."""


def find_chart_browser() -> str | None:
    """The Chromium kaleido would drive (``BROWSER_PATH``, then ``chromium``/``chrome`` on PATH), or None.

    kaleido's sync server looks for the browser inside its own thread: when there is none, that
    thread dies with "Chrome not found" and every render waits on it until the deadline. Looking
    first lets an export say at once which program is missing.
    """
    from choreographer.browsers.chromium import Chromium

    try:
        path = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - a failed search is the same as no browser
        return None
    # BROWSER_PATH is returned as set, even when nothing is there: kaleido would then fail on it.
    return path if path and Path(path).is_file() else None


def missing_browser_error() -> ExportError:
    """The error for a machine without Chromium: names the program and how to install it."""
    return ExportError(f"the chart renderer needs Chromium, which is not installed here: {BROWSER_INSTALL_HINT}")


def _start_server() -> None:
    """Start kaleido's sync server (caller holds ``_server_lock``)."""
    import kaleido

    if find_chart_browser() is None:
        raise missing_browser_error()
    try:
        kaleido.start_sync_server(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False, silence_warnings=True)
    except Exception as error:  # noqa: BLE001 - any start failure means "no renderer"
        raise ExportError(f"could not start the chart renderer: {error}") from error


def start_renderer() -> None:
    """Start the shared kaleido browser if it is not running (idempotent, thread-safe)."""
    global _started
    with _server_lock:
        if _started and _server_running():
            return
        _start_server()
        if not _started:
            # Stop Chromium with the process, not after the interpreter has torn down its modules.
            atexit.register(stop_renderer)
        _started = True


def stop_renderer() -> None:
    """Stop the shared kaleido browser (no-op when it is not running; never waits on a stuck render)."""
    global _started
    if not _server_lock.acquire(timeout=STOP_WAIT_S):
        return
    try:
        if not _started:
            return
        import kaleido

        if _render_lock.acquire(timeout=STOP_WAIT_S):
            try:
                kaleido.stop_sync_server(silence_warnings=True)
            finally:
                _render_lock.release()
        _started = False
    finally:
        _server_lock.release()


def renderer_running() -> bool:
    """True when the warm browser is up."""
    return _started and _server_running()


def _server_running() -> bool:
    """True when kaleido's sync server is up and its thread alive.

    Never render through kaleido when this is False: its fallback starts a second Chromium with
    default options, and those load MathJax from a CDN.
    """
    import kaleido

    server: Any = getattr(kaleido, "_global_server", None)
    thread = getattr(server, "_thread", None)
    running = server.is_running() if server is not None and hasattr(server, "is_running") else False
    return bool(running) and (thread is None or thread.is_alive())


def _call_with_deadline(function: Any, seconds: float, alive: Any = None) -> Any:
    """Run ``function`` in a helper thread; ExportError when it has not returned by the deadline.

    kaleido waits on its task queue without a time limit, so a browser that died mid-render
    would otherwise hold the request (and every later export) forever. ``alive`` (optional) is
    asked every :data:`POLL_S`: once it says False the renderer is gone and waiting is pointless.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=run, name="rutas-render", daemon=True)
    worker.start()
    deadline = time.monotonic() + seconds
    while worker.is_alive() and time.monotonic() < deadline:
        worker.join(min(POLL_S, max(0.0, deadline - time.monotonic())))
        if worker.is_alive() and alive is not None and not alive():
            raise _renderer_died_error()
    if worker.is_alive():
        raise ExportError(f"the chart renderer did not answer within {seconds:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


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
    if not _render_lock.acquire(timeout=RENDER_TIMEOUT_S + DEADLINE_SLACK_S):
        raise ExportError("the chart renderer is busy with a render that does not finish; try again later")
    try:
        if not _server_running():  # died or stopped since: start a fresh one, never kaleido's fallback
            with _server_lock:
                _restart_server()
        try:
            result = _call_with_deadline(
                lambda: kaleido.calc_fig_sync(figure, opts=opts, topojson=TOPOJSON_DIR.as_uri() + "/"),
                RENDER_TIMEOUT_S + DEADLINE_SLACK_S, alive=_server_running)
        except ExportError:
            raise
        except Exception as error:  # noqa: BLE001 - kaleido raises many error types
            raise ExportError(f"could not render the {fmt.value.upper()} chart: {error}") from error
    finally:
        _render_lock.release()
    if not isinstance(result, (bytes, bytearray)) or not result:
        raise ExportError(f"the renderer returned no {fmt.value.upper()} data")
    return bytes(result)


def _renderer_died_error() -> ExportError:
    """The renderer's thread stopped while a render waited (kaleido raised in its own thread)."""
    if find_chart_browser() is None:
        return missing_browser_error()
    return ExportError("the chart renderer stopped: Chromium could not start or closed during the render")


def _restart_server() -> None:
    """Replace a server whose thread died or was stopped (caller holds both locks)."""
    import kaleido

    try:
        _call_with_deadline(lambda: kaleido.stop_sync_server(silence_warnings=True), STOP_WAIT_S)
    except Exception:  # noqa: BLE001 - a dead server may fail to stop; a new one is started anyway
        pass
    _start_server()
    if not _server_running():
        raise ExportError("the chart renderer could not be restarted")
