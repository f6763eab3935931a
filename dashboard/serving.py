"""What every HTTP answer carries: security headers with a Content-Security-Policy, a body limit
for callback requests, compression and cache lifetimes.

The decisions are pure functions of plain values (unit-tested); ``install`` wires them into the
Flask server (one ``after_request``) and its WSGI entry (the body limit, which must refuse a request
before Flask reads its body). No Dash import: ``create_app`` hands in the script hashes and the
callback map.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum

import brotli

from dashboard.config import Basemap, Settings
from dashboard.data.database.datasets import end_request_versions, read_version_once_per_request

CALLBACK_PATH = "/_dash-update-component"
# dcc.Upload's property that holds a file (a base64 data URL): a callback reading it carries a file.
FILE_PROPERTY = "contents"

# --- Security headers -------------------------------------------------------------------------

# The online base map (plotly's "carto-*" styles) loads its style, tiles, glyphs and sprites here.
ONLINE_BASEMAP_ORIGINS = ("https://basemaps.cartocdn.com", "https://*.basemaps.cartocdn.com")
HSTS_MAX_AGE_S = 365 * 24 * 3600
# A frame ancestor is an origin: scheme, host (a leading "*." allowed) and an optional port. Nothing
# else, so a setting cannot smuggle another directive (";") or a keyword into the policy.
_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")


def frame_ancestor_origins(setting: str) -> tuple[str, ...]:
    """The origins RUTAS_FRAME_ANCESTORS names; ValueError naming the variable for anything else."""
    origins = tuple(entry for entry in re.split(r"[\s,]+", setting.strip()) if entry)
    bad = [entry for entry in origins if not _ORIGIN.fullmatch(entry.rstrip("/"))]
    if bad:
        raise ValueError(f"RUTAS_FRAME_ANCESTORS={setting!r} is not valid: {', '.join(bad)} is not an origin "
                         "like https://intranet.example or https://intranet.example:8443")
    return tuple(entry.rstrip("/") for entry in origins)


def content_security_policy(script_hashes: Sequence[str], frame_ancestors: Sequence[str] = (),
                            basemap: Basemap = Basemap.OFFLINE) -> str:
    """The policy: this origin only, inline scripts only by hash, no framing unless origins are named."""
    outside = ONLINE_BASEMAP_ORIGINS if basemap == Basemap.ONLINE else ()
    directives = {
        "default-src": ("'self'",),
        # Dash's renderer and the clientside callbacks are inline scripts: allowed by their hashes.
        "script-src": ("'self'", *script_hashes),
        # Dash's renderer, dcc, Plotly and AG Grid add <style> elements (and d3 sets style attributes),
        # which no hash or nonce can cover. CSS runs no script, and with images, fonts and connections held
        # to this origin an injected style cannot send anything elsewhere.
        "style-src": ("'self'", "'unsafe-inline'"),
        # data: for Plotly's and MapLibre's generated images, blob: for MapLibre's decoded tiles.
        "img-src": ("'self'", "data:", "blob:", *outside),
        "font-src": ("'self'", "data:"),
        "connect-src": ("'self'", *outside),
        # MapLibre starts its web worker from a blob: URL.
        "worker-src": ("'self'", "blob:"),
        "object-src": ("'none'",),
        "base-uri": ("'self'",),
        "form-action": ("'self'",),
        "frame-ancestors": tuple(frame_ancestors) or ("'none'",),
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


# Powerful features the app never uses are off, for it and for anything injected into it; copying
# the permalink needs clipboard-write and fullscreen serves the presenter.
PERMISSIONS_POLICY = ", ".join([
    "accelerometer=()", "camera=()", "display-capture=()", "geolocation=()", "gyroscope=()",
    "magnetometer=()", "microphone=()", "midi=()", "payment=()", "usb=()", "serial=()",
    "hid=()", "publickey-credentials-get=()", "screen-wake-lock=()", "xr-spatial-tracking=()",
    "clipboard-read=()", "clipboard-write=(self)", "fullscreen=(self)",
])


def security_headers(policy: str, frame_ancestors: Sequence[str], public_url: str) -> dict[str, str]:
    """The headers every response carries (HSTS only when the app is served over https)."""
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
        # The presenter's notes window is same-origin (BroadcastChannel), so isolation costs nothing;
        # it keeps any other site's window from holding a handle on ours.
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if not frame_ancestors:
        headers["X-Frame-Options"] = "DENY"  # for browsers that predate frame-ancestors
    if public_url.lower().startswith("https://"):
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_S}"
    return headers


# --- Callback request bodies ------------------------------------------------------------------

# Dash's renderer writes "output" first in a callback request; its value is the callback's key.
_OUTPUT_FIELD = re.compile(rb'\A\s*\{\s*"output"\s*:\s*("(?:[^"\\]|\\.)*")')
OUTPUT_PEEK_BYTES = 16 * 1024


def file_callback_outputs(callback_map: Mapping[str, Mapping]) -> frozenset[str]:
    """The keys (``output`` values) of the server callbacks that read a file upload's contents
    (a clientside callback has no ``callback`` function here and is never requested)."""
    return frozenset(key for key, spec in callback_map.items()
                     if "callback" in spec and any(dependency.get("property") == FILE_PROPERTY
                            for dependency in (*spec.get("inputs", ()), *spec.get("state", ()))))


def output_named_in(head: bytes) -> str | None:
    """The ``output`` a callback request body begins with; None when it does not begin with one."""
    match = _OUTPUT_FIELD.match(head)
    if match is None:
        return None
    try:
        return json.loads(match.group(1))
    except ValueError:
        return None


def body_limit_refusal(length: int, limit: int, what: str, variable: str) -> str:
    """The 413 message: what was sent, the limit and the setting that raises it."""
    return (f"Request refused: its body has {length:,} bytes, more than the {limit:,} a {what} may send "
            f"(set by {variable}).\n")


class _ReplayedInput:
    """A WSGI input that gives back the bytes already read from its head, then the rest."""

    def __init__(self, head: bytes, rest) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            data, self._head = self._head + self._rest.read(), b""
            return data
        if self._head:
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)

    def readline(self, size: int | None = -1) -> bytes:
        if self._head:
            return self.read(size if size is not None and size >= 0 else len(self._head))
        return self._rest.readline(size)

    def __iter__(self):
        return iter(lambda: self.readline(64 * 1024), b"")


class CallbackBodyLimit:
    """WSGI middleware: a callback request over ``callback_limit`` bytes is refused with a 413 unless
    it is for a callback that reads a file, which may send up to ``file_limit``.

    The decision reads at most the body's first ``OUTPUT_PEEK_BYTES`` (the callback's key), never the
    rest. A request claiming a file callback gets no more than an upload could send anyway, and that
    callback checks the file itself. A callback request must state its length (browsers always do).
    """

    def __init__(self, wsgi_app, *, callback_limit: int, file_limit: int, file_outputs: Iterable[str],
                 callback_path: str = CALLBACK_PATH) -> None:
        self.wsgi_app = wsgi_app
        self.callback_limit, self.file_limit = callback_limit, file_limit
        self.file_outputs = frozenset(file_outputs)
        self.callback_path = callback_path

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.callback_path:
            return self.wsgi_app(environ, start_response)
        raw_length = environ.get("CONTENT_LENGTH", "")
        if not (raw_length.isascii() and raw_length.isdigit()):  # "²".isdigit() is True too
            return _plain(start_response, "411 Length Required",
                          "Request refused: a callback request must state its length (Content-Length).\n")
        length = int(raw_length)
        if length <= self.callback_limit:
            return self.wsgi_app(environ, start_response)
        if length > self.file_limit:
            return _plain(start_response, "413 Request Entity Too Large",
                          body_limit_refusal(length, self.file_limit, "file upload", "RUTAS_MAX_UPLOAD_BYTES"))
        head = _read_up_to(environ["wsgi.input"], min(OUTPUT_PEEK_BYTES, length))
        if output_named_in(head) not in self.file_outputs:
            # Read the rest (no more than an upload may send) and drop it: a server that answers
            # before the body is in closes the connection, and the browser sees a reset, not the 413.
            _discard(environ["wsgi.input"], length - len(head))
            return _plain(start_response, "413 Request Entity Too Large",
                          body_limit_refusal(length, self.callback_limit, "callback",
                                             "RUTAS_MAX_CALLBACK_REQUEST_BYTES"))
        environ["wsgi.input"] = _ReplayedInput(head, environ["wsgi.input"])
        return self.wsgi_app(environ, start_response)


def _read_up_to(stream, size: int) -> bytes:
    """``size`` bytes, fewer only at the end of the body (a socket may hand them over in parts)."""
    parts, left = [], size
    while left > 0:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _discard(stream, size: int, chunk_bytes: int = 64 * 1024) -> None:
    while size > 0:
        chunk = stream.read(min(chunk_bytes, size))
        if not chunk:
            return
        size -= len(chunk)


def _plain(start_response, status: str, text: str) -> list[bytes]:
    body = text.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")])
    return [body]


# --- Caching ----------------------------------------------------------------------------------

COMPONENT_SUITES_PREFIX = "/_dash-component-suites/"
ASSETS_PREFIX = "/assets/"
LONG_LIVED = "public, max-age=31536000, immutable"


def cache_control(path: str, versioned: bool) -> str:
    """Cache-Control for a response: a versioned file (its URL changes when it does) is kept a year;
    other files are checked with the server each time; pages and callback answers are never stored."""
    if path.startswith((COMPONENT_SUITES_PREFIX, ASSETS_PREFIX)):
        return LONG_LIVED if versioned else "no-cache"
    return "no-store"


def revalidated(request, response) -> bool:
    """Answer a static file the browser already holds with 304 (``response`` is changed in place).

    The compressed copy's ETag is weak (``W/"…"``, see below) and Dash's component-suite route
    compares If-None-Match with its strong tag as text, so it never answered 304: every page load
    fetched plotly.js whole (1.3 MB) and compiled it again. Werkzeug compares weakly (RFC 9110).
    """
    if response.status_code != 200 or not request.path.startswith((COMPONENT_SUITES_PREFIX, ASSETS_PREFIX)) \
            or not request.if_none_match or not response.get_etag()[0]:
        return False
    response.make_conditional(request)
    return response.status_code == 304


# --- The page's scripts ------------------------------------------------------------------------

# Dash's page loads @babel/polyfill (core-js 2 with regenerator-runtime, 99 kB; a first page load
# at 100k was 45-95 ms faster without it, README) for browsers older than any the app supports.
# What the page needs of it, regenerator-runtime's global, comes from assets/regenerator-runtime.js.
BABEL_POLYFILL_SCRIPT = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>\s*')
# dash_ag_grid's code (1.3 MB, and a 0.9 MB chunk it loads) is for the table below the map: the page
# carries its tag inert, and assets/table-grid-loader.js runs it when the table comes near the window.
GRID_SCRIPT = re.compile(r'<script src="([^"]*/dash_ag_grid/dash_ag_grid\.[^"/]*\.js)"></script>')
GRID_CODE_ID = "rutas-grid-code"  # assets/table-grid-loader.js finds the tag by this id
DEFERRED_SCRIPT_TYPE = "text/x-rutas-deferred"  # not a script type: the browser neither fetches nor runs it


def page_scripts(scripts_html: str) -> str:
    """The page's script tags without Dash's babel polyfill and with the grid's code inert
    (ValueError when Dash's page does not hold each once: a Dash or dash_ag_grid upgrade that drops
    or renames one must be looked at, not passed over)."""
    kept, dropped = BABEL_POLYFILL_SCRIPT.subn("", scripts_html)
    if dropped != 1:
        raise ValueError(f"expected Dash's page to load @babel/polyfill once, found {dropped} script tags for it")
    kept, deferred = GRID_SCRIPT.subn(
        rf'<script type="{DEFERRED_SCRIPT_TYPE}" id="{GRID_CODE_ID}" src="\1"></script>', kept)
    if deferred != 1:
        raise ValueError(f"expected Dash's page to load dash_ag_grid once, found {deferred} script tags for it")
    return kept


# --- Compression ------------------------------------------------------------------------------


class Encoding(StrEnum):
    BROTLI = "br"
    GZIP = "gzip"


COMPRESSIBLE_TYPES = frozenset({
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
    "application/json", "application/geo+json", "image/svg+xml", "application/xml", "text/xml",
})
# Files served without a text type that still shrink: the bundled GeoJSON/TopoJSON layers. Not
# MapLibre's glyph ranges (.pbf, 87 kB -> 30 kB): served compressed, the presenter's ring labels were
# sometimes never drawn (test_prs007 failed 3 runs in 5; none in 10 with them plain).
COMPRESSIBLE_SUFFIXES = (".geojson", ".topojson")
MIN_COMPRESS_BYTES = 1024  # below this the headers outweigh the saving
# Brotli 5 is as fast as gzip 6 here and 12% smaller (the plotly bundle: 1.29 vs 1.47 MB, 0.6 s each).
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
STATIC_CACHE_BYTES = 32 * 1024 * 1024


def chosen_encoding(accept_encoding: str | None) -> Encoding | None:
    """Brotli, else gzip, if the client's Accept-Encoding takes it (q > 0); None for neither."""
    weights: dict[str, float] = {}
    for part in (accept_encoding or "").split(","):
        name, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name.strip():
            weights[name.strip().lower()] = weight
    for encoding in Encoding:
        if weights.get(encoding.value, weights.get("*", 0.0)) > 0:
            return encoding
    return None


def is_compressible(mimetype: str | None, path: str) -> bool:
    """A text type, or a file known to shrink (COMPRESSIBLE_SUFFIXES)."""
    return (mimetype or "") in COMPRESSIBLE_TYPES or path.lower().endswith(COMPRESSIBLE_SUFFIXES)


def should_compress(status: int, compressible: bool, length: int | None, content_encoding: str | None) -> bool:
    """Whole 200 answers of a compressible kind, not encoded already and large enough to gain."""
    return status == 200 and compressible and content_encoding is None and (length or 0) >= MIN_COMPRESS_BYTES


def compress(data: bytes, encoding: Encoding) -> bytes:
    if encoding == Encoding.BROTLI:
        return brotli.compress(data, quality=BROTLI_QUALITY)
    return gzip.compress(data, GZIP_LEVEL, mtime=0)


class CompressedFiles:
    """Compressed static files, kept so each is compressed once per process (bounded by bytes)."""

    def __init__(self, max_bytes: int = STATIC_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        data = make()  # outside the lock: two threads may both compress a file once, never wait
        with self._lock:
            if key not in self._items and len(data) <= self.max_bytes:
                self._items[key] = data
                self._bytes += len(data)
                while self._bytes > self.max_bytes:
                    _, dropped = self._items.popitem(last=False)
                    self._bytes -= len(dropped)
        return data


# --- Wiring -----------------------------------------------------------------------------------


def install(server, settings: Settings, *, script_hashes: Sequence[str] = (),
            file_outputs: Iterable[str] = (), file_request_limit: int,
            versioned: Callable[[str, Mapping], bool] = lambda path, args: "m" in args) -> None:
    """Add the headers, cache lifetimes and compression to every answer, and the callback body limit.

    ``versioned(path, query_args)`` says whether a file's URL changes with its content (Dash's
    fingerprinted component suites; assets carrying Dash's ``?m=`` modification time).
    """
    import flask

    ancestors = frame_ancestor_origins(settings.frame_ancestors)
    headers = security_headers(content_security_policy(script_hashes, ancestors, settings.basemap),
                               ancestors, settings.public_url)
    compressed_files = CompressedFiles()

    # One read of the data version per request (the shared deployment's store asks it at every
    # access); the memo ends with the request.
    @server.before_request
    def _start_request_memo():
        flask.g.rutas_versions = read_version_once_per_request()

    @server.teardown_request
    def _end_request_memo(_error):
        token = flask.g.pop("rutas_versions", None)
        if token is not None:
            end_request_versions(token)

    @server.after_request
    def _finish(response):
        request = flask.request
        response.headers.update(headers)
        response.headers["Cache-Control"] = cache_control(request.path, versioned(request.path, request.args))
        if revalidated(request, response):
            return response
        compressible = is_compressible(response.mimetype, request.path)
        if compressible:
            response.vary.add("Accept-Encoding")
        encoding = chosen_encoding(request.headers.get("Accept-Encoding"))
        if encoding is None or response.is_streamed and not response.direct_passthrough \
                or not should_compress(response.status_code, compressible, response.content_length,
                                       response.headers.get("Content-Encoding")):
            return response
        response.direct_passthrough = False  # a static file: read it here to compress it
        close_file = getattr(response.response, "close", None)
        etag, _ = response.get_etag()
        if request.path.startswith((COMPONENT_SUITES_PREFIX, ASSETS_PREFIX)):
            data = compressed_files.get((request.path, etag, encoding),
                                        lambda: compress(response.get_data(), encoding))
        else:
            data = compress(response.get_data(), encoding)
        response.set_data(data)
        if close_file is not None:  # a cached copy answered: the file was opened but not read
            response.call_on_close(close_file)
        response.headers["Content-Encoding"] = encoding.value
        if etag:  # the same resource in another encoding: equal in meaning, not in bytes
            response.set_etag(etag, weak=True)
        return response

    server.wsgi_app = CallbackBodyLimit(server.wsgi_app, callback_limit=settings.max_callback_request_bytes,
                                       file_limit=file_request_limit, file_outputs=file_outputs)
    if settings.trusted_proxies < 0:
        raise ValueError(f"RUTAS_TRUSTED_PROXIES={settings.trusted_proxies} is not valid: a count of proxies, 0 or more")
    if settings.trusted_proxies:
        # Only the address: the scheme and host of permalinks come from RUTAS_PUBLIC_URL.
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.trusted_proxies, x_proto=0, x_host=0,
                                   x_port=0, x_prefix=0)
