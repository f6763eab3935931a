"""What one slide of a story says about the data: counts, dates, filters, sources. No dash import.

The presenter screen, the speaker notes and the briefing pack (PDF, PPTX) all read a slide
through :func:`slide_facts`, so the numbers in the room, in the notes and on paper are the same
numbers ``python -m dashboard query`` gives for the slide's filters.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.data.store import EventStore, Totals
from dashboard.data.stories import Slide, Story
from dashboard.i18n import format_number, translate
from dashboard.words.summary import filter_summary

SOURCE_COLUMNS = ("source_name", "source_url")


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


def slide_facts(store: EventStore, story: Story, index: int, lang: str,
                dataset_names: dict[str, str] | None = None) -> SlideFacts:
    """Resolve slide ``index`` (0-based, clamped into the story) against ``store``."""
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
                      missing_highlights=missing)


def sources_lines(facts: SlideFacts, lang: str, limit: int | None = None) -> list[str]:
    """``name — url`` per source (most-cited first); past ``limit``, one line says how many more."""
    lines = [f"{name} — {url}" if name and url else (name or url) for name, url, _ in facts.sources]
    if limit is not None and len(lines) > limit:
        rest = len(lines) - limit
        lines = lines[:limit] + [translate("story.more_sources", lang, count=format_number(rest, lang))]
    return lines
