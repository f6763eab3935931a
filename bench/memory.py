"""Memory of Rutas under gunicorn ``--preload -w 2``: RSS, PSS and private memory per process.

With ``--preload`` the data is loaded before the fork, so the workers share those pages until
they write to them; PSS (proportional set size) splits shared pages between the processes, and
"private" (Private_Clean + Private_Dirty) is what a process holds alone. Figures are taken after
two rounds of cold page loads, then again after the HTTP scenarios of ``bench run`` (``reps``
each), which is when a worker has grown its caches.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from bench.dash_client import DashClient
from bench.run import RUTAS, ArmSession, gunicorn, prepare_dataset, proc_status_mb, run_http


def smaps_mb(pid: int) -> dict[str, float]:
    """Rss, Pss and private kB of a process from /proc/<pid>/smaps_rollup, in MB."""
    found: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Pss", "Private_Clean", "Private_Dirty"):
                found[name] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return found


def private_by_kind_mb(pid: int) -> dict[str, float]:
    """Private memory of a process by kind of mapping, in MB: the malloc heap, anonymous maps
    (blocks of 1 MB and more under gunicorn.conf.py: numpy arrays, Arrow buffers) and files."""
    found = {"heap": 0.0, "anonymous": 0.0, "file": 0.0}
    kind = "file"
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        head = line.split()
        if head and "-" in head[0] and not head[0].endswith(":"):  # a mapping's first line
            path = head[5] if len(head) > 5 else ""
            kind = "heap" if path == "[heap]" else "anonymous" if not path or path.startswith("[") else "file"
        elif head and head[0] in ("Private_Clean:", "Private_Dirty:"):
            found[kind] += int(head[1]) / 1024
    return found


def pss_mb(pid: int) -> float | None:
    return smaps_mb(pid).get("Pss")


def print_memory(title: str, rows: list[tuple[str, int]]) -> None:
    print(title)
    print(f"{'process':<10} {'pid':>8} {'RSS MB':>8} {'HWM MB':>8} {'PSS MB':>8} {'private MB':>11}")
    for name, pid in rows:
        rss, hwm, smaps = proc_status_mb(pid, "VmRSS"), proc_status_mb(pid, "VmHWM"), smaps_mb(pid)
        private = smaps.get("Private_Clean", 0) + smaps.get("Private_Dirty", 0)
        print(f"{name:<10} {pid:>8} {rss or 0:>8.0f} {hwm or 0:>8.0f} {smaps.get('Pss', 0):>8.0f} {private:>11.0f}")
    total_pss = sum(pss_mb(pid) or 0 for _, pid in rows)
    print(f"{'total PSS':<10} {'':>8} {'':>8} {'':>8} {total_pss:>8.0f}")
    for name, pid in rows:
        kinds = private_by_kind_mb(pid)
        print(f"  {name} private by kind: " + ", ".join(f"{k} {v:.0f} MB" for k, v in kinds.items()))
    sys.stdout.flush()


def serve_memory(n: int, workers: int = 2, reps: int = 5) -> None:
    with tempfile.TemporaryDirectory(prefix=f"bench-mem-{n}-") as tmp:
        dataset_id, _ = prepare_dataset(n, Path(tmp))
        search = f"?dataset={dataset_id}"
        env = {"RUTAS_DATA_DIR": tmp, "RUTAS_BASEMAP": "offline"}
        with gunicorn(RUTAS, env, search, workers=workers, log_dir=Path(tmp)) as server:
            def load_page() -> None:  # the page and its callbacks (one cold load)
                DashClient(server.url, search).initial_load()

            # Concurrent page loads reach every worker (each serves its share).
            for _ in range(2):
                threads = [threading.Thread(target=load_page) for _ in range(workers)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            rows = [("master", server.process.pid)] + [(f"worker {i + 1}", pid)
                                                       for i, pid in enumerate(server.worker_pids())]
            print_memory(f"Rutas, gunicorn --preload -w {workers}, n={n:,} synthetic events, after page loads",
                         rows)
            if reps:
                client = DashClient(server.url, search)
                client.fetch_app()
                try:
                    run_http([ArmSession(server, client)], n, reps, lambda text: None)
                except Exception as error:  # noqa: BLE001 - a scripted step the page no longer has
                    print(f"the scenarios stopped: {type(error).__name__}: {error}")
                print_memory(f"after the bench scenarios ({reps} reps each)", rows)
