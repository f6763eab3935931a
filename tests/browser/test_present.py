"""The presenter screen and the speaker notes in headless Chromium, over the bundled story.

Every slide is reached with the keyboard; its headline count must equal what
``python -m dashboard query "<slide.query>" --format count`` prints for the same data directory,
its other numbers what the store totals, and a notes window opened beside it must follow.
Nothing may leave 127.0.0.1 (every other host is unresolvable, see harness.CHROMIUM_ARGS) and
no page may log a console error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.harness import PageLog, settle
from dashboard.data.stories import Panel, Slide, Story
from dashboard.figures.event_map import EVENT_TRACE
from dashboard.i18n import format_number
from dashboard.state.present_view import slide_layer, slide_view
from dashboard.words.slide_facts import applicable_counters

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
STORY_ID = "from-the-vraem-to-europe"
VIEWPORT = {"width": 1600, "height": 900}
TIMEOUT_MS = 90_000  # software WebGL: a flight and a redraw can take seconds

# The slide is in place: title, progress, the numbers, the map drawn, flown and idle.
SLIDE_READY_JS = """([n, total, title, events, view, points, range]) => {
  const text = id => { const e = document.getElementById(id); return e ? e.textContent : null; };
  const state = window.rutasPresent && window.rutasPresent.state;
  const gd = document.querySelector('#present-map .js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  if (!state || !sub) return false;
  const m = sub.map;
  return text('present-title') === title && text('present-progress') === (n + 1) + ' / ' + total
    && text('present-count-events') === events && state.slide === n && state.cameraSlide === n
    && !state.flying && m.loaded() && !m.isMoving()
    && Math.abs(m.getCenter().lat - view[0]) < 1e-3 && Math.abs(m.getCenter().lng - view[1]) < 1e-3
    && Math.abs(m.getZoom() - view[2]) < 1e-3
    && gd._fullData.filter(t => t.index >= range[0] && t.index < range[1])
         .reduce((k, t) => k + (t.meta && t.meta.cells ? 0 : (t.lat ? t.lat.length : 0) - ((t.meta && t.meta.halo_points) || 0)), 0) === points;
}"""
SLIDE_STATE_JS = """() => {
  const text = id => { const e = document.getElementById(id); return e ? e.textContent : null; };
  const state = window.rutasPresent && window.rutasPresent.state;
  const gd = document.querySelector('#present-map .js-plotly-plot');
  const m = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
  return {title: text('present-title'), progress: text('present-progress'), events: text('present-count-events'),
          slide: state && state.slide, camera: state && state.cameraSlide, flying: state && state.flying,
          url: window.location.search, centre: m && [m.getCenter().lat, m.getCenter().lng, m.getZoom()]};
}"""
NOTES_READY_JS = """([progress, title, notes]) => {
  const text = id => { const e = document.getElementById(id); return e ? e.textContent : null; };
  return text('notes-progress') === progress && text('notes-title') === title && text('notes-notes') === notes;
}"""
# Playback: record every (dates label, events) pair the page shows.
RECORD_FRAMES_JS = """() => {
  window.__frames = [];
  const read = () => [document.getElementById('present-dates').textContent,
                      document.getElementById('present-count-events').textContent];
  const push = () => { const f = read(), last = window.__frames[window.__frames.length - 1];
                       if (!last || last[0] !== f[0] || last[1] !== f[1]) window.__frames.push(f); };
  push();
  new MutationObserver(push).observe(document.getElementById('present-root'),
                                     {subtree: true, childList: true, characterData: true});
}"""
MAP_EVENT_POINTS_JS = """([start, stop]) => {
  const gd = document.querySelector('#present-map .js-plotly-plot');
  return gd._fullData.filter(t => t.index >= start && t.index < stop)
    .reduce((n, t) => n + (t.meta && t.meta.cells ? 0 : (t.lat ? t.lat.length : 0) - ((t.meta && t.meta.halo_points) || 0)), 0);
}"""


def cli_count(query: str, data_dir: Path) -> int:
    """The headline count the command line gives for a slide's query (the number people quote)."""
    result = subprocess.run([sys.executable, "-m", "dashboard", "query", query, "--format", "count"],
                            capture_output=True, text=True, check=True, cwd=REPO,
                            env={**os.environ, "RUTAS_DATA_DIR": str(data_dir)}, timeout=120)
    return int(result.stdout.strip())


@pytest.fixture(scope="module")
def story(app_context) -> Story:
    return app_context.stories.get(STORY_ID)


@pytest.fixture(scope="module")
def expected(story, store, data_dir, app_context) -> list[dict]:
    """Per slide: what the presenter must show (counts from the CLI and the store), where the map
    looks and how many event points it draws."""
    rows = []
    threshold = app_context.settings.max_map_points
    for slide in story.slides:
        view = slide_view(store, slide, threshold)
        points = int(slide_layer(store, slide.spec, view, threshold).points.latitude.size)
        totals = store.totals(slide.spec)
        events = cli_count(slide.query, data_dir)
        assert events == totals.events
        rows.append({"title": slide.title, "events": format_number(events, "en"),
                     "fatalities": format_number(totals.fatalities, "en"),
                     "kg": format_number(totals.kg_seized, "en"), "sources": format_number(totals.sources, "en"),
                     "notes": slide.notes, "view": [view.lat, view.lon, view.zoom],
                     "counters": applicable_counters(store, slide),
                     "points": points, "events_range": [EVENT_TRACE, EVENT_TRACE + 1]})
    return rows


def open_page(browser_context, url: str):
    page = browser_context.new_page()
    page.set_viewport_size(VIEWPORT)
    log = PageLog(page)
    page.goto(url)
    return page, log


def wait_for_slide(page, n: int, expected: list[dict], step: str) -> None:
    row = expected[n]
    try:
        page.wait_for_function(SLIDE_READY_JS, arg=[n, len(expected), row["title"], row["events"], row["view"],
                                                    row["points"], row["events_range"]],
                               timeout=TIMEOUT_MS, polling=100)
    except Exception as error:  # noqa: BLE001 - say what the page showed instead
        raise AssertionError(f"slide {n + 1} never settled after {step}: {page.evaluate(SLIDE_STATE_JS)}") from error
    # Only the counters that apply are drawn (no "0 kg seized" on an attack slide).
    shown = {key: page.locator(f"#present-count-{key}").text_content()
             for key in ("fatalities", "kg", "sources") if key in row["counters"]}
    assert shown == {key: row[key] for key in shown}, f"slide {n + 1} after {step}"
    left_out = {key for key in ("fatalities", "kg") if page.locator(f"#present-count-{key}").count() == 0}
    assert left_out == {"fatalities", "kg"} - set(row["counters"]), f"slide {n + 1} after {step}"
    assert parse_qs(urlsplit(page.url).query).get("slide") == [str(n + 1)], "the URL keeps the slide"


def wait_for_notes(notes, n: int, expected: list[dict], step: str) -> None:
    row = expected[n]
    try:
        notes.wait_for_function(NOTES_READY_JS, arg=[f"Slide {n + 1} / {len(expected)}", row["title"], row["notes"]],
                                timeout=TIMEOUT_MS, polling=100)
    except Exception as error:  # noqa: BLE001
        raise AssertionError(f"notes never showed slide {n + 1} after {step}: "
                             f"{notes.locator('#notes-progress').text_content()}") from error


def assert_clean(*logs: PageLog) -> None:
    for log in logs:
        assert log.errors == [], f"console errors: {log.errors}"
        assert log.outside_requests() == [], f"requests left the app: {log.outside_requests()}"


def test_prs001_keyboard_walks_every_slide_with_cli_counts_and_notes_follow(browser_context, base_url, expected):
    assert 6 <= len(expected) <= 8
    page, log = open_page(browser_context, f"{base_url}/present/{STORY_ID}")
    notes = notes_log = None
    try:
        wait_for_slide(page, 0, expected, "opening")
        notes, notes_log = open_page(browser_context, f"{base_url}/present/{STORY_ID}/notes")
        wait_for_notes(notes, 0, expected, "opening the notes")
        last = len(expected) - 1
        flown = []
        for n in range(1, last + 1):
            page.keyboard.press("ArrowRight")
            wait_for_slide(page, n, expected, "→")
            wait_for_notes(notes, n, expected, "→")
            flown.append(page.evaluate("window.rutasPresent.state.animated"))
        assert any(flown), "the camera flies between slides (no reduced motion asked)"
        page.keyboard.press("ArrowRight")  # past the end: stays on the last slide
        page.keyboard.press("ArrowLeft")
        wait_for_slide(page, last - 1, expected, "→ at the end, then ←")
        wait_for_notes(notes, last - 1, expected, "←")
        page.keyboard.press("Home")
        wait_for_slide(page, 0, expected, "Home")
        wait_for_notes(notes, 0, expected, "Home")
        page.keyboard.press("End")
        wait_for_slide(page, last, expected, "End")
        wait_for_notes(notes, last, expected, "End")
        page.keyboard.press("3")
        page.keyboard.press("Enter")
        wait_for_slide(page, 2, expected, "3 Enter")
        wait_for_notes(notes, 2, expected, "3 Enter")
        page.keyboard.press("PageDown")  # what a clicker sends
        wait_for_slide(page, 3, expected, "PageDown")
        page.keyboard.press("PageUp")
        wait_for_slide(page, 2, expected, "PageUp")
        # The notes window drives the presenter with the same keys.
        notes.keyboard.press("ArrowRight")
        wait_for_slide(page, 3, expected, "→ in the notes window")
        wait_for_notes(notes, 3, expected, "→ in the notes window")
        page.reload()  # the URL keeps the place
        wait_for_slide(page, 3, expected, "reload")
        assert_clean(log, notes_log)
    finally:
        page.close()
        if notes is not None:
            notes.close()


def test_prs002_playback_advances_dates_and_counts(browser_context, base_url, story, expected, trace_index):
    number = next(i for i, s in enumerate(story.slides) if s.playback is not None)
    page, log = open_page(browser_context, f"{base_url}/present/{STORY_ID}?slide={number + 1}")
    try:
        wait_for_slide(page, number, expected, "opening the playback slide")
        page.get_by_label("fast").check()
        page.evaluate(RECORD_FRAMES_JS)
        page.keyboard.press("p")
        page.wait_for_function("() => new Set(window.__frames.slice(1).map(f => f[0])).size >= 3"
                               " && new Set(window.__frames.slice(1).map(f => f[1])).size >= 3",
                               timeout=TIMEOUT_MS, polling=100)
        page.keyboard.press("p")  # pause
        page.wait_for_function("() => document.getElementById('present-play').textContent.includes('Play')",
                               timeout=TIMEOUT_MS)
        frames = page.evaluate("window.__frames")
        dates = [f[0] for f in frames]
        counts = [int(f[1].replace(",", "")) for f in frames]
        assert len(set(dates[1:])) >= 3 and len(set(counts[1:])) >= 3, frames
        assert counts[1:] == sorted(counts[1:]), "a cumulative playback only adds events"
        shown = counts[-1]
        page.wait_for_function(f"() => ({MAP_EVENT_POINTS_JS})([{trace_index.events.start}, "
                               f"{trace_index.events.stop}]) === {shown}", timeout=TIMEOUT_MS, polling=200)
        # Changing slide stops playback and brings the slide's own numbers back.
        page.keyboard.press("ArrowLeft")
        wait_for_slide(page, number - 1, expected, "← during playback")
        page.keyboard.press("ArrowRight")
        wait_for_slide(page, number, expected, "→ back to the playback slide")
        assert_clean(log)
    finally:
        page.close()


def test_prs003_unknown_or_broken_story_says_so_with_a_link_back(browser_context, base_url, data_dir):
    (data_dir / "stories").mkdir(exist_ok=True)
    broken = data_dir / "stories" / "prs-broken.json"
    broken.write_text('{"format": "rutas-story", "version": 2, "title": "x", "slides": "nope"}', encoding="utf-8")
    cases = (("/present/no-such-story", "no story called"), ("/present/no-such-story/notes", "no story called"),
             ("/present/NOT_AN_ID", "no story called"), ("/present/prs-broken", "cannot be read"))
    try:
        for path, words in cases:
            page, log = open_page(browser_context, base_url + path)
            try:
                message = page.locator(".present-missing")
                message.wait_for(timeout=TIMEOUT_MS)
                assert words in message.inner_text().lower()
                assert page.locator(".present-back").get_attribute("href") == "/"
                assert "Traceback" not in page.content()
                assert_clean(log)
            finally:
                page.close()
    finally:
        broken.unlink()  # the story list of other tests must not see it


def test_prs004_help_overlay_then_escape_leaves_to_the_slides_view(browser_context, base_url, story, expected):
    page, log = open_page(browser_context, f"{base_url}/present/{STORY_ID}?slide=2")
    try:
        wait_for_slide(page, 1, expected, "opening slide 2")
        page.keyboard.press("?")
        help_box = page.locator("#present-help")
        help_box.wait_for(state="visible", timeout=TIMEOUT_MS)
        with page.expect_popup() as opened:
            page.locator("#present-notes-link").click()
        notes = opened.value
        notes_log = PageLog(notes)
        wait_for_notes(notes, 1, expected, "opening the notes from the help overlay")
        notes.close()
        assert notes_log.errors == []
        page.keyboard.press("Escape")  # closes the overlay, does not leave
        help_box.wait_for(state="hidden", timeout=TIMEOUT_MS)
        assert urlsplit(page.url).path == f"/present/{STORY_ID}"
        page.keyboard.press("Escape")
        page.wait_for_url(lambda url: urlsplit(url).path == "/", timeout=TIMEOUT_MS)
        params = parse_qs(urlsplit(page.url).query)
        assert params["type"] == ["attack_on_security_forces"] and params["from"] == ["2017-03-01"]
        settle(page, TIMEOUT_MS)
        assert page.locator("#counts-events").text_content() == expected[1]["events"]
        assert_clean(log)
    finally:
        page.close()


def test_prs005_hidden_map_comes_back_full_size_spanish_reduced_motion(browser_context, base_url, app_context, expected):
    bundled = app_context.stories.get(STORY_ID)
    first, second = bundled.slides[0], bundled.slides[1]
    mine = Story(story_id="prs-hidden-map", title="Hidden map", slides=(
        Slide(title="Solo números", caption="Sin mapa", spec=first.spec, panels=(Panel.COUNTS, Panel.BREAKDOWN)),
        Slide(title="Con mapa", caption="El mapa vuelve", spec=second.spec, view=second.view,
              panels=(Panel.MAP, Panel.COUNTS, Panel.TIMELINE)),
        Slide(title="Sin vuelo", spec=first.spec, view=first.view, panels=(Panel.MAP, Panel.COUNTS, Panel.TIMELINE)),
    ))
    app_context.stories.save(mine)
    page, log = open_page(browser_context, f"{base_url}/present/{mine.story_id}?lang=es")
    try:
        page.emulate_media(reduced_motion="reduce")
        page.locator("#present-title").wait_for(timeout=TIMEOUT_MS)
        assert page.locator("#present-title").text_content() == "Solo números"
        assert page.locator("#present-map-panel").is_hidden()
        assert "eventos" in page.locator("#present-counts").inner_text()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("""() => {
          const state = window.rutasPresent.state, gd = document.querySelector('#present-map .js-plotly-plot');
          const m = gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
          return state.cameraSlide === 1 && m && m.loaded() && !m.isMoving()
            && m.getCanvas().clientWidth > 0.5 * document.getElementById('present-map-panel').clientWidth;
        }""", timeout=TIMEOUT_MS, polling=100)
        assert page.locator("#present-count-events").text_content() == expected[1]["events"]
        assert "slide=2" in page.url and "lang=es" in page.url
        page.keyboard.press("ArrowRight")
        page.wait_for_function("""([lat, lon]) => {
          const state = window.rutasPresent.state, gd = document.querySelector('#present-map .js-plotly-plot');
          const m = gd._fullLayout.map._subplot.map;
          return state.cameraSlide === 2 && Math.abs(m.getCenter().lat - lat) < 1e-3
            && Math.abs(m.getCenter().lng - lon) < 1e-3;
        }""", arg=[first.view.lat, first.view.lon], timeout=TIMEOUT_MS, polling=100)
        assert page.evaluate("window.rutasPresent.state.animated") is False, "reduced motion: a jump, no flight"
        assert_clean(log)
    finally:
        page.close()
        app_context.stories.delete(mine.story_id)


def test_wrd101_spanish_presenter_reads_the_story_in_spanish_with_words_that_agree(browser_context, base_url, story):
    """?lang=es: the bundled story's own Spanish title and caption, '1 evento · 3 muertes · 1 fuente'
    on the convoy slide (no kg line), the ringed event named on the map; then the next slide in Spanish."""
    from dashboard.data.stories import story_in

    spanish = story_in(story, "es")
    attack = next(i for i, s in enumerate(story.slides) if s.spec.event_types == ("attack_on_security_forces",))
    page, log = open_page(browser_context, f"{base_url}/present/{STORY_ID}?slide={attack + 1}&lang=es")
    try:
        page.locator("#present-title").wait_for(timeout=TIMEOUT_MS)
        assert page.locator("#present-title").text_content() == spanish.slides[attack].title != story.slides[attack].title
        assert page.locator("#present-caption").text_content() == spanish.slides[attack].caption
        counts = [" ".join(block.split()) for block in page.locator("#present-counts .present-count").all_inner_texts()]
        assert counts == ["1 evento", "3 muertes", "1 fuente"]
        assert page.locator("#present-count-kg").count() == 0
        page.wait_for_function("""() => {
          const gd = document.querySelector('#present-map .js-plotly-plot');
          const m = gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
          return m && m.loaded() && !m.isMoving(); }""", timeout=TIMEOUT_MS, polling=100)
        labels = page.evaluate("""() => {
          const gd = document.querySelector('#present-map .js-plotly-plot');
          return gd.layout.map.layers.filter(l => l.name === 'ring-labels')
            .flatMap(l => l.source.features.map(f => f.properties.name)); }""")
        assert labels == ["Cumunpiari\n3 muertes"]
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(t) => document.getElementById('present-title').textContent === t",
                               arg=spanish.slides[attack + 1].title, timeout=TIMEOUT_MS, polling=100)
        assert page.locator("#present-caption").text_content() == spanish.slides[attack + 1].caption
        assert_clean(log)
    finally:
        page.close()


# The footer's facts beside playback controls (helper, issue 15): the filter line had wrapped to "…".
FOOT_BOXES_JS = """() => {
  const box = id => { const r = document.getElementById(id).getBoundingClientRect();
                      return [r.left, r.top, r.right, r.bottom]; };
  const filters = document.getElementById('present-filters');
  return {filters: box('present-filters'), playback: box('present-playback'), dates: box('present-dates'),
          cut: filters.scrollHeight > filters.clientHeight + 1, text: filters.textContent,
          lines: Math.round(filters.getBoundingClientRect().height
                            / parseFloat(getComputedStyle(filters).lineHeight || '20'))};
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_prs006_playable_slide_keeps_its_filter_line_whole_beside_the_controls(browser_context, base_url, story,
                                                                               size, lang):
    playable = max(i for i, s in enumerate(story.slides) if s.playback is not None)
    page, log = open_page(browser_context, f"{base_url}/present/{STORY_ID}?slide={playable + 1}&lang={lang}")
    try:
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.locator("#present-playback").wait_for(state="visible", timeout=TIMEOUT_MS)
        foot = page.evaluate(FOOT_BOXES_JS)
        assert foot["text"] and not foot["cut"], f"filter line cut at {size}: {foot}"
        assert not _overlap(foot["filters"], foot["playback"]), foot
        assert foot["filters"][3] <= foot["playback"][1], "the facts read above the controls"
        assert_clean(log)
    finally:
        page.close()


RENDERED_RING_LABELS_JS = """() => {
  const gd = document.querySelector('#present-map .js-plotly-plot');
  const sub = gd._fullLayout.map._subplot, m = sub.map;
  const index = gd.layout.map.layers.findIndex(l => l.name === 'ring-labels');
  const id = m.getStyle().layers.map(l => l.id).find(i => i.endsWith('-map-' + index));
  return {drawn: m.queryRenderedFeatures({layers: [id]}).map(f => f.properties.name).sort(),
          wanted: gd.layout.map.layers[index].source.features.map(f => f.properties.name).sort()};
}"""


def test_prs007_every_ring_on_the_air_bridge_slide_is_named(browser_context, base_url, story):
    """Slide 4 opened directly: its three rings sit among base-map names and close to each other; every
    ring label is drawn (one had given way to a place name, another to its neighbour's label)."""
    air = next(i for i, s in enumerate(story.slides) if "air bridge" in s.title.lower())
    page, log = open_page(browser_context, f"{base_url}/present/{STORY_ID}?slide={air + 1}")
    try:
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.wait_for_function("""() => {
          const gd = document.querySelector('#present-map .js-plotly-plot');
          const m = gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
          return m && m.loaded() && !m.isMoving(); }""", timeout=TIMEOUT_MS, polling=100)
        # Labels are placed over a few frames once the glyphs arrive: wait for all, then say what was drawn.
        try:
            page.wait_for_function(f"() => {{ const l = ({RENDERED_RING_LABELS_JS})();"
                                   " return JSON.stringify(l.drawn) === JSON.stringify(l.wanted); }",
                                   timeout=20_000, polling=200)
        except Exception:  # noqa: BLE001 - the assertion below names the labels
            pass
        labels = page.evaluate(RENDERED_RING_LABELS_JS)
        assert len(labels["wanted"]) >= 3 and labels["drawn"] == labels["wanted"], labels
        assert_clean(log)
    finally:
        page.close()


# ---- a slide's indicator series (issue 18 part 5) ---------------------------------------------------
INDICATOR_STATE_JS = """() => {
  const text = id => { const e = document.getElementById(id); return e ? e.textContent : null; };
  const map = document.querySelector('#present-map .js-plotly-plot');
  const chart = document.querySelector('#present-indicator .js-plotly-plot');
  const panel = document.getElementById('present-indicator-panel');
  const legend = map && map._fullLayout ? (map._fullLayout.annotations || []).filter(a => a.name === 'indicator-legend') : [];
  const layers = map && map.layout && map.layout.map ? map.layout.map.layers : [];
  const box = panel ? panel.getBoundingClientRect() : null;
  return {title: text('present-title'), hidden: panel ? panel.hidden : null,
          shown: !!(box && box.width > 300 && box.height > 300),
          legend: legend.map(a => a.text).join(' | '), layer: layers.length ? !!layers[layers.length - 1].visible : null,
          chart: chart && chart._fullLayout && chart._fullLayout.title ? chart._fullLayout.title.text : null,
          places: chart && chart._fullLayout ? (chart._fullLayout.annotations || []).map(a => a.text) : []};
}"""


def test_prs008_the_indicator_panel_shows_and_its_year_follows_the_slide(browser_context, base_url, app_context):
    """Two slides on coca area (to 2015, to 2022) and one without: the panel shows on the first two, the
    map's legend states each slide's own year (2015, then 2022 after →), and both go on the third."""
    from datetime import date

    from dashboard.data.filters import FilterSpec, MapView

    view = MapView(-13.0, -70.0, 4.3)
    slides = tuple(Slide(title=title, spec=FilterSpec(date_from=date(2013, 1, 1), date_to=end), view=view,
                         panels=panels, indicator=series)
                   for title, end, panels, series in (
                       ("Coca to 2015", date(2015, 12, 31), (Panel.MAP, Panel.COUNTS, Panel.INDICATOR), "coca_area"),
                       ("Coca to 2022", date(2022, 12, 31), (Panel.MAP, Panel.COUNTS, Panel.INDICATOR), "coca_area"),
                       ("No series", date(2022, 12, 31), (Panel.MAP, Panel.COUNTS), "")))
    saved = app_context.stories.create(Story(story_id="indicator-slides", title="Indicator slides", slides=slides))
    page, log = open_page(browser_context, f"{base_url}/present/{saved.story_id}?slide=1")
    try:
        def wait_for(check: str, step: str) -> dict:
            try:
                page.wait_for_function(f"() => {{ const s = ({INDICATOR_STATE_JS})(); return {check}; }}",
                                       timeout=TIMEOUT_MS, polling=100)
            except Exception as error:  # noqa: BLE001 - say what the page showed instead
                raise AssertionError(f"{step}: {page.evaluate(INDICATOR_STATE_JS)}") from error
            return page.evaluate(INDICATOR_STATE_JS)

        first = wait_for("s.title === 'Coca to 2015' && s.shown && s.chart && s.legend.includes('2015')", "slide 1")
        assert first["legend"].startswith("Coca cultivation (hectares), 2015") and "VRAEM 18,333" in first["legend"]
        assert first["layer"] is True and first["chart"].startswith("Coca cultivation")
        assert {"<b>Peru</b>", "<b>VRAEM</b>", "<b>Bolivia</b>"} <= set(first["places"])
        page.keyboard.press("ArrowRight")
        second = wait_for("s.title === 'Coca to 2022' && s.legend.includes('2022')", "slide 2")
        assert "2015" not in second["legend"] and "VRAEM 35,709 / 35,106" in second["legend"] and second["shown"]
        page.keyboard.press("ArrowRight")
        third = wait_for("s.title === 'No series' && s.hidden === true && s.legend === ''", "slide 3")
        assert third["layer"] is False
        assert_clean(log)
    finally:
        page.close()
        app_context.stories.delete(saved.story_id)
