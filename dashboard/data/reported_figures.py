"""Contested figures: every toll or haul reported for a bundled event, and the rule that counts them.

Sources often disagree on how many died or how much was seized: a first report, an official
correction a day later, another outlet's number. ``geodata/figures.csv`` keeps each reported
figure with its outlet, date, address and kind; ``geodata/event_notes.csv`` keeps the corrections
made to the reference rows and the source links known to be weak. Both are written by
``geodata/build_events.py``.

An event's own ``fatalities`` / ``quantity_kg`` hold the figure of the default rule
(:attr:`CountRule.LATEST_OFFICIAL`), so the store counts that rule as it is. The other rules are
applied on top of the store's totals by :func:`adjust_totals`, which asks the store only which of
the few contested events match the filter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from .count_rules import DEFAULT_COUNT_RULE, CountRule
from .filters import FilterSpec
from .schema import BUNDLED_DATASET, DataFileError, FieldProblem, is_safe_url, read_csv_rows


class FigureKind(StrEnum):
    FIRST_REPORT = "first_report"
    OFFICIAL_CORRECTION = "official_correction"
    OTHER_OUTLET = "other_outlet"


class Measure(StrEnum):
    """What a figure counts; a ``note`` (containers, destination, minors) is shown, never summed."""

    FATALITIES = "fatalities"
    QUANTITY_KG = "quantity_kg"
    NOTE = "note"


COUNTED_MEASURES = (Measure.FATALITIES, Measure.QUANTITY_KG)


class NoteKind(StrEnum):
    CORRECTION = "correction"
    WEAK_LINK = "weak_link"


FIGURE_COLUMNS = ("event_id", "measure", "value", "kind", "cited", "outlet", "reported_on", "source_url",
                  "detail", "recorded_in")
NOTE_COLUMNS = ("event_id", "kind", "field", "was", "now", "reason", "source")


@dataclass(frozen=True)
class ReportedFigure:
    """One figure as one outlet reported it.

    ``value`` is the number for counted measures (None for a note, whose words are ``text``);
    ``cited`` marks the figure of the event row's own source; ``source_url`` is empty when the
    reference names the outlet but not the page's address.
    """

    event_id: str
    measure: Measure
    value: float | None
    text: str
    kind: FigureKind
    cited: bool
    outlet: str
    reported_on: date | None
    source_url: str
    detail: str
    recorded_in: str


@dataclass(frozen=True)
class EventNote:
    """A correction made to a reference row (field, old and new value) or a weak source link."""

    event_id: str
    kind: NoteKind
    field: str
    was: str
    now: str
    reason: str
    source: str


@dataclass(frozen=True)
class ReportedFigures:
    """All reported figures and event notes, by event id."""

    figures: tuple[ReportedFigure, ...] = ()
    notes: tuple[EventNote, ...] = ()

    def for_event(self, event_id: str) -> tuple[ReportedFigure, ...]:
        return tuple(f for f in self.figures if f.event_id == event_id)

    def notes_for(self, event_id: str) -> tuple[EventNote, ...]:
        return tuple(n for n in self.notes if n.event_id == event_id)

    def contested_ids(self, measure: Measure | None = None) -> tuple[str, ...]:
        """Events with more than one distinct counted figure (for one measure, or any)."""
        measures = (measure,) if measure else COUNTED_MEASURES
        ids = []
        for event_id in dict.fromkeys(f.event_id for f in self.figures):
            for m in measures:
                values = {f.value for f in self.for_event(event_id) if f.measure == m}
                if len(values) > 1:
                    ids.append(event_id)
                    break
        return tuple(ids)


def figure_under_rule(figures: Iterable[ReportedFigure], measure: Measure, rule: CountRule) -> float | None:
    """The figure of ``measure`` the rule counts for one event, or None when none is reported.

    Latest official: the latest-dated official correction, else the cited source's figure.
    First report: the first report, else the cited figure. Highest: the largest reported.
    """
    counted = [f for f in figures if f.measure == measure and f.value is not None]
    if not counted:
        return None
    cited = next((f.value for f in counted if f.cited), None)
    if rule is CountRule.HIGHEST_REPORTED:
        return max(f.value for f in counted)
    if rule is CountRule.FIRST_REPORT:
        first = [f.value for f in counted if f.kind is FigureKind.FIRST_REPORT]
        return first[0] if first else cited
    official = sorted((f for f in counted if f.kind is FigureKind.OFFICIAL_CORRECTION),
                      key=lambda f: f.reported_on or date.min)
    return official[-1].value if official else cited


@dataclass(frozen=True)
class RuleCounts:
    """Headline deaths and kilograms under a rule, and how many contested events the filter holds."""

    rule: CountRule
    fatalities: float
    kg_seized: float
    contested_events: int


def adjust_totals(store, spec: FilterSpec, fatalities: float, kg_seized: float,
                  reported: ReportedFigures, rule: CountRule) -> RuleCounts:
    """The store's deaths and kg (which follow the default rule) recounted under ``rule``.

    Only bundled events carry reported figures, so the store is asked for the bundled events the
    filter matches (at most a few hundred rows, whatever else is imported).
    """
    contested = set(reported.contested_ids())
    if not contested or (spec.datasets and BUNDLED_DATASET not in spec.datasets):
        return RuleCounts(rule, fatalities, kg_seized, 0)
    matching = store.rows(spec.with_changes(datasets=(BUNDLED_DATASET,)), ("event_id",))["event_id"]
    shown = [str(event_id) for event_id in matching if str(event_id) in contested]
    for event_id in shown:
        figures = reported.for_event(event_id)
        for measure in COUNTED_MEASURES:
            default = figure_under_rule(figures, measure, DEFAULT_COUNT_RULE)
            chosen = figure_under_rule(figures, measure, rule)
            if default is None or chosen is None:
                continue
            if measure is Measure.FATALITIES:
                fatalities += chosen - default
            else:
                kg_seized += chosen - default
    return RuleCounts(rule, fatalities, kg_seized, len(shown))


# ---- reading the bundled files ------------------------------------------------------------------
def parse_figure(row: dict[str, str], line: int, event_ids: set[str]) -> tuple[ReportedFigure | None,
                                                                                list[FieldProblem]]:
    """Validate one figures.csv row; return the figure (or None) and the problems found."""
    problems: list[FieldProblem] = []

    def bad(name: str, message: str) -> None:
        problems.append(FieldProblem(line, name, message))

    event_id = (row.get("event_id") or "").strip()
    if event_id not in event_ids:
        bad("event_id", f"'{event_id}' is not a bundled event")
    try:
        measure = Measure((row.get("measure") or "").strip())
    except ValueError:
        bad("measure", f"must be one of {', '.join(Measure)}")
        measure = None
    try:
        kind = FigureKind((row.get("kind") or "").strip())
    except ValueError:
        bad("kind", f"must be one of {', '.join(FigureKind)}")
        kind = None
    text = (row.get("value") or "").strip()
    value: float | None = None
    if measure in COUNTED_MEASURES:
        try:
            value = float(text)
            if not math.isfinite(value) or value < 0:
                raise ValueError
        except ValueError:
            bad("value", f"'{text}' is not a count (a number ≥ 0)")
    elif not text:
        bad("value", "a note must say something")
    cited = (row.get("cited") or "").strip().lower()
    if cited not in ("true", "false"):
        bad("cited", "must be true or false")
    outlet = (row.get("outlet") or "").strip()
    if not outlet:
        bad("outlet", "must name who reported the figure")
    url = (row.get("source_url") or "").strip()
    if url and not is_safe_url(url):
        bad("source_url", "must be an absolute http(s) URL (or empty when the reference gives none)")
    if not url and not (row.get("recorded_in") or "").strip():
        bad("recorded_in", "a figure without an address must say where the reference records it")
    reported_text = (row.get("reported_on") or "").strip()
    reported_on = None
    if reported_text:
        try:
            reported_on = date.fromisoformat(reported_text)
        except ValueError:
            bad("reported_on", f"'{reported_text}' is not an ISO date")
    if problems:
        return None, problems
    return ReportedFigure(event_id, measure, value, text, kind, cited == "true", outlet, reported_on, url,
                          (row.get("detail") or "").strip(), (row.get("recorded_in") or "").strip()), []


def load_reported_figures(figures_path: Path, notes_path: Path, event_ids: Iterable[str]) -> ReportedFigures:
    """Read and validate figures.csv and event_notes.csv; raise DataFileError naming every bad row.

    Besides each row's own checks: an event's counted figures of one measure have exactly one
    ``cited`` figure (the one its row's source gives), so every rule has a figure to fall back on.
    """
    ids = set(event_ids)
    problems: list[FieldProblem] = []
    figures: list[ReportedFigure] = []
    for line, row in read_csv_rows(figures_path, FIGURE_COLUMNS):
        figure, row_problems = parse_figure(row, line, ids)
        problems.extend(row_problems)
        if figure is not None:
            figures.append(figure)
    for event_id in dict.fromkeys(f.event_id for f in figures):
        for measure in COUNTED_MEASURES:
            own = [f for f in figures if f.event_id == event_id and f.measure == measure]
            if own and sum(f.cited for f in own) != 1:
                problems.append(FieldProblem(0, "cited", f"{event_id} {measure}: exactly one figure must be "
                                                         f"the cited source's (found {sum(f.cited for f in own)})"))
    if problems:
        raise DataFileError(figures_path.name, problems)
    notes: list[EventNote] = []
    for line, row in read_csv_rows(notes_path, NOTE_COLUMNS):
        values = {c: (row.get(c) or "").strip() for c in NOTE_COLUMNS}
        if values["event_id"] not in ids:
            problems.append(FieldProblem(line, "event_id", f"'{values['event_id']}' is not a bundled event"))
        if values["kind"] not in set(NoteKind):
            problems.append(FieldProblem(line, "kind", f"must be one of {', '.join(NoteKind)}"))
        for required in ("field", "reason", "source"):
            if not values[required]:
                problems.append(FieldProblem(line, required, "must not be empty"))
        if not problems:
            notes.append(EventNote(values["event_id"], NoteKind(values["kind"]), values["field"], values["was"],
                                   values["now"], values["reason"], values["source"]))
    if problems:
        raise DataFileError(notes_path.name, problems)
    return ReportedFigures(tuple(figures), tuple(notes))


def counted_value(reported: ReportedFigures, event_id: str, measure: Measure,
                  rule: CountRule = DEFAULT_COUNT_RULE) -> float | None:
    """The figure the rule counts for one event (None when the event has no reported figures)."""
    return figure_under_rule(reported.for_event(event_id), measure, rule)

