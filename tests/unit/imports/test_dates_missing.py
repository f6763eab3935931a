"""Dates as researchers' files write them, and missing values (NA, NULL, -, NaN…) read as missing.

Fixtures in tests/fixtures/imports/dates/ (see its README): rows of real events from
geodata/events.csv laid out as R and Excel write them.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard.data.imports.base import ImportLimits
from dashboard.data.imports.columns import FieldReader, candidate_values_from_fields, split_actors
from dashboard.data.imports.pipeline import import_bytes
from dashboard.data.imports.values import (
    EXCEL_SERIAL_FIRST_DAY,
    EXCEL_SERIAL_LAST_DAY,
    MISSING_MARKERS,
    date_from_excel_serial,
    decide_date_order,
    expand_two_digit_year,
    is_missing,
    parse_date,
    parse_number,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports" / "dates"
THIS_YEAR = 2025
D = date

SPELLINGS = [
    # two-digit years, as Excel writes them (pivot: 20yy unless after this year)
    ("9-May-20", D(2020, 5, 9), "day"), ("09-May-20", D(2020, 5, 9), "day"), ("9-may-20", D(2020, 5, 9), "day"),
    ("09 May 20", D(2020, 5, 9), "day"), ("27/04/20", D(2020, 4, 27), "day"), ("4/27/20", D(2020, 4, 27), "day"),
    ("18-MAR-97", D(1997, 3, 18), "day"), ("Mar-20", D(2020, 3, 1), "month"),
    # Excel serial dates (1900 system)
    ("43960", D(2020, 5, 9), "day"), ("43960.5", D(2020, 5, 9), "day"), ("42812", D(2017, 3, 18), "day"),
    # ISO, with time and zone (the day as written; the zone does not move it)
    ("2017-03-18", D(2017, 3, 18), "day"), ("2017-03-18T14:30:00Z", D(2017, 3, 18), "day"),
    ("2017-03-18 14:30:00+05:00", D(2017, 3, 18), "day"), ("2017-03-18 00:00:00.000", D(2017, 3, 18), "day"),
    ("2017-03-18T23:59:59-05:00", D(2017, 3, 18), "day"), ("2017-3-8", D(2017, 3, 8), "day"),
    ("2017/03/18", D(2017, 3, 18), "day"), ("20170318", D(2017, 3, 18), "day"),
    # numeric day first, any separator, with Excel's time of day
    ("18/03/2017", D(2017, 3, 18), "day"), ("18.03.2017", D(2017, 3, 18), "day"),
    ("18-03-2017", D(2017, 3, 18), "day"), ("03/18/2017", D(2017, 3, 18), "day"),
    ("4/27/2020 0:00", D(2020, 4, 27), "day"), ("27/04/2020 14:05:00", D(2020, 4, 27), "day"),
    ("4/27/2020 12:30 PM", D(2020, 4, 27), "day"),
    # month names, English and Spanish, any case, abbreviated or not, with or without "de"
    ("18 March 2017", D(2017, 3, 18), "day"), ("18-Mar-2017", D(2017, 3, 18), "day"),
    ("18 mar. 2017", D(2017, 3, 18), "day"), ("March 18, 2017", D(2017, 3, 18), "day"),
    ("SEPT. 18, 2017", D(2017, 9, 18), "day"), ("18th March 2017", D(2017, 3, 18), "day"),
    ("Saturday, 18 March 2017", D(2017, 3, 18), "day"), ("9 de mayo de 2020", D(2020, 5, 9), "day"),
    ("9 DE MAYO DEL 2020", D(2020, 5, 9), "day"), ("lunes, 9 de mayo de 2020", D(2020, 5, 9), "day"),
    ("18 setiembre 2017", D(2017, 9, 18), "day"), ("1 ene 2019", D(2019, 1, 1), "day"),
    # month and year only
    ("mayo de 2020", D(2020, 5, 1), "month"), ("May 2020", D(2020, 5, 1), "month"),
    ("Mar-2017", D(2017, 3, 1), "month"), ("DICIEMBRE 2005", D(2005, 12, 1), "month"),
    ("2017-03", D(2017, 3, 1), "month"), ("03/2017", D(2017, 3, 1), "month"),
    # year only, also as a float column writes it
    ("2017", D(2017, 1, 1), "year"), ("2017.0", D(2017, 1, 1), "year"), (2017, D(2017, 1, 1), "year"),
    ("  2017-03-18  ", D(2017, 3, 18), "day"),
]


@pytest.mark.parametrize("text, expected_day, precision", SPELLINGS)
def test_dtm001_real_world_date_spellings(text, expected_day, precision):
    assert parse_date(text, this_year=THIS_YEAR) == (expected_day, precision)


@pytest.mark.parametrize("this_year, two_digits, expected", [
    (2025, 0, 2000), (2025, 25, 2025), (2025, 26, 1926), (2025, 89, 1989), (2025, 97, 1997), (2025, 99, 1999),
    (2000, 0, 2000), (2000, 1, 1901), (2069, 69, 2069), (2069, 70, 1970),
])
def test_dtm002_two_digit_year_pivot_at_its_edges(this_year, two_digits, expected):
    assert expand_two_digit_year(two_digits, this_year) == expected
    text = f"1/1/{two_digits:02d}"
    assert parse_date(text, this_year=this_year) == (D(expected, 1, 1), "day")
    assert parse_date(f"9-May-{two_digits:02d}", this_year=this_year)[0] == D(expected, 5, 9)


def test_dtm003_excel_serials_and_the_1900_leap_day_that_never_was():
    assert date_from_excel_serial(1) == D(1900, 1, 1)
    assert date_from_excel_serial(59) == D(1900, 2, 28)
    with pytest.raises(ValueError, match="29 February 1900, a day that does not exist"):
        date_from_excel_serial(60)
    assert date_from_excel_serial(61) == D(1900, 3, 1)
    assert date_from_excel_serial(43960.99) == D(2020, 5, 9)
    first = (EXCEL_SERIAL_FIRST_DAY - D(1899, 12, 30)).days
    last = (EXCEL_SERIAL_LAST_DAY - D(1899, 12, 30)).days
    assert parse_date(str(first)) == (EXCEL_SERIAL_FIRST_DAY, "day")
    assert parse_date(str(last)) == (EXCEL_SERIAL_LAST_DAY, "day")
    for outside in (first - 1, last + 1):
        with pytest.raises(ValueError, match="read as an Excel serial date is .* outside 1950..2099"):
            parse_date(str(outside))
    assert parse_date("2017") == (D(2017, 1, 1), "year")  # four digits stay a year
    with pytest.raises(ValueError, match="not a date this importer reads"):
        parse_date("123456")


@pytest.mark.parametrize("text, message", [
    ("yesterday", "'yesterday' is not a date this importer reads (e.g. 2017-03-18, 18/03/2017, 18 March 2017"),
    ("31/02/2020", "'31/02/2020' is not a real date"),
    ("29-Feb-19", "'29-Feb-19' is not a real date"),
    ("2021-13-01", "'2021-13-01' is not a real date"),
    ("18 Marchh 2017", "unknown month 'Marchh'"),
    ("NA", "no date"), ("", "no date"), (None, "no date"), (float("nan"), "no date"),
])
def test_dtm004_unreadable_dates_say_why_and_what_is_accepted(text, message):
    with pytest.raises(ValueError) as error:
        parse_date(text, this_year=THIS_YEAR)
    assert message in str(error.value)


def test_dtm005_order_cache_keys_include_order_and_pivot_year():
    assert parse_date("03/04/20", day_first=True, this_year=2025)[0] == D(2020, 4, 3)
    assert parse_date("03/04/20", day_first=False, this_year=2025)[0] == D(2020, 3, 4)
    assert parse_date("03/04/20", day_first=False, this_year=2019)[0] == D(1920, 3, 4)
    assert parse_date("13/04/20", day_first=False, this_year=2025)[0] == D(2020, 4, 13)  # 13 cannot be a month


@pytest.mark.parametrize("values, day_first, warning", [
    (["18/03/2017", "03/04/2017"], True, None),
    (["27/04/20", "03/04/20"], True, None),
    (["03/18/2017", "03/04/2017"], False, "are month first"),
    (["4/27/20", "4/3/20"], False, "are month first"),
    (["03/18/2017"], False, None),
    (["03/04/2017", "05/06/2017"], True, "nothing in the date column shows the date order"),
    (["18/03/2017", "03/18/2017"], True, "both day first and month first"),
    (["2017-03-18", "18 March 2017", "", "NA", "05/05/2017"], True, None),
    ([], True, None),
])
def test_dtm006_decide_date_order_from_column_values(values, day_first, warning):
    decided, message = decide_date_order(values)
    assert decided is day_first
    assert (message is None) if warning is None else (warning in message)


def _order_warnings(report):
    return [w for w in report.warnings if "first" in w.reason and "date" in w.reason]


def test_dtm007_notes_do_not_decide_the_date_order_and_the_decision_is_reported_once():
    rows = ["date,latitude,longitude,location,notes,source"]
    rows += [f'0{n}/0{n + 1}/2005,-11.875,-77.13,Ventanilla,"TEST NOTE: quotes 03/18/2017, 12/25/2016",test'
             for n in range(1, 8)]
    report = import_bytes("\r\n".join(rows).encode(), "notes.csv").report
    events = import_bytes("\r\n".join(rows).encode(), "notes.csv").events
    assert [str(day) for day in events["event_date"]][:2] == ["2005-02-01", "2005-03-02"]  # day first
    warnings = _order_warnings(report)
    assert len(warnings) == 1 and warnings[0].row == 0 and warnings[0].field == "date"
    assert "nothing in the date column shows the date order" in warnings[0].reason


def test_dtm008_excel_spanish_file_two_digit_years_day_first_and_excel_missing_markers():
    outcome = import_bytes((FIXTURES / "excel_es_dd_mm_yy.csv").read_bytes(), "excel_es_dd_mm_yy.csv")
    report, events = outcome.report, outcome.events
    assert (report.read, report.accepted, report.rejected) == (4, 4, [])
    assert not _order_warnings(report)  # 18/12/05 shows day first; the note's 03/18/2017 is not a date value
    assert [str(day) for day in events["event_date"]] == ["2005-03-02", "2005-12-18", "2005-12-20", "2006-07-08"]
    assert events["date_precision"].tolist() == ["day"] * 4
    assert events["latitude"].tolist() == [-11.875, -12.75, -9.0, -11.43]
    assert events["quantity_kg"].iloc[0] == 550 and math.isnan(events["quantity_kg"].iloc[1])  # #N/A
    assert events["drug"].tolist() == ["cocaine", "", "", "cocaine"]
    assert events["summary"].iloc[0].startswith("TEST NOTE (not a fact): a date quoted in a note, 03/18/2017,\n")
    assert events["summary"].iloc[2] == ""  # "-"
    assert events["actors"].iloc[1] == ("Shining Path column", "residents of Ccarhuarán")


def test_dtm009_r_write_csv_na_is_missing_not_a_value():
    outcome = import_bytes((FIXTURES / "r_write_csv.csv").read_bytes(), "r_write_csv.csv")
    report, events = outcome.report, outcome.events
    assert (report.read, report.accepted, report.rejected) == (4, 4, [])
    assert [w for w in report.warnings if w.row == 1] == [type(report.warnings[0])(1, "", "column not used")]
    assert events["actors"].tolist() == [
        ("National Police of Peru",),
        ("Shining Path column reportedly under 'Alipio'", "Peruvian Army"),
        ("Shining Path (Huallaga faction)", "National Police of Peru (Aucayacu station)"),
        ("National Police of Peru (anti-drug police)",),
    ]
    assert events["admin1"].tolist() == ["Callao", "", "Huánuco", "Junín"]
    assert events["fatalities"].isna().tolist() == [True, False, False, True]
    assert events["fatalities"].iloc[2] == 8
    assert events["quantity_kg"].iloc[0] == 550 and events["quantity_kg"].iloc[1:3].isna().all()
    assert events["summary"].iloc[3] == ""
    assert "NA" not in set(events["admin1"]) | set(events["summary"]) | set(events["source_name"])


@pytest.mark.parametrize("marker", sorted(MISSING_MARKERS - {""}) + ["NA", "N/A", "NULL", "NaN", "None", "#N/A", " NA "])
def test_dtm010_every_missing_marker_is_missing_in_every_field_of_a_generic_csv(marker):
    header = ("event_id,date,end_date,latitude,longitude,location,admin1,admin2,actor1,actor2,fatalities,kg,"
              "drug,type,precision,notes,source,url")
    m = f'"{marker}"'  # quoted, as pandas and R write a string column
    rows = [
        # 2005-03-02, Ventanilla (geodata/events.csv rutas:0004); every optional field missing
        f"{m},2005-03-02,{m},-11.875,-77.13,Ventanilla district,{m},{m},National Police of Peru,{m},{m},{m},"
        f"{m},{m},{m},{m},{m},{m}",
        # coordinates missing: placed by name; a missing actor inside a list is no actor
        f"T2,2005-03-02,2005-03-03,{m},{m},Lima,Lima,{m},\"{marker};National Police of Peru\",{m},0,550,cocaine,"
        f"drug seizure,{m},{m},test,{m}",
        # the date missing: the row is rejected, naming the date column
        f"T3,{m},{m},-11.875,-77.13,Ventanilla,{m},{m},{m},{m},{m},{m},{m},{m},{m},{m},test,{m}",
    ]
    outcome = import_bytes("\r\n".join([header, *rows]).encode(), "markers.csv")
    report, events = outcome.report, outcome.events
    assert report.accepted == 2
    assert [(p.row, p.field, p.reason) for p in report.rejected] == [(4, "date", "no date")]
    first, second = events.iloc[0], events.iloc[1]
    assert first["source_event_id"] == "" and first["date_end"] is None
    assert (first["admin1"], first["admin2"], first["summary"], first["source_name"], first["source_url"]) == \
        ("", "", "", "", "")
    assert first["actors"] == ("National Police of Peru",)
    assert math.isnan(first["fatalities"]) and math.isnan(first["quantity_kg"])
    assert (first["drug"], first["event_type"], first["original_type"]) == ("", "other", "")
    assert first["geo_precision"] != marker
    assert second["actors"] == ("National Police of Peru",) and second["fatalities"] == 0
    assert second["geocoded"] and second["location"] == "Lima"
    stored = {str(value) for column in events.columns for value in events[column] if isinstance(value, str)}
    assert marker.strip() not in stored - {""}


def test_dtm011_is_missing_only_for_markers_never_for_values():
    for value in [None, float("nan"), "", " ", "NA", "na", "N/A", "n/a", "NULL", "null", "-", "--", "nan", "NaN",
                  "#N/A", "None", "NaT", "<NA>", ".", "  NULL  ", "\tNA\r"]:
        assert is_missing(value), value
    for value in ["-12.5", "-1", "0", "0.0", 0, 0.0, False, "Nan Madol", "NAM", "n", "no", "Namibia", "None of them",
                  "- 12", "x" * 200, float("inf")]:
        assert not is_missing(value), value
    assert parse_number("-", -90, 90) is None and parse_number("-12.5", -90, 90) == -12.5
    assert parse_number("#N/A", 0, 10) is None and parse_number(float("nan"), 0, 10) is None
    with pytest.raises(ValueError, match="not a finite number"):
        parse_number("inf", 0, 10)


def test_dtm012_field_reader_treats_markers_as_blank_in_every_method():
    reader = FieldReader(ImportLimits(), this_year=THIS_YEAR)
    assert reader.text("admin1", "NA") == ""
    assert reader.number("fatalities", "NULL", 0, 10) is None
    assert reader.date("event_date", "#N/A") is None
    assert reader.code("precision", "N/A", {"1": "town"}, ("town",)) == ""
    assert reader.flag("synthetic", "NA") is False
    assert reader.date("event_date", "9-May-20") == (D(2020, 5, 9), "day")
    assert reader.problems == []
    assert split_actors("NA", "Peruvian Army;NA; n/a ;Peruvian Army", None, "-") == ("Peruvian Army",)
    # a missing preferred alias lets the next one fill the field (location before name)
    values, problems = candidate_values_from_fields(
        {"location": "NA", "name": "Pichari", "date": "2019-01-01", "lat": float("nan"), "deaths": float("nan")},
        ImportLimits())
    assert problems == [] and values["location"] == "Pichari" and "latitude" not in values
    assert "fatalities" not in values


def test_dtm013_dates_repeat_so_parsing_a_million_rows_is_cached():
    texts = [f"{day}-May-20" for day in range(1, 29)] * 2_000
    parsed = [parse_date(text, this_year=THIS_YEAR) for text in texts]
    assert parsed[27] == (D(2020, 5, 28), "day") and parsed[28] == parsed[0]
    assert pd.Series([day for day, _ in parsed]).nunique() == 28


def test_dtm014_acled_export_resaved_by_excel_two_digit_years_and_r_na():
    """An ACLED-layout file as Excel re-saves it (d-mmm-yy dates, CRLF) with R's NA in empty cells.

    Row content from geodata/events.csv (rutas:0008 and rutas:0010), laid out like ACLED's export.
    """
    header = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
              "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
              "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
              "tags,timestamp")
    rows = [
        "TEST1,20-Dec-05,2005,1,Political violence,Battles,Armed clash,Shining Path (Huallaga faction),NA,2,"
        "National Police of Peru (Aucayacu station),NA,1,12,NA,604,South America,Peru,Huánuco,Leoncio Prado,NA,"
        "Angashyacu,-9.0,-76.08,1,Segured (AFP),National,NA,8,NA,1700000000",
        "TEST2,9-Jul-06,2006,1,Strategic developments,Strategic developments,Arrests,"
        "National Police of Peru (anti-drug police),NA,3,NA,NA,0,30,NA,604,South America,Peru,Junín,Satipo,NA,"
        "San Ramón de Pangoa,-11.4,-74.45,2,Inforegión,Subnational,NA,0,NA,1700000000",
    ]
    outcome = import_bytes("\r\n".join([header, *rows]).encode(), "acled_excel.csv")
    report, events = outcome.report, outcome.events
    assert report.format == "acled" and (report.read, report.accepted, report.rejected) == (2, 2, [])
    assert [str(day) for day in events["event_date"]] == ["2005-12-20", "2006-07-09"]
    assert events["actors"].tolist() == [
        ("Shining Path (Huallaga faction)", "National Police of Peru (Aucayacu station)"),
        ("National Police of Peru (anti-drug police)",),
    ]
    assert events["fatalities"].tolist() == [8, 0]
    assert not any("NA" in str(summary) for summary in events["summary"])
