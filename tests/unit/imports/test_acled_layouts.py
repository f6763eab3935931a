"""Every ACLED layout since 1997, recognised by its columns and mapped the same way (issue 14).

Fixtures in tests/fixtures/imports/acled/ (see its README: rows laid out like each era's export,
restating events from geodata/events.csv). Each file goes through the whole pipeline
(``import_bytes``), so detection, reading and normalising are all exercised.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard.data.imports.acled import (
    ACLED_CORE_COLUMNS,
    acled_values,
    actor_type,
    event_type_for,
    matches_acled_header,
    missing_acled_columns,
)
from dashboard.data.imports.base import Format, ImportLimits, ImportRefused
from dashboard.data.imports.detect import detect_format
from dashboard.data.imports.pipeline import import_bytes

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports" / "acled"
LAYOUT_FILES = {  # file → rows in it
    "acled_v7_uppercase.csv": 6,
    "acled_2018_realtime.csv": 3,
    "acled_2020_excel_resaved.csv": 4,
    "acled_2019_2022.csv": 4,
    "acled_current_bom.csv": 3,
    "acled_r_export.csv": 3,
    "acled_pandas_dump.csv": 3,
    "acled_api.json": 2,
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def imported(data: bytes, name: str = "acled.csv", file_format: str = "auto"):
    outcome = import_bytes(data, name, file_format=file_format)
    return outcome.report, outcome.events.set_index("source_event_id", drop=False)


def summaries_end(events: pd.DataFrame) -> dict[str, str]:
    return {event_id: summary[summary.rfind("["):] for event_id, summary in events["summary"].items()}


@pytest.mark.parametrize("name, rows", LAYOUT_FILES.items())
@pytest.mark.parametrize("file_format", ["auto", "acled"])
def test_ace001_every_layout_is_acled_detected_or_forced(name, rows, file_format):
    data = fixture(name)
    assert detect_format(data) is Format.ACLED
    report, events = imported(data, name, file_format)
    assert (report.format, report.refused, report.read, report.accepted) == ("acled", "", rows, rows)
    assert report.rejected == []
    assert set(events["country"]) == {"PER"}
    assert not events["summary"].str.contains(r" vs 0|\b0\]|\bNA\b").any()
    assert not events["actors"].map(lambda actors: "NA" in actors or "" in actors).any()


def test_ace002_2020_export_resaved_by_excel():
    report, events = imported(fixture("acled_2020_excel_resaved.csv"))
    assert report.warnings == []
    assert events["event_date"].map(str).to_dict() == {
        "TESTPER0086": "2020-03-04", "TESTPER0088": "2020-06-26", "TESTPER0091": "2020-08-08",
        "TESTPER0096": "2020-10-29"}
    assert set(events["date_precision"]) == {"day"}
    assert events["event_type"].to_dict() == {
        "TESTPER0086": "armed_clash", "TESTPER0088": "armed_clash", "TESTPER0091": "arrest",
        "TESTPER0096": "armed_clash"}
    first = events.loc["TESTPER0086"]
    assert first["actors"] == ("Shining Path (MPCP)", "National Police of Peru", "police informants (ex-militants)")
    assert (first["latitude"], first["longitude"], first["geo_precision"], first["fatalities"]) == (
        -12.68, -73.73, "district", 2.0)
    assert (first["admin1"], first["admin2"], first["location"]) == ("Ayacucho", "La Mar", "Chontaccocha")
    assert first["source_name"] == "Radio Emanuel Tocache blog (relaying El Comercio)"
    # blank country on this row: iso3 gives it
    assert events.loc["TESTPER0091", "country"] == "PER"
    assert events.loc["TESTPER0091", "geo_precision"] == "region"
    assert summaries_end(events)["TESTPER0091"] == "[ACLED actor types: State forces]"
    assert events.loc["TESTPER0091", "actors"] == ("National Police of Peru", "Ministry of the Interior intelligence")


def test_ace003_2019_2022_layout_with_line_breaks_in_notes():
    report, events = imported(fixture("acled_2019_2022.csv"))
    assert report.rejected == [] and report.warnings == []
    assert events["event_date"].map(str).to_dict() == {
        "TESTPER0082": "2019-06-25", "TESTPER0099": "2021-01-01", "TESTPER0104": "2021-05-23",
        "TESTPER0112": "2022-08-11"}
    # time_precision 3 → year, 2 → month (one step coarser than ACLED's, see docs/IMPORTS.md)
    assert events["date_precision"].to_dict() == {
        "TESTPER0082": "day", "TESTPER0099": "year", "TESTPER0104": "day", "TESTPER0112": "month"}
    assert events.loc["TESTPER0104", "event_type"] == "attack_on_civilians"
    assert events.loc["TESTPER0104", "fatalities"] == 16.0
    assert events.loc["TESTPER0104", "geo_precision"] == "town"
    assert "San Miguel del Ene." in events.loc["TESTPER0104", "summary"]
    assert "runoff." in events.loc["TESTPER0104", "summary"]  # the note's second line is kept
    assert events.loc["TESTPER0112", "actors"] == (
        "Peruvian Armed Forces (Operation Patriota)", "National Police of Peru", "Shining Path (MPCP)")
    # the line a row starts on: notes of the rows before span two lines each
    outcome = import_bytes(fixture("acled_2019_2022.csv").replace(b"25 June 2019", b"31 June 2019"), "x.csv")
    assert [(p.row, p.field) for p in outcome.report.rejected] == [(2, "event_date")]
    assert "not a real date" in outcome.report.rejected[0].reason and outcome.report.accepted == 3


def test_ace004_current_layout_with_bom_and_actor_types_in_words():
    report, events = imported(fixture("acled_current_bom.csv"))
    assert report.warnings == []
    assert events["event_type"].to_dict() == {
        "TESTPER0115": "armed_clash", "TESTPER0121": "arrest",
        "TESTPER0133": "other"}  # remote violence against a rebel group is neither of ours
    assert events["original_type"].to_dict() == {
        "TESTPER0115": "Battles", "TESTPER0121": "Strategic developments",
        "TESTPER0133": "Explosions/Remote violence"}
    assert events.loc["TESTPER0133", "original_subtype"] == "Shelling/artillery/missile attack"
    assert summaries_end(events) == {
        "TESTPER0115": "[ACLED actor types: Rebel group vs State forces]",
        "TESTPER0121": "[ACLED actor types: State forces vs Rebel group]",
        "TESTPER0133": "[ACLED actor types: State forces vs Rebel group]"}
    assert events.loc["TESTPER0115", "fatalities"] == 7.0
    assert events.loc["TESTPER0115", "admin2"] == "La Convencion"


def test_ace005_pre_2019_uppercase_with_ally_actors_and_old_event_types():
    report, events = imported(fixture("acled_v7_uppercase.csv"))
    # day first from the EVENT_DATE column alone: the 03/18/2017 in a note neither flips nor warns
    assert report.warnings == []
    assert events["event_date"].map(str).to_dict() == {
        "TEST0007RTA": "2005-12-18", "12": "2007-12-01", "TEST0014RTA": "2008-09-01",
        "TEST0017RTA": "2009-04-09", "TEST0024RTA": "2010-12-29", "TEST9001RTA": "2010-03-02"}
    assert events["event_type"].to_dict() == {
        "TEST0007RTA": "armed_clash",  # Battle-No change of territory
        "12": "attack_on_civilians",  # Violence Against Civilians, no sub-event type
        "TEST0014RTA": "armed_clash",  # Battle-Government regains territory
        "TEST0017RTA": "attack_on_security_forces",  # Remote violence, INTER2 1
        "TEST0024RTA": "other",  # Strategic development
        "TEST9001RTA": "other"}  # Riots/Protests
    assert events.loc["TEST0017RTA", "original_type"] == "Remote violence"
    assert set(events["original_subtype"]) == {""}
    # ALLY_ACTOR_1 is read as an associated actor, after actor 1 and before actor 2
    assert events.loc["TEST0014RTA", "actors"] == ("Peruvian Armed Forces", "National Police of Peru", "Shining Path")
    assert events.loc["12", "event_id"].endswith(":12")  # EVENT_ID_CNTY blank: EVENT_ID_NO_CNTY
    assert events["date_precision"].to_dict()["TEST0014RTA"] == "year"
    assert summaries_end(events)["TEST9001RTA"] == "[ACLED actor types: Protesters]"
    assert events.loc["TEST0017RTA", "fatalities"] == 13.0
    assert events.loc["TEST0024RTA", "geo_precision"] == "region"


def test_ace006_2018_realtime_layout_without_sub_event_type():
    report, events = imported(fixture("acled_2018_realtime.csv"))
    assert report.warnings == []
    assert events["event_date"].map(str).to_dict() == {
        "TESTPER0068": "2017-03-18", "TESTPER0074": "2018-05-01", "TESTPER0075": "2018-06-07"}
    assert events["event_type"].to_dict() == {
        "TESTPER0068": "armed_clash", "TESTPER0074": "other", "TESTPER0075": "attack_on_security_forces"}
    assert events.loc["TESTPER0074", "date_precision"] == "year"
    assert summaries_end(events)["TESTPER0074"] == "[ACLED actor types: State forces]"
    assert events.loc["TESTPER0074", "actors"] == ("National Police of Peru (DIRANDRO, money-laundering unit)",)


def test_ace007_r_export_na_is_nothing_and_inter2_zero_is_no_actor_type():
    report, events = imported(fixture("acled_r_export.csv"))
    assert report.warnings == []
    arrest = events.loc["TESTPER0103"]
    assert arrest["actors"] == ("National Police of Peru (DIRANDRO)", "Public Ministry (Ayacucho anti-drug prosecutor)")
    assert (arrest["admin1"], arrest["admin2"]) == ("Ayacucho", "")
    assert arrest["event_type"] == "arrest" and arrest["geo_precision"] == "region"
    assert summaries_end(events) == {
        "TESTPER0099": "[ACLED actor types: Rebel group vs Civilians]",
        "TESTPER0103": "[ACLED actor types: State forces]",
        "TESTPER9002": "[ACLED actor types: Protesters]"}
    assert events.loc["TESTPER0099", "date_precision"] == "year"
    assert events.loc["TESTPER9002", "original_type"] == "Protests"
    assert events.loc["TESTPER9002", "event_type"] == "other"


def test_ace008_r_write_table_header_without_the_row_name_slot():
    """R's write.table (col.names=TRUE) writes row names in the rows but not in the header."""
    lines = fixture("acled_r_export.csv").decode().splitlines()
    assert lines[0].startswith('"",')
    data = "\n".join([lines[0][3:], *lines[1:]]).encode()
    report, events = imported(data)
    assert (report.format, report.accepted, report.rejected) == ("acled", 3, [])
    assert events.loc["TESTPER0103", "actors"] == (
        "National Police of Peru (DIRANDRO)", "Public Ministry (Ayacucho anti-drug prosecutor)")
    assert events.loc["TESTPER0099", "event_date"] == date(2021, 1, 1)


def test_ace009_pandas_dump_with_index_column_and_alphabetical_columns():
    report, events = imported(fixture("acled_pandas_dump.csv"))
    assert report.warnings == []
    assert events["event_type"].to_dict() == {
        "TESTPER0058": "armed_clash", "TESTPER0059": "attack_on_security_forces",  # inter2 "1.0"
        "TESTPER0076": "armed_clash"}
    assert events["geo_precision"].to_dict() == {
        "TESTPER0058": "district", "TESTPER0059": "district", "TESTPER0076": "town"}  # "2.0", "1.0"
    assert events.loc["TESTPER0058", "fatalities"] == 4.0
    assert pd.isna(events.loc["TESTPER0059", "fatalities"])  # blank stays unknown, not 0
    assert summaries_end(events)["TESTPER0076"] == "[ACLED actor types: State forces vs Rebel group]"
    assert events.loc["TESTPER0076", "actors"] == ("Peruvian Armed Forces", "National Police of Peru", "Shining Path (MPCP)")


def test_ace010_api_json_response():
    report, events = imported(fixture("acled_api.json"), "acled.json")
    assert [c for c in ("TESTPER0141", "TESTPER0152") if c in events.index] == ["TESTPER0141", "TESTPER0152"]
    assert events["event_type"].to_dict() == {"TESTPER0141": "arrest", "TESTPER0152": "armed_clash"}
    assert events["event_date"].map(str).to_dict() == {"TESTPER0141": "2024-10-16", "TESTPER0152": "2025-08-15"}
    assert events.loc["TESTPER0141", "latitude"] == -11.99
    assert events.loc["TESTPER0152", "actors"] == (
        "Peruvian Armed Forces (CIOEC, Comando Especial VRAEM)", "National Police of Peru (Frente Policial VRAEM)",
        "Shining Path (MPCP)")
    assert report.warnings == []
    # a bare list of records reads the same; numbers and nulls as JSON values are fine too
    records = json.loads(fixture("acled_api.json"))["data"]
    records[0].update(latitude=-11.99, fatalities=0, admin3=None, inter2=2)
    report, events = imported(json.dumps(records).encode(), "records.json")
    assert (report.format, report.accepted) == ("acled", 2)
    assert events.loc["TESTPER0141", "latitude"] == -11.99
    assert summaries_end(events)["TESTPER0141"] == "[ACLED actor types: State forces vs Rebel group]"


def test_ace011_a_record_that_cannot_be_read_is_rejected_by_number_and_field():
    document = json.loads(fixture("acled_api.json"))
    document["data"][0]["notes"] = {"text": "nested"}
    document["data"].append("not a record")
    report, events = imported(json.dumps(document).encode(), "acled.json")
    assert [(p.row, p.field) for p in report.rejected] == [(1, "notes"), (3, "row")]
    assert list(events.index) == ["TESTPER0152"]


GENERIC_NEAR_MISS = (
    "event_id,event_date,event_type,sub_event_type,actor1,actor2,country,admin1,location,latitude,longitude,"
    "fatalities,notes\n"
    "1,2017-03-18,Battles,Armed clash,Army,Rebels,Peru,Ayacucho,Pichari,-12.5,-73.8,0,test row\n"
)


def test_ace012_a_csv_with_some_acled_names_is_not_acled():
    data = GENERIC_NEAR_MISS.encode()
    assert detect_format(data) is Format.CSV
    report, _ = imported(data, file_format="acled")
    assert report.refused == ("not an ACLED export: the header lacks geo_precision, inter1, time_precision, "
                              "an id column (event_id_cnty, event_id_no_cnty or data_id)")
    # every core column but no id column: still not ACLED, and the refusal says what is missing
    header = sorted(ACLED_CORE_COLUMNS)
    assert not matches_acled_header(header)
    assert missing_acled_columns(header) == ["an id column (event_id_cnty, event_id_no_cnty or data_id)"]
    assert matches_acled_header([*header, "DATA_ID"])
    assert matches_acled_header(["", *(name.upper() for name in header), "Event ID No Cnty"])


def test_ace013_json_that_is_not_acled():
    with pytest.raises(ImportRefused, match="not GeoJSON .* and not an ACLED API response"):
        detect_format(b'{"status": 200, "data": [{"date": "2017-03-18", "latitude": -12}]}')
    report, _ = imported(b'{"status": 200, "data": [{"date": "2017-03-18"}]}', "x.json", "acled")
    assert report.refused.startswith("not an ACLED export: the header lacks actor1, country, event_date")
    report, _ = imported(b'{"status": 200, "data": {"x": 1}}', "x.json", "acled")
    assert report.refused == 'a JSON file without a list of ACLED records (expected "data": [...])'


@pytest.mark.parametrize("event_type, sub_event_type, inter2, ours", [
    ("Battles", "Armed clash", "2", "armed_clash"),
    ("Battles", "Government regains territory", "", "armed_clash"),
    ("Battle-No change of territory", "", "1", "armed_clash"),
    ("Battle-Government regains territory", "", "2", "armed_clash"),
    ("Battle-Non-state actor overtakes territory", "", "1", "armed_clash"),
    ("Battle-Non-state actors overtake territory", "", "1", "armed_clash"),  # a spelling seen in old files
    ("Violence against civilians", "", "7", "attack_on_civilians"),
    ("VIOLENCE AGAINST CIVILIANS", "Abduction/forced disappearance", "7", "attack_on_civilians"),
    ("Remote violence", "", "1", "attack_on_security_forces"),
    ("Remote violence", "", "7", "attack_on_civilians"),
    ("Remote violence", "", "2", "other"),
    ("Explosions/Remote violence", "Air/drone strike", "State forces", "attack_on_security_forces"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "0", "other"),
    ("Strategic developments", "Arrests", "0", "arrest"),
    ("Strategic developments", "Looting/property destruction", "", "other"),
    ("Strategic development", "", "", "other"),
    ("Riots/Protests", "", "0", "other"),
    ("Headquarters or base established", "", "0", "other"),
    ("Non-violent transfer of territory", "", "2", "other"),
    ("Non-violent activity by a conflict actor", "", "0", "other"),
    ("Protests", "Peaceful protest", "0", "other"),
    ("Riots", "Mob violence", "7", "other"),
])
def test_ace014_event_types_of_every_era(event_type, sub_event_type, inter2, ours):
    assert event_type_for(event_type, sub_event_type, actor_type(inter2)) == ours


@pytest.mark.parametrize("code, words", [
    ("1", "State forces"), ("7.0", "Civilians"), ("State Forces", "State forces"), ("rebel groups", "Rebel group"),
    ("0", ""), ("0.0", ""), ("", ""), ("Unknown kind", "Unknown kind"),
])
def test_ace015_actor_types(code, words):
    assert actor_type(code) == words


def test_ace016_acled_values_for_rows_from_geofiles():
    """The geofile reader passes properties keyed by lower-case name, with numbers and None."""
    row = {"event_id_cnty": "TESTPER0068", "event_date": "2017-03-18", "time_precision": 1,
           "event_type": "Battle-No change of territory", "actor1": "Shining Path (MPCP)", "ally_actor_1": None,
           "inter1": 2, "actor2": "NA", "ally_actor_2": "", "inter2": 0, "country": None, "iso3": "PER",
           "location": "Cumunpiari", "latitude": -12.7, "longitude": -73.69, "geo_precision": 2.0,
           "fatalities": 3, "notes": "test row", "admin1": "NULL"}
    values, problems = acled_values(row, ImportLimits())
    assert problems == []
    assert values == {
        "event_date": date(2017, 3, 18), "date_precision": "day", "geo_precision": "district",
        "event_type": "armed_clash", "original_type": "Battle-No change of territory",
        "actors": ("Shining Path (MPCP)",), "summary": "test row [ACLED actor types: Rebel group]",
        "source_event_id": "TESTPER0068", "country": "PER", "location": "Cumunpiari",
        "latitude": -12.7, "longitude": -73.69, "fatalities": 3.0,
    }


def test_ace017_bad_values_in_an_old_layout_name_row_and_field_and_the_rest_is_kept():
    data = fixture("acled_v7_uppercase.csv").decode()
    data = data.replace("09/04/2009", "31/02/2009").replace("-9.1,-76.05,3", "-9.1,-76.05,9")
    report, events = imported(data.encode())
    assert [(p.row, p.field) for p in report.rejected] == [(5, "event_date"), (6, "geo_precision")]
    assert report.rejected[1].reason == "'9' is not one of 1, 2, 3"
    assert report.accepted == 4 and "TEST0017RTA" not in events.index


def test_ace018_month_first_dates_of_a_resaved_file_are_decided_from_the_date_column():
    data = fixture("acled_2020_excel_resaved.csv").decode()
    for excel, us_date in (("4-Mar-20", "3/4/2020"), ("26-Jun-20", "6/26/2020"), ("8-Aug-20", "8/8/2020"),
                           ("29-Oct-20", "10/29/2020")):
        data = data.replace(excel, us_date)
    report, events = imported(data.encode())
    assert events["event_date"].map(str).to_dict() == {
        "TESTPER0086": "2020-03-04", "TESTPER0088": "2020-06-26", "TESTPER0091": "2020-08-08",
        "TESTPER0096": "2020-10-29"}
    assert [(p.row, p.field) for p in report.warnings] == [(0, "event_date")]
    assert "month first" in report.warnings[0].reason


def test_ace019_a_row_with_only_the_numeric_iso_gets_its_country():
    from dashboard.data.imports.acled import acled_values
    from dashboard.data.imports.base import ImportLimits

    row = {"event_date": "2020-03-04", "event_type": "Battles", "country": "NA", "iso3": "", "iso": "604.0",
           "latitude": "-12.68", "longitude": "-73.73"}
    assert acled_values(row, ImportLimits())[0]["country"] == "604"
    kosovo = acled_values({**row, "iso": "0"}, ImportLimits())[0]  # ACLED's iso for Kosovo: no code
    assert "country" not in kosovo
    data = (b"event_id_cnty,event_date,time_precision,event_type,actor1,inter1,country,iso,location,latitude,"
            b"longitude,geo_precision,fatalities\r\nTEST1,2020-03-04,1,Battles,Test actor,1,,604,Test place,"
            b"-12.68,-73.73,1,0\r\n")
    events = import_bytes(data, "iso_only.csv").events
    assert events["country"].tolist() == ["PER"]
