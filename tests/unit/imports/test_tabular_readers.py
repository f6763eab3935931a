"""ACLED, UCDP GED and generic CSV readers, the shared column aliases and the CSV row limits.

Every fixture is written here from the documented layouts (docs/IMPORTS.md). Limit tests have a
just-under and a just-over case.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from dashboard.data.imports.acled import ACLED_COLUMNS, matches_acled_header, read_acled
from dashboard.data.imports.base import (
    SETTING_OF_LIMIT,
    Deadline,
    Format,
    ImportLimits,
    ImportRefused,
    LimitExceeded,
)
from dashboard.data.imports.columns import candidate_values_from_fields, event_type_of
from dashboard.data.imports.tabular import iter_csv_rows, longest_line, read_csv, sniff_delimiter, text_lines
from dashboard.data.imports.ucdp import GED_COLUMNS, matches_ucdp_row, read_ucdp

LIMITS = ImportLimits()
BOM = b"\xef\xbb\xbf"


def deadline() -> Deadline:
    return Deadline(60)


def expired() -> Deadline:
    ticks = iter(range(10**9))
    return Deadline(0.5, clock=lambda: next(ticks))


def table(header: list[str], rows: list[dict[str, object]], delimiter: str = ",", with_header: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    if with_header:
        writer.writerow(header)
    for row in rows:
        unknown = set(row) - set(header)
        assert not unknown, unknown  # a fixture typo must not pass silently
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------- ACLED

ACLED_OLD_COLUMNS = (
    "data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,country,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,timestamp,iso3"
).split(",")


def acled_row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "event_id_cnty": "PER1001", "event_date": "2017-03-18", "year": 2017, "time_precision": 1,
        "event_type": "Battles", "sub_event_type": "Armed clash",
        "actor1": "Military Forces of Peru (2016-)", "assoc_actor_1": "", "inter1": 1,
        "actor2": "Sendero Luminoso", "assoc_actor_2": "", "inter2": 2, "interaction": 12,
        "iso": 604, "region": "South America", "country": "Peru", "admin1": "Junin", "admin2": "Satipo",
        "admin3": "Pangoa", "location": "Vizcatan del Ene", "latitude": "-12.3900", "longitude": "-74.2100",
        "geo_precision": 1, "source": "La Republica", "source_scale": "National",
        "notes": "Soldiers clashed with a Shining Path column.", "fatalities": 3, "timestamp": 1618512345,
    }
    row.update(values)
    return row


def test_acl001_current_layout_maps_every_field():
    assert len(ACLED_COLUMNS) == 31
    rows = [
        acled_row(),
        acled_row(event_id_cnty="PER1002", event_date="18 March 2017", time_precision=2,
                  event_type="Explosions/Remote violence", sub_event_type="Remote explosive/landmine/IED",
                  actor1="Sendero Luminoso", inter1="Rebel group", actor2="Police Forces of Peru (2016-)",
                  inter2="State forces", geo_precision=2, fatalities=0, notes=""),
        acled_row(event_id_cnty="PER1003", time_precision=3, event_type="Strategic developments",
                  sub_event_type="Arrests", actor2="", inter2="", geo_precision=3,
                  assoc_actor_1="Ministry of the Interior; DIRANDRO"),
    ]
    result = read_acled(table(ACLED_COLUMNS, rows), LIMITS, deadline())
    assert result.format is Format.ACLED
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (3, 3, 0)
    first, second, third = (c.values for c in result.candidates)
    assert [c.row for c in result.candidates] == [2, 3, 4]
    assert first == {
        "event_date": date(2017, 3, 18), "date_precision": "day", "geo_precision": "town",
        "event_type": "armed_clash", "original_type": "Battles", "original_subtype": "Armed clash",
        "actors": ("Military Forces of Peru (2016-)", "Sendero Luminoso"),
        "summary": "Soldiers clashed with a Shining Path column. [ACLED actor types: State forces vs Rebel group]",
        "source_event_id": "PER1001", "country": "Peru", "admin1": "Junin", "admin2": "Satipo",
        "location": "Vizcatan del Ene", "source_name": "La Republica",
        "latitude": -12.39, "longitude": -74.21, "fatalities": 3.0,
    }
    assert second["event_date"] == date(2017, 3, 18) and second["date_precision"] == "month"
    assert second["event_type"] == "attack_on_security_forces"
    assert second["original_type"] == "Explosions/Remote violence"
    assert second["original_subtype"] == "Remote explosive/landmine/IED"
    assert second["geo_precision"] == "district" and second["fatalities"] == 0.0
    assert second["summary"] == "[ACLED actor types: Rebel group vs State forces]"
    assert third["event_type"] == "arrest" and third["date_precision"] == "year"
    assert third["geo_precision"] == "region"
    assert third["actors"] == ("Military Forces of Peru (2016-)", "Ministry of the Interior", "DIRANDRO")


def test_acl002_older_layout_with_bom_named_dates_and_numeric_inter_codes():
    rows = [
        acled_row(data_id=7001, event_id_no_cnty=1001, event_date="18 March 2017", iso3="PER",
                  event_type="Remote violence", sub_event_type="", inter1=2, inter2=1, country=""),
        acled_row(data_id=7002, event_id_cnty="PER1005", event_date="4 May 2019", iso3="PER",
                  event_type="Violence against civilians", sub_event_type="Attack", inter2=7),
    ]
    for row in rows:
        for gone in set(row) - set(ACLED_OLD_COLUMNS):
            del row[gone]
    result = read_acled(BOM + table(ACLED_OLD_COLUMNS, rows), LIMITS, deadline())
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (2, 2, 0)
    first, second = (c.values for c in result.candidates)
    assert first["event_date"] == date(2017, 3, 18) and first["date_precision"] == "day"
    assert first["event_type"] == "attack_on_security_forces" and first["original_type"] == "Remote violence"
    assert "original_subtype" not in first  # blank in the source
    assert first["country"] == "PER"  # iso3 when the country name is blank
    assert first["source_event_id"] == "PER1001"
    assert first["summary"].endswith("[ACLED actor types: Rebel group vs State forces]")
    assert second["event_date"] == date(2019, 5, 4)
    assert second["event_type"] == "attack_on_civilians" and second["country"] == "Peru"
    assert second["summary"].endswith("[ACLED actor types: State forces vs Civilians]")


def test_acl003_bad_rows_are_rejected_with_field_and_reason_and_the_rest_kept():
    rows = [
        acled_row(event_date="31 February 2017"),
        acled_row(latitude="-12,39"),
        acled_row(fatalities="many"),
        acled_row(geo_precision=9),
        acled_row(event_date=""),
        acled_row(event_id_cnty="PER1009", latitude="", longitude=""),  # no coordinates: geocoded later
    ]
    result = read_acled(table(ACLED_COLUMNS, rows), LIMITS, deadline())
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (6, 1, 5)
    assert [(p.row, p.field) for p in result.rejected] == [
        (2, "event_date"), (3, "latitude"), (4, "fatalities"), (5, "geo_precision"), (6, "event_date"),
    ]
    assert "not a real date" in result.rejected[0].reason
    assert result.rejected[1].reason == "'-12,39' is not a number"
    assert result.rejected[4].reason == "no date"
    kept = result.candidates[0]
    assert kept.row == 7 and "latitude" not in kept.values and kept.values["location"] == "Vizcatan del Ene"


@pytest.mark.parametrize("header, expected", [
    (ACLED_COLUMNS, True),
    (ACLED_OLD_COLUMNS, True),
    ([name.upper() for name in ACLED_COLUMNS], True),
    (["\ufeffevent_id_cnty", *ACLED_COLUMNS[1:]], True),
    (["date", "event_type", "latitude", "longitude", "fatalities"], False),
    (GED_COLUMNS, False),
])
def test_acl004_header_detection(header, expected):
    assert matches_acled_header(list(header)) is expected


def test_acl005_a_file_without_acled_columns_is_refused():
    with pytest.raises(ImportRefused, match="not an ACLED export"):
        read_acled(b"date,latitude,longitude\n2017-01-01,-12,-74\n", LIMITS, deadline())


# ----------------------------------------------------------------------------------------- UCDP


def ged_row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": 12345, "relid": "PER-1990-1-500-18", "year": 1990, "active_year": 1, "code_status": "Clear",
        "type_of_violence": 1, "conflict_dset_id": 220, "conflict_new_id": 220,
        "conflict_name": "Peru: Government", "dyad_dset_id": 500, "dyad_new_id": 500,
        "dyad_name": "Government of Peru - Sendero Luminoso", "side_a_dset_id": 135, "side_a_new_id": 135,
        "side_a": "Government of Peru", "side_b_dset_id": 1000, "side_b_new_id": 1000,
        "side_b": "Sendero Luminoso", "number_of_sources": 1,
        "source_article": "Xinhua General News Service,1990-05-05,Rebels ambush army patrol",
        "source_office": "Xinhua", "source_date": "1990-05-05", "source_headline": "Rebels ambush army patrol",
        "source_original": "Army", "where_prec": 2, "where_coordinates": "Pichari town",
        "where_description": "near Pichari", "adm_1": "Cusco department", "adm_2": "La Convencion province",
        "latitude": "-12.5200", "longitude": "-73.8300", "geom_wkt": "POINT (-73.83 -12.52)",
        "priogrid_gid": 139813, "country": "Peru", "country_id": 135, "region": "Americas",
        "event_clarity": 1, "date_prec": 1, "date_start": "1990-05-04 00:00:00.000",
        "date_end": "1990-05-04 00:00:00.000", "deaths_a": 2, "deaths_b": 3, "deaths_civilians": 0,
        "deaths_unknown": 0, "best": 5, "high": 7, "low": 5, "gwnoa": 135, "gwnob": "",
    }
    row.update(values)
    return row


GED_ROWS = [
    ged_row(),
    ged_row(id=12346, type_of_violence=3, conflict_name="Sendero Luminoso - Civilians", side_b="Civilians",
            date_prec=4, date_start="1990-06-01", date_end="1990-06-20", where_prec=4, best=12, low=10, high=15),
    ged_row(id=12347, type_of_violence=2, date_prec=5, where_prec=6),
    ged_row(id=12348, where_prec=3),
    ged_row(id=12349, date_start="sometime"),
]


def test_ucd001_ged_with_header():
    assert len(GED_COLUMNS) == 49 and len(set(GED_COLUMNS)) == 49
    result = read_ucdp(table(GED_COLUMNS, GED_ROWS), LIMITS, deadline())
    assert result.format is Format.UCDP
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (5, 4, 1)
    assert [c.row for c in result.candidates] == [2, 3, 4, 5]
    first, second, third, fourth = (c.values for c in result.candidates)
    assert first == {
        "event_date": date(1990, 5, 4), "date_end": date(1990, 5, 4), "date_precision": "day",
        "geo_precision": "town", "original_type": "state-based conflict", "event_type": "armed_clash",
        "original_subtype": "Peru: Government", "actors": ("Government of Peru", "Sendero Luminoso"),
        "source_event_id": "12345", "summary": "Rebels ambush army patrol",
        "source_name": "Xinhua General News Service,1990-05-05,Rebels ambush army patrol",
        "location": "Pichari town", "country": "Peru", "admin1": "Cusco department",
        "admin2": "La Convencion province", "latitude": -12.52, "longitude": -73.83,
        "fatalities": 5.0, "fatalities_low": 5.0, "fatalities_high": 7.0,
    }
    assert second["event_type"] == "attack_on_civilians" and second["original_type"] == "one-sided violence"
    assert (second["event_date"], second["date_end"]) == (date(1990, 6, 1), date(1990, 6, 20))
    assert second["date_precision"] == "month" and second["geo_precision"] == "region"
    assert (second["fatalities"], second["fatalities_low"], second["fatalities_high"]) == (12.0, 10.0, 15.0)
    assert third["original_type"] == "non-state conflict" and third["event_type"] == "armed_clash"
    assert third["date_precision"] == "year" and third["geo_precision"] == "country"
    assert fourth["geo_precision"] == "province"
    [problem] = result.rejected
    assert (problem.row, problem.field) == (6, "date_start")


def test_ucd002_headerless_ged_uses_the_documented_column_order():
    data = BOM + table(GED_COLUMNS, GED_ROWS, with_header=False)
    first_line = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert matches_ucdp_row(first_line)
    result = read_ucdp(data, LIMITS, deadline())
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (5, 4, 1)
    assert [c.row for c in result.candidates] == [1, 2, 3, 4]
    assert result.candidates[0].values["source_event_id"] == "12345"
    assert result.candidates[0].values["actors"] == ("Government of Peru", "Sendero Luminoso")
    assert result.rejected[0].row == 5


def test_ucd003_row_detection():
    assert matches_ucdp_row(list(GED_COLUMNS))
    assert matches_ucdp_row(["ID", "relid", "year", "active_year", "code_status", "other"])
    row = [str(ged_row()[name]) for name in GED_COLUMNS]
    assert matches_ucdp_row(row)
    assert not matches_ucdp_row(row[:-1])  # 48 fields
    assert not matches_ucdp_row(["x", *row[1:]])  # id not numeric
    assert not matches_ucdp_row([row[0], "Peru 1990", *row[2:]])  # not a relid
    assert not matches_ucdp_row(list(ACLED_COLUMNS))


def test_ucd004_a_short_headerless_row_is_rejected_naming_the_layout():
    rows = table(GED_COLUMNS, [ged_row()], with_header=False) + b"1,2,3\n"
    result = read_ucdp(rows, LIMITS, deadline())
    assert (result.rows_read, len(result.candidates)) == (2, 1)
    assert [(p.row, p.reason) for p in result.rejected] == [(2, "3 fields, the GED layout has 49")]


def test_ucd005_other_files_are_refused():
    with pytest.raises(ImportRefused, match="not a UCDP GED file"):
        read_ucdp(b"date,place\n2017-01-01,Lima\n", LIMITS, deadline())


# ---------------------------------------------------------------------------------- generic CSV


def test_csv001_comma_file_with_aliases_and_unknown_columns():
    data = (
        "Event ID,Fecha,Tipo,Actor 1,actor2,Latitude,Longitude,Muertos,Droga,Kilos,Fuente,URL,Colour\n"
        "a1,2019-05-04,Incautación de cocaína,DIRANDRO; PNP,,-12.52,-73.83,0,clorhidrato de cocaína,"
        "120.5,La República,https://example.org/a1,red\n"
        "a2,2019-05,Emboscada a patrulla militar,Sendero Luminoso,Peruvian Army,-12.40,-74.20,3,,,,,blue\n"
    ).encode()
    result = read_csv(data, LIMITS, deadline())
    assert result.format is Format.CSV
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (2, 2, 0)
    assert [(w.row, w.field, w.reason) for w in result.warnings] == [(1, "Colour", "column not used")]
    first, second = (c.values for c in result.candidates)
    assert first == {
        "source_event_id": "a1", "event_date": date(2019, 5, 4), "date_precision": "day",
        "event_type": "drug_seizure", "original_type": "Incautación de cocaína", "actors": ("DIRANDRO", "PNP"),
        "latitude": -12.52, "longitude": -73.83, "fatalities": 0.0, "drug": "cocaine", "quantity_kg": 120.5,
        "source_name": "La República", "source_url": "https://example.org/a1",
    }
    assert second["event_type"] == "attack_on_security_forces"
    assert second["original_type"] == "Emboscada a patrulla militar"
    assert second["date_precision"] == "month" and second["event_date"] == date(2019, 5, 1)
    assert second["actors"] == ("Sendero Luminoso", "Peruvian Army")


def test_csv002_tab_separated():
    data = b"date\ttype\tlat\tlon\tdescription\n2020-01-02\tairstrip_destroyed\t-9.1\t-75.5\tPista, destruida\n"
    result = read_csv(data, LIMITS, deadline())
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (1, 1, 0)
    values = result.candidates[0].values
    assert values["event_type"] == "airstrip_destroyed" and values["original_type"] == "airstrip_destroyed"
    assert (values["latitude"], values["longitude"]) == (-9.1, -75.5)
    assert values["summary"] == "Pista, destruida"


def test_csv003_semicolon_with_decimal_commas():
    data = (
        "fecha;tipo;latitud_unused;lat;lon;kg;lugar\n"
        "18/03/2017;Destrucción de laboratorio;x;-12,5;-73,9;1,5;Pichari\n"
        "19/03/2017;Erradicación;x;-12,25;-73,75;;Llochegua\n"
    ).encode("cp1252")
    result = read_csv(data, LIMITS, deadline())
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (2, 2, 0)
    first, second = (c.values for c in result.candidates)
    assert (first["latitude"], first["longitude"], first["quantity_kg"]) == (-12.5, -73.9, 1.5)
    assert first["event_date"] == date(2017, 3, 18) and first["event_type"] == "lab_destroyed"
    assert second["event_type"] == "coca_eradication" and second["location"] == "Llochegua"
    assert [w.field for w in result.warnings] == ["file", "latitud_unused"]  # Windows-1252, unused column


def test_csv004_decimal_comma_can_be_forced_either_way():
    data = b"date|lat|lon\n2017-01-01|-12,5|-73,9\n"
    assert read_csv(data, LIMITS, deadline()).candidates[0].values["latitude"] == -12.5
    refused = read_csv(data, LIMITS, deadline(), decimal_comma=False)
    assert [(p.row, p.field) for p in refused.rejected] == [(2, "lat"), (2, "lon")]


def test_csv005_place_names_only_are_candidates_for_geocoding():
    data = b"date,place,country,region\n2021-07-01,Pichari,Peru,Cusco\n2021-07-02,Lima,PER,\n"
    result = read_csv(data, LIMITS, deadline())
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (2, 2, 0)
    assert result.candidates[0].values == {
        "event_date": date(2021, 7, 1), "date_precision": "day", "location": "Pichari", "country": "Peru",
        "admin1": "Cusco",
    }


def test_csv006_no_place_or_date_columns_refuse_the_file():
    with pytest.raises(ImportRefused, match="latitude column .*lat.*place name column .*location"):
        read_csv(b"date,lat,notes\n2021-01-01,-12,x\n", LIMITS, deadline())
    with pytest.raises(ImportRefused, match="no date column: looked for event_date/date/fecha"):
        read_csv(b"place,notes\nLima,x\n", LIMITS, deadline())
    with pytest.raises(ImportRefused, match="empty"):
        read_csv(b"\n \n", LIMITS, deadline())
    for reader in (read_csv, read_acled):
        with pytest.raises(ImportRefused, match="no header row"):
            reader(b",,,,\n,,,,\n", LIMITS, deadline())


def test_csv007_field_count_mismatch_and_bad_values_reject_only_their_row():
    data = (
        b"date,location,fatalities\n"
        b"2021-01-01,Pichari,1\n"
        b"2021-01-02,Pichari\n"
        b"2021-01-03,Pichari,1,extra\n"
        b"2021-13-01,Pichari,1\n"
        b",Pichari,1\n"
        b"2021-01-06,Pichari,-1\n"
        b"\n"
        b"2021-01-08,\"Santa Rosa, Loreto\",2\n"
    )
    result = read_csv(data, LIMITS, deadline())
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (7, 2, 5)
    assert [(p.row, p.field, p.reason) for p in result.rejected] == [
        (3, "row", "2 fields, header has 3"),
        (4, "row", "4 fields, header has 3"),
        (5, "date", "'2021-13-01' is not a real date"),
        (6, "date", "no date"),
        (7, "fatalities", "-1 is outside 0..1e+06"),
    ]
    assert [c.row for c in result.candidates] == [2, 9]
    assert result.candidates[1].values["location"] == "Santa Rosa, Loreto"


def test_csv008_unterminated_quote_reports_its_row_and_keeps_earlier_rows():
    data = b'date,location\n2021-01-01,Pichari\n2021-01-02,"Llochegua\n2021-01-03,Lima\n'
    result = read_csv(data, LIMITS, deadline())
    assert (result.rows_read, len(result.candidates), len(result.rejected)) == (2, 1, 1)
    assert result.rejected[0].row == 3 and "malformed CSV" in result.rejected[0].reason


def test_csv009_quoted_multiline_field_keeps_line_numbers():
    data = b'date,location,notes\n2021-01-01,Pichari,"two\nlines"\n2021-01-02,Lima,x\n'
    result = read_csv(data, LIMITS, deadline())
    assert [c.row for c in result.candidates] == [2, 4]
    assert result.candidates[0].values["summary"] == "two\nlines"


@pytest.mark.parametrize("text, delimiter", [
    ('date,"place; name",lat,lon\n2020-01-01,"a; b",1,2\n', ","),
    ('date;"place, name";lat;lon\n2020-01-01;"a, b";1,5;2,5\n', ";"),
    ("date\tplace\tlat\tlon\n2020-01-01\ta, b; c\t1\t2\n", "\t"),
    ("date|place|lat|lon\n2020-01-01|a,b|1|2\n", "|"),
    ("location\nLima\n", ","),
])
def test_csv010_delimiter_sniffing(text, delimiter):
    assert sniff_delimiter(text) == delimiter


# --------------------------------------------------------------------------------- column aliases


def test_col001_aliases_are_case_space_and_accent_insensitive():
    values, problems = candidate_values_from_fields({
        "EVENT-DATE": "2019-05-04", "End Date": "2019-05-06", "Time Precision": "2", "País": "Perú",
        "Departamento": "Ayacucho", "Provincia": "Huanta", "Name": "ignored", "Lugar": "Llochegua",
        "Y": "-12,41", "X": "-73,91", "Precision": "3", "Sub Type": "Emboscada", "UID": "u1",
        "Notes": "n", "Link": "https://example.org", "Category": "drug_seizure",
    }, LIMITS, decimal_comma=True)
    assert problems == []
    assert values == {
        "event_date": date(2019, 5, 4), "date_end": date(2019, 5, 6), "date_precision": "month",
        "geo_precision": "region", "event_type": "drug_seizure", "original_type": "drug_seizure",
        "source_event_id": "u1", "original_subtype": "Emboscada", "country": "Perú", "admin1": "Ayacucho",
        "admin2": "Huanta", "location": "Llochegua", "summary": "n", "source_url": "https://example.org",
        "latitude": -12.41, "longitude": -73.91,
    }


def test_col002_non_text_values_and_problems_name_the_input_field():
    values, problems = candidate_values_from_fields(
        {"date": date(2020, 1, 2), "lat": -12.5, "lon": 200, "deaths": True, "precision": "exact",
         "tipo": None, "notes": "x" * 11},
        ImportLimits(max_field_chars=10),
    )
    assert values == {"event_date": date(2020, 1, 2), "date_precision": "day", "geo_precision": "exact",
                      "latitude": -12.5}
    assert [name for name, _ in problems] == ["notes", "lon", "deaths"]
    assert SETTING_OF_LIMIT["max_field_chars"] in problems[0][1]


@pytest.mark.parametrize("text, expected", [
    ("drug_seizure", "drug_seizure"),
    ("Decomiso de droga", "drug_seizure"),
    ("Ataque a la Policía", "attack_on_security_forces"),
    ("ambush on military patrol", "attack_on_security_forces"),
    ("Enfrentamiento armado", "armed_clash"),
    ("Pista de aterrizaje clandestina", "airstrip_destroyed"),
    ("Narcoavioneta", "aircraft_interdiction"),
    ("Intercepted aircraft", "aircraft_interdiction"),
    ("Pozas de maceración", "lab_destroyed"),
    ("cocaine lab destroyed", "lab_destroyed"),
    ("Erradicación de coca", "coca_eradication"),
    ("Detención", "arrest"),
    ("Capture of a leader", "arrest"),
    ("Protest", "other"),
    ("", "other"),
])
def test_col003_event_type_keywords(text, expected):
    assert event_type_of(text) == expected


# ------------------------------------------------------------------------------------------ limits

DATED = "date,location,notes\n"


def rows_text(count: int) -> bytes:
    return (DATED + "".join(f"2021-01-01,Pichari,{i}\n" for i in range(count))).encode()


def test_lim001_max_rows_just_under_and_over():
    limits = ImportLimits(max_rows=3)
    assert read_csv(rows_text(3), limits, deadline()).rows_read == 3
    with pytest.raises(LimitExceeded) as refused:
        read_csv(rows_text(4), limits, deadline())
    assert refused.value.setting == SETTING_OF_LIMIT["max_rows"]
    with pytest.raises(LimitExceeded):
        read_ucdp(table(GED_COLUMNS, GED_ROWS[:4], with_header=False), limits, deadline())
    assert read_ucdp(table(GED_COLUMNS, GED_ROWS[:3], with_header=False), limits, deadline()).rows_read == 3


def test_lim002_max_fields_per_row_just_under_and_over():
    limits = ImportLimits(max_fields_per_row=4)
    header = "date,location,notes,source\n"
    under = read_csv((header + "2021-01-01,Pichari,n,s\n").encode(), limits, deadline())
    assert len(under.candidates) == 1
    over = read_csv((header + "2021-01-01,Pichari,n,s,extra\n").encode(), limits, deadline())
    [problem] = over.rejected
    assert problem.row == 2 and problem.field == "row"
    assert problem.reason == "5 fields, more than the 4 allowed (limit set by RUTAS_MAX_FIELDS_PER_ROW)"
    with pytest.raises(LimitExceeded) as refused:
        read_csv(b"date,location,notes,source,extra\n", limits, deadline())
    assert refused.value.setting == SETTING_OF_LIMIT["max_fields_per_row"]
    # the ACLED header alone has more fields than this limit
    with pytest.raises(LimitExceeded):
        read_acled(table(ACLED_COLUMNS, [acled_row()]), ImportLimits(max_fields_per_row=30), deadline())
    assert len(read_acled(table(ACLED_COLUMNS, [acled_row()]), ImportLimits(max_fields_per_row=31),
                          deadline()).candidates) == 1


def test_lim003_max_field_chars_just_under_and_over():
    limits = ImportLimits(max_field_chars=20)
    under = read_csv((DATED + "2021-01-01,Pichari," + "x" * 20 + "\n").encode(), limits, deadline())
    assert under.candidates[0].values["summary"] == "x" * 20
    over = read_csv((DATED + "2021-01-01,Pichari," + "x" * 21 + "\n").encode(), limits, deadline())
    [problem] = over.rejected
    assert (problem.row, problem.field) == (2, "notes")
    assert problem.reason == "21 characters, more than the 20 allowed (limit set by RUTAS_MAX_FIELD_CHARS)"
    acled = read_acled(table(ACLED_COLUMNS, [acled_row(notes="y" * 5001)]), ImportLimits(max_field_chars=5000),
                       deadline())
    assert [(p.row, p.field) for p in acled.rejected] == [(2, "notes")]


def test_lim004_a_field_longer_than_the_csv_module_default_is_reported_by_our_limit():
    huge = "z" * 200_000  # over csv's default 131072-character field limit
    result = read_csv((DATED + f"2021-01-01,Pichari,{huge}\n").encode(), LIMITS, deadline())
    [problem] = result.rejected
    assert SETTING_OF_LIMIT["max_field_chars"] in problem.reason


def test_lim005_deadline_is_checked_while_reading():
    with pytest.raises(LimitExceeded) as refused:
        read_csv(rows_text(600), LIMITS, expired())
    assert refused.value.setting == SETTING_OF_LIMIT["max_parse_seconds"]


def test_lim006_iter_csv_rows_with_names_for_headerless_files():
    rows = list(iter_csv_rows("a,b\n\nc,d,e\n", ",", ImportLimits(max_fields_per_row=2), deadline(),
                              names=["x", "y"]))
    assert rows[0] == (1, ["a", "b"], None)
    line, fields, problem = rows[1]
    assert (line, fields, problem.field) == (3, None, "row")


def test_lim007_physical_lines_end_like_newline_mode_and_keep_their_ends():
    assert list(text_lines("a,b\r\nc\rd\n\ne")) == ["a,b\r\n", "c\r", "d\n", "\n", "e"]
    # an old Mac "CSV (Macintosh)" file (CR only) reads row by row
    result = read_csv(b"date,location\r2021-01-01,Pichari\r2021-02-01,Llochegua\r", LIMITS, deadline())
    assert [c.values["location"] for c in result.candidates] == ["Pichari", "Llochegua"]
    # a quoted field keeps its line break
    quoted = read_csv(b'date,location,notes\n2021-01-01,Pichari,"two\r\nlines"\n', LIMITS, deadline())
    assert quoted.candidates[0].values["summary"].splitlines() == ["two", "lines"]


def test_lim008_a_line_longer_than_any_row_within_the_limits_refuses_the_file_before_it_is_copied():
    limits = ImportLimits(max_fields_per_row=3, max_field_chars=10)
    assert longest_line(limits) == 70
    # the longest row the limits admit: three fields of ten escaped quotes each, quoted, plus its end
    widest = ",".join(['"' + '""' * 10 + '"'] * 3)
    assert len(widest) + 2 == longest_line(limits)  # with its "\r\n": just within the cap
    assert list(text_lines(widest + "\r\n", longest_line(limits))) == [widest + "\r\n"]
    text = DATED + "2021-01-01,Pichari,ok\n" + "2021-01-02,Pichari," + "x" * 100 + "\n"
    with pytest.raises(LimitExceeded) as refused:
        read_csv(text.encode(), limits, deadline())
    assert "line 3 is 120 characters long, more than the 70" in str(refused.value)
    assert refused.value.setting == "RUTAS_MAX_FIELDS_PER_ROW and RUTAS_MAX_FIELD_CHARS"
    # the same line split over two rows is two rows, one rejected for its long field
    split = DATED + "2021-01-01,Pichari,ok\n2021-01-02,Pichari," + "x" * 11 + "\n"
    assert [p.row for p in read_csv(split.encode(), limits, deadline()).rejected] == [3]
    acled = table(ACLED_COLUMNS, [acled_row(), acled_row(notes="n" * 60_000)])
    with pytest.raises(LimitExceeded, match="line 3 is"):
        read_acled(acled, ImportLimits(max_fields_per_row=40, max_field_chars=500), deadline())
