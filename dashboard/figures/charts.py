"""Figure builders of the charts that take the shared path (``data.charts.SHARED_PATH_CHARTS``).

The dashboard panel, the presenter panel and the export of such a chart all call these two
functions, so a new chart is drawn everywhere once it is declared and registered here. No dash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go

from ..data.filters import FilterSpec
from ..data.store import EventStore
from .kg_by_year import build_print_kg_by_year, kg_by_year_figure
from .page_frame import Page, PageText
from .theme import Theme


@dataclass(frozen=True)
class ChartBuilders:
    """How one chart is drawn: on screen (and the projector) and framed for print."""

    screen: Callable[..., dict]  # (store, spec, *, lang, theme) -> a plain figure (unchecked.plain_figure)
    print: Callable[[EventStore, FilterSpec, Page, PageText, Theme], go.Figure]


CHART_BUILDERS: dict[str, ChartBuilders] = {
    "kg_by_year": ChartBuilders(screen=kg_by_year_figure, print=build_print_kg_by_year),
}
