"""The load run's pure parts: the action mix, what each action sends, the summary, the CLI; and the
bench client's cookie jar and request counts (no server, nothing timed)."""

from __future__ import annotations

import os
import random
from collections import Counter

import pytest

from bench.__main__ import build_parser
from bench.dash_client import CSRF_COOKIE, DashClient, Exchange
from bench.load import (
    ACTION_WEIGHTS,
    TABLE_PAGES,
    THINK_S,
    Action,
    Failure,
    Sample,
    StoreKind,
    choose_action,
    do_action,
    group_failures,
    process_cpu_s,
    redis_hits,
    summarise,
    think_seconds,
)
from bench.run import (
    ARMS,
    NAIVE,
    POSTGIS,
    RUTAS,
    TABLE_BLOCK,
    Record,
    _ratio,
    percentile,
    rep_label,
    scenario_actions,
)
from bench.scenarios import CLICK_VIEW, SCENARIOS, SEARCH_WORDS, TYPES_BY_REP, VRAEM_BOX


def test_every_action_has_a_weight_and_only_those():
    assert set(ACTION_WEIGHTS) == set(Action)
    assert all(weight > 0 for weight in ACTION_WEIGHTS.values())


def test_the_mix_follows_the_weights_and_repeats_with_the_seed():
    rng = random.Random(7)
    many = Counter(choose_action(rng) for _ in range(20_000))
    assert set(many) == set(Action)
    total = sum(ACTION_WEIGHTS.values())
    for action, weight in ACTION_WEIGHTS.items():
        assert abs(many[action] / 20_000 - weight / total) < 0.02, action
    first, second = random.Random(3), random.Random(3)
    assert [choose_action(first) for _ in range(50)] == [choose_action(second) for _ in range(50)]


def test_think_time_stays_in_its_range():
    rng = random.Random(1)
    pauses = [think_seconds(rng) for _ in range(1000)]
    assert THINK_S[0] <= min(pauses) and max(pauses) <= THINK_S[1]
    assert max(pauses) - min(pauses) > 1.5  # drawn, not constant


class FakeClient:
    """Records the prop changes an action makes; answers one POST per change."""

    def __init__(self, figure: dict | None = None, zoomed_figure: dict | None = None) -> None:
        self.changes: list[dict] = []
        self.figure, self.zoomed_figure = figure, zoomed_figure
        self.props = {("page-reset", "n_clicks"): 4}

    def get(self, component_id: str, prop: str):
        if (component_id, prop) == (RUTAS.map, "figure"):
            return self.figure
        return self.props.get((component_id, prop))

    def act(self, changes: dict) -> Exchange:
        self.changes.append(changes)
        if f"{RUTAS.map}.relayoutData" in changes and self.zoomed_figure is not None:
            self.figure = self.zoomed_figure
        exchange = Exchange()
        exchange.record("some-output.figure", 0.01, 100)
        return exchange

    def reads(self, component_id: str, prop: str) -> bool:
        return True


POINTS = {"data": [{"type": "scattermap", "mode": "markers", "lon": [-73.9], "lat": [-12.4],
                    "customdata": ["17"], "meta": {"halo_points": 0}}]}


def test_a_type_pick_sets_one_or_two_known_types_in_one_request():
    """The filter's answer carries the views and the table's first block: nothing else is asked."""
    client = FakeClient()
    exchange = do_action(Action.TYPE_PICK, client, random.Random(2))
    [pick] = client.changes
    types = pick[RUTAS.types]
    assert 1 <= len(types) <= 2 and set(types) <= set(TYPES_BY_REP)
    assert exchange.posts == 1


def test_a_table_page_asks_for_a_later_block_of_the_same_size():
    client = FakeClient()
    for seed in range(20):
        do_action(Action.TABLE_PAGE, client, random.Random(seed))
    blocks = [change[RUTAS.table_request] for change in client.changes]
    size = TABLE_BLOCK["endRow"]
    assert all(b["endRow"] - b["startRow"] == size and b["startRow"] % size == 0 for b in blocks)
    assert all(size <= b["startRow"] < size * TABLE_PAGES for b in blocks)


def test_a_search_types_one_known_word_in_one_request():
    client = FakeClient()
    words = {do_action(Action.SEARCH, client, random.Random(seed)) and client.changes[-1][RUTAS.search]
             for seed in range(40)}
    assert words == set(SEARCH_WORDS)  # each word drawn, none other
    assert all(list(change) == [RUTAS.search] for change in client.changes)


def test_a_reset_counts_one_click_more():
    client = FakeClient()
    do_action(Action.RESET, client, random.Random(1))
    assert client.changes[0] == {f"{RUTAS.reset}.n_clicks": 5}


def test_a_click_zooms_in_to_a_town_first_when_no_point_is_drawn():
    client = FakeClient(figure=None, zoomed_figure=POINTS)
    exchange = do_action(Action.CLICK, client, random.Random(1))
    zoom, click = client.changes
    assert zoom[f"{RUTAS.map}.relayoutData"]["map.zoom"] == CLICK_VIEW["zoom"]
    assert click[f"{RUTAS.map}.clickData"]["points"][0]["customdata"] == "17"
    assert exchange.posts == 2


def test_a_click_with_nothing_to_click_is_skipped_not_sent():
    client = FakeClient(figure=None, zoomed_figure=None)
    assert do_action(Action.CLICK, client, random.Random(1)) is None
    assert [list(c) for c in client.changes] == [[f"{RUTAS.map}.relayoutData"]]  # the zoom only


def test_summary_per_action_overall_and_per_request():
    samples = [Sample(Action.ZOOM, float(ms), 1, 10, (float(ms),)) for ms in range(1, 101)]
    samples.append(Sample(Action.COLD_LOAD, 1000.0, 3, 1000, (400.0, 300.0, 300.0)))
    lines = {line.what: line for line in summarise(samples)}
    assert list(lines) == [Action.COLD_LOAD, Action.ZOOM, "all actions", "all requests"]
    assert (lines[Action.ZOOM].count, lines[Action.ZOOM].p50, lines[Action.ZOOM].p99) == (100, 51.0, 99.0)
    assert lines[Action.ZOOM].max == 100.0 and lines[Action.ZOOM].mean_bytes == 10
    assert lines["all actions"].count == 101 and lines["all actions"].max == 1000.0
    assert lines["all requests"].count == 103 and lines["all requests"].max == 400.0


def test_nearest_rank_percentile():
    assert percentile([], 95) is None
    assert percentile([5.0], 99) == 5.0
    assert percentile([float(v) for v in range(1, 101)], 95) == 95.0


def test_redis_hits_are_the_growth_between_two_readings():
    before = {"keyspace_hits": 10, "keyspace_misses": 4}
    after = {"keyspace_hits": 25, "keyspace_misses": 9}
    assert redis_hits(before, after) == (15, 5)


def test_load_arguments_and_their_defaults():
    args = build_parser().parse_args(["load"])
    assert (args.users, args.minutes, args.workers, args.n, args.store) == (20, 5.0, 2, 100_000, StoreKind.POSTGIS)
    args = build_parser().parse_args(["load", "--users", "3", "--n", "1_000_000", "--store", "memory"])
    assert (args.users, args.n, args.store) == (3, 1_000_000, StoreKind.MEMORY)


def test_an_unknown_store_is_refused(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["load", "--store", "sqlite"])
    assert "sqlite" in capsys.readouterr().err


def test_the_postgis_arm_is_rutas_under_another_name():
    assert ARMS["postgis"] is POSTGIS and set(ARMS) == {"rutas", "naive", "postgis"}
    assert (POSTGIS.target, POSTGIS.types, POSTGIS.table_request) == (RUTAS.target, RUTAS.types, RUTAS.table_request)
    assert NAIVE.name == "naive"


def test_the_search_scenario_types_a_new_word_each_repetition_where_the_arm_can_search():
    words = [scenario_actions("search", RUTAS, None, rep) for rep in range(len(SEARCH_WORDS) + 1)]
    assert all(setup is None for setup, _ in words)
    assert [action for _, action in words[:-1]] == [{"filters-text.value": w} for w in SEARCH_WORDS]
    assert words[-1] == words[0]  # round again
    assert len(set(SEARCH_WORDS)) == len(SEARCH_WORDS) and "search" in SCENARIOS
    assert scenario_actions("search", NAIVE, None, 0) == (None, None)  # no search box: not scriptable


def test_ratio_names_the_baseline_that_did_not_finish():
    measured = Record("postgis", 10, "one type", times_ms=[10.0, 20.0], sizes=[5, 5])
    baseline = Record("rutas", 10, "one type", times_ms=[5.0, 10.0], sizes=[5, 5])
    assert _ratio(measured, baseline, "p95") == "2.000"
    assert _ratio(measured, baseline, "bytes") == "1.000"
    baseline.dnf = True
    assert _ratio(measured, baseline, "p95") == "rutas DNF"


def test_record_json_carries_database_time():
    record = Record("postgis", 10, "reset", times_ms=[1.0], sizes=[2], database_ms=3.04)
    assert record.json()["database_ms"] == 3.0
    assert Record("rutas", 10, "reset").json()["database_ms"] is None


def test_exchange_counts_posts_and_gets_apart_and_merges_in_order():
    first, second = Exchange(), Exchange()
    first.record("GET /_dash-layout", 0.002, 50)
    second.record("map-graph.figure", 0.010, 300)
    merged = first.merge(second)
    assert (merged.posts, merged.gets, merged.response_bytes) == (1, 1, 350)
    assert merged.request_ms == pytest.approx([2.0, 10.0]) and merged.ms == pytest.approx(12.0)


def test_exchange_counts_the_bytes_sent_apart_from_those_received():
    """A POST's body (inputs and states: the naive app's whole map figure) is counted as sent; a GET
    sends none; merging keeps each request's own."""
    first, second = Exchange(), Exchange()
    first.record("GET /_dash-layout", 0.002, 50)
    second.record("naive-detail.children", 0.010, 129, sent=2_000_000)
    merged = first.merge(second)
    assert (merged.response_bytes, merged.request_bytes) == (179, 2_000_000)
    assert merged.request_sizes == [0, 2_000_000]


def test_the_ratio_of_bytes_sent_and_its_json():
    rutas = Record("rutas", 10, "click event", times_ms=[1.0], sizes=[3000], sent=[400, 600])
    naive = Record("naive", 10, "click event", times_ms=[9.0], sizes=[129], sent=[1_000_000])
    assert _ratio(rutas, naive, "sent") == "0.001"
    assert _ratio(rutas, naive, "bytes") == f"{3000 / 129:.3f}"
    assert rutas.json()["request_bytes"] == 500 and Record("rutas", 10, "reset").json()["request_bytes"] is None


def test_the_client_keeps_cookies_and_forgets_deleted_ones():
    client = DashClient("http://127.0.0.1:1")
    client._keep_cookies(["rutas_session=abc; HttpOnly; Path=/", f"{CSRF_COOKIE}=tok; Path=/; SameSite=Strict"])
    assert client.cookies == {"rutas_session": "abc", CSRF_COOKIE: "tok"}
    client._keep_cookies(["rutas_session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"])
    assert client.cookies == {CSRF_COOKIE: "tok"}


def test_failures_are_grouped_by_action_and_error_in_order_of_first_sight():
    failures = [Failure(3, "cold load", 12.0, "HTTP 500"), Failure(1, "box", 5.0, "timeout"),
                Failure(1, "cold load", 10.0, "HTTP 500"), Failure(3, "cold load", 14.0, "HTTP 500")]
    box, cold = group_failures(failures)
    assert (box.action, box.count, box.users) == ("box", 1, (1,))
    assert (cold.count, cold.users, cold.first_s, cold.last_s) == (3, (1, 3), 10.0, 14.0)


def test_cpu_seconds_of_a_running_process_and_of_none():
    sum(i * i for i in range(200_000))  # some CPU of our own, so the reading is above zero
    assert process_cpu_s(os.getpid()) > 0
    assert process_cpu_s(2**22 + 12345) == 0.0  # above Linux's largest pid: no such process


def test_the_slowest_repetition_is_named_by_what_it_asked():
    record = Record("postgis", 10, "search", times_ms=[120.0, 610.0, 300.0],
                    asked=[rep_label("search", rep) for rep in range(1, 4)])
    assert record.json()["slowest"] == {"ms": 610.0, "asked": repr(SEARCH_WORDS[2])}
    assert Record("rutas", 10, "reset").json()["slowest"] is None


def test_rep_label_says_what_scenario_actions_asks():
    for rep in range(12):
        _, box = scenario_actions("VRAEM box", RUTAS, None, rep)
        west = box["map-graph.selectedData"]["range"]["map"][0][0]
        assert rep_label("VRAEM box", rep) == f"{west - VRAEM_BOX[0]:.2f} deg in"
        _, search = scenario_actions("search", RUTAS, None, rep)
        assert rep_label("search", rep) == repr(search["filters-text.value"])
        _, types = scenario_actions("one type", RUTAS, None, rep)
        assert [rep_label("one type", rep)] == types["filters-types.value"]
    assert rep_label("brush 2019", 1) == "2018" and rep_label("cold load", 0) == ""
