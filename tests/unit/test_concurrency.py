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
    def nested():
        here = threading.get_ident()
        return at_once(threading.get_ident, threading.get_ident) == [here, here]

    assert at_once(lambda: None, nested) == [None, True]


def test_ato004_a_side_calls_error_is_raised_to_the_caller():
    def fails():
        raise ValueError("statement failed")

    with pytest.raises(ValueError, match="statement failed"):
        at_once(lambda: 1, fails)
    assert at_once() == [] and at_once(lambda: 3) == [3]
