"""Serve the real app in a thread and drive it with Debian's Chromium (no browser download)."""

from __future__ import annotations

import tempfile
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-sync", "--disable-quic",
    # Every host but the app's own is unresolvable: proves the page works offline.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
# Software WebGL warns about ReadPixels stalls; that is the test machine, not the app.
IGNORED_CONSOLE = ("GL Driver Message", "GPU stall due to ReadPixels")

MAP_READY_JS = """() => {
  const gd = document.querySelector('#map-graph .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map || !gd._fullLayout.map._subplot) return false;
  const sub = gd._fullLayout.map._subplot, m = sub.map;
  const traces = gd._fullData.filter(t => t.type === 'scattermap').length;
  return traces > 0 && Object.keys(sub.traceHash).length === traces
    && m.isStyleLoaded() && m.loaded() && !m.isMoving();
}"""


@contextmanager
def serve_app(app):
    """Serve a Dash app on 127.0.0.1 at a free port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


class PageLog:
    """Console errors and every request URL a page made."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))

    def _on_console(self, message) -> None:
        if message.type == "error" and not any(s in message.text for s in IGNORED_CONSOLE):
            self.errors.append(message.text)

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests
                if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).hostname != "127.0.0.1"]


@contextmanager
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1600, "height": 1300},
        )
        try:
            yield context
        finally:
            context.close()


def wait_for_map(page, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(MAP_READY_JS, timeout=timeout_ms, polling=100)
