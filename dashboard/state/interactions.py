"""Pure translations between browser events and state. No dash import: unit-tested directly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

import numpy as np

from dashboard.data.facets import BREAKDOWN_FACETS, DEFAULT_BREAKDOWN, FACETS
from dashboard.data.filters import MAX_POLYGON_VERTICES, FilterSpec, MapView, UrlState
from dashboard.data.language import LANGUAGES
from dashboard.data.schema import BUNDLED_DATASET
from dashboard.figures.breakdown import clicked_category
from dashboard.figures.event_map import DEFAULT_VIEW
from dashboard.figures.geo import MAX_LATITUDE, finite_number, fit_view, wrap_lon
from dashboard.figures.timeline import brushed_date_range
from dashboard.ids import BreakdownIds, FilterIds, MapIds, PageIds, TimelineIds

COORD_DECIMALS = 4  # ~10 m: plenty for a selection, and keeps shared links short


# The filter panel's controls by name: the scalar ones here, one per facet from the registry.
# Callbacks wire their inputs and outputs by these names (Dash's dict form), never by position.
SCALAR_CONTROLS: dict[str, tuple[str, str]] = {
    "text": (FilterIds.TEXT, "value"),
    "date_from": (FilterIds.DATE_RANGE, "start_date"),
    "date_to": (FilterIds.DATE_RANGE, "end_date"),
    "kg_min": (FilterIds.KG_MIN, "value"),
    "kg_max": (FilterIds.KG_MAX, "value"),
}
CONTROL_BINDINGS: dict[str, tuple[str, str]] = {
    **SCALAR_CONTROLS, **{facet.name: (facet.control, "value") for facet in FACETS}}
# Controls the user does not type into: always shown as the state has them (e.g. unticking every
# dataset shows the bundled facts again, ticked).
ALWAYS_SHOWN = frozenset({"datasets", "kg_min", "kg_max"})
# The controls' values as the browser sends them, keyed by CONTROL_BINDINGS names.
ControlValues = Mapping[str, object]


def _iso(value: object) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _quantity(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 \
        else None


def _values(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


def spec_from_controls(base: FilterSpec, controls: ControlValues) -> FilterSpec:
    """Filter from the panel's controls; spatial filters come from ``base``.

    A control missing from ``controls`` (or the datasets control sending None) keeps ``base``'s value.
    """
    changes: dict[str, object] = {}
    if "text" in controls:
        changes["text"] = controls["text"] or ""
    if "date_from" in controls or "date_to" in controls:
        date_from, date_to = _iso(controls.get("date_from")), _iso(controls.get("date_to"))
        if date_from and date_to and date_from > date_to:
            date_from, date_to = date_to, date_from
        changes.update(date_from=date_from, date_to=date_to)
    if "kg_min" in controls or "kg_max" in controls:
        kg_min, kg_max = _quantity(controls.get("kg_min")), _quantity(controls.get("kg_max"))
        if kg_min is not None and kg_max is not None and kg_min > kg_max:
            kg_min, kg_max = kg_max, kg_min
        changes.update(kg_min=kg_min, kg_max=kg_max)
    for facet in FACETS:
        if facet.name not in controls:
            continue
        value = controls[facet.name]
        if facet.name == "datasets":
            if value is not None:
                changes["datasets"] = datasets_from_control(_values(value))
        else:
            changes[facet.name] = _values(value)
    return replace(base, **changes)


def kg_swapped(controls: ControlValues) -> bool:
    """True when the kg boxes hold a minimum above the maximum (the filter swaps them, and says so)."""
    kg_min, kg_max = _quantity(controls.get("kg_min")), _quantity(controls.get("kg_max"))
    return kg_min is not None and kg_max is not None and kg_min > kg_max


def datasets_from_control(ticked: Sequence[str]) -> tuple[str, ...]:
    """The ``dataset`` filter for the ticked datasets: the bundled facts alone is the default, ()."""
    chosen = tuple(sorted(set(ticked)))
    return () if chosen == (BUNDLED_DATASET,) else chosen


def controls_from_spec(spec: FilterSpec) -> dict[str, object]:
    """The control values that show ``spec`` (used after reset, brushing or a bar click)."""
    shown: dict[str, object] = {
        "text": spec.text,
        "date_from": spec.date_from.isoformat() if spec.date_from else None,
        "date_to": spec.date_to.isoformat() if spec.date_to else None,
        "kg_min": spec.kg_min, "kg_max": spec.kg_max,
    }
    shown.update({facet.name: list(getattr(spec, facet.name)) for facet in FACETS})
    shown["datasets"] = list(spec.datasets) or [BUNDLED_DATASET]
    return shown


def spatial_from_selection(selected: dict | None) -> FilterSpec | None:
    """A bbox or polygon filter from a map box/lasso selection; None when it holds neither.

    Plotly reports map selections as ``range.map`` ([[west, north], [east, south]]) for a box
    and ``lassoPoints.map`` ([[lon, lat], …]) for a lasso.
    """
    if not selected:
        return None
    box = (selected.get("range") or {}).get("map")
    if box and len(box) == 2:
        (x0, y0), (x1, y1) = box
        west, east = sorted((round(x0, COORD_DECIMALS), round(x1, COORD_DECIMALS)))
        south, north = sorted((round(y0, COORD_DECIMALS), round(y1, COORD_DECIMALS)))
        west, east = max(west, -180.0), min(east, 180.0)
        south, north = max(south, -90.0), min(north, 90.0)
        if west < east and south < north:
            return FilterSpec(bbox=(west, south, east, north))
    lasso = (selected.get("lassoPoints") or {}).get("map")
    if lasso and len(lasso) >= 3:
        step = max(1, len(lasso) // MAX_POLYGON_VERTICES + 1)
        ring = tuple((round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)) for x, y in lasso[::step])
        if len(ring) >= 3:
            return FilterSpec(polygon=ring)
    return None


def view_from_relayout(relayout: dict | None, current: MapView | None) -> MapView | None:
    """The map view after a pan/zoom (``map.center``/``map.zoom`` keys), or None if unchanged.

    Values the browser sent that are not finite numbers keep the current view's.
    """
    if not isinstance(relayout, dict):
        return None
    center = relayout.get("map.center")
    zoom = finite_number(relayout.get("map.zoom"))
    if center is None and zoom is None:
        return None
    base = current or DEFAULT_VIEW
    lat = finite_number(center.get("lat")) if isinstance(center, dict) else None
    lon = finite_number(center.get("lon")) if isinstance(center, dict) else None
    lat, lon, zoom = (base.lat if lat is None else lat, base.lon if lon is None else lon,
                      base.zoom if zoom is None else zoom)
    return MapView(lat=round(min(max(lat, -MAX_LATITUDE), MAX_LATITUDE), 4), lon=round(wrap_lon(lon), 4),
                   zoom=round(min(max(zoom, 0.0), 22.0), 2))


def toggle_breakdown(spec: FilterSpec, field: str, value: str | None) -> FilterSpec:
    """Toggle a clicked bar's category in the filter field that the breakdown shows."""
    if value is None or field not in BREAKDOWN_FACETS:
        return spec
    return spec.toggled(BREAKDOWN_FACETS[field].name, value)


def reset_state(state: UrlState) -> UrlState:
    """Every filter back to its default; the language, the datasets shown and the indicator drawn
    stay as chosen (they are what is looked at, not filters)."""
    return UrlState(lang=state.lang, spec=FilterSpec(datasets=state.spec.datasets), indicator=state.indicator)


def with_indicator(state: UrlState, chosen: object, known: Sequence[str]) -> UrlState:
    """The state with the indicator control's choice: a known series id, anything else none."""
    return state.with_changes(indicator=chosen if isinstance(chosen, str) and chosen in known else "")


# Above the point threshold a fitted view spans the cells of this size that hold the events: every
# event counts (the heaviest points, all the map would draw, leave the light ones out), and a
# database store sums its groups rather than rank millions of rows.
FIT_CELL_DEG = 0.2


def fitted_view(store, spec: FilterSpec, threshold: int) -> MapView | None:
    """The view that shows every event ``spec`` matches (None for none): fitted to the events
    while they number at most ``threshold``, else to the :data:`FIT_CELL_DEG` cells holding them."""
    if store.count(spec) <= threshold:
        points = store.points(spec, limit=threshold)
        return fit_view(points.longitude, points.latitude)
    cells = store.bins(spec, FIT_CELL_DEG)
    half = cells.cell_deg / 2
    longitude = np.clip(np.concatenate([cells.longitude - half, cells.longitude + half]), -180.0, 180.0)
    latitude = np.clip(np.concatenate([cells.latitude - half, cells.latitude + half]), -90.0, 90.0)
    return fit_view(longitude, latitude)


def show_dataset(state: UrlState, dataset_id: str, store, max_points: int) -> UrlState:
    """The state after an import: the new dataset alone, no other filter, the map fitted to it."""
    spec = FilterSpec(datasets=(dataset_id,))
    return replace(state, spec=spec, selected="", view=fitted_view(store, spec, max_points))


def fitted_to_named_datasets(state: UrlState, store, max_points: int) -> UrlState:
    """A link that names datasets other than the defaults but no view opens fitted to their data.

    Without it, ``?dataset=<id>`` of an import in Asia opened on the Peru view, showing nothing.
    A link with a view, or one showing the default datasets, keeps its view. The view fits the
    datasets, not the filter: a filter change patches the map without moving it, so a view refitted
    to each filter would have the server query a box the map does not show (and cost a query).
    """
    datasets = state.spec.datasets
    if state.view is not None or not datasets or set(datasets) == set(store.default_datasets):
        return state
    view = fitted_view(store, FilterSpec(datasets=datasets), max_points)
    return state if view is None else replace(state, view=view)


class Trigger(StrEnum):
    """What the user did, as far as the shared state is concerned."""

    ADOPT_URL = "adopt_url"  # first render, Back/Forward, or another callback wrote the URL
    CONTROLS = "controls"
    MAP_SELECTION = "map_selection"
    MAP_VIEW = "map_view"
    TIMELINE = "timeline"
    BAR = "bar"
    RESET = "reset"
    CLEAR_SPATIAL = "clear_spatial"
    LANGUAGE = "language"


CONTROL_IDS = frozenset(component_id for component_id, _ in CONTROL_BINDINGS.values())
TRIGGER_BY_PROP = {
    f"{MapIds.GRAPH}.selectedData": Trigger.MAP_SELECTION,
    f"{MapIds.MOVED}.data": Trigger.MAP_VIEW,
    f"{TimelineIds.GRAPH}.selectedData": Trigger.TIMELINE,
    f"{BreakdownIds.GRAPH}.clickData": Trigger.BAR,
    f"{PageIds.RESET}.n_clicks": Trigger.RESET,
    f"{FilterIds.CLEAR_SPATIAL}.n_clicks": Trigger.CLEAR_SPATIAL,
    f"{PageIds.LANG_SWITCH}.n_clicks": Trigger.LANGUAGE,
}


def classify_trigger(prop_ids: list[str], reset_clicks: int | None) -> Trigger:
    """Name the user action behind a callback run from Dash's triggered ``id.prop`` list.

    When the page body is drawn every input reports a change at once (the reset button among
    them, unclicked): that is no user action, so the URL is adopted as it is. A date picker's
    "clear" changes two properties of one control, which is still one control action.
    """
    if not prop_ids or f"{PageIds.BODY_URL}.search" in prop_ids:
        return Trigger.ADOPT_URL
    if f"{PageIds.RESET}.n_clicks" in prop_ids and not reset_clicks:
        return Trigger.ADOPT_URL
    first = prop_ids[0]
    if first.rsplit(".", 1)[0] in CONTROL_IDS:
        return Trigger.CONTROLS
    return TRIGGER_BY_PROP.get(first, Trigger.ADOPT_URL)


@dataclass(frozen=True)
class BrowserInputs:
    """The raw values a state update may need, as the browser sent them."""

    controls: ControlValues = field(default_factory=dict)
    map_selection: dict | None = None
    map_relayout: dict | None = None
    timeline_selection: dict | None = None
    bar_click: dict | None = None
    breakdown_field: str = DEFAULT_BREAKDOWN


def next_language(lang: str) -> str:
    """The language the switch goes to: the next one in :data:`LANGUAGES`, round to the first."""
    position = LANGUAGES.index(lang) if lang in LANGUAGES else -1
    return LANGUAGES[(position + 1) % len(LANGUAGES)]


def next_url_state(state: UrlState, trigger: Trigger, inputs: BrowserInputs) -> UrlState:
    """Fold one user action into the shared state (the URL is the state; the store mirrors it)."""
    spec = state.spec
    if trigger == Trigger.RESET:
        return reset_state(state)
    if trigger == Trigger.LANGUAGE:
        return state.with_changes(lang=next_language(state.lang))
    if trigger == Trigger.CLEAR_SPATIAL:
        return state.with_changes(spec=spec.with_changes(bbox=None, polygon=None))
    if trigger == Trigger.MAP_SELECTION:
        spatial = spatial_from_selection(inputs.map_selection)
        if spatial is None:
            return state
        return state.with_changes(spec=spec.with_changes(bbox=spatial.bbox, polygon=spatial.polygon))
    if trigger == Trigger.MAP_VIEW:
        view = view_from_relayout(inputs.map_relayout, state.view)
        return state if view is None else state.with_changes(view=view)
    if trigger == Trigger.TIMELINE:
        brushed = brushed_date_range(inputs.timeline_selection)
        if brushed is None:
            return state
        return state.with_changes(spec=spec.with_changes(
            date_from=date.fromisoformat(brushed[0]), date_to=date.fromisoformat(brushed[1])))
    if trigger == Trigger.BAR:
        field = inputs.breakdown_field
        return state.with_changes(spec=toggle_breakdown(spec, field, clicked_category(inputs.bar_click)))
    if trigger == Trigger.CONTROLS:
        return state.with_changes(spec=spec_from_controls(spec, inputs.controls))
    return state


def with_pending_controls(before: UrlState, after: UrlState, trigger: Trigger, controls: ControlValues,
                          last_written: FilterSpec) -> UrlState:
    """``after`` with the controls' values folded in when the action itself changed nothing and the
    user changed a control whose own answer has not come back yet.

    Dash keeps only the newest answer of a callback: a box ticked, then at once a new map's first
    relayout (an autosize, which moves nothing), is answered for the relayout alone, with the
    ticked box among its inputs; that answer must carry the tick, or the click is lost. The
    controls are the newer side only while the URL holds the filter last written
    (``last_written``); when the URL moved on (Back or Forward, not yet shown by the controls), the
    URL is. An action that changes something (a pan, a selection) keeps the URL's filter.
    """
    if (trigger in (Trigger.CONTROLS, Trigger.ADOPT_URL, Trigger.RESET) or after != before
            or before.spec != last_written):
        return after
    pending = spec_from_controls(before.spec, controls)
    return after if pending == before.spec else after.with_changes(spec=pending)


def changes_nothing(trigger: Trigger, before: UrlState, after: UrlState, last_written: FilterSpec) -> bool:
    """Whether an action leaves the page as it is, so the state callback writes nothing back.

    A map relayout that moves nothing (a new graph's first autosize), a selection or brush that
    selects nothing, a reset of a clean page, while the URL holds the filter last written. The
    controls themselves and an adopted URL (Back/Forward, another callback's write) always write,
    and so does any action while the URL is ahead of the filter last written: Dash may have
    dropped the answer that would have shown it (see :func:`with_pending_controls`).
    """
    return (trigger not in (Trigger.CONTROLS, Trigger.ADOPT_URL) and after == before
            and after.spec == last_written)


def next_export_title(current: str | None, last_default: str | None, new_default: str) -> str:
    """The export dialog's title field when its default changes (dialog opened, other chart).

    A title the user wrote stays; an empty field or the previous default follows the new default.
    """
    current = (current or "").strip()
    return new_default if not current or current == (last_default or "").strip() else current


def page_route(pathname: str | None) -> tuple[str, ...]:
    """Which page a path shows: ``("main",)``, ``("present", story_id)`` or ``("notes", story_id)``.

    ``/present/<story>`` is the presenter screen and ``/present/<story>/notes`` its speaker notes;
    every other path is the dashboard (Dash serves the same index for any path).
    """
    parts = [p for p in (pathname or "/").split("/") if p]
    if len(parts) >= 2 and parts[0] == "present":
        if len(parts) == 2:
            return ("present", parts[1])
        if len(parts) == 3 and parts[2] == "notes":
            return ("notes", parts[1])
    return ("main",)
