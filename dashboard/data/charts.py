"""The chart registry: every chart the app draws, exports and puts on a slide, declared once.

No dash import. The export chart kinds (``exports.spec.ChartKind``) and a slide's panels
(``data.stories.Panel``) are built from :data:`CHARTS`. A chart that is not ``hand_made`` takes
the shared path: its figure builders are registered in ``dashboard/figures/charts.py`` and the
dashboard, the export dialog and service, the presenter and the story panel iterate the registry,
so adding one is its declaration here, its builders, its words and a test
(docs/ARCHITECTURE.md, "Add a chart").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Chart:
    """One chart.

    Parameters
    ----------
    kind
        Its name everywhere: export chart kind, slide panel, component ids, catalog keys
        (``chart.<kind>.title``, ``export.chart.<kind>``, ``export.alt.what.<kind>``,
        ``story.panel.<kind>``).
    hand_made
        Drawn by its own panel and callbacks (the map, the timeline, the breakdown: brushing,
        clicking, level of detail); ``False`` takes the shared path of registered builders.
    """

    kind: str
    hand_made: bool = False


CHARTS: tuple[Chart, ...] = (
    Chart("map", hand_made=True),
    Chart("timeline", hand_made=True),
    Chart("breakdown", hand_made=True),
    Chart("kg_by_year"),  # kilograms seized per year, by drug
    # The chosen indicator series (a slide's or the URL's ``ind``), drawn from the series, not the
    # events: its own panel under the timeline (figures/indicator_chart.py).
    Chart("indicator", hand_made=True),
)
SHARED_PATH_CHARTS: tuple[Chart, ...] = tuple(chart for chart in CHARTS if not chart.hand_made)

# The chart kinds an export or a slide can name, in registry order.
ChartKind = StrEnum("ChartKind", [(chart.kind.upper(), chart.kind) for chart in CHARTS])
ChartKind.__module__ = __name__
ChartKind.__doc__ = "A chart of the registry (:data:`CHARTS`), by its kind."
