"""What one slide of a story says about the data: counts, dates, filters, sources. No dash import.

The presenter screen, the speaker notes and the briefing pack (PDF, PPTX) all read a slide
through :func:`slide_facts`, so the numbers in the room, in the notes and on paper are the same
numbers ``python -m dashboard query`` gives for the slide's filters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.data.schema import EventType
from dashboard.data.store import EventStore, Totals
from dashboard.data.stories import Slide, Story
from dashboard.i18n import format_number, translate_count
from dashboard.words.summary import filter_summary

SOURCE_COLUMNS = ("source_name", "source_url")
COUNTERS = ("events", "fatalities", "kg", "sources")  # the headline numbers, in the order they are shown
# A counter that cannot apply is left out ("0 kg seized" on an attack slide says nothing). Reports
# of these types state a quantity or a toll, so there even a 0 is news; on other slides the
# counter shows only when one of the slide's events records more than none.
COUNTED_BY_TYPE = {
    "kg": frozenset({EventType.DRUG_SEIZURE, EventType.AIRCRAFT_INTERDICTION}),
    "fatalities": frozenset({EventType.ATTACK_ON_SECURITY_FORCES, EventType.ARMED_CLASH,
                             EventType.ATTACK_ON_CIVILIANS}),
}
COUNTER_COLUMNS = {"kg": "quantity_kg", "fatalities": "fatalities"}


@dataclass(frozen=True)
class SlideFacts:
    """One slide, resolved against the data (``number`` is 1-based)."""

    slide: Slide
    number: int
    slide_count: int
    totals: Totals
    counts: dict[str, str]  # events, fatalities, kg, sources — formatted for the language
    filters: str  # the filters in words
    sources: tuple[tuple[str, str, int], ...]  # (name, url, events citing it), most-cited first
    missing_highlights: tuple[str, ...]  # highlighted event ids the data does not hold
    counters: tuple[str, ...] = COUNTERS  # the counters that apply to the slide (see COUNTED_BY_TYPE)

    def count_label(self, counter: str, lang: str) -> str:
        """The word under a headline number, singular or plural for it ("1 event", "2 events")."""
        return translate_count(f"present.{counter}", self.raw_counts[counter], lang)

    @property
    def raw_counts(self) -> dict[str, float]:
        return {"events": self.totals.events, "fatalities": self.totals.fatalities, "kg": self.totals.kg_seized,
                "sources": self.totals.sources}

    @property
    def progress(self) -> str:
        return f"{self.number} / {self.slide_count}"

    @property
    def is_last(self) -> bool:
        return self.number == self.slide_count


def slide_sources(store: EventStore, slide: Slide) -> tuple[tuple[str, str, int], ...]:
    """The published reports behind the slide's events, most-cited first (generated rows excluded).

    One entry per report as the headline "sources" count counts them: by URL, or by name when a
    row has no URL (the first name seen for a URL names it).
    """
    columns = store.rows(slide.spec, (*SOURCE_COLUMNS, "synthetic"), descending=False)
    counts: dict[str, int] = {}
    names: dict[str, tuple[str, str]] = {}
    for name, url, synthetic in zip(columns["source_name"], columns["source_url"], columns["synthetic"]):
        if synthetic:
            continue
        name, url = str(name or "").strip(), str(url or "").strip()
        key = url or f"name:{name}"
        if key == "name:":
            continue
        counts[key] = counts.get(key, 0) + 1
        names.setdefault(key, (name, url))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], names[item[0]]))
    return tuple((*names[key], n) for key, n in ranked)


def applicable_counters(store: EventStore, slide: Slide) -> tuple[str, ...]:
    """The headline counters that mean something for the slide's events (over all its dates).

    Events and sources always apply; kg seized and deaths when an event of the slide is of a type
    whose reports count them (:data:`COUNTED_BY_TYPE`) or records more than none (a file that writes
    0 deaths on every row, as ACLED does, does not bring a "0 deaths" line to a seizure slide).
    """
    columns = store.rows(slide.spec, ("event_type", *COUNTER_COLUMNS.values()), descending=False)
    types = set(np.asarray(columns["event_type"]).astype(str))
    applies = {counter: bool(types & COUNTED_BY_TYPE[counter])
               or bool((np.nan_to_num(np.asarray(columns[column], dtype=float)) > 0).any())
               for counter, column in COUNTER_COLUMNS.items()}
    return tuple(counter for counter in COUNTERS if applies.get(counter, True))


def slide_facts(store: EventStore, story: Story, index: int, lang: str,
                dataset_names: dict[str, str] | None = None, counters: tuple[str, ...] | None = None) -> SlideFacts:
    """Resolve slide ``index`` (0-based, clamped into the story) against ``store``.

    ``counters`` are the counters that apply when the caller already knows them (a playback frame
    keeps the slide's, so a line does not come and go between frames).
    """
    if not story.slides:
        raise ValueError(f"story '{story.story_id}' has no slides")
    index = max(0, min(int(index), len(story.slides) - 1))
    slide = story.slides[index]
    totals = store.totals(slide.spec)
    counts = {"events": format_number(totals.events, lang), "fatalities": format_number(totals.fatalities, lang),
              "kg": format_number(totals.kg_seized, lang), "sources": format_number(totals.sources, lang)}
    missing = tuple(event_id for event_id in slide.highlight if store.event(event_id) is None)
    return SlideFacts(slide=slide, number=index + 1, slide_count=len(story.slides), totals=totals, counts=counts,
                      filters=filter_summary(slide.spec, lang, dataset_names), sources=slide_sources(store, slide),
                      missing_highlights=missing,
                      counters=applicable_counters(store, slide) if counters is None else counters)


def sources_lines(facts: SlideFacts, lang: str, limit: int | None = None) -> list[str]:
    """``name — url`` per source (most-cited first); past ``limit``, one line says how many more."""
    lines = [f"{name} — {url}" if name and url else (name or url) for name, url, _ in facts.sources]
    if limit is not None and len(lines) > limit:
        rest = len(lines) - limit
        lines = lines[:limit] + [translate_count("story.more_sources", rest, lang)]
    return lines
