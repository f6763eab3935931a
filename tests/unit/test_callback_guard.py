"""The callback request guard: a request must match the callback it names, value kinds included."""

from __future__ import annotations

import re

import pytest

from dashboard.callbacks.guard import CallbackRequestError, check_callback_request

CALLBACKS = {
    "out.children": {"callback": object(), "inputs": [{"id": "button", "property": "n_clicks"}],
                     "state": [{"id": "store", "property": "data"}, {"id": "url", "property": "search"}]},
    "..list.children..": {"callback": object(), "state": [],
                          "inputs": [{"id": '{"index":["ALL"],"type":"delete"}', "property": "n_clicks"}]},
    "client.children": {"inputs": [], "state": []},  # a clientside callback: nothing runs on the server
}


def request(clicks=1, data=None, search="?type=arrest", **changes) -> dict:
    body = {"output": "out.children", "outputs": {"id": "out", "property": "children"},
            "inputs": [{"id": "button", "property": "n_clicks", "value": clicks}],
            "state": [{"id": "store", "property": "data", "value": data},
                      {"id": "url", "property": "search", "value": search}],
            "changedPropIds": ["button.n_clicks"]}
    body.update(changes)
    return body


def test_grd001_a_real_request_passes():
    check_callback_request(request(), CALLBACKS)
    check_callback_request(request(clicks=None, data={"types": ["arrest"], "from": None}), CALLBACKS)
    # An output that allows duplicates: the browser names it "prop@hash".
    check_callback_request(request(outputs={"id": "out", "property": "children@5f4ead4e"}), CALLBACKS)
    pattern = {"output": "..list.children..", "outputs": [{"id": "list", "property": "children"}],
               "changedPropIds": [], "state": [],
               "inputs": [[{"id": {"index": "a", "type": "delete"}, "property": "n_clicks", "value": 2},
                           {"id": {"index": "b", "type": "delete"}, "property": "n_clicks", "value": None}]]}
    check_callback_request(pattern, CALLBACKS)


@pytest.mark.parametrize("body, where", [
    ("not an object", "not a JSON object"),
    (request(output="nobody.children"), "no callback"),
    (request(output="client.children"), "no callback"),
    (request(output=["out.children"]), "no callback"),
    (request(clicks="7"), "inputs[0] (n_clicks): expected a count"),
    (request(clicks=True), "expected a count"),
    (request(clicks=-1), "expected a count"),
    (request(clicks=10**12), "expected a count"),
    (request(search=["?a"]), "state[1] (search): expected text"),
    (request(search="x" * 10_001), "longer than 10,000"),
    (request(data=[[[[[[[[[[[[[[1]]]]]]]]]]]]]]), "nested deeper"),
    (request(data=list(range(10_001))), "more than 10,000 items"),
    (request(inputs=[]), "inputs: expected 1 entries"),
    (request(inputs="all"), "inputs: expected 1 entries"),
    (request(inputs=[{"id": "other", "property": "n_clicks", "value": 1}]), "expected n_clicks of button"),
    (request(inputs=[{"id": "button", "property": "value", "value": 1}]), "expected n_clicks of button"),
    (request(changedPropIds="button.n_clicks"), "changedPropIds"),
    (request(outputs=3), "outputs"),
    (request(outputs=[{"id": "out", "property": "children"}]), "outputs: expected children of out"),
    (request(outputs={"id": "out", "property": "style"}), "outputs: expected children of out"),
])
def test_grd002_a_mangled_request_is_refused_naming_the_field(body, where):
    with pytest.raises(CallbackRequestError, match=re.escape(where)):
        check_callback_request(body, CALLBACKS)


def test_grd003_pattern_inputs_must_match_the_pattern():
    base = {"output": "..list.children..", "outputs": [{"id": "list", "property": "children"}],
            "changedPropIds": [], "state": []}
    for bad in ([{"id": {"index": "a", "type": "other"}, "property": "n_clicks", "value": 1}],
                [{"id": "delete", "property": "n_clicks", "value": 1}],
                {"id": {"index": "a", "type": "delete"}, "property": "n_clicks", "value": 1}):
        with pytest.raises(CallbackRequestError):
            check_callback_request({**base, "inputs": [bad]}, CALLBACKS)


def test_grd010_the_count_rule_and_the_indicator_controls_take_only_their_values():
    from dashboard.callbacks.guard import ID_RULES
    from dashboard.data.count_rules import CountRule
    from dashboard.ids import CountIds, IndicatorIds

    rule, indicator = ID_RULES[(CountIds.RULE, "value")], ID_RULES[(IndicatorIds.SELECT, "value")]
    for value in (*CountRule, None):
        rule(value, "count")
    for bad in ("all", 3, ["latest_official"]):
        with pytest.raises(CallbackRequestError, match="expected one of latest_official"):
            rule(bad, "count")
    for value in ("coca_area", "", None):
        indicator(value, "ind")
    for bad, why in ((["coca_area"], "expected text"), ("x" * 61, "longer than 60")):
        with pytest.raises(CallbackRequestError, match=why):
            indicator(bad, "ind")
