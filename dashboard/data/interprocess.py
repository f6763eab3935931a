"""Sharing the data directory between processes: file locks, owned temporary names, and a clean-up
that removes only what is dead. No dash import.

Several processes write ``RUTAS_DATA_DIR`` at once: the workers of ``gunicorn -w 2`` and the CLI
(``python -m dashboard import``). A check-then-write (is this id free? is the story still at the
revision the user saw? is this file already imported?) is made atomic by holding an exclusive
``fcntl.flock`` on a lock file in the data directory. Linux is the target; the lock is advisory,
so every writer of the data directory takes it.

A temporary or trash entry is named ``<prefix><pid>.<host>-<random>``: the clean-up at start-up
removes it only when that process is gone or the entry is older than :data:`LEFTOVER_AGE_SECONDS`,
so it never deletes the work of another process that is still writing. ``<host>`` is a short hash
of the host name: a process id means nothing on another machine or container sharing the folder,
so there only the age counts.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A leftover whose owner still runs is kept unless it is older than this: an import or delete
# takes seconds, and the age also covers a pid reused after a restart (a new container counts
# its pids from 1 again).
LEFTOVER_AGE_SECONDS = 3600

_held = threading.local()  # lock files this thread holds, with their depth (re-entrancy)
_OWNER = re.compile(r"(\d+)\.([0-9a-f]{8})-")
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


@contextmanager
def file_lock(path: Path | str) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if missing) until the block ends.

    Excludes other processes and other threads of this process (each acquisition opens its own
    descriptor, and ``flock`` locks belong to the open file). Re-entrant within one thread, so a
    locked method may call another that takes the same lock.

    Parameters
    ----------
    path : Path or str
        The lock file; its folder is created when missing.
    """
    key = os.path.abspath(path)
    depths: dict[str, int] = _held.__dict__.setdefault("depths", {})
    if depths.get(key):
        depths[key] += 1
        try:
            yield
        finally:
            depths[key] -= 1
        return
    Path(key).parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        depths[key] = 1
        try:
            yield
        finally:
            del depths[key]
    finally:
        os.close(descriptor)  # releases the lock


def owned_prefix(prefix: str, pid: int | None = None) -> str:
    """``prefix`` followed by the owner (this process unless ``pid``): the start of a temporary name."""
    return f"{prefix}{os.getpid() if pid is None else pid}.{_HOST}-"


def owned_name(prefix: str) -> str:
    """A fresh temporary name owned by this process: ``<prefix><pid>-<random hex>``."""
    return f"{owned_prefix(prefix)}{uuid.uuid4().hex}"


def owner_of(name: str, prefix: str) -> int | None:
    """The id of the process on this host that owns a temporary name; None when it names none
    (written before owners were, or by another host, where this host cannot see its processes)."""
    match = _OWNER.match(name[len(prefix):]) if name.startswith(prefix) else None
    return int(match.group(1)) if match and match.group(2) == _HOST else None


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def is_dead(path: Path, prefix: str, *, now: float | None = None,
            max_age: float = LEFTOVER_AGE_SECONDS) -> bool:
    """Whether a temporary entry is left over: its owner is gone, or it is older than ``max_age``.

    An entry without an owner on this host in its name is judged by its age alone.
    """
    try:
        age = (time.time() if now is None else now) - path.lstat().st_mtime
    except FileNotFoundError:
        return False  # already gone: its owner finished
    if age > max_age:
        return True
    owner = owner_of(path.name, prefix)
    return owner is not None and not process_alive(owner)


def remove_leftovers(folder: Path, prefixes: tuple[str, ...], *, suffix: str = "",
                     max_age: float = LEFTOVER_AGE_SECONDS) -> list[str]:
    """Delete the dead temporary entries (folders or files) in ``folder``; returns their names.

    Parameters
    ----------
    folder : Path
        Where to look (a missing folder has no leftovers).
    prefixes : tuple of str
        Names starting with one of these are temporary (``.tmp-``, ``.trash-``).
    suffix : str
        Only names ending so (``.json`` for story temp files).
    max_age : float
        Seconds after which an entry is dead even when its owner still runs.
    """
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for entry in sorted(folder.iterdir()):
        prefix = next((p for p in prefixes if entry.name.startswith(p)), None)
        if prefix is None or not entry.name.endswith(suffix) or not is_dead(entry, prefix, now=now,
                                                                               max_age=max_age):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed
