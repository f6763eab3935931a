"""Time playback: the date windows a timeline steps through. No dash import.

A playback runs over a date range in steps (month, quarter or year). In *cumulative* mode each
frame runs from the start of the range to the end of the current step ("the toll so far"); in
*rolling* mode it holds only the last ``window`` steps. Frames are plain date pairs, applied to
a ``FilterSpec`` with :func:`frame_spec`, so the map and counts of a frame are exactly what the
same date range typed into the filters shows.
"""

from __future__ import annotations

from datetime import date, timedelta

from .filters import FilterSpec
from .stories import PlaybackMode, PlaybackStep

MAX_FRAMES = 600
SPEEDS_MS = {"slow": 2000, "normal": 1000, "fast": 400}  # time on each frame


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
