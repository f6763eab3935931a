"""Data exports (CSV, XLSX, GeoJSON): formula neutralisation, exact values, same events as the view."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import UTC, date, datetime, timedelta, timezone

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore
from dashboard.exports.spec import ExportContext
from dashboard.exports.tables import (
    ABOUT_SHEET,
    COLUMN_NOTES,
    EVENTS_SHEET,
    EXPORT_COLUMNS,
    FORMULA_PREFIXES,
    csv_sidecar_text,
    events_csv,
    events_geojson,
    events_xlsx,
    export_rows,
    looks_like_formula,
    metadata_rows,
    neutralise_cell,
    neutralise_csv_cell,
    plain_decimal,
    read_events_csv,
    sources_list,
    sources_text,
    xlsx_text,
)

EXPORTED_AT = datetime(2026, 5, 9, 10, 30, 5, tzinfo=UTC)
SEIZURES = FilterSpec(event_types=("drug_seizure",))
SPANISH = ("Apurímac", "Señor de los Cielos", "¿Dónde está? ¡Aquí, en Pichari! ñ Ñ ü")


def make_context(spec: FilterSpec = SEIZURES, *, title: str = "Incautaciones en el VRAEM",
                 subtitle: str = "Tipo: incautación · Apurímac", credit: str = "",
                 exported_at: datetime = EXPORTED_AT) -> ExportContext:
    return ExportContext(spec=spec, lang="es", title=title, subtitle=subtitle,
                         source_line="Fuente: Rutas — 49 eventos de 40 informes publicados",
                         alt_text="", permalink="https://rutas.example/?type=drug_seizure",
                         exported_at=exported_at, events=49, sources=40, credit=credit)


def load_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def formula_cells(workbook: openpyxl.Workbook) -> list[str]:
    return [f"{sheet.title}!{cell.coordinate}" for sheet in workbook.worksheets
            for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def xlsx_records(data: bytes) -> tuple[list[str], list[list[openpyxl.cell.Cell]]]:
    rows = list(load_xlsx(data)[EVENTS_SHEET].iter_rows())
    return [c.value for c in rows[0]], [list(r) for r in rows[1:]]


@pytest.fixture(scope="module")
def seizure_rows(store):
    return export_rows(store, SEIZURES)


def hostile_store(bundled) -> InMemoryEventStore:
    """Three bundled events with formula-looking and accented text in several columns."""
    events = bundled.events.head(3).copy().reset_index(drop=True)
    events.at[0, "summary"] = '=HYPERLINK("http://evil.example","clic")'
    events.at[0, "actors"] = ("@SUM(A1)", "Señor de los Cielos")
    events.at[1, "location"] = "+cmd|' /C calc'!A0"
    events.at[1, "source_name"] = "-Señor"
    events.at[2, "admin1"] = "Apurímac"
    events.at[2, "summary"] = "\tTabbed, \"quoted\"\nand on two lines"
    return InMemoryEventStore(events)


def assert_no_formula_for_a_semicolon_reader(data: bytes) -> None:
    """Read the CSV as a European Excel might (cells split at every ';', rows at every line
    break, quotes ignored): no piece's first visible character starts a formula unless the
    piece is a number."""
    for line in re.split("\r\n|\r|\n", data.decode("utf-8-sig")):
        for piece in line.split(";"):
            if looks_like_formula(piece.lstrip("\t\r")):  # a tab alone runs nothing
                float(piece.split(",")[0])


# ---- neutralise_cell ---------------------------------------------------------------------------
def test_exp040_neutralise_cell_prefixes_text_only():
    for prefix in FORMULA_PREFIXES:
        assert neutralise_cell(prefix + "1+2") == "'" + prefix + "1+2"
    assert neutralise_cell("-5") == "'-5"  # text that looks like a number is still text
    for number in (-5, -5.0, 0, 1e300, -1e-300, True, False, None):
        assert neutralise_cell(number) is number
    for safe in ("", "a=b", "'=already", "Apurímac", "#N/A", "1-2", "\u200b", "x;=a"):
        assert neutralise_cell(safe) == safe
    assert neutralise_cell(" =space") == "' =space"  # the first *visible* character counts


def test_exp041_format_number_is_plain_exact_decimal():
    assert plain_decimal(550.0) == "550"
    assert plain_decimal(-77.13) == "-77.13"
    assert plain_decimal(1e-05) == "0.00001"
    assert plain_decimal(-5) == "-5"
    assert plain_decimal(True) == "true"
    assert plain_decimal(None) == plain_decimal(math.nan) == plain_decimal(math.inf) == ""
    for value in (0.1 + 0.2, 1e16, 5e-324, -0.0, 1.7976931348623157e308):
        text = plain_decimal(value)
        assert "e" not in text.lower()
        assert repr(float(text)) == repr(value)


# Formula starts a spreadsheet sees that a plain startswith misses: full-width forms, invisible prefixes.
FULL_WIDTH = ("\uff1d", "\uff0b", "\uff0d", "\uff20")  # ＝＋－＠
INVISIBLE = ("\u200b", "\ufeff", "\xa0", "\t", "\r", " ", "\u200b\xa0")
HIDDEN_PREFIXES = FULL_WIDTH + tuple(i + f for i in INVISIBLE for f in ("=", "+", "-", "@"))


# ---- property: CSV and XLSX round trips ----------------------------------------------------------
ALPHABET = st.characters(codec="utf-8") | st.sampled_from(list("ñáéíóú¿¡ÑÁ=+-@\t\r\n\",;'#＝＋－＠\u200b\ufeff\xa0"))
PLAIN_TEXT = st.text(ALPHABET, max_size=25)
TEXT = PLAIN_TEXT | st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(FORMULA_PREFIXES + HIDDEN_PREFIXES),
                              PLAIN_TEXT) | st.sampled_from(SPANISH + ("-5", "=1+2", "@x", "#N/A", "0004", "x;=1+2"))
NUMBER = (st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**15, 10**15)
          | st.sampled_from([0.1 + 0.2, -0.0, 5e-324, 1e-300, -1e300, 1.7976931348623157e308]) | st.none())
ROWS = st.lists(st.fixed_dictionaries({"event_id": TEXT, "summary": TEXT, "latitude": NUMBER,
                                       "quantity_kg": NUMBER, "synthetic": st.booleans()}),
                min_size=1, max_size=6)
TEXT_COLUMNS, NUMBER_COLUMNS = ("event_id", "summary"), ("latitude", "quantity_kg")
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(rows=ROWS, title=TEXT, block=st.booleans())
def test_exp042_csv_round_trip_neutralises_text_and_keeps_everything_else(rows, title, block):
    data = events_csv(rows, make_context(title=title), metadata_block=block)
    metadata, read = read_events_csv(data)
    assert bool(metadata) == block  # the '#' rows only when asked for
    assert len(read) == len(rows)
    assert list(read[0]) == list(rows[0])
    for original, cells in zip(rows, read):
        for name in TEXT_COLUMNS:
            value = original[name]
            assert cells[name] == neutralise_csv_cell(value)
            assert cells[name].replace("'", "") == value.replace("'", "")  # only apostrophes are added
            if looks_like_formula(value):
                assert cells[name] == "'" + value or cells[name].startswith("'" + value[:1])
        for name in NUMBER_COLUMNS:
            value = original[name]
            if value is None:
                assert cells[name] == ""
            elif isinstance(value, int):
                assert int(cells[name]) == value
            else:
                assert repr(float(cells[name])) == repr(value)
        assert cells["synthetic"] == ("true" if original["synthetic"] else "false")
    assert not block or not looks_like_formula(metadata["title"])
    # Nowhere in the file does a field start like a formula, except numbers in numeric columns.
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header_at = len(metadata)
    for record in records[header_at + 1:]:
        for name, field in zip(records[header_at], record):
            if looks_like_formula(field):
                assert name in NUMBER_COLUMNS and field.startswith("-")
                float(field)  # a negative number, which no spreadsheet reads as a formula
    assert all(len(r) == 1 and not looks_like_formula(r[0]) for r in records[:header_at])
    assert_no_formula_for_a_semicolon_reader(data)


@PROPERTY
@given(rows=ROWS, title=TEXT)
def test_exp043_xlsx_round_trip_has_no_formulas_and_exact_numbers(rows, title):
    data = events_xlsx(rows, make_context(title=title))
    workbook = load_xlsx(data)
    assert formula_cells(workbook) == []
    header, cells = xlsx_records(data)
    assert header == list(rows[0])
    for original, row in zip(rows, cells):
        by_name = dict(zip(header, row))
        for name in TEXT_COLUMNS:
            value, cell = original[name], by_name[name]
            if value == "":
                assert cell.value is None
                continue
            assert cell.data_type == "s"
            assert cell.value == xlsx_text(value)
            assert not cell.value.startswith(FORMULA_PREFIXES)
            if not any(ch == "\r" or (ord(ch) < 32 and ch not in "\t\n") or ch in "\ufffe\uffff"
                       for ch in value):
                assert cell.value == neutralise_cell(value)  # nothing else is ever changed
        for name in NUMBER_COLUMNS:
            value, cell = original[name], by_name[name]
            if value is None:
                assert cell.value is None
            else:
                assert cell.data_type == "n"
                assert cell.value == value and repr(cell.value) == repr(value)
        assert by_name["synthetic"].data_type == "b"
        assert by_name["synthetic"].value is original["synthetic"]
    about = {row[0]: row[1] for row in workbook[ABOUT_SHEET].iter_rows(values_only=True) if row[0]}
    assert about["title"] == (xlsx_text(title) if title else None)


# ---- CSV: semicolon spreadsheets, full-width and invisible prefixes ----------------------------------
@pytest.mark.parametrize("text", [*(f + "1+2" for f in FULL_WIDTH), *(i + f + "cmd" for i in INVISIBLE
                                                                       for f in ("=", "+", "-", "@", *FULL_WIDTH)),
                                  "\tplain", "\rplain", '"=1+2"', "\u202e=1", "\u3164@x"])
def test_exp060_hidden_formula_starts_are_neutralised(text):
    assert looks_like_formula(text)
    assert neutralise_cell(text) == "'" + text
    if "\r" not in text:  # in CSV a CR may start a row, so the piece after it is tested again
        assert neutralise_csv_cell(text) == "'" + text
    assert neutralise_csv_cell("\r=cmd") == "'\r'=cmd"
    assert xlsx_text(text).startswith("'")


def test_exp061_a_semicolon_spreadsheet_never_finds_a_formula_in_a_cell():
    hyperlink = 'x;=HYPERLINK("http://evil.example","clic")'
    rows = [{"event_id": "e1", "summary": hyperlink, "actors": "Señor; @SUM(A1); \u200b＝cmd", "fatalities": -5},
            {"event_id": "e2", "summary": "uno\n=cmd|' /C calc'!A0;dos", "actors": "a;b", "fatalities": 3}]
    data = events_csv(rows, make_context(title="x;=1+2"), metadata_block=True)
    metadata, read = read_events_csv(data)
    assert read[0]["summary"] == 'x;\'=HYPERLINK("http://evil.example","clic")'
    assert read[0]["actors"] == "Señor;' @SUM(A1);' \u200b＝cmd"  # the apostrophe opens the piece
    assert read[1]["summary"] == "uno\n'=cmd|' /C calc'!A0;dos"
    assert read[1]["actors"] == "a;b" and metadata["title"] == "x;'=1+2"
    text = data.decode("utf-8-sig")
    assert '"x;\'=HYPERLINK(""http://evil.example"",""clic"")"' in text  # a cell with ';' is quoted
    assert ',"a;b",3\r\n' in text and "\r\n\"# title: x;'=1+2\"\r\n" in "\r\n" + text
    assert ",-5\r\n" in text  # a number is never quoted nor prefixed
    assert_no_formula_for_a_semicolon_reader(data)


def test_exp062_pandas_reads_neutralised_text_and_numbers_back():
    texts = ['x;=HYPERLINK("http://evil.example","clic")', "＝1+2", "\u200b=1", "\xa0@x", "\ufeff+1", "\t-2",
             "plain; with, comma", 'say "hi"', "Apurímac"]
    rows = [{"event_id": f"e{i}", "summary": text, "fatalities": -i, "latitude": -12.5 - i, "synthetic": i % 2 == 0}
            for i, text in enumerate(texts)]
    data = events_csv(rows, make_context())
    _, read = read_events_csv(data)
    frame = pd.read_csv(io.BytesIO(data))  # defaults: the header is line 1
    assert frame["summary"].tolist() == [neutralise_csv_cell(t) for t in texts] == [r["summary"] for r in read]
    assert frame["fatalities"].tolist() == [-i for i in range(len(texts))]  # negative numbers stay numbers
    assert frame["fatalities"].dtype.kind == "i" and frame["latitude"].dtype.kind == "f"
    assert frame["latitude"].tolist() == [-12.5 - i for i in range(len(texts))]
    assert frame["synthetic"].tolist() == [i % 2 == 0 for i in range(len(texts))]


# ---- header block / about sheet ------------------------------------------------------------------
def test_exp044_csv_is_utf8_with_bom_crlf_and_the_header_on_line_1(seizure_rows):
    context = make_context(title="=cmd|' /C calc'!A0", subtitle="Tipo: incautación,\nApurímac")
    plain = events_csv(seizure_rows, context)
    assert plain.startswith(b"\xef\xbb\xbf" + ",".join(EXPORT_COLUMNS).encode() + b"\r\n")
    assert b"\r\n" in plain and b"\n" not in plain.replace(b"\r\n", b"")  # bundled text has no breaks
    assert b"# " not in plain.split(b"\r\n")[1]
    data = events_csv(seizure_rows, context, metadata_block=True)  # the opt-in self-describing file
    metadata, rows = read_events_csv(data)
    assert metadata["title"] == "'=cmd|' /C calc'!A0"
    assert metadata["filters"] == "Tipo: incautación, Apurímac"
    assert metadata["exported_at"] == "2026-05-09T10:30:05Z"
    assert metadata["events"] == "49" and metadata["published_reports"] == "40"
    assert metadata["permalink"] == "https://rutas.example/?type=drug_seizure"
    assert metadata["language"] == "es" and "apostrophe" in metadata["note"]
    assert "credit" not in metadata
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[len(metadata)].startswith("event_id,event_date,")  # no blank line before the header
    assert len(rows) == len(seizure_rows) and read_events_csv(plain) == ({}, rows)


def test_exp045_metadata_rows_record_filters_time_and_credit():
    moment = datetime(2026, 5, 9, 5, 30, tzinfo=timezone(timedelta(hours=-5)))  # Lima
    rows = dict(metadata_rows(make_context(credit="Unidad de datos", exported_at=moment)))
    assert list(rows) == ["title", "filters", "events", "published_reports", "source_line",
                          "permalink", "exported_at", "language", "credit", "note"]
    assert rows["exported_at"] == "2026-05-09T10:30:00Z"
    assert rows["filters"] == "Tipo: incautación · Apurímac"
    assert rows["credit"] == "Unidad de datos"
    assert all(isinstance(value, str) for value in rows.values())


def test_exp046_xlsx_about_sheet_and_layout(seizure_rows):
    data = events_xlsx(seizure_rows, make_context(title="=1+2", credit="@rutas"))
    workbook = load_xlsx(data)
    assert workbook.sheetnames == [EVENTS_SHEET, ABOUT_SHEET]
    events = workbook[EVENTS_SHEET]
    assert events.freeze_panes == "A2"
    assert all(cell.font.b for cell in events[1])
    assert [c.value for c in events[1]] == list(EXPORT_COLUMNS)
    assert events.max_row == len(seizure_rows) + 1
    widths = [events.column_dimensions[c].width for c in ("A", "S")]
    assert 8 <= widths[0] < widths[1] <= 60  # event_id narrow, summary wide
    about_rows = list(workbook[ABOUT_SHEET].iter_rows(values_only=True))
    about = {row[0]: row[1] for row in about_rows if row[0]}
    assert about["title"] == "'=1+2" and about["credit"] == "'@rutas"
    assert about["filters"] == "Tipo: incautación · Apurímac"
    assert about["exported_at"] == "2026-05-09T10:30:05Z"
    assert about["events"] == 49
    start = [row[0] for row in about_rows].index("source_name")
    listed = [row for row in about_rows[start + 1:]]
    assert listed == [tuple(s) for s in sources_list(seizure_rows)]
    assert sum(row[2] for row in listed) == len(seizure_rows)
    assert formula_cells(workbook) == []


def test_exp047_xlsx_replaces_only_xml_illegal_characters_csv_keeps_them():
    rows = [{"event_id": "a\x00b\x1fc\ufffe", "summary": "uno\r\ndos\rtres\tcuatro", "latitude": -1.5}]
    workbook = load_xlsx(events_xlsx(rows, make_context()))
    values = [c.value for c in workbook[EVENTS_SHEET][2]]
    assert values == ["a\ufffdb\ufffdc\ufffd", "uno\ndos\ntres\tcuatro", -1.5]
    _, read = read_events_csv(events_csv(rows, make_context()))
    assert read == [{"event_id": "a\x00b\x1fc\ufffe", "summary": "uno\r\ndos\rtres\tcuatro",
                     "latitude": "-1.5"}]


def test_exp048_xlsx_text_that_excel_would_guess_stays_text():
    rows = [{"event_id": "#N/A", "summary": "0004", "location": "TRUE", "admin1": "=A1"}]
    workbook = load_xlsx(events_xlsx(rows, make_context()))
    cells = workbook[EVENTS_SHEET][2]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s"]
    assert [c.value for c in cells] == ["#N/A", "0004", "TRUE", "'=A1"]


def test_exp049_numbers_are_never_altered():
    rows = [{"fatalities": -5, "quantity_kg": 0.1 + 0.2, "latitude": -0.0, "longitude": 1e-300}]
    _, read = read_events_csv(events_csv(rows, make_context()))
    assert read[0] == {"fatalities": "-5", "quantity_kg": "0.30000000000000004", "latitude": "-0",
                       "longitude": plain_decimal(1e-300)}
    cells = load_xlsx(events_xlsx(rows, make_context()))[EVENTS_SHEET][2]
    assert [c.data_type for c in cells] == ["n"] * 4
    assert [repr(c.value) for c in cells] == ["-5", "0.30000000000000004", "-0.0", "1e-300"]


# ---- export_rows over the store ------------------------------------------------------------------
def test_exp050_export_rows_match_the_view(store, seizure_rows):
    assert len(seizure_rows) == store.count(SEIZURES) == 49
    assert all(list(row) == list(EXPORT_COLUMNS) for row in seizure_rows)
    keys = [(row["event_date"], row["event_id"]) for row in seizure_rows]
    assert keys == sorted(keys)
    view = store.rows(SEIZURES, ("event_id",), limit=None)["event_id"]
    assert sorted(row["event_id"] for row in seizure_rows) == sorted(view)
    first = seizure_rows[0]
    date.fromisoformat(first["event_date"])
    assert isinstance(first["latitude"], float) and isinstance(first["synthetic"], bool)
    assert first["sources"] == f"{first['source_name']} — {first['source_url']}"
    assert all(row["fatalities"] is None or isinstance(row["fatalities"], int) for row in seizure_rows)
    assert any(row["fatalities"] is None for row in seizure_rows)  # NaN in the store → None


def test_exp051_export_rows_sort_by_date_then_id(bundled):
    events = bundled.events.head(4).copy().reset_index(drop=True)
    events["event_id"] = ["x:b", "x:a", "x:c", "x:0"]
    events["event_date"] = [date(2020, 1, 2), date(2020, 1, 2), date(2019, 5, 1), date(2021, 1, 1)]
    events.at[0, "actors"] = ("Sendero Luminoso", "Policía Nacional")
    rows = export_rows(InMemoryEventStore(events), FilterSpec())
    assert [r["event_id"] for r in rows] == ["x:c", "x:a", "x:b", "x:0"]
    assert rows[2]["actors"] == "Sendero Luminoso; Policía Nacional"
    assert rows[0]["event_date"] == "2019-05-01"


def test_exp052_hostile_store_text_neutralised_in_sheets_raw_in_geojson(bundled):
    store = hostile_store(bundled)
    rows = export_rows(store, FilterSpec())
    context = make_context(FilterSpec())
    _, read = read_events_csv(events_csv(rows, context))
    by_id = {r["event_id"]: r for r in read}
    ids = bundled.events["event_id"].head(3).tolist()
    assert by_id[ids[0]]["summary"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert by_id[ids[0]]["actors"] == "'@SUM(A1); Señor de los Cielos"
    assert by_id[ids[1]]["location"] == "'+cmd|' /C calc'!A0"
    assert by_id[ids[1]]["source_name"] == "'-Señor"
    assert by_id[ids[1]]["sources"].startswith("'-Señor — http")
    assert by_id[ids[2]]["admin1"] == "Apurímac"
    assert by_id[ids[2]]["summary"] == "'\tTabbed, \"quoted\"\nand on two lines"

    workbook = load_xlsx(events_xlsx(rows, context))
    assert formula_cells(workbook) == []
    header, cells = xlsx_records(events_xlsx(rows, context))
    sheet = {r[0].value: dict(zip(header, (c.value for c in r))) for r in cells}
    assert sheet[ids[0]]["summary"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert sheet[ids[2]]["admin1"] == "Apurímac"
    assert sheet[ids[0]]["actors"] == "'@SUM(A1); Señor de los Cielos"

    data = events_geojson(rows, context)
    properties = {f["id"]: f["properties"] for f in json.loads(data)["features"]}
    assert properties[ids[0]]["summary"] == '=HYPERLINK("http://evil.example","clic")'
    assert properties[ids[1]]["source_name"] == "-Señor"
    assert "Señor de los Cielos".encode() in data and "Apurímac".encode() in data  # not \u escapes


def test_exp053_spanish_text_intact_in_every_format():
    rows = [{"event_id": f"es:{i}", "location": text, "latitude": -12.5, "longitude": -73.9}
            for i, text in enumerate(SPANISH)]
    _, read = read_events_csv(events_csv(rows, make_context()))
    assert [r["location"] for r in read] == list(SPANISH)
    frame = pd.read_excel(io.BytesIO(events_xlsx(rows, make_context())), sheet_name=EVENTS_SHEET)
    assert frame["location"].tolist() == list(SPANISH)
    features = json.loads(events_geojson(rows, make_context()).decode("utf-8"))["features"]
    assert [f["properties"]["location"] for f in features] == list(SPANISH)


def test_exp054_pandas_reads_the_csv_after_the_opt_in_header_block(seizure_rows):
    data = events_csv(seizure_rows, make_context(subtitle="dos\nlíneas, con coma"), metadata_block=True)
    metadata, rows = read_events_csv(data)
    frame = pd.read_csv(io.BytesIO(data), skiprows=len(metadata), dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    assert frame.to_dict("records") == rows
    assert frame["quantity_kg"].replace("", "nan").astype(float).notna().sum() > 0


# ---- GeoJSON ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [SEIZURES, FilterSpec(), FilterSpec(text="Apurímac")])
def test_exp055_geojson_has_the_views_features_and_coordinates(store, spec):
    rows = export_rows(store, spec)
    data = events_geojson(rows, make_context(spec))
    collection = json.loads(data)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == store.count(spec)
    view = store.rows(spec, ("event_id", "latitude", "longitude"), limit=None)
    expected = {i: (lon, lat) for i, lat, lon in zip(view["event_id"], view["latitude"], view["longitude"])}
    assert [f["id"] for f in features] == [r["event_id"] for r in rows]
    assert {f["id"] for f in features} == set(expected)
    for feature in features:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        assert tuple(feature["geometry"]["coordinates"]) == expected[feature["id"]]
        assert list(feature["properties"]) == list(EXPORT_COLUMNS)
    assert b"NaN" not in data


def test_exp056_geojson_nan_is_null_and_metadata_is_a_foreign_member(seizure_rows):
    collection = json.loads(events_geojson(seizure_rows, make_context(credit="Rutas")))
    assert any(f["properties"]["fatalities"] is None for f in collection["features"])
    meta = collection["rutas"]
    assert meta["filters"] == "Tipo: incautación · Apurímac"
    assert meta["exported_at"] == "2026-05-09T10:30:05Z"
    assert meta["events"] == 49 and meta["credit"] == "Rutas"
    rows = [{"event_id": "n", "latitude": math.nan, "longitude": -70.0, "quantity_kg": math.inf,
             "summary": "=raw"}]
    feature = json.loads(events_geojson(rows, make_context()))["features"][0]
    assert feature["geometry"] is None  # RFC 7946: an unlocated feature has a null geometry
    assert feature["properties"] == {"event_id": "n", "latitude": None, "longitude": -70.0,
                                     "quantity_kg": None, "summary": "=raw"}


def test_exp057_empty_view_exports_are_valid():
    context = make_context(FilterSpec(text="zz-no-match"))
    metadata, rows = read_events_csv(events_csv([], context, metadata_block=True))
    assert rows == [] and metadata["exported_at"] == "2026-05-09T10:30:05Z"
    data = events_csv([], context).decode("utf-8-sig")
    assert data.rstrip("\r\n").split("\r\n")[-1] == ",".join(EXPORT_COLUMNS)
    workbook = load_xlsx(events_xlsx([], context))
    assert [c.value for c in workbook[EVENTS_SHEET][1]] == list(EXPORT_COLUMNS)
    assert json.loads(events_geojson([], context))["features"] == []


# ---- sources -----------------------------------------------------------------------------------------
def test_exp058_sources_list_and_text(seizure_rows):
    listed = sources_list(seizure_rows)
    counts = [n for _, _, n in listed]
    assert counts == sorted(counts, reverse=True) and sum(counts) == len(seizure_rows)
    assert len({(name, url) for name, url, _ in listed}) == len(listed)
    text = sources_text(seizure_rows, make_context())
    lines = text.splitlines()
    assert lines[0] == "Fuentes — Incautaciones en el VRAEM"
    assert lines[2] == "2026-05-09T10:30:05Z"
    name, url, n = listed[0]
    assert lines[4].strip() == f"1. {name} — {url} (eventos: {n})"
    assert len(lines) == 4 + len(listed)
    assert sources_list([{"source_name": "", "source_url": ""}]) == []


def test_exp059_xlsx_refuses_more_rows_than_a_sheet_holds(monkeypatch):
    import dashboard.exports.tables as tables

    monkeypatch.setattr(tables, "XLSX_MAX_ROWS", 2)
    rows = [{"event_id": f"e{i}", "summary": "x"} for i in range(3)]
    with pytest.raises(ValueError, match="at most 2 rows"):
        tables.events_xlsx(rows, None)
    assert tables.events_xlsx(rows[:2], make_context())[:2] == b"PK"


# ---- data files that open clean (issue 15) -----------------------------------------------------------
def assert_frame_holds_the_rows(frame: pd.DataFrame, rows: list[dict]) -> None:
    """A frame read with pandas defaults has the export's columns, rows and values."""
    assert list(frame.columns) == list(EXPORT_COLUMNS)  # the BOM is not glued to the first name
    assert len(frame) == len(rows)
    assert frame["event_id"].tolist() == [r["event_id"] for r in rows]
    assert frame["event_date"].tolist() == [r["event_date"] for r in rows]
    assert pd.to_datetime(frame["event_date"], format="%Y-%m-%d").notna().all()
    for name in ("quantity_kg", "latitude", "longitude", "fatalities"):
        assert frame[name].dtype.kind in "if", name  # numbers, not text
        expected = [math.nan if r[name] is None else r[name] for r in rows]
        assert frame[name].tolist() == pytest.approx(expected, nan_ok=True, rel=0, abs=0), name
    assert frame["actors"].fillna("").tolist() == [r["actors"] for r in rows]
    assert frame["synthetic"].tolist() == [r["synthetic"] for r in rows]


def test_dfc001_pandas_reads_the_csv_export_with_defaults(seizure_rows):
    frame = pd.read_csv(io.BytesIO(events_csv(seizure_rows, make_context())))
    assert_frame_holds_the_rows(frame, seizure_rows)
    assert frame["quantity_kg"].isna().sum() == sum(r["quantity_kg"] is None for r in seizure_rows) > 0
    assert any("; " in r["actors"] for r in seizure_rows)  # several actors stay one cell


def test_dfc002_python_csv_and_a_semicolon_free_first_line_read_the_header(seizure_rows):
    data = events_csv(seizure_rows, make_context())
    text = data.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == list(EXPORT_COLUMNS)
    assert {len(record) for record in records} == {len(EXPORT_COLUMNS)}  # rectangular
    assert not any(line.startswith("#") for line in text.split("\r\n"))


def test_dfc003_sidecar_records_the_view_and_explains_the_columns(seizure_rows):
    context = make_context(credit="Unidad de datos", subtitle="Tipo: incautación\nApurímac")
    text = csv_sidecar_text(seizure_rows, context, "rutas-events-x.csv")
    lines = text.splitlines()
    assert lines[0] == "About rutas-events-x.csv"
    fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    assert fields["title"] == "Incautaciones en el VRAEM"
    assert fields["filters"] == "Tipo: incautación Apurímac"  # one line per key
    assert fields["exported_at"] == "2026-05-09T10:30:05Z" and fields["credit"] == "Unidad de datos"
    assert fields["permalink"] == "https://rutas.example/?type=drug_seizure"
    assert fields["rows"] == str(len(seizure_rows))
    assert fields["columns"] == ", ".join(EXPORT_COLUMNS)
    assert fields["quantity_kg"] == COLUMN_NOTES["quantity_kg"] and "kilograms" in fields["quantity_kg"]
    partial = csv_sidecar_text([{"event_id": "a", "summary": "b"}], context)
    assert "columns: event_id, summary" in partial and "quantity_kg:" not in partial


def test_dfc004_xlsx_dates_are_dates_numbers_numbers_blanks_empty(seizure_rows):
    workbook = load_xlsx(events_xlsx(seizure_rows, make_context()))
    assert workbook.sheetnames == [EVENTS_SHEET, ABOUT_SHEET]  # the metadata on the second sheet
    sheet = workbook[EVENTS_SHEET]
    header = [c.value for c in sheet[1]]
    column = {name: index for index, name in enumerate(header)}
    for row, cells in zip(seizure_rows, sheet.iter_rows(min_row=2)):
        day = cells[column["event_date"]]
        assert day.is_date and day.number_format == "yyyy-mm-dd"
        assert day.value.date() == date.fromisoformat(row["event_date"])
        for name in ("quantity_kg", "fatalities", "latitude"):
            cell = cells[column[name]]
            if row[name] is None:
                assert cell.value is None and cell.data_type == "n"  # an empty cell, not ""
            else:
                assert cell.data_type == "n" and cell.value == row[name]
    frame = pd.read_excel(io.BytesIO(events_xlsx(seizure_rows, make_context())), sheet_name=EVENTS_SHEET)
    assert frame["event_date"].dtype.kind == "M"
    assert frame["event_date"].dt.strftime("%Y-%m-%d").tolist() == [r["event_date"] for r in seizure_rows]
    assert frame["quantity_kg"].dtype.kind == "f" and frame["quantity_kg"].isna().any()


def test_dfc005_xlsx_keeps_dates_excel_cannot_hold_as_text():
    rows = [{"event_id": "old", "event_date": "1899-12-31"}, {"event_id": "leap", "event_date": "1900-02-28"},
            {"event_id": "first", "event_date": "1900-03-01"}, {"event_id": "none", "event_date": ""},
            {"event_id": "odd", "event_date": "=1+2"}]
    cells = {r[0].value: r[1] for r in load_xlsx(events_xlsx(rows, make_context()))[EVENTS_SHEET].iter_rows(min_row=2)}
    assert cells["old"].value == "1899-12-31" and cells["old"].data_type == "s"
    assert cells["leap"].value == "1900-02-28" and not cells["leap"].is_date
    assert cells["first"].is_date and cells["first"].value == datetime(1900, 3, 1)
    assert cells["none"].value is None
    assert cells["odd"].value == "'=1+2"  # not a date: text, neutralised as ever


def test_dfc006_data_files_record_every_filter_even_those_the_title_states(seizure_rows):
    from dataclasses import replace

    context = replace(make_context(subtitle=""), filters="2019-01-01 – 2024-12-31 · Drug seizure")
    assert dict(metadata_rows(context))["filters"] == "2019-01-01 – 2024-12-31 · Drug seizure"
    assert "filters: 2019-01-01 – 2024-12-31 · Drug seizure" in csv_sidecar_text(seizure_rows, context).splitlines()
    about = {row[0]: row[1] for row in load_xlsx(events_xlsx(seizure_rows, context))[ABOUT_SHEET].iter_rows(
        values_only=True) if row[0]}
    assert about["filters"] == "2019-01-01 – 2024-12-31 · Drug seizure"
    assert dict(metadata_rows(make_context()))["filters"] == "Tipo: incautación · Apurímac"  # older callers
