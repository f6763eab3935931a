"""The map's key, read from the data shown: one implementation for the app, the presenter and exports.

A key has four parts: the event types present in the view (exactly those, read from the points,
not from which traces happen to be non-empty), the marker size scale (kg seized and deaths, at
the diameters :func:`marker_sizes` really gives the markers), place precision (exact vs
approximate: paler marker with an uncertainty ring) and the route modes (documented vs
inferred). :func:`build_map_key` holds the entries; :func:`key_layout` draws the fixed parts as
plotly shapes and annotations in the map's right margin (no traces: the map's draw cost stays
the same).
No dash.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.store import EVENT_TYPES, PointColumns
from ..i18n import format_number, label, translate
from .text_metrics import text_width
from .theme import EVENT_COLOURS, Theme

# Size key steps: typical, large and very large seizures; one, a few and many deaths.
KG_STEPS = (10.0, 1_000.0, 100_000.0)
DEATH_STEPS = (1.0, 5.0, 20.0)
APPROXIMATE_HALO_PX = 26  # the ring drawn in the key: a province-sized uncertainty
MODEBAR_PX = 30
MAP_KEY_META = "rutas_map_key"  # layout.meta entry holding key_summary()  # the map's toolbar sits over the top of the right margin: the key starts below it


@dataclass(frozen=True)
class TypeEntry:
    """An event type shown on the map."""

    event_type: str
    label: str
    colour: str


@dataclass(frozen=True)
class SizeStep:
    """One step of the size scale: a value, its words and the marker diameter it gets (px)."""

    value: float
    label: str
    diameter_px: float


@dataclass(frozen=True)
class RouteEntry:
    """A route mode drawn on the map, with whether documented and inferred legs of it exist."""

    mode: str
    label: str
    colour: str
    documented: bool
    inferred: bool


@dataclass(frozen=True)
class MapKey:
    """Everything the map's key explains, in the order it is read."""

    types: tuple[TypeEntry, ...]
    kg_steps: tuple[SizeStep, ...]
    death_steps: tuple[SizeStep, ...]
    approximate_shown: bool
    routes: tuple[RouteEntry, ...]
    vraem: bool
    lang: str


def marker_sizes(quantity_kg: np.ndarray, fatalities: np.ndarray) -> np.ndarray:
    """Marker diameter in whole px (uint8: one byte per point): grows with kg or with deaths."""
    by_kg = 7 + 3.2 * np.log10(1 + np.nan_to_num(quantity_kg))
    by_deaths = 7 + 3.0 * np.sqrt(np.nan_to_num(fatalities))
    return np.rint(np.clip(np.maximum(by_kg, by_deaths), 7, 26)).astype(np.uint8)


def types_present(type_code: np.ndarray) -> tuple[str, ...]:
    """The event types of the points, in the schema's order (each once)."""
    codes = np.unique(np.asarray(type_code, dtype=np.int64))
    return tuple(EVENT_TYPES[code] for code in codes if 0 <= code < len(EVENT_TYPES))


def size_steps(values: tuple[float, ...], *, deaths: bool, theme: Theme, lang: str,
               print_factor: float | None = None) -> tuple[SizeStep, ...]:
    """The size scale's steps at the diameters the map draws them (theme's marker scale included).

    ``print_factor``: a printed map's markers are ``marker_sizes`` times this and the theme's
    marker scale, unrounded; None gives the screen's whole px.
    """
    values_array = np.asarray(values, dtype=np.float32)
    nothing = np.zeros_like(values_array)
    base = marker_sizes(nothing, values_array) if deaths else marker_sizes(values_array, nothing)
    if print_factor is None:
        diameters = theme.marker_px(base)
    else:
        diameters = base.astype(np.float32) * print_factor * theme.marker_scale
    return tuple(SizeStep(value=float(value), diameter_px=float(diameter), label=format_number(value, lang))
                 for value, diameter in zip(values, diameters))


def route_entries(routes: dict, theme: Theme, lang: str) -> tuple[RouteEntry, ...]:
    """The route modes in ``routes`` (GeoJSON legs), in order of first appearance."""
    found: dict[str, set[str]] = {}
    for feature in routes.get("features", []):
        props = feature.get("properties") or {}
        found.setdefault(props.get("mode", ""), set()).add(props.get("evidence", ""))
    return tuple(RouteEntry(mode=mode, label=label("mode", mode, lang), colour=theme.route_colour(mode),
                            documented="documented" in evidence, inferred="inferred" in evidence)
                 for mode, evidence in found.items() if mode)


def build_map_key(points: PointColumns | None, *, routes: dict, vraem: bool, theme: Theme,
                  lang: str, print_factor: float | None = None) -> MapKey:
    """The key for the points shown (None: grid cells, whose colour bar is their own key).

    Parameters
    ----------
    points
        The events drawn; the key lists exactly their types.
    routes
        The route legs drawn (GeoJSON features with ``mode`` and ``evidence``).
    vraem
        Whether the VRAEM outline is drawn.
    theme, lang
        The medium (marker scale, colours) and the language of the words.
    print_factor
        For a printed map: its markers' size factor (see :func:`size_steps`).
    """
    if points is None:
        codes = np.empty(0, dtype=np.int8)
        approximate = False
    else:
        codes = points.type_code
        approximate = bool((~points.precise).any())
    types = tuple(TypeEntry(event_type=t, label=label("event_type", t, lang), colour=theme.colour(EVENT_COLOURS[t]))
                  for t in types_present(codes))
    steps = dict(theme=theme, lang=lang, print_factor=print_factor)
    return MapKey(types=types, kg_steps=size_steps(KG_STEPS, deaths=False, **steps),
                  death_steps=size_steps(DEATH_STEPS, deaths=True, **steps),
                  approximate_shown=approximate, routes=route_entries(routes, theme, lang), vraem=vraem, lang=lang)


def key_summary(key: MapKey, *, with_ring: bool) -> dict:
    """The size and place key as plain JSON (words, diameters in px), for a page that draws it
    as HTML (the responsive embed: the print figure's margins are gone there)."""
    lang = key.lang
    return {
        "size": translate("map.key.size", lang),
        "rows": [{"unit": translate(unit, lang), "steps": [[step.label, round(step.diameter_px, 1)] for step in steps]}
                 for steps, unit in ((key.kg_steps, "map.key.kg"), (key.death_steps, "map.key.deaths"))],
        "place": translate("map.key.place", lang) if key.approximate_shown else "",
        "exact": translate("map.key.exact", lang), "approximate": translate("map.key.approximate", lang),
        "ring": with_ring,
    }


@dataclass(frozen=True)
class KeyLayout:
    """The key's fixed parts as plotly layout items, and the room they take."""

    shapes: list[dict]
    annotations: list[dict]
    width_px: float
    height_px: float


def key_layout(key: MapKey, theme: Theme, *, top_px: float = MODEBAR_PX, left_px: float = 10.0,
               font_size: float | None = None, approximate_opacity: float = 0.6, approximate_rim: bool = False,
               halo_colour: str | None = None, max_width_px: float = 160.0, marker_factor: float = 1.0,
               place: bool = True, ring: bool = True, sizes: bool = True, types: bool = False,
               inferred_dash: str = "dot") -> KeyLayout:
    """Size, place and route keys drawn right of the plot area, top down from ``top_px``.

    Items are anchored to the plot's top-right corner (paper x=1, y=1) and placed in px, so the
    key sits in the right margin whatever the figure's size and never over the map's data. Exact
    and approximate places share a row when it fits in ``max_width_px``. ``marker_factor`` scales
    the place key's markers as the map's (print); ``place=False`` leaves the place key out (no
    approximate place shown), ``approximate_rim=True`` edges the approximate dot as print edges its
    faded markers, ``ring=False`` its uncertainty ring (a map too wide to draw rings),
    ``sizes=False`` the size key. ``types=True`` lists the event types first (the screen map:
    its single trace has no legend); ``inferred_dash`` is how the map draws inferred legs.
    """
    size = float(font_size or theme.legend_font_size)
    text, muted = theme.text_colour, theme.muted_colour
    halo_colour = halo_colour or muted
    shapes: list[dict] = []
    annotations: list[dict] = []
    y = -top_px  # px from the plot's top edge, downwards negative
    widths = [0.0]  # right ends of everything drawn, px from the key's left edge

    def write(x: float, y_px: float, words: str, *, colour: str = text, anchor: str = "left",
              bold: bool = False, yanchor: str = "middle") -> None:
        if anchor == "left":
            widths.append(x + text_width(words, size, bold=bold))
        annotations.append(dict(
            xref="paper", yref="paper", x=1, y=1, xshift=left_px + x, yshift=y_px, xanchor=anchor,
            yanchor=yanchor, showarrow=False, text=f"<b>{words}</b>" if bold else words, borderpad=0,
            font=dict(size=size, color=colour, family=theme.font_family), name="map-key"))

    def circle(cx: float, cy: float, diameter: float, colour: str, *, opacity: float = 1.0,
               line: str | None = None) -> None:
        radius = diameter / 2
        shapes.append(dict(
            type="circle", xref="paper", yref="paper", xsizemode="pixel", ysizemode="pixel",
            xanchor=1, yanchor=1, x0=left_px + cx - radius, x1=left_px + cx + radius, y0=cy - radius,
            y1=cy + radius, fillcolor=colour if line is None else "rgba(0,0,0,0)", opacity=opacity,
            line=dict(width=1.5 if line else 0, color=line or colour), layer="above", name="map-key"))

    def segment(x0: float, x1: float, cy: float, colour: str, dash: str) -> None:
        shapes.append(dict(
            type="line", xref="paper", yref="paper", xsizemode="pixel", ysizemode="pixel", xanchor=1, yanchor=1,
            x0=left_px + x0, x1=left_px + x1, y0=cy, y1=cy, line=dict(color=colour, width=size * 0.28, dash=dash),
            layer="above", name="map-key"))

    line_px = size * 1.5
    lang = key.lang
    # Types: a swatch at the marker's colour and the type's name, one row each.
    if types and key.types:
        write(0, y, translate("map.key.types", lang), colour=muted, yanchor="top")
        # The title hangs from y; the first row is centred on its y, so it needs half a row more
        # (a row's text reached 0.3 em into the title).
        y -= line_px + size * 0.4
        swatch = size * 0.9
        for entry in key.types:
            circle(swatch / 2, y, swatch, entry.colour, opacity=0.95)
            write(swatch + size * 0.5, y, entry.label)
            y -= line_px
        y -= size * 0.4
    # Size: both scales side by side, circles at their real diameter, value under each.
    if sizes:
        write(0, y, translate("map.key.size", lang), colour=muted, yanchor="top")
        y -= line_px
        for steps, unit in ((key.kg_steps, "map.key.kg"), (key.death_steps, "map.key.deaths")):
            tallest = max(step.diameter_px for step in steps)
            centre = y - tallest / 2
            x = 0.0
            for step in steps:
                column = max(step.diameter_px, text_width(step.label, size)) + size * 0.7
                circle(x + column / 2, centre, step.diameter_px, muted, opacity=0.85)
                write(x + column / 2, centre - tallest / 2 - 1, step.label, anchor="center", yanchor="top")
                x += column
            write(x, centre, translate(unit, lang))
            y = centre - tallest / 2 - line_px - 2
    # Place: an exact marker; an approximate one, paler, inside its uncertainty ring.
    if place:
        y -= size * 0.4
        write(0, y, translate("map.key.place", lang), colour=muted, yanchor="top")
        halo = APPROXIMATE_HALO_PX * theme.marker_scale * marker_factor
        dot = 12 * theme.marker_scale * marker_factor
        row = halo if ring else dot
        exact_words, approximate_words = translate("map.key.exact", lang), translate("map.key.approximate", lang)
        exact_width = row + size * 0.5 + text_width(exact_words, size) + size
        one_row = exact_width + row + size * 0.5 + text_width(approximate_words, size) <= max_width_px
        y -= line_px + row / 2 - size * 0.4
        circle(row / 2, y, dot, text, opacity=0.95)
        write(row + size * 0.5, y, exact_words)
        x = exact_width if one_row else 0.0
        if not one_row:
            y -= row + 2
        if ring:
            circle(x + row / 2, y, halo, halo_colour, opacity=0.35)
        circle(x + row / 2, y, dot, text, opacity=approximate_opacity)
        if approximate_rim:  # print: the map's approximate markers fade their fill, not their edge
            circle(x + row / 2, y, dot, text, line=text)
        write(x + row + size * 0.5, y, approximate_words)
        y -= row / 2 + size * 0.8
    # Routes: one row per mode, a solid swatch for documented legs and a dotted one for inferred.
    if key.routes:
        write(0, y, translate("map.key.routes", lang), colour=muted, yanchor="top")
        y -= line_px + size * 0.3
        swatch = size * 2.2
        # What the two line styles mean, in the muted colour, as one row of swatches.
        x = 0.0
        for evidence, dash in (("documented", "solid"), ("inferred", inferred_dash)):
            segment(x, x + swatch, y, muted, dash)
            words = translate(f"map.{evidence}", lang)
            write(x + swatch + size * 0.4, y, words, colour=muted)
            x += swatch + size * 1.4 + text_width(words, size)
        y -= line_px
        for route in key.routes:
            if route.documented:
                segment(0, swatch, y, route.colour, "solid")
            if route.inferred:
                segment(swatch + size * 0.5, 2 * swatch + size * 0.5, y, route.colour, inferred_dash)
            write(2 * swatch + size, y, route.label)
            y -= line_px
    if key.vraem:
        shapes.append(dict(
            type="rect", xref="paper", yref="paper", xsizemode="pixel", ysizemode="pixel", xanchor=1, yanchor=1,
            x0=left_px, x1=left_px + size * 2.2, y0=y - size * 0.45, y1=y + size * 0.45,
            fillcolor=theme.vraem_colour, opacity=0.35, line=dict(color=theme.vraem_colour, width=1.5),
            layer="above", name="map-key"))
        write(size * 2.7, y, translate("map.vraem", lang))
        y -= line_px
    return KeyLayout(shapes=shapes, annotations=annotations, width_px=left_px + max(widths), height_px=-y)
