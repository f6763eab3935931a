"""The selected indicator under the timeline, and its marks on the map (pure: no Dash).

The chart is one small multiple per place (and drug form) of the series, on one date axis that
follows the timeline's date range. Each reported value is a marker with its source on hover;
where two sources give a year two values, both markers are drawn, joined by a range line; a year
with no value is a gap in the guide line, never a zero. A method break (Peru's coca monitoring,
DEVIDA-led from 2018) is a dashed vertical line with a label in the panels of its country.
The title names the unit, the last line the publishers of the values shown.

On the map the series is drawn for one year (the last of the date range) as circles whose area
is the value (:func:`indicator_marks`), in one map layer (``event_map.indicator_layer``), with a
legend line that states the year and the unit (:func:`indicator_legend`).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

from ..data.indicators import IndicatorCatalog, IndicatorValue, Panel, SeriesInfo, disagreeing_years
from ..data.language import DEFAULT_LANGUAGE
from ..i18n import format_number, label, translate, translate_count
from . import unchecked
from .page_frame import Page, PageText, decorate, page_frame, with_note
from .place_names import place_name
from .theme import SCREEN, Theme
from .timeline import number_separators

LABELS_DIR = Path(__file__).resolve().parents[2] / "assets" / "basemap"  # place names per language
INDICATOR_COLOUR = "#D55E00"  # Okabe–Ito vermillion: apart from the event and route hues
PANEL_PX = 74
HEADER_PX = 34
AXIS_PX = 26  # the date axis' labels under the last panel
LINE_PX = 14  # one line of the footer (symbols, sources) at the screen's type; larger type, taller lines
LINE_HEIGHT_EMS = 1.4  # a footer line's height, in ems of its type
CHAR_WIDTH_EMS = 0.58  # an average character's width in the footer's type (DejaVu Sans), for wrapping
PANEL_GAP = 0.045  # of the plot height, between two panels
FOOTER_NAME = "indicator-footer"  # the chart's own footer (symbols, sources): a printed page has its own
FOOTER_LINE_CHARS = 120  # a source line's characters per line (the chart is ~800 px wide)
MAX_SOURCE_NAMES = 6  # publishers named on the source line before "and N more"
QUOTE_CHARS = 160  # of a quote shown on hover
SYMBOLS = {"plain": "circle", "approximate": "circle-open", "lower_bound": "triangle-up", "partial": "square-open"}
# Largest circle radius on the map (km), for the largest value of the series in any year: ports sit
# close together (Antwerp–Rotterdam ~100 km), countries and zones far apart.
PORT_MAX_RADIUS_KM = 80.0
AREA_MAX_RADIUS_KM = 300.0


def _scatter(**properties: object) -> go.Scatter:
    return go.Scatter(**properties, _validate=False)  # as figures.unchecked: tests validate the whole figure


def series_title(info: SeriesInfo, lang: str = DEFAULT_LANGUAGE) -> str:
    """A bundled series' title in ``lang``; an imported series keeps the title its file gives."""
    key = f"indicator.series.{info.series_id}"
    text = translate(key, lang)
    return info.title if text == key else text


def unit_name(unit: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return translate(f"indicator.unit.{unit}", lang)


@lru_cache(maxsize=8)
def _port_names(lang: str) -> dict[str, str]:
    """Each port's name in ``lang`` from the base map's label files (Antwerp → Amberes)."""
    names: dict[str, str] = {}
    for layer in ("labels-rank1", "labels-rank2", "labels-rank3"):
        path = LABELS_DIR / f"{layer}.geojson"
        features = json.loads(path.read_text(encoding="utf-8"))["features"] if path.exists() else []
        for feature in features:
            properties = feature.get("properties") or {}
            if properties.get("kind") == "port" and properties.get("name"):
                names[str(properties["name"])] = place_name(properties, lang)
    return names


def panel_name(panel: Panel, lang: str = DEFAULT_LANGUAGE) -> str:
    """"Peru", "VRAEM", "Antwerp" (Amberes in Spanish), "Peru · cocaine paste"."""
    if panel.place_kind == "country":
        place = label("country", panel.place_code, lang)
    elif panel.place_kind == "port":
        place = _port_names(lang).get(panel.place_code, panel.place_code)
    else:
        place = panel.place_code
    if panel.drug_form in ("", "all_drugs", "cocaine"):
        return place
    return f"{place} · {translate(f'indicator.form.{panel.drug_form}', lang)}"


def value_text(value: IndicatorValue, lang: str = DEFAULT_LANGUAGE) -> str:
    """The value as read: grouped digits, "~" when approximate, "≥" when the source gives a minimum."""
    decimals = 0 if float(value.value).is_integer() else 2
    shown = format_number(value.value, lang, decimals=decimals)
    if value.is_lower_bound:
        return f"≥{shown}"
    return f"~{shown}" if value.approximate else shown


def symbol_of(value: IndicatorValue) -> str:
    if value.is_lower_bound:
        return SYMBOLS["lower_bound"]
    if value.partial_period:
        return SYMBOLS["partial"]
    return SYMBOLS["approximate"] if value.approximate else SYMBOLS["plain"]


def hover_text(value: IndicatorValue, panel_label: str, lang: str = DEFAULT_LANGUAGE, *, disputed: bool = False) -> str:
    """Value, flags and source of one marker (every text from data escaped)."""
    flags = []
    if value.approximate:
        flags.append(translate("indicator.flag.approximate", lang))
    if value.is_lower_bound:
        flags.append(translate("indicator.flag.lower_bound", lang))
    if value.partial_period:
        end = value.period_end.isoformat() if value.period_end else "?"
        flags.append(translate("indicator.flag.partial", lang, end=end))
    if disputed:
        flags.append(translate("indicator.flag.disputed", lang))
    if value.method_break:
        flags.append(translate("indicator.method_break", lang))
    quote = value.quote if len(value.quote) <= QUOTE_CHARS else value.quote[:QUOTE_CHARS - 1] + "…"
    quote_key = "indicator.hover.quote" if value.quote_verbatim else "indicator.hover.paraphrase"
    lines = [f"<b>{html.escape(panel_label)} {value.year}: {html.escape(value_text(value, lang))} "
             f"{html.escape(unit_name(value.unit, lang))}</b>",
             html.escape(translate("indicator.hover.printed", lang, text=value.as_printed)),
             html.escape(value.report),
             html.escape(translate(quote_key, lang, quote=quote))]
    if flags:
        lines.append(html.escape(" · ".join(flags)))
    return "<br>".join(lines)


def _year_x(year: int) -> str:
    return f"{year:04d}-07-01"  # a year's mark sits mid-year, between the timeline's year ticks


def chart_span(series: Sequence[IndicatorValue], date_range: tuple[date, date] | None,
               events_span: tuple[date, date] | None) -> tuple[date, date] | None:
    """The chart's date axis: the brushed range; without one, the events' span and the series' years."""
    if date_range is not None:
        return date_range
    bounds = [date(min(v.year for v in series), 1, 1), date(max(v.year for v in series), 12, 31)] if series else []
    if events_span is not None:
        bounds += list(events_span)
    return (min(bounds), max(bounds)) if bounds else None


def publishers_shown(values: Sequence[IndicatorValue], lang: str = DEFAULT_LANGUAGE,
                     max_names: int | None = MAX_SOURCE_NAMES) -> str:
    """The source line: every publisher of the values drawn, first seen first; on screen the tail
    is counted (``max_names``), an export names them all (``None``)."""
    names = list(dict.fromkeys(v.publisher for v in values))
    shown = "; ".join(names[:max_names] if max_names is not None else names)
    if max_names is not None and len(names) > max_names:
        shown += " " + translate_count("indicator.more_sources", len(names) - max_names, lang)
    return translate("indicator.sources", lang, publishers=shown)


def build_indicator_chart(catalog: IndicatorCatalog, series_id: str, *, lang: str = DEFAULT_LANGUAGE,
                          theme: Theme = SCREEN, date_range: tuple[date, date] | None = None,
                          events_span: tuple[date, date] | None = None,
                          max_sources: int | None = MAX_SOURCE_NAMES, width: int | None = None) -> go.Figure:
    """Small multiples of one series, one panel per place, on the timeline's date range.

    Parameters
    ----------
    catalog, series_id
        The loaded series and the one to draw (an unknown id draws an empty frame that says so).
    date_range
        The filter's date range (the timeline's brush); None shows every year of the series and
        the events' span (``events_span``).
    max_sources
        Publishers named on the source line before the rest are counted; None names every one
        (exports).
    width
        The figure's width in px when known (a file, a slide): the footer wraps to it; None wraps
        at :data:`FOOTER_LINE_CHARS` (the screen's panel).
    """
    info = catalog.info(series_id)
    if info is None:
        return unchecked.figure([], layout=_frame(theme, lang, translate("indicator.unknown", lang), 1, "", [], width))
    series = catalog.series_values(series_id)
    span = chart_span(series, date_range, events_span)
    first_year, last_year = (span[0].year, span[1].year) if span else (info.first_year, info.last_year)
    panels = info.panels
    traces: list = []
    shapes: list[dict] = []
    annotations: list[dict] = []
    axes: dict[str, dict] = {}
    shown_values: list[IndicatorValue] = []
    labelled: set[int] = set()
    height = 1.0 - PANEL_GAP * (len(panels) - 1)
    panel_height = height / len(panels)
    for index, panel in enumerate(panels):
        axis = "y" if index == 0 else f"y{index + 1}"
        top = 1.0 - index * (panel_height + PANEL_GAP)
        domain = [max(0.0, top - panel_height), top]
        by_year = {year: values for year, values in catalog.by_year(series_id, panel).items()
                   if first_year <= year <= last_year}
        disputed = set(disagreeing_years(by_year))
        shown_values += [v for values in by_year.values() for v in values]
        name = panel_name(panel, lang)
        traces += _panel_traces(by_year, disputed, axis, name, lang)
        axes[f"yaxis{'' if index == 0 else index + 1}"] = {
            "domain": domain, "anchor": "x", "rangemode": "tozero", "tickformat": "~s", "nticks": 3,
            "gridcolor": theme.grid_colour, "fixedrange": True, "zeroline": False}
        annotations.append({"text": f"<b>{html.escape(name)}</b>", "xref": "paper", "yref": f"{axis} domain",
                            "x": 0.0, "y": 1.0, "xanchor": "left", "yanchor": "top", "showarrow": False,
                            "font": {"size": theme.font_size - 2, "color": theme.text_colour},
                            "bgcolor": theme.paper_colour})  # the theme's own ground: readable on dark too
        if not by_year:
            annotations.append({"text": translate("indicator.no_values", lang), "xref": "paper",
                                "yref": f"{axis} domain", "x": 0.5, "y": 0.5, "showarrow": False,
                                "font": {"size": theme.font_size - 2, "color": theme.muted_colour}})
        for year in catalog.break_years(series_id, panel.country):
            if first_year <= year <= last_year:
                shapes.append({"type": "line", "xref": "x", "yref": f"{axis} domain", "x0": f"{year}-01-01",
                               "x1": f"{year}-01-01", "y0": 0, "y1": 1,
                               "line": {"color": theme.text_colour, "width": 1.2, "dash": "dash"}})
                if year not in labelled:  # named once, in its first panel, left of the line (the
                    labelled.add(year)  # years after a break are the latest: the right edge is full)
                    annotations.append({"text": translate("indicator.method_break_label", lang, year=year),
                                        "xref": "x", "yref": f"{axis} domain", "x": f"{year}-01-01", "y": 1.0,
                                        "xanchor": "right", "yanchor": "top", "showarrow": False,
                                        "font": {"size": theme.font_size - 3, "color": theme.text_colour}})
    title = translate("indicator.chart_title", lang, title=series_title(info, lang), unit=unit_name(info.unit, lang))
    layout = _frame(theme, lang, title, len(panels), publishers_shown(shown_values, lang, max_sources), shown_values,
                    width)
    layout.update(axes)
    layout["shapes"] = shapes
    layout["annotations"] = [*annotations, *layout["annotations"]]
    if span is not None:
        layout["xaxis"]["range"] = [span[0].isoformat(), span[1].isoformat()]
    return unchecked.figure(traces, layout=layout)


def _panel_traces(by_year: Mapping[int, Sequence[IndicatorValue]], disputed: set[int], axis: str, name: str,
                  lang: str) -> list:
    """A guide line with gaps, range lines for disputed years, and one marker per reported value."""
    if not by_year:
        return []
    years = range(min(by_year), max(by_year) + 1)
    guide = [(_year_x(y), _middle(by_year[y]) if y in by_year else None) for y in years]
    ranges_x: list = []
    ranges_y: list = []
    for year in sorted(disputed):
        values = [v.value for v in by_year[year]]
        ranges_x += [_year_x(year), _year_x(year), None]
        ranges_y += [min(values), max(values), None]
    values = [v for year in by_year for v in by_year[year]]
    common = {"yaxis": axis, "xaxis": "x", "showlegend": False}
    return [
        _scatter(x=[x for x, _ in guide], y=[y for _, y in guide], mode="lines", connectgaps=False,
                          line={"color": INDICATOR_COLOUR, "width": 1.2}, opacity=0.45, hoverinfo="skip", **common),
        _scatter(x=ranges_x, y=ranges_y, mode="lines", line={"color": INDICATOR_COLOUR, "width": 3},
                          hoverinfo="skip", **common),
        _scatter(x=[_year_x(v.year) for v in values], y=[v.value for v in values], mode="markers",
                          marker={"color": INDICATOR_COLOUR, "size": 7, "symbol": [symbol_of(v) for v in values],
                                  "line": {"color": INDICATOR_COLOUR, "width": 1.5}},
                          hovertext=[hover_text(v, name, lang, disputed=v.year in disputed) for v in values],
                          hoverinfo="text", name=name, **common),
    ]


def _middle(values: Sequence[IndicatorValue]) -> float:
    """Where the guide line passes in a year: its one value, or the middle of two sources' range."""
    numbers = [v.value for v in values]
    return (min(numbers) + max(numbers)) / 2


def _frame(theme: Theme, lang: str, title: str, panels: int, source_line: str,
           values: Sequence[IndicatorValue], width: int | None = None) -> dict:
    footer_type = theme.font_size - 3
    chars = FOOTER_LINE_CHARS if width is None else max(30, int((width - 50) / (CHAR_WIDTH_EMS * footer_type)))
    lines = [html.escape(line, quote=False) for line in (_symbol_key(values, lang), *wrapped(source_line, chars))
             if line]
    line_px = max(LINE_PX, round(LINE_HEIGHT_EMS * footer_type))
    footer_px = AXIS_PX + line_px * len(lines)
    return {
        "height": HEADER_PX + PANEL_PX * panels + footer_px,
        "margin": {"l": 40, "r": 10, "t": HEADER_PX, "b": footer_px},
        "title": {"text": html.escape(title), "font": {"size": theme.font_size}, "x": 0.01, "y": 0.99,
                  "yanchor": "top"},
        "showlegend": False, "paper_bgcolor": theme.paper_colour, "plot_bgcolor": theme.paper_colour,
        "font": {"family": theme.font_family, "size": theme.font_size - 1, "color": theme.text_colour},
        "separators": number_separators(lang), "dragmode": False, "hovermode": "closest",
        "xaxis": {"type": "date", "showgrid": False, "anchor": "y" if panels == 1 else f"y{panels}",
                  "fixedrange": True},
        # under the axis labels, growing downwards: the bottom margin holds every line
        "annotations": [{"name": FOOTER_NAME, "text": "<br>".join(lines), "xref": "paper", "yref": "paper",
                         "x": 0.0, "y": 0.0,
                         "yshift": -AXIS_PX, "xanchor": "left", "yanchor": "top", "align": "left", "showarrow": False,
                         "font": {"size": theme.font_size - 3, "color": theme.muted_colour}}] if lines else [],
        "uirevision": "indicator",
    }


def wrapped(text: str, width: int = FOOTER_LINE_CHARS) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words (a source line is long)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _symbol_key(values: Sequence[IndicatorValue], lang: str) -> str:
    """The marker shapes the chart uses beyond the plain dot, in words."""
    kinds = {"approximate": any(v.approximate and not v.is_lower_bound for v in values),
             "lower_bound": any(v.is_lower_bound for v in values),
             "partial": any(v.partial_period and not v.is_lower_bound for v in values)}
    return " · ".join(translate(f"indicator.symbol.{kind}", lang) for kind, used in kinds.items() if used)


def indicator_alt_text(catalog: IndicatorCatalog, series_id: str, date_range: tuple[date, date] | None = None,
                       lang: str = DEFAULT_LANGUAGE) -> str:
    """What the chart shows, in words: series, unit, years, each place's first and last value, the
    years two sources disagree, the method break and every publisher."""
    info = catalog.info(series_id)
    if info is None:
        return translate("indicator.unknown", lang)
    first, last = (date_range[0].year, date_range[1].year) if date_range else (info.first_year, info.last_year)
    sentences = [translate("indicator.alt.head", lang, title=series_title(info, lang), unit=unit_name(info.unit, lang),
                           start=first, end=last)]
    shown: list[IndicatorValue] = []
    for panel in info.panels:
        by_year = {y: v for y, v in catalog.by_year(series_id, panel).items() if first <= y <= last}
        name = panel_name(panel, lang)
        if not by_year:
            sentences.append(translate("indicator.alt.none", lang, place=name))
            continue
        shown += [v for values in by_year.values() for v in values]
        (first_year, first_values), (last_year, last_values) = next(iter(by_year.items())), list(by_year.items())[-1]
        sentences.append(translate("indicator.alt.panel", lang, place=name, years=len(by_year),
                                   first=" / ".join(value_text(v, lang) for v in first_values), first_year=first_year,
                                   last=" / ".join(value_text(v, lang) for v in last_values), last_year=last_year))
        disputed = disagreeing_years(by_year)
        if disputed:
            sentences.append(translate("indicator.alt.disputed", lang, place=name,
                                       years=", ".join(str(y) for y in disputed)))
        for year in catalog.break_years(series_id, panel.country):
            if first <= year <= last and panel.place_kind == "country":
                sentences.append(translate("indicator.alt.break", lang, place=name, year=year))
    sentences.append(publishers_shown(shown, lang, None) + ".")
    return " ".join(sentences)


def build_print_indicator(catalog: IndicatorCatalog, series_id: str, page: Page, text: PageText, theme: Theme,
                          date_range: tuple[date, date] | None = None) -> go.Figure:
    """The small multiples framed as a printed page (an export, a briefing panel, the CLI's file).

    The page's words come from ``text`` (title, subtitle, source line, credit), as on every other
    exported chart; the marker shapes used beyond the plain dot are said after the subtitle. The
    chart's own title and footer are left out, its type follows the page's.
    """
    figure = build_indicator_chart(catalog, series_id, lang=text.lang, theme=theme, date_range=date_range,
                                   max_sources=None)
    info = catalog.info(series_id)
    first, last = (date_range[0].year, date_range[1].year) if date_range else \
        ((info.first_year, info.last_year) if info else (0, 0))
    drawn = [v for v in catalog.series_values(series_id) if first <= v.year <= last]
    scale = page.type
    frame = page_frame(page, with_note(text, _symbol_key(drawn, text.lang)), left_extra=3.2 * scale.tick,
                       bottom_extra=1.8 * scale.tick)
    figure.update_layout(title=None)
    # assigned, not updated: update_layout merges a list into the old one by position
    figure.layout.annotations = [a for a in figure.layout.annotations if a.name != FOOTER_NAME]
    figure = decorate(figure, frame, theme)
    for annotation in figure.layout.annotations:
        if annotation.name is None:  # the chart's own words: place names, method breaks, "no value"
            annotation.font.size = scale.tick
    # the dates stand off the plot: the last panel's "0" sits on its bottom edge
    figure.update_xaxes(tickfont=dict(size=scale.tick), ticklabelstandoff=round(0.6 * scale.tick))
    figure.update_yaxes(tickfont=dict(size=scale.tick))
    return figure


# ---- the map: circles for one year -------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorMark:
    """One value drawn on the map: where, how large (km), and what it is."""

    panel: Panel
    latitude: float
    longitude: float
    radius_km: float
    value: IndicatorValue


def indicator_year(date_to: date | None, info: SeriesInfo) -> int:
    """The year the map shows: the last of the date range; without one, the series' last year."""
    return date_to.year if date_to is not None else info.last_year


def indicator_marks(catalog: IndicatorCatalog, series_id: str, year: int,
                    positions: Mapping[tuple[str, str], tuple[float, float]]) -> list[IndicatorMark]:
    """A circle per value of ``year`` (two sources: two circles), area proportional to the value.

    The scale is the series' own over every year, so a circle keeps its size when the year moves.
    Places without a position (``positions`` by (kind, code)) are left off the map.
    """
    series = catalog.series_values(series_id)
    if not series:
        return []
    largest = max(v.value for v in series) or 1.0
    top_km = PORT_MAX_RADIUS_KM if any(v.place_kind == "port" for v in series) else AREA_MAX_RADIUS_KM
    marks = []
    for panel, values in catalog.values_for_year(series_id, year).items():
        where = positions.get((panel.place_kind, panel.place_code))
        if where is None:
            continue
        for value in sorted(values, key=lambda v: -v.value):  # larger first: smaller ones stay visible
            marks.append(IndicatorMark(panel, where[0], where[1], top_km * math.sqrt(value.value / largest), value))
    return marks


def indicator_legend(catalog: IndicatorCatalog, series_id: str, year: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """The map's legend line: series, unit and year, then each place's value(s) or "no value"."""
    info = catalog.info(series_id)
    if info is None:
        return ""
    found = catalog.values_for_year(series_id, year)
    parts = []
    for panel in info.panels:
        values = found.get(panel, [])
        shown = " / ".join(value_text(v, lang) for v in values) if values else translate("indicator.no_value", lang)
        if len({v.source_url for v in values}) > 1:
            shown += f" ({translate('indicator.two_sources', lang)})"
        parts.append(f"{panel_name(panel, lang)} {shown}")
    head = translate("indicator.legend", lang, title=series_title(info, lang), unit=unit_name(info.unit, lang),
                     year=year)
    return f"{head}: {' · '.join(parts)}"
