"""Story panel: choose or start a story, add views as slides, edit them, export and import, briefing pack.

Every change is saved at once to the user's story file (atomically, by the repository); the
panel's store then gets a new revision and the list is read back from the file. The store also
carries the hash of the story the list shows: a change made from an outdated list (the second click
of a double click, another window) is refused and the list refreshed. A failure is a sentence in
the status line, never a traceback.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

from dash import ALL, Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.callbacks.links import request_base_url
from dashboard.data.imports.base import ImportRefused
from dashboard.data.stories import MAX_STORY_BYTES, StoryError, StoryNotFound, story_in, story_json
from dashboard.exports.briefing import (
    BRIEFING_MEDIA_TYPES,
    BriefingFormat,
    briefing_file_name,
    build_briefing,
)
from dashboard.exports.render import ExportError
from dashboard.exports.service import human_size
from dashboard.i18n import translate
from dashboard.ids import FilterIds, PageIds, StoryIds
from dashboard.layout.story_panel import build_story_view, slide_control_id, status_with_problems
from dashboard.state.context import get_context
from dashboard.state.interactions import next_export_title
from dashboard.state.story_builder import (
    SlideAction,
    StaleStory,
    add_view_slide,
    change_slides,
    clean_title,
    copy_story,
    default_slide_title,
    error_message,
    find_story,
    fresh_selection,
    import_story,
    next_selection,
    problem_lines,
    refreshed_selection,
    restore,
    save_slide_edit,
    selected_hash,
    selected_id,
    slide_count_text,
    slide_from_view,
    story_hash,
    story_options,
    undo_record,
)
from dashboard.state.uploads import decode_upload
from dashboard.state.views import indicator_catalog_of

log = logging.getLogger(__name__)

EDIT_ERRORS = (StoryError, StoryNotFound, ValueError, IndexError, OSError)  # ReadOnlyStory is a ValueError
SLIDE_ACTIONS = {StoryIds.MOVE_UP: SlideAction.MOVE_UP, StoryIds.MOVE_DOWN: SlideAction.MOVE_DOWN,
                 StoryIds.DUPLICATE: SlideAction.DUPLICATE, StoryIds.DELETE: SlideAction.DELETE}


def _clicked() -> dict:
    """The pattern-matching id that was really clicked (a re-rendered list reports n_clicks 0: no click)."""
    if not isinstance(ctx.triggered_id, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    return ctx.triggered_id


def _refused_store(current: dict | None, error: Exception) -> object:
    """The store after a refused change: refreshed (the file's hash now) when the story had changed
    under the user, so the list is redrawn from the file; otherwise left as it is."""
    if isinstance(error, StaleStory):
        return fresh_selection(get_context().stories, current, selected_id(current))
    return no_update




@callback(
    Output(StoryIds.SELECT, "value"),
    Output(StoryIds.SELECT, "options"),
    Output(StoryIds.STORE, "data"),
    Input(StoryIds.SELECT, "value"),
    Input(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
)
def on_story_chosen(chosen, current, lang):
    """Choosing a story selects it; a selection made elsewhere (new, copy, import, reload) shows in the chooser.

    The selection carries the hash of the story as the list shows it: set on a choice, and read
    afresh when the page loads (the session store may hold an older visit's) or when it is missing.
    """
    repository = get_context().stories
    options = story_options(repository.list()[0], lang)
    if ctx.triggered_id == StoryIds.SELECT:
        if chosen == selected_id(current):
            return no_update, options, no_update
        return no_update, options, fresh_selection(repository, current, chosen)
    shown = selected_id(current)
    refreshed = refreshed_selection(repository, current, initial=ctx.triggered_id is None)
    value = shown if any(o["value"] == shown for o in options) else None
    return value, options, no_update if refreshed is None else refreshed


@callback(
    output=dict(
        heading=Output(StoryIds.HEADING, "children"), note_hidden=Output(StoryIds.BUNDLED_NOTE, "hidden"),
        slides=Output(StoryIds.LIST, "children"), tools_hidden=Output(StoryIds.TOOLS, "hidden"),
        present_href=Output(StoryIds.PRESENT, "href"), notes_href=Output(StoryIds.NOTES_LINK, "href"),
        export_disabled=Output(StoryIds.EXPORT, "disabled"), pdf_disabled=Output(StoryIds.PACK_PDF, "disabled"),
        pptx_disabled=Output(StoryIds.PACK_PPTX, "disabled"), undo_hidden=Output(StoryIds.UNDO, "hidden"),
        add_hidden=Output(StoryIds.ADD, "hidden"), add_disabled=Output(StoryIds.ADD, "disabled"),
        form_hidden=Output(StoryIds.ADD_FORM, "hidden"),
    ),
    inputs=dict(current=Input(StoryIds.STORE, "data"), editing=Input(StoryIds.EDIT_INDEX, "data"),
                undo=Input(StoryIds.UNDO_STORE, "data")),
    state=dict(lang=State(PageIds.LANG_STORE, "data")),
)
def update_story_view(current, editing, undo, lang):
    """Read the selected story back from its file and show it: heading, slides, links, what is enabled."""
    context = get_context()
    story = find_story(context.stories, selected_id(current))
    return build_story_view(story, current, editing, undo, lang, context.dataset_names())


def update_slide_title(filter_data, title, last_default, lang):
    """The new slide's title follows the filters in words, unless the user wrote one (written with
    the views: :func:`dashboard.callbacks.views.draw_views`)."""
    default = default_slide_title(filter_data, lang, get_context().dataset_names())
    return next_export_title(title, last_default, default), default


@callback(
    Output(StoryIds.STORE, "data", allow_duplicate=True),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Output(StoryIds.NEW_TITLE, "value"),
    Output(StoryIds.UNDO_STORE, "data", allow_duplicate=True),
    Input(StoryIds.NEW, "n_clicks"),
    Input(StoryIds.NEW_TITLE, "n_submit"),
    State(StoryIds.NEW_TITLE, "value"),
    State(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_new_story(_clicks, _submitted, title, current, lang):
    """Start a new story: saved with its first slide (a story file holds at least one).

    The undo record is dropped: the new story may take the id a delete freed."""
    title = clean_title(title) or translate("story.untitled", lang)
    return next_selection(current, None, draft=title), translate("story.started", lang, title=title), "", None


@callback(
    Output(StoryIds.STORE, "data", allow_duplicate=True),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Output(StoryIds.UNDO_STORE, "data", allow_duplicate=True),
    Input(StoryIds.COPY, "n_clicks"),
    State(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_copy_story(clicks, current, lang):
    """Save an editable copy of the (bundled) story under a free id and select it (the undo record is
    dropped: the copy may take the id a delete freed)."""
    if not clicks:
        raise PreventUpdate
    try:
        copy = copy_story(get_context().stories, selected_id(current), lang)
    except EDIT_ERRORS as error:
        return no_update, error_message(error, lang), no_update
    return (next_selection(current, copy.story_id, content_hash=story_hash(copy)),
            translate("story.copied", lang, title=copy.title), None)


@callback(
    Output(StoryIds.STORE, "data", allow_duplicate=True),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Output(StoryIds.SLIDE_TITLE, "value", allow_duplicate=True),
    Output(StoryIds.DEFAULT_TITLE, "data", allow_duplicate=True),
    Output(StoryIds.SLIDE_CAPTION, "value"),
    Output(StoryIds.SLIDE_NOTES, "value"),
    Output(StoryIds.UNDO_STORE, "data", allow_duplicate=True),
    Input(StoryIds.ADD, "n_clicks"),
    State(StoryIds.STORE, "data"),
    State(PageIds.BODY_URL, "search"),
    State(FilterIds.STORE, "data"),
    State(StoryIds.SLIDE_TITLE, "value"),
    State(StoryIds.SLIDE_CAPTION, "value"),
    State(StoryIds.SLIDE_NOTES, "value"),
    State(StoryIds.SLIDE_PANELS, "value"),
    State(StoryIds.NEW_TITLE, "value"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_add_slide(clicks, current, search, filter_data, title, caption, notes, panels, new_title, lang):
    """Add the current view (filters, map view, selected event) as the last slide, and save."""
    if not clicks:
        raise PreventUpdate
    default = default_slide_title(filter_data, lang, get_context().dataset_names())
    slide = slide_from_view(search, filter_data, clean_title(title) or default, caption, notes, panels)
    try:
        story = add_view_slide(get_context().stories, current, slide, new_title, lang)
    except EDIT_ERRORS as error:
        return (_refused_store(current, error), error_message(error, lang), no_update, no_update, no_update,
                no_update, no_update)
    key = "story.added" if selected_id(current) else "story.created"
    status = translate(key, lang, number=len(story.slides), slide=slide.title, title=story.title)
    return next_selection(current, story.story_id, content_hash=story_hash(story)), status, default, default, "", "", None


@callback(
    Output(StoryIds.STORE, "data", allow_duplicate=True),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Output(StoryIds.UNDO_STORE, "data", allow_duplicate=True),
    Output(StoryIds.EDIT_INDEX, "data", allow_duplicate=True),
    Input(slide_control_id(StoryIds.MOVE_UP, ALL), "n_clicks"),
    Input(slide_control_id(StoryIds.MOVE_DOWN, ALL), "n_clicks"),
    Input(slide_control_id(StoryIds.DUPLICATE, ALL), "n_clicks"),
    Input(slide_control_id(StoryIds.DELETE, ALL), "n_clicks"),
    State(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_slide_action(_up, _down, _duplicate, _delete, current, lang):
    """Move a slide up or down, duplicate it or delete it (Undo puts a deleted slide back), and save.

    The change is made only on the story the list showed (the store's hash): a second click of a
    double click, or a click in a list another window has outdated, is refused and the list refreshed.
    """
    clicked = _clicked()
    action, index = SLIDE_ACTIONS[clicked["type"]], int(clicked["index"])
    repository = get_context().stories
    try:
        before, after = change_slides(repository, selected_id(current), action, index, selected_hash(current))
    except EDIT_ERRORS as error:
        return fresh_selection(repository, current, selected_id(current)), error_message(error, lang), no_update, None
    slide = before.slides[index]
    selected = next_selection(current, before.story_id, content_hash=story_hash(after) if after.slides else None)
    if action == SlideAction.DELETE:
        key = "story.deleted" if after.slides else "story.deleted_last"
        status = translate(key, lang, number=index + 1, slide=slide.title, title=before.title)
        return selected, status, undo_record(before, after), None
    if action == SlideAction.DUPLICATE:
        status = translate("story.duplicated", lang, number=index + 1)
    else:
        status = translate("story.moved", lang, slide=slide.title, number=_new_place(index, action, len(after.slides)))
    return selected, status, None, None


def _new_place(index: int, action: str, count: int) -> int:
    """1-based place of a moved slide (a move past either end stays there)."""
    offset = -1 if action == SlideAction.MOVE_UP else 1
    return max(0, min(index + offset, count - 1)) + 1


@callback(
    Output(StoryIds.EDIT_INDEX, "data", allow_duplicate=True),
    Input(slide_control_id(StoryIds.EDIT, ALL), "n_clicks"),
    Input(slide_control_id(StoryIds.CANCEL_EDIT, ALL), "n_clicks"),
    State(StoryIds.STORE, "data"),
    prevent_initial_call=True,
)
def on_edit_toggled(_edit, _cancel, current):
    """Edit opens the slide's inline editor; Cancel closes it without saving."""
    clicked = _clicked()
    if clicked["type"] == StoryIds.CANCEL_EDIT:
        return None
    return {"id": selected_id(current), "index": int(clicked["index"])}


@callback(
    Output(StoryIds.STORE, "data", allow_duplicate=True),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Output(StoryIds.EDIT_INDEX, "data", allow_duplicate=True),
    Output(StoryIds.UNDO_STORE, "data", allow_duplicate=True),
    Input(slide_control_id(StoryIds.SAVE_EDIT, ALL), "n_clicks"),
    State(slide_control_id(StoryIds.EDIT_TITLE, ALL), "value"),
    State(slide_control_id(StoryIds.EDIT_CAPTION, ALL), "value"),
    State(slide_control_id(StoryIds.EDIT_NOTES, ALL), "value"),
    State(slide_control_id(StoryIds.EDIT_PANELS, ALL), "value"),
    State(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_save_edit(_clicks, titles, captions, notes, panels, current, lang):
    """Save the slide's new title, caption, notes and panels; a blank title is refused with a message."""
    index = int(_clicked()["index"])
    if not titles:  # the editor is gone (another change re-drew the list)
        raise PreventUpdate
    try:
        story = save_slide_edit(get_context().stories, selected_id(current), index, titles[0], captions[0], notes[0],
                                panels[0], selected_hash(current), lang)
    except EDIT_ERRORS as error:
        stale = isinstance(error, StaleStory)  # the editor closes: its slide may no longer be that one
        return _refused_store(current, error), error_message(error, lang), None if stale else no_update, no_update
    status = translate("story.edited", lang, number=index + 1, slide=story_in(story, lang).slides[index].title)
    return next_selection(current, story.story_id, content_hash=story_hash(story)), status, None, None


@callback(
    Output(StoryIds.STORE, "data", allow_duplicate=True),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Output(StoryIds.UNDO_STORE, "data", allow_duplicate=True),
    Input(StoryIds.UNDO, "n_clicks"),
    State(StoryIds.UNDO_STORE, "data"),
    State(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_undo(clicks, record, current, lang):
    """Put the story back as it was before the last delete; refused (the record dropped) when the
    story has changed since, so an undo never overwrites a later import, copy or edit."""
    if not clicks or not record:
        raise PreventUpdate
    try:
        story = restore(get_context().stories, record)
    except EDIT_ERRORS as error:
        return _refused_store(current, error), error_message(error, lang), None
    return (next_selection(current, story.story_id, content_hash=story_hash(story)),
            translate("story.restored", lang, title=story.title), None)


@callback(
    Output(StoryIds.DOWNLOAD, "data"),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Input(StoryIds.EXPORT, "n_clicks"),
    State(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_export_story(clicks, current, lang):
    """Download the story file (``<id>.json``, version 2), the one an import reads back."""
    if not clicks:
        raise PreventUpdate
    story = find_story(get_context().stories, selected_id(current))
    if story is None:
        return no_update, translate("story.need_story", lang)
    name = f"{story.story_id}.json"
    return ({"content": story_json(story).decode("utf-8"), "filename": name, "type": "application/json",
             "base64": False}, translate("story.exported", lang, file=name))


@callback(
    Output(StoryIds.STORE, "data", allow_duplicate=True),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Output(StoryIds.IMPORT, "contents"),
    Output(StoryIds.UNDO_STORE, "data", allow_duplicate=True),
    Input(StoryIds.IMPORT, "contents"),
    State(StoryIds.IMPORT, "filename"),
    State(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_import_story(contents, file_name, current, lang):
    """Keep a valid story file as a new story (never overwriting) and select it; else list its problems.

    The undo record is dropped: the import may take the id a delete freed."""
    if not contents:
        raise PreventUpdate
    file_name = file_name or "story.json"
    try:
        story = import_story(get_context().stories, decode_upload(contents, MAX_STORY_BYTES), file_name)
    except StoryError as error:
        return no_update, status_with_problems(translate("story.import_failed", lang, file=file_name),
                                               problem_lines(error, lang)), None, no_update
    except ImportRefused as refusal:
        return no_update, status_with_problems(translate("story.import_failed", lang, file=file_name),
                                               [refusal.reason]), None, no_update
    except (ValueError, OSError) as error:
        return no_update, error_message(error, lang), None, no_update
    status = translate("story.imported", lang, title=story.title, slides=slide_count_text(len(story.slides), lang))
    return next_selection(current, story.story_id, content_hash=story_hash(story)), status, None, None


@callback(
    Output(StoryIds.PACK_DOWNLOAD, "data"),
    Output(StoryIds.STATUS, "children", allow_duplicate=True),
    Input(StoryIds.PACK_PDF, "n_clicks"),
    Input(StoryIds.PACK_PPTX, "n_clicks"),
    State(StoryIds.STORE, "data"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_pack_download(_pdf, _pptx, current, lang):
    """The briefing pack of the story as PDF or PowerPoint; a failure is a message."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    fmt = BriefingFormat.PDF if ctx.triggered_id == StoryIds.PACK_PDF else BriefingFormat.PPTX
    context = get_context()
    story = find_story(context.stories, selected_id(current))
    if story is None or not story.slides:
        return no_update, translate("story.pack_empty" if story else "story.need_story", lang)
    exported_at = datetime.now(UTC).replace(microsecond=0)
    try:
        data = build_briefing(context.store, context.data, story_in(story, lang), fmt, lang=lang, exported_at=exported_at,
                              dataset_names=context.dataset_names(), base_url=request_base_url(),
                              indicators=indicator_catalog_of(context))
    except (ExportError, ValueError) as error:
        log.warning("briefing pack failed: %s", error)
        return no_update, translate("story.pack_failed", lang, reason=str(error))
    except Exception:  # a pack bug costs that pack, never the page
        log.exception("briefing pack failed")
        return no_update, translate("story.pack_failed", lang, reason=translate("story.pack_internal", lang))
    name = briefing_file_name(story, fmt, exported_at)
    return ({"content": base64.b64encode(data).decode("ascii"), "filename": name,
             "type": BRIEFING_MEDIA_TYPES[fmt], "base64": True},
            translate("story.pack_done", lang, file=name, size=human_size(len(data))))
