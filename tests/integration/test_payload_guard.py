"""Payload guard: at 1,000,000 synthetic events every callback response stays under 600 KB.

Asserted on response size, never on time (times are measured in ``bench/``). The app runs in its
own gunicorn process over a generated dataset; the interactions are the benchmark's scripts.
"""

from __future__ import annotations

import pytest

from bench.dash_client import DashClient
from bench.run import RUTAS, TABLE_BLOCK, click_action, scenario_actions
from tests.synthetic_server import synthetic_server

N = 1_000_000
BUDGET_BYTES = 600_000
SCENARIOS = ("one type", "brush 2019", "VRAEM box", "zoom VRAEM", "click event", "reset", "search")


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    with synthetic_server(tmp_path_factory.mktemp("million"), N) as server:
        yield server


def map_traces(client: DashClient) -> list[dict]:
    return client.get(RUTAS.map, "figure")["data"]


def drawn(trace: dict) -> int:
    lat = trace.get("lat")
    if isinstance(lat, dict):  # typed array: 4 bytes a float32, base64
        return len(lat["bdata"]) * 3 // 4 // 4
    return len(lat or [])


def cell_count(client: DashClient) -> int:
    return sum(drawn(t) for t in map_traces(client) if "colorscale" in (t.get("marker") or {}))


def assert_within_budget(exchange, step: str) -> None:
    assert exchange.posts > 0, f"{step}: no callback ran"
    largest = max(exchange.response_sizes)
    assert largest <= BUDGET_BYTES, (f"{step}: a response of {largest:,} bytes "
                                     f"({list(zip(exchange.fired, exchange.response_sizes))})")


def test_pay001_every_response_under_budget_at_one_million(million):
    client = DashClient(million.base_url, search=f"?dataset={million.dataset_id}", timeout_s=120)
    client.fetch_app()
    cold = client.initial_load()
    assert_within_budget(cold, "cold load")
    assert cell_count(client) > 0  # a million events are drawn as cells, not points
    start = client.snapshot()
    # A block asked of the server (the first comes with each change's answer; this one as a grid in
    # another order, or scrolled, asks for it).
    assert_within_budget(client.act({RUTAS.table_request: dict(TABLE_BLOCK)}), "a table block")
    for scenario in SCENARIOS:
        client.restore(start)
        setup, action = scenario_actions(scenario, RUTAS, client)
        if setup:
            assert_within_budget(client.act(setup), f"{scenario} (setup)")
        if scenario == "click event":
            action = click_action(RUTAS, client)
            assert action is not None, "no event point drawn after zooming into the VRAEM"
        assert_within_budget(client.act(action), scenario)
        if scenario in ("one type", "brush 2019", "VRAEM box", "reset"):
            assert_within_budget(client.act({RUTAS.table_request: dict(TABLE_BLOCK)}), f"{scenario} (table)")
    # A deep table page and a sort by text: still one block.
    deep = {"startRow": 500_000, "endRow": 500_100, "sortModel": [{"colId": "location", "sort": "desc"}],
            "filterModel": {}}
    assert_within_budget(client.act({RUTAS.table_request: deep}), "table page 5,000 sorted by place")


# What one action sends in all (every response, the table's first block included): 25-38 KB
# measured at 1M (bench run), so a change that doubles what an action sends fails here.
ACTION_BUDGET_BYTES = 64_000


def test_pay002_each_action_sends_under_64_kb_in_all_at_one_million(million):
    client = DashClient(million.base_url, search=f"?dataset={million.dataset_id}", timeout_s=120)
    client.fetch_app()
    client.initial_load()
    start = client.snapshot()
    for scenario in SCENARIOS:
        client.restore(start)
        setup, action = scenario_actions(scenario, RUTAS, client)
        if setup:
            client.act(setup)
        if scenario == "click event":
            action = click_action(RUTAS, client)
        exchange = client.act(action)  # a filter change's answer carries the table's first block
        assert 0 < exchange.response_bytes <= ACTION_BUDGET_BYTES, (
            f"{scenario}: {exchange.response_bytes:,} bytes ({list(zip(exchange.fired, exchange.response_sizes))})")
