"""Stories: ordered slides of saved views, stored as versioned JSON files. No dash import.

A slide is a view of the data — a ``FilterSpec``, a map view, which panels show, highlighted
events — with a title, a caption for the audience and notes for the speaker. Bundled stories
live in ``geodata/stories/`` (read-only); the user's live in ``<RUTAS_DATA_DIR>/stories/``.

File format (``"format": "rutas-story"``):

- version 2 (current): each slide has ``filters`` (the link parameters of the view, as a
  JSON object of strings), ``view`` (``{"lat", "lon", "zoom"}``), ``panels``, ``highlight``,
  ``breakdown``, ``playback``, ``notes`` and, optionally, ``indicator`` (the id of an indicator
  series, as the link's ``ind``: drawn on the map for the slide's last year and, when ``panels``
  lists ``indicator``, as its chart). A series id must be one the catalog holds.
- ``title``, ``caption`` and ``notes`` (of the story and of each slide; ``description`` of the
  story) are a plain string in the story's ``lang``, or an object with one text per language,
  ``{"en": "…", "es": "…"}``. The story's own language is read into the plain fields and the
  others into ``translations``; :func:`story_in` gives the story as one language reads it (a field
  a language lacks falls back to the story's own text). A story written in one language stays a
  plain-string file.
- version 1 (the first story files): each slide is a title, a caption and a shared ``link``
  (the query string of the v1 dashboard, ``view``, ``event`` and ``ind`` included). It loads as
  version 2 with the v1 panels (map, counts, timeline).

Parsing collects every problem and raises one :class:`StoryError` naming each slide and field.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from .cache import LruResultCache
from .charts import CHARTS
from .facets import BREAKDOWN_FIELDS, DEFAULT_BREAKDOWN
from .filters import (
    CLOSED_VOCABULARIES,
    FILTER_PARAMS,
    FilterSpec,
    MapView,
    filter_from_query_params,
    parse_url_state,
    query_params_from_filter,
    split_list_param,
)
from .indicators import SERIES_ID, indicator_catalog
from .interprocess import file_lock, owned_prefix
from .interprocess import remove_leftovers as remove_dead_entries
from .language import DEFAULT_LANGUAGE, LANGUAGES
from .schema import DataFileError

STORY_FORMAT = "rutas-story"
STORY_VERSION = 2
SUPPORTED_VERSIONS = (1, 2)
GEODATA_DIR = Path(__file__).resolve().parents[2] / "geodata"
BUNDLED_STORIES_DIR = GEODATA_DIR / "stories"

MAX_STORY_BYTES = 1_000_000
MAX_SLIDES = 100
MAX_TITLE = 200
MAX_CAPTION = 2_000
MAX_NOTES = 6_000
MAX_HIGHLIGHT = 50
STORY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # use fullmatch: "$" allows a final newline


# What a slide shows besides its title and caption: the map, the headline counts, then every
# other chart of the registry.
Panel = StrEnum("Panel", [("MAP", "map"), ("COUNTS", "counts"),
                          *((chart.kind.upper(), chart.kind) for chart in CHARTS if chart.kind != "map")])
Panel.__module__ = __name__


V1_PANELS = (Panel.MAP, Panel.COUNTS, Panel.TIMELINE)
DEFAULT_PANELS = (Panel.MAP, Panel.COUNTS)


class PlaybackStep(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PlaybackMode(StrEnum):
    CUMULATIVE = "cumulative"  # from the start of the range to the current step
    ROLLING = "rolling"  # the last ``window`` steps only


@dataclass(frozen=True)
class SlidePlayback:
    """How the slide plays its date range when the presenter presses Play."""

    step: PlaybackStep = PlaybackStep.YEAR
    mode: PlaybackMode = PlaybackMode.CUMULATIVE
    window: int = 1  # steps in a rolling window


TRANSLATED_FIELDS = ("title", "caption", "notes")  # a slide's texts that may carry one text per language
STORY_TRANSLATED_FIELDS = ("title", "description")


@dataclass(frozen=True)
class Translation:
    """A slide's or a story's texts in a language other than the story's own (blank: not translated)."""

    lang: str
    title: str = ""
    caption: str = ""
    notes: str = ""
    description: str = ""


def _translated(translations: tuple[Translation, ...], lang: str) -> Translation | None:
    return next((t for t in translations if t.lang == lang), None)


def _with_translation(translations: tuple[Translation, ...], lang: str, **texts: str) -> tuple[Translation, ...]:
    """``translations`` with ``lang``'s texts changed (added when it had none), in language order."""
    current = _translated(translations, lang) or Translation(lang)
    changed = replace(current, **texts)
    kept = [t for t in translations if t.lang != lang]
    return tuple(sorted([*kept, changed], key=lambda t: t.lang))


@dataclass(frozen=True)
class Slide:
    title: str
    caption: str = ""
    notes: str = ""
    spec: FilterSpec = field(default_factory=FilterSpec)
    view: MapView | None = None
    panels: tuple[Panel, ...] = DEFAULT_PANELS
    highlight: tuple[str, ...] = ()
    breakdown_field: str = DEFAULT_BREAKDOWN
    playback: SlidePlayback | None = None
    translations: tuple[Translation, ...] = ()  # title, caption, notes in the story's other languages
    indicator: str = ""  # an indicator series id (the link's ``ind``); "" for none

    @property
    def query(self) -> str:
        """The slide's filters (and series) as a link query string (what ``python -m dashboard query`` takes)."""
        from .filters import UrlState, build_search

        return build_search(UrlState(spec=self.spec, indicator=self.indicator)).lstrip("?")

    def shows(self, panel: Panel | str) -> bool:
        return Panel(panel) in self.panels


@dataclass(frozen=True)
class Story:
    story_id: str
    title: str
    slides: tuple[Slide, ...] = ()
    lang: str = DEFAULT_LANGUAGE
    description: str = ""
    bundled: bool = False  # where it was read from; never written into the file
    translations: tuple[Translation, ...] = ()  # title, description in the story's other languages

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the story's texts are written in, its own first."""
        others = {t.lang for item in (self, *self.slides) for t in item.translations}
        return (self.lang, *sorted(others - {self.lang}))

    def with_slides(self, slides: list[Slide] | tuple[Slide, ...]) -> Story:
        return replace(self, slides=tuple(slides))


def slide_in(slide: Slide, lang: str, own: str) -> Slide:
    """``slide`` as ``lang`` reads it (``own`` is the story's language): each text in ``lang`` where
    the slide has it, else the story's own text."""
    if lang == own:
        return slide
    translated = _translated(slide.translations, lang)
    if translated is None:
        return slide
    return replace(slide, **{name: getattr(translated, name) or getattr(slide, name) for name in TRANSLATED_FIELDS})


def story_in(story: Story, lang: str) -> Story:
    """The story as ``lang`` reads it: titles, captions and notes in ``lang`` where written, else in
    the story's own language. The result is for showing; edits go through :func:`slide_with_texts`."""
    if lang == story.lang:
        return story
    translated = _translated(story.translations, lang)
    texts = {name: getattr(translated, name) or getattr(story, name) for name in STORY_TRANSLATED_FIELDS} \
        if translated else {}
    return replace(story, **texts, slides=tuple(slide_in(slide, lang, story.lang) for slide in story.slides))


def slide_with_texts(slide: Slide, lang: str, own: str, **texts: str) -> Slide:
    """``slide`` with its ``title``/``caption``/``notes`` set in ``lang``: the plain fields when
    ``lang`` is the story's own language (``own``), else that language's translation."""
    if lang == own:
        return replace(slide, **texts)
    return replace(slide, translations=_with_translation(slide.translations, lang, **texts))


@dataclass(frozen=True)
class StoryProblem:
    """One thing wrong in a story file: which slide (1-based; None = the story), which field, why."""

    slide: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"slide {self.slide}, field '{self.field}'" if self.slide else f"field '{self.field}'"
        return f"{where}: {self.message}"


class StoryError(ValueError):
    """A story file that cannot be used; ``problems`` lists every slide and field at fault."""

    def __init__(self, problems: list[StoryProblem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + "; ".join(str(p) for p in problems))


class StoryNotFound(KeyError):  # noqa: N818  (named like DatasetNotFound)
    """No story has this id."""


# ---- parsing -------------------------------------------------------------------------------------
def slugify(text: str, fallback: str = "story") -> str:
    """A story id from a title: lower-case ASCII letters, digits and hyphens, at most 64 chars."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:64].strip("-")
    return slug if slug and STORY_ID.fullmatch(slug) else fallback


def bundled_series() -> frozenset[str]:
    """The ids of the bundled indicator series (what a story may name when no catalog is given)."""
    return frozenset(info.series_id for info in indicator_catalog(GEODATA_DIR, None).series())


class _Reader:
    """Collects problems while reading one story, so a file reports all of them at once."""

    def __init__(self, series: Collection[str] | None = None) -> None:
        self.problems: list[StoryProblem] = []
        self._series = series  # known indicator series; None: the bundled ones, read when first needed

    def problem(self, slide: int | None, name: str, message: str) -> None:
        self.problems.append(StoryProblem(slide, name, message))

    def text(self, data: dict, key: str, slide: int | None, limit: int, *, required: bool = False) -> str:
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem(slide, key, f"expected text, got {type(value).__name__}")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(slide, key, "is empty")
        if len(value) > limit:
            self.problem(slide, key, f"longer than {limit} characters ({len(value)})")
            return value[:limit]
        return value

    def texts(self, data: dict, key: str, slide: int | None, limit: int, own: str, *,
              required: bool = False) -> tuple[str, dict[str, str]]:
        """A text that is a plain string (in the story's language ``own``) or ``{"en": …, "es": …}``:
        the text in ``own`` and the others by language."""
        value = data.get(key)
        if not isinstance(value, dict):
            return self.text(data, key, slide, limit, required=required), {}
        unknown = sorted(str(k) for k in value if k not in LANGUAGES)
        if unknown:
            self.problem(slide, key, f"unknown language {', '.join(map(repr, unknown))} "
                                     f"(expected {', '.join(LANGUAGES)})")
        # Each language's text is checked as a field of its own ("title.es"), so a problem names it.
        texts = {lang: self.text({f"{key}.{lang}": value[lang]}, f"{key}.{lang}", slide, limit)
                 for lang in LANGUAGES if lang in value}
        first = next((text for text in texts.values() if text), "")
        mine = texts.get(own) or first  # a story without its own language's text reads the first one
        if required and not mine:
            self.problem(slide, key, "is empty")
        return mine, {lang: text for lang, text in texts.items() if lang != own and text}

    def view(self, value: object, slide: int) -> MapView | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(slide, "view", "expected an object with lat, lon and zoom")
            return None
        raw = [value.get(k) for k in ("lat", "lon", "zoom")]
        try:
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw):
                raise TypeError("not numbers")
            lat, lon, zoom = (float(v) for v in raw)
            if not all(math.isfinite(v) for v in (lat, lon, zoom)):
                raise ValueError("not finite")
        except (TypeError, ValueError, OverflowError):
            self.problem(slide, "view", "expected numbers lat, lon and zoom")
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= zoom <= 22):
            self.problem(slide, "view", f"out of range (lat {lat}, lon {lon}, zoom {zoom})")
            return None
        return MapView(lat, lon, zoom)

    def filters(self, value: object, slide: int, name: str = "filters") -> FilterSpec:
        if value is None:
            return FilterSpec()
        if not isinstance(value, dict) or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()):
            self.problem(slide, name, "expected an object of link parameters, e.g. {\"type\": \"drug_seizure\"}")
            return FilterSpec()
        params = {str(k): str(v) for k, v in value.items()}
        unknown = sorted(set(params) - FILTER_PARAMS)
        for param in unknown:
            self.problem(slide, f"{name}.{param}", "not a filter parameter")
        spec, notices = filter_from_query_params({k: v for k, v in params.items() if k in FILTER_PARAMS})
        for param, message in notices:
            text = _NOTICE_TEXT.get(message, message)
            if message == "notice.unknown_value":
                unknown_values = set(split_list_param(params[param])) - CLOSED_VOCABULARIES[param]
                text = f"unknown {', '.join(repr(v) for v in sorted(unknown_values))}"
            self.problem(slide, f"{name}.{param}", text)
        return spec

    def choices(self, value: object, slide: int, name: str, allowed: type[StrEnum] | tuple[str, ...],
                default: tuple) -> tuple:
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(slide, name, "expected a list of names")
            return default
        known = [v.value for v in allowed] if isinstance(allowed, type) else list(allowed)
        bad = [v for v in value if v not in known]
        if bad:
            self.problem(slide, name, f"unknown {', '.join(repr(b) for b in bad)} (known: {', '.join(known)})")
        kept = tuple(dict.fromkeys(v for v in value if v in known))
        return tuple(allowed(v) for v in kept) if isinstance(allowed, type) else kept

    def indicator(self, value: object, slide: int, name: str = "indicator") -> str:
        """An indicator series id the catalog holds ("" for none)."""
        if value is None or value == "":
            return ""
        if not isinstance(value, str) or not SERIES_ID.fullmatch(value):
            self.problem(slide, name, "expected an indicator series id (lower-case letters, digits and '_')")
            return ""
        if self._series is None:
            self._series = bundled_series()
        if value not in self._series:
            self.problem(slide, name, f"unknown series {value!r} (known: {', '.join(sorted(self._series))})")
            return ""
        return value

    def playback(self, value: object, slide: int) -> SlidePlayback | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(slide, "playback", "expected an object with step, mode and window")
            return None
        try:
            step = PlaybackStep(value.get("step", PlaybackStep.YEAR))
        except ValueError:
            self.problem(slide, "playback.step", f"expected one of {', '.join(PlaybackStep)}")
            step = PlaybackStep.YEAR
        try:
            mode = PlaybackMode(value.get("mode", PlaybackMode.CUMULATIVE))
        except ValueError:
            self.problem(slide, "playback.mode", f"expected one of {', '.join(PlaybackMode)}")
            mode = PlaybackMode.CUMULATIVE
        window = value.get("window", 1)
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 120:
            self.problem(slide, "playback.window", "expected a whole number of steps from 1 to 120")
            window = 1
        return SlidePlayback(step, mode, window)


_NOTICE_TEXT = {
    "notice.bad_date": "not an ISO date (YYYY-MM-DD)",
    "notice.date_order": "'from' is after 'to'",
    "notice.too_many": "too many values",
    "notice.bad_number": "not a non-negative number",
    "notice.kg_order": "kg_min is greater than kg_max",
    "notice.bad_bbox": "expected west,south,east,north in degrees",
    "notice.bad_poly": "expected lon,lat;lon,lat;… with 3 to 500 vertices",
    "notice.unknown_value": "unknown values",
    "notice.bad_view": "expected lat,lon,zoom",
    "notice.bad_lang": f"expected one of {', '.join(LANGUAGES)}",
}


def _translations(by_field: dict[str, dict[str, str]]) -> tuple[Translation, ...]:
    """``{field: {lang: text}}`` as one :class:`Translation` per language, in language order."""
    langs = sorted({lang for texts in by_field.values() for lang in texts})
    return tuple(Translation(lang, **{name: texts.get(lang, "") for name, texts in by_field.items()})
                 for lang in langs)


def _slide_v2(reader: _Reader, data: object, number: int, own: str = DEFAULT_LANGUAGE) -> Slide | None:
    if not isinstance(data, dict):
        reader.problem(number, "slide", "expected an object")
        return None
    highlight = data.get("highlight", [])
    if not isinstance(highlight, list) or not all(isinstance(v, str) and v.strip() for v in highlight):
        reader.problem(number, "highlight", "expected a list of event ids")
        highlight = []
    if len(highlight) > MAX_HIGHLIGHT:
        reader.problem(number, "highlight", f"more than {MAX_HIGHLIGHT} events")
        highlight = highlight[:MAX_HIGHLIGHT]
    breakdown = data.get("breakdown", DEFAULT_BREAKDOWN)
    if breakdown not in BREAKDOWN_FIELDS:
        reader.problem(number, "breakdown", f"expected one of {', '.join(BREAKDOWN_FIELDS)}")
        breakdown = DEFAULT_BREAKDOWN
    panels = reader.choices(data.get("panels"), number, "panels", Panel, DEFAULT_PANELS)
    title, titles = reader.texts(data, "title", number, MAX_TITLE, own, required=True)
    caption, captions = reader.texts(data, "caption", number, MAX_CAPTION, own)
    notes, notes_by_lang = reader.texts(data, "notes", number, MAX_NOTES, own)
    return Slide(
        title=title, caption=caption, notes=notes,
        translations=_translations({"title": titles, "caption": captions, "notes": notes_by_lang}),
        spec=reader.filters(data.get("filters"), number),
        view=reader.view(data.get("view"), number),
        panels=panels,
        highlight=tuple(dict.fromkeys(v.strip() for v in highlight)),
        breakdown_field=breakdown,
        playback=reader.playback(data.get("playback"), number),
        indicator=reader.indicator(data.get("indicator"), number),
    )


def _slide_v1(reader: _Reader, data: object, number: int, own: str = DEFAULT_LANGUAGE) -> Slide | None:
    """A version-1 slide: title, caption and the shared link of a view."""
    if not isinstance(data, dict):
        reader.problem(number, "slide", "expected an object")
        return None
    link = data.get("link", "")
    if not isinstance(link, str):
        reader.problem(number, "link", "expected a link or query string")
        link = ""
    query = link.split("#", 1)[0].split("?", 1)[-1]
    state, notices = parse_url_state(query)
    for param, message in notices:
        reader.problem(number, f"link.{param}", _NOTICE_TEXT.get(message, message))
    return Slide(
        title=reader.text(data, "title", number, MAX_TITLE, required=True),
        caption=reader.text(data, "caption", number, MAX_CAPTION),
        spec=state.spec, view=state.view, panels=V1_PANELS,
        highlight=(state.selected,) if state.selected else (),
        indicator=reader.indicator(state.indicator, number, "link.ind"),
    )


def story_from_dict(data: object, *, source: str = "", bundled: bool = False,
                    series: Collection[str] | None = None) -> Story:
    """Read a story (any supported version); raise :class:`StoryError` listing every problem.
    ``series``: the indicator series a slide may name (None: the bundled ones)."""
    reader = _Reader(series)
    if not isinstance(data, dict):
        raise StoryError([StoryProblem(None, "story", "expected a JSON object")], source)
    if data.get("format", STORY_FORMAT) != STORY_FORMAT:
        raise StoryError([StoryProblem(None, "format", f"expected '{STORY_FORMAT}'")], source)
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS or isinstance(version, bool):
        raise StoryError([StoryProblem(None, "version", f"expected one of {', '.join(map(str, SUPPORTED_VERSIONS))}"
                                                        f", got {version!r}")], source)
    lang = data.get("lang", DEFAULT_LANGUAGE)
    if lang not in LANGUAGES:
        reader.problem(None, "lang", f"expected one of {', '.join(LANGUAGES)}")
        lang = DEFAULT_LANGUAGE
    title, titles = reader.texts(data, "title", None, MAX_TITLE, lang, required=True)
    story_id = data.get("id") or slugify(title)
    if not isinstance(story_id, str) or not STORY_ID.fullmatch(story_id):
        reader.problem(None, "id", "expected lower-case letters, digits and hyphens (at most 64)")
        story_id = slugify(title)
    raw_slides = data.get("slides")
    if not isinstance(raw_slides, list) or not raw_slides:
        reader.problem(None, "slides", "expected a list of at least one slide")
        raw_slides = []
    if len(raw_slides) > MAX_SLIDES:
        reader.problem(None, "slides", f"more than {MAX_SLIDES} slides ({len(raw_slides)})")
        raw_slides = raw_slides[:MAX_SLIDES]
    read_slide = _slide_v1 if version == 1 else _slide_v2
    slides = [read_slide(reader, item, number, lang) for number, item in enumerate(raw_slides, start=1)]
    description, descriptions = reader.texts(data, "description", None, MAX_CAPTION, lang)
    if reader.problems:
        raise StoryError(reader.problems, source)
    return Story(story_id=story_id, title=title, slides=tuple(s for s in slides if s is not None), lang=lang,
                 description=description, bundled=bundled,
                 translations=_translations({"title": titles, "description": descriptions}))


def parse_story(data: bytes | str, *, source: str = "", bundled: bool = False,
                series: Collection[str] | None = None) -> Story:
    """Read a story file's bytes; a file that is not JSON is a :class:`StoryError` too."""
    if len(data) > MAX_STORY_BYTES:
        raise StoryError([StoryProblem(None, "file", f"larger than {MAX_STORY_BYTES:,} bytes")], source)
    try:
        loaded = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise StoryError([StoryProblem(None, "file", f"not JSON ({error})")], source) from None
    except RecursionError:
        raise StoryError([StoryProblem(None, "file", "nested too deeply")], source) from None
    try:
        return story_from_dict(loaded, source=source, bundled=bundled, series=series)
    except (RecursionError, OverflowError, TypeError) as error:  # hostile values the reader did not foresee
        raise StoryError([StoryProblem(None, "file", f"unreadable values ({type(error).__name__})")],
                         source) from None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


# ---- writing -------------------------------------------------------------------------------------
def _text_value(item: Slide | Story, name: str, own: str) -> str | dict[str, str]:
    """A text as the file holds it: a plain string, or ``{lang: text}`` when it is translated."""
    own_text = getattr(item, name)
    others = {t.lang: getattr(t, name) for t in item.translations if getattr(t, name)}
    return {own: own_text, **others} if others else own_text


def slide_to_dict(slide: Slide, own: str = DEFAULT_LANGUAGE) -> dict[str, object]:
    data: dict[str, object] = {"title": _text_value(slide, "title", own),
                               "caption": _text_value(slide, "caption", own)}
    if slide.notes or any(t.notes for t in slide.translations):
        data["notes"] = _text_value(slide, "notes", own)
    data["filters"] = query_params_from_filter(slide.spec)
    if slide.view is not None:
        data["view"] = {"lat": round(slide.view.lat, 5), "lon": round(slide.view.lon, 5),
                        "zoom": round(slide.view.zoom, 3)}
    data["panels"] = [p.value for p in slide.panels]
    if slide.highlight:
        data["highlight"] = list(slide.highlight)
    if slide.breakdown_field != DEFAULT_BREAKDOWN:
        data["breakdown"] = slide.breakdown_field
    if slide.playback is not None:
        data["playback"] = {"step": slide.playback.step.value, "mode": slide.playback.mode.value,
                            "window": slide.playback.window}
    if slide.indicator:
        data["indicator"] = slide.indicator
    return data


def story_to_dict(story: Story) -> dict[str, object]:
    """The version-2 JSON object of a story (what :func:`story_from_dict` reads back)."""
    data: dict[str, object] = {"format": STORY_FORMAT, "version": STORY_VERSION, "id": story.story_id,
                               "title": _text_value(story, "title", story.lang), "lang": story.lang}
    if story.description or any(t.description for t in story.translations):
        data["description"] = _text_value(story, "description", story.lang)
    data["slides"] = [slide_to_dict(s, story.lang) for s in story.slides]
    return data


def story_json(story: Story) -> bytes:
    return (json.dumps(story_to_dict(story), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ---- editing (pure: each returns a new story) ----------------------------------------------------
def _check_index(story: Story, index: int) -> None:
    if not 0 <= index < len(story.slides):
        raise IndexError(f"slide {index + 1} does not exist (the story has {len(story.slides)})")


def add_slide(story: Story, slide: Slide, at: int | None = None) -> Story:
    if len(story.slides) >= MAX_SLIDES:
        raise ValueError(f"a story holds at most {MAX_SLIDES} slides")
    slides = list(story.slides)
    slides.insert(len(slides) if at is None else max(0, min(at, len(slides))), slide)
    return story.with_slides(slides)


def move_slide(story: Story, index: int, offset: int) -> Story:
    """Move slide ``index`` by ``offset`` places (clamped at either end)."""
    _check_index(story, index)
    slides = list(story.slides)
    slide = slides.pop(index)
    slides.insert(max(0, min(index + offset, len(slides))), slide)
    return story.with_slides(slides)


def delete_slide(story: Story, index: int) -> Story:
    _check_index(story, index)
    return story.with_slides(story.slides[:index] + story.slides[index + 1:])


def duplicate_slide(story: Story, index: int) -> Story:
    _check_index(story, index)
    return add_slide(story, story.slides[index], at=index + 1)


def edit_slide(story: Story, index: int, **changes: object) -> Story:
    _check_index(story, index)
    slides = list(story.slides)
    slides[index] = replace(slides[index], **changes)
    return story.with_slides(slides)


# ---- storage -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoryListing:
    story_id: str
    title: str
    slides: int
    bundled: bool
    other_titles: tuple[tuple[str, str], ...] = ()  # (language, title) where the story is translated

    def title_in(self, lang: str) -> str:
        """The story's title as ``lang`` reads it (its own title where it has none in ``lang``)."""
        return dict(self.other_titles).get(lang) or self.title

    def to_json(self) -> dict[str, object]:
        return {"id": self.story_id, "title": self.title, "slides": self.slides, "bundled": self.bundled}


STORY_TEMP_PREFIX = ".tmp-"  # + the writer's pid: the clean-up keeps a save in progress
STORIES_LOCK_FILE = ".stories.lock"  # in the data directory, so ``stories/`` holds only stories


def known_series(data_dir: Path | None) -> frozenset[str]:
    """The indicator series a slide may name: the bundled ones and those imported into ``data_dir``
    (only the bundled ones while the imported file is broken)."""
    try:
        catalog = indicator_catalog(GEODATA_DIR, data_dir)
    except DataFileError:
        catalog = indicator_catalog(GEODATA_DIR, None)
    return frozenset(info.series_id for info in catalog.series())


# Stories as parsed, by file name, content and the series a slide may name: every page load lists
# the stories (~1.5 ms a file to parse), and a file is parsed again only once its bytes changed.
# Stories are frozen: shared safely.
PARSED_STORIES_KEPT = 256
_parsed = LruResultCache(max_entries=PARSED_STORIES_KEPT)


class StoryRepository:
    """Bundled stories (read-only) and the user's stories in ``<data_dir>/stories``.

    Every write holds one file lock shared by all processes on the data directory (gunicorn
    workers, the CLI), and :meth:`locked` lets a caller hold it across a check and a save, so a
    change made at a revision the file no longer has can be refused instead of lost.
    """

    def __init__(self, data_dir: Path | str, bundled_dir: Path | str = BUNDLED_STORIES_DIR) -> None:
        self.data_dir = Path(data_dir)
        self.user_dir = Path(data_dir) / "stories"
        self.bundled_dir = Path(bundled_dir)
        self.lock_path = Path(data_dir) / STORIES_LOCK_FILE

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the user stories' lock (across processes and threads; re-entrant in one thread)."""
        with file_lock(self.lock_path):
            yield

    def _path(self, story_id: str, bundled: bool) -> Path:
        if not isinstance(story_id, str) or not STORY_ID.fullmatch(story_id):
            raise StoryNotFound(str(story_id))
        return (self.bundled_dir if bundled else self.user_dir) / f"{story_id}.json"

    def series(self) -> frozenset[str]:
        """The indicator series a slide may name (:func:`known_series`)."""
        return known_series(self.data_dir)

    def _read(self, path: Path, bundled: bool, series: frozenset[str]) -> Story:
        """The story in ``path``; ``series``: :meth:`series`, read once by the caller for all its files."""
        content = path.read_bytes()
        key = (path.name, bundled, series, hashlib.blake2b(content, digest_size=20).digest())
        story = _parsed.get(key)
        if story is None:
            story = parse_story(content, source=path.name, bundled=bundled, series=series)
            story = replace(story, story_id=path.stem)  # the file name is the id that links use
            _parsed.set(key, story)
        return story

    def get(self, story_id: str) -> Story:
        """The story with this id; a bundled story wins over a user file that took its id later."""
        for bundled in (True, False):
            path = self._path(story_id, bundled)
            if path.is_file():
                try:
                    return self._read(path, bundled, self.series())
                except FileNotFoundError:  # deleted by another request meanwhile
                    break
        raise StoryNotFound(story_id)

    def list(self) -> tuple[list[StoryListing], list[StoryError]]:
        """Every readable story (bundled first, then the user's by title) and the files that were not."""
        listings, errors = [], []
        series = self.series()
        for bundled in (True, False):
            folder = self.bundled_dir if bundled else self.user_dir
            found = []
            for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
                if not STORY_ID.fullmatch(path.stem):
                    continue
                if not bundled and self._path(path.stem, True).is_file():
                    errors.append(StoryError([StoryProblem(None, "id", "a bundled story has this id; rename the "
                                                                       "file to keep it")], path.name))
                    continue
                try:
                    story = self._read(path, bundled, series)
                except (StoryError, OSError) as error:
                    errors.append(error if isinstance(error, StoryError)
                                  else StoryError([StoryProblem(None, "file", str(error))], path.name))
                    continue
                found.append(StoryListing(story.story_id, story.title, len(story.slides), bundled,
                                          tuple((t.lang, t.title) for t in story.translations if t.title)))
            listings.extend(sorted(found, key=lambda s: (s.title.lower(), s.story_id)))
        return listings, errors

    def is_bundled(self, story_id: str) -> bool:
        return self._path(story_id, True).is_file()

    def free_id(self, wanted: str) -> str:
        """``wanted`` if no story has it, else ``wanted-2``, ``wanted-3``…"""
        base = slugify(wanted)[:60].strip("-") or "story"
        candidate, number = base, 1
        while self._path(candidate, False).exists() or self._path(candidate, True).exists():
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    def save(self, story: Story) -> Story:
        """Write a user story atomically (temp file + rename); bundled ids are refused."""
        if self._path(story.story_id, True).is_file():
            raise ValueError(f"'{story.story_id}' is a bundled story; save a copy under another id")
        story_from_dict(story_to_dict(story), series=self.series())  # never write what could not be read back
        path = self._path(story.story_id, False)
        self.user_dir.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.user_dir, prefix=owned_prefix(STORY_TEMP_PREFIX), suffix=".json")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(story_json(story))
            with self.locked():
                os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return replace(story, bundled=False)

    def create(self, story: Story) -> Story:
        """Save a new user story under a free id made from its id (``wanted``, ``wanted-2``…), never
        overwriting: the id is chosen and the file written under the lock, so two processes
        creating the same title at once get two ids."""
        with self.locked():
            return self.save(replace(story, story_id=self.free_id(story.story_id)))

    def delete(self, story_id: str) -> None:
        """Delete a user story; ``StoryNotFound`` when there is none (also when deleted meanwhile)."""
        path = self._path(story_id, False)
        with self.locked():
            try:
                path.unlink()
            except (FileNotFoundError, IsADirectoryError):
                raise StoryNotFound(story_id) from None

    def import_bytes(self, data: bytes, file_name: str = "") -> Story:
        """Validate a story file and keep it under a free id (an import never overwrites)."""
        return self.create(parse_story(data, source=file_name, series=self.series()))

    def remove_leftovers(self) -> list[str]:
        """Delete the temporary files of saves that died (owner gone, or older than an hour)."""
        return remove_dead_entries(self.user_dir, (STORY_TEMP_PREFIX,), suffix=".json")
