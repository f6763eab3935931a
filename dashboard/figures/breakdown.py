"""Breakdown: horizontal bars by one of the facet registry's breakdown choices; a click toggles that facet."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ..data.language import DEFAULT_LANGUAGE
from ..data.store import Breakdown
from ..i18n import format_number, label, translate
from . import unchecked
from .text_metrics import left_label_margin
from .theme import EVENT_COLOURS, SCREEN, Theme

# The height under the plot that a count axis's tick labels and title take (measured: 64 px at 12 px
# type), in ems of the chart's type.
TITLED_AXIS_BOTTOM_EMS = 5.34


def build_breakdown(breakdown: Breakdown, *, lang: str = DEFAULT_LANGUAGE, theme: Theme = SCREEN,
                    active: tuple[str, ...] = ()) -> go.Figure:
    """:func:`breakdown_figure` as a ``go.Figure`` (print, presenter)."""
    return unchecked.as_figure(breakdown_figure(breakdown, lang=lang, theme=theme, active=active))


def breakdown_figure(breakdown: Breakdown, *, lang: str = DEFAULT_LANGUAGE, theme: Theme = SCREEN,
                     active: tuple[str, ...] = ()) -> dict:
    """Bars largest at the top; bars already in the filter are outlined and fully opaque (a plain figure)."""
    labels = [label(breakdown.field, value, lang) for value in breakdown.labels]
    if breakdown.field == "event_type":
        colours = [theme.colour(EVENT_COLOURS.get(value, "#888888")) for value in breakdown.labels]
    else:
        colours = [theme.colour("#4b5a6a")] * len(labels)
    opacity = [1.0 if not active or value in active else 0.45 for value in breakdown.labels]
    return unchecked.plain_figure([dict(
        type="bar", x=breakdown.counts[::-1], y=labels[::-1], orientation="h",
        customdata=list(breakdown.labels[::-1]),
        marker=dict(color=colours[::-1], opacity=opacity[::-1]),
        # Grouped as the page reads numbers; inside a bar long enough to hold it (outside, the longest
        # bar's count ran past the panel's edge: 230,814 read "2308").
        text=[format_number(int(count), lang) for count in breakdown.counts[::-1]], textposition="auto",
        cliponaxis=False,
        hovertemplate="%{y}: %{x}<extra></extra>",
    )], layout=dict(
        # the labels' width, and the count axis's labels and title under the bars, as plotly.js's
        # automargin would push them (a push redraws the chart: text_metrics.left_label_margin)
        margin=dict(l=left_label_margin(labels, theme.font_size - 1, 10), r=30, t=10,
                    b=math.ceil(TITLED_AXIS_BOTTOM_EMS * (theme.font_size - 1))),
        paper_bgcolor=theme.paper_colour,
        plot_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=theme.font_size - 1, color=theme.text_colour),
        xaxis=dict(title=dict(text=translate("breakdown.count", lang)), gridcolor="#e6e8eb", fixedrange=True),
        yaxis=dict(automargin=True, fixedrange=True),
        showlegend=False,
        height=max(150, 30 * len(labels) + 70),
        bargap=0.25,
    ))


def clicked_category(click_data: dict | None) -> str | None:
    """The raw category value of a clicked bar (its customdata), or None."""
    try:
        return str(click_data["points"][0]["customdata"])
    except (TypeError, KeyError, IndexError):
        return None
