"""Time playback on the main page's timeline.

Each frame is written into the filter panel's date controls, exactly as if the user had typed
the dates: the one state callback folds them into the filter and the URL, and every view follows.
"""

from __future__ import annotations

import json

from dash import Input, Output, State, callback, clientside_callback, no_update

from dashboard.data.filters import FilterSpec
from dashboard.ids import FilterIds, PageIds, PlaybackIds
from dashboard.layout.playback import play_label, playback_status_text
from dashboard.state.context import get_context
from dashboard.state.playback import (
    PlaybackInputs,
    PlaybackPhase,
    PlaybackSettings,
    PlaybackState,
    as_shown,
    extent_dates,
    playback_pace,
    update_playback,
)

# A filter change matters to the playback only while it plays (its own frame, or the user taking
# over); otherwise its state ignores the filter (see on_filter_changed), so no request is made.
# The playback reads the filter the views have drawn (FilterIds.SHOWN), not the one on its way:
# a tick waits until the counts show the frame written last (see awaiting_frame).
clientside_callback(
    """function (filterData, state) {
        return state && state.phase === PLAYING ? filterData : window.dash_clientside.no_update;
    }""".replace("PLAYING", json.dumps(str(PlaybackPhase.PLAYING))),
    Output(PlaybackIds.FILTER, "data"),
    Input(FilterIds.SHOWN, "data"),
    State(PlaybackIds.STATE, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(PlaybackIds.STATE, "data"),
    Output(FilterIds.DATE_RANGE, "start_date", allow_duplicate=True),
    Output(FilterIds.DATE_RANGE, "end_date", allow_duplicate=True),
    Output(PlaybackIds.PLAY, "children"),
    Output(PlaybackIds.PLAY, "aria-pressed"),
    Output(PlaybackIds.INTERVAL, "disabled"),
    Output(PlaybackIds.LABEL, "children"),
    Input(PlaybackIds.PLAY, "n_clicks"),
    Input(PlaybackIds.INTERVAL, "n_intervals"),
    Input(PlaybackIds.STEP, "value"),
    Input(PlaybackIds.MODE, "value"),
    Input(PlaybackIds.WINDOW, "value"),
    Input(PlaybackIds.FILTER, "data"),
    State(PlaybackIds.STATE, "data"),
    State(PageIds.LANG_STORE, "data"),
    State(FilterIds.SHOWN, "data"),
    prevent_initial_call=True,
)
def on_playback_input(play_clicks, ticks, step, mode, window, _filter_while_playing, state_data, lang, filter_data):
    """Whatever the browser reports to the playback (the filter read as the views show it)."""
    return on_playback_event(play_clicks, ticks, step, mode, window, filter_data, state_data, lang)


def on_playback_event(play_clicks, ticks, step, mode, window, filter_data, state_data, lang):
    """Play/Pause, a tick, new settings or a filter change: the next state, the dates to show
    and the controls' faces.

    One callback draws the button and the status line too: a second one listening to the state
    would wait for the whole filter chain to go quiet, i.e. until playback ends. The status line
    names the frame the filter shows now (:func:`as_shown`): a frame just written is named by
    :func:`update_playback_status` once the filter, and so the counts, have reached it.
    """
    spec = FilterSpec.from_store(filter_data)
    inputs = PlaybackInputs(spec=spec, settings=PlaybackSettings.parse(step, mode, window),
                            play_clicks=play_clicks or 0, ticks=ticks or 0)
    extent = extent_dates(get_context().store.date_extent(spec.datasets))
    state, dates = update_playback(PlaybackState.from_store(state_data), inputs, extent)
    new_data = state.to_store()
    if new_data == state_data:
        return (no_update,) * 7
    faces = (play_label(state.playing, lang), "true" if state.playing else "false", not state.playing,
             playback_status_text(as_shown(state, spec), spec, extent, lang))
    if dates is None or dates == (spec.date_from, spec.date_to):
        return new_data, no_update, no_update, *faces
    return new_data, *(day.isoformat() if day else None for day in dates), *faces


def update_playback_status(filter_data, state_data, lang):
    """The status line for the filter shown now: the frame it holds while playing (in step with
    the counts, which follow the same filter), else what Play would play. Written with the views
    (:func:`dashboard.callbacks.views.draw_views`), so it follows the filter in the same answer."""
    spec = FilterSpec.from_store(filter_data)
    extent = extent_dates(get_context().store.date_extent(spec.datasets))
    return playback_status_text(as_shown(PlaybackState.from_store(state_data), spec), spec, extent, lang)


# Not at load: the controls are drawn at their own values' pace (build_playback_controls).
@callback(
    Output(PlaybackIds.INTERVAL, "interval"),
    Output(PlaybackIds.WINDOW, "disabled"),
    Input(PlaybackIds.SPEED, "value"),
    Input(PlaybackIds.MODE, "value"),
    prevent_initial_call=True,
)
def update_playback_pace(speed, mode):
    """The time on each frame; the rolling window only counts in rolling mode."""
    return playback_pace(speed, mode)
