"""Contested figures: every reported toll or haul, the count rules, the count line and the detail card."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from dashboard.data.catalog import GEODATA_DIR
from dashboard.data.count_rules import DEFAULT_COUNT_RULE, CountRule, parse_count_rule
from dashboard.data.filters import FilterSpec
from dashboard.data.reported_figures import (
    FIGURE_COLUMNS,
    FigureKind,
    Measure,
    adjust_totals,
    counted_value,
    figure_under_rule,
    load_reported_figures,
)
from dashboard.data.schema import DataFileError, check_date_end
from dashboard.layout.detail import build_detail_card
from dashboard.words.summary import count_rule_note

REFERENCE = GEODATA_DIR.parent.parent / "shared" / "reference" / "corrections.md"


@pytest.fixture(scope="module")
def reported(bundled):
    return bundled.reported


def test_fig001_the_contested_events_of_the_reference_carry_all_their_figures(reported):
    """rutas:0015, 0058, 0104 (deaths) and 0131 (kg) have more than one reported figure; 0131's
    containers and destination, 0104's minors and 0066's destination are notes, never counted."""
    assert set(reported.contested_ids()) == {"rutas:0015", "rutas:0058", "rutas:0104", "rutas:0131"}
    assert set(reported.contested_ids(Measure.FATALITIES)) == {"rutas:0015", "rutas:0058", "rutas:0104"}
    deaths = {f.value for f in reported.for_event("rutas:0058") if f.measure is Measure.FATALITIES}
    assert deaths == {4, 6, 7, 10}  # teleSUR, utero.pe, the attorney general and BBC, Agenzia Nova
    notes = {f.event_id for f in reported.figures if f.measure is Measure.NOTE}
    assert {"rutas:0131", "rutas:0104", "rutas:0066"} <= notes
    assert all(f.value is None for f in reported.figures if f.measure is Measure.NOTE)


def test_fig002_every_figure_names_its_source(reported):
    for figure in reported.figures:
        assert figure.outlet and figure.kind in FigureKind
        assert figure.source_url.startswith("http") or figure.recorded_in, figure
    tolls = [f for f in reported.for_event("rutas:0015") if f.measure is Measure.FATALITIES]
    correction = next(f for f in tolls if f.kind is FigureKind.OFFICIAL_CORRECTION)
    assert (correction.value, correction.reported_on) == (14, date(2008, 10, 10))
    assert "eju.tv" in correction.source_url


def test_fig003_the_event_row_holds_the_default_rule(store, reported):
    """The row's own deaths / kg is what "latest official" counts, so the store counts the default."""
    for event_id in reported.contested_ids():
        event = store.event(event_id)
        for measure in (Measure.FATALITIES, Measure.QUANTITY_KG):
            value = counted_value(reported, event_id, measure)
            if value is not None:
                assert event[measure] == value, (event_id, measure)
    assert store.event("rutas:0015")["fatalities"] == 14 and store.event("rutas:0058")["fatalities"] == 7


@pytest.mark.parametrize("rule, tintaypuncu, election_eve, san_miguel, callao_kg", [
    (CountRule.LATEST_OFFICIAL, 14, 7, 16, 7200),
    (CountRule.HIGHEST_REPORTED, 19, 10, 18, 7297.16),
    (CountRule.FIRST_REPORT, 19, 4, 16, 7200),
])
def test_fig004_each_rule_picks_its_figure(reported, rule, tintaypuncu, election_eve, san_miguel, callao_kg):
    assert counted_value(reported, "rutas:0015", Measure.FATALITIES, rule) == tintaypuncu
    assert counted_value(reported, "rutas:0058", Measure.FATALITIES, rule) == election_eve
    assert counted_value(reported, "rutas:0104", Measure.FATALITIES, rule) == san_miguel
    assert counted_value(reported, "rutas:0131", Measure.QUANTITY_KG, rule) == callao_kg


def test_fig005_latest_official_takes_the_latest_dated_correction(reported):
    figures = list(reported.for_event("rutas:0015"))
    later = figures[1].__class__(**{**figures[1].__dict__, "value": 15.0, "reported_on": date(2008, 10, 20)})
    assert figure_under_rule(figures + [later], Measure.FATALITIES, CountRule.LATEST_OFFICIAL) == 15
    assert figure_under_rule([], Measure.FATALITIES, CountRule.HIGHEST_REPORTED) is None


def test_fig006_totals_adjust_only_for_the_contested_events_the_filter_holds(store, reported):
    everything = FilterSpec()
    totals = store.totals(everything)
    same = adjust_totals(store, everything, totals.fatalities, totals.kg_seized, reported, DEFAULT_COUNT_RULE)
    assert (same.fatalities, same.kg_seized, same.contested_events) == (totals.fatalities, totals.kg_seized, 4)
    highest = adjust_totals(store, everything, totals.fatalities, totals.kg_seized, reported,
                            CountRule.HIGHEST_REPORTED)
    assert highest.fatalities == totals.fatalities + (19 - 14) + (10 - 7) + (18 - 16)
    assert highest.kg_seized == pytest.approx(totals.kg_seized + 97.16)
    first = adjust_totals(store, everything, totals.fatalities, totals.kg_seized, reported, CountRule.FIRST_REPORT)
    assert first.fatalities == totals.fatalities + 5 - 3  # 19 for 14, 4 for 7
    # 2016 only: the election-eve ambush is the one contested event there.
    year = FilterSpec(date_from=date(2016, 1, 1), date_to=date(2016, 12, 31))
    t2016 = store.totals(year)
    first_2016 = adjust_totals(store, year, t2016.fatalities, t2016.kg_seized, reported, CountRule.FIRST_REPORT)
    assert (first_2016.fatalities, first_2016.contested_events) == (t2016.fatalities - 3, 1)
    # Another dataset only: nothing bundled, nothing to adjust.
    other = FilterSpec(datasets=("acled-x",))
    assert adjust_totals(store, other, 5, 0.0, reported, CountRule.HIGHEST_REPORTED).contested_events == 0


def test_fig007_the_count_line_names_the_rule_and_the_contested_events():
    assert count_rule_note("latest_official", 2, "en") == \
        "deaths and kg: latest official figures; 2 events have other reports"
    assert count_rule_note("highest_reported", 1, "en") == "deaths and kg: highest reported figures; 1 event has other reports"
    assert count_rule_note("first_report", 0, "en") == "deaths and kg: first reports"
    assert count_rule_note("latest_official", 2, "es") == \
        "muertes y kg: últimas cifras oficiales; 2 eventos tienen otras cifras"


def test_fig008_a_link_never_fails_on_an_unknown_rule():
    assert parse_count_rule("highest_reported") is CountRule.HIGHEST_REPORTED
    assert parse_count_rule("most") is DEFAULT_COUNT_RULE and parse_count_rule(None) is DEFAULT_COUNT_RULE


def test_fig009_the_card_shows_every_figure_with_its_source_and_marks_the_counted_one(store, reported):
    event = store.event("rutas:0058")
    card = str(build_detail_card(event, "en", figures=reported.for_event("rutas:0058"),
                                 notes=reported.notes_for("rutas:0058")))
    assert "Reported figures" in card
    for words in ("first report", "official correction", "teleSUR", "Fiscal de la Nación", "Agenzia Nova",
                  "3 soldiers + 1 civilian", "2016-04-10", "telesurtv.net"):
        assert words in card, words
    assert card.count("counted (latest official figures)") == 1
    assert "no address in our reference" in card  # the attorney general's figure has no page address
    assert "Corrected after checking the sources" in card and "fatalities: 4 → 7" in card
    first = str(build_detail_card(event, "en", figures=reported.for_event("rutas:0058"), rule=CountRule.FIRST_REPORT))
    assert first.count("counted (first reports)") == 1
    plain = str(build_detail_card(store.event("rutas:0006"), "en"))
    assert "Reported figures" not in plain and "Corrected" not in plain


def test_fig010_weak_links_and_date_ranges_show_on_the_card(store, reported):
    weak = str(build_detail_card(store.event("rutas:0102"), "es", notes=reported.notes_for("rutas:0102")))
    assert "Enlace de fuente débil" in weak and "HLN" in weak
    narrowed = str(build_detail_card(store.event("rutas:0066"), "en", notes=reported.notes_for("rutas:0066")))
    assert "2017-03-18 (exact day) – 2017-03-19" in narrowed
    assert "event date: 2017-03-01 → 2017-03-18" in narrowed and "el fin de semana" in narrowed


def test_fig011_a_bad_figure_row_is_named(tmp_path, bundled):
    rows = list(csv.DictReader((GEODATA_DIR / "figures.csv").open(encoding="utf-8")))
    rows[1]["value"] = "many"
    rows[2]["source_url"] = "javascript:alert(1)"
    path = tmp_path / "figures.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FIGURE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataFileError) as caught:
        load_reported_figures(path, GEODATA_DIR / "event_notes.csv", bundled.events["event_id"])
    message = str(caught.value)
    assert "figures.csv, line 3, field 'value'" in message and "line 4, field 'source_url'" in message


def test_fig012_two_cited_figures_for_one_toll_are_refused(tmp_path, bundled):
    rows = list(csv.DictReader((GEODATA_DIR / "figures.csv").open(encoding="utf-8")))
    rows[1]["cited"] = "true"  # rutas:0015's correction claimed as the row's own source too
    path = tmp_path / "figures.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FIGURE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataFileError, match="rutas:0015 fatalities: exactly one figure"):
        load_reported_figures(path, GEODATA_DIR / "event_notes.csv", bundled.events["event_id"])


def test_fig013_date_end_is_a_day_on_or_after_the_event_date():
    assert check_date_end("2017-03-19", date(2017, 3, 18), 5) == (date(2017, 3, 19), [])
    assert check_date_end("", date(2017, 3, 18), 5) == (None, [])
    _, problems = check_date_end("2017-03-17", date(2017, 3, 18), 5)
    assert problems[0].field == "date_end" and "before" in problems[0].message
    _, problems = check_date_end("weekend", date(2017, 3, 18), 5)
    assert "not an ISO date" in problems[0].message


def test_fig014_the_detail_callback_passes_the_event_figures_and_notes(app_context):
    from dashboard.callbacks.detail import update_detail

    card = str(update_detail(None, "en", None, "?event=rutas:0015")["card"])
    assert "Reported figures" in card and "official correction" in card and "eju.tv" in card
    assert "fatalities: 19 → 14" in card
    assert "Reported figures" not in str(update_detail(None, "en", None, "?event=rutas:0006")["card"])
    # the card marks the figure the chosen rule counts: another rule, another mark
    highest = str(update_detail(None, "en", "highest_reported", "?event=rutas:0015")["card"])
    assert highest != card and "Reported figures" in highest


def test_fig017_the_counts_follow_the_chosen_rule_and_the_count_line_names_it(app_context):
    from dashboard.callbacks.views import on_count_rule_chosen, update_counts

    tintaypuncu = FilterSpec(date_from=date(2008, 10, 9), date_to=date(2008, 10, 9)).to_store()
    events, deaths, _kg, _sources, line = update_counts("en", tintaypuncu)
    assert (events, deaths) == ("1", "14") and "latest official figures" in line and "1 event has other" in line
    answer = on_count_rule_chosen("highest_reported", tintaypuncu, "?from=2008-10-09&to=2008-10-09", "en")
    assert answer["counts"]["fatalities"] == "19" and "highest reported figures" in answer["counts"]["summary"]
    assert answer["search"] == "?from=2008-10-09&to=2008-10-09&count=highest_reported"
    # A filter without a contested event says nothing of the rule, unless the rule was switched.
    quiet = FilterSpec(date_from=date(2005, 12, 18), date_to=date(2005, 12, 18)).to_store()
    assert "figures" not in update_counts("en", quiet)[4]
    assert "first reports" in update_counts("en", quiet, parse_count_rule("first_report"))[4]
