"""Pure helpers of the presenter screen and the speaker notes. No dash import.

The presenter shows one slide of a story at a time: title, caption, the slide's numbers (always
through :func:`dashboard.words.slide_facts.slide_facts`, so they equal ``python -m dashboard query``),
its panels in the projector theme, and a progress indicator. Slides can play their date range
frame by frame; the frame maths lives here so the callbacks stay thin.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from html import escape as html_escape
from urllib.parse import parse_qs

import numpy as np
import plotly.graph_objects as go

from dashboard.config import Basemap
from dashboard.data.filters import FilterSpec, MapView, UrlState, build_search
from dashboard.data.indicators import IndicatorCatalog
from dashboard.data.store import MAP_TILE_PX, EventStore
from dashboard.data.stories import (
    Panel,
    PlaybackMode,
    PlaybackStep,
    Slide,
    Story,
    StoryError,
    StoryNotFound,
    StoryRepository,
    edit_slide,
    story_in,
)
from dashboard.figures.breakdown import build_breakdown
from dashboard.figures.charts import CHART_BUILDERS
from dashboard.figures.event_map import (
    SLOT_COUNT,
    MapLayer,
    MapUpdate,
    build_event_map,
    events_below,
    indicator_layer,
    indicator_slot,
    map_update,
    rings_layer,
)
from dashboard.figures.geo import PRESENT_MAP_PX, mercator_lat, mercator_y, slide_view
from dashboard.figures.indicator_chart import (
    build_indicator_chart,
    indicator_legend,
    indicator_marks,
    indicator_year,
)
from dashboard.figures.place_names import localised_place
from dashboard.figures.text_metrics import left_label_margin, text_width, wrap_lines
from dashboard.figures.theme import PROJECTOR
from dashboard.figures.timeline import build_timeline
from dashboard.figures.unchecked import as_figure
from dashboard.i18n import format_number, translate, translate_count
from dashboard.state.playback import (
    SPEEDS_MS,
    frame_spec,
    next_frame,
    playback_frames,
    playback_range,
    step_bounds,
)
from dashboard.state.views import events_span, map_layer, viewport_of
from dashboard.words.slide_facts import SlideFacts, applicable_counters, slide_facts
from dashboard.words.summary import filter_summary

RING_PX = 24.0  # radius of the ring around a highlighted event, in screen px at the slide's zoom
SOURCE_NAMES_SHOWN = 3  # source names in the presenter's footer (the notes list them all)
MAP_UIREVISION = "present"  # constant: the camera is flown by the page, never reset by a figure
RANGE_FILL = "#ffd23f"


def projector_map_update(layer: MapLayer, lang: str, routes: dict, vraem: bool,
                         remote_style: str | None = None) -> MapUpdate:
    """The layer's trace and key for a ``Patch`` of the presenter's map (projector markers and type)
    over ``remote_style`` (:func:`projector_style`)."""
    return map_update(layer, routes=routes, vraem=vraem, lang=lang, theme=PROJECTOR, below=events_below(remote_style))


# ---- slide index and links -----------------------------------------------------------------------
def clamp_slide(index: object, count: int) -> int:
    """A 0-based slide index inside ``[0, count)``; anything that is not a whole number is 0."""
    if count <= 0:
        return 0
    try:
        number = int(index)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 0
    return max(0, min(number, count - 1))


def slide_from_search(search: str | None, count: int) -> int:
    """The 0-based slide a ``?slide=N`` (1-based) query names, clamped; missing or malformed → 0."""
    values = parse_qs((search or "").lstrip("?")).get("slide")
    if not values:
        return 0
    text = values[0].strip()
    if not text.lstrip("-").isdigit():
        return 0
    return clamp_slide(int(text) - 1, count)


def slide_search(index: int, lang: str) -> str:
    """The query string of the presenter and notes URLs for slide ``index`` (0-based)."""
    return f"?slide={index + 1}" + ("&lang=es" if lang == "es" else "")


def presenter_path(story_id: str) -> str:
    return f"/present/{story_id}"


def notes_path(story_id: str) -> str:
    return f"/present/{story_id}/notes"


def dashboard_link(slide: Slide, lang: str) -> str:
    """The dashboard showing the slide's view and series (where Esc leaves to)."""
    return "/" + build_search(UrlState(spec=slide.spec, lang=lang, view=slide.view, indicator=slide.indicator))


# ---- loading -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoryLoad:
    """A story ready to present, or the reason it is not (``message`` is a translation key)."""

    story: Story | None
    message: str = ""
    detail: str = ""


def load_story(stories: StoryRepository, story_id: str, lang: str | None = None) -> StoryLoad:
    """Read a story for the presenter, in ``lang`` where the story is written in it (titles,
    captions, notes; else its own language); never raises for a missing, unreadable or empty story."""
    try:
        story = stories.get(story_id)
    except StoryNotFound:
        return StoryLoad(None, "present.not_found")
    except StoryError as error:
        return StoryLoad(None, "present.unreadable", "; ".join(str(p) for p in error.problems[:5]))
    except OSError as error:
        return StoryLoad(None, "present.unreadable", error.strerror or type(error).__name__)
    if not story.slides:
        return StoryLoad(None, "present.empty")
    return StoryLoad(story if lang is None else story_in(story, lang))


def missing_story_text(load: StoryLoad, story_id: str, lang: str) -> str:
    """The sentence shown in place of a story that cannot be presented."""
    text = translate(load.message or "present.not_found", lang, id=story_id)
    return f"{text} {load.detail}".strip()


# ---- words ---------------------------------------------------------------------------------------
def _month(day: date, lang: str) -> str:
    return translate(f"playback.mon.{day.month}", lang)  # the playback controls' month names


def dates_in_words(date_from: date | None, date_to: date | None, lang: str) -> str:
    """A date range as people say it: ``2015 – 2017``, ``Mar 2016 – Jun 2018``, or whole days."""
    if date_from is None and date_to is None:
        return translate("present.all_dates", lang)
    if date_from is None or date_to is None:
        key = "present.since" if date_to is None else "present.until"
        return translate(key, lang, date=_day_words(date_from or date_to, lang))
    next_day = date_to + timedelta(days=1)
    if (date_from.month, date_from.day) == (1, 1) and (next_day.month, next_day.day) == (1, 1):
        return str(date_from.year) if date_from.year == date_to.year else f"{date_from.year} – {date_to.year}"
    if date_from.day == 1 and next_day.day == 1:
        start, end = f"{_month(date_from, lang)} {date_from.year}", f"{_month(date_to, lang)} {date_to.year}"
        return start if start == end else f"{start} – {end}"
    return f"{_day_words(date_from, lang)} – {_day_words(date_to, lang)}"


def _day_words(day: date, lang: str) -> str:
    return f"{day.day} {_month(day, lang)} {day.year}"


def filters_in_words(facts: SlideFacts, lang: str, dataset_names: dict[str, str] | None = None) -> str:
    """The slide's filters in words, without its dates (they have a line of their own)."""
    spec = facts.slide.spec.with_changes(date_from=None, date_to=None)
    return filter_summary(spec, lang, dataset_names)


def sources_in_words(facts: SlideFacts, lang: str, limit: int = SOURCE_NAMES_SHOWN) -> str:
    """``Sources: A, B, C +2 more`` — the most-cited reports behind the slide, by name."""
    names = list(dict.fromkeys(name or url for name, url, _ in facts.sources))
    if not names:
        return ""
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += " " + translate_count("present.more", len(names) - limit, lang)
    return translate("present.sources_line", lang, names=shown)


@dataclass(frozen=True)
class Counter:
    """One headline number of a slide: which (``events``, ``fatalities``, ``kg``, ``sources``), the
    number as the language writes it, and the word under it, singular or plural for the number."""

    name: str
    value: str
    label: str


def counts_of(facts: SlideFacts, lang: str) -> tuple[Counter, ...]:
    """The slide's headline numbers that apply to it (no "0 kg seized" on an attack slide)."""
    return tuple(Counter(name, facts.counts[name], facts.count_label(name, lang)) for name in facts.counters)


# ---- figures -------------------------------------------------------------------------------------
def highlighted_events(store: EventStore, slide: Slide, window: tuple[date, date] | None = None) -> list[dict]:
    """The highlighted events the data holds and places, only those dated inside ``window`` when
    one is given (a playback frame rings only the events it draws)."""
    events = []
    for event_id in slide.highlight:
        event = store.event(event_id)
        if event is None or event.get("latitude") != event.get("latitude"):
            continue
        day = event.get("event_date")
        if window is not None and (day is None or not window[0] <= _as_date(day) <= window[1]):
            continue
        events.append(event)
    return events


def _as_date(value: object) -> date:
    return value if isinstance(value, date) and not hasattr(value, "hour") else np.datetime64(value, "D").astype(object)


def highlight_positions(store: EventStore, slide: Slide,
                        window: tuple[date, date] | None = None) -> list[tuple[float, float]]:
    """(lat, lon) of each highlighted event the data holds (inside ``window`` when given)."""
    return [(float(e["latitude"]), float(e["longitude"])) for e in highlighted_events(store, slide, window)]


RING_LABEL_CHARS = 28  # a place name longer than this is cut to its shortest part
RING_LABEL_GAP = 0.6  # the label's anchor above the ring's top, as a share of the ring's height


def ring_label(event: dict, lang: str) -> str:
    """What a ring says: the ringed event's own place and, below, its haul or toll ("Port of Callao",
    "1,417 kg"),
    so a ring is never read as the base map's nearest town label."""
    # "Tintaypuncu (Tintay Puncu)" → "Tintaypuncu": a projector label names the place once.
    location = re.sub(r"\s*\([^)]*\)", "", str(event.get("location") or "")) or str(event.get("location") or "")
    parts = [part.strip() for part in location.split(",") if part.strip()]
    place = min(parts, key=len) if parts else str(event.get("admin2") or event.get("admin1") or "")
    place = localised_place(place, lang)  # "Port of Callao" reads "Puerto del Callao" on a Spanish slide
    if len(place) > RING_LABEL_CHARS:
        place = place[:RING_LABEL_CHARS - 1].rstrip() + "…"
    kg, deaths = event.get("quantity_kg"), event.get("fatalities")
    figure = ""
    if kg == kg and kg:  # NaN != NaN: unknown
        figure = f"{format_number(float(kg), lang)} kg"
    elif deaths == deaths and deaths:
        figure = translate_count("present.ring_deaths", float(deaths), lang)
    return f"{place}\n{figure}" if place and figure else place or figure  # two lines: the map wraps no word


# MapLibre's defaults for a symbol layer Plotly draws: lines wrap at 10 ems, 1.2 ems apart, and two
# labels collide when their boxes (2 px of padding round each) meet.
LABEL_WRAP_EMS = 10.0
LABEL_LINE_EMS = 1.2
LABEL_PADDING_PX = 2.0


def ring_label_size(text: str, size: float) -> tuple[float, float]:
    """Width and height in px of a ring label as the map sets it (wrapped at ``LABEL_WRAP_EMS``)."""
    lines = [wrapped for line in text.split("\n")
             for wrapped in (wrap_lines(line, LABEL_WRAP_EMS * size, size) or [line])]
    return max(text_width(line, size) for line in lines), len(lines) * LABEL_LINE_EMS * size


def ring_label_anchors(positions: list[tuple[float, float]], texts: list[str], zoom: float,
                       size: float) -> list[tuple[float, float]]:
    """(lat, lon) of each label's anchor (the bottom centre of its text): above its ring, or below it
    when above would meet a label already placed or another ring (two rings side by side named above
    both: the map drops one label). Rings are placed in order, so the first keeps the place above."""
    world_px = MAP_TILE_PX * 2 ** zoom
    gap = RING_LABEL_GAP * 2 * RING_PX
    centres = [((lon + 180) / 360 * world_px, -float(mercator_y(lat)) / (2 * math.pi) * world_px)  # y grows south
               for lat, lon in positions]
    rings = [(x - RING_PX, y - RING_PX, x + RING_PX, y + RING_PX) for x, y in centres]
    placed: list[tuple[float, float, float, float]] = []
    anchors = []
    for index, ((x, y), (_, lon), text) in enumerate(zip(centres, positions, texts)):
        width, height = ring_label_size(text, size)
        above = y - RING_PX - gap  # the text's bottom edge
        below = y + RING_PX + gap + height
        choices = [(x - width / 2, bottom - height, x + width / 2, bottom) for bottom in (above, below)]
        others = placed + rings[:index] + rings[index + 1:]
        free = [box for box in choices if not any(_boxes_meet(box, other) for other in others)]
        box = (free or choices)[0]
        placed.append(box)
        anchors.append((mercator_lat(-box[3] / world_px * 2 * math.pi), lon))
    return anchors


def _boxes_meet(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    pad = 2 * LABEL_PADDING_PX
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def ring_labels_layer(events: list[dict], zoom: float, lang: str) -> dict:
    """A symbol layer naming each ringed event above its ring (:func:`ring_label`), or below it
    where two labels above would meet (:func:`ring_label_anchors`).

    A layer, not text on the ring trace: MapLibre refuses text on a line trace broken by gaps.
    It sits in a slot above the traces and the presenter puts the other name layers under them
    (:func:`names_under_traces`), so a ring label wins its collisions with place names.
    """
    texts = [ring_label(event, lang) for event in events]
    anchors = ring_label_anchors([(float(e["latitude"]), float(e["longitude"])) for e in events], texts, zoom,
                                 PROJECTOR.font_size)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"name": text}} for text, (lat, lon) in zip(texts, anchors)]
    return {"sourcetype": "geojson", "source": {"type": "FeatureCollection", "features": features},
            "type": "symbol", "below": "", "name": "ring-labels",
            "symbol": {"icon": "", "text": "{name}", "placement": "point", "textposition": "top center",
                       "textfont": {"size": PROJECTOR.font_size, "color": RANGE_FILL}}}


def names_under_traces(layers: list[dict]) -> list[dict]:
    """The map's layers with every name layer after the fixed slots (base-map places, rivers, routes)
    put under the traces, so the ring labels (a slot, above the traces) win every collision.

    MapLibre places the topmost layer's labels first; the name layers come after the slots in
    ``layout.map.layers`` and were added above the ring labels, so a ring went unnamed where a place
    name stood (slide 4). Plotly exposes neither ``text-allow-overlap`` nor ``symbol-sort-key``:
    only the order decides.
    """
    return [layer if index < SLOT_COUNT or layer.get("type") != "symbol" else {**layer, "below": "traces"}
            for index, layer in enumerate(layers)]


@dataclass(frozen=True)
class Rings:
    """The rings of a slide's (or a frame's) highlighted events and the layer that names them."""

    layer: dict  # the rings, in the map's highlight slot
    labels: dict


def slide_rings(store: EventStore, slide: Slide, zoom: float, lang: str,
                window: tuple[date, date] | None = None) -> Rings:
    """Rings and labels of the slide's highlighted events (inside ``window`` when given)."""
    events = highlighted_events(store, slide, window)
    positions = [(float(e["latitude"]), float(e["longitude"])) for e in events]
    return Rings(rings_layer(positions, RING_PX, zoom), ring_labels_layer(events, zoom, lang))


def projector_style(basemap: Basemap) -> str | None:
    """The projector's map style that needs the network; None: the offline style in the projector theme."""
    return "carto-darkmatter" if basemap == Basemap.ONLINE else None


def slide_layer(store: EventStore, spec: FilterSpec, view: MapView, threshold: int) -> MapLayer:
    return map_layer(store, spec, viewport_of(view, PRESENT_MAP_PX), threshold)


def present_map(store: EventStore, slide: Slide, *, routes: dict, vraem_feature: dict | None, lang: str,
                basemap: Basemap, threshold: int, indicator: SlideIndicator | None = None) -> go.Figure:
    """The slide's map in the projector theme, its highlighted events ringed, and the slide's
    indicator (circles for its year, the legend line stating series, unit and year) when it names one."""
    view = slide_view(store, slide, threshold)
    remote_style = projector_style(basemap)
    rings = slide_rings(store, slide, view.zoom, lang)
    figure = build_event_map(slide_layer(store, slide.spec, view, threshold), routes=routes,
                             vraem_feature=vraem_feature, lang=lang, view=view, remote_style=remote_style,
                             names_over_events=False,
                             theme=PROJECTOR, uirevision=MAP_UIREVISION, ring_labels=rings.labels,
                             rings=highlight_positions(store, slide), ring_px=RING_PX,
                             indicator=indicator.layer if indicator else None)
    figure.update_layout(hoverlabel=dict(font_size=18),
                         map_layers=names_under_traces([layer.to_plotly_json() for layer in figure.layout.map.layers]))
    if indicator is not None and indicator.legend:
        figure.add_annotation(indicator_legend_note(indicator.legend))
    return figure


def map_slide_data(store: EventStore, slide: Slide, lang: str, threshold: int, *, routes: dict,
                   vraem: bool, indicator: SlideIndicator | None = None,
                   remote_style: str | None = None) -> tuple[MapUpdate, Rings, MapView]:
    """What changes on the map between slides: the trace and key (and the indicator's legend), the
    rings and their labels, the view."""
    view = slide_view(store, slide, threshold)
    layer = slide_layer(store, slide.spec, view, threshold)
    update = with_indicator_legend(projector_map_update(layer, lang, routes, vraem, remote_style), indicator)
    return update, slide_rings(store, slide, view.zoom, lang), view


# ---- the slide's indicator series: circles and a legend on the map, small multiples in a panel -------
INDICATOR_LEGEND_PX = 17  # the legend's type on the projector
INDICATOR_LEGEND_WIDTH_PX = 420  # its lines' width: inside the map's plot area left of the key at 1280×720
INDICATOR_CHART_SOURCES = 3  # publishers named under the projector's chart before the rest are counted
INDICATOR_CHART_WIDTH_PX = 440  # the side panel's width at 1280×720: the chart's footer wraps to it


@dataclass(frozen=True)
class SlideIndicator:
    """What the presenter draws of a slide's indicator series for one year (the slide's last)."""

    series_id: str  # "" when the slide names none (or one the catalog lost)
    year: int | None
    layer: dict  # the map's indicator layer (hidden when none)
    legend: str  # "Coca cultivation (hectares), 2022, circle area ∝ value: Peru 95,008 · VRAEM …"


NO_INDICATOR = SlideIndicator("", None, indicator_layer([]), "")


def slide_indicator(catalog: IndicatorCatalog, positions: dict[tuple[str, str], tuple[float, float]], slide: Slide,
                    lang: str, date_to: date | None = None) -> SlideIndicator:
    """The slide's series on the map for the last year of its date range (``date_to``: of the playing
    frame), as the dashboard draws it; the series' last year when the slide has no end date."""
    info = catalog.info(slide.indicator) if slide.indicator else None
    if info is None:
        return NO_INDICATOR
    year = indicator_year(date_to or slide.spec.date_to, info)
    marks = indicator_marks(catalog, info.series_id, year, positions)
    layer = indicator_layer([(mark.latitude, mark.longitude, mark.radius_km) for mark in marks], PROJECTOR)
    return SlideIndicator(info.series_id, year, layer, indicator_legend(catalog, info.series_id, year, lang))


def indicator_legend_note(legend: str) -> dict:
    """The legend as an annotation at the map's bottom left, wrapped to the map's width, large type."""
    head, _, places = legend.partition(": ")  # indicator_legend writes "<series, unit, year>: <values>"
    lines = wrap_lines(head, INDICATOR_LEGEND_WIDTH_PX, INDICATOR_LEGEND_PX) or [head]
    first_place = len(lines)
    for place in places.split(" · ") if places else []:  # a place's values are never split over two lines
        if len(lines) > first_place and text_width(f"{lines[-1]} · {place}", INDICATOR_LEGEND_PX) <= INDICATOR_LEGEND_WIDTH_PX:
            lines[-1] = f"{lines[-1]} · {place}"
        else:
            lines.append(place)
    text = "<br>".join(html_escape(line) for line in lines)
    return {"text": text, "name": "indicator-legend", "xref": "paper", "yref": "paper", "x": 0.005, "y": 0.01,
            "xanchor": "left", "yanchor": "bottom", "align": "left", "showarrow": False,
            "font": {"size": INDICATOR_LEGEND_PX, "color": PROJECTOR.text_colour},
            "bgcolor": "rgba(11,14,18,0.82)", "borderpad": 6}


def with_indicator_legend(update: MapUpdate, indicator: SlideIndicator | None) -> MapUpdate:
    """``update`` with the indicator's legend among its annotations (a patch replaces them all)."""
    if indicator is None or not indicator.legend:
        return update
    return replace(update, annotations=[*update.annotations, indicator_legend_note(indicator.legend)])


def present_indicator_slot(basemap: Basemap, vraem_feature: dict | None, routes: dict, lang: str) -> int:
    """Where the indicator's layer sits in the presenter's map (its last layer)."""
    return indicator_slot(projector_style(basemap), vraem_feature, routes, lang, PROJECTOR)


def present_indicator_chart(catalog: IndicatorCatalog, store: EventStore, slide: Slide, lang: str) -> go.Figure:
    """The slide's series as small multiples on the slide's dates, projector type; it fills its panel."""
    spec = slide.spec
    date_range = (spec.date_from, spec.date_to) if spec.date_from and spec.date_to else None
    figure = build_indicator_chart(catalog, slide.indicator, lang=lang, theme=PROJECTOR, date_range=date_range,
                                   events_span=None if date_range else events_span(store, spec),
                                   max_sources=INDICATOR_CHART_SOURCES, width=INDICATOR_CHART_WIDTH_PX)
    figure.update_layout(height=None, autosize=True, hoverlabel=dict(font_size=18),
                         xaxis=dict(tickfont=dict(size=PROJECTOR.font_size), nticks=6))
    figure.update_yaxes(tickfont=dict(size=PROJECTOR.font_size - 2))
    # A method break's label goes to the foot of its line: at the top, in a narrow panel at projector
    # type, it ran into the place's name.
    figure.update_annotations(selector=dict(xref="x"), y=0.02, yanchor="bottom")
    return figure


def view_data(view: MapView, slide_index: int, slide: Slide) -> dict:
    """What the page's camera script reads: where to fly, for which slide, whether the map shows
    and how the panels are laid out (a flight never spans a change of the map's size)."""
    return {"lat": view.lat, "lon": view.lon, "zoom": view.zoom, "slide": slide_index,
            "map": slide.shows(Panel.MAP), "layout": panels_class(slide)}


def range_shapes(date_range: tuple[date, date] | None) -> list[dict]:
    """The timeline's highlighted range (the slide's dates, or the playing frame's)."""
    if date_range is None:
        return []
    end = date_range[1] + timedelta(days=1)
    return [{"type": "rect", "xref": "x", "yref": "paper", "x0": date_range[0].isoformat(), "x1": end.isoformat(),
             "y0": 0, "y1": 1, "fillcolor": RANGE_FILL, "opacity": 0.18, "line": {"width": 0}, "layer": "below"}]


def present_timeline(store: EventStore, slide: Slide, lang: str,
                     date_range: tuple[date, date] | None = None) -> go.Figure:
    """The slide's timeline, projector type and colours."""
    figure = build_timeline(store.histogram(slide.spec), lang=lang, theme=PROJECTOR)
    figure.update_layout(
        shapes=range_shapes(date_range), margin=dict(l=70, r=20, t=56, b=50),
        title=dict(font=dict(size=PROJECTOR.font_size + 2, color=PROJECTOR.muted_colour)),
        yaxis=dict(gridcolor=PROJECTOR.grid_colour, tickfont=dict(size=PROJECTOR.font_size)),
        xaxis=dict(tickfont=dict(size=PROJECTOR.font_size), linecolor=PROJECTOR.muted_colour),
        hoverlabel=dict(font_size=18), dragmode=False,
    )
    return figure


PRESENTER_BREAKDOWN_BOTTOM_PX = 64


def present_breakdown(store: EventStore, slide: Slide, lang: str) -> go.Figure:
    """The slide's breakdown bars, projector type and colours (the figure fills its panel)."""
    figure = build_breakdown(store.breakdown(slide.spec, slide.breakdown_field, top=8), lang=lang, theme=PROJECTOR)
    figure.update_traces(textfont=dict(size=PROJECTOR.font_size, color=PROJECTOR.text_colour),
                         marker_line=dict(color=PROJECTOR.text_colour, width=1))
    figure.update_layout(
        # the bars' names at the projector's size, and the count axis under them, as plotly.js's
        # automargin would push them (a push redraws the chart; measured at 1920x1080: b 64)
        height=None, margin=dict(l=left_label_margin(list(figure.data[0].y or ()), PROJECTOR.font_size, 10),
                                 r=60, t=10, b=PRESENTER_BREAKDOWN_BOTTOM_PX),
        font=dict(size=PROJECTOR.font_size),
        xaxis=dict(gridcolor=PROJECTOR.grid_colour, title=dict(font=dict(size=PROJECTOR.font_size - 2))),
        yaxis=dict(tickfont=dict(size=PROJECTOR.font_size)), hoverlabel=dict(font_size=18),
    )
    return figure


def present_chart(store: EventStore, slide: Slide, lang: str, kind: str) -> go.Figure:
    """A chart of the shared path (``data.charts``) for the slide, projector type and colours."""
    figure = as_figure(CHART_BUILDERS[kind].screen(store, slide.spec, lang=lang, theme=PROJECTOR))
    figure.update_layout(
        margin=dict(l=80, r=20, t=56, b=50), font=dict(size=PROJECTOR.font_size),
        title=dict(font=dict(size=PROJECTOR.font_size + 2, color=PROJECTOR.muted_colour)),
        # Legend above the bars, at most ~8 upright year labels: a third of the screen stays readable.
        legend=dict(font=dict(size=PROJECTOR.font_size - 2), orientation="h", y=1.0, yanchor="bottom",
                    x=1.0, xanchor="right"),
        hoverlabel=dict(font_size=18),
        xaxis=dict(tickfont=dict(size=PROJECTOR.font_size), tickangle=0, nticks=8),
        yaxis=dict(gridcolor=PROJECTOR.grid_colour, tickfont=dict(size=PROJECTOR.font_size)),
    )
    return figure


# ---- the slide, resolved -------------------------------------------------------------------------
def panels_class(slide: Slide) -> str:
    """CSS classes of the panel area: which charts share the screen."""
    side = [p for p in Panel if p not in (Panel.MAP, Panel.COUNTS) and slide.shows(p)]
    names = ["present-panels", f"side-{len(side)}"]
    names.append("with-map" if slide.shows(Panel.MAP) else "no-map")
    return " ".join(names)


def is_playable(slide: Slide) -> bool:
    """A slide plays when it says how, or when it shows the timeline."""
    return slide.playback is not None or slide.shows(Panel.TIMELINE)


@dataclass(frozen=True)
class SlideText:
    """Everything the presenter writes as text for one slide."""

    title: str
    caption: str
    counts: tuple[Counter, ...]
    dates: str
    filters: str
    sources: str
    progress: str
    progress_style: dict
    notice: str


def slide_text(facts: SlideFacts, lang: str, dataset_names: dict[str, str] | None = None) -> SlideText:
    spec = facts.slide.spec
    notice = ""
    if facts.missing_highlights:
        notice = translate("present.missing_highlights", lang, ids=", ".join(facts.missing_highlights))
    return SlideText(
        title=facts.slide.title, caption=facts.slide.caption, counts=counts_of(facts, lang),
        dates=dates_in_words(spec.date_from, spec.date_to, lang),
        filters=filters_in_words(facts, lang, dataset_names), sources=sources_in_words(facts, lang),
        progress=facts.progress, progress_style={"width": f"{100 * facts.number / facts.slide_count:.2f}%"},
        notice=notice,
    )


# ---- playback ------------------------------------------------------------------------------------
def slide_extent(store: EventStore, slide: Slide) -> tuple[date, date] | None:
    """First and last day of the slide's own events (its open date ends are closed by these).

    Playing from the first event of the slide, not of the whole data, spares the room years of
    empty frames.
    """
    spec = slide.spec.with_changes(date_from=None, date_to=None)
    days = store.rows(spec, ("event_date",))["event_date"]
    if not len(days):
        extent = store.date_extent()
        return None if extent is None else tuple(np.datetime64(v, "D").astype(object) for v in extent)
    days = np.asarray(days).astype("datetime64[D]")
    return days.min().astype(object), days.max().astype(object)


def slide_step(slide: Slide) -> PlaybackStep:
    return slide.playback.step if slide.playback else PlaybackStep.YEAR


def slide_frames(slide: Slide, extent: tuple[date, date] | None, mode: str | None = None) -> list[tuple[date, date]]:
    """The date windows the slide plays through (mode chosen on the page wins over the slide's)."""
    playback = slide.playback
    window = playback.window if playback else 1
    chosen = mode if mode in tuple(PlaybackMode) else (playback.mode if playback else PlaybackMode.CUMULATIVE)
    span = playback_range(slide.spec, extent)
    if span is None:
        return []
    try:
        return playback_frames(span[0], span[1], slide_step(slide), chosen, window)
    except ValueError:  # too many steps for the slide's step: a year at a time always fits
        return playback_frames(span[0], span[1], PlaybackStep.YEAR, chosen, window)


def frame_window(frame: tuple[date, date], slide: Slide) -> tuple[date, date]:
    """The frame's window as shown. An end the slide leaves open is the first or last event of the
    slide, so it is shown as its whole step (a year, not "14 Mar 2003"); no event lies beyond it."""
    start, end = frame
    step = slide_step(slide)
    if slide.spec.date_from is None:
        start = step_bounds(start, step)[0]
    if slide.spec.date_to is None:
        end = step_bounds(end, step)[1]
    return start, end


def frame_label(frame: tuple[date, date], slide: Slide, lang: str) -> str:
    """The frame's window in words ("2003 – 2007")."""
    return dates_in_words(*frame_window(frame, slide), lang)


def initial_frame_state(slide_index: int) -> dict:
    return {"slide": slide_index, "index": None, "playing": False}


def toggle_playback(state: dict | None, slide_index: int, frame_count: int) -> dict:
    """Play ↔ pause. Playing again after the last frame starts over."""
    state = state if isinstance(state, dict) and state.get("slide") == slide_index else initial_frame_state(slide_index)
    if state.get("playing") or frame_count <= 0:
        return {**state, "playing": False}
    index = state.get("index")
    restart = index is None or not isinstance(index, int) or index >= frame_count - 1
    return {"slide": slide_index, "index": None if restart else index, "playing": True}


@dataclass(frozen=True)
class FrameStep:
    """One tick of the playback clock: the new state and the frame to show (None: nothing to do)."""

    state: dict
    frame: tuple[date, date] | None
    finished: bool


def step_frame(state: dict | None, slide_index: int, frames: list[tuple[date, date]]) -> FrameStep:
    """Advance a playing slide by one frame; the last frame stays on screen and playback stops."""
    if not isinstance(state, dict) or not state.get("playing") or state.get("slide") != slide_index:
        return FrameStep(state if isinstance(state, dict) else initial_frame_state(slide_index), None, True)
    index = state.get("index")
    following = next_frame(index if isinstance(index, int) else None, len(frames))
    if following is None:
        return FrameStep({**state, "playing": False}, None, True)
    finished = following == len(frames) - 1
    return FrameStep({"slide": slide_index, "index": following, "playing": not finished}, frames[following], finished)


def frame_facts(store: EventStore, story: Story, index: int, frame: tuple[date, date], lang: str,
                dataset_names: dict[str, str] | None = None) -> SlideFacts:
    """The slide's facts over one frame's dates (the same numbers a link with those dates gives)."""
    slide = story.slides[index]
    return slide_facts(store, edit_slide(story, index, spec=frame_spec(slide.spec, frame)), index, lang, dataset_names,
                       counters=applicable_counters(store, slide))


@dataclass(frozen=True)
class FrameView:
    """What one playback frame shows: the map's event layer, the counts, the dates, the range."""

    update: MapUpdate
    counts: tuple[Counter, ...]
    label: str
    shapes: list[dict]
    rings: Rings  # the rings of the highlighted events the frame draws (none of those it does not)
    indicator: SlideIndicator = NO_INDICATOR  # the slide's series for the frame's last year


def frame_view(store: EventStore, story: Story, index: int, frame: tuple[date, date], lang: str, threshold: int,
               dataset_names: dict[str, str] | None = None, *, routes: dict, vraem: bool,
               indicators: IndicatorCatalog | None = None,
               positions: dict[tuple[str, str], tuple[float, float]] | None = None,
               remote_style: str | None = None) -> FrameView:
    """Resolve one frame of slide ``index``: the same numbers a link with the frame's dates gives;
    the slide's indicator (from ``indicators``, placed at ``positions``) shows the frame's last year."""
    slide = story.slides[index]
    facts = frame_facts(store, story, index, frame, lang, dataset_names)
    view = slide_view(store, slide, threshold)
    layer = slide_layer(store, facts.slide.spec, view, threshold)
    spec = facts.slide.spec
    drawn = (spec.date_from or date.min, spec.date_to or date.max)
    indicator = NO_INDICATOR if indicators is None else \
        slide_indicator(indicators, positions or {}, slide, lang, frame_window(frame, slide)[1])
    return FrameView(update=with_indicator_legend(projector_map_update(layer, lang, routes, vraem, remote_style),
                                                  indicator),
                     counts=counts_of(facts, lang), label=frame_label(frame, slide, lang),
                     shapes=range_shapes(frame_window(frame, slide)),
                     rings=slide_rings(store, slide, view.zoom, lang, drawn), indicator=indicator)


def interval_ms(speed: str | None) -> int:
    return SPEEDS_MS.get(speed or "normal", SPEEDS_MS["normal"])


def play_label(state: dict | None, lang: str) -> str:
    playing = isinstance(state, dict) and bool(state.get("playing"))
    return translate("present.pause" if playing else "present.play", lang)


# ---- speaker notes -------------------------------------------------------------------------------
@dataclass(frozen=True)
class NotesText:
    progress: str
    title: str
    notes: str
    caption: str
    sources: list[tuple[str, str]]  # (name, url), most-cited first
    next_title: str


def notes_text(facts: SlideFacts, story: Story, lang: str) -> NotesText:
    following = story.slides[facts.number] if facts.number < len(story.slides) else None
    next_title = translate("notes.next", lang, title=following.title) if following else translate("notes.last", lang)
    return NotesText(
        progress=translate("notes.slide", lang, progress=facts.progress), title=facts.slide.title,
        notes=facts.slide.notes or translate("notes.no_notes", lang), caption=facts.slide.caption,
        sources=[(name, url) for name, url, _ in facts.sources], next_title=next_title,
    )


def median_p95(values: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank) of ``values``."""
    if not values:
        return math.nan, math.nan
    ordered = sorted(values)
    return float(np.median(ordered)), ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
