"""Time playback on the main page: frame maths, the playback state machine and its callbacks."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from dash import no_update
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.callbacks.playback import on_playback_event, update_playback_pace, update_playback_status
from dashboard.data.filters import FilterSpec
from dashboard.data.language import DEFAULT_LANGUAGE, Language
from dashboard.data.stories import PlaybackMode, PlaybackStep
from dashboard.i18n import CATALOGS
from dashboard.ids import PlaybackIds
from dashboard.layout.playback import build_playback_controls, frame_label, playback_status_text
from dashboard.state.playback import (
    MAX_FRAMES,
    SPEEDS_MS,
    PlaybackInputs,
    PlaybackPhase,
    PlaybackSettings,
    PlaybackState,
    awaiting_frame,
    extent_dates,
    next_frame,
    playback_frames,
    playback_range,
    update_playback,
)

NBSP = "\u00a0"
MONTHS = {PlaybackStep.MONTH: 1, PlaybackStep.QUARTER: 3, PlaybackStep.YEAR: 12}
EXTENT = (date(2008, 1, 1), date(2024, 6, 30))
YEARLY = PlaybackSettings(PlaybackStep.YEAR, PlaybackMode.CUMULATIVE, 1)
ROLLING = PlaybackSettings(PlaybackStep.YEAR, PlaybackMode.ROLLING, 2)
RANGE = FilterSpec(date_from=date(2014, 1, 1), date_to=date(2019, 12, 31))

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
steps = st.sampled_from(list(PlaybackStep))
modes = st.sampled_from(list(PlaybackMode))
windows = st.integers(min_value=1, max_value=5)


def step_start(day: date, step: PlaybackStep) -> date:
    month = (day.month - 1) // MONTHS[step] * MONTHS[step] + 1 if step != PlaybackStep.YEAR else 1
    return date(day.year, month, 1)


def steps_back(day: date, step: PlaybackStep, count: int) -> date:
    index = day.year * 12 + day.month - 1 - MONTHS[step] * count
    return date(index // 12, index % 12 + 1, 1)


def ordered(a: date, b: date) -> tuple[date, date]:
    return (a, b) if a <= b else (b, a)


def run(state: PlaybackState, spec: FilterSpec = RANGE, settings_: PlaybackSettings = YEARLY, *,
        clicks: int | None = None, ticks: int | None = None):
    """One run of the playback with the browser's inputs (unchanged counters by default)."""
    inputs = PlaybackInputs(spec=spec, settings=settings_, play_clicks=state.clicks if clicks is None else clicks,
                            ticks=state.ticks if ticks is None else ticks)
    return update_playback(state, inputs, EXTENT)


def shown(spec: FilterSpec, dates) -> FilterSpec:
    """The filter after the state callback folded the written dates in."""
    return spec if dates is None else spec.with_changes(date_from=dates[0], date_to=dates[1])


# --- Frames ------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(days, days, steps, modes, windows)
def test_pbk001_frames_are_contiguous_and_inside_the_range(a, b, step, mode, window):
    start, end = ordered(a, b)
    try:
        frames = playback_frames(start, end, step, mode, window)
    except ValueError:
        return  # too many steps: test_pbk006
    assert frames[0][0] == start and frames[-1][1] == end
    assert all(start <= first <= last <= end for first, last in frames)
    for (_, previous_end), (_, this_end) in zip(frames, frames[1:]):
        # each frame ends one step after the one before: the steps they end on tile the range
        assert this_end > previous_end
        assert previous_end + timedelta(days=1) == step_start(this_end, step)
    assert step_start(frames[0][1], step) == step_start(start, step)


@settings(max_examples=200, deadline=None)
@given(days, days, steps, windows)
def test_pbk002_cumulative_frames_start_at_the_range_start_and_grow(a, b, step, window):
    start, end = ordered(a, b)
    try:
        frames = playback_frames(start, end, step, PlaybackMode.CUMULATIVE, window)
    except ValueError:
        return
    assert {first for first, _ in frames} == {start}
    assert [last for _, last in frames] == sorted({last for _, last in frames})


@settings(max_examples=200, deadline=None)
@given(days, days, steps, windows)
def test_pbk003_rolling_frames_span_at_most_window_steps(a, b, step, window):
    start, end = ordered(a, b)
    try:
        frames = playback_frames(start, end, step, PlaybackMode.ROLLING, window)
    except ValueError:
        return
    for first, last in frames:
        assert first == max(start, steps_back(step_start(last, step), step, window - 1))
    if window == 1:  # one-step windows tile the range exactly
        assert all(b[0] == a[1] + timedelta(days=1) for a, b in zip(frames, frames[1:]))


@pytest.mark.parametrize(("step", "start", "end", "ends"), [
    (PlaybackStep.YEAR, date(2014, 3, 15), date(2016, 2, 10),
     [date(2014, 12, 31), date(2015, 12, 31), date(2016, 2, 10)]),
    (PlaybackStep.QUARTER, date(2015, 2, 1), date(2015, 8, 15),
     [date(2015, 3, 31), date(2015, 6, 30), date(2015, 8, 15)]),
    (PlaybackStep.QUARTER, date(2015, 11, 20), date(2016, 1, 5), [date(2015, 12, 31), date(2016, 1, 5)]),
    (PlaybackStep.MONTH, date(2016, 1, 15), date(2016, 3, 10),  # a leap February
     [date(2016, 1, 31), date(2016, 2, 29), date(2016, 3, 10)]),
    (PlaybackStep.MONTH, date(2015, 12, 31), date(2016, 1, 1), [date(2015, 12, 31), date(2016, 1, 1)]),
])
def test_pbk004_step_boundaries(step, start, end, ends):
    frames = playback_frames(start, end, step, PlaybackMode.CUMULATIVE)
    assert frames == [(start, last) for last in ends]
    rolling = playback_frames(start, end, step, PlaybackMode.ROLLING, 1)
    assert rolling == [(max(start, step_start(last, step)), last) for last in ends]


@pytest.mark.parametrize("step", list(PlaybackStep))
@pytest.mark.parametrize("mode", list(PlaybackMode))
def test_pbk005_single_day_range_is_one_frame(step, mode):
    day = date(2017, 2, 28)
    assert playback_frames(day, day, step, mode, 3) == [(day, day)]


def test_pbk006_max_frames_just_under_and_just_over():
    assert MAX_FRAMES == 600
    assert len(playback_frames(date(1970, 1, 1), date(2019, 12, 31), PlaybackStep.MONTH)) == MAX_FRAMES
    with pytest.raises(ValueError, match="600"):
        playback_frames(date(1970, 1, 1), date(2020, 1, 1), PlaybackStep.MONTH)
    with pytest.raises(ValueError):
        playback_frames(date(2020, 1, 2), date(2020, 1, 1))


def test_pbk007_next_frame():
    assert next_frame(None, 3) == 0 and next_frame(-1, 3) == 0
    assert next_frame(0, 3) == 1 and next_frame(1, 3) == 2
    assert next_frame(2, 3) is None
    assert next_frame(None, 0) is None


def test_pbk008_playback_range_closes_open_ends_with_the_extent():
    extent = (date(2008, 1, 1), date(2024, 6, 30))
    assert playback_range(FilterSpec(), extent) == extent
    assert playback_range(FilterSpec(date_from=date(2015, 5, 1)), extent) == (date(2015, 5, 1), extent[1])
    assert playback_range(FilterSpec(date_to=date(2010, 5, 1)), extent) == (extent[0], date(2010, 5, 1))
    assert playback_range(RANGE, None) == (RANGE.date_from, RANGE.date_to)
    assert playback_range(FilterSpec(date_from=date(2015, 5, 1)), None) is None
    assert playback_range(FilterSpec(date_from=date(2030, 1, 1)), extent) is None  # starts after the data
    assert extent_dates((np.datetime64("2008-01-01"), np.datetime64("2024-06-30T00:00"))) == extent
    assert extent_dates(None) is None and extent_dates((np.datetime64("NaT"), np.datetime64("NaT"))) is None


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(PlaybackPhase)), steps, modes, windows, days, days,
       st.one_of(st.none(), st.integers(0, 50)), st.integers(0, 9), st.integers(0, 9))
def test_pbk009_state_survives_the_browser_store(phase, step, mode, window, a, b, index, clicks, ticks):
    start, end = ordered(a, b)
    state = PlaybackState(phase, PlaybackSettings(step, mode, window), (start, None), (start, end), index, 7,
                          (("type", "arrest"),), clicks, ticks)
    assert PlaybackState.from_store(state.to_store()) == state
    assert PlaybackState.from_store(None) == PlaybackState()
    assert PlaybackState.from_store({"phase": "dancing"}) == PlaybackState()
    assert PlaybackSettings.parse("decade", None, "9") == PlaybackSettings(window=5)


# --- The playback: play, tick, pause, the end, the user taking over ----------------------------

def test_pbk010_play_tick_pause_and_continue():
    state, dates = run(PlaybackState(), clicks=1)
    assert state.phase == PlaybackPhase.PLAYING and state.frame_count == 6 and state.index == 0
    assert dates == (date(2014, 1, 1), date(2014, 12, 31))
    spec = shown(RANGE, dates)
    state, dates = run(state, spec, ticks=1)
    assert state.index == 1 and dates == (date(2014, 1, 1), date(2015, 12, 31))
    spec = shown(spec, dates)
    state, dates = run(state, spec)  # the filter caught up: our own write, nothing to do
    assert state.playing and dates is None
    state, dates = run(state, spec, clicks=2)  # Pause keeps the frame
    assert state.phase == PlaybackPhase.PAUSED and state.index == 1 and dates is None
    state, dates = run(state, spec, ticks=2)  # a tick already on its way while pausing
    assert state.index == 1 and dates is None
    state, dates = run(state, spec, clicks=3, ticks=2)  # Play continues, on the next tick
    assert state.playing and state.index == 1 and dates is None
    state, dates = run(state, spec, ticks=3)
    assert state.index == 2 and dates == (date(2014, 1, 1), date(2016, 12, 31))


def play_to_the_end(spec: FilterSpec, settings_: PlaybackSettings):
    state, dates = run(PlaybackState(), spec, settings_, clicks=1)
    written = [dates]
    while state.playing:
        spec = shown(spec, dates)
        state, dates = run(state, spec, settings_, ticks=state.ticks + 1)
        written.append(dates)
    return state, written


def test_pbk011_end_of_range_cumulative_ends_on_the_full_range():
    state, written = play_to_the_end(RANGE, YEARLY)
    assert written[-2] == (RANGE.date_from, RANGE.date_to)  # the last frame is the whole range
    assert written[-1] == (RANGE.date_from, RANGE.date_to)  # …and it stays
    assert state.phase == PlaybackPhase.FINISHED and state.index is None


def test_pbk012_end_of_range_rolling_restores_the_original_range():
    state, written = play_to_the_end(RANGE, ROLLING)
    assert written[:3] == [(date(2014, 1, 1), date(2014, 12, 31)), (date(2014, 1, 1), date(2015, 12, 31)),
                           (date(2015, 1, 1), date(2016, 12, 31))]
    assert written[-2] == (date(2018, 1, 1), date(2019, 12, 31))
    assert written[-1] == (RANGE.date_from, RANGE.date_to)
    assert state.phase == PlaybackPhase.FINISHED


def test_pbk013_open_ended_range_plays_the_data_extent_and_reopens_at_the_end():
    open_spec = FilterSpec(date_from=date(2020, 6, 1))
    state, written = play_to_the_end(open_spec, YEARLY)
    assert written[0] == (date(2020, 6, 1), date(2020, 12, 31))
    assert written[-2] == (date(2020, 6, 1), EXTENT[1])
    assert written[-1] == (date(2020, 6, 1), None)  # the filter's own open end again


@pytest.mark.parametrize("change", [
    {"date_from": date(2016, 1, 1)},  # the user typed other dates
    {"event_types": ("arrest",)},  # or ticked a type
])
def test_pbk014_a_user_change_while_playing_pauses(change):
    state, dates = run(PlaybackState(), clicks=1)
    spec = shown(RANGE, dates)
    state, dates = run(state, spec, ticks=1)
    lagging = spec  # the filter still shows frame 0 when the run for frame 1 comes: still ours
    assert run(state, lagging)[0].playing
    user = shown(spec, dates).with_changes(**change)
    state, dates = run(state, user)
    assert state.phase == PlaybackPhase.TAKEN_OVER and dates is None
    state, dates = run(state, user, ticks=2)  # a tick never overwrites the user's filter
    assert dates is None and not state.playing
    # …and a tick that comes before the filter change was seen checks the filter first
    playing, _ = run(PlaybackState(), clicks=1)
    assert run(playing, RANGE.with_changes(**change), ticks=1) == (
        PlaybackState(**{**playing.__dict__, "phase": PlaybackPhase.TAKEN_OVER, "ticks": 1}), None)


def test_pbk015_play_after_a_type_change_continues_after_a_date_change_restarts():
    state, dates = run(PlaybackState(), clicks=1)
    state, dates = run(state, shown(RANGE, dates), ticks=1)
    frame = shown(RANGE, dates)
    state, _ = run(state, frame.with_changes(event_types=("arrest",)))
    assert state.phase == PlaybackPhase.TAKEN_OVER
    resumed, dates = run(state, frame.with_changes(event_types=("arrest",)), clicks=2)
    assert resumed.playing and resumed.index == 1 and dates is None
    restarted, dates = run(state, FilterSpec(date_from=date(2017, 1, 1), date_to=date(2018, 6, 30)), clicks=2)
    assert restarted.playing and restarted.index == 0 and restarted.frame_count == 2
    assert dates == (date(2017, 1, 1), date(2017, 12, 31)) and restarted.origin == dates[:1] + (date(2018, 6, 30),)


def test_pbk016_new_settings_restart_from_the_first_frame():
    state, dates = run(PlaybackState(), clicks=1)
    state, dates = run(state, shown(RANGE, dates), ticks=1)
    spec = shown(RANGE, dates)
    state, _ = run(state, spec, clicks=2)  # paused on frame 2
    quarterly = PlaybackSettings(PlaybackStep.QUARTER, PlaybackMode.CUMULATIVE, 1)
    state, dates = run(state, spec, quarterly)
    assert state.phase == PlaybackPhase.PAUSED and state.index == 0 and state.frame_count == 24
    assert dates == (date(2014, 1, 1), date(2014, 3, 31))  # the original range's first quarter
    spec = shown(spec, dates)
    state, dates = run(state, spec, quarterly, clicks=3)  # Play continues from there
    state, dates = run(state, spec, quarterly, ticks=2)
    assert dates == (date(2014, 1, 1), date(2014, 6, 30))
    # settings changed after the user moved the dates: nothing written, Play starts from theirs
    idle, dates = run(PlaybackState(PlaybackPhase.PAUSED, YEARLY, (None, None), (RANGE.date_from, RANGE.date_to),
                                    1, 6), FilterSpec(date_from=date(2016, 1, 1)), ROLLING)
    assert idle.phase == PlaybackPhase.IDLE and dates is None and idle.settings == ROLLING


def test_pbk017_too_long_a_range_does_not_play():
    long_range = FilterSpec(date_from=date(1960, 1, 1), date_to=date(2019, 12, 31))
    monthly = PlaybackSettings(PlaybackStep.MONTH)
    state, dates = run(PlaybackState(), long_range, monthly, clicks=1)
    assert state.phase == PlaybackPhase.TOO_LONG and dates is None and not state.playing
    text = playback_status_text(state, long_range, EXTENT, "en")
    assert "600" in text and "monthly" in text
    state, dates = run(state, long_range, PlaybackSettings(PlaybackStep.YEAR), clicks=2)
    assert state.playing and state.frame_count == 60


def test_pbk022_a_tick_waits_until_the_filter_shows_the_frame():
    state, dates = run(PlaybackState(), clicks=1)
    assert awaiting_frame(state, RANGE)
    late_tick, again = run(state, RANGE, ticks=1)  # a tick before the filter showed frame 1: wait
    assert again is None and late_tick.index == 0 and late_tick.playing
    assert not awaiting_frame(late_tick, shown(RANGE, dates))
    assert not awaiting_frame(late_tick, RANGE.with_changes(date_to=date(2016, 1, 1)))  # the user's: see pbk014
    _, dates = run(late_tick, shown(RANGE, dates), ticks=2)
    assert dates == (date(2014, 1, 1), date(2015, 12, 31))


def test_pbk018_a_press_a_dropped_run_missed_is_caught_up_and_a_double_press_is_none():
    state, dates = run(PlaybackState(), clicks=2)
    assert state.phase == PlaybackPhase.IDLE and state.clicks == 2 and dates is None
    state, dates = run(state, ticks=5, clicks=3)  # the press comes in with a later tick
    assert state.playing and state.index == 0 and state.ticks == 5


# --- Words ---------------------------------------------------------------------------------------

def test_pbk019_status_line_names_the_frame():
    spec = FilterSpec(date_from=date(2015, 1, 1), date_to=date(2024, 12, 31))
    state = PlaybackState(PlaybackPhase.PLAYING, YEARLY, (spec.date_from, spec.date_to),
                          (spec.date_from, spec.date_to), 2, 10)
    frame = spec.with_changes(date_to=date(2017, 12, 31))
    text = playback_status_text(state, frame, EXTENT, "en").replace(NBSP, " ")
    assert text == "2017 · 1 Jan 2015 – 31 Dec 2017 · frame 3 of 10"
    paused = PlaybackState(**{**state.__dict__, "phase": PlaybackPhase.PAUSED})
    assert playback_status_text(paused, frame, EXTENT, "es").replace(NBSP, " ") == \
        "En pausa · 2017 · 1 ene 2015 – 31 dic 2017 · cuadro 3 de 10"
    assert playback_status_text(PlaybackState(), RANGE, EXTENT, "en").replace(NBSP, " ") == \
        "6 frames · 1 Jan 2014 – 31 Dec 2019"
    assert frame_label((date(2017, 1, 1), date(2017, 8, 31)), PlaybackStep.QUARTER, "es") == f"T3{NBSP}2017"
    assert frame_label((date(2017, 1, 1), date(2017, 8, 31)), PlaybackStep.MONTH, "en") == f"Aug{NBSP}2017"
    assert all(CATALOGS[lang].keys() == CATALOGS[DEFAULT_LANGUAGE].keys() for lang in Language)


# --- Callbacks as plain functions ----------------------------------------------------------------

def event(clicks, ticks, spec: FilterSpec, state, mode="cumulative", lang="en"):
    return on_playback_event(clicks, ticks, "year", mode, 1, spec.to_store(), state, lang)


def test_pbk020_callbacks_play_tick_pause(app_context):
    assert extent_dates(app_context.store.date_extent()) is not None
    state, start, end, label, pressed, disabled, status = event(1, 0, RANGE, PlaybackState().to_store())
    assert (start, end) == ("2014-01-01", "2014-12-31") and state["phase"] == "playing"
    assert "Pause" in label and pressed == "true" and disabled is False
    assert status.replace(NBSP, " ") == "2014 · 1 Jan 2014 – 31 Dec 2014 · frame 1 of 6"
    assert event(1, 1, RANGE, state)[1:3] == (no_update, no_update)  # frame 1 not shown yet: wait
    frame = FilterSpec(date_from=date(2014, 1, 1), date_to=date(2014, 12, 31))
    assert event(1, 0, frame, state) == (no_update,) * 7  # our own write coming back: nothing to do
    state, start, end, *_ , status = event(1, 1, frame, state)
    # Frame 2 is written; the counts still show frame 1, and so does the status line…
    assert (start, end) == ("2014-01-01", "2015-12-31") and "frame\u00a01\u00a0of" in status
    written = FilterSpec(date_from=date(2014, 1, 1), date_to=date(2015, 12, 31))
    # …until the filter (and the counts with it) reach frame 2.
    assert "frame\u00a02\u00a0of" in update_playback_status(written.to_store(), state, "en")
    frame = FilterSpec(date_from=date(2014, 1, 1), date_to=date(2015, 12, 31))
    paused, start, end, label, pressed, disabled, status = event(2, 1, frame, state, lang="es")
    assert PlaybackState.from_store(paused).phase == PlaybackPhase.PAUSED and start is no_update
    assert "Reproducir" in label and pressed == "false" and disabled is True
    assert status.startswith("En pausa · 2015")
    assert "frame\u00a02\u00a0of" in update_playback_status(frame.to_store(), state, "en")  # frame shown
    assert update_playback_status(frame.to_store(), paused, "es").startswith("En pausa")
    assert update_playback_pace("fast", "cumulative") == (SPEEDS_MS["fast"], True)
    assert update_playback_pace("warp", "rolling") == (SPEEDS_MS["normal"], False)


def test_pbk021_callbacks_end_of_range_and_user_change(app_context):
    one_year = FilterSpec(date_from=date(2014, 1, 1), date_to=date(2014, 12, 31))
    state, start, *_ = event(1, 0, one_year, PlaybackState().to_store(), mode="rolling")
    assert state["phase"] == "playing" and start is no_update  # one frame: the range itself, shown already
    state, start, end, label, pressed, disabled, status = event(1, 1, one_year, state, mode="rolling")
    assert state["phase"] == "finished" and start is no_update and disabled is True
    assert status.replace(NBSP, " ") == "Played 1 frame · back to 1 Jan 2014 – 31 Dec 2014"
    playing, *_ = event(1, 0, RANGE, PlaybackState().to_store())
    taken, start, end, *_ , status = event(1, 0, RANGE.with_changes(event_types=("arrest",)), playing)
    assert taken["phase"] == "taken_over" and start is no_update
    assert update_playback_status(RANGE.with_changes(event_types=("arrest",)).to_store(), taken, "en") == \
        "6 frames · 1\u00a0Jan\u00a02014 – 31\u00a0Dec\u00a02019"  # the user moved off the frame: what Play plays


@settings(max_examples=200, deadline=None)
@given(days, steps)
def test_pbk030_step_bounds_hold_the_day_and_touch_the_next_step(day, step):
    from dashboard.state.playback import step_bounds

    start, end = step_bounds(day, step)
    assert start <= day <= end and start.day == 1
    assert step_bounds(end + timedelta(days=1), step)[0] == end + timedelta(days=1)


# --- In step with the views (issue 15) ------------------------------------------------------------

def _playing(index: int) -> PlaybackState:
    span = (date(2014, 1, 1), date(2019, 12, 31))
    frames = playback_frames(*span)
    return PlaybackState(PlaybackPhase.PLAYING, PlaybackSettings(), span[:1] + (None,), span, index, len(frames))


def test_lay030_the_status_names_the_frame_the_filter_shows():
    from dashboard.state.playback import as_shown

    state = _playing(3)  # frame 4 written
    frames = state.frames()
    before = FilterSpec(date_from=frames[2][0], date_to=frames[2][1])
    assert as_shown(state, before).index == 2  # the filter (and the counts) still show frame 3
    now = FilterSpec(date_from=frames[3][0], date_to=frames[3][1])
    assert as_shown(state, now).index == 3
    text = playback_status_text(as_shown(state, before), before, EXTENT, "en")
    assert f"frame{NBSP}3{NBSP}of" in text and frame_label(frames[2], PlaybackStep.YEAR, "en") in text


def test_lay031_playback_holds_the_timeline_on_the_whole_range():
    from dashboard.state.playback import playback_timeline

    state = _playing(1)
    frame = state.frames()[1]
    shown = FilterSpec(date_from=frame[0], date_to=frame[1])
    axis = playback_timeline(state, shown)
    assert axis.axis_range == state.span and axis.unit != "auto"  # the whole span's unit, every frame
    for index in range(state.frame_count):  # the same for every frame
        later = PlaybackState(**{**state.__dict__, "index": index})
        day_from, day_to = later.frames()[index]
        assert playback_timeline(later, FilterSpec(date_from=day_from, date_to=day_to)) == axis
    paused = PlaybackState(**{**state.__dict__, "phase": PlaybackPhase.PAUSED})
    assert playback_timeline(paused, shown) == axis
    assert playback_timeline(paused, RANGE).axis_range is None  # the user moved the dates: fit them
    finished = PlaybackState(**{**state.__dict__, "phase": PlaybackPhase.FINISHED, "index": None})
    assert playback_timeline(finished, RANGE).axis_range is None and playback_timeline(PlaybackState(), RANGE).unit == "auto"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pbk040_the_controls_are_drawn_at_the_pace_the_callback_would_set(lang):
    """The pace callback is not asked at load (one POST less): the drawn interval and window are
    what it answers for the drawn speed and mode."""
    from tests.unit.layout_tree import find

    controls = build_playback_controls(lang)
    speed, mode = find(controls, PlaybackIds.SPEED).value, find(controls, PlaybackIds.MODE).value
    assert (find(controls, PlaybackIds.INTERVAL).interval, find(controls, PlaybackIds.WINDOW).disabled) == \
        update_playback_pace(speed, mode)

