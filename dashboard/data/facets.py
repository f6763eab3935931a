"""The facet registry: every list filter declared once. No dash import.

A facet is a field the user narrows by picking values: event types, actors, countries, … Each is
declared here with its URL parameter, the event column it matches, its vocabulary (closed, or
open: the values the data holds), how its values read in words, the control that edits it and
whether it is a breakdown choice. ``FilterSpec``, URL parsing, story filters, the store's masks
and options, the filter summary, the filter panel and its callback all iterate :data:`FACETS`,
so adding a filter is one declaration here, its words in the catalogs and a test
(docs/ARCHITECTURE.md, "Add a filter").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dashboard.ids import DataIds, FilterIds, facet_control_id

from .schema import Drug, EventType


class Match(StrEnum):
    """How a facet's chosen values select events."""

    VALUE = "value"  # the column's value is one of the chosen values (exact)
    ACTOR = "actor"  # an actor's name (any case) or an actor group key, in the actor columns
    REGION = "region"  # one of the ';'-separated admin1 names, any case


class Control(StrEnum):
    """The kind of control that edits a facet in the filter panel."""

    CHECKLIST = "checklist"
    DROPDOWN = "dropdown"


@dataclass(frozen=True)
class Facet:
    """One list filter.

    Parameters
    ----------
    name
        ``FilterSpec`` field holding the chosen values (a sorted tuple of strings).
    param
        URL parameter (comma-separated values); a public interface, documented in the README.
    column
        Event column the facet matches (and breaks down by).
    match
        How values select events (:class:`Match`).
    vocabulary
        The closed set of values, or ``None`` when the values are whatever the data holds.
    label_kind
        Kind passed to ``i18n.label`` to show a value in words; ``None`` shows it as it is.
    title_key
        Catalog key naming the facet (panel heading, summaries).
    control
        Component id of the control that edits it; by default ``filters-<param>``.
    control_kind
        Checklist (few values) or dropdown.
    breakdown
        Name of the breakdown choice this facet gives (a bar click toggles the value), or ``None``.
    panel
        ``"main"`` for the filter panel, ``"more"`` for the folded "source's own categories"
        section, ``"data"`` for the data panel (datasets).
    """

    name: str
    param: str
    column: str
    match: Match
    vocabulary: tuple[str, ...] | None
    label_kind: str | None
    title_key: str
    control: str = ""
    control_kind: Control = Control.DROPDOWN
    breakdown: str | None = None
    panel: str = "main"

    def __post_init__(self) -> None:
        if not self.control:
            object.__setattr__(self, "control", facet_control_id(self.param))

    @property
    def closed(self) -> bool:
        return self.vocabulary is not None


FACETS: tuple[Facet, ...] = (
    Facet("event_types", "type", "event_type", Match.VALUE, tuple(EventType), "event_type",
          "filters.types", FilterIds.TYPES, Control.CHECKLIST, breakdown="event_type"),
    Facet("actors", "actor", "actors", Match.ACTOR, None, "actor_group",
          "filters.actors", FilterIds.ACTORS, breakdown="actor_group"),
    Facet("countries", "country", "country", Match.VALUE, None, "country",
          "filters.countries", FilterIds.COUNTRIES, breakdown="country"),
    Facet("regions", "region", "admin1", Match.REGION, None, None,
          "filters.regions", FilterIds.REGIONS),
    Facet("routes", "route", "route_id", Match.VALUE, None, "route",
          "filters.routes", FilterIds.ROUTES),
    Facet("drugs", "drug", "drug", Match.VALUE, tuple(Drug), "drug",
          "filters.drugs", FilterIds.DRUGS, Control.CHECKLIST),
    # The source's own categories (ACLED's event_type and sub_event_type, UCDP's type of
    # violence), kept beside our mapped type so a researcher can filter in the source's terms.
    Facet("original_types", "original_type", "original_type", Match.VALUE, None, None,
          "filters.original_types", breakdown="original_type", panel="more"),
    Facet("original_subtypes", "original_subtype", "original_subtype", Match.VALUE, None, None,
          "filters.original_subtypes", breakdown="original_subtype", panel="more"),
    Facet("datasets", "dataset", "dataset", Match.VALUE, None, None,
          "filters.datasets_title", DataIds.DATASETS, Control.CHECKLIST, panel="data"),
)

FACETS_BY_NAME: dict[str, Facet] = {facet.name: facet for facet in FACETS}
FACETS_BY_PARAM: dict[str, Facet] = {facet.param: facet for facet in FACETS}
# Breakdown choices, in the order the selector lists them; the first is the default.
BREAKDOWN_FACETS: dict[str, Facet] = {facet.breakdown: facet for facet in FACETS if facet.breakdown}
BREAKDOWN_FIELDS: tuple[str, ...] = tuple(BREAKDOWN_FACETS)
DEFAULT_BREAKDOWN = BREAKDOWN_FIELDS[0]


def breakdown_or_default(field: object) -> str:
    """``field`` when it is a breakdown choice, else the default (a URL or story may hold anything)."""
    return field if isinstance(field, str) and field in BREAKDOWN_FACETS else DEFAULT_BREAKDOWN
