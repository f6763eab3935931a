"""The real app served by gunicorn over a generated (synthetic) dataset of ``n`` events.

A separate process, so a large store never sits in the test process and its own Dash app does not
meet the browser tests' one (Dash hands global callbacks to the first app of a process).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SyntheticServer:
    base_url: str
    dataset_id: str
    events: int
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 10) -> bytes:
    """GET a path from the local server (loopback only)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", path)
    return connection.getresponse().read()


def save_synthetic_dataset(data_dir: Path, n: int, seed: int = 20260101) -> str:
    """Generate ``n`` synthetic events into ``data_dir`` as a dataset; return its id."""
    from dashboard.data.datasets import DatasetRepository
    from dashboard.data.synth import synthetic_events

    meta = DatasetRepository(data_dir).save_frame(synthetic_events(n, seed=seed),
                                                  name=f"Synthetic {n:,}", file_name=f"synthetic-{n}.csv")
    return meta.dataset_id


@contextmanager
def synthetic_server(data_dir: Path, n: int, ready_timeout_s: float = 180):
    """Serve the app (one gunicorn worker) over ``n`` synthetic events kept in ``data_dir``."""
    dataset_id = save_synthetic_dataset(data_dir, n)
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = dict(os.environ, RUTAS_DATA_DIR=str(data_dir), RUTAS_BASEMAP="offline")
    process = subprocess.Popen([str(gunicorn), "-w", "1", "--timeout", "300", "-b", f"127.0.0.1:{port}",
                                "app:server"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + ready_timeout_s
    try:
        while True:
            try:
                get(port, "/", timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {process.communicate(timeout=5)[0]}") from None
                time.sleep(0.2)
        yield SyntheticServer(base_url=f"http://127.0.0.1:{port}", dataset_id=dataset_id, events=n,
                              pid=process.pid)
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
