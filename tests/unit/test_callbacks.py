"""Callbacks called as plain functions (``@callback`` returns them unchanged)."""

from __future__ import annotations

import inspect
from urllib.parse import parse_qs

import orjson
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from dashboard.callbacks.detail import on_event_selected, update_detail
from dashboard.callbacks.page import update_page_body
from dashboard.callbacks.state import update_filter_state
from dashboard.callbacks.views import (
    on_map_moved,
    update_breakdown,
    update_counts,
    update_map,
    update_table,
    update_timeline,
)
from dashboard.data.filters import FilterSpec, parse_url_state
from dashboard.figures.event_map import EVENT_TRACE, LayerSlot, drawn_events
from dashboard.state.interactions import CONTROL_BINDINGS
from dashboard.state.views import highlight_position
from tests.unit.figure_json import as_drawn


def patch_operations(patch) -> dict[tuple, dict]:
    """A Dash Patch's operations by location (the last write to a location wins)."""
    return {tuple(op["location"]): op for op in patch.to_plotly_json()["operations"]}


def patched_events(patch):
    """The event points a Patch puts on the map (its new event trace)."""
    return drawn_events(patch_operations(patch)[("data", EVENT_TRACE)]["params"]["value"])


def trigger(prop_id: str) -> None:
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": None}]))


# Every control's value keyed by its component (id.prop), as the browser knows it: the test
# speaks to components, so a control bound to the wrong filter field shows up here.
BLANK_CONTROLS = {"filters-text.value": None, "filters-date-range.start_date": None,
                  "filters-date-range.end_date": None, "filters-types.value": [], "filters-actors.value": [],
                  "filters-countries.value": [], "filters-regions.value": [], "filters-routes.value": [],
                  "filters-drugs.value": [], "filters-original-type.value": [],
                  "filters-original-subtype.value": [], "filters-kg-min.value": None,
                  "filters-kg-max.value": None, "data-datasets.value": ["rutas"]}


def state_answer(controls: dict | None = None, *, map_selection=None, relayout=None, timeline=None,
                 bar_click=None, search="", field="event_type", stored=None, reset=0, shown=None) -> dict:
    """The state callback's whole answer, controls given by component; ``shown`` is the filter the
    views show (None: none yet, so a new filter comes with its views)."""
    values = {**BLANK_CONTROLS, **(controls or {})}
    by_name = {name: values[f"{cid}.{prop}"] for name, (cid, prop) in CONTROL_BINDINGS.items()}
    return update_filter_state(
        controls=by_name, map_selection=map_selection, map_relayout=relayout, timeline_selection=timeline,
        bar_click=bar_click, reset_clicks=reset, clear_spatial_clicks=0, language_clicks=0, search=search,
        breakdown_field=field, stored=stored, lang=parse_url_state(search)[0].lang, key_switch=["shown"],
        playback_data=None, slide_title=None, slide_default=None, shown=shown)


def run_state(controls: dict | None = None, **kwargs) -> tuple:
    """Call the state callback with controls given by component; controls come back the same way."""
    result = state_answer(controls, **kwargs)
    shown = {f"{cid}.{prop}": result["controls"][name] for name, (cid, prop) in CONTROL_BINDINGS.items()}
    return result["filter_store"], result["search"], result["spatial_text"], result["clear_spatial_hidden"], shown


def test_cbk001_type_checkbox_updates_store_and_url(app_context):
    trigger("filters-types.value")
    store, search, *_ = run_state({"filters-types.value": ["drug_seizure"]})
    assert FilterSpec.from_store(store) == FilterSpec(event_types=("drug_seizure",))
    assert search == "?type=drug_seizure"


def test_cbk002_map_box_selection_sets_bbox_and_keeps_controls(app_context):
    trigger("map-graph.selectedData")
    selection = {"range": {"map": [[-75.5, -11.0], [-73.0, -13.5]]}}
    store, search, spatial_text, clear_hidden, controls = run_state(
        map_selection=selection, search="?type=arrest")
    spec = FilterSpec.from_store(store)
    assert spec.bbox == (-75.5, -13.5, -73.0, -11.0) and spec.event_types == ("arrest",)
    assert "bbox=-75.5,-13.5,-73,-11" in search and clear_hidden is False
    assert controls["filters-types.value"] == ["arrest"]  # the checklist is told about the URL's type


def test_cbk003_timeline_brush_sets_dates(app_context):
    trigger("timeline-graph.selectedData")
    store, search, *_ = run_state(
        timeline={"range": {"x": ["2016-01-01 00:00", "2017-12-31 12:00"]}})
    assert "from=2016-01-01&to=2017-12-31" in search


def test_cbk004_breakdown_click_toggles(app_context):
    trigger("breakdown-graph.clickData")
    click = {"points": [{"customdata": "BOL"}]}
    _, search, *_ = run_state(bar_click=click, field="country")
    assert search == "?country=BOL"
    _, search, *_ = run_state(bar_click=click, field="country", search=search)
    assert search == ""


def test_cbk005_reset_and_language(app_context):
    trigger("page-reset.n_clicks")
    store, search, *_ = run_state(search="?type=arrest&lang=es&view=1,2,3", reset=1)
    assert search == "?lang=es" and FilterSpec.from_store(store).is_empty
    trigger("page-lang-switch.n_clicks")
    _, search, *_ = run_state(search="?type=arrest")
    assert parse_url_state(search)[0].lang == "es"


def test_cbk006_pan_updates_view_without_touching_filter(app_context):
    trigger("map-moved.data")
    stored = FilterSpec(event_types=("arrest",)).to_store()
    store, search, *_ = run_state(
        relayout={"map.center": {"lat": -12.4, "lon": -73.9}, "map.zoom": 7.5},
        search="?type=arrest", stored=stored)
    assert store is no_update  # the views do not redraw on a pan
    assert "view=-12.4,-73.9,7.5" in search


def test_cbk011_initial_render_keeps_the_url(app_context):
    """On first render every input reports a change; the shared link must survive it."""
    context_value.set(AttributeDict(triggered_inputs=[
        {"prop_id": "page-reset.n_clicks", "value": 0}, {"prop_id": "filters-types.value", "value": []}]))
    search = "?type=arrest&view=-12.3,-73.95,7.6&event=rutas:0085&lang=es"
    store, new_search, *controls = run_state(
        {"filters-types.value": ["arrest"]}, search=search)
    kept = search if new_search is no_update else new_search  # rewritten at most into canonical order
    assert parse_url_state(kept)[0] == parse_url_state(search)[0]
    assert FilterSpec.from_store(store) == FilterSpec(event_types=("arrest",))


def test_cbk013_clearing_the_date_picker_clears_the_range(app_context):
    """The picker's clear sets both dates in one event: that is a control action, not a first render."""
    context_value.set(AttributeDict(triggered_inputs=[
        {"prop_id": "filters-date-range.start_date", "value": None},
        {"prop_id": "filters-date-range.end_date", "value": None}]))
    store, search, *controls = run_state(search="?from=2016-01-01&to=2017-12-31")
    assert search == "" and FilterSpec.from_store(store).is_empty


def test_cbk014_typing_is_never_written_back(app_context):
    trigger("filters-text.value")
    _, search, _, _, controls = run_state({"filters-text.value": "Puerto "})
    assert search == "?q=Puerto"
    assert all(value is no_update for value in controls.values())  # the trailing space stays in the box


def test_cbk015_back_button_adopts_the_url(app_context):
    """Back/Forward (or another callback) changes the URL: store and controls follow it."""
    trigger("page-body-url.search")
    store, search, _, _, controls = run_state(
        {"filters-types.value": ["arrest"]}, search="?type=drug_seizure&q=callao",
                    stored=FilterSpec(event_types=("arrest",)).to_store())
    assert search is no_update
    assert FilterSpec.from_store(store) == FilterSpec(event_types=("drug_seizure",), text="callao")
    assert controls["filters-text.value"] == "callao" and controls["filters-types.value"] == ["drug_seizure"]


def test_cbk007_views_agree_with_store(app_context):
    spec = FilterSpec(event_types=("attack_on_security_forces",))
    data, expected = spec.to_store(), app_context.store.count(spec)
    counts = update_counts("en", data)
    assert counts[0] == str(expected)
    table = update_table({"startRow": 0, "endRow": 100}, data, "en")
    assert table["rowCount"] == expected and len(table["rowData"]) == min(100, expected)
    timeline = as_drawn(update_timeline("en", data, None))
    assert sum(sum(t.y) for t in timeline.data) == expected
    trigger("filters-store.data")
    patch, note = update_map(data, ["shown"], "", "en")
    assert patched_events(patch).count == expected and note == ""
    assert sum(as_drawn(update_breakdown("en", data, "event_type")).data[0].x) == expected


def test_cbk008_page_renders_once_per_language(app_context):
    body, lang, route = update_page_body(None, "/", "?lang=es&type=arrest", None, None)
    assert lang == "es" and route == ["main"] and "Filtros" in orjson.dumps(body).decode()
    from dash.exceptions import PreventUpdate

    with pytest.raises(PreventUpdate):
        update_page_body(None, "/", "?lang=es&type=drug_seizure", "es", ["main"])
    # Another page (the presenter) is a new body even in the same language.
    _, _, route = update_page_body(None, "/present/from-the-vraem-to-europe", "?lang=es", "es", ["main"])
    assert route == ["present", "from-the-vraem-to-europe"]


def test_cbk009_click_selects_event_and_patches_highlight(app_context):
    trigger("map-graph.clickData")
    points = app_context.store.points(FilterSpec(event_types=("drug_seizure",)), limit=1_000)
    row = int(points.row[0])  # a drawn seizure, as the browser has it (float32 coordinates)
    click = {"points": [{"curveNumber": EVENT_TRACE, "pointNumber": 7,
                         "lat": float(points.latitude[0]), "lon": float(points.longitude[0])}]}
    search, patch = on_event_selected(click, None, "?type=drug_seizure", FilterSpec().to_store())
    event_id = app_context.store.event_id_at(row)
    assert search == f"?type=drug_seizure&event={event_id}"
    operations = patch_operations(patch)
    assert set(operations) == {("layout", "map", "layers", LayerSlot.HIGHLIGHT)}  # the highlight alone
    highlight = operations[("layout", "map", "layers", LayerSlot.HIGHLIGHT)]["params"]["value"]
    assert highlight["source"]["geometry"]["coordinates"] == list(highlight_position(app_context.store, event_id))[::-1]
    card = str(update_detail(None, "en", None, search)["card"])
    assert "– nan" not in card and "'nan'" not in card  # a missing end date or value is left out
    source = app_context.store.event(event_id)["source_url"]
    assert source in card and "noopener" in card and "_blank" in card


def test_cbk042_the_page_draws_the_url_s_card_as_the_detail_callback_would(app_context):
    """The detail callback is not asked at load: the page body carries the card the URL selects
    (an event with reported figures, counted by another rule, in Spanish), or the hint."""
    from dashboard.data.roles import EMBEDDED_ACCOUNT
    from dashboard.i18n import translate
    from dashboard.ids import DetailIds
    from dashboard.layout.page import build_page
    from tests.unit.layout_tree import find

    def as_json(value) -> str:
        return orjson.dumps(value, default=lambda component: component.to_plotly_json()).decode()

    drawn = {}
    for search in ("?event=rutas:0015&count_rule=highest_reported&lang=es", "?event=rutas:0006", ""):
        state, notices = parse_url_state(search)
        assert not notices, search
        drawn[search] = as_json(find(build_page(app_context, state, notices, EMBEDDED_ACCOUNT), DetailIds.CARD).children)
        assert drawn[search] == as_json(update_detail(None, state.lang, str(state.count_rule), search)["card"]), search
    source = app_context.store.event("rutas:0015")["source_url"]
    assert source in drawn["?event=rutas:0015&count_rule=highest_reported&lang=es"]  # the event's own card
    assert drawn[""] == as_json([translate("detail.empty", "en")])


def test_cbk010_table_row_selects_event(app_context):
    trigger("table-grid.selectedRows")
    search, _ = on_event_selected(None, [{"event_id": "rutas:0010"}], "", None)
    assert search == "?event=rutas:0010"
    trigger("table-grid.selectedRows")
    assert on_event_selected(None, [{"event_id": "rutas:0010"}], search, None) == (no_update, no_update)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>"])
def test_sec003_detail_card_never_links_unsafe_urls(app_context, url):
    from dashboard.layout.detail import build_detail_card

    event = dict(app_context.store.event("rutas:0001"), source_url=url)
    card = build_detail_card(event, "en")
    assert url not in str(card)
    assert "Source link withheld" in str(card)


def test_cbk012_fit_map_moves_view_to_filtered_events(app_context):
    from dashboard.callbacks.map_view import on_fit_map

    spec = FilterSpec(countries=("ESP", "NLD", "BEL", "ITA"))
    search, patch = on_fit_map(1, spec.to_store(), "?country=BEL,ESP,ITA,NLD", "en", ["shown"])
    view = parse_url_state(search)[0].view
    assert 35 < view.lat < 53 and -6 < view.lon < 16  # Europe, where those seizures are
    operations = patch_operations(patch)
    assert ("layout", "map", "zoom") in operations and ("layout", "uirevision") in operations
    # The move comes with the event trace for the new view (a Patch move reports no relayoutData).
    assert patched_events(patch).count == app_context.store.count(spec) > 0
    assert on_fit_map(0, spec.to_store(), "", "en", ["shown"]) == (no_update, no_update)


def test_cbk016_reset_moves_the_map_home_and_clears_the_highlight(app_context):
    from dashboard.callbacks.map_view import on_reset_map
    from dashboard.figures.event_map import DEFAULT_VIEW

    filtered = FilterSpec(event_types=("arrest",)).to_store()
    operations = patch_operations(on_reset_map(2, filtered, "en", ["shown"]))
    # A filter is active: reset changes it, and the map is patched for the new one (no trace here).
    assert ("data", EVENT_TRACE) not in operations
    unfiltered_patch = on_reset_map(3, FilterSpec().to_store(), "en", ["shown"])
    # No filter to clear: the trace for the starting view comes with the move.
    assert patched_events(unfiltered_patch).count == app_context.store.size
    assert operations[("layout", "map", "zoom")]["params"]["value"] == DEFAULT_VIEW.zoom
    assert operations[("layout", "uirevision")]["params"]["value"] == "reset-2"
    assert operations[("layout", "map", "layers", LayerSlot.HIGHLIGHT)]["params"]["value"]["visible"] is False
    assert on_reset_map(0, filtered, "en", ["shown"]) is no_update


def test_cbk017_a_new_graph_s_first_relayout_never_replaces_its_figure(app_context):
    """After a language switch the rebuilt graph reports autosize while its figure is on the way.

    Moves are handled by a callback of their own, so that relayout cannot cancel the redraw
    (Dash drops a pending result when the same callback runs again); it changes nothing.
    """
    spec = FilterSpec(event_types=("drug_seizure",))
    patch, _ = update_map(spec.to_store(), ["shown"], "?type=drug_seizure&lang=es", "es")
    assert patched_events(patch).count == app_context.store.count(spec)
    assert on_map_moved({"autosize": True}, spec.to_store(), "es", ["shown"]) == (no_update, no_update)
    # The patch itself takes no relayout (the browser test brw007 drives the real race).
    assert list(inspect.signature(update_map).parameters) == ["filter_data", "key_switch", "search", "lang"]


# What each component edits: written from the layout's point of view (the drug checklist is
# the component whose id is filters-drugs), so a swapped binding anywhere fails here.
COMPONENT_EDITS = {
    "filters-text.value": ("Callao", "q", "Callao"),
    "filters-date-range.start_date": ("2017-01-01", "from", "2017-01-01"),
    "filters-date-range.end_date": ("2018-12-31", "to", "2018-12-31"),
    "filters-types.value": (["arrest"], "type", "arrest"),
    "filters-actors.value": (["shining_path"], "actor", "shining_path"),
    "filters-countries.value": (["BOL"], "country", "BOL"),
    "filters-regions.value": (["Cusco"], "region", "Cusco"),
    "filters-routes.value": (["callao_europe_sea"], "route", "callao_europe_sea"),
    "filters-drugs.value": (["cocaine"], "drug", "cocaine"),
    "filters-original-type.value": (["Battles"], "original_type", "Battles"),
    "filters-original-subtype.value": (["Armed clash"], "original_subtype", "Armed clash"),
    "filters-kg-min.value": (10, "kg_min", "10"),
    "filters-kg-max.value": (500, "kg_max", "500"),
    "data-datasets.value": (["rutas", "acled-x"], "dataset", "acled-x,rutas"),
}


@pytest.mark.parametrize("component", sorted(COMPONENT_EDITS))
def test_cbk030_each_control_feeds_its_own_filter_parameter(app_context, component):
    """Named wiring: a value typed into one component lands in that component's URL parameter only."""
    value, param, expected = COMPONENT_EDITS[component]
    trigger(component)
    _, search, *_ = run_state({component: value})
    params = parse_qs(search.lstrip("?"))
    assert {key: values[-1] for key, values in params.items()} == {param: expected}


def test_cbk031_every_bound_control_is_tested():
    bound = {f"{cid}.{prop}" for cid, prop in CONTROL_BINDINGS.values()}
    assert bound == set(COMPONENT_EDITS) == set(BLANK_CONTROLS)


@pytest.mark.parametrize("component", sorted(COMPONENT_EDITS))
def test_cbk032_state_shows_each_control_back_on_its_own_component(app_context, component):
    """Adopting a URL writes each parameter back into its own component, not a neighbour's."""
    value, param, expected = COMPONENT_EDITS[component]
    trigger("page-body-url.search")
    _, _, _, _, shown = run_state(search=f"?{param}={expected}")
    changed = {key: val for key, val in shown.items() if val is not no_update and key != "data-datasets.value"}
    if component == "data-datasets.value":
        assert shown[component] == ["acled-x", "rutas"]
    else:
        assert changed == {component: value}


def test_cbk040_the_map_draws_the_box_selection(app_context):
    from dashboard.callbacks.views import update_map

    def outline(patch) -> dict:
        return patch_operations(patch)[("layout", "map", "layers", LayerSlot.SELECTION)]["params"]["value"]

    spec = FilterSpec(bbox=(-75.5, -13.5, -73.0, -11.0))
    drawn = outline(update_map(spec.to_store(), ["shown"], "", "en")[0])
    coordinates = drawn["source"]["geometry"]["coordinates"]
    assert [-75.5, -13.5] in coordinates and [-73.0, -11.0] in coordinates  # the box, closed, on the map
    assert coordinates[0] == coordinates[-1] and drawn["visible"] is True
    assert outline(update_map(FilterSpec().to_store(), ["shown"], "", "en")[0])["visible"] is False


def test_cbk041_the_key_switch_folds_the_key_and_gives_the_map_its_width(app_context):
    from dashboard.callbacks.views import update_map
    from dashboard.state.views import KEY_SHOWN, key_shown

    shown = patch_operations(update_map(FilterSpec().to_store(), [KEY_SHOWN], "", "en")[0])
    folded = patch_operations(update_map(FilterSpec().to_store(), [], "", "en")[0])

    def value(operations, *location):
        return operations[location]["params"]["value"]

    assert value(shown, "layout", "margin", "r") > 100 and value(shown, "layout", "annotations")
    assert value(folded, "layout", "margin", "r") == 0
    assert value(folded, "layout", "annotations") == [] and value(folded, "layout", "shapes") == []
    # The key lists the event types drawn (the single trace has no legend).
    words = {annotation["text"] for annotation in value(shown, "layout", "annotations")}
    assert "Drug seizure" in words and "Event type" in words
    assert not key_shown(None) and not key_shown("shown") and key_shown(["shown"])


def test_cbk030_a_relayout_that_moves_nothing_writes_nothing_back(app_context):
    """A relayout that moves nothing changes nothing: nothing is written back (writing the controls
    back from the URL there could untick a box whose own answer is still on its way). The browser
    lets none through (a new graph's autosize stays there, test_rtt006); a forged one is answered so."""
    trigger("map-moved.data")
    store, search, spatial_text, clear_hidden, controls = run_state(
        {"filters-types.value": ["drug_seizure"]}, relayout={"autosize": True}, search="?view=-10.5,-74.5,4.6&type=drug_seizure",
        stored=FilterSpec(event_types=("drug_seizure",)).to_store())
    assert store is no_update and search is no_update and spatial_text is no_update and clear_hidden is no_update
    assert all(value is no_update for value in controls.values())
    # A relayout that moves the map still writes its view, and tells the controls the URL's state.
    store, search, *_ , controls = run_state(
        {"filters-types.value": ["drug_seizure"]},
        relayout={"map.center": {"lon": -73.9, "lat": -12.4}, "map.zoom": 8.0}, search="?type=arrest")
    assert "view=-12.4,-73.9,8" in search and controls["filters-types.value"] == ["arrest"]


def test_cbk031_a_relayout_answered_instead_of_a_click_carries_the_click(app_context):
    """Dash keeps only the newest answer of a callback: a type ticked, then a relayout that moves
    nothing before the tick's answer came back, is answered for the relayout alone, with the ticked
    control among its inputs. That answer writes the tick (the browser suite lost it in brw011,
    when a new graph's autosize still reached the server)."""
    trigger("map-moved.data")
    store, search, *_ = run_state({"filters-types.value": ["drug_seizure"]}, relayout={"autosize": True},
                                  search="", stored=FilterSpec().to_store())
    assert search == "?type=drug_seizure" and FilterSpec.from_store(store).event_types == ("drug_seizure",)
    # After Back the URL is ahead of the controls (and of the filter last written): the URL wins.
    store, search, *_, controls = run_state(
        {"filters-types.value": ["drug_seizure", "arrest"]}, relayout={"autosize": True},
        search="?type=drug_seizure", stored=FilterSpec(event_types=("arrest", "drug_seizure")).to_store())
    assert search is no_update and controls["filters-types.value"] == ["drug_seizure"]


def _by_id(tree, component_id):
    """The props of the component with ``component_id`` in a layout written as JSON, or None."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        values = tree.values()
    elif isinstance(tree, list):
        values = tree
    else:
        return None
    for value in values:
        found = _by_id(value, component_id)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("search", ["?lang=es&type=arrest&from=2015-01-01", "?type=arrest&ind=coca_area"])
def test_cbk043_a_page_body_comes_with_its_views_drawn_and_its_first_filter_sends_none(app_context, search):
    """A page load drew every chart twice, first empty from the body, then from the views' answer,
    which waited for the filter's round trip. The body now carries what the views draw for the
    URL's filter, and the state callback, given the filter that body shows, sends no view."""
    from dashboard.callbacks.views import VIEW_OUTPUTS, draw_views, output_values
    from dashboard.layout.serialised import as_json_fragment

    lang = parse_url_state(search)[0].lang
    body = orjson.loads(orjson.dumps(update_page_body(None, "/", search, None, None)[0]))
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": ".", "value": None}]))  # the first call
    store, *_ = run_state(search=search)  # what the state callback writes for that URL
    assert FilterSpec.from_store(store).event_types == ("arrest",)

    drawn = output_values(VIEW_OUTPUTS, draw_views(store, lang, search, ["shown"], "event_type", None, None, None))
    carried = 0
    for (component_id, prop), value in drawn.items():
        if value is no_update or component_id == "map-graph":  # the body draws the whole map itself
            continue
        expected = orjson.loads(orjson.dumps(as_json_fragment(value)))
        assert _by_id(body, component_id).get(prop) == expected, (component_id, prop)
        carried += 1
    assert carried >= 15  # timeline, breakdown, charts, five counts, labels, playback, slide title, shown
    if "ind=" in search:  # the chosen series' chart, legend and label come with the body too
        assert _by_id(body, "indicator-figure").get("aria-label")

    # The state callback, given the filter that body shows, writes the filter and no view.
    shown = _by_id(body, "filters-shown")["data"]
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": ".", "value": None}]))
    first = state_answer(search=search, shown=shown)
    assert first["filter_store"] == store
    assert all(value is no_update for value in output_values(VIEW_OUTPUTS, first["views"]).values())


def test_cbk045_a_filter_change_comes_with_every_view_in_the_same_answer(app_context):
    """The views were a second callback, asked once the filter's answer was in: two round trips
    a change. The state callback now answers a new filter with every view of it, drawn as
    draw_views draws them; the same filter again (the views show it already) sends none."""
    from dashboard.callbacks.views import VIEW_OUTPUTS, draw_views, output_values

    shown = FilterSpec().to_store()
    trigger("filters-types.value")
    answer = state_answer({"filters-types.value": ["drug_seizure"]}, stored=shown, shown=shown)
    store = answer["filter_store"]
    assert FilterSpec.from_store(store) == FilterSpec(event_types=("drug_seizure",))
    views = output_values(VIEW_OUTPUTS, answer["views"])
    expected = output_values(VIEW_OUTPUTS, draw_views(store, "en", answer["search"], ["shown"], "event_type",
                                                      None, None, None))
    assert views[("filters-shown", "data")] == store
    drawn = [key for key, value in expected.items() if value is not no_update]
    assert len(drawn) >= 15 and ("map-graph", "figure") in drawn and ("timeline-graph", "figure") in drawn
    for key in drawn:
        got, want = views[key], expected[key]
        if hasattr(want, "to_plotly_json"):  # a Patch: the same operations
            got, want = got.to_plotly_json(), want.to_plotly_json()
        assert orjson.dumps(got, option=orjson.OPT_SERIALIZE_NUMPY, default=str) == \
            orjson.dumps(want, option=orjson.OPT_SERIALIZE_NUMPY, default=str), key
    # The views already show that filter (their answer drawn): the same action writes none.
    again = state_answer({"filters-types.value": ["drug_seizure"]}, stored=shown, shown=store)
    assert again["filter_store"] == store
    assert all(value is no_update for value in output_values(VIEW_OUTPUTS, again["views"]).values())


def test_cbk044_a_grid_asking_before_the_filter_is_written_gets_the_url_s_filter(app_context):
    """A grid made with the page body may ask for rows before the state callback first wrote the
    filter: it gets the URL's rows, not every event's."""
    arrests = FilterSpec(event_types=("arrest",))
    expected = app_context.store.totals(arrests).events
    assert 0 < expected < app_context.store.totals(FilterSpec()).events
    early = update_table({"startRow": 0, "endRow": 100}, None, "en", "?type=arrest")
    assert early["rowCount"] == expected
    written = update_table({"startRow": 0, "endRow": 100}, arrests.to_store(), "en", "?type=arrest")
    assert written["rowCount"] == expected


def test_cbk046_a_store_waiting_on_a_database_draws_the_map_beside_the_rest(app_context, monkeypatch):
    """For a database store the map's statements run on another connection while the timeline,
    counts and table are read: the same answer as one after the other, the map in another thread."""
    import threading

    from dashboard.callbacks import views as views_module

    store = views_module.FilterSpec(event_types=("drug_seizure",)).to_store()
    arguments = (store, "en", "?type=drug_seizure", ["shown"], "event_type", None, None, None)
    one_after_the_other = views_module.draw_views(*arguments)
    threads = {}

    def recorded(name, draw):
        def call(*args, **kwargs):
            threads[name] = threading.get_ident()
            return draw(*args, **kwargs)
        return call

    monkeypatch.setattr(views_module, "update_map", recorded("map", views_module.update_map))
    monkeypatch.setattr(views_module, "update_timeline", recorded("timeline", views_module.update_timeline))
    monkeypatch.setattr(type(app_context.store), "reads_wait_on_server", True)
    at_once = views_module.draw_views(*arguments)
    assert threads["map"] != threads["timeline"]
    expected = views_module.output_values(views_module.VIEW_OUTPUTS, one_after_the_other)
    got = views_module.output_values(views_module.VIEW_OUTPUTS, at_once)
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        value = got[key]
        if hasattr(want, "to_plotly_json"):
            value, want = value.to_plotly_json(), want.to_plotly_json()
        assert orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY, default=str) == \
            orjson.dumps(want, option=orjson.OPT_SERIALIZE_NUMPY, default=str), key
