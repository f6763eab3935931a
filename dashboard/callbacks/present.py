"""Callbacks of the presenter screen and the speaker notes.

The page is rendered for its first slide; these follow slide changes (written by the keyboard
script into ``PresentIds.SLIDE``) and the playback clock. The map is patched (event layer, rings
and centre), never replaced, and the camera is flown by the page (``rutasPresent.flyTo``): a
figure that arrives mid-flight changes the data, not the camera.
"""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback, no_update

from dashboard.data.charts import SHARED_PATH_CHARTS
from dashboard.data.stories import Panel
from dashboard.figures.event_map import LayerSlot, MapUpdate, apply_map_update
from dashboard.ids import NotesIds, PresentIds, present_chart_id, present_chart_panel_id
from dashboard.layout.present import count_blocks, sources_list
from dashboard.state.context import get_context
from dashboard.state.present_view import (
    Rings,
    SlideIndicator,
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
    present_chart,
    present_indicator_chart,
    present_indicator_slot,
    present_timeline,
    projector_style,
    slide_extent,
    slide_frames,
    slide_indicator,
    slide_text,
    step_frame,
    toggle_playback,
    view_data,
)
from dashboard.state.views import indicator_catalog_of, indicator_positions
from dashboard.words.slide_facts import slide_facts

# The headline numbers are drawn whole (number and word), so a counter that does not apply is left
# out and the word follows the number's plural.
COUNTS_OUTPUT = Output(PresentIds.COUNTS, "children")
PANEL_HIDDEN_OUTPUTS = {
    Panel.COUNTS: Output(PresentIds.COUNTS, "hidden"), Panel.MAP: Output(PresentIds.MAP_PANEL, "hidden"),
    Panel.TIMELINE: Output(PresentIds.TIMELINE_PANEL, "hidden"),
    Panel.BREAKDOWN: Output(PresentIds.BREAKDOWN_PANEL, "hidden"),
    **{Panel(chart.kind): Output(present_chart_panel_id(chart.kind), "hidden") for chart in SHARED_PATH_CHARTS},
    Panel.INDICATOR: Output(present_chart_panel_id(Panel.INDICATOR), "hidden"),
}
# The figures of the charts on the shared path, by kind.
CHART_OUTPUTS = {chart.kind: Output(present_chart_id(chart.kind), "figure") for chart in SHARED_PATH_CHARTS}
# Everything a slide change sets, by name (Dash's dict form): no tuple order to keep in step.
SLIDE_OUTPUTS = dict(
    title=Output(PresentIds.TITLE, "children"), caption=Output(PresentIds.CAPTION, "children"),
    counts=COUNTS_OUTPUT, dates=Output(PresentIds.DATES, "children"),
    filters=Output(PresentIds.FILTERS, "children"), sources=Output(PresentIds.SOURCES, "children"),
    notice=Output(PresentIds.NOTICE, "children"), progress=Output(PresentIds.PROGRESS, "children"),
    progress_style=Output(PresentIds.PROGRESS_BAR, "style"), panel_hidden=PANEL_HIDDEN_OUTPUTS,
    panels_class=Output(PresentIds.PANELS, "className"), playback_hidden=Output(PresentIds.PLAYBACK, "hidden"),
    map=Output(PresentIds.MAP, "figure"), timeline=Output(PresentIds.TIMELINE, "figure"),
    breakdown=Output(PresentIds.BREAKDOWN, "figure"), charts=CHART_OUTPUTS,
    indicator=Output(present_chart_id(Panel.INDICATOR), "figure"), view=Output(PresentIds.VIEW, "data"),
    frame=Output(PresentIds.FRAME, "data"), interval_disabled=Output(PresentIds.INTERVAL, "disabled"),
    play_label=Output(PresentIds.PLAY, "children"),
)
# What a playback frame changes: the event layer, the counts, the dates and the timeline's range.
FRAME_OUTPUTS = dict(
    map=Output(PresentIds.MAP, "figure", allow_duplicate=True),
    counts=Output(COUNTS_OUTPUT.component_id, COUNTS_OUTPUT.component_property, allow_duplicate=True),
    dates=Output(PresentIds.DATES, "children", allow_duplicate=True),
    timeline=Output(PresentIds.TIMELINE, "figure", allow_duplicate=True),
    frame=Output(PresentIds.FRAME, "data", allow_duplicate=True),
    interval_disabled=Output(PresentIds.INTERVAL, "disabled", allow_duplicate=True),
    play_label=Output(PresentIds.PLAY, "children", allow_duplicate=True),
)


def unchanged(outputs: dict) -> dict:
    """``no_update`` for every output of a (nested) dict of outputs."""
    return {name: unchanged(value) if isinstance(value, dict) else no_update for name, value in outputs.items()}


def map_patch(update: MapUpdate, rings: Rings | None = None, view=None,
              indicator: tuple[int, SlideIndicator] | None = None) -> Patch:
    """Replace the event trace and key (and the rings, their labels, the figure's centre and the
    indicator's layer at its slot) of the presenter's map."""
    patch = apply_map_update(Patch(), update)
    if indicator is not None:
        slot, shown = indicator
        patch["layout"]["map"]["layers"][slot] = shown.layer
    if rings is not None:
        patch["layout"]["map"]["layers"][LayerSlot.HIGHLIGHT] = rings.layer
        patch["layout"]["map"]["layers"][LayerSlot.RING_LABELS] = rings.labels
    if view is not None:  # where the camera will be once flown there (the flight itself is the page's)
        patch["layout"]["map"]["center"] = {"lat": view.lat, "lon": view.lon}
        patch["layout"]["map"]["zoom"] = view.zoom
    return patch


def indicator_slot_of(context, lang: str) -> int:
    """The indicator layer's place in this deployment's presenter map."""
    return present_indicator_slot(context.settings.basemap, context.vraem_feature, context.data.routes, lang)


@callback(output=SLIDE_OUTPUTS, inputs=dict(slide_index=Input(PresentIds.SLIDE, "data")),
          state=dict(story_data=State(PresentIds.STORY, "data")), prevent_initial_call=True)
def update_slide(slide_index, story_data):
    """Show another slide: text, numbers, panels, the map's data and where the camera flies."""
    context, lang = get_context(), story_data["lang"]
    story = load_story(context.stories, story_data["id"], story_data["lang"]).story
    if story is None:
        return unchanged(SLIDE_OUTPUTS)
    index, names = clamp_slide(slide_index, len(story.slides)), context.dataset_names()
    facts = slide_facts(context.store, story, index, lang, names)
    slide, text = facts.slide, slide_text(facts, lang, names)
    catalog = indicator_catalog_of(context)
    indicator = slide_indicator(catalog, indicator_positions(context), slide, lang)
    update, rings, view = map_slide_data(context.store, slide, lang, context.settings.max_map_points,
                                         routes=context.data.routes, vraem=context.vraem_feature is not None,
                                         indicator=indicator, remote_style=projector_style(context.settings.basemap))
    return dict(
        title=text.title, caption=text.caption, counts=count_blocks(text.counts), dates=text.dates,
        filters=text.filters, sources=text.sources, notice=text.notice, progress=text.progress,
        progress_style=text.progress_style,
        panel_hidden={panel: not slide.shows(panel) for panel in PANEL_HIDDEN_OUTPUTS},
        panels_class=panels_class(slide), playback_hidden=not is_playable(slide),
        map=map_patch(update, rings, view, (indicator_slot_of(context, lang), indicator)),
        timeline=present_timeline(context.store, slide, lang), breakdown=present_breakdown(context.store, slide, lang),
        charts={kind: present_chart(context.store, slide, lang, kind) for kind in CHART_OUTPUTS},
        indicator=present_indicator_chart(catalog, context.store, slide, lang),
        view=view_data(view, index, slide), frame=initial_frame_state(index), interval_disabled=True,
        play_label=play_label(None, lang),
    )


@callback(
    Output(PresentIds.FRAME, "data", allow_duplicate=True), Output(PresentIds.INTERVAL, "disabled", allow_duplicate=True),
    Output(PresentIds.PLAY, "children", allow_duplicate=True),
    Input(PresentIds.PLAY, "n_clicks"), State(PresentIds.FRAME, "data"), State(PresentIds.SLIDE, "data"),
    State(PresentIds.MODE, "value"), State(PresentIds.STORY, "data"), prevent_initial_call=True,
)
def on_play(n_clicks, frame_state, slide_index, mode, story_data):
    """Play or pause the slide's dates (the P key clicks this button)."""
    context = get_context()
    story = load_story(context.stories, story_data["id"], story_data["lang"]).story
    if story is None or not n_clicks:
        return no_update, no_update, no_update
    index = clamp_slide(slide_index, len(story.slides))
    frames = slide_frames(story.slides[index], slide_extent(context.store, story.slides[index]), mode)
    state = toggle_playback(frame_state, index, len(frames))
    return state, not state["playing"], play_label(state, story_data["lang"])


@callback(output=FRAME_OUTPUTS, inputs=dict(n_intervals=Input(PresentIds.INTERVAL, "n_intervals")),
          state=dict(frame_state=State(PresentIds.FRAME, "data"), slide_index=State(PresentIds.SLIDE, "data"),
                     mode=State(PresentIds.MODE, "value"), story_data=State(PresentIds.STORY, "data")),
          prevent_initial_call=True)
def on_frame(n_intervals, frame_state, slide_index, mode, story_data):
    """One playback step: the map, counts, dates label and timeline range show the next frame."""
    context, lang = get_context(), story_data["lang"]
    story = load_story(context.stories, story_data["id"], story_data["lang"]).story
    index = clamp_slide(slide_index, len(story.slides)) if story else 0
    frames = slide_frames(story.slides[index], slide_extent(context.store, story.slides[index]), mode) if story else []
    step = step_frame(frame_state, index, frames)
    if step.frame is None:
        return {**unchanged(FRAME_OUTPUTS), "frame": step.state, "interval_disabled": True,
                "play_label": play_label(step.state, lang)}
    shown = frame_view(context.store, story, index, step.frame, lang, context.settings.max_map_points,
                       context.dataset_names(), routes=context.data.routes, vraem=context.vraem_feature is not None,
                       indicators=indicator_catalog_of(context), positions=indicator_positions(context),
                       remote_style=projector_style(context.settings.basemap))
    timeline = Patch()
    timeline["layout"]["shapes"] = shown.shapes
    return dict(map=map_patch(shown.update, shown.rings, indicator=(indicator_slot_of(context, lang), shown.indicator)),
                counts=count_blocks(shown.counts),
                dates=shown.label, timeline=timeline, frame=step.state,
                interval_disabled=not step.state["playing"], play_label=play_label(step.state, lang))


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
    story = load_story(context.stories, story_data["id"], story_data["lang"]).story
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
