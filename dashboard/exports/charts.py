"""Publication-ready figures for export: the map, the timeline and the breakdown, framed for print.

Every exported chart has the same frame: a bold title top left, a muted subtitle stating the
filters, the legend (right of the plot on wide pages, below it on a story), and a footer with
the source line and an optional credit. The frame is laid out here in pixels — margins are
computed from the text, never left to plotly's automargin — so nothing overlaps at any preset.

The map is drawn with ``go.Scattergeo`` on Plotly's bundled topojson (country outlines) plus the
repository's base-map GeoJSON (departments, rivers, place names), so SVG and PDF maps are true
vectors. Type scales with the page: sizes are chosen for the width at which each preset is read
(a story on a phone, a web image in an article column, A4 at full size).
"""

from __future__ import annotations

import functools
import html
import json
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from ..data.filters import FilterSpec
from ..data.store import CELL_SIZES, EVENT_TYPES, GEO_PRECISIONS, EventStore, GridBins, PointColumns
from ..figures.breakdown import build_breakdown
from ..figures.event_map import CELL_COLOURSCALE, HALO_POINT_LIMIT, HALO_SIZE, marker_sizes
from ..figures.theme import EVENT_COLOURS, EXPORT_DARK, EXPORT_LIGHT, Theme
from ..figures.timeline import build_timeline
from ..i18n import format_number, label, translate
from .spec import ChartKind, ChartRequest, ExportContext, ExportTheme, SizePreset

BASEMAP_DIR = Path(__file__).resolve().parents[2] / "assets" / "basemap"

EXPORT_MAX_POINTS = 20_000  # above this many matching events the map draws grid cells
# The CSS width each preset is usually seen at; type is 14 px at that width. A story or square
# is seen on a phone (~400 px wide), so its 1080 px need type about twice as large.
READING_WIDTH = {SizePreset.WEB: 1050, SizePreset.A4: 1123, SizePreset.SQUARE: 620, SizePreset.STORY: 560}
READING_FONT_PX = 14.0
MAX_TITLE_LINES = 3
MAX_SUBTITLE_LINES = 4
# Peru and Bolivia, the default view when nothing matches (west, south, east, north).
DEFAULT_EXTENT = (-82.0, -23.5, -57.0, 0.5)
MIN_SPAN_DEG = 3.0
EXTENT_PAD = 0.08  # share of the events' span added on each side
ROBUST_MIN_EVENTS = 100  # from this many events, far strays may be left outside the view
OUTLIER_SPAN_RATIO = 3.0  # ...when the full span is this many times the 1st–99th percentile span
MAX_LAT = 80.0
CELL_TARGET_PX = 12.0
RANK2_MAX_SPAN_DEG = 30.0  # town names when the view is narrower than this (longitude)
RIVER_MAX_SPAN_DEG = 14.0
LABEL_PRIORITY = frozenset({"Lima", "La Paz"})
HALO_MAX_SPAN_DEG = 30.0
# Wider views use Natural Earth 1:110m outlines: the same look at that scale, an SVG ~5x smaller
# (a 1200 px world map: 0.8 MB instead of 3.7 MB).
COARSE_OUTLINE_SPAN_DEG = 60.0
SMALL_COUNT = 6  # count axes up to this many events tick every 1 (never 0.5)  # uncertainty rings only when the view is narrower than this


def export_theme(theme: ExportTheme) -> Theme:
    """The figure theme for a light or dark export."""
    return EXPORT_DARK if ExportTheme(theme) is ExportTheme.DARK else EXPORT_LIGHT


def escape_text(text: str) -> str:
    """User text made literal for plotly's pseudo-HTML (``<``, ``>``, ``&``)."""
    return html.escape(str(text), quote=False)


def _widths(chars: str, values: str) -> dict[str, float]:
    return dict(zip(chars, (int(v) / 1000 for v in values.split()), strict=True))


# Advance widths (em) of Liberation Sans / Arial, regular and bold; other characters are
# measured by their unaccented letter, or a generous default.
_COMMON = _widths(" !\"#$%&'()*+,-./0123456789:;<=>?@[]_|",
                  "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
                  "556 556 556 556 278 278 584 584 584 556 1015 278 278 556 260")
_UPPER = _widths("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                 "667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 "
                 "944 667 667 611")
_UPPER_BOLD = _UPPER | _widths("ABJKLN", "722 722 556 722 611 722")
_LOWER = _widths("abcdefghijklmnopqrstuvwxyz",
                 "556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 "
                 "722 500 500 500")
_LOWER_BOLD = _widths("abcdefghijklmnopqrstuvwxyz",
                      "556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 "
                      "778 556 556 500")
_OTHER = {"–": 0.556, "—": 1.0, "…": 1.0, "·": 0.278, "°": 0.4, "’": 0.222, "‘": 0.222, "“": 0.333,
          "”": 0.333, "→": 1.0, "×": 0.584, "€": 0.556, "\u202f": 0.2}
REGULAR_WIDTHS = _COMMON | _UPPER | _LOWER | _OTHER
BOLD_WIDTHS = _COMMON | _UPPER_BOLD | _LOWER_BOLD | _OTHER | _widths(":;", "333 333")
UNKNOWN_EM = 0.75
WIDTH_SAFETY = 1.04


def _char_em(char: str, table: dict[str, float]) -> float:
    if char in table:
        return table[char]
    base = unicodedata.normalize("NFKD", char)[:1]
    if base in table:
        return table[base]
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else UNKNOWN_EM


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width in px of one line of ``text`` at font ``size`` (Liberation Sans metrics)."""
    table = BOLD_WIDTHS if bold else REGULAR_WIDTHS
    return sum(_char_em(char, table) for char in str(text)) * size * WIDTH_SAFETY


def wrap_lines(text: str, width_px: float, size: float, *, bold: bool = False, max_lines: int = 0) -> list[str]:
    """``text`` wrapped at spaces to ``width_px`` (estimated); a cut last line ends in "…".

    A word longer than the line is broken where it reaches the edge. Linear in the text length
    (running widths), and it stops once ``max_lines`` is passed: link parameters reach the
    subtitle, so a huge one must not cost the server time.
    """
    table = BOLD_WIDTHS if bold else REGULAR_WIDTHS
    scale = size * WIDTH_SAFETY
    space = _char_em(" ", table) * scale
    lines: list[str] = []
    current, current_width = "", 0.0
    for word in str(text).split():
        if max_lines and len(lines) > max_lines:
            break
        widths = [_char_em(char, table) * scale for char in word]
        word_width = sum(widths)
        if current and current_width + space + word_width <= width_px:
            current, current_width = f"{current} {word}", current_width + space + word_width
            continue
        if not current and word_width <= width_px:
            current, current_width = word, word_width
            continue
        if current:
            lines.append(current)
        current, current_width = "", 0.0
        for char, char_width in zip(word, widths):
            if current and current_width + char_width > width_px:
                lines.append(current)
                current, current_width = "", 0.0
            current, current_width = current + char, current_width + char_width
    if current and not (max_lines and len(lines) > max_lines):
        lines.append(current)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size, bold=bold) > width_px:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def html_lines(lines: list[str]) -> str:
    """Escaped lines joined with plotly's line break."""
    return "<br>".join(escape_text(line) for line in lines)


# ---- page frame --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TypeScale:
    """Font sizes (px) for one preset."""

    base: float

    @property
    def title(self) -> float:
        return round(self.base * 1.75)

    @property
    def subtitle(self) -> float:
        return round(self.base * 1.08)

    @property
    def legend(self) -> float:
        return round(self.base * 0.92)

    @property
    def tick(self) -> float:
        return round(self.base * 0.9)

    @property
    def footer(self) -> float:
        return round(self.base * 0.8)

    @property
    def place(self) -> float:
        return round(self.base * 0.82)

    @property
    def pad(self) -> float:
        return round(self.base * 1.4)

    @property
    def legend_row(self) -> float:
        """Height of one legend entry (plotly: about 1.3 line heights, 20 px at least)."""
        return max(20.0, self.legend * 1.36 + 2)


def type_scale(request: ChartRequest) -> TypeScale:
    """Type for ``request``'s preset: 14 px at the width the image is usually seen at."""
    width, _ = request.pixels
    return TypeScale(base=round(READING_FONT_PX * width / READING_WIDTH[request.size], 1))


@dataclass(frozen=True)
class LegendBlock:
    """One legend's content, for sizing: a title and its entries' labels."""

    title: str
    labels: tuple[str, ...]
    colourbar: bool = False  # a colour scale instead of entries


@dataclass(frozen=True)
class PageFrame:
    """Where everything goes on the page, in px (plotly's margins included)."""

    width: int
    height: int
    type: TypeScale
    left: float
    right: float
    top: float
    bottom: float
    legend_below: bool
    title_lines: tuple[str, ...]
    subtitle_lines: tuple[str, ...]
    footer_lines: tuple[str, ...]
    credit_lines: tuple[str, ...]
    title_height: float
    subtitle_gap: float
    legend_top: float  # px from the top of the page where the legends start
    legend_left: tuple[float, ...]  # px from the left of the page, one per legend block
    legend_bottom: float  # px from the top of the page where the legend area ends

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


def legend_size(block: LegendBlock, scale: TypeScale) -> tuple[float, float]:
    """Estimated (width, height) in px of one legend block."""
    if block.colourbar:
        return max(text_width(block.title, scale.legend), 6 * scale.legend), scale.legend * 12
    widest = max([text_width(block.title, scale.legend)]
                 + [text_width(text, scale.legend) + 2.6 * scale.legend + 14 for text in block.labels])
    height = scale.legend_row * (len(block.labels) + (1.2 if block.title else 0)) + 10
    return widest + 12, height


def page_frame(request: ChartRequest, context: ExportContext, legends: tuple[LegendBlock, ...] = (), *,
               left_extra: float = 0.0, right_extra: float = 0.0, bottom_extra: float = 0.0,
               top_extra: float = 0.0) -> PageFrame:
    """Lay out the page: title and subtitle on top, footer at the bottom, legends right or below.

    Parameters
    ----------
    legends
        The legends' contents, sized from their labels.
    left_extra, right_extra, bottom_extra, top_extra
        Room the chart itself needs outside its plot area (axis labels, bar value labels).
    """
    width, height = request.pixels
    scale = type_scale(request)
    pad = scale.pad
    text_width_px = width - 2 * pad
    title_lines = wrap_lines(context.title, text_width_px, scale.title, bold=True, max_lines=MAX_TITLE_LINES)
    subtitle_lines = wrap_lines(context.subtitle, text_width_px, scale.subtitle, max_lines=MAX_SUBTITLE_LINES)
    credit = " ".join(str(context.credit or "").split())
    credit_lines = wrap_lines(credit, text_width_px * 0.4, scale.footer, max_lines=2) if credit else []
    credit_width = max((text_width(line, scale.footer) for line in credit_lines), default=0.0)
    source_width = text_width_px - (credit_width + 2 * scale.footer if credit_lines else 0.0)
    footer_lines = wrap_lines(context.source_line, source_width, scale.footer, max_lines=6)

    title_height = len(title_lines) * scale.title * 1.22
    subtitle_gap = 0.45 * scale.base
    subtitle_height = len(subtitle_lines) * scale.subtitle * 1.32
    top = (pad + title_height + (subtitle_gap + subtitle_height if subtitle_lines else 0) + 1.2 * scale.base
           + top_extra)
    footer_height = max(len(footer_lines), len(credit_lines)) * scale.footer * 1.35
    footer_band = pad + footer_height + 1.1 * scale.base
    bottom = footer_band + bottom_extra

    legend_below = height > 1.3 * width
    sizes = [legend_size(block, scale) for block in legends]
    gap = scale.base
    left = pad + left_extra
    if legend_below and legends:
        band = max(size[1] for size in sizes)
        legend_top = height - footer_band - band  # under the plot and its axis labels
        bottom += band + gap
        column = (width - 2 * pad) / len(legends)
        legend_left = tuple(pad + i * column for i in range(len(legends)))
        right = pad + right_extra
        legend_bottom = legend_top + band
    else:
        column_width = max((size[0] for size in sizes), default=0.0)
        right = pad + right_extra + (column_width + gap if legends else 0.0)
        legend_left = tuple(width - pad - column_width for _ in legends)
        legend_top = top
        legend_bottom = height - bottom
    return PageFrame(
        width=width, height=height, type=scale, left=left, right=right, top=top, bottom=bottom,
        legend_below=legend_below, title_lines=tuple(title_lines), subtitle_lines=tuple(subtitle_lines),
        footer_lines=tuple(footer_lines), credit_lines=tuple(credit_lines), title_height=title_height,
        subtitle_gap=subtitle_gap, legend_top=legend_top, legend_left=legend_left,
        legend_bottom=legend_bottom,
    )


def legend_layout(frame: PageFrame, theme: Theme, index: int, block: LegendBlock) -> dict:
    """Layout of legend number ``index`` (container coordinates: independent of the margins)."""
    scale = frame.type
    x = frame.legend_left[index] / frame.width
    if frame.legend_below or index == 0:
        y, anchor = 1 - frame.legend_top / frame.height, "top"
    else:  # the second legend of a right-hand column sits at its bottom
        y, anchor = 1 - frame.legend_bottom / frame.height, "bottom"
    return dict(
        xref="container", yref="container", x=x, y=y, xanchor="left", yanchor=anchor,
        orientation="v", bgcolor="rgba(0,0,0,0)", borderwidth=0, itemsizing="constant",
        itemclick=False, itemdoubleclick=False, tracegroupgap=0, traceorder="normal",
        font=dict(size=scale.legend, color=theme.text_colour, family=theme.font_family),
        title=dict(text=escape_text(block.title), side="top",
                   font=dict(size=scale.legend, color=theme.muted_colour, family=theme.font_family)),
    )


def decorate(figure: go.Figure, context: ExportContext, request: ChartRequest, frame: PageFrame,
             theme: Theme) -> go.Figure:
    """Title, subtitle, footer (source line and credit), page size, margins and type.

    The user's text (title, credit, dataset names in the subtitle) is escaped: plotly reads
    ``<``/``>``/``&`` as markup.
    """
    scale = frame.type
    pad = scale.pad
    figure.update_layout(
        width=frame.width, height=frame.height, autosize=False,
        margin=dict(l=frame.left, r=frame.right, t=frame.top, b=frame.bottom, pad=0, autoexpand=False),
        paper_bgcolor=theme.paper_colour, plot_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=scale.tick, color=theme.text_colour),
        title=None, dragmode=False, hovermode="closest",
    )
    # Annotations sit at the plot area's corners, shifted by px into the margins.
    to_left_edge = -(frame.left - pad)
    to_right_edge = frame.right - pad
    common = dict(xref="paper", yref="paper", showarrow=False, align="left", borderpad=0,
                  xanchor="left", x=0, xshift=to_left_edge)
    annotations = [dict(
        **common, name="export-title", text=html_lines(list(frame.title_lines)), y=1, yanchor="top",
        yshift=frame.top - pad, font=dict(size=scale.title, color=theme.text_colour, weight="bold",
                                          family=theme.font_family),
    )]
    if frame.subtitle_lines:
        annotations.append(dict(
            **common, name="export-subtitle", text=html_lines(list(frame.subtitle_lines)), y=1,
            yanchor="top", yshift=frame.top - pad - frame.title_height - frame.subtitle_gap,
            font=dict(size=scale.subtitle, color=theme.muted_colour, family=theme.font_family),
        ))
    footer_shift = -(frame.bottom - pad)
    annotations.append(dict(
        **common, name="export-source", text=html_lines(list(frame.footer_lines)), y=0, yanchor="bottom",
        yshift=footer_shift, font=dict(size=scale.footer, color=theme.muted_colour, family=theme.font_family),
    ))
    if frame.credit_lines:
        annotations.append(dict(
            xref="paper", yref="paper", showarrow=False, borderpad=0, name="export-credit",
            text=html_lines(list(frame.credit_lines)), x=1, xanchor="right", xshift=to_right_edge,
            align="right", y=0, yanchor="bottom", yshift=footer_shift,
            font=dict(size=scale.footer, color=theme.muted_colour, family=theme.font_family),
        ))
    figure.update_layout(annotations=[*figure.layout.annotations, *annotations])
    return figure


def _no_events_note(context: ExportContext, frame: PageFrame, theme: Theme) -> dict:
    return dict(xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, name="export-empty",
                text=escape_text(translate("map.no_events", context.lang)),
                font=dict(size=frame.type.subtitle, color=theme.muted_colour, family=theme.font_family),
                bgcolor=theme.paper_colour, borderpad=6)


# ---- map ---------------------------------------------------------------------------------------
@functools.cache
def basemap_layer(name: str) -> dict:
    """A base-map GeoJSON from the repository's ``assets/basemap`` (read once)."""
    with (BASEMAP_DIR / f"{name}.geojson").open(encoding="utf-8") as handle:
        return json.load(handle)


def mercator_y(lat: np.ndarray | float) -> np.ndarray:
    """Mercator northing (radians) of latitude in degrees."""
    phi = np.radians(np.clip(lat, -MAX_LAT - 5, MAX_LAT + 5))
    return np.log(np.tan(np.pi / 4 + phi / 2))


def mercator_lat(y: float) -> float:
    """Latitude in degrees of a Mercator northing (radians)."""
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def fit_extent(longitude: np.ndarray, latitude: np.ndarray, aspect: float) -> tuple[float, float, float, float]:
    """The map box (west, south, east, north) around events, shaped to ``aspect`` (width / height).

    Every event is inside, except that from :data:`ROBUST_MIN_EVENTS` events on, an axis whose
    full span is over :data:`OUTLIER_SPAN_RATIO` times its 1st–99th percentile span uses the
    percentiles: one stray event does not shrink the rest to a dot. No events: Peru and Bolivia.
    """
    lon = np.asarray(longitude, dtype=np.float64)
    lat = np.asarray(latitude, dtype=np.float64)
    keep = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[keep], lat[keep]
    if lon.size == 0:
        west, south, east, north = DEFAULT_EXTENT
    else:
        west, east, south, north = lon.min(), lon.max(), lat.min(), lat.max()
        if lon.size >= ROBUST_MIN_EVENTS:
            # Leave out only far strays (a mis-geocoded row at 0°, 0°), never a real cluster's edge.
            r_west, r_east = np.percentile(lon, [1, 99])
            r_south, r_north = np.percentile(lat, [1, 99])
            if east - west > OUTLIER_SPAN_RATIO * max(r_east - r_west, MIN_SPAN_DEG):
                west, east = r_west, r_east
            if north - south > OUTLIER_SPAN_RATIO * max(r_north - r_south, MIN_SPAN_DEG):
                south, north = r_south, r_north
        span_x = max(east - west, MIN_SPAN_DEG)
        span_y = max(north - south, MIN_SPAN_DEG)
        cx, cy = (west + east) / 2, (south + north) / 2
        west, east = cx - span_x * (0.5 + EXTENT_PAD), cx + span_x * (0.5 + EXTENT_PAD)
        south, north = cy - span_y * (0.5 + EXTENT_PAD), cy + span_y * (0.5 + EXTENT_PAD)
    return shape_extent((west, south, east, north), aspect)


def shape_extent(extent: tuple[float, float, float, float], aspect: float) -> tuple[float, float, float, float]:
    """The smallest box shaped to ``aspect`` (width / height, in Mercator) that holds ``extent``.

    The short side grows about the centre; a box past the Mercator limit slides back inside it.
    """
    west, south, east, north = extent
    south, north = max(-MAX_LAT, south), min(MAX_LAT, north)
    # Shape the box to the plot: Mercator x is longitude in radians, y is mercator_y(latitude).
    x0, x1 = math.radians(west), math.radians(east)
    y0, y1 = float(mercator_y(south)), float(mercator_y(north))
    if (x1 - x0) / (y1 - y0) < aspect:
        half = (y1 - y0) * aspect / 2
        cx = (x0 + x1) / 2
        x0, x1 = cx - half, cx + half
    else:
        half = (x1 - x0) / aspect / 2
        cy = (y0 + y1) / 2
        y0, y1 = cy - half, cy + half
        limit = float(mercator_y(MAX_LAT))
        if y1 > limit:
            y0, y1 = y0 - (y1 - limit), limit
        if y0 < -limit:
            y0, y1 = -limit, y1 + (-limit - y0)
    west, east = math.degrees(x0), math.degrees(x1)
    if east - west > 360:
        west, east = -180.0, 180.0
    return west, mercator_lat(y0), east, mercator_lat(y1)


# MapLibre's world is 512 px wide at zoom 0 (its tiles are 512 px).
WEB_MAP_WORLD_PX = 512.0
SCREEN_MAP_PX = (1600, 700)  # the story editor's map, where a slide's view was set


def view_extent(lat: float, lon: float, zoom: float, width_px: float = SCREEN_MAP_PX[0],
                height_px: float = SCREEN_MAP_PX[1]) -> tuple[float, float, float, float]:
    """The box (west, south, east, north) a web map of ``width_px`` x ``height_px`` shows.

    A slide's view is a MapLibre centre and zoom; this is what the presenter saw, so the print
    map can show the same place at any page shape (with :func:`shape_extent`).
    """
    world = WEB_MAP_WORLD_PX * 2.0 ** float(zoom)
    half_lon = min(180.0, width_px / world * 180.0)
    half_y = height_px / world * math.pi  # the Mercator world is 2π high, as wide as it is high
    centre_y = float(mercator_y(lat))
    limit = float(mercator_y(MAX_LAT))
    south_y, north_y = max(-limit, centre_y - half_y), min(limit, centre_y + half_y)
    # The web map wraps round the date line; the print map does not: slide the box inside ±180°
    # so no event drops out of a wide view (the box keeps its width).
    west = min(max(lon - half_lon, -180.0), 180.0 - 2 * half_lon)
    return west, mercator_lat(south_y), west + 2 * half_lon, mercator_lat(north_y)


def geo_axis_ranges(extent: tuple[float, float, float, float]) -> tuple[list[float], list[float]]:
    """``lonaxis.range`` and ``lataxis.range`` that make plotly show exactly ``extent``.

    Plotly fits the map to a polygon whose east–west edges are four great-circle arcs each; an
    arc bows towards the pole, so the map would show more latitude than asked (and no longer
    fill the plot). Asking for the latitude whose arcs peak at the wanted edge undoes that:
    an arc between two points at latitude φ, δ apart, peaks where tan φ' = tan φ / cos(δ/2).
    """
    west, south, east, north = extent
    shrink = math.cos(math.radians(east - west) / 8)

    def towards_equator(lat: float) -> float:
        return math.degrees(math.atan(math.tan(math.radians(lat)) * shrink))

    return [west, east], [towards_equator(south) if south < 0 else south,
                          towards_equator(north) if north > 0 else north]


class MapProjection:
    """Page px of lon/lat inside the map box (for placing labels)."""

    def __init__(self, extent: tuple[float, float, float, float], frame: PageFrame) -> None:
        self.west, self.south, self.east, self.north = extent
        self.frame = frame
        self.y_north = float(mercator_y(self.north))
        self.y_south = float(mercator_y(self.south))

    def px(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fx = (np.asarray(lon, dtype=np.float64) - self.west) / (self.east - self.west)
        fy = (self.y_north - mercator_y(np.asarray(lat, dtype=np.float64))) / (self.y_north - self.y_south)
        return self.frame.left + fx * self.frame.plot_width, self.frame.top + fy * self.frame.plot_height

    @property
    def px_per_degree(self) -> float:
        return self.frame.plot_width / (self.east - self.west)


def _inside(lon: np.ndarray, lat: np.ndarray, extent: tuple[float, float, float, float],
            margin: float = 0.0) -> np.ndarray:
    west, south, east, north = extent
    return (lon >= west + margin) & (lon <= east - margin) & (lat >= south + margin) & (lat <= north - margin)


def _lines_of(features: list[dict]) -> tuple[list[float | None], list[float | None]]:
    """Outer rings and lines of GeoJSON features as one None-separated lon/lat path."""
    lon: list[float | None] = []
    lat: list[float | None] = []
    for feature in features:
        geometry = feature.get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates") or []
        parts = {"Polygon": coords, "MultiPolygon": [ring for poly in coords for ring in poly],
                 "LineString": [coords], "MultiLineString": coords}.get(kind, [])
        for part in parts:
            for x, y in part:
                lon.append(x)
                lat.append(y)
            lon.append(None)
            lat.append(None)
    return lon, lat


def _outline_trace(features: list[dict], *, colour: str, width: float, name: str) -> go.Scattergeo:
    lon, lat = _lines_of(features)
    return go.Scattergeo(lon=lon, lat=lat, mode="lines", line=dict(color=colour, width=width), name=name,
                         hoverinfo="skip", showlegend=False)


def _route_traces(routes: dict, theme: Theme, scale: TypeScale, lang: str) -> list[go.Scattergeo]:
    traces = []
    shown: set[str] = set()
    width = max(2.0, scale.base * 0.17)
    for feature in routes.get("features", []):
        props = feature["properties"]
        coords = np.asarray(feature["geometry"]["coordinates"], dtype=np.float64)
        key = f"{props['mode']}-{props['evidence']}"
        name = f"{label('mode', props['mode'], lang)} ({translate('map.' + props['evidence'], lang)})"
        documented = props["evidence"] == "documented"
        traces.append(go.Scattergeo(
            lon=coords[:, 0], lat=coords[:, 1], mode="lines", name=escape_text(name),
            line=dict(color=theme.route_colour(props["mode"]), width=width if documented else width * 0.9,
                      dash="solid" if documented else "dot"),
            opacity=0.9, legend="legend2", legendgroup=key, showlegend=key not in shown,
            hovertext=escape_text(f"{label('route', props['route_id'], lang)} — {props['leg_name']}"),
            hoverinfo="text",
        ))
        shown.add(key)
    return traces


def _vraem_trace(regions: dict, theme: Theme, scale: TypeScale, lang: str) -> go.Scattergeo | None:
    features = [f for f in regions.get("features", []) if (f.get("properties") or {}).get("kind") == "vraem"]
    if not features:
        return None
    lon, lat = _lines_of(features)
    return go.Scattergeo(
        lon=lon, lat=lat, mode="lines", fill="toself", fillcolor=_with_alpha(theme.vraem_colour, 0.12),
        line=dict(color=theme.vraem_colour, width=max(1.5, scale.base * 0.1)), legend="legend2",
        name=escape_text(translate("map.vraem", lang)), hoverinfo="name", showlegend=True,
    )


def _with_alpha(colour: str, alpha: float) -> str:
    value = colour.lstrip("#")
    red, green, blue = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def _event_traces(points: PointColumns, theme: Theme, scale: TypeScale, lang: str, *,
                  with_halo: bool) -> list[go.Scattergeo]:
    """Per type an exact-place and a paler approximate-place trace; rings round approximate places.

    The rings are px wide, like on screen: they only mean something when zoomed in, so wide
    views leave them out (the paler colour still marks approximate places).
    """
    factor = scale.base / 15.0  # marker_sizes is tuned for 13 px screen type; print needs less
    sizes = marker_sizes(points.quantity_kg, points.fatalities).astype(np.float32) * factor
    traces: list[go.Scattergeo] = []
    coarse = np.flatnonzero(~points.precise)
    if with_halo and 0 < coarse.size <= HALO_POINT_LIMIT:
        halo = np.array([HALO_SIZE[GEO_PRECISIONS[code]] for code in points.geo_precision_code[coarse]],
                        dtype=np.float32) * factor
        keep = halo > 0
        if keep.any():
            traces.append(go.Scattergeo(
                lon=points.longitude[coarse][keep], lat=points.latitude[coarse][keep], mode="markers",
                marker=dict(size=halo[keep], color=theme.muted_colour, opacity=0.22, line=dict(width=0)),
                name=escape_text(translate("map.approximate", lang)), hoverinfo="skip", legendrank=2000,
            ))
    for code, event_type in enumerate(EVENT_TYPES):
        of_type = points.type_code == code
        in_legend = bool(of_type.any())
        name = escape_text(label("event_type", event_type, lang))
        for precise, opacity in ((True, 0.92), (False, 0.55)):
            selected = np.flatnonzero(of_type & (points.precise == precise))
            if not selected.size:
                continue
            traces.append(go.Scattergeo(
                lon=points.longitude[selected], lat=points.latitude[selected], mode="markers",
                marker=dict(size=sizes[selected], color=EVENT_COLOURS[event_type], opacity=opacity,
                            line=dict(color=theme.marker_line_colour, width=max(0.6, factor * 0.6))),
                name=name, legendgroup=event_type, showlegend=in_legend, legendrank=1000 + code,
                hovertemplate=f"{name}<extra></extra>",
            ))
            in_legend = False
    return traces


def _ring_trace(rings: tuple[tuple[float, float], ...], extent: tuple[float, float, float, float],
                theme: Theme, scale: TypeScale) -> go.Scattergeo:
    """Open circles round highlighted events (outside the view: left out)."""
    lon = np.array([r[0] for r in rings], dtype=np.float64)
    lat = np.array([r[1] for r in rings], dtype=np.float64)
    keep = _inside(lon, lat, extent)
    return go.Scattergeo(lon=lon[keep], lat=lat[keep], mode="markers", name="highlight", showlegend=False,
                         hoverinfo="skip", marker=dict(symbol="circle-open", size=scale.base * 1.9,
                                                       color=theme.text_colour,
                                                       line=dict(width=max(1.5, scale.base * 0.16))))


def _cell_size(projection: MapProjection) -> float:
    ideal = CELL_TARGET_PX / projection.px_per_degree
    return min(CELL_SIZES, key=lambda size: (abs(math.log(size / ideal)), size))


def _cell_trace(cells: GridBins, projection: MapProjection, frame: PageFrame, theme: Theme,
                lang: str) -> go.Scattergeo:
    inside = _inside(cells.longitude, cells.latitude, (projection.west, projection.south,
                                                       projection.east, projection.north))
    counts = cells.counts[inside].astype(np.int64)
    top = max(1.0, math.log10(float(counts.max()))) if counts.size else 1.0
    ticks = list(range(int(top) + 1))
    scale = frame.type
    size_px = max(4.0, cells.cell_deg * projection.px_per_degree * 0.92)
    # Paper coordinates (plotly maps a container-referenced colour bar's y oddly); the bar starts
    # below its title, which is an annotation (a colour bar's own title overlaps a short bar).
    bar_top = frame.legend_top + scale.legend * 1.8
    colourbar = dict(xref="paper", yref="paper", x=(frame.legend_left[0] - frame.left) / frame.plot_width,
                     xanchor="left", y=1 - (bar_top - frame.top) / frame.plot_height, yanchor="top",
                     lenmode="pixels", thickness=scale.base, xpad=0, ypad=0)
    if frame.legend_below:
        colourbar.update(orientation="h", len=min(frame.plot_width / 2 - scale.base, 14 * scale.base))
    else:
        colourbar.update(orientation="v", len=min(frame.plot_height * 0.45, 10 * scale.base))
    return go.Scattergeo(
        lon=cells.longitude[inside], lat=cells.latitude[inside], mode="markers",
        marker=dict(symbol="square", size=size_px, opacity=0.8, line=dict(width=0),
                    color=np.log10(np.maximum(counts, 1)), colorscale=CELL_COLOURSCALE, cmin=0, cmax=top,
                    colorbar=dict(**colourbar, title=dict(text=""),
                                  tickvals=ticks, ticktext=[format_number(10 ** t, lang) for t in ticks],
                                  tickfont=dict(size=scale.legend, color=theme.text_colour),
                                  outlinewidth=0, bgcolor="rgba(0,0,0,0)")),
        customdata=counts, hovertemplate="%{customdata}<extra></extra>",
        name=escape_text(translate("map.cells", lang)), showlegend=False,
    )


@dataclass(frozen=True)
class PlaceLabels:
    """Place names chosen for a view: dots drawn under the events, names drawn on top."""

    dots: list[go.Scattergeo]
    names: list[go.Scattergeo]


def _label_features(name: str) -> list[dict]:
    features = basemap_layer(name)["features"]
    # Capitals first, so a crowded view still names them.
    return sorted(features, key=lambda f: f["properties"].get("name") not in LABEL_PRIORITY)


def place_labels(extent: tuple[float, float, float, float], projection: MapProjection, theme: Theme,
                 scale: TypeScale) -> PlaceLabels:
    """Place and river names inside the view, most important first, none overlapping another.

    Each name goes right of its place, or left when the right is taken; a name that fits
    neither side is left out (finer places are only offered when the view is narrow).
    """
    span = extent[2] - extent[0]
    layers = [("labels-rank1", theme.text_colour, scale.place, False)]
    if span <= RANK2_MAX_SPAN_DEG:
        layers.append(("labels-rank2", theme.muted_colour, round(scale.place * 0.92), False))
    if span <= RIVER_MAX_SPAN_DEG:
        layers.append(("labels-rivers", theme.river_label_colour, round(scale.place * 0.9), True))
    frame = projection.frame
    # A halo in the land colour keeps names readable over lines and markers.
    halo = f"0px 0px 2px {theme.land_colour}, 0px 0px 3px {theme.land_colour}"
    plot_box = (frame.left, frame.top, frame.left + frame.plot_width, frame.top + frame.plot_height)
    placed: list[tuple[float, float, float, float]] = []
    result = PlaceLabels(dots=[], names=[])
    for layer, colour, size, is_river in layers:
        names, lons, lats, positions = [], [], [], []
        for feature in _label_features(layer):
            lon, lat = feature["geometry"]["coordinates"][:2]
            if not _inside(np.array([lon]), np.array([lat]), extent, span * 0.01)[0]:
                continue
            text = str(feature["properties"].get("name", ""))
            px, py = projection.px(np.array([lon]), np.array([lat]))
            x, y = float(px[0]), float(py[0])
            width, height = text_width(text, size) + 6, size * 1.3
            if is_river:
                options = [("middle center", (x - width / 2, y - height / 2, x + width / 2, y + height / 2))]
            else:
                options = [("top right", (x - 2, y - height - 2, x + width, y + 2)),
                           ("top left", (x - width, y - height - 2, x + 2, y + 2))]
            for position, box in options:
                fits = plot_box[0] <= box[0] and box[2] <= plot_box[2] and plot_box[1] <= box[1]
                if fits and not any(_overlaps(box, other) for other in placed):
                    placed.append(box)
                    names.append(escape_text(text))
                    lons.append(lon)
                    lats.append(lat)
                    positions.append(position)
                    break
        if not names:
            continue
        if not is_river:
            result.dots.append(go.Scattergeo(
                lon=lons, lat=lats, mode="markers", hoverinfo="skip", showlegend=False, name=f"{layer}-dots",
                marker=dict(size=max(4.0, scale.base * 0.3), color=theme.text_colour,
                            line=dict(width=1, color=theme.paper_colour)),
            ))
        result.names.append(go.Scattergeo(
            lon=lons, lat=lats, text=names, mode="text", textposition=positions, name=layer,
            textfont=dict(size=size, color=colour, family=theme.font_family, shadow=halo,
                          style="italic" if is_river else "normal"),
            hoverinfo="skip", showlegend=False,
        ))
    return result


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _route_legend_labels(routes: dict, regions: dict, lang: str) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for feature in routes.get("features", []):
        props = feature["properties"]
        key = f"{props['mode']}-{props['evidence']}"
        seen.setdefault(key, f"{label('mode', props['mode'], lang)} ({translate('map.' + props['evidence'], lang)})")
    labels = list(seen.values())
    if any((f.get("properties") or {}).get("kind") == "vraem" for f in regions.get("features", [])):
        labels.append(translate("map.vraem", lang))
    return tuple(labels)


def build_map(store: EventStore, spec: FilterSpec, request: ChartRequest, context: ExportContext, *,
              routes: dict, regions: dict, max_points: int = EXPORT_MAX_POINTS,
              extent: tuple[float, float, float, float] | None = None, left_extra: float = 0.0,
              rings: tuple[tuple[float, float], ...] = ()) -> go.Figure:
    """The event map on a Mercator geo projection, fitted to the matching events.

    Up to ``max_points`` matching events are drawn as points coloured by type (sized by kg or
    deaths, approximate places paler with a halo); above it, grid cells coloured by count.

    Parameters
    ----------
    extent
        Show this box (west, south, east, north; grown to the plot's shape) instead of fitting
        the events: a story slide's saved view.
    left_extra
        Room (px) kept free left of the map, e.g. for a column of text.
    rings
        (lon, lat) of events to ring (a slide's highlighted events).
    """
    theme = export_theme(request.theme)
    lang = context.lang
    total = store.count(spec)
    use_cells = total > max_points
    if use_cells:
        # Extent from coarse cells (cheap at any N), weighted enough by their presence.
        coarse = store.bins(spec, 1.0)
        lon_sample, lat_sample = coarse.longitude, coarse.latitude
        points = None
    else:
        points = store.points(spec, max(1, total))
        lon_sample, lat_sample = points.longitude, points.latitude
    route_block = LegendBlock(title=translate("map.routes", lang), labels=_route_legend_labels(routes, regions, lang))

    def blocks_for(with_halo: bool) -> tuple[LegendBlock, ...]:
        if use_cells:
            return (LegendBlock(title=f"{translate('map.cell_scale', lang)} (0.05°)", labels=(), colourbar=True),
                    route_block)
        assert points is not None
        present = sorted(set(points.type_code.tolist()))
        labels = tuple(label("event_type", EVENT_TYPES[code], lang) for code in present)
        if with_halo and (~points.precise).any():
            labels += (translate("map.approximate", lang),)
        events = LegendBlock(title=translate("breakdown.event_type", lang), labels=labels)
        return (events, route_block) if labels else (route_block,)

    # The halo rings (and their legend entry) depend on the extent, which depends on the legend's
    # room: lay out with the entry, then again without it if the view turned out wide.
    wanted = extent

    def extent_for(frame: PageFrame) -> tuple[float, float, float, float]:
        aspect = frame.plot_width / frame.plot_height
        return fit_extent(lon_sample, lat_sample, aspect) if wanted is None else shape_extent(wanted, aspect)

    blocks = blocks_for(with_halo=True)
    frame = page_frame(request, context, blocks, left_extra=left_extra)
    extent = extent_for(frame)
    with_halo = extent[2] - extent[0] <= HALO_MAX_SPAN_DEG
    if not with_halo and blocks != blocks_for(with_halo=False):
        blocks = blocks_for(with_halo=False)
        frame = page_frame(request, context, blocks, left_extra=left_extra)
        extent = extent_for(frame)
    has_events = len(blocks) == 2
    projection = MapProjection(extent, frame)
    scale = frame.type

    traces: list[go.Scattergeo] = []
    departments = basemap_layer("departments")["features"]
    if extent[2] - extent[0] <= RIVER_MAX_SPAN_DEG * 2:
        traces.append(_outline_trace(basemap_layer("rivers")["features"], colour=theme.river_colour,
                                     width=max(0.8, scale.base * 0.06), name="rivers"))
    traces.append(_outline_trace(departments, colour=theme.region_colour, width=max(0.6, scale.base * 0.05),
                                 name="departments"))
    vraem = _vraem_trace(regions, theme, scale, lang)
    if vraem is not None:
        traces.append(vraem)
    traces.extend(_route_traces(routes, theme, scale, lang))
    labels = place_labels(extent, projection, theme, scale)
    traces.extend(labels.dots)
    if use_cells:
        cells = store.bins(spec, _cell_size(projection))
        traces.append(_cell_trace(cells, projection, frame, theme, lang))
        cell_title = f"{translate('map.cell_scale', lang)} ({cells.cell_deg:g}°)"
    else:
        assert points is not None
        inside = np.flatnonzero(_inside(points.longitude, points.latitude, extent))
        shown = PointColumns(row=points.row[inside], latitude=points.latitude[inside],
                             longitude=points.longitude[inside], type_code=points.type_code[inside],
                             precise=points.precise[inside], geo_precision_code=points.geo_precision_code[inside],
                             quantity_kg=points.quantity_kg[inside], fatalities=points.fatalities[inside],
                             total=points.total)
        traces.extend(_event_traces(shown, theme, scale, lang, with_halo=with_halo))
    if rings:
        traces.append(_ring_trace(rings, extent, theme, scale))
    traces.extend(labels.names)

    figure = go.Figure(traces)
    lon_range, lat_range = geo_axis_ranges(extent)
    figure.update_geos(
        projection=dict(type="mercator"), lonaxis=dict(range=lon_range, showgrid=False),
        lataxis=dict(range=lat_range, showgrid=False), fitbounds=False,
        resolution=50 if extent[2] - extent[0] <= COARSE_OUTLINE_SPAN_DEG else 110,
        showland=True, landcolor=theme.land_colour, showocean=True, oceancolor=theme.water_colour,
        showlakes=True, lakecolor=theme.water_colour, showcountries=True, countrycolor=theme.border_colour,
        countrywidth=max(0.8, scale.base * 0.06), showcoastlines=True, coastlinecolor=theme.border_colour,
        coastlinewidth=max(0.6, scale.base * 0.05), showframe=True, framecolor=theme.border_colour,
        framewidth=1, bgcolor=theme.paper_colour, showrivers=False, showsubunits=False,
        domain=dict(x=[0, 1], y=[0, 1]),
    )
    # Events in "legend" (or the cells' colour bar), routes and the VRAEM in "legend2".
    layout = {"legend2": legend_layout(frame, theme, len(blocks) - 1, route_block)}
    if has_events and not use_cells:
        layout["legend"] = legend_layout(frame, theme, 0, blocks[0])
    figure.update_layout(**layout, showlegend=True)
    if use_cells:
        # The colour bar's own title would overlap its bar: it is written like a legend title.
        figure.add_annotation(
            xref="paper", yref="paper", x=(frame.legend_left[0] - frame.left) / frame.plot_width, xanchor="left",
            y=1, yanchor="top", yshift=frame.top - frame.legend_top, showarrow=False, borderpad=0,
            name="export-cell-scale", text=escape_text(cell_title),
            font=dict(size=scale.legend, color=theme.muted_colour, family=theme.font_family))
    if total == 0:
        figure.add_annotation(_no_events_note(context, frame, theme))
    return decorate(figure, context, request, frame, theme)


# ---- timeline and breakdown --------------------------------------------------------------------
def build_timeline_chart(store: EventStore, spec: FilterSpec, request: ChartRequest,
                         context: ExportContext) -> go.Figure:
    """Stacked bars of events per day/week/month/year by type, with a legend, for print."""
    theme = export_theme(request.theme)
    lang = context.lang
    histogram = store.histogram(spec)
    figure = build_timeline(histogram, lang=lang, theme=theme)
    names = tuple(trace.name for trace in figure.data)
    scale = type_scale(request)
    peak = int(histogram.counts.sum(axis=0).max()) if histogram.counts.size else 0
    tick_width = text_width(format_number(peak, lang), scale.tick) + scale.tick
    blocks = (LegendBlock(title=translate("breakdown.event_type", lang), labels=names),) if names else ()
    # The unit ("Events per year") reads across, above the y axis, as in print graphics.
    unit_height = scale.tick * 1.8
    frame = page_frame(request, context, blocks, left_extra=tick_width, bottom_extra=scale.tick * 1.8,
                       top_extra=unit_height)
    figure.update_traces(marker_line_width=0, hoverlabel=dict(font_size=scale.tick))
    figure.update_layout(
        title=None, showlegend=bool(names), dragmode=False, selectdirection=None, bargap=0.12,
        xaxis=dict(type="date", showgrid=False, automargin=False, ticks="outside", ticklen=4,
                   tickcolor=theme.border_colour, linecolor=theme.border_colour, showline=True,
                   tickfont=dict(size=scale.tick, color=theme.text_colour)),
        yaxis=dict(automargin=False, gridcolor=theme.grid_colour, zeroline=False, rangemode="tozero",
                   tickfont=dict(size=scale.tick, color=theme.text_colour), tickformat=",d",
                   dtick=1 if peak <= SMALL_COUNT else None),
        shapes=[],
    )
    figure.add_annotation(
        xref="paper", yref="paper", x=0, xanchor="left", xshift=-tick_width, y=1, yanchor="bottom",
        yshift=scale.tick * 0.6, showarrow=False, borderpad=0, name="export-axis-unit",
        text=escape_text(translate(f"timeline.{histogram.unit}", lang)),
        font=dict(size=scale.tick, color=theme.muted_colour, family=theme.font_family),
    )
    if blocks:
        figure.update_layout(legend=legend_layout(frame, theme, 0, blocks[0]))
    if not histogram.counts.any():
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        figure.layout.annotations = [a for a in figure.layout.annotations if a.name != "export-axis-unit"]
        figure.add_annotation(_no_events_note(context, frame, theme))
    return decorate(figure, context, request, frame, theme)


MAX_BAR_LINES = 3.5  # thickest bar, in lines of tick type


def build_breakdown_chart(store: EventStore, spec: FilterSpec, request: ChartRequest,
                          context: ExportContext) -> go.Figure:
    """Horizontal bars by event type, actor group or country, largest at the top, for print."""
    theme = export_theme(request.theme)
    lang = context.lang
    breakdown = store.breakdown(spec, request.breakdown_field)
    figure = build_breakdown(breakdown, lang=lang, theme=theme)
    scale = type_scale(request)
    labels = [str(value) for value in figure.data[0].y] if len(breakdown.labels) else []
    for trace in figure.data:  # category labels are data (dataset values): escape them
        trace.y = [escape_text(value) for value in labels]
    label_width = max((text_width(text, scale.tick) for text in labels), default=0.0) + scale.tick
    peak = int(breakdown.counts.max()) if len(breakdown.counts) else 0
    value_width = text_width(format_number(peak, lang), scale.tick) + scale.tick
    frame = page_frame(request, context, (), left_extra=label_width, right_extra=value_width,
                       bottom_extra=scale.tick * 3.4)
    bar_colour = theme.muted_colour if breakdown.field != "event_type" else None
    figure.update_traces(
        textfont=dict(size=scale.tick, color=theme.text_colour), texttemplate="%{x:,d}",
        marker_line=dict(color=theme.marker_line_colour, width=1 if theme is EXPORT_DARK else 0),
        hoverlabel=dict(font_size=scale.tick),
    )
    if bar_colour is not None:
        figure.update_traces(marker_color=theme.muted_colour if theme is EXPORT_DARK else "#4b5a6a")
    # Bars no thicker than a few lines of type: one or two categories must not fill the page.
    plot_height = frame.height - frame.top - frame.bottom
    slot = plot_height / max(len(breakdown.labels), 1)
    bargap = min(0.9, max(0.28, 1 - MAX_BAR_LINES * scale.tick / max(slot, 1.0)))
    figure.update_layout(
        height=frame.height, showlegend=False, bargap=bargap,
        xaxis=dict(automargin=False, gridcolor=theme.grid_colour, zeroline=False, tickformat=",d",
                   dtick=1 if peak <= SMALL_COUNT else None,
                   tickfont=dict(size=scale.tick, color=theme.text_colour), rangemode="tozero",
                   title=dict(text=escape_text(translate("breakdown.count", lang)), standoff=10,
                              font=dict(size=scale.tick, color=theme.muted_colour))),
        yaxis=dict(automargin=False, tickfont=dict(size=scale.tick, color=theme.text_colour), ticksuffix=" "),
    )
    if not len(breakdown.counts):
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        figure.add_annotation(_no_events_note(context, frame, theme))
    return decorate(figure, context, request, frame, theme)


def build_export_figure(store: EventStore, spec: FilterSpec, request: ChartRequest, context: ExportContext, *,
                        routes: dict, regions: dict, max_points: int = EXPORT_MAX_POINTS) -> go.Figure:
    """The chart ``request`` asks for, framed for export at ``request.pixels``.

    Parameters
    ----------
    store, spec
        Where the events come from and which of them to draw.
    request
        Chart kind, size preset, theme and breakdown field.
    context
        Title, subtitle, source line and credit (already written; drawn as given, escaped).
    routes, regions
        Reference layers: route legs (GeoJSON lines) and regions (the VRAEM polygon).
    max_points
        Most events the map draws as points; above it, grid cells.
    """
    kind = ChartKind(request.chart)
    if kind is ChartKind.MAP:
        return build_map(store, spec, request, context, routes=routes, regions=regions, max_points=max_points)
    if kind is ChartKind.TIMELINE:
        return build_timeline_chart(store, spec, request, context)
    return build_breakdown_chart(store, spec, request, context)
