"""Browser events → state: selections, brushing, bar clicks, pans, reset."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.data.filters import FilterSpec, MapView, UrlState
from dashboard.state.interactions import (
    controls_from_spec,
    reset_state,
    show_dataset,
    spatial_from_selection,
    spec_from_controls,
    toggle_breakdown,
    view_from_relayout,
)


def test_int001_box_selection_becomes_bbox():
    spec = spatial_from_selection({"range": {"map": [[-75.123456, -11.0], [-73.0, -13.5]]}, "points": []})
    assert spec.bbox == (-75.1235, -13.5, -73.0, -11.0)


def test_int002_lasso_selection_becomes_polygon():
    lasso = [[-75, -11], [-73, -11], [-73, -13], [-75, -13]]
    assert spatial_from_selection({"lassoPoints": {"map": lasso}}).polygon == tuple(map(tuple, lasso))
    long_lasso = [[-75 + i / 1000, -11 - (i % 7) / 10] for i in range(2000)]
    thinned = spatial_from_selection({"lassoPoints": {"map": long_lasso}}).polygon
    assert 3 <= len(thinned) <= 500 and thinned[0] == (-75.0, -11.0)  # a long lasso fits the URL limit
    assert spatial_from_selection(None) is None
    assert spatial_from_selection({"points": []}) is None


def test_int003_controls_round_trip_and_keep_spatial():
    base = FilterSpec(bbox=(-75.0, -13.0, -73.0, -11.0), datasets=("acled-peru-1a2b3c4d",))
    controls = dict(text="Callao", date_from="2017-01-01T00:00:00", date_to="2016-01-01",
                   event_types=["arrest"], kg_min=500, kg_max=100)
    spec = spec_from_controls(base, controls)
    assert spec.bbox == base.bbox and spec.datasets == ("acled-peru-1a2b3c4d",)
    assert (spec.date_from, spec.date_to) == (date(2016, 1, 1), date(2017, 1, 1))
    assert (spec.kg_min, spec.kg_max) == (100.0, 500.0)
    assert spec_from_controls(base, controls_from_spec(spec)) == spec


def test_int003b_dataset_checklist():
    """Ticking only the bundled facts is the default (no parameter); unticking all shows them too."""
    assert spec_from_controls(FilterSpec(), dict(datasets=["rutas"])).datasets == ()
    assert spec_from_controls(FilterSpec(), dict(datasets=[])).datasets == ()
    both = spec_from_controls(FilterSpec(), dict(datasets=["x-1", "rutas"]))
    assert both.datasets == ("rutas", "x-1")
    assert controls_from_spec(FilterSpec())["datasets"] == ["rutas"]
    assert controls_from_spec(both)["datasets"] == ["rutas", "x-1"]
    assert reset_state(UrlState(spec=both, lang="es")) == UrlState(spec=FilterSpec(datasets=both.datasets), lang="es")


def test_int004_relayout_to_view():
    view = view_from_relayout({"map.center": {"lat": -12.123456, "lon": -73.9}, "map.zoom": 7.456}, None)
    assert view == MapView(-12.1235, -73.9, 7.46)
    assert view_from_relayout({"autosize": True}, None) is None
    wrapped = view_from_relayout({"map.center": {"lat": 10.0, "lon": 200.0}, "map.zoom": 30}, None)
    assert wrapped == MapView(10.0, -160.0, 22.0)  # past the antimeridian, and zoom clamped


def test_int005_breakdown_toggles_filter_field():
    spec = toggle_breakdown(FilterSpec(), "actor_group", "shining_path")
    assert spec.actors == ("shining_path",)
    assert toggle_breakdown(spec, "actor_group", "shining_path").is_empty
    assert toggle_breakdown(spec, "country", None) == spec


def test_int006_reset_keeps_language_only():
    state = UrlState(spec=FilterSpec(text="x"), lang="es", view=MapView(1, 2, 3), selected="rutas:0001")
    assert reset_state(state) == UrlState(lang="es")


def test_int008_fit_view_shows_every_point():
    import numpy as np

    from dashboard.figures.geo import MAP_TILE_PX, fit_view

    lon = np.array([-77.1, -73.8, 4.4])  # Callao, the VRAEM, Antwerp
    lat = np.array([-12.05, -12.5, 51.26])
    view = fit_view(lon, lat, width_px=700, height_px=540)
    world_px = MAP_TILE_PX * 2 ** view.zoom
    assert (lon.max() - lon.min()) / 360 * world_px <= 700  # the whole span fits across
    assert -77.1 < view.lon < 4.4 and -12.5 < view.lat < 51.26
    single = fit_view(np.array([-73.8]), np.array([-12.5]))
    assert single == MapView(lat=-12.5, lon=-73.8, zoom=9.0)  # one point: capped zoom, not infinite
    assert fit_view(np.array([]), np.array([])) is None


def test_int020_show_dataset_selects_it_alone_and_fits_the_map(store):
    state = UrlState(spec=FilterSpec(text="x", event_types=("arrest",)), lang="es", selected="rutas:0001")
    shown = show_dataset(state, "rutas", store, max_points=1000)
    assert shown.spec == FilterSpec(datasets=("rutas",)) and shown.lang == "es" and shown.selected == ""
    assert shown.view is not None and shown.view.zoom < 6  # the bundled facts span two continents


def test_int021_a_link_naming_datasets_without_a_view_opens_fitted_to_them(bundled):
    from dashboard.data.store import InMemoryEventStore
    from dashboard.state.interactions import fitted_to_named_datasets

    events = bundled.events
    europe = events[events["country"].isin(["ESP", "NLD", "BEL"])].assign(dataset="europe-1234abcd")
    store = InMemoryEventStore(pd.concat([events, europe], ignore_index=True),
                                default_datasets=("rutas",))
    opened = fitted_to_named_datasets(UrlState(spec=FilterSpec(datasets=("europe-1234abcd",))), store, 1000)
    assert opened.view is not None
    assert opened.view.lon > -10 and 35 < opened.view.lat < 55  # on Europe, not the Peru view
    # The view fits the datasets, not the filter: a filter change (which never moves the drawn map)
    # keeps the view the server queries.
    for country in ("ESP", "BEL"):
        filtered = UrlState(spec=FilterSpec(datasets=("europe-1234abcd",), countries=(country,)))
        assert fitted_to_named_datasets(filtered, store, 1000).view == opened.view
    kept = UrlState(spec=FilterSpec(datasets=("europe-1234abcd",)), view=MapView(lat=1, lon=2, zoom=3))
    assert fitted_to_named_datasets(kept, store, 1000) == kept  # a link with a view keeps it
    for default in (UrlState(), UrlState(spec=FilterSpec(datasets=("rutas",)))):
        assert fitted_to_named_datasets(default, store, 1000).view is None  # the opening view stays


def test_int020_browser_values_that_are_not_numbers_keep_the_view():
    from dashboard.data.filters import MapView
    from dashboard.state.interactions import view_from_relayout

    current = MapView(lat=-12.0, lon=-74.0, zoom=6.0)
    assert view_from_relayout({"map.center": {"lat": [1], "lon": "x"}, "map.zoom": "7"}, current) == current
    assert view_from_relayout({"map.center": {"lat": -10, "lon": 290}, "map.zoom": 99}, current) == \
        MapView(lat=-10.0, lon=-70.0, zoom=22.0)
    assert view_from_relayout(["not", "a", "dict"], current) is None


def test_int_export_title_follows_the_default_until_the_user_writes_one():
    from dashboard.state.interactions import next_export_title

    assert next_export_title(None, None, "Drug seizures") == "Drug seizures"
    assert next_export_title("  ", "Old", "New") == "New"
    assert next_export_title("Old", "Old", "New") == "New"
    assert next_export_title("Mine", "Old", "New") == "Mine"


def test_int022_kg_min_above_max_is_swapped_shown_and_said(app_context):
    from dashboard.callbacks.state import update_filter_state
    from dashboard.state.interactions import ALWAYS_SHOWN, CONTROL_BINDINGS, kg_swapped, spec_from_controls

    assert kg_swapped({"kg_min": 500, "kg_max": 100}) and not kg_swapped({"kg_min": 100, "kg_max": 500})
    assert not kg_swapped({"kg_min": 500, "kg_max": None})
    spec = spec_from_controls(FilterSpec(), {"kg_min": 500, "kg_max": 100})
    assert (spec.kg_min, spec.kg_max) == (100, 500)
    assert {"kg_min", "kg_max"} <= ALWAYS_SHOWN  # the boxes are rewritten in the right order
    from unittest.mock import patch

    controls = dict.fromkeys(CONTROL_BINDINGS) | {"kg_min": 500, "kg_max": 100}
    triggered = [{"prop_id": f"{CONTROL_BINDINGS['kg_min'][0]}.value"}]
    with patch("dashboard.callbacks.state.ctx") as context:
        context.triggered = triggered
        out = update_filter_state(controls, None, None, None, None, None, None, None, "?lang=es", "event_type", None,
                                  lang="es", key_switch=["shown"], playback_data=None, slide_title=None,
                                  slide_default=None, shown=None)
    assert out["kg_notice"] == "El mínimo superaba al máximo: se intercambiaron."
    assert (out["controls"]["kg_min"], out["controls"]["kg_max"]) == (100, 500)
    assert "kg_min=100" in out["search"] and "kg_max=500" in out["search"]


def test_int022_a_fitted_view_shows_every_event_not_only_the_heaviest(store):
    """Above the point threshold the fit spans the cells holding the events: the light events far
    from the heaviest stay in view (a fit to the heaviest points, all the map draws, lost them)."""
    from dashboard.figures.geo import fit_view
    from dashboard.state.interactions import fitted_view
    from dashboard.state.views import viewport_of

    spec = FilterSpec()
    everything = store.points(spec, limit=store.count(spec))

    def outside(view: MapView) -> int:
        shown = viewport_of(view, (700, 540))  # the size fit_view fits to
        return int(((everything.longitude < shown.west) | (everything.longitude > shown.east)
                    | (everything.latitude < shown.south) | (everything.latitude > shown.north)).sum())

    threshold = 5
    heaviest = store.points(spec, limit=threshold)
    assert outside(fit_view(heaviest.longitude, heaviest.latitude)) > 0  # the old fit's loss
    cells_fit = fitted_view(store, spec, threshold)
    assert outside(cells_fit) == 0
    exact = fitted_view(store, spec, store.count(spec))  # under the threshold: the events themselves
    assert outside(exact) == 0 and exact == fit_view(everything.longitude, everything.latitude)
    assert abs(cells_fit.zoom - exact.zoom) < 0.5  # cells 0.2 degrees wide barely widen a fit of two continents
    assert fitted_view(store, FilterSpec(text="no event says this"), threshold) is None
