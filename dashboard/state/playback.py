"""Time playback: the date windows a timeline steps through. No dash import.

A playback runs over a date range in steps (month, quarter or year). In *cumulative* mode each
frame runs from the start of the range to the end of the current step ("the toll so far"); in
*rolling* mode it holds only the last ``window`` steps. Frames are plain date pairs, applied to
a ``FilterSpec`` with :func:`frame_spec`, so the map and counts of a frame are exactly what the
same date range typed into the filters shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

import numpy as np

from dashboard.data.filters import FilterSpec
from dashboard.data.store import time_unit_for_span
from dashboard.data.stories import PlaybackMode, PlaybackStep

MAX_FRAMES = 600
SPEEDS_MS = {"slow": 2000, "normal": 1000, "fast": 400}  # time on each frame
DEFAULT_SPEED = "normal"


def playback_pace(speed: str | None, mode: str | None) -> tuple[int, bool]:
    """The time on each frame, and whether the rolling window is off (it counts in rolling mode only)."""
    return SPEEDS_MS.get(speed, SPEEDS_MS[DEFAULT_SPEED]), mode != PlaybackMode.ROLLING


def _step_start(day: date, step: PlaybackStep) -> date:
    if step == PlaybackStep.YEAR:
        return date(day.year, 1, 1)
    if step == PlaybackStep.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def _add_steps(day: date, step: PlaybackStep, count: int) -> date:
    """The first day ``count`` steps after the step starting on ``day``."""
    months = {PlaybackStep.YEAR: 12, PlaybackStep.QUARTER: 3, PlaybackStep.MONTH: 1}[PlaybackStep(step)] * count
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def step_bounds(day: date, step: PlaybackStep | str) -> tuple[date, date]:
    """First and last day of the step (month, quarter or year) holding ``day``."""
    start = _step_start(day, PlaybackStep(step))
    return start, _add_steps(start, PlaybackStep(step), 1) - timedelta(days=1)


def playback_frames(date_from: date, date_to: date, step: PlaybackStep | str = PlaybackStep.YEAR,
                    mode: PlaybackMode | str = PlaybackMode.CUMULATIVE, window: int = 1) -> list[tuple[date, date]]:
    """Date windows (inclusive) from ``date_from`` to ``date_to``, one per step.

    Frames never reach outside the range: the first starts on ``date_from``, the last ends on
    ``date_to``. At most :data:`MAX_FRAMES`; a longer range raises ``ValueError`` (choose a
    larger step).
    """
    step, mode = PlaybackStep(step), PlaybackMode(mode)
    if date_to < date_from:
        raise ValueError("the range ends before it starts")
    window = max(1, int(window))
    frames: list[tuple[date, date]] = []
    start = _step_start(date_from, step)
    while start <= date_to:
        end = min(_add_steps(start, step, 1) - timedelta(days=1), date_to)
        if mode == PlaybackMode.CUMULATIVE:
            first = date_from
        else:
            first = max(date_from, _add_steps(start, step, 1 - window))
        frames.append((first, end))
        if len(frames) > MAX_FRAMES:
            raise ValueError(f"more than {MAX_FRAMES} steps: choose a larger step")
        start = _add_steps(start, step, 1)
    return frames


def frame_spec(spec: FilterSpec, frame: tuple[date, date]) -> FilterSpec:
    """The filter of one frame: the same filter over the frame's dates."""
    return spec.with_changes(date_from=frame[0], date_to=frame[1])


def playback_range(spec: FilterSpec, extent: tuple[date, date] | None) -> tuple[date, date] | None:
    """The range a playback runs over: the filter's dates, open ends closed by the data's extent."""
    if extent is None and (spec.date_from is None or spec.date_to is None):
        return None
    start = spec.date_from or extent[0]
    end = spec.date_to or extent[1]
    return (start, end) if start <= end else None


def next_frame(index: int | None, frame_count: int) -> int | None:
    """The frame after ``index`` (the first when not started); None once the last has shown."""
    if frame_count <= 0:
        return None
    if index is None or index < 0:
        return 0
    return index + 1 if index + 1 < frame_count else None


# --- Playback state: what the main page's Play button, interval and filter writes share ---------

WINDOW_STEPS = (1, 2, 3, 4, 5)  # the rolling windows offered, in steps


class PlaybackPhase(StrEnum):
    IDLE = "idle"  # nothing played yet (or a restart is due)
    PLAYING = "playing"
    PAUSED = "paused"  # by the user; Play continues from the frame shown
    TAKEN_OVER = "taken_over"  # paused because the user changed the filter while it played
    FINISHED = "finished"  # the last frame showed; the range it started from is back
    TOO_LONG = "too_long"  # more than MAX_FRAMES steps: nothing played
    NO_RANGE = "no_range"  # no dates to play (no dated data)


@dataclass(frozen=True)
class PlaybackSettings:
    """How to step: by what, cumulative or rolling, and the rolling window in steps."""

    step: PlaybackStep = PlaybackStep.YEAR
    mode: PlaybackMode = PlaybackMode.CUMULATIVE
    window: int = 1

    @classmethod
    def parse(cls, step: object, mode: object, window: object) -> PlaybackSettings:
        """Settings from control values; anything not understood falls back to the default."""
        step = step if step in PlaybackStep._value2member_map_ else PlaybackStep.YEAR
        mode = mode if mode in PlaybackMode._value2member_map_ else PlaybackMode.CUMULATIVE
        try:
            window = min(max(int(window), WINDOW_STEPS[0]), WINDOW_STEPS[-1])
        except (TypeError, ValueError):
            window = 1
        return cls(PlaybackStep(step), PlaybackMode(mode), window)


DateRange = tuple[date | None, date | None]


@dataclass(frozen=True)
class PlaybackState:
    """One playback, as kept in the browser between callbacks (see :meth:`to_store`).

    ``origin`` is the filter's own date range when Play started (open ends stay open), ``span``
    the range the frames cover (open ends closed by the data's extent), ``index`` the frame shown.
    """

    phase: PlaybackPhase = PlaybackPhase.IDLE
    settings: PlaybackSettings = PlaybackSettings()
    origin: DateRange = (None, None)
    span: tuple[date, date] | None = None
    index: int | None = None
    frame_count: int = 0
    base: tuple = ()  # the filter besides its dates, as (key, value) pairs of its store form
    clicks: int = 0  # Play/Pause presses already acted on
    ticks: int = 0  # interval ticks already acted on
    before: DateRange = (None, None)  # the dates the filter showed when the last frame was written

    @property
    def playing(self) -> bool:
        return self.phase == PlaybackPhase.PLAYING

    def frames(self) -> list[tuple[date, date]]:
        """The frames of ``span`` under the current settings (empty without a span)."""
        if self.span is None:
            return []
        s = self.settings
        return playback_frames(self.span[0], self.span[1], s.step, s.mode, s.window)

    def frame(self) -> tuple[date, date] | None:
        """The frame shown, or None before the first and after the last."""
        frames = self.frames() if self.index is not None else []
        return frames[self.index] if self.index is not None and self.index < len(frames) else None

    def to_store(self) -> dict:
        iso = _iso_or_none
        return {"phase": str(self.phase), "step": str(self.settings.step), "mode": str(self.settings.mode),
                "window": self.settings.window, "origin": [iso(d) for d in self.origin],
                "span": None if self.span is None else [iso(d) for d in self.span],
                "index": self.index, "frames": self.frame_count, "base": dict(self.base),
                "clicks": self.clicks, "ticks": self.ticks, "before": [iso(d) for d in self.before]}

    @classmethod
    def from_store(cls, data: dict | None) -> PlaybackState:
        """The state a store holds; anything malformed reads as a fresh, idle playback."""
        if not isinstance(data, dict):
            return cls()
        try:
            settings = PlaybackSettings.parse(data.get("step"), data.get("mode"), data.get("window"))
            origin = tuple(_date_or_none(d) for d in data.get("origin") or (None, None))
            span = data.get("span")
            span = (date.fromisoformat(span[0]), date.fromisoformat(span[1])) if span else None
            index = data.get("index")
            return cls(phase=PlaybackPhase(data.get("phase", "idle")), settings=settings,
                       origin=(origin + (None, None))[:2], span=span,
                       index=index if isinstance(index, int) and index >= 0 else None,
                       frame_count=int(data.get("frames") or 0), base=undated(
                           FilterSpec.from_store(data.get("base") if isinstance(data.get("base"), dict) else {})),
                       clicks=_count(data.get("clicks")), ticks=_count(data.get("ticks")),
                       before=(tuple(_date_or_none(d) for d in data.get("before") or ()) + (None, None))[:2])
        except (TypeError, ValueError, IndexError, AttributeError):
            return cls()


def _count(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def _iso_or_none(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _date_or_none(value: object) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def extent_dates(extent: tuple[object, object] | None) -> tuple[date, date] | None:
    """The data's date extent (numpy datetime64, pandas or date values) as a pair of dates."""
    if extent is None:
        return None
    days = []
    for value in extent:
        if value is None or (isinstance(value, np.datetime64) and np.isnat(value)):
            return None
        days.append(date.fromisoformat(str(np.datetime64(value, "D"))))
    return days[0], days[1]


def undated(spec: FilterSpec) -> tuple:
    """The filter besides its dates, in a comparable form."""
    return tuple(sorted(spec.with_changes(date_from=None, date_to=None).to_store().items()))


def start_playback(spec: FilterSpec, extent: tuple[date, date] | None, settings: PlaybackSettings,
                   ) -> tuple[PlaybackState, DateRange | None]:
    """Play from the first frame of the filter's range: the new state and the dates to show.

    A range with more than :data:`MAX_FRAMES` steps, or no range at all, does not play.
    """
    origin = (spec.date_from, spec.date_to)
    span = playback_range(spec, extent)
    if span is None:
        return PlaybackState(PlaybackPhase.NO_RANGE, settings, origin, base=undated(spec)), None
    try:
        frames = playback_frames(span[0], span[1], settings.step, settings.mode, settings.window)
    except ValueError:
        return PlaybackState(PlaybackPhase.TOO_LONG, settings, origin, span, base=undated(spec)), None
    return PlaybackState(PlaybackPhase.PLAYING, settings, origin, span, 0, len(frames), undated(spec)), frames[0]


def press_play(state: PlaybackState, spec: FilterSpec, extent: tuple[date, date] | None,
               settings: PlaybackSettings) -> tuple[PlaybackState, DateRange | None]:
    """The Play/Pause button: pause while playing; otherwise continue, or start over.

    Play after a pause continues from the frame shown as long as the filter still shows that
    frame's dates (other filters may have changed: the frames play on with them). If the user
    moved the dates, the new range is played from its first frame.
    """
    if state.playing:
        return replace(state, phase=PlaybackPhase.PAUSED), None
    if state.phase in (PlaybackPhase.PAUSED, PlaybackPhase.TAKEN_OVER) and shows_frame(state, spec) \
            and state.settings == settings:
        return replace(state, phase=PlaybackPhase.PLAYING, base=undated(spec)), None
    return start_playback(spec, extent, settings)


def advance_playback(state: PlaybackState, spec: FilterSpec | None = None) -> tuple[PlaybackState, DateRange | None]:
    """One interval tick: the next frame, or at the end the range the playback started from.

    Ending on the original range is what a user expects in both modes: in cumulative mode the
    last frame already is that range; in rolling mode it shows only the last window. Given the
    filter ``spec``, a tick first checks that the user has not taken over (see
    :func:`on_filter_changed`), so a tick never overwrites the user's own dates.
    """
    if spec is not None:
        state = on_filter_changed(state, spec)
    if not state.playing:
        return state, None
    following = next_frame(state.index, state.frame_count)
    if following is None:
        return replace(state, phase=PlaybackPhase.FINISHED, index=None), state.origin
    return replace(state, index=following), state.frames()[following]


def change_settings(state: PlaybackState, settings: PlaybackSettings, spec: FilterSpec,
                    ) -> tuple[PlaybackState, DateRange | None]:
    """New step, mode or window: a playback under way restarts from its first frame (kept paused
    or playing); one too long for the new step stops and shows its original range again. When
    the user has moved the dates since, the next Play starts from theirs: nothing is written.
    """
    if settings == state.settings:
        return state, None
    if state.index is None or state.span is None or not shows_frame(state, spec, lag=1):
        return replace(state, settings=settings,
                       phase=PlaybackPhase.IDLE if state.phase != PlaybackPhase.NO_RANGE else state.phase), None
    try:
        frames = playback_frames(state.span[0], state.span[1], settings.step, settings.mode, settings.window)
    except ValueError:
        return replace(state, phase=PlaybackPhase.TOO_LONG, settings=settings, index=None), state.origin
    return replace(state, settings=settings, index=0, frame_count=len(frames)), frames[0]


def shows_frame(state: PlaybackState, spec: FilterSpec, lag: int = 0) -> bool:
    """Whether the filter's dates are the frame shown (or one of the ``lag`` frames before it:
    the filter trails the playback by a frame when a tick comes before the filter has caught up)."""
    if state.index is None:
        return False
    frames = state.frames()
    recent = frames[max(0, state.index - lag): state.index + 1]
    return (spec.date_from, spec.date_to) in recent


def on_filter_changed(state: PlaybackState, spec: FilterSpec) -> PlaybackState:
    """The shared filter changed: unless it is the playback's own frame write, the user took over.

    Ours: the frame shown or the one before it (the filter trails the playback by a frame when a
    tick comes first), or the dates shown before the last write (the write is on its way). Any
    other change (other dates, a type ticked, a box drawn) is the user's.
    """
    if not state.playing:
        return state
    ours = undated(spec) == state.base and (
        shows_frame(state, spec, lag=1) or (spec.date_from, spec.date_to) == state.before)
    return state if ours else replace(state, phase=PlaybackPhase.TAKEN_OVER)


@dataclass(frozen=True)
class PlaybackInputs:
    """Everything the browser reports to the playback at once (each run sees all of it)."""

    spec: FilterSpec
    settings: PlaybackSettings
    play_clicks: int = 0
    ticks: int = 0


def update_playback(state: PlaybackState, inputs: PlaybackInputs, extent: tuple[date, date] | None,
                    ) -> tuple[PlaybackState, DateRange | None]:
    """Fold whatever the browser reports into the playback: the new state and the dates to show.

    Every run looks at every input, not only at the one that triggered it: the browser drops a
    callback's pending answer when the same callback is called again (a tick right after a
    press), so a press, a tick or new settings that a dropped run missed is caught up by the
    next run. Presses and ticks are counted so none is acted on twice.

    A tick does not advance while the frame written last is not shown yet (see
    :func:`awaiting_frame`): a slow server slows playback down instead of queueing frames.
    """
    dates = None
    state = on_filter_changed(state, inputs.spec)
    if inputs.play_clicks > state.clicks:
        presses, state = inputs.play_clicks - state.clicks, replace(state, clicks=inputs.play_clicks)
        if presses % 2:  # a double press is no press
            state, dates = press_play(state, inputs.spec, extent, inputs.settings)
            state = replace(state, clicks=inputs.play_clicks, ticks=inputs.ticks)
    if inputs.settings != state.settings:
        state, new_dates = change_settings(state, inputs.settings, inputs.spec)
        dates = new_dates or dates
    if inputs.ticks > state.ticks:
        state = replace(state, ticks=inputs.ticks)
        if dates is None and not awaiting_frame(state, inputs.spec):  # one frame a run, once shown
            state, dates = advance_playback(state)
    if dates is not None:
        state = replace(state, before=(inputs.spec.date_from, inputs.spec.date_to))
    return state, dates


def awaiting_frame(state: PlaybackState, spec: FilterSpec) -> bool:
    """A frame was written and the filter still shows what it showed before (not the user's)."""
    frame = state.frame()
    return state.playing and frame is not None and frame != state.before \
        and (spec.date_from, spec.date_to) == state.before and undated(spec) == state.base



def as_shown(state: PlaybackState, spec: FilterSpec) -> PlaybackState:
    """``state`` as the filter shows it: the frame whose dates the filter holds now.

    A tick writes the next frame's dates and the counts follow once the filter has changed; the
    status line drawn from this state names the frame the counts are about, not the one on its way.
    A filter showing neither the frame nor the one before it leaves ``state`` as it is.
    """
    if state.index is None:
        return state
    frames = state.frames()
    for index in (state.index, state.index - 1):
        if 0 <= index < len(frames) and frames[index] == (spec.date_from, spec.date_to):
            return replace(state, index=index)
    return state


@dataclass(frozen=True)
class TimelineAxis:
    """How the timeline is binned and framed: by the store's choice, or held for a playback."""

    unit: str = "auto"  # the store's histogram unit; "auto" picks it from the filter's dates
    axis_range: tuple[date, date] | None = None  # a fixed date axis, or None to fit the bars


def playback_timeline(state: PlaybackState, spec: FilterSpec) -> TimelineAxis:
    """The timeline's unit and axis while a playback shows a frame: the whole range played.

    Without this each frame (one year, then two…) re-bins and re-scales the timeline, so the
    axis jumps every frame. Playing, or paused on a frame the filter still shows, the bars keep
    the unit of the whole span and the axis spans it; otherwise the timeline fits the filter.
    """
    if state.span is None or state.index is None:
        return TimelineAxis()
    held = state.playing or (state.phase in (PlaybackPhase.PAUSED, PlaybackPhase.TAKEN_OVER)
                             and shows_frame(state, spec))
    if not held:
        return TimelineAxis()
    return TimelineAxis(time_unit_for_span((state.span[1] - state.span[0]).days), state.span)
