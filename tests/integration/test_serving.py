"""Serving: the README's command, ``gunicorn -c gunicorn.conf.py app:server``, in a real process.

Both workers answer; silent connections do not hold the server; the worker timeout outlasts the
longest import; the request line and header limits hold the longest shared link and no more.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard.config import Settings

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
COMMAND = [str(GUNICORN), "-c", "gunicorn.conf.py", "app:server"]  # README, "Serving in production"

IDLE_CONNECTIONS = 4
ORDINARY_REQUESTS = ("/", "/_dash-layout", "/_dash-dependencies", "/", "/_dash-layout")
IDLE_DEADLINE_S = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """GET a path from the local server (loopback only): status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_for(port: int, path: str, deadline: float) -> bytes:
    """GET a path, retrying until the server answers."""
    while True:
        try:
            return get(port, path, timeout=2)[1]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@dataclass
class Served:
    port: int
    process: subprocess.Popen
    output: str = ""


@contextmanager
def serve() -> Iterator[Served]:
    """Run the README command on a free port (RUTAS_PORT); its output is read once it stops."""
    port = free_port()
    process = subprocess.Popen(COMMAND, cwd=REPO, env={**os.environ, "RUTAS_PORT": str(port)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    served = Served(port, process)
    try:
        wait_for(port, "/", time.monotonic() + 60)
        yield served
    finally:
        process.terminate()
        served.output = process.communicate(timeout=30)[0]


def print_config(**env: str) -> dict[str, str]:
    """The settings gunicorn resolves from the README command (``--print-config``), as text."""
    result = subprocess.run([*COMMAND[:-1], "--print-config", COMMAND[-1]], cwd=REPO, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=60, check=True)
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def still_open(sock: socket.socket) -> bool:
    """Whether the server left a connection open (no data, no close, no reset)."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    with serve() as served:
        yield served


def test_srv001_readme_command_two_threaded_workers():
    with serve() as served:
        page = wait_for(served.port, "/", time.monotonic() + 10).decode()
        assert "<title>Rutas</title>" in page
        layout = json.loads(wait_for(served.port, "/_dash-layout", time.monotonic() + 10))
        assert "page-url" in json.dumps(layout)
        # Both workers answer from the data loaded before the fork.
        for _ in range(4):
            assert b"Rutas" in wait_for(served.port, "/", time.monotonic() + 10)
    assert served.output.count("Booting worker") == 2, served.output
    assert "Using worker: gthread" in served.output, served.output


def test_srv002_silent_connections_do_not_hold_the_server(server):
    # Connected, nothing sent: with sync workers each holds a worker until its timeout kills it
    # (30 s by default), and nobody else is answered meanwhile.
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(IDLE_CONNECTIONS)]
    try:
        started = time.monotonic()
        for path in ORDINARY_REQUESTS:
            left = IDLE_DEADLINE_S - (time.monotonic() - started)
            try:
                status, _ = get(server.port, path, timeout=max(left, 0.1))
            except TimeoutError:
                pytest.fail(f"GET {path} not answered within {IDLE_DEADLINE_S} s of the start while "
                            f"{IDLE_CONNECTIONS} silent connections were open")
            assert status == 200, path
        assert time.monotonic() - started < IDLE_DEADLINE_S
        # Answered beside the silent connections, not by dropping them.
        assert all(still_open(sock) for sock in idle)
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize("parse_seconds", [None, "300", "0.5"])
def test_srv003_worker_timeout_outlasts_the_parse_limit(parse_seconds):
    env = {} if parse_seconds is None else {"RUTAS_MAX_PARSE_SECONDS": parse_seconds}
    limit = Settings.from_env({**os.environ, **env}).max_parse_seconds
    config = print_config(**env)
    # A worker killed mid-import answers HTTP 500 though the file was stored.
    assert int(config["timeout"]) >= limit + 30, config["timeout"]
    # A restart lets a running import finish.
    assert int(config["graceful_timeout"]) > limit, config["graceful_timeout"]


def test_srv004_threaded_preloaded_and_bound_from_the_settings():
    config = print_config(RUTAS_HOST="0.0.0.0", RUTAS_PORT="8123")
    assert config["bind"] == "['0.0.0.0:8123']"
    assert config["worker_class"] == "gthread"
    assert int(config["threads"]) > 1
    assert config["workers"] == "2"
    assert config["preload_app"] == "True"  # workers start from the loaded store (README)
    assert 0 < int(config["keepalive"]) <= 10
    assert print_config(RUTAS_HOST="::1", RUTAS_PORT="8050")["bind"] == "['[::1]:8050']"


def test_srv005_request_line_just_under_and_just_over(server):
    limit = int(print_config()["limit_request_line"])

    def line_of(length: int) -> str:
        return "/?actor=" + "a" * (length - len("GET /?actor= HTTP/1.1"))

    assert get(server.port, line_of(limit), timeout=10)[0] == 200
    assert get(server.port, line_of(limit + 1), timeout=10)[0] in (400, 414)


def test_srv006_referer_of_the_longest_link_just_under_and_just_over(server):
    config = print_config()
    limit, line_limit = int(config["limit_request_field_size"]), int(config["limit_request_line"])
    # Every callback request repeats the page's address in its Referer header.
    longest_link = "https://" + "h" * 253 + "/?" + "a" * (line_limit - len("GET /? HTTP/1.1"))
    assert len(f"Referer: {longest_link}\r\n") <= limit

    def referer_of(length: int) -> dict[str, str]:  # the header line, CRLF included
        return {"Referer": "x" * (length - len("Referer: \r\n"))}

    assert get(server.port, "/_dash-layout", timeout=10, headers=referer_of(limit))[0] == 200
    assert get(server.port, "/_dash-layout", timeout=10, headers=referer_of(limit + 1))[0] in (400, 431)


def test_srv020_the_serving_config_puts_arrow_on_the_system_allocator():
    """gunicorn.conf.py sets the allocators before the app loads (issue 16: worker memory)."""
    # As gunicorn does: the config runs before the app (and pyarrow, which picks its pool on load).
    script = ("import runpy; runpy.run_path('gunicorn.conf.py'); import pyarrow as pa; "
              "print(pa.default_memory_pool().backend_name)")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "system"


def test_srv021_workers_keep_the_masters_pages_shared_and_hand_back_freed_ones():
    """gunicorn.conf.py's hooks (issue 16: a worker over 1M events under 500 MB): before each fork
    the loaded objects leave the collector's generations (a worker's collections would otherwise
    write to, and so copy, the master's pages); after each request freed pages go back."""
    script = ("import gc, runpy; config = runpy.run_path('gunicorn.conf.py'); "
              "before = gc.get_freeze_count(); config['pre_fork'](None, None); "
              "config['post_request'](None, None, None, None); "
              "print(before, gc.get_freeze_count(), config['_malloc_trim'] is not None)")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before, after, trims = done.stdout.split()
    assert int(before) == 0 and int(after) > 1000 and trims == "True"
