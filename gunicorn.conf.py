"""Gunicorn settings for serving Rutas: ``.venv/bin/gunicorn -c gunicorn.conf.py app:server``.

Gunicorn also reads this file by itself when started from the repository (``./gunicorn.conf.py``).
A command-line flag overrides the value here (``-w 4``, ``-b 0.0.0.0:8050``). The address, the
port and the parse limit come from the app's own settings (``RUTAS_HOST``, ``RUTAS_PORT``,
``RUTAS_MAX_PARSE_SECONDS``), read as ``python app.py`` reads them. README, "Serving in production".
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import math
import os
import sys
from pathlib import Path

# Started with -c from another directory, the repository is not on the path yet.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Memory (issue 16): glibc gives each of a worker's 8 threads a malloc arena of its own and Arrow
# keeps a pool of its own; both hold freed pages. Two arenas, blocks of 1 MB and more mapped (and
# so returned when freed) and Arrow on the system allocator kept a worker over 1M events at ~556 MB
# after the bench scenarios instead of ~750 MB. Set before the app (and pyarrow) loads; an
# operator's own environment wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt parameters
_libc = ctypes.util.find_library("c")
_mallopt = getattr(ctypes.CDLL(_libc), "mallopt", None) if _libc else None  # glibc only
if _mallopt is not None:
    if "MALLOC_ARENA_MAX" not in os.environ:
        _mallopt(M_ARENA_MAX, 2)
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        _mallopt(M_MMAP_THRESHOLD, 1 << 20)
_malloc_trim = getattr(ctypes.CDLL(_libc), "malloc_trim", None) if _libc else None  # glibc only


def pre_fork(server, worker):
    """Objects loaded before the fork leave the collector's generations: a worker's collections
    never write to them, so their pages stay shared with the master (1M events: the workers' and
    master's PSS 784-817 -> 593-596 MB, bench serve-memory)."""
    gc.freeze()


def post_request(worker, req, environ, resp):
    """Hand the pages a request freed back to the system (~0.5 ms a request; 1M events: worker RSS
    after the bench scenarios 503-559 -> 463-486 MB)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


from dashboard.config import Settings  # noqa: E402

try:
    settings = Settings.from_env()
except ValueError as error:
    sys.stderr.write(f"Rutas cannot start: {error}\n")
    raise SystemExit(2) from None

TIMEOUT_HEADROOM_S = 60

# IPv6 addresses are written in brackets before the port.
_host = f"[{settings.host}]" if ":" in settings.host else settings.host
bind = [f"{_host}:{settings.port}"]

# Load and validate the data once, in the master, before forking: each worker starts from the
# store alone (create_app hands the memory freed after loading back to the system).
preload_app = True
workers = 2

# Threads, not sync workers: a sync worker serves one connection at a time and waits for it, so a
# few clients that connect and send nothing (or trickle an upload in) hold every worker and nobody
# else is answered. A threaded worker gives a new connection a thread for at most 5 s; one that has
# sent nothing by then waits in the worker's poller, with the kept-alive ones, holding no thread.
# Threads share their worker's memory (one copy of the store and of the result cache), so they cost
# far less than workers; they share its GIL too, so they add concurrency (a page load fires several
# callbacks at once; slow clients), not CPU: add workers for that. They also let up to 8 heavy
# requests (exports, imports) per worker run at once, and their memory adds up.
worker_class = "gthread"
threads = 8

# Above the longest import the app allows, with headroom for reading the upload and storing the
# dataset. A threaded worker keeps beating while a request runs, so this rarely fires; but a C call
# that holds the GIL stops the beat, and a sync worker (--threads 1: gunicorn runs a sync worker
# with more threads as gthread) beats only between requests, so a shorter timeout kills an import
# the app would have accepted (HTTP 500, the file stored anyway).
timeout = math.ceil(settings.max_parse_seconds) + TIMEOUT_HEADROOM_S
# A restart (HUP, TERM) lets a running import finish rather than cutting it off.
graceful_timeout = timeout
# Seconds an idle connection (kept alive, or silent after its 5 s in a thread) waits before it is closed.
keepalive = 5

# A shared link keeps the filters in the query string: 8190 (gunicorn's largest) holds a link to
# the bundled data with all 160 actors chosen (7.2 kB; the default 4094 refused more than about 95).
# The Referer header repeats the page's address with its scheme and host, so one header may be a
# little longer. A browser sends about 15 headers and a proxy adds a few: 50 leaves room.
limit_request_line = 8190
limit_request_fields = 50
limit_request_field_size = limit_request_line + 1024
