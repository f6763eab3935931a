"""Memory of Rutas under gunicorn ``--preload -w 2``: RSS and PSS of the master and each worker.

With ``--preload`` the data is loaded before the fork, so the workers share those pages until
they write to them; PSS (proportional set size) splits shared pages between the processes.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from bench.dash_client import DashClient
from bench.run import RUTAS, gunicorn, prepare_dataset, proc_status_mb


def pss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def serve_memory(n: int, workers: int = 2) -> None:
    with tempfile.TemporaryDirectory(prefix=f"bench-mem-{n}-") as tmp:
        dataset_id, _ = prepare_dataset(n, Path(tmp))
        search = f"?dataset={dataset_id}"
        env = {"RUTAS_DATA_DIR": tmp, "RUTAS_BASEMAP": "offline"}
        with gunicorn(RUTAS, env, search, workers=workers, log_dir=Path(tmp)) as server:
            def load_page() -> None:  # the page and its callbacks (one cold load)
                DashClient(server.url, search).initial_load()

            # Sync workers serve one request at a time: concurrent page loads reach every worker.
            for _ in range(2):
                threads = [threading.Thread(target=load_page) for _ in range(workers)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            rows = [("master", server.process.pid)] + [(f"worker {i + 1}", pid)
                                                       for i, pid in enumerate(server.worker_pids())]
            print(f"Rutas, gunicorn --preload -w {workers}, n={n:,} synthetic events")
            print(f"{'process':<10} {'pid':>8} {'RSS MB':>8} {'HWM MB':>8} {'PSS MB':>8}")
            for name, pid in rows:
                rss, hwm, pss = proc_status_mb(pid, "VmRSS"), proc_status_mb(pid, "VmHWM"), pss_mb(pid)
                print(f"{name:<10} {pid:>8} {rss or 0:>8.0f} {hwm or 0:>8.0f} {pss or 0:>8.0f}")
            total_pss = sum(pss_mb(pid) or 0 for _, pid in rows)
            print(f"{'total PSS':<10} {'':>8} {'':>8} {'':>8} {total_pss:>8.0f}")
