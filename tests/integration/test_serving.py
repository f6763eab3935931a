"""Serving: gunicorn with --preload and 2 workers answers the page and a callback."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str, deadline: float) -> bytes:
    """GET a path from the local server (loopback only), retrying until it answers."""
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            return connection.getresponse().read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_srv001_gunicorn_preload_two_workers():
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--preload", "-w", "2", "-b", f"127.0.0.1:{port}", "app:server"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        page = wait_for(port, "/", time.monotonic() + 60).decode()
        assert "<title>Rutas</title>" in page
        layout = json.loads(wait_for(port, "/_dash-layout", time.monotonic() + 10))
        assert "page-url" in json.dumps(layout)
        # Both workers answer from the data loaded before the fork.
        for _ in range(4):
            assert b"Rutas" in wait_for(port, "/", time.monotonic() + 10)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert output.count("Booting worker") == 2, output
