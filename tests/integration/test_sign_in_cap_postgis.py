"""The sign-in cap counts in the database: every worker and machine shares one count per name and
address (a per-process count let N workers take N times the cap)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from dashboard.data.database import dispose_engine, driver_url, engine_for
from dashboard.data.database.sign_in_failures import DatabaseSignInThrottle, attempt_key
from tests.integration.database import throwaway_database


@pytest.fixture(scope="module")
def url():
    with throwaway_database() as made:
        yield made
        dispose_engine(made)


def test_acc112_failures_on_two_servers_add_up_per_name_and_address(url):
    server_a = DatabaseSignInThrottle(engine_for(url), limit=3, window_s=60)
    server_b = DatabaseSignInThrottle(create_engine(driver_url(url)), limit=3, window_s=60)
    ana = ("ana", "203.0.113.7")
    server_a.failed(ana)
    server_b.failed(ana)
    assert not server_a.blocked(ana) and not server_b.blocked(ana)
    server_a.failed(ana)
    assert server_a.blocked(ana) and server_b.blocked(ana)  # three in all, on two servers
    assert not server_b.blocked(("ana", "203.0.113.8")) and not server_b.blocked(("ben", "203.0.113.7"))
    server_b.succeeded(ana)  # a right password clears the pair everywhere
    assert not server_a.blocked(ana)
    with engine_for(url).connect() as connection:
        stored = connection.execute(text("SELECT attempt FROM sign_in_failures")).scalars().all()
    assert all(len(key) == 32 for key in stored) and b"ana" not in b"".join(stored)  # digests only


def test_acc113_failures_leave_the_window_and_the_table(url):
    throttle = DatabaseSignInThrottle(engine_for(url), limit=2, window_s=600)
    ben = ("ben", "198.51.100.1")
    throttle.failed(ben)
    throttle.failed(ben)
    assert throttle.blocked(ben)
    with engine_for(url).begin() as connection:  # as if the failures were 11 minutes old
        connection.execute(text("UPDATE sign_in_failures SET at = at - interval '11 minutes' WHERE attempt = :a"),
                           {"a": attempt_key(ben)})
    assert not throttle.blocked(ben)
    throttle.failed(("carla", "198.51.100.2"))  # each failure sweeps the rows out of the window
    with engine_for(url).connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM sign_in_failures WHERE attempt = :a"),
                                  {"a": attempt_key(ben)}).scalar_one()
    assert left == 0
