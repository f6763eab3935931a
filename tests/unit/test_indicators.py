"""Issue 18, parts 1 and 2: indicator series as data, on the timeline and on the map."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest
from dash import no_update

from dashboard.data.catalog import GEODATA_DIR
from dashboard.data.filters import FilterSpec, UrlState, build_search, parse_url_state
from dashboard.data.indicators import (
    DRUG_FORMS,
    INDICATOR_COLUMNS,
    PLACE_KINDS,
    UNITS,
    IndicatorCatalog,
    Panel,
    check_indicator_import,
    disagreeing_years,
    import_indicators,
    load_indicator_catalog,
    load_indicators_csv,
    port_names,
)
from dashboard.data.schema import DataFileError, is_safe_url
from dashboard.figures.event_map import build_event_map, indicator_layer, selection_ring
from dashboard.figures.indicator_chart import (
    build_indicator_chart,
    indicator_alt_text,
    indicator_legend,
    indicator_marks,
    indicator_year,
    value_text,
)
from dashboard.i18n import format_number
from dashboard.state.interactions import reset_state, with_indicator

REPO = Path(__file__).resolve().parents[2]
PORTS = port_names(GEODATA_DIR / "places.csv")
PERU, VRAEM, BOLIVIA = (Panel("country", "PER", "", "PER"), Panel("zone", "VRAEM", "", "PER"),
                        Panel("country", "BOL", "", "BOL"))
ROTTERDAM = Panel("port", "Rotterdam", "cocaine", "NLD")


@pytest.fixture(scope="module")
def catalog() -> IndicatorCatalog:
    return load_indicator_catalog(GEODATA_DIR)


def _good_row(**changes: str) -> dict[str, str]:
    row = dict.fromkeys(INDICATOR_COLUMNS, "")
    row.update(series_id="my_series", series_title="My series", unit="kg", place_kind="port", place_code="Antwerp",
               country="BEL", year="2020", value="1000", publisher="Example", source_url="https://example.org/a",
               quote="1,000 kg were seized", drug_form="cocaine")
    row.update(changes)
    return row


def _csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INDICATOR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# ---- the bundled series ------------------------------------------------------------------------
def test_ind001_bundled_series_are_valid_and_sourced(catalog):
    """Units, kinds and forms from the declared lists, years in range, one source per value with its quote."""
    assert len(catalog.values) > 100
    for value in catalog.values:
        assert value.unit in UNITS and value.place_kind in PLACE_KINDS and value.drug_form in DRUG_FORMS
        assert 1999 <= value.year <= 2025, value
        assert value.publisher and value.report and value.quote and value.as_printed, value
        assert is_safe_url(value.source_url) and ";" not in value.source_url, value  # one source, one address
        assert value.reference.split(":")[0].endswith(".csv"), value  # the reference row it came from
    for info in catalog.series():
        assert len({v.unit for v in catalog.series_values(info.series_id)}) == 1, info.series_id
    # Peru's monitoring changes hands in 2018 (DEVIDA-led): the break is on that value only.
    assert [(v.series_id, v.place_code, v.year) for v in catalog.values if v.method_break] == [
        ("coca_area", "PER", 2018)]


def test_ind002_bundled_file_is_what_the_build_writes(tmp_path):
    """The committed file is the build's output from the reference (no hand edits)."""
    reference = REPO.parent / "shared" / "reference" / "indicators"
    if not reference.is_dir():
        pytest.skip("the shared reference is not next to this checkout")
    sys.path.insert(0, str(REPO / "geodata"))
    try:
        import build_indicators
    finally:
        sys.path.remove(str(REPO / "geodata"))
    rows, skipped = build_indicators.build_rows(reference)
    rebuilt = tmp_path / "indicators.csv"
    build_indicators.write_rows(rows, rebuilt)
    assert rebuilt.read_text(encoding="utf-8") == (GEODATA_DIR / "indicators.csv").read_text(encoding="utf-8")
    assert any("vraem_security_force_deaths" in line for line in skipped)  # period tolls are said to be left out


def test_ind003_printed_values_keep_their_qualifiers(catalog):
    """'~20000 (approx.)', '>=14000', '2105 by 28 Oct', two figures in one cell, acres: parsed, never rounded away."""
    by_text = {(v.series_id, v.place_code, v.year, v.value): v for v in catalog.values}
    vraem_2016 = by_text[("coca_area", "VRAEM", 2016, 20000.0)]
    assert vraem_2016.approximate and vraem_2016.as_printed == "~20000 (approx.)" and value_text(vraem_2016) == "~20,000"
    rotterdam_2016 = by_text[("port_cocaine_seizures", "Rotterdam", 2016, 14000.0)]
    assert rotterdam_2016.is_lower_bound and value_text(rotterdam_2016) == "≥14,000"
    eradication_2021 = by_text[("coca_eradication", "PER", 2021, 2105.0)]
    assert eradication_2021.partial_period and eradication_2021.period_end == date(2021, 10, 28)
    paste, hcl = by_text[("seizures_cocaine_paste", "PER", 2004, 6330.0)], by_text[("seizures_cocaine_hcl", "PER", 2004, 7303.0)]
    assert paste.as_printed == hcl.as_printed == "6330 (PBC) / 7303 (HCl)"
    acres = by_text[("coca_area", "PER", 2001, 46199.0)]
    assert "acres" in acres.as_printed and "converted" in acres.note


def test_ind004_a_year_with_two_sources_has_two_values(catalog):
    peru_2011 = catalog.values_for_year("coca_area", 2011)[PERU]
    assert sorted(v.value for v in peru_2011) == [62500.0, 64400.0]
    assert len({v.source_url for v in peru_2011}) == 2
    assert sorted(v.value for v in catalog.values_for_year("coca_area", 2022)[VRAEM]) == [35106.0, 35709.0]
    assert sorted(v.value for v in catalog.values_for_year("port_cocaine_seizures", 2019)[ROTTERDAM]) == [33700.0, 38000.0]
    assert 2011 in disagreeing_years(catalog.by_year("coca_area", PERU))
    # On the chart: two markers in 2011, each naming its own source on hover, joined by a range line.
    figure = build_indicator_chart(catalog, "coca_area")
    markers = [t for t in figure.data if t.mode == "markers" and t.name == "Peru"][0]
    hovers = [text for x, text in zip(markers.x, markers.hovertext) if x == "2011-07-01"]
    assert len(hovers) == 2 and any("Bloomberg" in h for h in hovers) and any("CounterVortex" in h for h in hovers)
    assert all("another source" in h for h in hovers)
    ranges = [t for t in figure.data if t.mode == "lines" and t.line.width == 3 and t.yaxis == "y"][0]
    assert ("2011-07-01", 62500.0) in zip(ranges.x, ranges.y) and ("2011-07-01", 64400.0) in zip(ranges.x, ranges.y)
    # On the map: two circles, the legend both values.
    marks = indicator_marks(catalog, "coca_area", 2022, {("zone", "VRAEM"): (-12.5, -73.9)})
    assert sorted(m.value.value for m in marks) == [35106.0, 35709.0]
    assert "35,709 / 35,106 (two sources)" in indicator_legend(catalog, "coca_area", 2022)


def test_ind005_gaps_stay_gaps(catalog):
    """Bolivia has no value for 2005: no key, a break in the guide line, no zero anywhere."""
    bolivia = catalog.by_year("coca_area", BOLIVIA)
    assert 2004 in bolivia and 2005 not in bolivia and 2006 in bolivia
    figure = build_indicator_chart(catalog, "coca_area")
    bolivia_axis = next(t.yaxis for t in figure.data if t.name == "Bolivia")
    guide = next(t for t in figure.data if t.yaxis == bolivia_axis and t.mode == "lines" and t.line.width == 1.2)
    assert dict(zip(guide.x, guide.y))["2005-07-01"] is None and guide.connectgaps is False
    assert all(y != 0 for t in figure.data for y in (t.y or ()) if y is not None)
    assert "Bolivia no value" in indicator_legend(catalog, "coca_area", 2005)
    assert indicator_marks(catalog, "coca_area", 2005, {("country", "BOL"): (-17.0, -64.0)}) == []


def test_ind006_method_break_drawn_in_its_countrys_panels(catalog):
    figure = build_indicator_chart(catalog, "coca_area")
    axes = {t.name: t.yaxis for t in figure.data if t.name}
    breaks = [(shape.x0, shape.yref) for shape in figure.layout.shapes if shape.line.dash == "dash"]
    assert sorted(breaks) == sorted([("2018-01-01", f"{axes['Peru']} domain"), ("2018-01-01", f"{axes['VRAEM']} domain")])
    assert any("method change 2018" in (a.text or "") for a in figure.layout.annotations)
    go.Figure(figure.to_dict())  # a valid figure, property by property


def test_ind007_chart_states_unit_and_sources_and_follows_the_date_range(catalog):
    figure = build_indicator_chart(catalog, "coca_area", lang="es", date_range=(date(2015, 1, 1), date(2019, 12, 31)))
    assert "hectáreas" in figure.layout.title.text
    assert list(figure.layout.xaxis.range) == ["2015-01-01", "2019-12-31"]
    footer = figure.layout.annotations[-1].text.replace("<br>", " ")
    assert footer.count("Fuentes:") == 1 and "InSight Crime" in footer  # a 2015 source
    assert "fdokumen" not in footer and "UNODC World Drug Report 2004" not in footer  # 1999-2001 sources are not shown
    shown = [x for t in figure.data if t.mode == "markers" for x in t.x]
    assert shown and all("2015" <= x[:4] <= "2019" for x in shown)


# ---- the map ----------------------------------------------------------------------------------
def test_ind008_map_legend_states_year_and_unit(catalog):
    info = catalog.info("coca_area")
    assert indicator_year(date(2019, 6, 30), info) == 2019 and indicator_year(None, info) == info.last_year == 2024
    english = indicator_legend(catalog, "coca_area", 2019)
    assert english.startswith("Coca cultivation (hectares), 2019") and "Peru 54,655" in english
    assert "VRAEM no value" in english  # 2019 is one of the VRAEM's missing years
    spanish = indicator_legend(catalog, "port_cocaine_seizures", 2020, "es")
    assert spanish.startswith("Cocaína incautada en puertos (kg), 2020")
    # Ports named as the map names them, numbers grouped as Spanish groups them.
    assert f"Amberes {format_number(65000, 'es')}" in spanish and f"Róterdam {format_number(40600, 'es')}" in spanish


def test_ind009_circles_area_follows_the_value_in_one_layer(catalog):
    positions = {("country", "PER"): (-9.0, -75.0), ("zone", "VRAEM"): (-12.5, -73.9), ("country", "BOL"): (-17.0, -64.0)}
    marks = indicator_marks(catalog, "coca_area", 2020, positions)
    by_place = {m.panel.place_code: m for m in marks}
    ratio = (by_place["PER"].radius_km / by_place["BOL"].radius_km) ** 2
    assert ratio == pytest.approx(61777 / 29400)
    layer = indicator_layer([(m.latitude, m.longitude, m.radius_km) for m in marks])
    assert layer["type"] == "fill" and len(layer["source"]["features"]) == 3 and layer["below"] == "traces"
    assert indicator_layer([])["visible"] is False  # hidden: MapLibre never gets it


def test_ind010_map_with_indicator_stays_within_the_layer_budget(store, bundled, catalog):
    """Highlight, selection and indicator all drawn: still ≤ 25 MapLibre layers, one trace."""
    vraem = next(f for f in bundled.regions["features"] if f["properties"]["kind"] == "vraem")
    marks = indicator_marks(catalog, "coca_area", 2022, {("country", "PER"): (-9.0, -75.0)})
    figure = build_event_map(store.points(FilterSpec(), limit=10_000), routes=bundled.routes, vraem_feature=vraem,
                             highlight=(-12.5, -73.8), selection=selection_ring((-75.0, -13.0, -73.0, -11.0), None),
                             indicator=indicator_layer([(m.latitude, m.longitude, m.radius_km) for m in marks]))
    style_layers = len(figure.layout.map.style["layers"])
    added = sum(1 for layer in figure.layout.map.layers if layer.visible is not False)
    assert len(figure.data) == 1 and style_layers + added + 4 * len(figure.data) <= 25
    assert figure.layout.map.layers[-1].name == "indicator"


# ---- imports ----------------------------------------------------------------------------------
def test_ind011_a_planted_bad_row_is_named_and_the_good_rows_kept(catalog):
    rows = [_good_row(), _good_row(year="2021", value="not a number"), _good_row(year="2022", value="1200"),
            _good_row(year="2023", place_code="Atlantis"), _good_row(year="2024", quote="")]
    outcome = check_indicator_import(_csv_text(rows), PORTS, catalog.values)
    assert [v.year for v in outcome.kept] == [2020, 2022]
    assert [(p.line, p.field) for p in outcome.problems] == [(3, "value"), (5, "place_code"), (6, "quote")]
    assert "not a number" in outcome.problems[0].message


def test_ind012_import_rules_across_rows(catalog):
    """A series keeps one unit (a bundled one included); a repeated row is named, not kept twice."""
    rows = [_good_row(), _good_row(), _good_row(series_id="coca_area", unit="kg", place_kind="country", place_code="PER",
                                                country="PER", drug_form="")]
    outcome = check_indicator_import(_csv_text(rows), PORTS, catalog.values)
    assert len(outcome.kept) == 1
    assert [(p.line, p.field) for p in outcome.problems] == [(3, "value"), (4, "unit")]
    assert check_indicator_import("a,b\n1,2\n", PORTS, ()).problems[0].field == "series_id"  # columns missing


def test_ind013_import_writes_the_good_rows_and_the_catalog_reads_them(tmp_path):
    source = tmp_path / "mine.csv"
    source.write_text(_csv_text([_good_row(), _good_row(year="2021", unit="acres")]), encoding="utf-8")
    data_dir = tmp_path / "instance"
    outcome = import_indicators(source, GEODATA_DIR, data_dir)
    assert len(outcome.kept) == 1 and [(p.line, p.field) for p in outcome.problems] == [(3, "unit")]
    loaded = load_indicator_catalog(GEODATA_DIR, data_dir)
    mine = loaded.series_values("my_series")
    assert len(mine) == 1 and mine[0].imported and mine[0].quote_verbatim
    assert [v for v in loaded.values if not v.imported] == list(load_indicator_catalog(GEODATA_DIR).values)
    # Nothing good, nothing written; the earlier import stays as it was.
    before = (data_dir / "indicators.csv").read_bytes()
    source.write_text(_csv_text([_good_row(year="1200")]), encoding="utf-8")
    assert import_indicators(source, GEODATA_DIR, data_dir).kept == []
    assert (data_dir / "indicators.csv").read_bytes() == before
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".indicators-")]  # no temporary left


def test_ind014_a_broken_bundled_row_stops_the_load_naming_file_line_and_field(tmp_path):
    lines = (GEODATA_DIR / "indicators.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    rows[4]["unit"] = "tonnes"
    broken = tmp_path / "indicators.csv"
    broken.write_text(_csv_text([{k: r[k] for k in header} for r in rows]), encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        load_indicators_csv(broken, PORTS)
    assert "indicators.csv, line 6, field 'unit'" in str(raised.value)


# ---- the URL and the control ------------------------------------------------------------------
def test_ind015_indicator_round_trips_through_the_url_and_survives_reset(catalog):
    state, notices = parse_url_state("?ind=coca_area&from=2015-01-01")
    assert state.indicator == "coca_area" and notices == []
    assert parse_url_state(build_search(state))[0] == state
    assert "ind=coca_area" in build_search(state)
    assert build_search(UrlState()) == ""  # none by default: today's links are unchanged
    assert reset_state(state).indicator == "coca_area" and reset_state(state).spec == FilterSpec()
    forged, notices = parse_url_state("?ind=%3Cscript%3E")
    assert forged.indicator == "" and notices == [("ind", "notice.unknown_value")]
    known = [info.series_id for info in catalog.series()]
    assert with_indicator(state, "port_cocaine_seizures", known).indicator == "port_cocaine_seizures"
    assert with_indicator(state, "nope", known).indicator == "" and with_indicator(state, ["coca_area"], known).indicator == ""
    assert with_indicator(state, None, known).indicator == ""


# ---- the callbacks (plain functions over the session's context) ----------------------------------
def test_ind016_choosing_a_series_patches_its_layer_and_writes_the_url(app_context):
    from dashboard.callbacks.views import draw_views, on_indicator_chosen
    from dashboard.state.views import indicator_map_slot

    slot = indicator_map_slot(app_context, "en")
    chosen = on_indicator_chosen("coca_area", FilterSpec(date_to=date(2020, 12, 31)).to_store(), "?lang=en", "en")
    operations = {tuple(op["location"]): op for op in chosen["map"].to_plotly_json()["operations"]}
    assert set(operations) == {("layout", "map", "layers", slot)}  # the indicator's slot alone
    layer = operations[("layout", "map", "layers", slot)]["params"]["value"]
    assert layer["name"] == "indicator" and len(layer["source"]["features"]) == 3  # Peru, VRAEM, Bolivia in 2020
    assert parse_url_state(chosen["search"])[0].indicator == "coca_area"
    assert chosen["indicator"]["hidden"] is False and "2020" in chosen["indicator"]["legend"]
    # A filter change moves the year with the end of the date range; none chosen hides it all.
    views = draw_views(FilterSpec(date_to=date(2013, 6, 1)).to_store(), "en", "?ind=coca_area", ["shown"],
                       None, None, None, None)
    assert views["indicator"]["legend"].startswith("Coca cultivation (hectares), 2013")
    # None chosen: the hidden, empty panel (and the map's empty indicator layer) are left as drawn.
    plain = draw_views(FilterSpec().to_store(), "en", "", ["shown"], None, None, None, None)
    assert all(value is no_update for value in plain["indicator"].values())
    assert ("layout", "map", "layers", slot) not in {
        tuple(op["location"]) for op in plain["map"].to_plotly_json()["operations"]}
    cleared = on_indicator_chosen(None, FilterSpec().to_store(), "?ind=coca_area", "en")
    assert cleared["search"] == "" and cleared["indicator"]["hidden"] is True
    assert on_indicator_chosen({"forged": 1}, None, "", "en")["search"] is no_update  # no series: URL as it was


# ---- the command line ---------------------------------------------------------------------------
def test_ind017_cli_imports_lists_and_exports(tmp_path, monkeypatch, capsys):
    from dashboard.indicators_cli import main

    monkeypatch.setenv("RUTAS_DATA_DIR", str(tmp_path / "instance"))
    source = tmp_path / "mine.csv"
    source.write_text(_csv_text([_good_row(), _good_row(year="2021", source_url="javascript:alert(1)")]),
                      encoding="utf-8")
    assert main(["indicators", "import", str(source)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("kept 1 value(s) of 1 series; 1 problem(s)")
    assert "mine.csv, line 3, field 'source_url'" in err
    assert main(["indicators", "list", "--json"]) == 0
    listed = {row["series_id"]: row for row in json.loads(capsys.readouterr().out)}
    assert listed["my_series"]["values"] == 1 and listed["coca_area"]["years"] == "1999-2024"
    exported = tmp_path / "coca.csv"
    assert main(["indicators", "export", "--series", "coca_area", "--out", str(exported)]) == 0
    again = check_indicator_import(exported.read_text(encoding="utf-8"), PORTS, ())
    assert again.problems == [] and len(again.kept) == len(load_indicator_catalog(GEODATA_DIR).series_values("coca_area"))
    assert main(["indicators", "export", "--series", "nope"]) == 2
    assert "no series 'nope'" in capsys.readouterr().err
    source.write_text(_csv_text([_good_row(unit="tonnes")]), encoding="utf-8")
    assert main(["indicators", "import", str(source)]) == 2  # nothing kept


def test_ind018_alt_text_and_an_exports_source_line_name_every_publisher(catalog):
    date_range = (date(2005, 1, 1), date(2020, 12, 31))
    shown = [v for v in catalog.series_values("coca_area") if 2005 <= v.year <= 2020]
    publishers = {v.publisher for v in shown}
    assert len(publishers) > 6  # more than the screen's source line names
    exported = build_indicator_chart(catalog, "coca_area", date_range=date_range, max_sources=None)
    footer = exported.layout.annotations[-1].text.replace("<br>", " ")
    assert all(name in footer for name in publishers) and "more" not in footer
    screen = build_indicator_chart(catalog, "coca_area", date_range=date_range).layout.annotations[-1].text
    assert f"and {len(publishers) - 6} more" in screen.replace("<br>", " ")
    assert exported.layout.height >= screen.count("<br>") * 14  # the bottom margin holds every line
    alt = indicator_alt_text(catalog, "coca_area", date_range)
    assert alt.startswith("Chart of Coca cultivation (hectares) by year, 2005–2020")
    assert "Peru: two sources give different values in 2011" in alt and "Peru: the method changes in 2018" in alt
    assert all(name in alt for name in publishers)
    assert "VRAEM: 7 years with a value" in alt  # 2005, 2013-2017, 2020: the gaps are not counted


def test_ind019_an_imported_file_broken_by_hand_leaves_the_bundled_series_shown(tmp_path, caplog):
    from types import SimpleNamespace

    from dashboard.config import Settings
    from dashboard.state.views import indicator_catalog_of

    data_dir = tmp_path / "instance"
    data_dir.mkdir()
    (data_dir / "indicators.csv").write_text(_csv_text([_good_row(unit="tonnes")]), encoding="utf-8")
    with pytest.raises(DataFileError, match="line 2, field 'unit'"):
        load_indicator_catalog(GEODATA_DIR, data_dir)
    shown = indicator_catalog_of(SimpleNamespace(settings=Settings(data_dir=str(data_dir))))
    assert shown.values == load_indicator_catalog(GEODATA_DIR).values
    assert "imported indicator series left out" in caplog.text
