"""The streaming ACLED reader (Arrow blocks, a column at a time) against the row reader (issue 16.5).

Every case imports the same bytes twice, row by row (``block_bytes=0``) and in blocks small
enough to split the file into several, and expects the same events frame and the same report,
row numbers and messages included. Rows are invented (restating no real event) and say so.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from dashboard.data.imports.acled import ACLED_COLUMNS
from dashboard.data.imports.acled_stream import NeedsRowReader, acled_layout, stream_acled
from dashboard.data.imports.base import Deadline, Format, ImportLimits, ReadResult
from dashboard.data.imports.pipeline import import_bytes

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports" / "acled"
NOW = datetime(2025, 6, 1, tzinfo=UTC)  # fixed, so "in the future" is the same every run
TINY_BLOCK = 1024  # bytes: a few rows per Arrow block
LIMITS = ImportLimits(max_field_chars=400)


def acled_file(rows: list[dict[str, str]], delimiter: str = ",", line_end: str = "\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(ACLED_COLUMNS)
    for row in rows:
        assert not set(row) - set(ACLED_COLUMNS), set(row) - set(ACLED_COLUMNS)
        writer.writerow([row.get(name, "") for name in ACLED_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def invented(number: int, **values: str) -> dict[str, str]:
    """One invented ACLED row near Pichari (not a real event)."""
    row = {"event_id_cnty": f"INV{number}", "event_date": f"2019-{number % 12 + 1:02d}-{number % 27 + 1:02d}",
           "time_precision": "1", "event_type": "Battles", "sub_event_type": "Armed clash",
           "actor1": "Military Forces of Peru (2016-2020)", "inter1": "1", "actor2": "Shining Path (MPCP)",
           "inter2": "2", "country": "Peru", "iso": "604", "admin1": "Cusco", "location": f"Invented place {number}",
           "latitude": f"-12.{number % 90 + 5:02d}", "longitude": f"-73.{number % 80 + 10:02d}",
           "geo_precision": "1", "source": "INVENTED", "notes": f"INVENTED test row {number}, not a real event.",
           "fatalities": str(number % 4)}
    row.update(values)
    return row


def both_ways(data: bytes, caplog, limits: ImportLimits = LIMITS, must_stream: bool = True):
    """The row reader's outcome and the streaming one's; checks they agree in every detail."""
    by_rows = import_bytes(data, "invented.csv", limits=limits, now=NOW, block_bytes=0)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dashboard.data.imports.pipeline"):
        streamed = import_bytes(data, "invented.csv", limits=limits, now=NOW, block_bytes=TINY_BLOCK)
    handed_over = [record.getMessage() for record in caplog.records]
    if must_stream:
        assert handed_over == [], handed_over  # neither handed to the row reader nor failed
    else:
        assert handed_over and "row by row" in handed_over[0]
    assert streamed.report.to_dict() == by_rows.report.to_dict()
    pd.testing.assert_frame_equal(streamed.events, by_rows.events)
    return by_rows, streamed


def blocks_of(data: bytes, limits: ImportLimits = LIMITS) -> list:
    return list(stream_acled(data, limits, Deadline(60), ReadResult(Format.ACLED), TINY_BLOCK))


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.csv")))
def test_acs001_every_layout_fixture_streams_to_the_same_events(name, caplog):
    both_ways((FIXTURES / name).read_bytes(), caplog)


def test_acs002_blocks_give_the_row_readers_events_and_a_bad_row_its_true_line(caplog):
    rows = [invented(number) for number in range(40)]
    rows[2]["notes"] = 'INVENTED note over\ntwo lines, with "quotes" inside'  # row 2 takes lines 4-5
    rows[3]["notes"] = "INVENTED note over\r\nthree\nlines"  # lines 6-8
    rows[25]["event_date"] = "31/02/2019"  # a bad value in a later block
    rows[26]["latitude"] = "-95.5"
    rows[27]["time_precision"] = "7"
    rows[27]["fatalities"] = "many"
    data = acled_file(rows)
    assert len(blocks_of(data)) > 2
    by_rows, streamed = both_ways(data, caplog)
    # header line 1, rows from line 2; rows 2 and 3 hold 1 + 2 extra lines
    assert [(p.row, p.field) for p in streamed.report.rejected] == [
        (30, "event_date"), (31, "latitude"), (32, "time_precision"), (32, "fatalities")]
    assert streamed.report.rejected[0].reason == by_rows.report.rejected[0].reason
    assert "'31/02/2019' is not a real date" in streamed.report.rejected[0].reason
    assert streamed.report.accepted == 37
    assert streamed.events["summary"].iloc[2].startswith("INVENTED note over\ntwo lines")


def test_acs003_every_kind_of_problem_and_warning_matches(caplog):
    rows = [invented(number) for number in range(30)]
    rows[1].update(latitude="", longitude="", location="Pichari")  # geocoded from the gazetteer
    rows[2].update(latitude="", longitude="", location="Nowhere-that-is-invented")  # not in the gazetteer
    rows[3].update(longitude="")  # one coordinate only
    rows[4].update(event_id_cnty="INV0")  # an id used again, in another block
    rows[5].update(country="Narnia", iso="")  # unknown country
    rows[6].update(latitude="0", longitude="0")
    rows[7].update(event_date="2026-01-01")  # after NOW
    rows[8].update(source="NA")
    rows[9].update(latitude="-20.5", longitude="-100.0")  # at sea
    rows[10].update(latitude="-16.5", longitude="-68.15")  # La Paz: in Bolivia, declared Peru
    rows[11].update(notes="x" * 401)  # over max_field_chars
    rows[12].update(notes="NA", inter1="", inter2="0")
    rows[13].update(notes="", inter1="State Forces")
    rows[14].update(country="", iso="604.0", location="  Ñuñoa ", admin1=" Cusco")
    rows[15].update(event_date="", time_precision="")
    rows[16].update(event_id_cnty="", latitude="1e-1", longitude="-73.5", fatalities="2.0")
    rows[17].update(event_type="Explosions/Remote violence", sub_event_type="Remote explosive/landmine/IED",
                    inter2="7", assoc_actor_1="Peasant Patrol; Civilians (Peru)", geo_precision="3")
    rows[18].update(event_type="Strategic developments", sub_event_type="Arrests", time_precision="3.0")
    rows[19].update(event_date="18 March 2017", geo_precision="9")
    rows[20].update(fatalities="-1", latitude="abc")
    rows[21].update(location="", latitude="-12.25", longitude="-73.75")  # named by its coordinates
    data = acled_file(rows)
    by_rows, streamed = both_ways(data, caplog)
    fields = {(p.row, p.field) for p in streamed.report.rejected}
    assert {(4, "location"), (5, "longitude"), (13, "notes"), (17, "event_date"), (21, "geo_precision"),
            (22, "latitude"), (22, "fatalities")} <= fields
    warned = {(p.row, p.field) for p in streamed.report.warnings}
    assert {(6, "event_id"), (7, "country"), (8, "latitude"), (9, "event_date"), (10, "source_name"),
            (11, "latitude"), (12, "latitude")} <= warned
    assert streamed.report.geocoded == 1


def test_acs004_decimal_commas_numeric_dates_and_crlf_stream_alike(caplog):
    rows = [invented(number, event_date=f"{number % 12 + 1:02d}/{number % 28 + 1:02d}/2018",
                     latitude=f"-12,{number + 10}", longitude=f"-73,{number + 10}") for number in range(30)]
    rows[3]["latitude"] = "-12.5"  # a decimal point in a decimal-comma file
    both_ways(acled_file(rows, delimiter=";", line_end="\r\n"), caplog)


def test_acs005_only_delimiters_on_a_line_is_skipped_like_a_blank_row(caplog):
    data = acled_file([invented(1), invented(2)]) + b"," * (len(ACLED_COLUMNS) - 1) + b"\n" + acled_file(
        [invented(3)]).split(b"\n", 1)[1]
    by_rows, streamed = both_ways(data, caplog)
    assert (streamed.report.read, streamed.report.accepted) == (3, 3)
    assert streamed.events["source_event_id"].tolist() == ["INV1", "INV2", "INV3"]


@pytest.mark.parametrize("change, reason", [
    (lambda data: data.replace(b"\nINV5,", b"\n\nINV5,"), "a blank line"),
    (lambda data: data.replace(b"\nINV5,", b"\rINV5,"), "carriage return"),
    (lambda data: data.replace(b"INVENTED test row 5", b'"INVENTED" test row 5'), "quote"),
    (lambda data: data.replace(b"INVENTED test row 5,", b'"INVENTED test row 5"x,'), "quote"),
    (lambda data: data.replace(b"Invented place 5", "Invented pl\xe1ce 5".encode("cp1252")), "UTF-8"),
    (lambda data: data.replace(b"Invented place 5", b"Invented place 5,extra"), "Arrow"),
])
def test_acs006_what_arrow_reads_differently_goes_row_by_row_with_the_same_outcome(change, reason, caplog):
    data = change(acled_file([invented(number) for number in range(12)]))
    with pytest.raises(NeedsRowReader, match=reason):
        blocks_of(data)
    both_ways(data, caplog, must_stream=False)


def test_acs007_the_row_limit_refuses_the_same_way():
    data = acled_file([invented(number) for number in range(12)])
    limits = ImportLimits(max_rows=10)
    by_rows = import_bytes(data, "invented.csv", limits=limits, now=NOW, block_bytes=0)
    streamed = import_bytes(data, "invented.csv", limits=limits, now=NOW, block_bytes=TINY_BLOCK)
    assert streamed.report.refused == by_rows.report.refused != ""
    assert streamed.events.empty


def test_acs008_a_header_that_is_not_acleds_is_left_to_the_row_reader():
    with pytest.raises(NeedsRowReader):
        acled_layout(b"date,latitude,longitude\n2017-01-01,-12,-74\n", LIMITS, Deadline(60))


def test_acs009_remembered_answers_stay_bounded_and_right():
    from dashboard.data.imports.columnar import Answers

    calls = []
    double = Answers(lambda value: calls.append(value) or value * 2, kept=3)
    assert [double(v) for v in (1, 2, 1, 3, 4, 1)] == [2, 4, 2, 6, 8, 2]
    assert calls == [1, 2, 3, 4, 1]  # 1 asked again after the fourth distinct value cleared the memory
    assert len(double.known) <= 3


TRICKY_TEXTS = ["", " ", "NA", "n/a", " NULL ", "-", ".", "#null!", "Peru", "  Ñuñoa ", "Ñuñoa", "abc\u00a0",
                "\x1fPichari\x1f", "long enough text", " long enough text", "long enough text\n", "é€ab",
                "\u212aelvin", "nan", "NaN ", "quote \"inside\" text", "Llochegua, Ayacucho"]
TRICKY_NUMBERS = ["", "NA", "-", "12", "-12.5", "007", "-0", "1e-1", "1_000", " 12 ", "12.", ".5", "inf", "nan",
                  "-95.5", "95", "abc", "1,5", "-12,25", "1.250,5", "1.5e400", "١٢", "0.1000000000000000055511151231257827"]


def test_acs010_column_helpers_answer_like_the_row_functions():
    import pyarrow as pa

    from dashboard.data.imports.acled import cell_text
    from dashboard.data.imports.acled_stream import LONGEST_MISSING_MARKER
    from dashboard.data.imports.columnar import map_unless_plain, numbers
    from dashboard.data.imports.values import parse_number

    column = pa.array(TRICKY_TEXTS * 3, pa.string()).slice(2)  # an offset, like a block's slice
    assert map_unless_plain(column, cell_text, LONGEST_MISSING_MARKER).to_pylist() == [
        cell_text(value) for value in column.to_pylist()]
    for decimal_comma in (False, True):
        def parse(value, comma=decimal_comma):
            try:
                return parse_number(value, -90, 90, decimal_comma=comma)
            except ValueError as error:
                return str(error)
        values, reasons = numbers(pa.array(TRICKY_NUMBERS), parse, -90, 90, decimal_comma)
        expected = [parse(value) for value in TRICKY_NUMBERS]
        assert list(reasons) == [answer if isinstance(answer, str) else None for answer in expected]
        assert [None if v != v else v for v in values] == [
            answer if isinstance(answer, float) else None for answer in expected]
