"""The Story panel of the main page: build a story from views, present it, export it."""

from __future__ import annotations

from dash import dcc, html

from dashboard.data.stories import MAX_CAPTION, MAX_NOTES, MAX_TITLE, Story, story_in
from dashboard.i18n import translate
from dashboard.ids import StoryIds
from dashboard.state.context import AppContext
from dashboard.state.story_builder import (
    DEFAULT_SLIDE_PANELS,
    PANEL_ORDER,
    SlideRow,
    notes_href,
    present_href,
    selection,
    slide_count_text,
    slide_rows,
    story_options,
)


def slide_control_id(kind: StoryIds, index: object) -> dict[str, object]:
    """The pattern-matching id of a control on slide ``index`` (0-based, or ``ALL`` in a callback):
    ``{"type": kind, "index": index}``."""
    return {"type": kind, "index": index}


def _panel_options(lang: str) -> list[dict[str, str]]:
    return [{"label": translate(f"story.panel.{p}", lang), "value": p} for p in PANEL_ORDER]


def _labelled(label_key: str, control: object, lang: str, control_id: object) -> html.Div:
    label = html.Label(translate(label_key, lang), htmlFor=control_id if isinstance(control_id, str) else None)
    return html.Div([label, control], className="story-field")


def _icon_button(text: str, kind: StoryIds, index: int, label: str, *, disabled: bool = False,
                 class_name: str = "story-icon") -> html.Button:
    return html.Button(text, id=slide_control_id(kind, index), n_clicks=0, disabled=disabled, title=label,
                       className=f"story-button {class_name}", **{"aria-label": label})


def _slide_editor(row: SlideRow, index: int, lang: str) -> html.Div:
    """Title, caption, notes and panels of one slide, edited in place."""
    def labelled(key: str, control: object) -> html.Label:
        return html.Label([html.Span(translate(key, lang), className="story-field-label"), control],
                          className="story-field")

    return html.Div([
        labelled("story.slide_title", dcc.Input(id=slide_control_id(StoryIds.EDIT_TITLE, index), value=row.title,
                                                type="text", maxLength=MAX_TITLE, className="story-input")),
        labelled("story.slide_caption", dcc.Textarea(id=slide_control_id(StoryIds.EDIT_CAPTION, index),
                                                     value=row.caption, maxLength=MAX_CAPTION, rows=2,
                                                     className="story-textarea")),
        labelled("story.slide_notes", dcc.Textarea(id=slide_control_id(StoryIds.EDIT_NOTES, index), value=row.notes,
                                                   maxLength=MAX_NOTES, rows=3, className="story-textarea")),
        html.Fieldset([
            html.Legend(translate("story.panels", lang), className="story-field-label"),
            dcc.Checklist(id=slide_control_id(StoryIds.EDIT_PANELS, index), options=_panel_options(lang),
                          value=list(row.panels), inline=True, className="story-panels"),
        ], className="story-fieldset"),
        html.Div([
            html.Button(translate("story.save_edit", lang), id=slide_control_id(StoryIds.SAVE_EDIT, index),
                        n_clicks=0, className="story-button primary"),
            html.Button(translate("story.cancel_edit", lang), id=slide_control_id(StoryIds.CANCEL_EDIT, index),
                        n_clicks=0, className="story-button"),
        ], className="story-actions"),
    ], className="story-editor")


def _slide_item(row: SlideRow, count: int, editing: bool, read_only: bool, lang: str) -> html.Li:
    index, number = row.number - 1, row.number
    show = dcc.Link(translate("story.show", lang) + " →", href=row.href, id=slide_control_id(StoryIds.SHOW, index),
                    title=translate("story.show_label", lang, number=number), className="story-show")
    head = html.Div([
        html.Span(str(number), className="story-slide-number", **{"aria-hidden": "true"}),
        html.Div([
            html.Div(row.title, className="story-slide-title"),
            html.Div(row.summary, className="story-slide-summary", title=row.summary),
            show,
        ], className="story-slide-text"),
    ], className="story-slide-head")
    if editing and not read_only:
        return html.Li([head, _slide_editor(row, index, lang)], className="story-slide editing")
    if read_only:
        return html.Li(head, className="story-slide")
    actions = html.Div([
        _icon_button("↑", StoryIds.MOVE_UP, index, translate("story.move_up", lang, number=number),
                     disabled=index == 0),
        _icon_button("↓", StoryIds.MOVE_DOWN, index, translate("story.move_down", lang, number=number),
                     disabled=index == count - 1),
        _icon_button(translate("story.edit", lang), StoryIds.EDIT, index,
                     translate("story.edit_label", lang, number=number), class_name="story-text"),
        _icon_button(translate("story.duplicate", lang), StoryIds.DUPLICATE, index,
                     translate("story.duplicate_label", lang, number=number), class_name="story-text"),
        _icon_button(translate("story.delete", lang), StoryIds.DELETE, index,
                     translate("story.delete_label", lang, number=number), class_name="story-text danger"),
    ], className="story-slide-actions")
    return html.Li([head, actions], className="story-slide")


def build_slide_list(rows: list[SlideRow], editing: int | None, read_only: bool, lang: str) -> list:
    """The numbered slides with their buttons; ``editing`` (0-based) shows that slide's inline editor."""
    if not rows:
        return [html.Li(translate("story.no_slides", lang), className="story-empty")]
    return [_slide_item(row, len(rows), editing == row.number - 1, read_only, lang) for row in rows]


def story_heading(story: Story | None, draft: str | None, lang: str) -> str:
    """The line under the chooser: the story and its size, a draft waiting for its first slide, or how to start."""
    if story is not None:
        return translate("story.heading", lang, title=story.title, slides=slide_count_text(len(story.slides), lang))
    if draft:
        return translate("story.draft", lang, title=draft)
    return translate("story.none_selected", lang)


def build_story_panel(context: AppContext, lang: str, can_edit: bool = True) -> html.Section:
    """Choose or start a story, add the current view as a slide, edit the slides, present and export them.

    Without ``can_edit`` (a viewer of a shared deployment) the controls that make, change or import
    a story are in the page but hidden (callbacks name them); presenting and the packs stay.

    A fresh page selects no story: the server cannot tell one visitor from another, so it never
    picks a story for a page (the last one saved may be someone else's, notes and all). What a tab
    chooses is kept in that tab's session storage across reloads.
    """
    repository = context.stories
    listings, _ = repository.list()
    add_form = html.Details([
        html.Summary(translate("story.add_heading", lang), className="story-summary"),
        _labelled("story.slide_title", dcc.Input(id=StoryIds.SLIDE_TITLE, type="text", maxLength=MAX_TITLE,
                                                 className="story-input"), lang, StoryIds.SLIDE_TITLE),
        _labelled("story.slide_caption", dcc.Textarea(id=StoryIds.SLIDE_CAPTION, maxLength=MAX_CAPTION, rows=2,
                                                      className="story-textarea"), lang, StoryIds.SLIDE_CAPTION),
        _labelled("story.slide_notes", dcc.Textarea(id=StoryIds.SLIDE_NOTES, maxLength=MAX_NOTES, rows=2,
                                                    className="story-textarea"), lang, StoryIds.SLIDE_NOTES),
        html.Fieldset([
            html.Legend(translate("story.panels", lang), className="story-field-label"),
            dcc.Checklist(id=StoryIds.SLIDE_PANELS, options=_panel_options(lang), value=list(DEFAULT_SLIDE_PANELS),
                          inline=True, className="story-panels"),
        ], className="story-fieldset"),
        html.Button(translate("story.add", lang), id=StoryIds.ADD, n_clicks=0, className="story-button primary wide"),
    ], id=StoryIds.ADD_FORM, open=True, className="story-add")
    # A bundled story cannot take slides: its note and copy button stand where the (hidden) add form was.
    bundled_note = html.Div([
        html.Span(translate("story.bundled_note", lang)),
        html.Button(translate("story.copy", lang), id=StoryIds.COPY, n_clicks=0, className="story-button primary wide"),
    ], id=StoryIds.BUNDLED_NOTE, className="story-bundled", hidden=True)
    tools = html.Div([
        html.Div([
            html.A(translate("story.present", lang), id=StoryIds.PRESENT, className="story-button primary",
                   href="#", title=translate("story.present_label", lang),
                   **{"aria-label": translate("story.present_label", lang)}),
            html.A(translate("story.notes_link", lang), id=StoryIds.NOTES_LINK, className="story-button",
                   href="#", target="_blank", rel="noopener", title=translate("story.notes_label", lang),
                   **{"aria-label": translate("story.notes_label", lang)}),
        ], className="story-actions story-present"),
    ], id=StoryIds.TOOLS, hidden=True)
    files = html.Div([
        html.H3(translate("story.file_heading", lang), className="story-subheading"),
        html.Button(translate("story.export", lang), id=StoryIds.EXPORT, n_clicks=0, className="story-button wide",
                    disabled=True),
        html.Div(dcc.Upload(id=StoryIds.IMPORT, accept=".json,application/json", multiple=False,
                            className="story-upload", max_size=1_000_000,
                            children=html.Div(translate("story.import", lang))), hidden=not can_edit),
        html.H3(translate("story.pack_heading", lang), className="story-subheading"),
        html.Div([
            html.Button(translate("story.pack_pdf", lang), id=StoryIds.PACK_PDF, n_clicks=0, disabled=True,
                        className="story-button", **{"aria-label": translate("story.pack_pdf_label", lang)}),
            html.Button(translate("story.pack_pptx", lang), id=StoryIds.PACK_PPTX, n_clicks=0,
                        disabled=True, className="story-button",
                        **{"aria-label": translate("story.pack_pptx_label", lang)}),
        ], className="story-actions"),
    ], className="story-files")
    return html.Section([
        html.Div([html.H2(translate("story.title", lang)),
                  html.Span(translate("story.help", lang), className="panel-help")], className="panel-header"),
        html.Div([
            html.Label(translate("story.choose", lang), htmlFor=StoryIds.SELECT, className="story-field-label"),
            dcc.Dropdown(id=StoryIds.SELECT, options=story_options(listings, lang), value=None,
                         clearable=False, searchable=False, className="story-select",
                         placeholder=translate("story.choose_placeholder", lang)),
        ], className="story-field"),
        html.Div([
            dcc.Input(id=StoryIds.NEW_TITLE, type="text", maxLength=MAX_TITLE, className="story-input",
                      placeholder=translate("story.new_title_placeholder", lang)),
            html.Button(translate("story.new", lang), id=StoryIds.NEW, n_clicks=0, className="story-button",
                        **{"aria-label": translate("story.new_label", lang)}),
        ], className="story-new", role="group", hidden=not can_edit,
            **{"aria-label": translate("story.new_title", lang)}),
        html.P(story_heading(None, None, lang), id=StoryIds.HEADING, className="story-heading"),
        tools,
        html.Div([add_form, bundled_note], hidden=not can_edit, className="story-editing"),
        html.Div([
            # A briefing pack takes seconds: the status shows a spinner while any change is on its way.
            dcc.Loading(html.Div(id=StoryIds.STATUS, className="story-status", role="status"), type="dot",
                        delay_show=300, parent_className="story-status-wrap",
                        overlay_style={"visibility": "visible", "opacity": 0.5}),
            html.Button(translate("story.undo", lang), id=StoryIds.UNDO, n_clicks=0, hidden=True,
                        className="story-button"),
        ], className="story-status-row"),
        html.H3(translate("story.slides_heading", lang), className="story-subheading"),
        html.Ol(id=StoryIds.LIST, className="story-list"),  # filled from the story file by a callback
        files,
        dcc.Download(id=StoryIds.DOWNLOAD),
        dcc.Download(id=StoryIds.PACK_DOWNLOAD),
        dcc.Store(id=StoryIds.STORE, storage_type="session", data=selection(None)),
        dcc.Store(id=StoryIds.EDIT_INDEX),
        dcc.Store(id=StoryIds.UNDO_STORE),
        dcc.Store(id=StoryIds.DEFAULT_TITLE),
    ], id=StoryIds.PANEL, className="panel story-panel")


def build_story_view(story: Story | None, current: dict | None, editing: dict | None, undo: dict | None, lang: str,
                     dataset_names: dict[str, str] | None = None) -> dict[str, object]:
    """What the panel shows for the selected story, by output name (``update_story_view``): heading,
    the bundled note, slides, links and what is enabled.

    A bundled (read-only) story has no add form (its fields would wait for a slide it cannot take):
    "Make an editable copy" stands in its place.
    """
    current = current or {}
    selected = current.get("id")
    undo_hidden = not (undo and undo.get("id") and undo.get("id") == selected)
    if story is None:
        return dict(heading=story_heading(None, current.get("draft"), lang), note_hidden=True,
                    slides=build_slide_list([], None, False, lang), tools_hidden=True, present_href="#",
                    notes_href="#", export_disabled=True, pdf_disabled=True, pptx_disabled=True,
                    undo_hidden=undo_hidden, add_hidden=False, add_disabled=False, form_hidden=False)
    edit_index = (editing or {}).get("index") if (editing or {}).get("id") == story.story_id else None
    rows = slide_rows(story, lang, dataset_names)
    empty = not story.slides
    return dict(heading=story_heading(story_in(story, lang), None, lang), note_hidden=not story.bundled,
                slides=build_slide_list(rows, edit_index, story.bundled, lang), tools_hidden=False,
                present_href=present_href(story.story_id, lang), notes_href=notes_href(story.story_id, lang),
                export_disabled=False, pdf_disabled=empty, pptx_disabled=empty, undo_hidden=undo_hidden,
                add_hidden=story.bundled, add_disabled=story.bundled, form_hidden=story.bundled)


def status_with_problems(sentence: str, problems: list[str]) -> list:
    """A status sentence followed by the list of problems it refers to (one per slide and field)."""
    return [html.Span(sentence), html.Ul([html.Li(line) for line in problems], className="story-problems")]
