"""The event map on Plotly's MapLibre traces (``go.Scattermap``).

Trace order is fixed, so callbacks can patch one trace by index without the figure as State:
route legs, VRAEM outline, uncertainty halo, one trace per event type, highlight. Place and river
names are MapLibre symbol layers, so the map engine hides colliding labels and reveals finer ones
as the user zooms in.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..data.filters import MapView
from ..data.store import EVENT_TYPES, GEO_PRECISIONS, PointColumns
from ..i18n import format_number, label, translate
from . import unchecked
from .theme import EVENT_COLOURS, ROUTE_COLOURS, SCREEN, Theme

DEFAULT_VIEW = MapView(lat=-11.5, lon=-69.0, zoom=4.1)
PRECISE_OPACITY = 0.95
APPROXIMATE_OPACITY = 0.6
# Halo diameter (px) per geo precision: the coarser the place, the wider the uncertainty ring.
HALO_SIZE = {"exact": 0, "town": 0, "district": 20, "province": 26, "region": 32, "country": 40}
INFERRED_DOT_SPACING_DEG = 0.35
LEGEND_WIDTH_PX = 200
GLYPHS_URL = "/assets/fonts/{fontstack}/{range}.pbf"


@dataclass(frozen=True)
class MapTraceIndex:
    """Where each group of traces sits in ``figure.data``."""

    routes: range
    vraem: int
    halo: int
    events: range
    highlight: int


def map_trace_index(route_leg_count: int) -> MapTraceIndex:
    """Trace positions for a map with ``route_leg_count`` route legs."""
    vraem = route_leg_count
    events_start = vraem + 2
    events_end = events_start + len(EVENT_TYPES)
    return MapTraceIndex(
        routes=range(0, route_leg_count), vraem=vraem, halo=vraem + 1,
        events=range(events_start, events_end), highlight=events_end,
    )


def marker_sizes(quantity_kg: np.ndarray, fatalities: np.ndarray) -> np.ndarray:
    """Marker diameter in px: grows with kg seized or with deaths, whichever says more."""
    by_kg = 7 + 3.2 * np.log10(1 + np.nan_to_num(quantity_kg))
    by_deaths = 7 + 3.0 * np.sqrt(np.nan_to_num(fatalities))
    return np.clip(np.maximum(by_kg, by_deaths), 7, 26).astype(np.float32)


def offline_style(theme: Theme = SCREEN) -> dict:
    """A MapLibre style with no remote sources: a background, local glyphs for labels."""
    # "sources" must not be empty: plotly prunes empty objects on update, and MapLibre then
    # refuses the style ("missing required property sources") and stops redrawing the map.
    return {
        "version": 8,
        "sources": {"empty": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
        "glyphs": GLYPHS_URL,
        "layers": [{"id": "background", "type": "background",
                    "paint": {"background-color": theme.water_colour}}],
    }


def offline_layers(theme: Theme = SCREEN, asset_prefix: str = "/assets/basemap/") -> list[dict]:
    """Base layers as GeoJSON URLs under /assets (inline dicts render far slower)."""
    return [
        {"sourcetype": "geojson", "source": f"{asset_prefix}countries.geojson", "type": "fill",
         "color": theme.land_colour, "below": "traces"},
        {"sourcetype": "geojson", "source": f"{asset_prefix}countries.geojson", "type": "line",
         "color": theme.border_colour, "line": {"width": 0.8}, "below": "traces"},
        {"sourcetype": "geojson", "source": f"{asset_prefix}departments.geojson", "type": "line",
         "color": "#c4c8cc", "line": {"width": 0.6}, "below": "traces"},
        {"sourcetype": "geojson", "source": f"{asset_prefix}rivers.geojson", "type": "line",
         "color": theme.river_colour, "line": {"width": 0.7}, "opacity": 0.8, "below": "traces"},
        *label_layers(theme, asset_prefix),
    ]


# (file, minzoom, text size, colour, anchor): rank 1 always, finer places only when zoomed in.
LABEL_LAYERS = (
    ("labels-rivers.geojson", 5.5, 12, "#2f6f9f", "middle center"),
    ("labels-rank1.geojson", 0, 12, "#3b434b", "top right"),
    ("labels-rank2.geojson", 5.5, 11, "#5b6570", "top right"),
    ("labels-rank3.geojson", 7.5, 11, "#5b6570", "top right"),
)


def label_layers(theme: Theme = SCREEN, asset_prefix: str = "/assets/basemap/") -> list[dict]:
    """Symbol layers for place and river names (local glyphs; ``icon=""`` avoids a sprite fetch)."""
    return [
        {"sourcetype": "geojson", "source": f"{asset_prefix}{name}", "type": "symbol",
         "minzoom": minzoom,
         "symbol": {"icon": "", "text": "{name}", "placement": "point", "textposition": anchor,
                    "textfont": {"size": size, "color": colour}}}
        for name, minzoom, size, colour, anchor in LABEL_LAYERS
    ]


HOVER_COLUMNS = ("event_date", "date_precision", "location", "event_type", "quantity_kg",
                 "fatalities", "geo_precision")


def hover_texts(rows: dict[str, np.ndarray], lang: str) -> list[str]:
    """One hover label per point: date with its precision, place, type, kg, deaths.

    ``rows`` holds the :data:`HOVER_COLUMNS` of the drawn points, in point order.
    """
    texts = []
    for date_value, date_precision, location, event_type, kg, deaths, geo in zip(
        rows["event_date"], rows["date_precision"], rows["location"], rows["event_type"],
        rows["quantity_kg"], rows["fatalities"], rows["geo_precision"],
    ):
        # Plotly reads hover text as HTML-like markup: data text is escaped.
        lines = [
            f"<b>{label('event_type', event_type, lang)}</b>",
            f"{translate('hover.date', lang)}: {date_value} ({label('date_precision', date_precision, lang)})",
            f"{translate('hover.place', lang)}: {html.escape(str(location))} "
            f"({translate('hover.location_precision', lang)}: {label('geo_precision', geo, lang)})",
        ]
        if kg == kg and kg is not None:  # not NaN
            lines.append(f"{translate('hover.kg', lang)}: {format_number(kg, lang)}")
        if deaths == deaths and deaths is not None:
            lines.append(f"{translate('hover.fatalities', lang)}: {format_number(deaths, lang)}")
        texts.append("<br>".join(lines))
    return texts


def _route_traces(routes: dict, lang: str) -> list[go.Scattermap]:
    traces = []
    shown_legend: set[str] = set()
    for feature in routes["features"]:
        props = feature["properties"]
        coords = np.asarray(feature["geometry"]["coordinates"], dtype=np.float64)
        colour = ROUTE_COLOURS[props["mode"]]
        evidence = props["evidence"]
        legend_key = f"{props['mode']}-{evidence}"
        name = f"{label('mode', props['mode'], lang)} ({translate('map.' + evidence, lang)})"
        hover = (f"<b>{label('route', props['route_id'], lang)}</b><br>{html.escape(props['leg_name'])}<br>"
                 f"{label('mode', props['mode'], lang)} · {translate('map.' + evidence, lang)}")
        common = dict(name=name, legend="legend2", legendgroup=legend_key,
                      showlegend=legend_key not in shown_legend,
                      hovertext=hover, hoverinfo="text", customdata=[props["route_id"]])
        shown_legend.add(legend_key)
        if evidence == "documented":
            traces.append(unchecked.scattermap(lon=coords[:, 0], lat=coords[:, 1], mode="lines",
                                        line=dict(color=colour, width=2.6), opacity=0.8, **common))
        else:
            # Scattermap lines cannot be dashed: an inferred leg is drawn as a dotted line of markers.
            lon, lat = densify(coords, INFERRED_DOT_SPACING_DEG)
            traces.append(unchecked.scattermap(lon=lon, lat=lat, mode="markers",
                                        marker=dict(color=colour, size=4), opacity=0.8, **common))
    return traces


def densify(coords: np.ndarray, spacing_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``spacing_deg`` along a polyline (for dotted lines)."""
    lons, lats = [], []
    for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:]):
        steps = max(1, int(np.hypot(x1 - x0, y1 - y0) / spacing_deg))
        t = np.arange(steps) / steps
        lons.append(x0 + (x1 - x0) * t)
        lats.append(y0 + (y1 - y0) * t)
    lons.append(coords[-1:, 0])
    lats.append(coords[-1:, 1])
    return np.concatenate(lons), np.concatenate(lats)


def _vraem_trace(vraem_feature: dict | None, lang: str) -> go.Scattermap:
    lon: list[float | None] = []
    lat: list[float | None] = []
    if vraem_feature is not None:
        geometry = vraem_feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            for x, y in polygon[0]:
                lon.append(x)
                lat.append(y)
            lon.append(None)
            lat.append(None)
    return unchecked.scattermap(
        lon=lon, lat=lat, mode="lines", fill="toself", fillcolor="rgba(204,102,119,0.07)",
        line=dict(color="#b05566", width=1.6), name=translate("map.vraem", lang), legend="legend2",
        hovertext=translate("map.vraem", lang), hoverinfo="text",
    )


def _event_traces(points: PointColumns, hover: list[str] | None, lang: str) -> list[go.Scattermap]:
    sizes = marker_sizes(points.quantity_kg, points.fatalities)
    opacity = np.where(points.precise, PRECISE_OPACITY, APPROXIMATE_OPACITY).astype(np.float32)
    traces = []
    for code, event_type in enumerate(EVENT_TYPES):
        selected = np.flatnonzero(points.type_code == code)
        traces.append(unchecked.scattermap(
            lat=points.latitude[selected], lon=points.longitude[selected], mode="markers",
            marker=dict(size=sizes[selected], color=EVENT_COLOURS[event_type],
                        opacity=opacity[selected]),
            # Text, not a numpy array: dcc.Graph reads click customdata from the raw (base64
            # encoded) trace data, so typed-array customdata arrives as undefined.
            customdata=[str(row) for row in points.row[selected]],
            hovertext=[hover[i] for i in selected] if hover is not None else None,
            hoverinfo="text" if hover is not None else "none",
            name=label("event_type", event_type, lang),
            showlegend=bool(selected.size),
            legendgroup=event_type,
        ))
    return traces


def _halo_trace(points: PointColumns, lang: str) -> go.Scattermap:
    precision_names = np.asarray(GEO_PRECISIONS)[points.geo_precision_code]
    halo = np.array([HALO_SIZE[name] for name in precision_names], dtype=np.float32)
    keep = halo > 0
    return unchecked.scattermap(
        lat=points.latitude[keep], lon=points.longitude[keep], mode="markers",
        marker=dict(size=halo[keep], color="#5b6570", opacity=0.16),
        name=translate("map.approximate", lang), hoverinfo="skip", showlegend=bool(keep.any()),
    )


def highlight_trace(lat: float | None = None, lon: float | None = None, lang: str = "en") -> go.Scattermap:
    """A ring-like marker over the selected event (empty when nothing is selected)."""
    return unchecked.scattermap(
        lat=[] if lat is None else [lat], lon=[] if lon is None else [lon], mode="markers",
        marker=dict(size=30, color="#000000", opacity=0.35), name=translate("map.highlight", lang),
        hoverinfo="skip", showlegend=False,
    )


def build_event_map(
    points: PointColumns,
    *,
    routes: dict,
    vraem_feature: dict | None,
    hover: list[str] | None = None,
    lang: str = "en",
    view: MapView | None = None,
    style: str | dict | None = None,
    layers: list[dict] | None = None,
    highlight: tuple[float, float] | None = None,
    theme: Theme = SCREEN,
    uirevision: str = "map",
) -> go.Figure:
    """Build the event map.

    Parameters
    ----------
    points
        Columns from ``EventStore.points``.
    routes, vraem_feature
        Reference layers: route legs (GeoJSON) and the approximate VRAEM polygon.
    hover
        One hover string per point (see :func:`hover_texts`), or None for no hover text.
    view
        Centre and zoom; None uses a view of Peru and Bolivia.
    style, layers
        Base map: defaults to the offline style and layers.
    highlight
        (lat, lon) of the selected event, drawn as a halo on top.
    """
    view = view or DEFAULT_VIEW
    traces = [
        *_route_traces(routes, lang),
        _vraem_trace(vraem_feature, lang),
        _halo_trace(points, lang),
        *_event_traces(points, hover, lang),
        highlight_trace(*(highlight or (None, None)), lang=lang),
    ]
    figure = unchecked.figure(traces)
    figure.update_layout(
        map=dict(
            style=style if style is not None else offline_style(theme),
            layers=layers if layers is not None else offline_layers(theme),
            center=dict(lat=view.lat, lon=view.lon),
            zoom=view.zoom,
        ),
        margin=dict(l=0, r=LEGEND_WIDTH_PX, t=0, b=0),
        paper_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=theme.font_size, color=theme.text_colour),
        # Legends sit in the right margin, so they never hide a point.
        legend=dict(x=1.005, y=1, xanchor="left", yanchor="top", font=dict(size=10),
                    itemsizing="constant", tracegroupgap=0),
        legend2=dict(x=1.005, y=0, xanchor="left", yanchor="bottom", font=dict(size=10),
                     title=dict(text=translate("map.routes", lang), font=dict(size=10))),
        dragmode="pan",
        uirevision=uirevision,
        clickmode="event",
    )
    return figure
