"""Timeline: events per day, week, month or year stacked by type; drag across it to set the range.

The store picks the unit from the date span, so the number of bars stays bounded at any N.
Date ticks are placed and named here (:func:`date_ticks`), in the page language: Plotly names
months in English unless a locale bundle is loaded in the browser, and kaleido has none.
Counts are whole events, so the count axis never has a tick between two integers.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import plotly.graph_objects as go

from ..data.language import DEFAULT_LANGUAGE
from ..data.store import Histogram
from ..i18n import label, translate
from . import unchecked
from .text_metrics import left_label_margin, top_tick_label
from .theme import EVENT_COLOURS, SCREEN, Theme

# Bin length in days (a month or year bar is drawn at its mean length) and the hover date format.
BIN_DAYS = {"day": 1, "week": 7, "month": 30.4, "year": 365.25}
HOVER_DATE = {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
MAX_DATE_TICKS = 8  # labels a ~500 px axis holds without crowding ("sept 2016" is the longest)
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)  # tick spacing in months, finest first
DAY_STEPS = (1, 2, 7, 14)  # tick spacing in days for spans under two months
SMALL_COUNT = 5  # up to this many events in a bar the count axis ticks every event


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def date_ticks(start: date, end: date, lang: str = DEFAULT_LANGUAGE,
               max_ticks: int = MAX_DATE_TICKS) -> tuple[list[str], list[str]]:
    """Tick positions (ISO dates) and their labels in ``lang`` for a date axis from ``start`` to ``end``.

    The finest spacing with at most ``max_ticks`` ticks inside the span: whole years ("2016") when a
    tick falls every 12 months or more, months ("ene 2016") below that, days ("3 ene 2016") under
    two months. Ticks sit on calendar boundaries (1 January, the first of a month), so bars drawn
    at their centres fall between them.
    """
    if end < start:
        start, end = end, start
    first, last = _month_index(start), _month_index(end)
    if (end - start).days >= 62:
        for step in MONTH_STEPS:
            months = [m for m in range(first, last + 1) if m % step == 0 and _month_start(m) >= start]
            if len(months) <= max_ticks or step == MONTH_STEPS[-1]:
                break
        days = [_month_start(m) for m in months]
        if step >= 12:
            return [d.isoformat() for d in days], [str(d.year) for d in days]
        return [d.isoformat() for d in days], [
            translate("playback.month", lang, month=translate(f"playback.mon.{d.month}", lang), year=d.year)
            for d in days]
    span = (end - start).days
    step = next((s for s in DAY_STEPS if span // s + 1 <= max_ticks), DAY_STEPS[-1])
    days = [start + timedelta(days=offset) for offset in range(0, span + 1, step)]
    return [d.isoformat() for d in days], [
        translate("playback.date", lang, day=d.day, month=translate(f"playback.mon.{d.month}", lang), year=d.year)
        for d in days]


def count_axis(max_count: int) -> dict:
    """Count axis settings: a tick every event while bars are short, whole numbers always."""
    axis: dict = {"tickformat": ",d", "rangemode": "tozero"}
    if max_count <= SMALL_COUNT:
        axis.update(tick0=0, dtick=1, range=[0, max(max_count, 1) * 1.05])
    return axis


def number_separators(lang: str) -> str:
    """Plotly's ``separators`` (decimal then thousands) for ``lang``."""
    return translate("number.decimal_separator", lang) + translate("number.group_separator", lang)


def histogram_span(histogram: Histogram) -> tuple[date, date] | None:
    """First day of the first bin and last day of the last bin, or None without bins."""
    if not len(histogram.bin_starts):
        return None
    first = date.fromisoformat(str(histogram.bin_starts[0].astype("datetime64[D]")))
    last_start = date.fromisoformat(str(histogram.bin_starts[-1].astype("datetime64[D]")))
    if histogram.unit == "year":
        last = date(last_start.year, 12, 31)
    elif histogram.unit == "month":
        last = _month_start(_month_index(last_start) + 1) - timedelta(days=1)
    else:
        last = last_start + timedelta(days=BIN_DAYS[histogram.unit] - 1)
    return first, last


def bar_positions(centres: np.ndarray) -> dict:
    """Where a trace's bars stand on the date axis, in the fewest bytes sent on every change.

    Evenly spaced bins (days, weeks) are a first date and a step in ms; months and years, which
    vary in length, are milliseconds since the epoch (which a date axis reads as dates) in one
    binary array, a third of the ISO strings' bytes.
    """
    epoch_ms = centres.astype("datetime64[ms]").astype(np.int64)
    steps = np.diff(epoch_ms)
    if len(epoch_ms) > 1 and (steps == steps[0]).all():
        return {"x0": str(centres[0].astype("datetime64[ms]")), "dx": int(steps[0])}
    return {"x": epoch_ms.astype(np.float64)}


def build_timeline(histogram: Histogram, *, lang: str = DEFAULT_LANGUAGE, theme: Theme = SCREEN,
                   date_range: tuple[str, str] | None = None,
                   axis_range: tuple[date, date] | None = None) -> go.Figure:
    """:func:`timeline_figure` as a ``go.Figure`` (print, presenter)."""
    return unchecked.as_figure(timeline_figure(histogram, lang=lang, theme=theme, date_range=date_range,
                                               axis_range=axis_range))


def timeline_figure(histogram: Histogram, *, lang: str = DEFAULT_LANGUAGE, theme: Theme = SCREEN,
                    date_range: tuple[str, str] | None = None,
                    axis_range: tuple[date, date] | None = None) -> dict:
    """Stacked bars, one trace per event type with any events in range (a plain figure).

    ``date_range`` (ISO from, to) is shaded so the brushed range stays visible after filtering.
    ``axis_range`` fixes the date axis (playback: the whole range played, so the axis holds still
    while the frames move); by default the axis spans the bins.
    """
    days = BIN_DAYS[histogram.unit]
    bar_width_ms = days * 24 * 3600 * 1000 * 0.85
    centres = histogram.bin_starts.astype("datetime64[ms]") + np.timedelta64(int(days * 12 * 3600 * 1000), "ms")
    positions = bar_positions(centres)
    hover = f"%{{x|{HOVER_DATE[histogram.unit]}}}: %{{y}}<extra>%{{fullData.name}}</extra>"
    traces = [
        dict(type="bar", **positions, y=histogram.counts[row].astype(np.int32),
             name=label("event_type", event_type, lang),
             marker=dict(color=theme.colour(EVENT_COLOURS[event_type])), width=bar_width_ms,
             hovertemplate=hover)
        for row, event_type in enumerate(histogram.categories) if histogram.counts[row].any()
    ]
    tallest = _tallest_bar(histogram)
    shapes = [] if date_range is None else [dict(
        type="rect", xref="x", yref="y domain", x0=date_range[0], x1=date_range[1], y0=0, y1=1,
        fillcolor="#332288", opacity=0.08, line=dict(width=0))]
    return unchecked.plain_figure(traces, layout=dict(
        barmode="stack",
        dragmode="select",
        selectdirection="h",
        margin=dict(l=left_label_margin([top_tick_label(tallest, lang)], theme.font_size - 1, 40),
                    r=10, t=28, b=30),
        title=dict(text=translate(f"timeline.{histogram.unit}", lang), font=dict(size=theme.font_size),
                   x=0.01, y=0.98),
        showlegend=False,
        paper_bgcolor=theme.paper_colour,
        plot_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=theme.font_size - 1, color=theme.text_colour),
        separators=number_separators(lang),
        xaxis=_date_axis(histogram, axis_range, lang),
        yaxis=dict(gridcolor="#e6e8eb", fixedrange=True, **count_axis(tallest)),
        uirevision="timeline",
        bargap=0.1,
        shapes=shapes,  # the brushed range stays shaded
    ))


def _tallest_bar(histogram: Histogram) -> int:
    counts = np.asarray(histogram.counts)
    return int(counts.sum(axis=0).max()) if counts.size else 0


def _date_axis(histogram: Histogram, axis_range: tuple[date, date] | None, lang: str) -> dict:
    axis: dict = {"type": "date", "showgrid": False}
    span = axis_range or histogram_span(histogram)
    if span is None:
        return axis
    tickvals, ticktext = date_ticks(span[0], span[1], lang)
    axis.update(tickmode="array", tickvals=tickvals, ticktext=ticktext)
    if axis_range is not None:
        axis["range"] = [axis_range[0].isoformat(), (axis_range[1] + timedelta(days=1)).isoformat()]
    return axis


def brushed_date_range(selected_data: dict | None) -> tuple[str, str] | None:
    """ISO (from, to) dates of a horizontal box selection on the timeline, or None."""
    if not selected_data or "range" not in selected_data:
        return None
    x_range = (selected_data.get("range") or {}).get("x")
    if not x_range or len(x_range) != 2:
        return None
    start, end = sorted(str(v)[:10] for v in x_range)
    try:
        date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return None
    return start, end
