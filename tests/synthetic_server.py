"""The real app served by gunicorn over a generated (synthetic) dataset of ``n`` events.

A separate process, so a large store never sits in the test process and its own Dash app does not
meet the browser tests' one (Dash hands global callbacks to the first app of a process).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SyntheticServer:
    base_url: str
    dataset_id: str
    events: int
    pid: int


def save_synthetic_dataset(data_dir: Path, n: int, seed: int = 20260101) -> str:
    """Generate ``n`` synthetic events into ``data_dir`` as a dataset; return its id."""
    from dashboard.data.datasets import DatasetRepository
    from dashboard.data.synth import synthetic_events

    meta = DatasetRepository(data_dir).save_frame(synthetic_events(n, seed=seed),
                                                  name=f"Synthetic {n:,}", file_name=f"synthetic-{n}.csv")
    return meta.dataset_id


@contextmanager
def synthetic_server(data_dir: Path, n: int):
    """Serve the app (one gunicorn worker, as the benchmark does) over ``n`` synthetic events
    kept in ``data_dir``."""
    from bench.run import RUTAS, gunicorn

    dataset_id = save_synthetic_dataset(data_dir, n)
    env = {"RUTAS_DATA_DIR": str(data_dir), "RUTAS_BASEMAP": "offline"}
    with gunicorn(RUTAS, env, f"?dataset={dataset_id}", log_dir=data_dir) as server:
        yield SyntheticServer(base_url=server.url, dataset_id=dataset_id, events=n, pid=server.process.pid)
