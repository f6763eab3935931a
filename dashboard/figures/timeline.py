"""Timeline: events per day, week, month or year stacked by type; drag across it to set the range.

The store picks the unit from the date span, so the number of bars stays bounded at any N.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import plotly.graph_objects as go

from ..data.language import DEFAULT_LANGUAGE
from ..data.store import Histogram
from ..i18n import label, translate
from . import unchecked
from .theme import EVENT_COLOURS, SCREEN, Theme

# Bin length in days (a month or year bar is drawn at its mean length) and the hover date format.
BIN_DAYS = {"day": 1, "week": 7, "month": 30.4, "year": 365.25}
HOVER_DATE = {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def build_timeline(histogram: Histogram, *, lang: str = DEFAULT_LANGUAGE, theme: Theme = SCREEN,
                   date_range: tuple[str, str] | None = None) -> go.Figure:
    """Stacked bars, one trace per event type with any events in range.

    ``date_range`` (ISO from, to) is shaded so the brushed range stays visible after filtering.
    """
    days = BIN_DAYS[histogram.unit]
    bar_width_ms = days * 24 * 3600 * 1000 * 0.85
    centres = histogram.bin_starts.astype("datetime64[ms]") + np.timedelta64(int(days * 12 * 3600 * 1000), "ms")
    hover = f"%{{x|{HOVER_DATE[histogram.unit]}}}: %{{y}}<extra>%{{fullData.name}}</extra>"
    figure = unchecked.figure()
    for row, event_type in enumerate(histogram.categories):
        counts = histogram.counts[row]
        if not counts.any():
            continue
        figure.add_trace(unchecked.bar(
            x=centres.astype(str), y=counts.astype(np.int32), name=label("event_type", event_type, lang),
            marker=dict(color=theme.colour(EVENT_COLOURS[event_type])), width=bar_width_ms, hovertemplate=hover,
        ))
    figure.update_layout(
        barmode="stack",
        dragmode="select",
        selectdirection="h",
        margin=dict(l=40, r=10, t=28, b=30),
        title=dict(text=translate(f"timeline.{histogram.unit}", lang), font=dict(size=theme.font_size),
                   x=0.01, y=0.98),
        showlegend=False,
        paper_bgcolor=theme.paper_colour,
        plot_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=theme.font_size - 1, color=theme.text_colour),
        xaxis=dict(type="date", showgrid=False),
        yaxis=dict(gridcolor="#e6e8eb", rangemode="tozero", fixedrange=True),
        uirevision="timeline",
        bargap=0.1,
    )
    if date_range is not None:
        figure.add_vrect(x0=date_range[0], x1=date_range[1], fillcolor="#332288", opacity=0.08,
                         line_width=0)
    return figure


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
