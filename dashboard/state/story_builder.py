"""Pure helpers of the Story panel: slides from views, listing rows, selection and edits. No dash import.

The callbacks in ``dashboard/callbacks/stories.py`` parse their inputs, call these and format
the result; everything that decides what a slide holds or what a story becomes lives here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from dashboard.data.filters import FilterSpec, UrlState, build_search, parse_url_state
from dashboard.data.language import DEFAULT_LANGUAGE
from dashboard.data.stories import (
    MAX_TITLE,
    V1_PANELS,
    Panel,
    Slide,
    Story,
    StoryError,
    StoryListing,
    StoryNotFound,
    StoryRepository,
    add_slide,
    delete_slide,
    duplicate_slide,
    edit_slide,
    move_slide,
    slide_with_texts,
    slugify,
    story_from_dict,
    story_in,
    story_json,
    story_to_dict,
)
from dashboard.exports.captions import default_title
from dashboard.exports.spec import ChartKind
from dashboard.i18n import translate, translate_count
from dashboard.words.summary import filter_summary

# What a new slide shows unless the user unticks it: the map, the headline counts and the timeline.
DEFAULT_SLIDE_PANELS = tuple(p.value for p in V1_PANELS)
PANEL_ORDER = tuple(p.value for p in Panel)


class SlideAction:
    """What a button on a slide row does (the pattern-matching id's ``type`` names it)."""

    MOVE_UP = "up"
    MOVE_DOWN = "down"
    DUPLICATE = "duplicate"
    DELETE = "delete"


@dataclass(frozen=True)
class SlideRow:
    """One line of the slide list (``number`` is 1-based)."""

    number: int
    title: str
    summary: str  # the slide's filters in one line of words
    caption: str
    notes: str
    panels: tuple[str, ...]
    href: str  # the dashboard showing the slide's view


# ---- selection: {"id": saved story or None, "draft": title of a story with no slide yet, "revision": n,
#                  "hash": content hash of the story as the panel last read it (None: not known)} ----
def selection(story_id: str | None, revision: int = 0, draft: str | None = None,
              content_hash: str | None = None) -> dict[str, object]:
    """The story panel's store: which story is being edited, bumped on every change so the list re-reads it.

    ``hash`` is the story's content as the list shows it: a change made from that list is refused
    when the file no longer has it (a double click, or another window changed the story).
    """
    return {"id": story_id or None, "draft": (draft or None) if not story_id else None, "revision": int(revision),
            "hash": content_hash if story_id else None}


def next_selection(current: dict | None, story_id: str | None, draft: str | None = None,
                   content_hash: str | None = None) -> dict[str, object]:
    """The selection after a change: the given story (or draft), one revision later."""
    return selection(story_id, int((current or {}).get("revision") or 0) + 1, draft, content_hash)


def selected_id(current: dict | None) -> str | None:
    return (current or {}).get("id") or None


def selected_hash(current: dict | None) -> str | None:
    """The content hash the user acted on (None when the selection does not know it)."""
    return (current or {}).get("hash") or None


def story_hash(story: Story) -> str:
    """A short hash of the story's file content (``story_json``): its revision for the lost-update check."""
    return hashlib.sha256(story_json(story)).hexdigest()[:16]


def current_hash(repository: StoryRepository, story_id: str | None) -> str | None:
    """The hash of the story as its file is now; None when there is no such (readable) story."""
    story = find_story(repository, story_id)
    return story_hash(story) if story is not None else None


def fresh_selection(repository: StoryRepository, current: dict | None, story_id: str | None,
                    draft: str | None = None) -> dict[str, object]:
    """``next_selection`` carrying the story's hash as its file is now (what the redrawn list will show)."""
    return next_selection(current, story_id, draft, current_hash(repository, story_id))


def refreshed_selection(repository: StoryRepository, current: dict | None, initial: bool) -> dict | None:
    """The selection with the hash of the file now, when it lacks one or the page has just loaded
    (the session store may hold the hash of an older visit); None when nothing needs to change."""
    story_id = selected_id(current)
    if not story_id or not (initial or selected_hash(current) is None):
        return None
    now = current_hash(repository, story_id)
    return None if now == selected_hash(current) else next_selection(current, story_id, content_hash=now)


def find_story(repository: StoryRepository, story_id: str | None) -> Story | None:
    """The story, or None when there is no id or the file is gone or unreadable."""
    if not story_id or not isinstance(story_id, str):
        return None
    try:
        return repository.get(story_id)
    except (StoryNotFound, StoryError, OSError):
        return None


def slide_count_text(count: int, lang: str) -> str:
    """``1 slide`` / ``3 slides`` in the page language."""
    return translate_count("story.slides", count, lang)


def story_options(listings: Sequence[StoryListing], lang: str) -> list[dict[str, object]]:
    """Dropdown options: every story with its slide count; bundled ones say they are read-only."""
    options = []
    for listing in listings:
        label = translate("story.option", lang, title=listing.title_in(lang),
                          slides=slide_count_text(listing.slides, lang))
        if listing.bundled:
            label = translate("story.option_bundled", lang, label=label)
        options.append({"label": label, "value": listing.story_id})
    return options


# ---- slides from the dashboard's view -------------------------------------------------------------
def default_slide_title(filter_data: dict | None, lang: str, dataset_names: dict[str, str] | None = None) -> str:
    """A slide title written from the filters in words (the export dialog's map headline)."""
    return default_title(FilterSpec.from_store(filter_data), ChartKind.MAP, lang, dataset_names)


def panels_from_values(values: Sequence[str] | None) -> tuple[Panel, ...]:
    """Ticked panels in their fixed order; unknown values are dropped."""
    ticked = set(values or ())
    return tuple(Panel(p) for p in PANEL_ORDER if p in ticked)


def clean_title(text: object) -> str:
    """One line, no runs of spaces, at most the story format's title length (anything but text: none)."""
    return " ".join(text.split())[:MAX_TITLE] if isinstance(text, str) else ""


def slide_from_view(search: str | None, filter_data: dict | None, title: str, caption: str = "", notes: str = "",
                    panels: Sequence[str] | None = DEFAULT_SLIDE_PANELS) -> Slide:
    """A slide of the current view: the shared filter, the map view and the selected event of the URL.

    The filter comes from the filter store (what every chart shows); the URL adds what the store
    does not hold: ``view`` (map centre and zoom), ``event`` (highlighted on the slide) and ``ind``
    (the indicator series on the map and, when its panel is ticked, as a chart).
    """
    state, _ = parse_url_state(search)
    return Slide(title=clean_title(title), caption=(caption or "").strip(), notes=(notes or "").strip(),
                 spec=FilterSpec.from_store(filter_data), view=state.view, panels=panels_from_values(panels),
                 highlight=(state.selected,) if state.selected else (), indicator=state.indicator)


def slide_view_href(slide: Slide, lang: str = DEFAULT_LANGUAGE) -> str:
    """The dashboard at the slide's view: ``/?<filters>&view=…&event=…&ind=…`` (the language kept)."""
    state = UrlState(spec=slide.spec, lang=lang, view=slide.view,
                     selected=slide.highlight[0] if slide.highlight else "", indicator=slide.indicator)
    return "/" + build_search(state)


def slide_rows(story: Story, lang: str, dataset_names: dict[str, str] | None = None) -> list[SlideRow]:
    """One row per slide, its texts in ``lang`` where the story has them (what the editor edits)."""
    story = story_in(story, lang)
    return [SlideRow(number=n, title=slide.title, summary=slide_summary(slide, lang, dataset_names),
                     caption=slide.caption, notes=slide.notes, panels=tuple(p.value for p in slide.panels),
                     href=slide_view_href(slide, lang))
            for n, slide in enumerate(story.slides, start=1)]


def slide_summary(slide: Slide, lang: str, dataset_names: dict[str, str] | None = None) -> str:
    """The slide's filters in words, and its indicator series when it names one."""
    summary = filter_summary(slide.spec, lang, dataset_names)
    if not slide.indicator:
        return summary
    key = f"indicator.series.{slide.indicator}"
    title = translate(key, lang)
    return f"{summary} · {translate('story.indicator', lang, title=slide.indicator if title == key else title)}"


def _lang_query(lang: str) -> str:
    return "" if lang == DEFAULT_LANGUAGE else f"?lang={lang}"


def present_href(story_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The presenter screen of the story, in the page's language."""
    return f"/present/{story_id}{_lang_query(lang)}"


def notes_href(story_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The speaker notes of the story (opened in a second window)."""
    return f"/present/{story_id}/notes{_lang_query(lang)}"


# ---- changes (each saves at once through the repository) ---------------------------------------
class ReadOnlyStory(ValueError):  # noqa: N818  (a refusal, like StoryNotFound)
    """A bundled story cannot be changed in place."""


class StaleStory(ValueError):  # noqa: N818  (a refusal, like StoryNotFound)
    """The story file is not the one the user acted on (a double click, another window, a later import)."""


class StaleUndo(StaleStory):
    """Undo refused: the story file is no longer what the delete left (an import, a copy, another window)."""


def check_revision(repository: StoryRepository, story_id: str | None, expected: str | None) -> None:
    """Refuse (``StaleStory``) when the story's file no longer has the hash the user acted on.

    ``expected`` None means the caller does not know the revision: nothing is checked.
    """
    if expected is not None and current_hash(repository, story_id) != expected:
        raise StaleStory(story_id)


def editable(repository: StoryRepository, story_id: str | None) -> Story:
    """The user's story to change; a bundled one is refused (make a copy first)."""
    if not story_id:
        raise StoryNotFound(story_id)
    story = repository.get(story_id)
    if story.bundled:
        raise ReadOnlyStory(story_id)
    return story


def change_story(repository: StoryRepository, story_id: str | None, change: Callable[[Story], Story],
                 expected: str | None = None) -> Story:
    """Apply ``change`` to the user's story and save it (atomically) before returning it; refused
    (``StaleStory``) when the file is no longer at revision ``expected``.

    The check and the save hold the repository's lock, which every process writing the data
    directory shares (two workers, two windows, a double click): of two changes made at the same
    revision one is saved and the other refused, never both saved over each other."""
    with repository.locked():
        check_revision(repository, story_id, expected)
        return repository.save(change(editable(repository, story_id)))


def create_story(repository: StoryRepository, title: str, first_slide: Slide, lang: str) -> Story:
    """A new user story holding its first slide, under a free id made from its title."""
    title = clean_title(title) or translate("story.untitled", lang)
    return repository.create(Story(story_id=slugify(title), title=title, slides=(first_slide,), lang=lang))


def in_story_language(story: Story, slide: Slide, lang: str) -> Slide:
    """A slide written in the page's ``lang`` for ``story``: in the story's own language its texts
    are the slide's; in another, they are that language's and stand in for the story's own until
    someone writes them (a slide always has a title in the story's language)."""
    if lang == story.lang:
        return slide
    return slide_with_texts(slide, lang, story.lang, title=slide.title, caption=slide.caption, notes=slide.notes)


def add_view_slide(repository: StoryRepository, current: dict | None, slide: Slide, new_title: str | None,
                   lang: str) -> Story:
    """Add the slide to the selected story, or start the story (the draft's title) with it."""
    story_id = selected_id(current)
    if story_id:
        return change_story(repository, story_id, lambda story: add_slide(story, in_story_language(story, slide, lang)),
                            selected_hash(current))
    draft = (current or {}).get("draft") or new_title or ""
    return create_story(repository, draft, slide, lang)


def copy_story(repository: StoryRepository, story_id: str | None, lang: str) -> Story:
    """An editable copy of any story (a bundled one above all) under a free id; the original stays."""
    if not story_id:
        raise StoryNotFound(story_id)
    original = repository.get(story_id)
    title = clean_title(translate("story.copy_title", lang, title=original.title))
    return repository.create(replace(original, title=title, bundled=False))


def apply_slide_action(story: Story, action: str, index: int) -> Story:
    """Move, duplicate or delete slide ``index`` (0-based)."""
    if action == SlideAction.MOVE_UP:
        return move_slide(story, index, -1)
    if action == SlideAction.MOVE_DOWN:
        return move_slide(story, index, 1)
    if action == SlideAction.DUPLICATE:
        return duplicate_slide(story, index)
    if action == SlideAction.DELETE:
        return delete_slide(story, index)
    raise ValueError(f"unknown slide action {action!r}")


def change_slides(repository: StoryRepository, story_id: str | None, action: str, index: int,
                  expected: str | None = None) -> tuple[Story, Story]:
    """Apply a slide action and save; returns (before, after). Deleting the only slide removes the file
    (a story file holds at least one slide) — the undo puts it back.

    ``expected`` is the hash of the story the user acted on (the list they clicked in): when the file
    has changed since (a second click of a double click, another window), nothing is changed and
    ``StaleStory`` is raised, so slide ``index`` is never a different slide than the one clicked.
    """
    with repository.locked():
        check_revision(repository, story_id, expected)
        before = editable(repository, story_id)
        after = apply_slide_action(before, action, index)
        if after.slides:
            return before, repository.save(after)
        repository.delete(before.story_id)
        return before, after


def save_slide_edit(repository: StoryRepository, story_id: str | None, index: int, title: str | None,
                    caption: str | None, notes: str | None, panels: Sequence[str] | None,
                    expected: str | None = None, lang: str | None = None) -> Story:
    """Save the inline edit of one slide (a blank title is refused by the story's own check; a story
    changed since revision ``expected`` by ``StaleStory``).

    The texts are written in ``lang`` (the page's language): the story's own fields when it is the
    story's language, else that language's translation, so the other language's words stay."""
    texts = {"title": clean_title(title), "caption": (caption or "").strip(), "notes": (notes or "").strip()}
    panels_chosen = panels_from_values(panels)

    def change(story: Story) -> Story:
        if not 0 <= index < len(story.slides):
            return edit_slide(story, index)  # the story's own message for a slide that is gone
        slide = slide_with_texts(story.slides[index], lang or story.lang, story.lang, **texts)
        if not slide.title:  # a blank title in another language is refused like a blank own title
            slide = replace(slide, title="")
        return edit_slide(story, index, **{name: getattr(slide, name) for name in ("title", "caption", "notes",
                                                                                   "translations")},
                          panels=panels_chosen)
    return change_story(repository, story_id, change, expected)


def undo_record(before: Story, after: Story) -> dict[str, object]:
    """What Undo needs to put a story back as it was (plain JSON for a store): the story before the
    delete, and the hash of what the delete left (None: the file was removed with the only slide)."""
    return {"id": before.story_id, "story": story_to_dict(before),
            "after": story_hash(after) if after.slides else None}


def restore(repository: StoryRepository, record: dict | None) -> Story:
    """Put back the story an undo record holds (it is the user's own story, saved as it was).

    Refused (``StaleUndo``) unless the file is still exactly what the delete left — absent when the
    delete removed the only slide, else the story after the delete — so an undo never overwrites a
    story imported, copied or edited since.
    """
    if not record or not record.get("story") or not record.get("id"):
        raise StoryNotFound("")
    if "after" not in record:  # a record of an older page: what the delete left is not known
        raise StaleUndo(record["id"])
    story = story_from_dict(record["story"])
    with repository.locked():
        try:
            left: str | None = story_hash(repository.get(record["id"]))
        except StoryNotFound:
            left = None
        except StoryError as error:  # an unreadable file took the id: not what the delete left
            raise StaleUndo(record["id"]) from error
        if left != record["after"]:
            raise StaleUndo(record["id"])
        return repository.save(replace(story, story_id=record["id"]))


def import_story(repository: StoryRepository, data: bytes, file_name: str) -> Story:
    """Validate and keep an uploaded story file under a free id (never overwriting)."""
    return repository.import_bytes(data, file_name)


# ---- messages --------------------------------------------------------------------------------------
def problem_lines(error: StoryError, lang: str) -> list[str]:
    """Each problem of a story file as one line naming its slide and field."""
    lines = []
    for problem in error.problems:
        key = "story.problem_slide" if problem.slide else "story.problem_story"
        lines.append(translate(key, lang, slide=problem.slide or "", field=problem.field, message=problem.message))
    return lines


def error_message(error: Exception, lang: str) -> str:
    """A sentence for the status line from an editing failure (never a traceback)."""
    if isinstance(error, ReadOnlyStory):
        return translate("story.read_only", lang)
    if isinstance(error, StaleUndo):
        return translate("story.undo_stale", lang)
    if isinstance(error, StaleStory):
        return translate("story.stale", lang)
    if isinstance(error, StoryNotFound):
        return translate("story.not_found", lang)
    if isinstance(error, StoryError):
        return translate("story.invalid", lang, problems="; ".join(problem_lines(error, lang)))
    if isinstance(error, IndexError):
        return translate("story.no_such_slide", lang)
    if isinstance(error, OSError):
        return translate("story.save_failed", lang, reason=error.strerror or str(error))
    return translate("story.failed", lang, reason=str(error))
