"""Screen charts' margins hold their axis labels, so plotly.js's automargin pushes nothing: a push
redraws the whole chart (a page load drew the timeline, the breakdown and the kg chart twice)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import ImageFont

from dashboard.data.store import Breakdown, Histogram, QuantitySeries
from dashboard.figures.breakdown import breakdown_figure
from dashboard.figures.kg_by_year import series_plain
from dashboard.figures.text_metrics import (
    SCREEN_WIDTHS,
    TICK_LABEL_PAD,
    left_label_margin,
    screen_text_width,
    top_tick_label,
)
from dashboard.figures.theme import SCREEN
from dashboard.figures.timeline import timeline_figure
from dashboard.i18n import format_number

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.mark.skipif(not __import__("os").path.exists(DEJAVU), reason="Debian's fonts-dejavu-core is not installed")
@pytest.mark.parametrize("text", ["Attack on security forces", "Ataque a fuerzas de seguridad", "8,000",
                                  "3\u202f000\u202f000", "Cocaína base (PBC)", "Zoë's “quoted” – text"])
def test_mrg001_screen_widths_are_dejavu_sans_as_the_font_file_measures_it(text):
    """The table was read from the font file; any text in it measures as PIL measures the font."""
    font = ImageFont.truetype(DEJAVU, 1000)
    measured = font.getlength(text) / 1000 * 12
    assert all(char in SCREEN_WIDTHS or char.isalpha() for char in text)
    assert measured <= screen_text_width(text, 12) <= measured * 1.06 + 0.5


def test_mrg002_a_left_margin_grows_with_its_widest_label_and_keeps_its_least():
    assert left_label_margin([], 12, 40) == 40
    assert left_label_margin(["8"], 12, 40) == 40
    short, long = left_label_margin(["Arrest"], 12, 10), left_label_margin(["Attack on security forces"], 12, 10)
    assert long > short > 10
    assert long >= screen_text_width("Attack on security forces", 12) + TICK_LABEL_PAD


def test_mrg003_the_top_tick_label_covers_plotlys_padded_range():
    """plotly.js pads a bar axis 5 % over the tallest bar; a round tick can stand above it."""
    assert top_tick_label(9_800, "en") == format_number(10_388, "en")  # a 10,000 tick: six characters
    assert len(top_tick_label(0, "en")) == 1


def _histogram(tallest: int) -> Histogram:
    starts = np.array(["2019-01-01", "2020-01-01"], dtype="datetime64[D]")
    return Histogram(unit="year", bin_starts=starts, categories=("drug_seizure", "arrest"),
                     counts=np.array([[tallest // 2, 3], [tallest - tallest // 2, 1]]))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_mrg004_each_screen_chart_sets_the_margin_its_labels_need(lang):
    size = SCREEN.font_size - 1
    for tallest in (9, 8_000, 2_500_000):
        margin = timeline_figure(_histogram(tallest), lang=lang)["layout"]["margin"]
        assert margin["l"] >= screen_text_width(top_tick_label(tallest, lang), size) + TICK_LABEL_PAD
    low = timeline_figure(_histogram(8_000), lang=lang)["layout"]["margin"]["l"]
    high = timeline_figure(_histogram(2_500_000), lang=lang)["layout"]["margin"]["l"]
    assert high > low
    bars = breakdown_figure(Breakdown(field="event_type", labels=("attack_security", "arrest"),
                                      counts=np.array([5, 3])), lang=lang)
    names = bars["data"][0]["y"]
    assert bars["layout"]["margin"]["l"] >= max(screen_text_width(n, size) for n in names) + TICK_LABEL_PAD
    series = QuantitySeries(year_starts=np.array(["2019-01-01"], dtype="datetime64[D]"), drugs=("cocaine",),
                            kg=np.array([[3_000_000.0]]))
    kg = series_plain(series, lang, SCREEN)["layout"]["margin"]
    assert kg["l"] >= screen_text_width(top_tick_label(3_000_000, lang), size) + TICK_LABEL_PAD


def test_mrg005_the_presenters_breakdown_holds_its_names_at_the_projectors_size(store):
    """The presenter set the breakdown's left margin to 10 px: every slide that showed it drew it
    twice (automargin widened it to ~260 px for "Attack on security forces" at 20 px)."""
    from dashboard.data.stories import Slide
    from dashboard.figures.theme import PROJECTOR
    from dashboard.state.present_view import present_breakdown

    figure = present_breakdown(store, Slide(title="t"), "en")
    names = list(figure.data[0].y)
    assert names and figure.layout.margin.l >= max(screen_text_width(n, PROJECTOR.font_size) for n in names) + TICK_LABEL_PAD
