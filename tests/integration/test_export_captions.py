"""The words of an export: alt text, source line and default title, in English and Spanish."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.data.language import Language
from dashboard.data.schema import BUNDLED_DATASET, EventType
from dashboard.data.store import InMemoryEventStore
from dashboard.data.synth import synthetic_events
from dashboard.exports.captions import (
    MAX_TITLE_CHARS,
    alt_text,
    default_title,
    export_context,
    shorten,
    source_line,
)
from dashboard.exports.spec import ChartKind, ChartRequest
from dashboard.i18n import CATALOGS, format_number, translate
from dashboard.words.summary import filter_summary

EXPORTED = datetime(2026, 12, 1, 14, 3, tzinfo=UTC)
SEIZURES_2019_2024 = FilterSpec(event_types=("drug_seizure",), date_from=date(2019, 1, 1),
                                date_to=date(2024, 12, 31))
NOTHING = FilterSpec(event_types=("drug_seizure",), date_from=date(2030, 1, 1))
SPECS = [
    FilterSpec(),
    SEIZURES_2019_2024,
    FilterSpec(event_types=("attack_on_security_forces",), countries=("PER",), date_from=date(2017, 1, 1)),
    FilterSpec(actors=("shining_path",), event_types=("armed_clash", "arrest")),
    FilterSpec(date_from=date(2019, 3, 1), date_to=date(2019, 6, 30)),
    FilterSpec(countries=("ESP", "NLD", "BEL"), routes=("callao_europe_sea",)),
    FilterSpec(regions=("Ayacucho",), date_to=date(2015, 12, 31)),
    FilterSpec(kg_min=1000),
]
DIALOG_KEYS = (
    "export.button", "export.dialog_title", "export.chart", "export.chart.map", "export.chart.timeline",
    "export.chart.breakdown", "export.format", "export.format.png", "export.format.svg", "export.format.pdf",
    "export.format.csv", "export.format.xlsx", "export.format.geojson", "export.format.html",
    "export.format.pack", "export.size", "export.size.web", "export.size.square", "export.size.story",
    "export.size.a4", "export.scale", "export.theme", "export.theme.light", "export.theme.dark",
    "export.title", "export.credit", "export.credit_placeholder", "export.alt_text", "export.permalink",
    "export.copy", "export.download", "export.working", "export.failed", "export.done", "export.close",
    "export.data_note",
)


def expected_dates(store, spec: FilterSpec) -> list[str]:
    """Words the alt text must hold for the earliest and latest event: the day in words of an event
    known to the day, the year (and English month name) of a coarser one."""
    rows = store.rows(spec, ("event_date", "date_precision"), order_by="event_date", descending=False)
    words = []
    for at in (0, -1):
        day, precision = rows["event_date"][at], rows["date_precision"][at]
        if precision == "day":
            words.append(f"{day.day} {calendar.month_name[day.month]} {day.year}")
        else:
            words.append(str(day.year))
            if precision == "month":
                words.append(f"{calendar.month_name[day.month]} {day.year}")
    return words


@pytest.fixture(scope="module")
def mixed_store(bundled):
    """The bundled events plus 1,500 synthetic ones (dataset ``synthetic``)."""
    return InMemoryEventStore(pd.concat([bundled.events, synthetic_events(1500, seed=3)], ignore_index=True))


# ---- alt text -----------------------------------------------------------------------------------
# The charts drawn from the events; the indicator chart describes a series (test_exp089).
EVENT_CHARTS = [chart for chart in ChartKind if chart is not ChartKind.INDICATOR]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("chart", EVENT_CHARTS)
def test_exp070_alt_text_states_the_count_and_the_date_range(store, spec, chart):
    count = store.count(spec)
    assert count > 0
    english = alt_text(store, spec, chart, "en")
    assert f"{format_number(count, 'en')} event" in english
    for word in expected_dates(store, spec):
        assert word in english, (word, english)
    spanish = alt_text(store, spec, chart, "es")
    assert f"{format_number(count, 'es')} evento" in spanish
    for word in expected_dates(store, spec):  # the English month names are not in the Spanish text
        assert word.split()[-1] in spanish, (word, spanish)
    for text in (english, spanish):  # one date style: no ISO day anywhere (filters included)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), text


@pytest.mark.parametrize("spec", SPECS)
def test_exp071_alt_text_differs_between_languages_and_speaks_each(store, spec):
    english = alt_text(store, spec, ChartKind.MAP, "en")
    spanish = alt_text(store, spec, ChartKind.MAP, "es")
    assert english != spanish
    assert " events" in english and " eventos" not in english
    assert " eventos" in spanish
    assert english.startswith("Map of ") and spanish.startswith("Mapa de ")
    assert 2 <= english.count(". ") + 1 <= 4  # two to four sentences


def test_exp072_no_matching_events_says_so(store):
    assert store.count(NOTHING) == 0
    english = alt_text(store, NOTHING, ChartKind.TIMELINE, "en")
    spanish = alt_text(store, NOTHING, ChartKind.TIMELINE, "es")
    assert "no events match the filters" in english
    assert "ningún evento coincide con los filtros" in spanish
    assert "Filters: since 1 January 2030 · Drug seizure." in english
    assert "Filtros: desde 1 de enero de 2030 · Incautación de droga." in spanish


def test_exp073_alt_text_names_the_chart_the_top_country_and_the_top_type(store):
    spec = SEIZURES_2019_2024
    country = store.breakdown(spec, "country", top=1)
    assert alt_text(store, spec, ChartKind.MAP, "en").startswith("Map of 28 events")
    assert alt_text(store, spec, ChartKind.TIMELINE, "en").startswith("Timeline of ")
    assert alt_text(store, spec, ChartKind.BREAKDOWN, "en").startswith("Bar chart of ")
    assert alt_text(store, spec, ChartKind.BREAKDOWN, "es").startswith("Gráfico de barras de ")
    assert f"Peru ({country.counts[0]})" in alt_text(store, spec, ChartKind.MAP, "en")
    assert f"Perú ({country.counts[0]})" in alt_text(store, spec, ChartKind.MAP, "es")
    everything = alt_text(store, FilterSpec(), ChartKind.MAP, "en")
    top_type = store.breakdown(FilterSpec(), "event_type", top=1)
    assert f"Drug seizure ({top_type.counts[0]})" in everything
    assert "No filters" in everything


@pytest.mark.parametrize("spec", [FilterSpec(), SEIZURES_2019_2024])
def test_exp074_trend_names_the_peak_year_counted_independently(store, spec):
    dates = store.rows(spec, ("event_date",), order_by="event_date", descending=False)["event_date"]
    per_year = pd.Series([d.year for d in dates]).value_counts().sort_index()
    peak_year = int(per_year[per_year == per_year.max()].index.min())
    english = alt_text(store, spec, ChartKind.TIMELINE, "en")
    assert f"peak in {peak_year} ({per_year.max()} events)" in english
    assert f"máximo en {peak_year} ({per_year.max()} eventos)" in alt_text(store, spec, ChartKind.TIMELINE, "es")
    if spec == SEIZURES_2019_2024:  # 3+3+6 events in 2019–21, 3+6+7 in 2022–24
        assert "rise over the period" in english


def test_exp075_breakdown_by_actor_names_the_top_actors(store):
    actors = store.breakdown(SEIZURES_2019_2024, "actor_group", top=1)
    text = alt_text(store, SEIZURES_2019_2024, ChartKind.BREAKDOWN, "en", breakdown_field="actor_group")
    assert "by actor" in text and f"National Police of Peru ({actors.counts[0]})" in text
    assert actors.labels[0] == "peru_police"


def test_exp076_synthetic_events_are_named_and_numbers_grouped_per_language(mixed_store):
    totals = mixed_store.totals(FilterSpec())
    assert totals.synthetic == 1500 and totals.events > 1500
    english = alt_text(mixed_store, FilterSpec(), ChartKind.MAP, "en")
    spanish = alt_text(mixed_store, FilterSpec(), ChartKind.MAP, "es")
    assert "1,500 of them synthetic" in english
    assert "1\u202f500 de ellos sintéticos" in spanish
    assert f"{format_number(totals.events, 'es')} eventos" in spanish
    bundled_only = FilterSpec(datasets=(BUNDLED_DATASET,))
    assert "synthetic" not in alt_text(mixed_store, bundled_only, ChartKind.MAP, "en")


# ---- source line --------------------------------------------------------------------------------
def test_exp077_source_line_counts_filters_and_export_time(store):
    spec = SEIZURES_2019_2024
    totals = store.totals(spec)
    english = source_line(totals, spec, "en", EXPORTED)
    assert english.startswith(f"Source: Rutas — {totals.events} events from {totals.sources} published reports; ")
    assert f"filters: {filter_summary(spec, 'en')}" in english
    assert "Drug seizure" in english and "2019-01-01" in english
    assert english.endswith("; exported 2026-12-01 14:03 UTC")
    spanish = source_line(totals, spec, "es", EXPORTED)
    assert spanish.startswith(f"Fuente: Rutas — {totals.events} eventos de {totals.sources} informes publicados; ")
    assert "Incautación de droga" in spanish and spanish.endswith("; exportado el 2026-12-01 14:03 UTC")
    assert "synthetic" not in english and "sintético" not in spanish


def test_exp078_source_line_without_filters_and_in_singular(store):
    everything = source_line(store.totals(FilterSpec()), FilterSpec(), "en", EXPORTED)
    assert "; no filters; " in everything
    one = FilterSpec(event_types=("state_of_emergency",), date_from=date(2009, 1, 1), date_to=date(2009, 12, 31))
    totals = store.totals(one)
    assert (totals.events, totals.sources) == (1, 1)
    assert "Rutas — 1 event from 1 published report;" in source_line(totals, one, "en", EXPORTED)
    assert "Rutas — 1 evento de 1 informe publicado;" in source_line(totals, one, "es", EXPORTED)
    assert alt_text(store, one, ChartKind.MAP, "en").startswith("Map of 1 event, dated 11 September 2009.")
    assert alt_text(store, one, ChartKind.MAP, "es").startswith("Mapa de 1 evento, con fecha 11 de septiembre de 2009.")


def test_exp079_synthetic_note_only_when_synthetic_events_are_in_view(mixed_store):
    with_synthetic = source_line(mixed_store.totals(FilterSpec()), FilterSpec(), "en", EXPORTED)
    assert "; includes 1,500 synthetic (generated) events;" in with_synthetic
    spanish = source_line(mixed_store.totals(FilterSpec()), FilterSpec(), "es", EXPORTED)
    assert "; incluye 1\u202f500 eventos sintéticos (generados);" in spanish
    real_only = FilterSpec(datasets=(BUNDLED_DATASET,))
    assert "synthetic" not in source_line(mixed_store.totals(real_only), real_only, "en", EXPORTED)


def test_exp080_source_line_names_imported_datasets(mixed_store):
    spec = FilterSpec(datasets=("synthetic",))
    names = {"synthetic": "Generated test data"}
    line = source_line(mixed_store.totals(spec), spec, "en", EXPORTED, names)
    assert "filters: Data: Generated test data;" in line


def test_exp081_export_time_is_written_in_utc(store):
    lima = timezone(timedelta(hours=-5))
    totals = store.totals(FilterSpec())
    assert source_line(totals, FilterSpec(), "en", datetime(2026, 12, 1, 9, 3, tzinfo=lima)).endswith(
        "exported 2026-12-01 14:03 UTC")
    assert source_line(totals, FilterSpec(), "en", datetime(2026, 12, 1, 14, 3)).endswith(
        "exported 2026-12-01 14:03 UTC")


# ---- default title ------------------------------------------------------------------------------
@pytest.mark.parametrize(("spec", "chart", "english", "spanish"), [
    (FilterSpec(), ChartKind.MAP, "Cocaine-trade events from Peru's VRAEM to Europe",
     "Eventos del narcotráfico del VRAEM peruano a Europa"),
    (FilterSpec(), ChartKind.TIMELINE, "Cocaine-trade events over time",
     "Eventos del narcotráfico a lo largo del tiempo"),
    (FilterSpec(), ChartKind.BREAKDOWN, "Cocaine-trade events by event type",
     "Eventos del narcotráfico por tipo de evento"),
    (SEIZURES_2019_2024, ChartKind.MAP, "Drug seizures, 2019–2024", "Incautaciones de droga, 2019–2024"),
    (FilterSpec(event_types=("attack_on_security_forces",), countries=("PER",), date_from=date(2017, 1, 1)),
     ChartKind.MAP, "Attacks on security forces in Peru since 2017",
     "Ataques a fuerzas del orden en Perú desde 2017"),
    (FilterSpec(date_from=date(2019, 3, 1), date_to=date(2019, 6, 30)), ChartKind.MAP,
     "Cocaine-trade events, March–June 2019", "Eventos del narcotráfico, marzo a junio de 2019"),
    (FilterSpec(event_types=("arrest",), date_to=date(2015, 12, 31)), ChartKind.TIMELINE,
     "Arrests until 2015", "Detenciones hasta 2015"),
    (FilterSpec(event_types=("armed_clash", "arrest"), date_from=date(2020, 1, 1), date_to=date(2020, 12, 31)),
     ChartKind.MAP, "Armed clashes and arrests, 2020", "Enfrentamientos armados y detenciones, 2020"),
    (FilterSpec(countries=("BOL",), date_from=date(2018, 2, 3), date_to=date(2019, 12, 31)),
     ChartKind.BREAKDOWN, "Cocaine-trade events by event type in Bolivia, 2018-02-03 – 2019",
     "Eventos del narcotráfico por tipo de evento en Bolivia, 2018-02-03 – 2019"),
])
def test_exp082_default_title_from_the_filters(spec, chart, english, spanish):
    assert default_title(spec, chart, "en") == english
    assert default_title(spec, chart, "es") == spanish


@pytest.mark.parametrize("spec", [*SPECS, NOTHING, FilterSpec(
    event_types=("attack_on_security_forces", "attack_on_civilians"), actors=("shining_path", "peru_police"),
    routes=("peru_brazil_madre_de_dios",), countries=("PER", "BRA"), date_from=date(2003, 2, 3),
    date_to=date(2024, 11, 19), text="Pichari"),
    FilterSpec(datasets=("acled-2024",), bbox=(-75.0, -13.0, -73.0, -11.0))])
@pytest.mark.parametrize("chart", list(ChartKind))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_exp083_default_title_is_short_and_never_empty(spec, chart, lang):
    title = default_title(spec, chart, lang, {"acled-2024": "ACLED Peru 2024"})
    assert 0 < len(title) <= MAX_TITLE_CHARS and title.strip() == title


def test_exp084_long_titles_drop_detail_before_they_are_cut():
    spec = FilterSpec(event_types=("attack_on_security_forces", "attack_on_civilians"),
                      actors=("shining_path", "peru_police"), routes=("peru_brazil_madre_de_dios",),
                      countries=("PER", "BRA"), date_from=date(2003, 1, 1), date_to=date(2024, 12, 31))
    title = default_title(spec, ChartKind.BREAKDOWN, "en", breakdown_field="country")
    assert title == "Attacks on civilians and attacks on security forces in Brazil…, 2003–2024"
    assert default_title(spec, ChartKind.BREAKDOWN, "es", breakdown_field="country") == \
        "Ataques a civiles y ataques a fuerzas del orden en Brasil y Perú, 2003–2024"
    assert shorten("word " * 30).endswith("…") and len(shorten("word " * 30)) <= MAX_TITLE_CHARS
    assert shorten("short title") == "short title"


def test_exp085_imported_datasets_name_the_subject():
    spec = FilterSpec(datasets=("acled-2024",))
    assert default_title(spec, ChartKind.MAP, "en", {"acled-2024": "ACLED Peru"}) == "Events from ACLED Peru"
    assert default_title(spec, ChartKind.MAP, "es", {"acled-2024": "ACLED Peru"}) == "Eventos de ACLED Peru"


# ---- everything together ------------------------------------------------------------------------
def test_exp086_export_context_assembles_the_words(store):
    spec = SEIZURES_2019_2024
    request = ChartRequest(chart=ChartKind.TIMELINE, title="  Seizures\n under  the new law ", credit=" A. Reporter ")
    context = export_context(store, spec, request, "es", permalink="https://rutas.example/?lang=es",
                             exported_at=datetime(2026, 12, 1, 14, 3))
    totals = store.totals(spec)
    assert context.title == "Seizures under the new law"
    assert context.subtitle == filter_summary(spec, "es")
    assert context.source_line == source_line(totals, spec, "es", EXPORTED)
    assert context.alt_text == alt_text(store, spec, ChartKind.TIMELINE, "es")
    assert (context.events, context.sources) == (totals.events, totals.sources)
    assert context.credit == "A. Reporter" and context.lang == "es"
    assert context.exported_at == EXPORTED and context.exported_at.tzinfo is not None
    blank = export_context(store, spec, ChartRequest(title="   "), "en", permalink="x", exported_at=EXPORTED)
    assert blank.title == "Drug seizures, 2019–2024"


def test_exp087_every_chart_and_event_type_has_its_words():
    for lang in Language:
        catalog = CATALOGS[lang]
        for chart in ChartKind:
            assert f"export.chart.{chart}" in catalog and f"export.alt.what.{chart}" in catalog
        for event_type in EventType:
            assert f"export.title.type.{event_type}" in catalog
        for month in range(1, 13):
            assert f"export.month.{month}" in catalog


@pytest.mark.parametrize("lang", ["en", "es"])
def test_exp089_an_indicator_export_is_described_by_its_series(store, lang):
    """Title (series, unit, years), alt text (the chart's own) and a source line naming every publisher
    of the values drawn; a view with no series says so instead."""
    from dashboard.exports.charts import bundled_indicators
    from dashboard.figures.indicator_chart import indicator_alt_text

    catalog = bundled_indicators()
    spec = FilterSpec(date_from=date(2013, 1, 1), date_to=date(2022, 12, 31))
    context = export_context(store, spec, ChartRequest(chart=ChartKind.INDICATOR, indicator="coca_area"), lang,
                             permalink="x", exported_at=EXPORTED, indicators=catalog)
    assert context.title == {"en": "Coca cultivation (hectares), 2013–2022",
                             "es": "Cultivo de coca (hectáreas), 2013–2022"}[lang]
    assert context.alt_text == indicator_alt_text(catalog, "coca_area", (spec.date_from, spec.date_to), lang)
    drawn = {v.publisher for v in catalog.series_values("coca_area") if 2013 <= v.year <= 2022}
    assert len(drawn) > 10 and all(name in context.source_line for name in drawn)
    assert "UNODC World Drug Report 2004" not in context.source_line  # a 1999 value: not drawn
    none = export_context(store, spec, ChartRequest(chart=ChartKind.INDICATOR), lang, permalink="x",
                          exported_at=EXPORTED)
    assert none.alt_text == translate("export.indicator_none", lang)


def test_exp088_dialog_strings_exist_in_both_languages():
    for key in DIALOG_KEYS:
        assert key in CATALOGS["en"] and key in CATALOGS["es"], key
    assert translate("export.button", "es") == "Exportar"
    assert translate("export.failed", "en", reason="disk full") == "The export could not be made: disk full"
    differ = [k for k in DIALOG_KEYS if CATALOGS["en"][k] != CATALOGS["es"][k]]
    assert len(differ) >= len(DIALOG_KEYS) - 8  # PDF, GeoJSON, sizes in pixels… read the same


def test_exp089_catalogs_still_have_the_same_keys():
    assert set(CATALOGS["en"]) == set(CATALOGS["es"])
    assert {k for k in CATALOGS["en"] if k.startswith("export.")} >= set(DIALOG_KEYS)


def test_exp066_synthetic_views_say_so_in_the_subtitle_and_cite_no_report(mixed_store, store):
    both = FilterSpec()
    generated = FilterSpec(datasets=("synthetic",))
    real = FilterSpec(datasets=(BUNDLED_DATASET,))
    assert mixed_store.count(generated) == 1500
    # Generated rows name their generator, never a published report.
    assert mixed_store.totals(generated).sources == 0
    assert mixed_store.totals(both).sources == store.totals(FilterSpec()).sources
    context = export_context(mixed_store, generated, ChartRequest(), "en", permalink="http://x/",
                             exported_at=EXPORTED)
    assert context.subtitle.startswith("SYNTHETIC DATA")
    mixed = export_context(mixed_store, both, ChartRequest(), "es", permalink="http://x/", exported_at=EXPORTED)
    assert mixed.subtitle.startswith("INCLUYE DATOS SINTÉTICOS — 1\u202f500 eventos")
    plain = export_context(mixed_store, real, ChartRequest(), "en", permalink="http://x/", exported_at=EXPORTED)
    assert "SYNTHETIC" not in plain.subtitle
