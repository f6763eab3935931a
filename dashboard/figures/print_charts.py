"""The timeline and the breakdown for print: the screen figures, restyled and framed as a page.

The bars come from :mod:`.timeline` and :mod:`.breakdown` (the same data, colours and labels as
on screen); here they get print type, axes laid out in px and the frame of :mod:`.page_frame`.
No dash.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..data.filters import FilterSpec
from ..data.store import EventStore
from ..i18n import format_number, translate
from .breakdown import build_breakdown
from .page_frame import (
    Page,
    PageText,
    decorate,
    frame_stacked_bars,
    no_events_note,
    page_frame,
    show_no_events,
)
from .text_metrics import escape_text, text_width
from .theme import EXPORT_DARK, Theme
from .timeline import build_timeline

SMALL_COUNT = 6  # count axes up to this many events tick every 1 (never 0.5)
MAX_BAR_LINES = 3.5  # thickest bar, in lines of tick type


def build_print_timeline(store: EventStore, spec: FilterSpec, page: Page, text: PageText,
                         theme: Theme) -> go.Figure:
    """Stacked bars of events per day/week/month/year by type, with a legend, for print."""
    lang = text.lang
    histogram = store.histogram(spec)
    figure = build_timeline(histogram, lang=lang, theme=theme)
    peak = int(histogram.counts.sum(axis=0).max()) if histogram.counts.size else 0
    frame = frame_stacked_bars(figure, page, text, theme, peak_label=format_number(peak, lang),
                               legend_title=translate("breakdown.event_type", lang),
                               unit=translate(f"timeline.{histogram.unit}", lang))
    figure.update_layout(
        dragmode=False, selectdirection=None, bargap=0.12, shapes=[],
        xaxis=dict(type="date", showgrid=False),
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
