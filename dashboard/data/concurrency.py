"""Calls run at once: the first in the caller's thread, the others in a few side threads.

A store whose answers wait on a database server (``EventStore.reads_wait_on_server``) answers
two questions on two connections, which the server runs on two cores, instead of one after the
other: PostgreSQL gives a GROUPING SETS statement no parallel workers, so one statement is one
core however idle the others are. Each side call runs in a copy of the caller's context (the
request's data version, read once, stays the one it read).
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

SIDE_THREADS = 4  # per process; the store's query slots still bound its statements
Answer = TypeVar("Answer")

_threads: ThreadPoolExecutor | None = None
_threads_lock = threading.Lock()
_in_side_thread = threading.local()


def _forget_threads() -> None:
    global _threads  # a forked worker has none of its parent's threads
    _threads = None


os.register_at_fork(after_in_child=_forget_threads)


def _side(context: contextvars.Context, call: Callable[[], Answer]) -> Answer:
    _in_side_thread.active = True
    try:
        return context.run(call)
    finally:
        _in_side_thread.active = False


def at_once(*calls: Callable[[], Answer]) -> list[Answer]:
    """The answers of ``calls``, in order, run at once. Called from a side thread, they run one
    after the other in it, and the caller runs any call still queued when it is done with its own:
    no thread waits on work that has not started (so they cannot all wait on work queued behind
    them). An exception of any call is raised here."""
    if not calls:
        return []
    if getattr(_in_side_thread, "active", False) or len(calls) == 1:
        return [call() for call in calls]
    global _threads
    with _threads_lock:
        if _threads is None:
            _threads = ThreadPoolExecutor(max_workers=SIDE_THREADS, thread_name_prefix="rutas-side")
        threads = _threads
    others = [threads.submit(_side, contextvars.copy_context(), call) for call in calls[1:]]
    first = calls[0]()
    # A call no side thread has started yet runs here: the caller waits only on work under way.
    return [first] + [call() if other.cancel() else other.result() for call, other in zip(calls[1:], others)]
