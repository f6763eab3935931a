"""dashboard.data.concurrency: calls run at once, in the caller's context, and never wait on each
other from a side thread."""

from __future__ import annotations

import contextvars
import threading

import pytest

from dashboard.data.concurrency import at_once

REQUEST = contextvars.ContextVar("request", default="none")


def test_ato001_calls_run_at_once_and_answer_in_order():
    """Two calls that each wait for the other (a barrier of two) finish only if they run at once;
    one after the other, the first would wait out the barrier's timeout and break it."""
    barrier = threading.Barrier(2, timeout=5)
    threads = []

    def meet(answer):
        threads.append(threading.get_ident())
        barrier.wait()
        return answer

    assert at_once(lambda: meet("first"), lambda: meet("second")) == ["first", "second"]
    assert len(set(threads)) == 2 and threading.get_ident() in threads  # the first in the caller's thread


def test_ato002_a_side_call_sees_the_callers_context():
    """The request's values (its data version read once) hold in the side thread too."""
    REQUEST.set("request 7")
    try:
        assert at_once(REQUEST.get, REQUEST.get) == ["request 7", "request 7"]
    finally:
        REQUEST.set("none")


def test_ato003_calls_from_a_side_thread_run_there_one_after_the_other():
    """A side thread's own at_once does not queue work behind itself (the threads could all wait)."""
    started = threading.Event()

    def nested():
        started.set()
        here = threading.get_ident()
        return here != caller and at_once(threading.get_ident, threading.get_ident) == [here, here]

    caller = threading.get_ident()
    # The caller's own call waits until the side thread took ``nested`` (else it would run it itself).
    assert at_once(lambda: started.wait(5), nested) == [True, True]


def test_ato005_a_call_no_side_thread_has_started_runs_in_the_caller():
    """With every side thread busy, the caller does not wait for one: it runs the queued call."""
    from dashboard.data import concurrency

    release = threading.Event()
    busy = threading.Barrier(concurrency.SIDE_THREADS + 1, timeout=5)

    def hold():
        busy.wait()
        release.wait(5)

    try:
        at_once(lambda: None, lambda: None)  # the side threads exist
        for _ in range(concurrency.SIDE_THREADS):
            concurrency._threads.submit(hold)
        busy.wait()  # every side thread holds
        assert at_once(lambda: 1, threading.get_ident) == [1, threading.get_ident()]
    finally:
        release.set()


def test_ato004_a_side_calls_error_is_raised_to_the_caller():
    def fails():
        raise ValueError("statement failed")

    with pytest.raises(ValueError, match="statement failed"):
        at_once(lambda: 1, fails)
    assert at_once() == [] and at_once(lambda: 3) == [3]
