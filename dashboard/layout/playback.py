"""Time playback controls under the main page's timeline, and the status line in words."""

from __future__ import annotations

from datetime import date

from dash import dcc, html

from dashboard.data.filters import FilterSpec
from dashboard.data.stories import PlaybackMode, PlaybackStep
from dashboard.i18n import translate, translate_count
from dashboard.ids import PlaybackIds
from dashboard.state.playback import (
    DEFAULT_SPEED,
    MAX_FRAMES,
    SPEEDS_MS,
    WINDOW_STEPS,
    PlaybackPhase,
    PlaybackSettings,
    PlaybackState,
    playback_frames,
    playback_pace,
    playback_range,
    shows_frame,
)


def _select(control_id: str, label_key: str, lang: str, options: list[dict], value: object,
            class_name: str, disabled: bool = False) -> html.Label:
    """A compact dropdown; its name is a label only screen readers see (the options say it)."""
    return html.Label([
        html.Span(translate(label_key, lang), className="visually-hidden"),
        dcc.Dropdown(id=control_id, options=options, value=value, clearable=False, searchable=False,
                     disabled=disabled, className=f"playback-select {class_name}"),
    ], className="playback-field")


def build_playback_controls(lang: str) -> html.Div:
    """Play/Pause, step, mode, rolling window, speed and the status line, on one row."""
    settings = PlaybackSettings()
    # Drawn at the pace of the controls' own values: the pace callback is not asked at load.
    interval_ms, window_off = playback_pace(DEFAULT_SPEED, settings.mode)
    return html.Div([
        dcc.Store(id=PlaybackIds.STATE, data=PlaybackState(settings=settings).to_store()),
        dcc.Store(id=PlaybackIds.FILTER),
        dcc.Interval(id=PlaybackIds.INTERVAL, interval=interval_ms, disabled=True),
        html.Button(play_label(False, lang), id=PlaybackIds.PLAY, n_clicks=0, className="playback-play",
                    type="button", **{"aria-pressed": "false"}),
        _select(PlaybackIds.STEP, "playback.step", lang,
                [{"label": translate(f"playback.step.{s}", lang), "value": s} for s in PlaybackStep],
                settings.step, "playback-step"),
        _select(PlaybackIds.MODE, "playback.mode", lang,
                [{"label": translate(f"playback.mode.{m}", lang), "value": m} for m in PlaybackMode],
                settings.mode, "playback-mode"),
        _select(PlaybackIds.WINDOW, "playback.window", lang, window_options(lang), settings.window,
                "playback-window", disabled=window_off),
        _select(PlaybackIds.SPEED, "playback.speed", lang,
                [{"label": translate(f"playback.speed.{s}", lang), "value": s} for s in SPEEDS_MS],
                DEFAULT_SPEED, "playback-speed"),
        html.Div("", id=PlaybackIds.LABEL, className="playback-status", role="status"),
    ], className="playback", role="group", **{"aria-label": translate("playback.controls", lang)})


def window_options(lang: str) -> list[dict]:
    return [{"label": translate_count("playback.window", n, lang),
             "value": n} for n in WINDOW_STEPS]


def play_label(playing: bool, lang: str) -> list:
    """The button's face: a symbol (hidden from screen readers) and the word."""
    symbol, key = ("❚❚", "playback.pause") if playing else ("▶", "playback.play")
    return [html.Span(symbol, className="playback-symbol", **{"aria-hidden": "true"}), translate(key, lang)]


def format_day(day: date, lang: str) -> str:
    """``1 Jan 2015`` / ``1 ene 2015``."""
    return translate("playback.date", lang, day=day.day, month=translate(f"playback.mon.{day.month}", lang),
                     year=day.year)


def frame_label(frame: tuple[date, date], step: PlaybackStep, lang: str) -> str:
    """The step a frame ends in: ``2017``, ``Q3 2017`` or ``Mar 2017``."""
    end = frame[1]
    if step == PlaybackStep.YEAR:
        return str(end.year)
    if step == PlaybackStep.QUARTER:
        return translate("playback.quarter", lang, quarter=(end.month - 1) // 3 + 1, year=end.year)
    return translate("playback.month", lang, month=translate(f"playback.mon.{end.month}", lang), year=end.year)


def _frame_text(state: PlaybackState, frame: tuple[date, date], lang: str) -> str:
    return translate("playback.frame", lang, label=frame_label(frame, state.settings.step, lang),
                     start=format_day(frame[0], lang), end=format_day(frame[1], lang),
                     number=state.index + 1, total=state.frame_count)


def _too_long(settings: PlaybackSettings, lang: str) -> str:
    return translate("playback.too_long", lang, max=MAX_FRAMES,
                     step=translate(f"playback.step.{settings.step}", lang).lower())


def playback_status_text(state: PlaybackState, spec: FilterSpec, extent: tuple[date, date] | None,
                         lang: str) -> str:
    """The status line: the frame shown, why playback stopped, or what Play would play."""
    frame = state.frame()
    if frame is not None and state.phase == PlaybackPhase.PLAYING:
        return _frame_text(state, frame, lang)
    if frame is not None and state.phase in (PlaybackPhase.PAUSED, PlaybackPhase.TAKEN_OVER) \
            and shows_frame(state, spec):
        key = "playback.paused" if state.phase == PlaybackPhase.PAUSED else "playback.taken_over"
        return translate(key, lang, frame=_frame_text(state, frame, lang))
    span = playback_range(spec, extent)
    if state.phase == PlaybackPhase.FINISHED and span is not None and span == state.span:
        return translate_count("playback.finished", state.frame_count, lang,
                         start=format_day(span[0], lang),
                         end=format_day(span[1], lang))
    if span is None:
        return translate("playback.no_range", lang)
    try:
        total = len(playback_frames(span[0], span[1], state.settings.step, state.settings.mode,
                                    state.settings.window))
    except ValueError:
        return _too_long(state.settings, lang)
    return translate_count("playback.ready", total, lang, start=format_day(span[0], lang),
                     end=format_day(span[1], lang))
