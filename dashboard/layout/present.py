"""The presenter screen (/present/<story>) and the speaker-notes window (/present/<story>/notes).

Both pages are rendered for the slide in the URL (``?slide=N``), so a reload keeps the place
and the first paint needs no callback; callbacks only follow slide changes. The keyboard,
the camera flights and the link between the two windows live in ``assets/present.js``.
"""

from __future__ import annotations

import json

from dash import dcc, html

from dashboard.data.charts import SHARED_PATH_CHARTS
from dashboard.data.filters import UrlState, build_search
from dashboard.data.schema import safe_href
from dashboard.data.stories import Panel, PlaybackMode, Story
from dashboard.i18n import translate
from dashboard.ids import NotesIds, PresentIds, present_chart_id, present_chart_panel_id
from dashboard.state.context import AppContext
from dashboard.state.playback import SPEEDS_MS
from dashboard.state.present_view import (
    Counter,
    dashboard_link,
    initial_frame_state,
    interval_ms,
    is_playable,
    load_story,
    missing_story_text,
    notes_path,
    notes_text,
    panels_class,
    play_label,
    present_breakdown,
    present_chart,
    present_indicator_chart,
    present_map,
    present_timeline,
    presenter_path,
    slide_from_search,
    slide_indicator,
    slide_search,
    slide_text,
    slide_view,
    view_data,
)
from dashboard.state.views import indicator_catalog_of, indicator_positions
from dashboard.words.slide_facts import slide_facts

MAP_CONFIG = {"displayModeBar": False, "scrollZoom": True, "displaylogo": False}
CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}
HELP_KEYS = (("→ · Space · PageDown · ↓", "present.help_next"), ("← · PageUp · ↑ · Backspace", "present.help_previous"),
             ("Home · End", "present.help_ends"), ("3 Enter", "present.help_jump"), ("P", "present.help_play"),
             ("F", "present.help_fullscreen"), ("Esc", "present.help_exit"), ("? · H", "present.help_help"))


def missing_story(story_id: str, message: str, lang: str, root_id: str) -> html.Div:
    """A clear message and a way back, in place of a story that cannot be shown."""
    return html.Div(html.Div([
        html.H1(message, className="present-missing-text"),
        html.A(translate("present.back", lang), href="/" + build_search(UrlState(lang=lang)),
               className="present-back"),
    ], className="present-missing", role="alert"), id=root_id, className="present present-error", lang=lang)


COUNT_IDS = {"events": PresentIds.COUNT_EVENTS, "fatalities": PresentIds.COUNT_FATALITIES,
             "kg": PresentIds.COUNT_KG, "sources": PresentIds.COUNT_SOURCES}


def count_blocks(counters: tuple[Counter, ...]) -> list[html.Div]:
    """The headline numbers that apply to the slide, each with its word ("1 event", "3 deaths")."""
    return [html.Div([html.Div(counter.value, id=COUNT_IDS[counter.name], className="present-count-value"),
                      html.Div(counter.label, className="present-count-label")], className="present-count")
            for counter in counters]


def _radio(component_id: str, options: list[tuple[str, str]], value: str, label: str) -> html.Div:
    return html.Div([html.Span(label, className="present-control-label"),
                     dcc.RadioItems(id=component_id, value=value, inline=True, className="present-radio",
                                    options=[{"label": text, "value": key} for key, text in options])],
                    className="present-control")


def _help(story: Story, index: int, lang: str) -> html.Div:
    rows = [item for keys, key in HELP_KEYS
            for item in (html.Dt(keys), html.Dd(translate(key, lang)))]
    return html.Div(html.Div([
        html.H2(translate("present.help_title", lang)),
        html.Dl(rows, className="present-help-keys"),
        html.Div([
            html.A(translate("present.open_notes", lang), id=PresentIds.NOTES_LINK, className="present-button",
                   href=notes_path(story.story_id) + slide_search(index, lang), target="_blank"),
            html.Button(translate("present.close_help", lang), className="present-button present-help-close",
                        type="button"),
        ], className="present-help-actions"),
    ], className="present-help-box"), id=PresentIds.HELP, hidden=True, role="dialog",
        className="present-help", **{"aria-label": translate("present.help_title", lang)})


def build_presenter(context: AppContext, story_id: str, search: str, lang: str) -> html.Div:
    """The presenter screen at the URL's slide, or a message when the story cannot be shown."""
    load = load_story(context.stories, story_id, lang)
    if load.story is None:
        return missing_story(story_id, missing_story_text(load, story_id, lang), lang, PresentIds.ROOT)
    story, store, names = load.story, context.store, context.dataset_names()
    index = slide_from_search(search, len(story.slides))
    facts = slide_facts(store, story, index, lang, names)
    slide, text = facts.slide, slide_text(facts, lang, names)
    threshold = context.settings.max_map_points
    playback_mode = slide.playback.mode.value if slide.playback else PlaybackMode.CUMULATIVE.value
    views = [view_data(slide_view(store, s, threshold), i, s) for i, s in enumerate(story.slides)]
    root_data = {"data-story": story.story_id, "data-slides": str(len(story.slides)), "data-lang": lang,
                 "data-exits": json.dumps([dashboard_link(s, lang) for s in story.slides]),
                 "data-views": json.dumps(views),
                 "data-notes": notes_path(story.story_id), "data-presenter": presenter_path(story.story_id)}
    catalog = indicator_catalog_of(context)
    indicator = slide_indicator(catalog, indicator_positions(context), slide, lang)
    map_figure = present_map(store, slide, routes=context.data.routes, vraem_feature=context.vraem_feature,
                             lang=lang, basemap=context.settings.basemap, threshold=threshold, indicator=indicator)
    return html.Div([
        dcc.Store(id=PresentIds.STORY, data={"id": story.story_id, "slides": len(story.slides), "lang": lang}),
        dcc.Store(id=PresentIds.SLIDE, data=index),
        dcc.Store(id=PresentIds.VIEW, data=views[index]),
        dcc.Store(id=PresentIds.FRAME, data=initial_frame_state(index)),
        dcc.Interval(id=PresentIds.INTERVAL, interval=interval_ms("normal"), disabled=True),
        html.Header([
            html.H1(text.title, id=PresentIds.TITLE, className="present-title"),
            html.P(text.caption, id=PresentIds.CAPTION, className="present-caption"),
        ], className="present-head"),
        html.Div(count_blocks(text.counts), id=PresentIds.COUNTS, className="present-counts", hidden=not slide.shows(Panel.COUNTS)),
        html.Div([
            html.Div(dcc.Graph(id=PresentIds.MAP, figure=map_figure, config=MAP_CONFIG, responsive=True,
                               className="present-graph"),
                     id=PresentIds.MAP_PANEL, className="present-panel present-map-panel",
                     hidden=not slide.shows(Panel.MAP)),
            html.Div(dcc.Graph(id=PresentIds.TIMELINE, figure=present_timeline(store, slide, lang),
                               config=CHART_CONFIG, responsive=True, className="present-graph"),
                     id=PresentIds.TIMELINE_PANEL, className="present-panel present-timeline-panel",
                     hidden=not slide.shows(Panel.TIMELINE)),
            html.Div(dcc.Graph(id=PresentIds.BREAKDOWN, figure=present_breakdown(store, slide, lang),
                               config=CHART_CONFIG, responsive=True, className="present-graph"),
                     id=PresentIds.BREAKDOWN_PANEL, className="present-panel present-breakdown-panel",
                     hidden=not slide.shows(Panel.BREAKDOWN)),
            *(html.Div(dcc.Graph(id=present_chart_id(chart.kind),
                                 figure=present_chart(store, slide, lang, chart.kind),
                                 config=CHART_CONFIG, responsive=True, className="present-graph"),
                       id=present_chart_panel_id(chart.kind), className="present-panel present-chart-panel",
                       hidden=not slide.shows(Panel(chart.kind)))
              for chart in SHARED_PATH_CHARTS),
            html.Div(dcc.Graph(id=present_chart_id(Panel.INDICATOR),
                               figure=present_indicator_chart(catalog, store, slide, lang),
                               config=CHART_CONFIG, responsive=True, className="present-graph"),
                     id=present_chart_panel_id(Panel.INDICATOR),
                     className="present-panel present-chart-panel present-indicator-panel",
                     hidden=not slide.shows(Panel.INDICATOR)),
        ], id=PresentIds.PANELS, className=panels_class(slide)),
        html.Footer([
            html.Div([
                html.Div([
                    html.Span(text.dates, id=PresentIds.DATES, className="present-dates"),
                    html.Span(text.filters, id=PresentIds.FILTERS, className="present-filters"),
                ], className="present-where"),
                html.Div(text.sources, id=PresentIds.SOURCES, className="present-sources"),
                html.Div(text.notice, id=PresentIds.NOTICE, className="present-notice", role="status"),
            ], className="present-facts"),
            html.Div([
                html.Button(play_label(None, lang), id=PresentIds.PLAY, n_clicks=0, type="button",
                            className="present-button present-play"),
                _radio(PresentIds.SPEED, [(k, translate(f"present.speed_{k}", lang)) for k in SPEEDS_MS], "normal",
                       translate("present.speed", lang)),
                _radio(PresentIds.MODE, [(m.value, translate(f"present.mode_{m.value}", lang)) for m in PlaybackMode],
                       playback_mode, translate("present.mode", lang)),
            ], id=PresentIds.PLAYBACK, className="present-playback", hidden=not is_playable(slide)),
            html.Div([
                html.Span(text.progress, id=PresentIds.PROGRESS, className="present-progress-text"),
                html.Div(html.Div(id=PresentIds.PROGRESS_BAR, className="present-progress-fill",
                                  style=text.progress_style),
                         className="present-progress-bar", role="progressbar",
                         **{"aria-label": translate("present.progress_label", lang)}),
                html.Span(translate("present.keys_hint", lang), className="present-keys-hint"),
            ], className="present-progress"),
        ], className="present-foot"),
        _help(story, index, lang),
    ], id=PresentIds.ROOT, className="present", lang=lang, **root_data)


def sources_list(sources: list[tuple[str, str]], lang: str) -> html.Ul | html.P:
    """``name — url`` per source, most-cited first; only http(s) addresses become links."""
    if not sources:
        return html.P(translate("notes.no_sources", lang))
    items = []
    for name, url in sources:
        href = safe_href(url)
        link = html.A(url, href=href, target="_blank", rel="noopener noreferrer") if href else url
        items.append(html.Li([name, " — ", link] if name and url else [name or link]))
    return html.Ul(items)


def build_notes(context: AppContext, story_id: str, search: str, lang: str) -> html.Div:
    """The speaker notes at the URL's slide (then following the presenter window)."""
    load = load_story(context.stories, story_id, lang)
    if load.story is None:
        return missing_story(story_id, missing_story_text(load, story_id, lang), lang, NotesIds.ROOT)
    story = load.story
    index = slide_from_search(search, len(story.slides))
    text = notes_text(slide_facts(context.store, story, index, lang, context.dataset_names()), story, lang)
    root_data = {"data-story": story.story_id, "data-slides": str(len(story.slides)), "data-lang": lang}
    return html.Div([
        dcc.Store(id=NotesIds.STORY, data={"id": story.story_id, "slides": len(story.slides), "lang": lang}),
        dcc.Store(id=NotesIds.SLIDE, data=index),
        html.Header([
            html.Div(text.progress, id=NotesIds.PROGRESS, className="notes-progress"),
            html.Div(story.title, className="notes-story"),
            html.Div([html.Span(translate("notes.clock", lang), className="notes-clock-label"),
                      html.Span("--:--", className="notes-clock-time"),
                      html.Span(translate("notes.elapsed", lang), className="notes-clock-label"),
                      html.Span("0:00:00", className="notes-clock-elapsed")],
                     id=NotesIds.CLOCK, className="notes-clock"),
        ], className="notes-head"),
        html.H1(text.title, id=NotesIds.TITLE, className="notes-title"),
        html.Div(text.next_title, id=NotesIds.NEXT, className="notes-next"),
        html.Div(text.notes, id=NotesIds.NOTES, className="notes-notes"),
        html.Section([html.H2(translate("notes.caption", lang)),
                      html.P(text.caption, id=NotesIds.CAPTION)], className="notes-section"),
        html.Section([html.H2(translate("notes.sources", lang)),
                      html.Div(sources_list(text.sources, lang), id=NotesIds.SOURCES)], className="notes-section"),
        html.P(translate("notes.follow", lang), className="notes-follow"),
    ], id=NotesIds.ROOT, className="notes", lang=lang, **root_data)
