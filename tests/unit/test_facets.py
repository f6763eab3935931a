"""The facet registry drives the filter, the URL, stories, the store, the panel and the summary."""

from __future__ import annotations

import csv
import io
from dataclasses import fields

import pandas as pd
import pytest

from dashboard.data.datasets import with_import_columns
from dashboard.data.facets import (
    BREAKDOWN_FACETS,
    BREAKDOWN_FIELDS,
    FACETS,
    FACETS_BY_NAME,
    Control,
    breakdown_or_default,
)
from dashboard.data.filters import FILTER_PARAMS, FilterSpec, build_search, parse_url_state
from dashboard.data.imports.pipeline import import_bytes
from dashboard.data.language import Language
from dashboard.data.store import InMemoryEventStore
from dashboard.data.stories import parse_story
from dashboard.i18n import translate
from dashboard.ids import ALL_ID_ENUMS, DataIds, FilterIds
from dashboard.layout.filters import PANEL_FACETS, build_filter_panel
from dashboard.words.summary import filter_summary
from tests.unit.layout_tree import find

# ACLED's current export layout (codebook 2023+), with the columns the importer reads.
ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
    "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
    "tags,timestamp").split(",")
# (event_type, sub_event_type, location, latitude, longitude): ACLED's own category names.
ACLED_ROWS = (
    ("Battles", "Armed clash", "Llochegua", "-12.4128", "-73.9093"),
    ("Battles", "Armed clash", "Pichari", "-12.5167", "-73.8333"),
    ("Violence against civilians", "Attack", "Vizcatan del Ene", "-12.2333", "-74.0167"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "Santa Rosa", "-12.6667", "-73.7167"),
    ("Strategic developments", "Arrests", "Callao", "-12.0500", "-77.1333"),
)


def acled_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ACLED_HEADER)
    for number, (kind, sub_kind, place, lat, lon) in enumerate(ACLED_ROWS, start=1):
        row = dict.fromkeys(ACLED_HEADER, "")
        row.update(event_id_cnty=f"PER{number}", event_date="18 March 2017", year="2017", time_precision="1",
                   event_type=kind, sub_event_type=sub_kind, actor1="Military Forces of Peru (2016-2021)",
                   iso="604", country="Peru", admin1="Ayacucho", location=place, latitude=lat, longitude=lon,
                   geo_precision="1", source="El Comercio", fatalities="0")
        writer.writerow([row[c] for c in ACLED_HEADER])
    return buffer.getvalue().encode()


@pytest.fixture(scope="module")
def acled_store():
    outcome = import_bytes(acled_csv(), "acled_peru.csv")
    assert outcome.report.accepted == len(ACLED_ROWS)
    events = with_import_columns(outcome.events.assign(dataset="acled-test"))
    return InMemoryEventStore(events, default_datasets=("acled-test",)), events


def test_fct001_every_facet_is_a_filter_field_and_a_distinct_parameter():
    spec_fields = {f.name for f in fields(FilterSpec)}
    assert {facet.name for facet in FACETS} <= spec_fields
    params = [facet.param for facet in FACETS]
    assert len(params) == len(set(params)) and set(params) <= FILTER_PARAMS
    controls = {facet.control for facet in FACETS}
    assert len(controls) == len(FACETS)
    declared = {member.value for enum in ALL_ID_ENUMS for member in enum}
    derived = {facet.control for facet in FACETS if facet.control not in set(FilterIds) | set(DataIds)}
    assert derived and not derived & declared  # ids made by the rule never clash with declared ones


@pytest.mark.parametrize("facet", FACETS, ids=lambda f: f.name)
def test_fct002_each_facet_round_trips_through_the_url(facet):
    value = facet.vocabulary[0] if facet.closed else "Some value, with a comma"
    state, notices = parse_url_state(build_search(parse_url_state("")[0].with_changes(
        spec=FilterSpec(**{facet.name: (value,)}))))
    assert notices == [] and getattr(state.spec, facet.name) == (value,)


@pytest.mark.parametrize("facet", [f for f in FACETS if f.closed], ids=lambda f: f.name)
def test_fct003_closed_vocabularies_refuse_unknown_values_with_a_notice(facet):
    state, notices = parse_url_state(f"?{facet.param}=no_such_value,{facet.vocabulary[0]}")
    assert getattr(state.spec, facet.name) == (facet.vocabulary[0],)
    assert notices == [(facet.param, "notice.unknown_value")]


@pytest.mark.parametrize("facet", FACETS, ids=lambda f: f.name)
@pytest.mark.parametrize("lang", list(Language))
def test_fct004_every_facet_has_words_in_every_language(facet, lang):
    assert translate(facet.title_key, lang) != facet.title_key


@pytest.mark.parametrize("field", BREAKDOWN_FIELDS)
@pytest.mark.parametrize("lang", list(Language))
def test_fct005_every_breakdown_choice_has_words(field, lang):
    assert translate(f"breakdown.{field}", lang) != f"breakdown.{field}"


def test_fct006_breakdown_choice_falls_back_to_the_default():
    assert breakdown_or_default("original_subtype") == "original_subtype"
    assert breakdown_or_default("nonsense") == breakdown_or_default(None) == BREAKDOWN_FIELDS[0]


def test_fct007_story_slides_accept_every_facet_parameter():
    text = ('{"format": "rutas-story", "version": 2, "id": "facets", "title": "Facets", "slides": ['
            '{"title": "By the source", "filters": {"original_type": "Battles", "original_subtype": "Armed clash"},'
            ' "breakdown": "original_subtype"}]}')
    story = parse_story(text)  # a problem would raise StoryError naming slide and field
    slide = story.slides[0]
    assert slide.spec.original_types == ("Battles",) and slide.spec.original_subtypes == ("Armed clash",)
    assert slide.breakdown_field == "original_subtype"


def test_fct008_the_panel_has_one_control_per_facet_showing_the_link(store):
    spec = FilterSpec(event_types=("arrest",), drugs=("cocaine",), original_types=("Battles",))
    panel = build_filter_panel(store, spec, "en")
    for facet in PANEL_FACETS:
        control = find(panel, facet.control)
        assert control is not None, facet.name
        assert control.value == list(getattr(spec, facet.name))
        assert (type(control).__name__ == "Checklist") == (facet.control_kind == Control.CHECKLIST)
    values = [option["value"] for option in find(panel, "filters-types").options]
    assert values == list(FACETS[0].vocabulary)
    drug_values = {option["value"] for option in find(panel, "filters-drugs").options}
    assert drug_values == set(store.facet_options("drugs")) and drug_values <= set(FACETS[5].vocabulary)
    assert find(panel, "filters-more").open is True  # a link filtering by a source category opens it


def test_fct009_acled_original_type_and_subtype_filter_through_the_registry(acled_store):
    """The recipe proven: the source's own categories select exactly the rows that carry them."""
    store, events = acled_store
    frame = pd.DataFrame(ACLED_ROWS, columns=["type", "subtype", "place", "lat", "lon"])
    for kind in frame["type"].unique():
        spec, _ = parse_url_state(f"?original_type={kind}")
        assert store.count(spec.spec) == int((frame["type"] == kind).sum()), kind
    spec = parse_url_state("?original_type=Battles&original_subtype=Attack")[0].spec
    assert store.count(spec) == 0  # both facets apply (and): no battle is an attack
    spec = parse_url_state("?original_subtype=Armed clash,Attack")[0].spec
    assert store.count(spec) == 3  # values of one facet combine with or


def test_fct010_acled_original_types_are_a_breakdown_choice(acled_store):
    store, _ = acled_store
    breakdown = store.breakdown(FilterSpec(), "original_type")
    counts = dict(zip(breakdown.labels, breakdown.counts.tolist(), strict=True))
    expected = pd.Series([row[0] for row in ACLED_ROWS]).value_counts().to_dict()
    assert counts == expected
    assert BREAKDOWN_FACETS["original_type"].name == "original_types"  # a bar click toggles this facet


def test_fct011_summary_names_the_source_categories():
    spec = FilterSpec(original_types=("Battles",), original_subtypes=("Armed clash",))
    assert filter_summary(spec, "en") == "Battles · Armed clash"


def test_fct012_a_link_keeps_values_the_data_does_not_hold(store):
    """A dropdown drops a value missing from its options: the panel offers it, named as absent."""
    spec = FilterSpec(countries=("ZZZ",), original_types=("Battles",))
    panel = build_filter_panel(store, spec, "es")
    for facet_name, value in (("countries", "ZZZ"), ("original_types", "Battles")):
        control = find(panel, FACETS_BY_NAME[facet_name].control)
        added = [option for option in control.options if option["value"] == value]
        assert control.value == [value] and len(added) == 1
        assert added[0]["label"] == translate("filters.not_in_data", "es", value=value) != value
    plain = find(build_filter_panel(store, FilterSpec(), "en"), FACETS_BY_NAME["countries"].control)
    assert all(option["value"] != "ZZZ" for option in plain.options)
