"""Every registered callback driven with forged requests (issue 19): never a 500, never a traceback.

Requests are built from each callback's own declaration (its inputs and states, by id and
property) and sent to the real Flask app, as the browser would send them. Two kinds:

* wrong kinds (a count that is text, a URL that is a list …): the guard refuses them with a 400
  naming the field, and nothing on disk changes;
* the right kinds with hostile contents (random filters, odd URLs, stores of any shape, huge and
  non-finite numbers, markup): the callback answers (200, or 204 for "no change") or the guard
  refuses (400); never a 500.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.callbacks.guard import PROPERTY_RULES, Declared, declared_outputs

# More with RUTAS_FUZZ_EXAMPLES=60 (the tally of answers is printed at the end: pytest -s).
EXAMPLES = int(os.environ.get("RUTAS_FUZZ_EXAMPLES", "12"))
ANSWERS: Counter = Counter()  # (test, status) → requests


@pytest.fixture(scope="module", autouse=True)
def answer_tally():
    yield
    print("\ncallback fuzz answers:", ", ".join(f"{test} {status}: {count:,}"
                                               for (test, status), count in sorted(ANSWERS.items())))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """An app of its own over a fresh data directory; the process's context is put back after.

    Dash hands the globally registered callbacks to the first app that serves a request (the
    browser tests' app, in a whole-suite run): they are registered again for this one from the
    copy taken at collection.
    """
    from dash import _callback

    import dashboard.state.context as context_module
    from dashboard import create_app
    from dashboard.config import Settings

    previous = context_module._context  # other modules' tests read the context they set
    for key, entry in REGISTERED.items():
        _callback.GLOBAL_CALLBACK_MAP.setdefault(key, entry)
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    app = create_app(Settings(data_dir=str(data_dir)))
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    callbacks = {**_callback.GLOBAL_CALLBACK_MAP, **app.callback_map}
    assert set(CALLBACK_OUTPUTS) <= set(callbacks)
    yield client, callbacks, data_dir
    context_module._context = previous


def registered_callbacks() -> dict[str, dict]:
    """Every registered callback, by output, as importing the package registers them (no app or
    data is built at collection)."""
    from dash import _callback

    import dashboard.callbacks  # noqa: F401

    return dict(_callback.GLOBAL_CALLBACK_MAP)


def disk_state(directory: Path) -> dict[str, str]:
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file() and not path.name.endswith(".lock")}


JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False,
                      allow_infinity=False), st.text(max_size=40),
                      st.sampled_from(["<script>alert(1)</script>", "javascript:alert(1)", "../../etc/passwd",
                                       "drug_seizure", "2019-01-01", "9999-99-99", "rutas:0001", "es", "",
                                       " ", "NaN", "-1", "1e309"]))
ANY_JSON = st.recursive(JSON_LEAF, lambda children: st.one_of(
    st.lists(children, max_size=6), st.dictionaries(st.text(max_size=12), children, max_size=6)), max_leaves=25)
FILTER_KEYS = ["types", "actors", "countries", "regions", "routes", "drugs", "from", "to", "q", "bbox", "polygon",
               "datasets", "kg_min", "kg_max", "precision", "sort", "event", "view", "lang", "slide", "id", "index"]
STORE_LIKE = st.dictionaries(st.sampled_from(FILTER_KEYS), ANY_JSON, max_size=6)
SEARCH = st.lists(st.tuples(st.sampled_from(FILTER_KEYS), st.text(max_size=20)), max_size=5).map(
    lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs))

# Values of the kind each property takes, with hostile contents.
RIGHT_KIND = {
    "n_clicks": st.one_of(st.none(), st.integers(0, 10**9)), "n_submit": st.integers(0, 50),
    "n_intervals": st.integers(0, 10**6), "submit_n_clicks": st.integers(0, 50),
    "search": st.one_of(SEARCH, st.text(max_size=60)), "pathname": st.sampled_from(
        ["/", "/present/from-the-vraem-to-europe", "/present/x/notes", "/present/../../etc", "//", "/a" * 40]),
    "search_value": st.text(max_size=30), "start_date": st.one_of(st.none(), st.text(max_size=12)),
    "end_date": st.one_of(st.none(), st.text(max_size=12)), "hidden": st.one_of(st.none(), st.booleans()),
    "interval": st.integers(-10, 10**6),
    "value": st.one_of(JSON_LEAF, st.lists(JSON_LEAF, max_size=6)),
    "data": st.one_of(ANY_JSON, STORE_LIKE),
    "relayoutData": st.one_of(st.none(), st.dictionaries(st.sampled_from(
        ["map.center", "map.zoom", "map._derived", "autosize", "xaxis.range[0]", "dragmode"]), ANY_JSON, max_size=4)),
    "selectedData": st.one_of(st.none(), st.dictionaries(st.sampled_from(["points", "range", "lassoPoints"]),
                                                         ANY_JSON, max_size=3)),
    "clickData": st.one_of(st.none(), st.fixed_dictionaries({"points": st.lists(STORE_LIKE, max_size=2)})),
    "hoverData": st.one_of(st.none(), st.fixed_dictionaries({"points": st.lists(STORE_LIKE, max_size=2)})),
    "getRowsRequest": st.one_of(st.none(), st.dictionaries(st.sampled_from(
        ["startRow", "endRow", "sortModel", "filterModel"]), ANY_JSON, max_size=4)),
    "selectedRows": st.one_of(st.none(), st.lists(STORE_LIKE, max_size=3)),
    "contents": st.one_of(st.none(), st.text(max_size=50), st.just("data:text/csv;base64,aGVsbG8=")),
    "filename": st.one_of(st.none(), st.text(max_size=30)),
}
# Values a property never takes: the guard must refuse each.
WRONG_KIND = {
    "n_clicks": st.one_of(st.text(min_size=1, max_size=5), st.integers(max_value=-1), st.lists(st.integers(), min_size=1),
                          st.just(True), st.floats()),
    "search": st.one_of(st.integers(), st.lists(st.text(), min_size=1), st.dictionaries(st.text(), st.text(), min_size=1)),
    "value": st.one_of(st.dictionaries(st.text(), st.integers(), min_size=1), st.lists(st.lists(st.integers()), min_size=1)),
    "relayoutData": st.one_of(st.integers(), st.text(min_size=1), st.lists(st.integers(), min_size=1)),
    "hidden": st.one_of(st.integers(), st.text(min_size=1)),
    "data": st.just([[[[[[[[[[[[[[1]]]]]]]]]]]]]]),
}


def body_for(output: str, entry: dict, draw, kinds: dict, present: str | None = None) -> dict:
    """A request for ``output`` with values drawn from ``kinds``; a pattern-matching input of
    property ``present`` matches at least one component (so a value of that kind is sent)."""
    def value_of(declared: Declared):
        strategy = kinds[declared.prop] if declared.prop in kinds else RIGHT_KIND.get(declared.prop, ANY_JSON)
        return draw(strategy)

    def matching(declared: Declared) -> list[dict]:
        least = 1 if declared.prop == present else 0
        return [{key: (f"x{n}" if isinstance(wanted, list) else wanted) for key, wanted in declared.component_id.items()}
                for n in range(draw(st.integers(least, 2)))]

    def entries(part: str) -> list:
        sent = []
        for item in entry.get(part, []):
            declared = Declared.of(item)
            if declared.is_pattern:
                sent.append([{"id": i, "property": declared.prop, "value": value_of(declared)}
                             for i in matching(declared)])
            else:
                sent.append({"id": declared.component_id, "property": declared.prop, "value": value_of(declared)})
        return sent

    def output_entry(declared: Declared):
        if declared.is_pattern:
            return [{"id": i, "property": declared.prop} for i in matching(declared)]
        return {"id": declared.component_id, "property": declared.prop}

    declared = declared_outputs(output)
    outputs = [output_entry(d) for d in declared] if isinstance(declared, list) else output_entry(declared)
    inputs = entries("inputs")
    changed = [f"{item['id']}.{item['property']}" for item in inputs if isinstance(item, dict)][:1]
    return {"output": output, "outputs": outputs, "inputs": inputs, "state": entries("state"),
            "changedPropIds": changed}


def post(client, body: dict):
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


REGISTERED = registered_callbacks()
CALLBACK_OUTPUTS = sorted(key for key, entry in REGISTERED.items() if "callback" in entry)


@pytest.mark.parametrize("output", CALLBACK_OUTPUTS, ids=lambda o: o.strip(".")[:60])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_fuz001_hostile_contents_never_crash_a_callback(served, output, data):
    client, callbacks, _ = served
    body = body_for(output, callbacks[output], data.draw, RIGHT_KIND)
    response = post(client, body)
    ANSWERS["fuz001", response.status_code] += 1
    text = response.get_data(as_text=True)
    assert response.status_code in (200, 204, 400), (response.status_code, json.dumps(body)[:600], text[:300])
    assert "Traceback" not in text and 'File "' not in text


@pytest.mark.parametrize("output", [o for o in CALLBACK_OUTPUTS], ids=lambda o: o.strip(".")[:60])
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_fuz002_wrong_kinds_are_refused_and_change_nothing(served, output, data):
    client, callbacks, data_dir = served
    entry = callbacks[output]
    props = {Declared.of(item).prop for part in ("inputs", "state") for item in entry.get(part, [])}
    wrongable = sorted(props & set(WRONG_KIND))
    if not wrongable:
        pytest.skip("no property of this callback has a wrong kind to try")
    wrong = data.draw(st.sampled_from(wrongable))
    before = disk_state(data_dir)
    body = body_for(output, entry, data.draw, {**RIGHT_KIND, wrong: WRONG_KIND[wrong]}, present=wrong)
    response = post(client, body)
    ANSWERS["fuz002", response.status_code] += 1
    assert response.status_code == 400, (wrong, response.status_code, json.dumps(body)[:400])
    assert response.get_json()["reason"]  # the field and what it expected
    assert disk_state(data_dir) == before


def test_fuz003_every_property_a_callback_reads_has_a_rule(served):
    """A new property gets its kind declared (else it is only checked as plain JSON)."""
    _, callbacks, _ = served
    props = {Declared.of(item).prop for entry in callbacks.values() if "callback" in entry
             for part in ("inputs", "state") for item in entry.get(part, [])}
    assert props - set(PROPERTY_RULES) == set()
