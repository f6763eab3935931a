"""FilterSpec and URL state: lossless round trip, and malformed input never raises."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.data.filters import (
    LIST_PARAMS,
    FilterSpec,
    MapView,
    UrlState,
    build_search,
    join_list_param,
    parse_url_state,
    split_list_param,
)
from dashboard.data.language import LANGUAGES
from dashboard.data.schema import Drug, EventType

texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
names = st.lists(texts.filter(lambda s: s.strip() == s and s), max_size=4)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def filter_specs(draw):
    d1, d2 = sorted([draw(dates), draw(dates)])
    use_dates = draw(st.booleans())
    k1, k2 = sorted([draw(st.floats(0, 1e6)), draw(st.floats(0, 1e6))])
    use_kg = draw(st.sampled_from(["none", "min", "max", "both"]))
    west, east = sorted([draw(st.floats(-180, 179)), draw(st.floats(-180, 179))])
    south, north = sorted([draw(st.floats(-90, 89)), draw(st.floats(-90, 89))])
    bbox = (west, south, east + 1, north + 1) if draw(st.booleans()) else None
    polygon = draw(st.none() | st.lists(st.tuples(st.floats(-180, 180), st.floats(-90, 90)),
                                        min_size=3, max_size=6).map(tuple))
    return FilterSpec(
        date_from=d1 if use_dates else None, date_to=d2 if use_dates else None,
        event_types=draw(st.lists(st.sampled_from([t.value for t in EventType]), max_size=3)),
        drugs=draw(st.lists(st.sampled_from([d.value for d in Drug]), max_size=2)),
        actors=draw(names), countries=draw(names), regions=draw(names), routes=draw(names),
        datasets=draw(names),
        kg_min=k1 if use_kg in ("min", "both") else None, kg_max=k2 if use_kg in ("max", "both") else None,
        text=draw(st.text(max_size=40)), bbox=bbox, polygon=polygon,
    )


@settings(max_examples=300, deadline=None)
@given(filter_specs(), st.sampled_from(["en", "es"]),
       st.none() | st.builds(MapView, st.floats(-90, 90), st.floats(-180, 180), st.floats(0, 22)),
       st.text(st.characters(whitelist_categories=("Ll", "Nd"), whitelist_characters=":_-"), max_size=12))
def test_fil001_url_round_trip(spec, lang, view, selected):
    state = UrlState(spec=spec, lang=lang, view=view, selected=selected)
    parsed, notices = parse_url_state(build_search(state))
    assert notices == []
    assert parsed.spec == spec
    assert parsed.lang == lang and parsed.selected == selected
    if view is None:
        assert parsed.view is None
    else:
        assert abs(parsed.view.lat - view.lat) < 1e-4 and abs(parsed.view.zoom - view.zoom) < 1e-4


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=10), max_size=5))
def test_fil002_list_escaping_round_trip(values):
    assert split_list_param(join_list_param(tuple(values))) == (list(values) if values else [""])


KNOWN_PARAMS = [*LIST_PARAMS, "from", "to", "q", "kg_min", "kg_max", "bbox", "poly", "lang", "view", "event"]


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(KNOWN_PARAMS + ["foo"]), st.text(max_size=40), max_size=8))
def test_fil003_any_parameter_values_parse_without_raising(params):
    from urllib.parse import urlencode

    from dashboard.i18n import CATALOGS

    state, notices = parse_url_state(urlencode(params))
    assert isinstance(state.spec, FilterSpec) and state.lang in LANGUAGES
    assert all(p in params and m in CATALOGS["en"] for p, m in notices)  # every notice is translatable


def test_fil004_malformed_params_fall_back_with_notices():
    state, notices = parse_url_state(
        "?from=2017-13-45&to=2018-01-01&bbox=a,b&kg_min=-5&lang=fr&view=100,0,3&foo=bar&type=arrest")
    params = {p for p, _ in notices}
    assert params == {"from", "bbox", "kg_min", "lang", "view"}
    assert state.spec == FilterSpec(date_to=date(2018, 1, 1), event_types=("arrest",))
    assert dict(notices)["bbox"] == "notice.bad_bbox"


def test_fil009_unknown_closed_values_are_dropped_with_a_notice():
    state, notices = parse_url_state("?type=arrest,bombing&drug=heroin")
    assert state.spec == FilterSpec(event_types=("arrest",))
    assert notices == [("type", "notice.unknown_value"), ("drug", "notice.unknown_value")]
    assert state.lang == "en" and state.view is None


def test_fil005_inverted_ranges_are_refused():
    state, notices = parse_url_state("?from=2020-01-01&to=2019-01-01&kg_min=10&kg_max=1")
    assert {p for p, _ in notices} == {"from", "kg_min"}
    assert state.spec.is_empty


def test_fil006_canonical_lists_make_equal_specs():
    assert FilterSpec(event_types=("b", "a", "a")) == FilterSpec(event_types=["a", "b"])
    assert hash(FilterSpec(actors=("x",))) == hash(FilterSpec(actors=["x", " x "]))


def test_fil007_toggle_adds_then_removes():
    spec = FilterSpec().toggled("event_types", "arrest")
    assert spec.event_types == ("arrest",)
    assert spec.toggled("event_types", "arrest").is_empty


def test_fil008_store_form_round_trip():
    spec = FilterSpec(actors=("Tijuana cartel network (Mexican, Colombian and Peruvian members)",),
                      bbox=(-75.0, -13.0, -73.0, -11.5), kg_min=100.0, text="Callao")
    assert FilterSpec.from_store(spec.to_store()) == spec
