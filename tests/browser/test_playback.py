"""Time playback under the timeline, in a real browser: each frame is the filter in the URL, and
the headline count follows it. Expected numbers come from the store in Python.

The page records every headline it shows together with the URL at that moment (a
MutationObserver), so a frame that plays faster than the test polls is still checked.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.data.filters import FilterSpec
from dashboard.data.stories import PlaybackMode, PlaybackStep
from dashboard.i18n import format_number
from dashboard.ids import CountIds, FilterIds, PlaybackIds
from dashboard.state.playback import SPEEDS_MS, playback_frames

pytestmark = pytest.mark.browser

START = "?from=2014-01-01&to=2019-12-31"  # ui.open adds the "/"
RANGE = (date(2014, 1, 1), date(2019, 12, 31))

# Every headline shown, with the URL's dates when it showed (and every URL change, headline or not).
RECORD_JS = """([countsId]) => {
  window.__frames = [];
  const dates = () => { const p = new URLSearchParams(location.search); return [p.get('from'), p.get('to')]; };
  const note = () => {
    const [from, to] = dates(), headline = document.getElementById(countsId).textContent;
    const last = window.__frames[window.__frames.length - 1];
    if (!last || last.from !== from || last.to !== to || last.headline !== headline)
      window.__frames.push({from, to, headline});
  };
  new MutationObserver(note).observe(document.getElementById(countsId),
                                     {childList: true, characterData: true, subtree: true});
  window.__urlPoll = setInterval(note, 20);
  note();
}"""

# The playback store's phase, the Play button's aria-pressed and the interval's disabled, as Dash
# holds them.
PLAYBACK_FACES_JS = """([stateId, playId, intervalId]) => {
  const props = id => window.dash_component_api.getLayout(id).props;
  return {phase: props(stateId).data.phase, interval: props(intervalId).interval,
          disabled: props(intervalId).disabled, ticks: props(intervalId).n_intervals || 0,
          pressed: document.getElementById(playId).getAttribute('aria-pressed')};
}"""

# From now on, note every URL and status line change, and when ``ms`` of page time has passed.
HOLD_JS = """([labelId, ms]) => {
  const label = () => document.getElementById(labelId).textContent;
  const held = {href: location.href, label: label(), until: performance.now() + ms, moved: []};
  clearInterval(window.__holdPoll);
  window.__holdPoll = setInterval(() => {
    const now = {href: location.href, label: label()};
    if (now.href !== held.href || now.label !== held.label) held.moved.push(now);
  }, 20);
  window.__held = held;
}"""
HELD_DONE_JS = "() => window.__held.moved.length > 0 || performance.now() >= window.__held.until"


def url_dates(page) -> tuple[str | None, str | None]:
    query = parse_qs(urlsplit(page.url).query)
    return (query.get("from", [None])[0], query.get("to", [None])[0])


def choose(page, control_id: str, label: str) -> None:
    """Pick an option of one of the playback dropdowns by its label."""
    page.click(f"#{control_id}")
    page.get_by_role("option", name=label, exact=True).click()
    page.wait_for_function("([id, label]) => document.getElementById(id).textContent.includes(label)",
                           arg=[control_id, label])


def wait_for_dates(page, frame: tuple[date, date], timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        "([from, to]) => { const p = new URLSearchParams(location.search);"
        " return p.get('from') === from && p.get('to') === to; }",
        arg=[frame[0].isoformat(), frame[1].isoformat()], timeout=timeout_ms, polling=20)


def playback_faces(page) -> dict:
    return page.evaluate(PLAYBACK_FACES_JS, [PlaybackIds.STATE, PlaybackIds.PLAY, PlaybackIds.INTERVAL])


def wait_until_stopped(page, phase: str, timeout_ms: int = 30_000) -> dict:
    """Wait until the playback store is in ``phase``, the button released and the interval off."""
    page.wait_for_function(
        f"(ids) => {{ const f = ({PLAYBACK_FACES_JS})(ids);"
        " return f.phase === ids[3] && f.pressed === 'false' && f.disabled === true; }",
        arg=[PlaybackIds.STATE, PlaybackIds.PLAY, PlaybackIds.INTERVAL, phase], timeout=timeout_ms, polling=20)
    return playback_faces(page)


def assert_holds(page, periods: float = 2.5) -> None:
    """Neither the URL nor the status line moves, nor does the interval tick, for ``periods`` of
    the interval's current period (page time); stops early, and fails, on the first change."""
    before = playback_faces(page)
    ms = periods * before["interval"]
    page.evaluate(HOLD_JS, [PlaybackIds.LABEL, ms])
    page.wait_for_function(HELD_DONE_JS, timeout=ms + 30_000, polling=50)
    held = page.evaluate("() => { clearInterval(window.__holdPoll); return window.__held; }")
    assert held["moved"] == [], f"moved while stopped: from {held['href']} / {held['label']!r} to {held['moved']}"
    after = playback_faces(page)
    assert after["ticks"] == before["ticks"] and after["disabled"] is True, (before, after)
    assert page.url == held["href"]


def headline_of(store, frame: tuple[date | None, date | None]) -> str:
    return format_number(store.count(FilterSpec(date_from=frame[0], date_to=frame[1])))


def start_playback(ui, mode: str, speed: str = "Fast") -> None:
    ui.open(START)
    ui.settle("opening the page")
    choose(ui.page, PlaybackIds.STEP, "Yearly")
    choose(ui.page, PlaybackIds.MODE, mode)
    choose(ui.page, PlaybackIds.SPEED, speed)
    ui.settle("choosing the playback settings")
    ui.page.evaluate(RECORD_JS, [CountIds.EVENTS])
    assert ui.page.get_attribute(f"#{PlaybackIds.PLAY}", "aria-pressed") == "false"
    ui.page.click(f"#{PlaybackIds.PLAY}")


def assert_each_frame_counted(page, store, frames: list[tuple[date, date]]) -> None:
    """Every frame reached the URL, and while it was there the headline showed its count."""
    seen = page.evaluate("() => window.__frames")
    urls = [(r["from"], r["to"]) for r in seen]
    wanted = [(f.isoformat(), t.isoformat()) for f, t in frames]
    played = urls[urls.index(wanted[0]):] if wanted[0] in urls else []  # from the first frame on
    steps = [u for i, u in enumerate(played) if u in wanted and (i == 0 or played[i - 1] != u)]
    assert steps == wanted, f"frames in the URL: {urls}"
    for frame, (start, end) in zip(frames, wanted):
        shown = {r["headline"] for r in seen if (r["from"], r["to"]) == (start, end)}
        assert headline_of(store, frame) in shown, f"{start}–{end}: headline showed {shown}"


def test_pbk101_cumulative_playback_steps_the_url_and_the_counts_then_pause_holds(ui, store):
    frames = playback_frames(*RANGE, PlaybackStep.YEAR, PlaybackMode.CUMULATIVE)
    assert len(frames) == 6 and len({headline_of(store, f) for f in frames}) > 1
    # Slow (2 s a frame): the Pause click lands long before frame 6 could end the run.
    start_playback(ui, "Cumulative", speed="Slow")
    page = ui.page
    page.wait_for_selector(f"#{PlaybackIds.PLAY}[aria-pressed=true]")
    for frame in frames[:3]:  # 2014-12-31, then 2015-12-31, then 2016-12-31
        wait_for_dates(page, frame)
        assert url_dates(page)[0] == "2014-01-01"  # cumulative: every frame starts the range
    page.wait_for_selector(f"#{PlaybackIds.PLAY}[aria-pressed=true]")
    ui.assert_no_console_errors("playing")

    page.click(f"#{PlaybackIds.PLAY}")  # Pause
    wait_until_stopped(page, "paused")
    assert "Play" in page.inner_text(f"#{PlaybackIds.PLAY}")
    ui.settle("pausing")
    paused_at, status = url_dates(page), page.inner_text(f"#{PlaybackIds.LABEL}").replace("\u00a0", " ")
    assert status.startswith("Paused"), status
    choose(page, PlaybackIds.SPEED, "Fast")  # paused, the speed changes nothing but the pace
    page.wait_for_function(f"(ids) => ({PLAYBACK_FACES_JS})(ids).interval === ids[3]",
                           arg=[PlaybackIds.STATE, PlaybackIds.PLAY, PlaybackIds.INTERVAL, SPEEDS_MS["fast"]])
    assert_holds(page)  # 2.5 ticks at the fast speed, were the interval still running
    assert url_dates(page) == paused_at and page.inner_text(f"#{PlaybackIds.LABEL}").replace("\u00a0", " ") == status
    assert playback_faces(page)["phase"] == "paused"
    frame = (date.fromisoformat(paused_at[0]), date.fromisoformat(paused_at[1]))
    assert page.inner_text(f"#{CountIds.EVENTS}") == headline_of(store, frame)
    number = frames.index(frame) + 1
    assert f"frame {number} of 6" in status and str(frame[1].year) in status

    page.click(f"#{PlaybackIds.PLAY}")  # Play continues from the frame shown, to the end
    page.wait_for_selector(f"#{PlaybackIds.LABEL}:has-text('Played 6 frames')", timeout=60_000)
    ui.settle("playing to the end")
    assert_each_frame_counted(page, store, frames)
    assert url_dates(page) == ("2014-01-01", "2019-12-31")  # the last frame: the whole range
    assert page.inner_text(f"#{CountIds.EVENTS}") == headline_of(store, RANGE)
    assert page.get_attribute(f"#{PlaybackIds.PLAY}", "aria-pressed") == "false"
    ui.assert_no_console_errors("playback")


def test_pbk102_rolling_playback_moves_the_start_and_ends_on_the_original_range(ui, store):
    frames = playback_frames(*RANGE, PlaybackStep.YEAR, PlaybackMode.ROLLING, 1)
    start_playback(ui, "Rolling")
    page = ui.page
    for frame in frames[:3]:  # from 2014-01-01, then 2015-01-01, then 2016-01-01
        wait_for_dates(page, frame)
    page.wait_for_selector(f"#{PlaybackIds.LABEL}:has-text('Played 6 frames')", timeout=60_000)
    ui.settle("playing to the end")
    assert_each_frame_counted(page, store, frames)
    assert url_dates(page) == ("2014-01-01", "2019-12-31")  # rolling ends on the range it started from
    assert page.inner_text(f"#{CountIds.EVENTS}") == headline_of(store, RANGE)
    ui.assert_no_console_errors("rolling playback")


def test_pbk103_a_user_change_while_playing_pauses(ui, store):
    start_playback(ui, "Cumulative", speed="Slow")
    page = ui.page
    wait_for_dates(page, (date(2014, 1, 1), date(2014, 12, 31)))
    page.wait_for_selector(f"#{PlaybackIds.PLAY}[aria-pressed=true]")
    page.locator(f"#{FilterIds.TYPES} input[value='arrest']").check()
    wait_until_stopped(page, "taken_over")
    ui.settle("ticking a type while playing")
    assert page.inner_text(f"#{PlaybackIds.LABEL}").startswith("Paused: the filter was changed")
    held = page.url
    assert_holds(page)  # 2.5 ticks at the slow speed, were the interval still running
    assert page.url == held and "type=arrest" in held
    ui.assert_no_console_errors("taking over")
