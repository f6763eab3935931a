"""What every answer carries (dashboard.serving): security headers and the CSP, the callback body
limit beside the upload limit, compression and cache lifetimes. A bare Flask server stands in for
the app: Dash gives its global callbacks to one app per process, the browser tests' own."""

from __future__ import annotations

import gzip
import json
import re

import brotli
import flask
import pytest

from dashboard import configure_server, is_versioned_url
from dashboard.config import Basemap, Settings
from dashboard.serving import (
    CALLBACK_PATH,
    DEFERRED_SCRIPT_TYPE,
    GRID_CODE_ID,
    LONG_LIVED,
    MIN_COMPRESS_BYTES,
    PERMISSIONS_POLICY,
    CompressedFiles,
    Encoding,
    cache_control,
    chosen_encoding,
    content_security_policy,
    file_callback_outputs,
    frame_ancestor_origins,
    is_compressible,
    output_named_in,
    page_scripts,
    security_headers,
    should_compress,
)
from dashboard.state.uploads import request_size_limit

SCRIPT_HASHES = ("'sha256-AAAA'", "'sha256-BBBB'")
UPLOAD_BYTES = 3000
CALLBACK_BYTES = 5000
FILE_OUTPUT = "..data-report.children@1a2b...data-upload.contents.."
ASSET_TEXT = "body { color: #123456; }\n" * 200  # compressible, over MIN_COMPRESS_BYTES


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split("; "))}


@pytest.fixture
def server(tmp_path):
    """A bare server with the app's configuration: a callback route echoing what it read, an asset."""
    (tmp_path / "site.css").write_text(ASSET_TEXT)
    app = flask.Flask("probe", static_folder=str(tmp_path), static_url_path="/assets")
    app.add_url_rule(CALLBACK_PATH, "callback", methods=["POST"],
                     view_func=lambda: flask.jsonify(read=len(flask.request.get_data()),
                                                     output=output_named_in(flask.request.get_data())))
    app.add_url_rule("/page", "page", view_func=lambda: "<html>" + "x" * 4000 + "</html>")
    app.add_url_rule("/tiny", "tiny", view_func=lambda: "ok")
    configure_server(app, Settings(max_upload_bytes=UPLOAD_BYTES, max_callback_request_bytes=CALLBACK_BYTES),
                     script_hashes=SCRIPT_HASHES, file_outputs=[FILE_OUTPUT])
    return app


def callback_body(output: str, size: int) -> bytes:
    """A callback request of exactly ``size`` bytes (JSON padded with spaces, still valid JSON)."""
    body = json.dumps({"output": output, "outputs": {}, "inputs": [], "changedPropIds": []}).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


# --- Headers and the CSP ----------------------------------------------------------------------


def test_hdr001_policy_allows_this_origin_and_inline_scripts_only_by_hash():
    policy = directives(content_security_policy(SCRIPT_HASHES))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", *SCRIPT_HASHES]
    for name in ("style-src", "img-src", "font-src", "connect-src"):
        assert policy[name][0] == "'self'" and not any(s.startswith("http") or s == "*" for s in policy[name])
    assert "blob:" in policy["worker-src"]  # MapLibre's worker
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-eval'" not in str(policy)


def test_hdr002_online_basemap_adds_only_its_tile_origins():
    offline = directives(content_security_policy(SCRIPT_HASHES, basemap=Basemap.OFFLINE))
    online = directives(content_security_policy(SCRIPT_HASHES, basemap=Basemap.ONLINE))
    assert online["connect-src"] == ["'self'", "https://basemaps.cartocdn.com", "https://*.basemaps.cartocdn.com"]
    assert "https://*.basemaps.cartocdn.com" in online["img-src"]
    assert online["script-src"] == offline["script-src"]


@pytest.mark.parametrize("setting, expected", [
    ("", ()),
    ("https://intranet.example", ("https://intranet.example",)),
    ("https://a.example/, http://b.example:8080  https://*.c.example",
     ("https://a.example", "http://b.example:8080", "https://*.c.example")),
])
def test_hdr003_frame_ancestors_setting_names_origins(setting, expected):
    assert frame_ancestor_origins(setting) == expected


@pytest.mark.parametrize("setting", ["*", "'self'", "https://a.example; script-src *", "intranet.example",
                                     "javascript:alert(1)", "https://a.example/path"])
def test_hdr004_frame_ancestors_refuses_anything_but_an_origin(setting):
    with pytest.raises(ValueError, match="RUTAS_FRAME_ANCESTORS"):
        frame_ancestor_origins(setting)


def test_hdr005_framing_hsts_and_the_fixed_headers():
    denied = security_headers("policy", (), "")
    assert denied == {"Content-Security-Policy": "policy", "X-Content-Type-Options": "nosniff",
                      "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
                      "Permissions-Policy": PERMISSIONS_POLICY, "Cross-Origin-Opener-Policy": "same-origin",
                      "Cross-Origin-Resource-Policy": "same-origin"}
    features = dict(item.split("=", 1) for item in PERMISSIONS_POLICY.split(", "))
    assert features["camera"] == features["geolocation"] == features["microphone"] == "()"
    assert features["clipboard-write"] == "(self)"  # the permalink's copy button
    allowed = security_headers("policy", ("https://intranet.example",), "http://rutas.example/")
    assert "X-Frame-Options" not in allowed and "Strict-Transport-Security" not in allowed
    assert security_headers("p", (), "https://rutas.example/")["Strict-Transport-Security"] == "max-age=31536000"
    allowed_policy = directives(content_security_policy((), ("https://intranet.example",)))
    assert allowed_policy["frame-ancestors"] == ["https://intranet.example"]


def test_hdr006_every_answer_carries_the_headers(server):
    client = server.test_client()
    for response in (client.get("/page"), client.get("/assets/site.css"), client.get("/missing"),
                     client.post(CALLBACK_PATH, data=callback_body("x.y", 100))):
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'", *SCRIPT_HASHES], response.request.path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers


def test_hdr007_a_bad_frame_ancestors_setting_stops_the_start():
    with pytest.raises(ValueError, match="RUTAS_FRAME_ANCESTORS"):
        configure_server(flask.Flask("probe"), Settings(frame_ancestors="* ; script-src *"))


# --- Request body limits ----------------------------------------------------------------------


def test_lim101_callback_body_exact_at_its_limit(server):
    client = server.test_client()
    accepted = client.post(CALLBACK_PATH, data=callback_body("map-graph.figure", CALLBACK_BYTES))
    assert accepted.status_code == 200 and accepted.json["read"] == CALLBACK_BYTES
    refused = client.post(CALLBACK_PATH, data=callback_body("map-graph.figure", CALLBACK_BYTES + 1))
    assert refused.status_code == 413
    text = refused.get_data(as_text=True)
    assert f"{CALLBACK_BYTES + 1:,} bytes" in text and f"{CALLBACK_BYTES:,}" in text
    assert "RUTAS_MAX_CALLBACK_REQUEST_BYTES" in text


def test_lim102_upload_callback_keeps_the_upload_limit_exactly(server):
    client = server.test_client()
    limit = request_size_limit(UPLOAD_BYTES)
    assert limit > CALLBACK_BYTES
    accepted = client.post(CALLBACK_PATH, data=callback_body(FILE_OUTPUT, limit))
    # The whole body reaches the callback, its first bytes included (read once to decide).
    assert accepted.status_code == 200 and accepted.json == {"read": limit, "output": FILE_OUTPUT}
    refused = client.post(CALLBACK_PATH, data=callback_body(FILE_OUTPUT, limit + 1))
    assert refused.status_code == 413 and "RUTAS_MAX_UPLOAD_BYTES" in refused.get_data(as_text=True)


def test_lim103_an_ordinary_callback_cannot_send_an_upload_sized_body(server):
    client = server.test_client()
    # "output" not first, or another callback's: the callback limit applies.
    reordered = json.dumps({"inputs": [], "output": FILE_OUTPUT}).encode()
    for body in (callback_body("map-graph.figure", CALLBACK_BYTES * 2),
                 reordered + b" " * (CALLBACK_BYTES * 2 - len(reordered))):
        response = client.post(CALLBACK_PATH, data=body)
        assert response.status_code == 413 and "RUTAS_MAX_CALLBACK_REQUEST_BYTES" in response.get_data(as_text=True)


def test_lim104_callback_request_without_a_length_is_refused(server):
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path=CALLBACK_PATH, method="POST", data=b"{}").get_environ()
    del environ["CONTENT_LENGTH"]  # as a chunked request arrives
    _, status, _ = run_wsgi_app(server.wsgi_app, environ, buffered=True)
    assert status == "411 Length Required"


def test_lim109_body_head_read_in_parts_and_given_back_whole(server):
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    class Trickle:  # a socket handing the body over a few bytes at a time
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, size: int = -1) -> bytes:
            size = len(self.data) if size is None or size < 0 else min(size, 7)
            part, self.data = self.data[:size], self.data[size:]
            return part

    body = callback_body(FILE_OUTPUT, CALLBACK_BYTES + 10)
    environ = EnvironBuilder(path=CALLBACK_PATH, method="POST", data=body).get_environ()
    environ["wsgi.input"] = Trickle(body)
    answer, status, _ = run_wsgi_app(server.wsgi_app, environ, buffered=True)
    assert status == "200 OK" and json.loads(b"".join(answer)) == {"read": len(body), "output": FILE_OUTPUT}
    environ["CONTENT_LENGTH"] = "\u00b2"  # a digit to str.isdigit, not a length
    assert run_wsgi_app(server.wsgi_app, environ, buffered=True)[1] == "411 Length Required"


def test_lim105_other_routes_keep_the_upload_request_limit(server):
    # Flask's MAX_CONTENT_LENGTH (the upload request limit) still guards every other route.
    assert server.config["MAX_CONTENT_LENGTH"] == request_size_limit(UPLOAD_BYTES)


@pytest.mark.parametrize("head, expected", [
    (b'{"output":"a.b","inputs":[]}', "a.b"),
    (b'  {\n "output" : "..x.y...z.w..", "outputs"', "..x.y...z.w.."),
    (b'{"output":"a\\"b.c"', 'a"b.c'),
    (b'{"inputs":[],"output":"a.b"}', None),
    (b'{"output":"a.b', None),  # cut before the end of the string
    (b"not json", None),
])
def test_lim106_output_named_in_the_body_head(head, expected):
    assert output_named_in(head) == expected


def test_lim107_file_callbacks_are_those_reading_an_upload():
    callback_map = {
        "..data-report.children...data-upload.contents..": {
            "callback": print, "inputs": [{"id": "data-upload-token", "property": "data"}],
            "state": [{"id": "data-upload", "property": "contents"}]},
        "story-store.data": {"callback": print, "inputs": [{"id": "story-import", "property": "contents"}],
                             "state": []},
        "map-graph.figure": {"callback": print, "inputs": [{"id": "filters-store", "property": "data"}]},
        "data-upload-token.data": {"inputs": [{"id": "data-upload", "property": "contents"}]},  # clientside
    }
    assert file_callback_outputs(callback_map) == {"..data-report.children...data-upload.contents..",
                                                   "story-store.data"}


def _registered_callbacks() -> dict:
    """Every registered callback, copied at collection: Dash hands them over to the first app that
    serves a request (the browser tests' app, in a whole-suite run)."""
    from dash import _callback

    import dashboard.callbacks  # noqa: F401  (registers every callback)

    return dict(_callback.GLOBAL_CALLBACK_MAP)


REGISTERED = _registered_callbacks()


def test_lim108_the_app_callbacks_that_read_a_file():
    from dashboard.ids import DataIds, StoryIds

    outputs = file_callback_outputs(REGISTERED)
    assert len(outputs) == 2
    assert any(f"{DataIds.REPORT}.children" in key for key in outputs)
    assert any(f"{StoryIds.STORE}.data" in key for key in outputs)


# --- Compression and caching ------------------------------------------------------------------


@pytest.mark.parametrize("header, expected", [
    ("gzip, deflate, br, zstd", Encoding.BROTLI),
    ("gzip, deflate", Encoding.GZIP),
    ("br;q=0, gzip;q=0.5", Encoding.GZIP),
    ("identity", None), ("", None), (None, None),
    ("*", Encoding.BROTLI), ("*;q=0", None), ("gzip;q=bad", None),
])
def test_cmp001_chosen_encoding(header, expected):
    assert chosen_encoding(header) == expected


def test_cmp002_what_is_compressed():
    json_ok = is_compressible("application/json", "/_dash-update-component")
    assert should_compress(200, json_ok, MIN_COMPRESS_BYTES, None)
    assert not should_compress(200, json_ok, MIN_COMPRESS_BYTES - 1, None)
    assert not should_compress(206, True, 10**6, None) and not should_compress(304, True, 10**6, None)
    assert not should_compress(200, True, 10**6, "gzip")
    assert not is_compressible("font/woff2", "/assets/fonts/a.woff2")
    assert not is_compressible("image/png", "/assets/a.png")
    assert not is_compressible("application/octet-stream", "/assets/fonts/Open Sans Regular/0-255.pbf")
    assert is_compressible(None, "/assets/basemap/rivers.geojson")


@pytest.mark.parametrize("path, versioned, expected", [
    ("/_dash-component-suites/plotly/package_data/plotly.v7_1_0m1796303568.min.js", True, LONG_LIVED),
    ("/_dash-component-suites/plotly/package_data/plotly.min.js", False, "no-cache"),
    ("/assets/rutas.css", True, LONG_LIVED),
    ("/assets/fonts/x.woff2", False, "no-cache"),
    ("/", False, "no-store"), ("/present/a-story", False, "no-store"),
    ("/_dash-update-component", False, "no-store"), ("/_dash-layout", False, "no-store"),
])
def test_cmp003_cache_control(path, versioned, expected):
    assert cache_control(path, versioned) == expected


def test_cmp004_versioned_urls_are_dash_fingerprints_and_asset_times():
    assert is_versioned_url("/_dash-component-suites/dash/dcc/dash_core_components.v4_4_1m1796303568.js", {})
    assert not is_versioned_url("/_dash-component-suites/dash/dcc/dash_core_components.js", {"m": "1"})
    assert is_versioned_url("/assets/rutas.css", {"m": "1796303509.8"})
    assert not is_versioned_url("/assets/rutas.css", {})


def test_cmp005_answers_compressed_when_accepted_and_decode_to_the_same_bytes(server):
    client = server.test_client()
    plain = client.get("/page")
    assert "Content-Encoding" not in plain.headers and plain.headers["Vary"] == "Accept-Encoding"
    as_br = client.get("/page", headers={"Accept-Encoding": "gzip, br"})
    as_gzip = client.get("/page", headers={"Accept-Encoding": "gzip"})
    assert as_br.headers["Content-Encoding"] == "br" and as_gzip.headers["Content-Encoding"] == "gzip"
    assert brotli.decompress(as_br.data) == gzip.decompress(as_gzip.data) == plain.data
    assert int(as_br.headers["Content-Length"]) == len(as_br.data) < len(plain.data) / 10
    tiny = client.get("/tiny", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in tiny.headers and tiny.data == b"ok"
    assert plain.headers["Cache-Control"] == "no-store"


def test_cmp006_static_files_compressed_cached_and_revalidated(server):
    client = server.test_client()
    plain = client.get("/assets/site.css?m=1")
    first = client.get("/assets/site.css?m=1", headers={"Accept-Encoding": "br"})
    again = client.get("/assets/site.css?m=1", headers={"Accept-Encoding": "br"})
    assert brotli.decompress(first.data) == plain.data == ASSET_TEXT.encode()
    assert again.data == first.data and first.headers["Cache-Control"] == LONG_LIVED
    # The encoded copy's ETag is weak (same meaning, other bytes) and still revalidates.
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and etag[2:] == plain.headers["ETag"]
    revalidated = client.get("/assets/site.css", headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert revalidated.status_code == 304 and revalidated.headers["Cache-Control"] == "no-cache"
    for plain_file in (plain, first, again):
        plain_file.close()


def test_cmp007_compressed_files_cache_is_bounded():
    files = CompressedFiles(max_bytes=10)
    made = []

    def make(data: bytes):
        return lambda: made.append(data) or data

    assert files.get(("a",), make(b"12345")) == b"12345"
    assert files.get(("a",), make(b"other")) == b"12345" and made == [b"12345"]
    files.get(("b",), make(b"678901"))  # over 10 bytes together: the oldest goes
    files.get(("a",), make(b"12345"))
    assert made == [b"12345", b"678901", b"12345"]
    assert files.get(("big",), make(b"x" * 11)) == b"x" * 11  # too big to keep, still answered


@pytest.mark.parametrize("proxies, forwarded, expected", [
    (0, "203.0.113.7", "127.0.0.1"),  # no proxy trusted: the header is anyone's to write
    (1, "203.0.113.7", "203.0.113.7"),
    (1, "198.51.100.9, 203.0.113.7", "203.0.113.7"),  # a client-written hop before ours is ignored
    (2, "198.51.100.9, 203.0.113.7", "198.51.100.9"),
])
def test_hdr008_the_client_address_is_read_as_many_hops_back_as_proxies_are_trusted(proxies, forwarded, expected):
    app = flask.Flask("proxied")
    app.add_url_rule("/who", "who", view_func=lambda: flask.request.remote_addr)
    configure_server(app, Settings(trusted_proxies=proxies))
    answer = app.test_client().get("/who", headers={"X-Forwarded-For": forwarded},
                                   environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert answer.get_data(as_text=True) == expected


def test_hdr009_a_negative_proxy_count_stops_the_start():
    with pytest.raises(ValueError, match="RUTAS_TRUSTED_PROXIES"):
        configure_server(flask.Flask("bad"), Settings(trusted_proxies=-1))


# --- The page's scripts -----------------------------------------------------------------------

def _dash_page_scripts() -> str:
    """The script tags of a bare Dash page (the same Dash, its own format)."""
    import dash

    captured = {}

    class Capturing(dash.Dash):
        def interpolate_index(self, **kwargs):
            captured.update(kwargs)
            return super().interpolate_index(**kwargs)

    app = Capturing(__name__, serve_locally=True)
    app.layout = dash.html.Div()
    assert app.server.test_client().get("/").status_code == 200
    return captured["scripts"]


def test_psc101_page_scripts_drop_dashs_babel_polyfill_and_keep_the_rest():
    scripts = _dash_page_scripts()
    kept = page_scripts(scripts)
    assert "polyfill" in scripts and "polyfill" not in kept
    assert kept.count("<script") == scripts.count("<script") - 1
    for needed in ("react@", "react-dom@", "dash_renderer", "dash_core_components."):
        assert needed in kept, needed


def test_psc102_a_page_without_the_polyfill_is_refused():
    kept = page_scripts(_dash_page_scripts())
    with pytest.raises(ValueError, match="found 0 script tags"):
        page_scripts(kept)


def test_psc103_the_grid_s_code_is_on_the_page_inert_with_its_address():
    scripts = _dash_page_scripts()
    loaded = re.search(r'<script src="([^"]*/dash_ag_grid/dash_ag_grid\.[^"]*)"></script>', scripts)
    assert loaded, "the bare Dash page loads dash_ag_grid (the app imports it)"
    kept = page_scripts(scripts)
    assert f'<script src="{loaded.group(1)}">' not in kept
    assert f'<script type="{DEFERRED_SCRIPT_TYPE}" id="{GRID_CODE_ID}" src="{loaded.group(1)}"></script>' in kept
    assert kept.count("dash_ag_grid") == scripts.count("dash_ag_grid")  # nothing else of it went


def test_psc104_a_page_without_the_grid_s_code_is_refused():
    scripts = re.sub(r'<script src="[^"]*/dash_ag_grid/[^"]*"></script>', "", _dash_page_scripts())
    with pytest.raises(ValueError, match="dash_ag_grid once, found 0"):
        page_scripts(scripts)
