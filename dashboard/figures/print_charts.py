"""The timeline and the breakdown for print: the screen figures, restyled and framed as a page.

The bars come from :mod:`.timeline` and :mod:`.breakdown` (the same data, colours and labels as
on screen); here they get print type, axes laid out in px and the frame of :mod:`.page_frame`.
No dash.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import plotly.graph_objects as go

from ..data.filters import FilterSpec
from ..data.store import TIME_UNITS, EventStore
from ..i18n import format_number, translate
from .breakdown import build_breakdown
from .page_frame import (
    Page,
    PageText,
    decorate,
    frame_stacked_bars,
    no_events_note,
    page_frame,
    rim_pale_bars,
    show_no_events,
)
from .text_metrics import escape_text, text_width
from .theme import EXPORT_DARK, Theme
from .timeline import build_timeline

SMALL_COUNT = 6  # count axes up to this many events tick every 1 (never 0.5)
MAX_BAR_LINES = 3.5  # thickest bar, in lines of tick type
# A printed timeline's bins hold this many events on average, or the coarsest unit is used:
# monthly bars of 0s and 1s (28 seizures over six years) read as noise, yearly ones as a trend.
MIN_EVENTS_PER_BIN = 2.0
MAX_LABELLED_YEARS = 30  # up to this many yearly bars get labels on round years (more: plotly's own ticks)
UPRIGHT_TICK_EMS = 6  # room per upright x tick label ("2019", "Mar 2019"), in ems of tick type
YEAR_LABEL_STEPS = (1, 2, 5, 10)  # years between labels: every year, or round ones


def year_label_step(year_count: int, plot_width: float, tick_px: float) -> int:
    """Years between labels under ``year_count`` yearly bars ``plot_width`` px wide: the smallest
    round step whose labels stay upright side by side (``UPRIGHT_TICK_EMS`` each), as the screen's
    kg chart keeps at most 8; every year when they fit."""
    most = max(2, int(plot_width / (tick_px * UPRIGHT_TICK_EMS)))
    return next((step for step in YEAR_LABEL_STEPS if math.ceil(year_count / step) <= most), YEAR_LABEL_STEPS[-1])


def _unit_start(day: np.datetime64, unit: str) -> np.datetime64:
    """The first day of the day/week/month/year bin holding ``day`` (weeks from Monday)."""
    if unit == "year":
        return day.astype("datetime64[Y]").astype("datetime64[D]")
    if unit == "month":
        return day.astype("datetime64[M]").astype("datetime64[D]")
    if unit == "week":  # 1970-01-01 was a Thursday
        return day - (day.astype(np.int64) + 3) % 7
    return day


def _next_unit_start(day: np.datetime64, unit: str) -> np.datetime64:
    """The first day of the bin after the one holding ``day``."""
    if unit == "year":
        return (day.astype("datetime64[Y]") + 1).astype("datetime64[D]")
    if unit == "month":
        return (day.astype("datetime64[M]") + 1).astype("datetime64[D]")
    return _unit_start(day, unit) + (7 if unit == "week" else 1)


def print_time_unit(events: int, first: date, last: date) -> str:
    """The finest histogram unit whose bins from ``first`` to ``last`` hold enough events to read.

    Parameters
    ----------
    events
        How many events the timeline counts.
    first, last
        The span the axis shows (the filter's dates, else the events').

    Returns
    -------
    str
        One of :data:`TIME_UNITS`: the finest whose bins average at least
        :data:`MIN_EVENTS_PER_BIN` events; ``year`` when none does.
    """
    start, end = np.datetime64(first, "D"), np.datetime64(last, "D")
    for unit in TIME_UNITS:
        bins, day = 0, _unit_start(start, unit)
        while day <= end and bins * MIN_EVENTS_PER_BIN <= events:  # stops as soon as the unit is too fine
            bins, day = bins + 1, _next_unit_start(day, unit)
        if bins and events / bins >= MIN_EVENTS_PER_BIN:
            return unit
    return TIME_UNITS[-1]


def timeline_span(store: EventStore, spec: FilterSpec) -> tuple[date, date] | None:
    """The days a printed timeline spans: the filter's dates, or the events' where the filter is open."""
    days = store.histogram(spec, "day")
    totals = days.counts.sum(axis=0) if days.counts.size else np.zeros(0, dtype=np.int64)
    dated = np.flatnonzero(totals)
    first = spec.date_from or (days.bin_starts[dated[0]].item() if dated.size else None)
    last = spec.date_to or (days.bin_starts[dated[-1]].item() if dated.size else None)
    if first is None or last is None:
        return None
    return (date.fromisoformat(str(first)[:10]), date.fromisoformat(str(last)[:10]))


def build_print_timeline(store: EventStore, spec: FilterSpec, page: Page, text: PageText,
                         theme: Theme) -> go.Figure:
    """Stacked bars of events per day/week/month/year by type, with a legend, for print.

    The unit is chosen for the count (:func:`print_time_unit`) and the date axis runs over the
    filter's whole range, from the bin holding its first day, so a quiet start is shown as quiet.
    """
    lang = text.lang
    span = timeline_span(store, spec)
    events = store.count(spec)
    unit = print_time_unit(events, *span) if span else "auto"
    histogram = store.histogram(spec, unit)
    figure = build_timeline(histogram, lang=lang, theme=theme)
    peak = int(histogram.counts.sum(axis=0).max()) if histogram.counts.size else 0
    frame = frame_stacked_bars(figure, page, text, theme, peak_label=format_number(peak, lang),
                               legend_title=translate("breakdown.event_type", lang),
                               unit=translate(f"timeline.{histogram.unit}", lang))
    xaxis: dict = dict(type="date", showgrid=False)
    if span is not None:
        start = _unit_start(np.datetime64(span[0], "D"), histogram.unit)
        end = _next_unit_start(np.datetime64(span[1], "D"), histogram.unit)
        xaxis["range"] = [str(start), str(end)]
        years = np.arange(start.astype("datetime64[Y]"), end.astype("datetime64[Y]"))
        if histogram.unit == "year" and len(years) <= MAX_LABELLED_YEARS:
            # A year's bar is centred in its year: its label goes under it, not at its left edge;
            # years are labelled every ``step`` (on multiples of it: 2005, 2010…) as the width allows.
            step = year_label_step(len(years), frame.plot_width, page.type.tick)
            labelled = years[(years.astype(int) + 1970) % step == 0] if step > 1 else years
            middles = labelled.astype("datetime64[D]") + 182
            xaxis.update(tickmode="array", tickvals=[str(day) for day in middles],
                         ticktext=[str(year) for year in labelled.astype(int) + 1970], ticks="")
    figure.update_layout(
        dragmode=False, selectdirection=None, bargap=0.12, shapes=[], xaxis=xaxis,
        yaxis=dict(rangemode="tozero", tickformat=",d", dtick=1 if peak <= SMALL_COUNT else None),
    )
    if not histogram.counts.any():
        show_no_events(figure, lang, frame, theme)
    return decorate(figure, frame, theme)


def build_print_breakdown(store: EventStore, spec: FilterSpec, page: Page, text: PageText, theme: Theme,
                          field: str = "event_type") -> go.Figure:
    """Horizontal bars by event type, actor group or country (``field``), largest at the top, for print."""
    lang = text.lang
    breakdown = store.breakdown(spec, field)
    figure = build_breakdown(breakdown, lang=lang, theme=theme)
    scale = page.type
    labels = [str(value) for value in figure.data[0].y] if len(breakdown.labels) else []
    for trace in figure.data:  # category labels are data (dataset values): escape them
        trace.y = [escape_text(value) for value in labels]
    label_width = max((text_width(text, scale.tick) for text in labels), default=0.0) + scale.tick
    peak = int(breakdown.counts.max()) if len(breakdown.counts) else 0
    value_width = text_width(format_number(peak, lang), scale.tick) + scale.tick
    frame = page_frame(page, text, (), left_extra=label_width, right_extra=value_width,
                       bottom_extra=scale.tick * 3.4)
    bar_colour = theme.muted_colour if breakdown.field != "event_type" else None
    figure.update_traces(
        textfont=dict(size=scale.tick, color=theme.text_colour), texttemplate="%{x:,d}",
        marker_line=dict(color=theme.marker_line_colour, width=1 if theme is EXPORT_DARK else 0),
        hoverlabel=dict(font_size=scale.tick),
    )
    if bar_colour is not None:
        figure.update_traces(marker_color=theme.muted_colour if theme is EXPORT_DARK else "#4b5a6a")
    rim_pale_bars(figure, theme)
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
        figure.add_annotation(no_events_note(lang, frame, theme))
    return decorate(figure, frame, theme)
