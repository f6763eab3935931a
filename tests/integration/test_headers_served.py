"""Headers, body limits and compression as gunicorn serves the app (the README command).

The page's inline scripts are exactly those the CSP hashes; the callback and upload limits hold to
the byte through a real server, which answers the next request on the same connection after a 413;
compressed answers decode to the plain ones.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import brotli
import pytest

from dashboard.state.uploads import request_size_limit
from tests.integration.test_serving import COMMAND, REPO, free_port, wait_for

UPLOAD_BYTES = 30_000
CALLBACK_BYTES = 200_000
STORY_ID = "from-the-vraem-to-europe"
EXPORT_DIALOG = {  # the export dialog's open/close callback: cheap, no state
    "output": "export-dialog.hidden", "outputs": {"id": "export-dialog", "property": "hidden"},
    "inputs": [{"id": "export-open", "property": "n_clicks", "value": 1},
               {"id": "export-close", "property": "n_clicks", "value": None}],
    "changedPropIds": ["export-open.n_clicks"], "state": [],
}


@contextmanager
def serve(data_dir) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "RUTAS_PORT": str(port), "RUTAS_DATA_DIR": str(data_dir),
           "RUTAS_MAX_UPLOAD_BYTES": str(UPLOAD_BYTES), "RUTAS_MAX_CALLBACK_REQUEST_BYTES": str(CALLBACK_BYTES)}
    process = subprocess.Popen([*COMMAND[:-1], "-w", "1", COMMAND[-1]], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port, "/", time.monotonic() + 60)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> Iterator[int]:
    with serve(tmp_path_factory.mktemp("instance")) as served:
        yield served


def request(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def padded(payload: dict, size: int) -> bytes:
    """The payload as JSON padded with spaces to exactly ``size`` bytes (still valid JSON)."""
    body = json.dumps(payload).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


def dependencies(port: int) -> list[dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        return json.loads(request(connection, "GET", "/_dash-dependencies")[2])
    finally:
        connection.close()


def callback_request(spec: dict, inputs: list[dict], values: dict[str, object]) -> dict:
    """A request for one callback as the browser sends it; each state valued from ``values`` by id."""
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1].split("@")[0]}
               for part in spec["output"].strip(".").split("...")]
    state = [{**s, "value": values.get(s["id"])} for s in spec["state"]]
    return {"output": spec["output"], "outputs": outputs, "inputs": inputs,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"], "state": state}


def upload_payload(port: int) -> dict:
    """The upload callback's request with a small CSV, built from the app's own dependencies."""
    spec = next(d for d in dependencies(port) if d["inputs"][0]["id"] == "data-upload-token"
                and any(s["id"] == "data-upload" and s["property"] == "contents" for s in d["state"]))
    csv = base64.b64encode(b"date,place\n2020-01-01,Lima\n").decode()
    return callback_request(spec, [{"id": "data-upload-token", "property": "data",
                                    "value": {"token": "probe-1", "chars": 40}}],
                            {"data-upload": f"data:text/csv;base64,{csv}", "data-format": "auto",
                             "data-stated-date": ""})


def notes_payload(port: int) -> dict:
    """The speaker notes' callback for the bundled story's first slide (an answer of a few kB)."""
    spec = next(d for d in dependencies(port) if d["output"].startswith("..notes-progress.children"))
    return callback_request(spec, [{"id": "notes-slide", "property": "data", "value": 0}],
                            {"notes-story": {"id": STORY_ID, "slides": 6, "lang": "en"}})


def same_answer(*answers: bytes) -> bool:
    """Equal but for the token Dash writes into each page's config (``end_id``)."""
    return len({re.sub(rb'"end_id":"[^"]*"', b"", answer) for answer in answers}) == 1


def test_hdr101_inline_scripts_are_exactly_those_the_policy_hashes(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, headers, page = request(connection, "GET", "/")
    assert status == 200
    policy = dict(part.split(" ", 1) for part in headers["content-security-policy"].split("; "))
    hashes = set(re.findall(r"'(sha256-[^']+)'", policy["script-src"]))
    uncommented = re.sub(rb"<!--.*?-->", b"", page, flags=re.S)  # Dash's <!--[if IE]> note never runs
    inline = [script for attrs, script in re.findall(rb"<script([^>]*)>(.*?)</script>", uncommented, re.S)
              if b"src=" not in attrs and b"application/json" not in attrs]
    assert inline, "the page has Dash's inline renderer script"
    for script in inline:
        digest = "sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert digest in hashes, script[:80]
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    for path in (f"/present/{STORY_ID}", f"/present/{STORY_ID}/notes", "/_dash-layout", "/no-such-page"):
        _, other, _ = request(connection, "GET", path)
        assert other["content-security-policy"] == headers["content-security-policy"], path
        assert other["x-content-type-options"] == "nosniff" and other["referrer-policy"] == "same-origin"
    connection.close()


def test_lim111_callback_limit_exact_through_the_server(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, _, body = request(connection, "POST", "/_dash-update-component", padded(EXPORT_DIALOG, CALLBACK_BYTES))
    assert status == 200 and json.loads(body)["response"]["export-dialog"] == {"hidden": False}
    status, _, body = request(connection, "POST", "/_dash-update-component",
                              padded(EXPORT_DIALOG, CALLBACK_BYTES + 1))
    assert status == 413 and b"RUTAS_MAX_CALLBACK_REQUEST_BYTES" in body and b"200,001 bytes" in body
    # Bigger than a callback may send, within an upload's: still refused, not being an upload.
    status, _, _ = request(connection, "POST", "/_dash-update-component",
                           padded(EXPORT_DIALOG, request_size_limit(UPLOAD_BYTES)))
    assert status == 413
    # The connection still serves (the refused body was skipped, not read as a next request).
    status, _, _ = request(connection, "GET", "/_dash-layout")
    assert status == 200
    connection.close()


def test_lim112_upload_limit_exact_through_the_server(port):
    payload, limit = upload_payload(port), request_size_limit(UPLOAD_BYTES)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, _, body = request(connection, "POST", "/_dash-update-component", padded(payload, limit))
    assert status == 200 and "data-report-store" in json.loads(body)["response"]
    status, _, body = request(connection, "POST", "/_dash-update-component", padded(payload, limit + 1))
    assert status == 413 and b"RUTAS_MAX_UPLOAD_BYTES" in body
    connection.close()


def test_cmp101_compressed_page_assets_and_callback_answers(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    _, _, page = request(connection, "GET", "/")
    script = re.search(rb'src="(/_dash-component-suites/dash/dash-renderer/[^"]+)"', page).group(1).decode()
    for path, method, body in (("/", "GET", None), (script, "GET", None),
                               ("/_dash-update-component", "POST", json.dumps(notes_payload(port)).encode()),
                               ("/_dash-dependencies", "GET", None)):
        _, plain_headers, plain = request(connection, method, path, body)
        _, br_headers, as_br = request(connection, method, path, body, {"Accept-Encoding": "gzip, deflate, br"})
        _, gz_headers, as_gz = request(connection, method, path, body, {"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain_headers, path
        assert br_headers["content-encoding"] == "br" and gz_headers["content-encoding"] == "gzip", path
        assert same_answer(brotli.decompress(as_br), gzip.decompress(as_gz), plain), path
        assert len(as_br) < len(plain), path
    _, headers, _ = request(connection, "GET", script)
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    connection.close()


def test_cmp102_the_plotly_bundle_revalidates_to_304_in_any_encoding(port):
    """Dash loads plotly.js on demand from an unversioned URL ("no-cache": asked again each time).
    Its route compares If-None-Match with its strong ETag as text, and the compressed copy's ETag
    is weak, so it never answered 304: every page load fetched 1.3 MB and compiled it again."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    plotly = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    for accepted in ("br", "gzip", None):
        headers = {"Accept-Encoding": accepted} if accepted else {}
        status, first, body = request(connection, "GET", plotly, headers=headers)
        assert status == 200 and len(body) > 500_000 and first["cache-control"] == "no-cache", accepted
        status, again, body = request(connection, "GET", plotly, headers={**headers, "If-None-Match": first["etag"]})
        assert status == 304 and body == b"" and "content-encoding" not in again, accepted
        assert again["cache-control"] == "no-cache", accepted
    # Another file's tag does not match: the whole file again.
    status, _, body = request(connection, "GET", plotly, headers={"If-None-Match": 'W/"not-this-one"'})
    assert status == 200 and len(body) > 500_000
    connection.close()
