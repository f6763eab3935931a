"""Callbacks of the presenter screen and the speaker notes.

The page is rendered for its first slide; these follow slide changes (written by the keyboard
script into ``PresentIds.SLIDE``) and the playback clock. The map is patched (event layer, rings
and centre), never replaced, and the camera is flown by the page (``rutasPresent.flyTo``): a
figure that arrives mid-flight changes the data, not the camera.
"""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback, no_update

from dashboard.data.stories import Panel
from dashboard.ids import NotesIds, PresentIds
from dashboard.layout.present import sources_list
from dashboard.state.context import get_context
from dashboard.state.present_view import (
    clamp_slide,
    frame_view,
    initial_frame_state,
    interval_ms,
    is_playable,
    load_story,
    map_slide_data,
    notes_text,
    panels_class,
    play_label,
    present_breakdown,
    present_timeline,
    slide_extent,
    slide_frames,
    slide_text,
    step_frame,
    toggle_playback,
    view_data,
)
from dashboard.words.slide_facts import slide_facts

SLIDE_OUTPUTS = [
    Output(PresentIds.TITLE, "children"), Output(PresentIds.CAPTION, "children"),
    Output(PresentIds.COUNT_EVENTS, "children"), Output(PresentIds.COUNT_FATALITIES, "children"),
    Output(PresentIds.COUNT_KG, "children"), Output(PresentIds.COUNT_SOURCES, "children"),
    Output(PresentIds.DATES, "children"), Output(PresentIds.FILTERS, "children"),
    Output(PresentIds.SOURCES, "children"), Output(PresentIds.NOTICE, "children"),
    Output(PresentIds.PROGRESS, "children"), Output(PresentIds.PROGRESS_BAR, "style"),
    Output(PresentIds.COUNTS, "hidden"), Output(PresentIds.MAP_PANEL, "hidden"),
    Output(PresentIds.TIMELINE_PANEL, "hidden"), Output(PresentIds.BREAKDOWN_PANEL, "hidden"),
    Output(PresentIds.PANELS, "className"), Output(PresentIds.PLAYBACK, "hidden"),
    Output(PresentIds.MAP, "figure"), Output(PresentIds.TIMELINE, "figure"), Output(PresentIds.BREAKDOWN, "figure"),
    Output(PresentIds.VIEW, "data"), Output(PresentIds.FRAME, "data"), Output(PresentIds.INTERVAL, "disabled"),
    Output(PresentIds.PLAY, "children"),
]
PANEL_ORDER = (Panel.COUNTS, Panel.MAP, Panel.TIMELINE, Panel.BREAKDOWN)  # as in SLIDE_OUTPUTS
# What a playback frame changes: the event layer, the counts, the dates and the timeline's range.
FRAME_OUTPUTS = [
    Output(PresentIds.MAP, "figure", allow_duplicate=True),
    Output(PresentIds.COUNT_EVENTS, "children", allow_duplicate=True),
    Output(PresentIds.COUNT_FATALITIES, "children", allow_duplicate=True),
    Output(PresentIds.COUNT_KG, "children", allow_duplicate=True),
    Output(PresentIds.COUNT_SOURCES, "children", allow_duplicate=True),
    Output(PresentIds.DATES, "children", allow_duplicate=True),
    Output(PresentIds.TIMELINE, "figure", allow_duplicate=True),
    Output(PresentIds.FRAME, "data", allow_duplicate=True),
    Output(PresentIds.INTERVAL, "disabled", allow_duplicate=True),
    Output(PresentIds.PLAY, "children", allow_duplicate=True),
]


def map_patch(traces, layer_data: list[dict], rings: dict | None = None, view=None) -> Patch:
    """Replace the event layer (and the rings and the figure's centre) of the presenter's map."""
    patch = Patch()
    for position, trace in zip([traces.halo, *traces.events, traces.cells], layer_data):
        patch["data"][position] = trace
    if rings is not None:
        patch["data"][traces.highlight] = rings
    if view is not None:  # where the camera will be once flown there (the flight itself is the page's)
        patch["layout"]["map"]["center"] = {"lat": view.lat, "lon": view.lon}
        patch["layout"]["map"]["zoom"] = view.zoom
    return patch


@callback(*SLIDE_OUTPUTS, Input(PresentIds.SLIDE, "data"), State(PresentIds.STORY, "data"),
          prevent_initial_call=True)
def update_slide(slide_index, story_data):
    """Show another slide: text, numbers, panels, the map's data and where the camera flies."""
    context, lang = get_context(), story_data["lang"]
    story = load_story(context.stories, story_data["id"]).story
    if story is None:
        return [no_update] * len(SLIDE_OUTPUTS)
    index, names = clamp_slide(slide_index, len(story.slides)), context.dataset_names()
    facts = slide_facts(context.store, story, index, lang, names)
    slide, text = facts.slide, slide_text(facts, lang, names)
    layer_data, rings, view = map_slide_data(context.store, slide, lang, context.settings.max_map_points)
    return (text.title, text.caption, *text.counts, text.dates, text.filters, text.sources, text.notice,
            text.progress, text.progress_style, *(not slide.shows(p) for p in PANEL_ORDER), panels_class(slide),
            not is_playable(slide), map_patch(context.map_traces, layer_data, rings, view),
            present_timeline(context.store, slide, lang), present_breakdown(context.store, slide, lang),
            view_data(view, index, slide), initial_frame_state(index), True, play_label(None, lang))


@callback(
    Output(PresentIds.FRAME, "data", allow_duplicate=True), Output(PresentIds.INTERVAL, "disabled", allow_duplicate=True),
    Output(PresentIds.PLAY, "children", allow_duplicate=True),
    Input(PresentIds.PLAY, "n_clicks"), State(PresentIds.FRAME, "data"), State(PresentIds.SLIDE, "data"),
    State(PresentIds.MODE, "value"), State(PresentIds.STORY, "data"), prevent_initial_call=True,
)
def on_play(n_clicks, frame_state, slide_index, mode, story_data):
    """Play or pause the slide's dates (the P key clicks this button)."""
    context = get_context()
    story = load_story(context.stories, story_data["id"]).story
    if story is None or not n_clicks:
        return no_update, no_update, no_update
    index = clamp_slide(slide_index, len(story.slides))
    frames = slide_frames(story.slides[index], slide_extent(context.store, story.slides[index]), mode)
    state = toggle_playback(frame_state, index, len(frames))
    return state, not state["playing"], play_label(state, story_data["lang"])


@callback(*FRAME_OUTPUTS, Input(PresentIds.INTERVAL, "n_intervals"), State(PresentIds.FRAME, "data"),
          State(PresentIds.SLIDE, "data"), State(PresentIds.MODE, "value"), State(PresentIds.STORY, "data"),
          prevent_initial_call=True)
def on_frame(n_intervals, frame_state, slide_index, mode, story_data):
    """One playback step: the map, counts, dates label and timeline range show the next frame."""
    context, lang = get_context(), story_data["lang"]
    story = load_story(context.stories, story_data["id"]).story
    index = clamp_slide(slide_index, len(story.slides)) if story else 0
    frames = slide_frames(story.slides[index], slide_extent(context.store, story.slides[index]), mode) if story else []
    step = step_frame(frame_state, index, frames)
    if step.frame is None:
        return *[no_update] * 7, step.state, True, play_label(step.state, lang)
    shown = frame_view(context.store, story, index, step.frame, lang, context.settings.max_map_points,
                       context.dataset_names())
    timeline = Patch()
    timeline["layout"]["shapes"] = shown.shapes
    return (map_patch(context.map_traces, shown.layer_data), *shown.counts, shown.label, timeline,
            step.state, not step.state["playing"], play_label(step.state, lang))


@callback(Output(PresentIds.INTERVAL, "interval"), Input(PresentIds.SPEED, "value"), prevent_initial_call=True)
def update_speed(speed):
    """Time on each frame: slow, normal or fast."""
    return interval_ms(speed)


@callback(
    Output(NotesIds.PROGRESS, "children"), Output(NotesIds.TITLE, "children"), Output(NotesIds.NOTES, "children"),
    Output(NotesIds.CAPTION, "children"), Output(NotesIds.SOURCES, "children"), Output(NotesIds.NEXT, "children"),
    Input(NotesIds.SLIDE, "data"), State(NotesIds.STORY, "data"), prevent_initial_call=True,
)
def update_notes(slide_index, story_data):
    """The notes of the slide the presenter shows."""
    context, lang = get_context(), story_data["lang"]
    story = load_story(context.stories, story_data["id"]).story
    if story is None:
        return [no_update] * 6
    facts = slide_facts(context.store, story, clamp_slide(slide_index, len(story.slides)), lang)
    text = notes_text(facts, story, lang)
    return text.progress, text.title, text.notes, text.caption, sources_list(text.sources, lang), text.next_title


# The camera: fly the map to the slide's view (jump when the user prefers less motion); the
# page's script keeps later figures from moving it. Each writes what it did into a data-
# attribute (a callback with no output would not run when the body is rendered by a callback).
clientside_callback(ClientsideFunction(namespace="rutasPresent", function_name="flyTo"),
                    Output(PresentIds.MAP_PANEL, "data-view"), Input(PresentIds.VIEW, "data"))
# Every slide change goes into the URL (a reload keeps the place) and to the notes window.
clientside_callback(ClientsideFunction(namespace="rutasPresent", function_name="slideShown"),
                    Output(PresentIds.ROOT, "data-slide"), Input(PresentIds.SLIDE, "data"),
                    State(PresentIds.STORY, "data"))
clientside_callback(ClientsideFunction(namespace="rutasPresent", function_name="notesShown"),
                    Output(NotesIds.ROOT, "data-slide"), Input(NotesIds.SLIDE, "data"),
                    State(NotesIds.STORY, "data"))
