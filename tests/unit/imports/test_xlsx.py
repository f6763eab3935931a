"""Excel workbooks: GED and ACLED sheets map like their CSV; hostile workbooks are refused unread."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboard.data.imports.base import Format, ImportLimits
from dashboard.data.imports.detect import detect_format
from dashboard.data.imports.pipeline import import_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
COMPARED = ["source_event_id", "event_date", "date_end", "date_precision", "event_type", "original_type",
            "original_subtype", "actors", "country", "admin1", "admin2", "location", "latitude", "longitude",
            "geo_precision", "fatalities", "fatalities_low", "fatalities_high", "summary", "source_name"]


def workbook_of(frame: pd.DataFrame, **options) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, engine="openpyxl", **options)
    return buffer.getvalue()


def mapped(data: bytes, name: str) -> pd.DataFrame:
    outcome = import_bytes(data, name)
    assert not outcome.report.refused, outcome.report.refused
    return outcome.events[COMPARED].sort_values("source_event_id").reset_index(drop=True)


@pytest.mark.parametrize(("fixture", "dates_as_dates"), [
    ("ucdp/ged_25_1_layout.csv", True),  # UCDP's own Excel release: date cells
    ("ucdp/ged_17_1_layout.csv", False),
    ("acled/acled_2019_2022.csv", True),
    ("acled/acled_2020_excel_resaved.csv", False),  # '4-Mar-20' kept as text
])
def test_xls001_ged_and_acled_workbooks_map_like_their_csv(fixture, dates_as_dates):
    raw = (FIXTURES / fixture).read_bytes()
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if dates_as_dates:
        for column in ("date_start", "date_end", "event_date"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], format="mixed", dayfirst=False)
    data = workbook_of(frame, index=False, sheet_name="events")
    assert detect_format(data) is Format.XLSX
    from_csv, from_workbook = mapped(raw, fixture), mapped(data, "events.xlsx")
    assert len(from_workbook) == len(from_csv) > 0
    pd.testing.assert_frame_equal(from_workbook, from_csv, check_dtype=False)


def test_xls002_rows_are_the_sheets_rows_and_other_sheets_are_named():
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Incautaciones"
    sheet.append([])  # a blank first row, as hand-made sheets often have
    sheet.append(["Fecha", "Lugar", "Latitud", "Longitud", "Kilos", "Fuente"])
    sheet.append([pd.Timestamp("2019-07-02").to_pydatetime(), "Pichari", -12.52, -73.83, 250, "Test source"])
    sheet.append(["not a date", "Kimbiri", -12.61, -73.79, 10, "Test source"])
    sheet.append(["2019-07-03", "Llochegua", -12.41, -73.91, "NA", "Test source", "stray"])
    book.create_sheet("Notas").append(["free text"])
    book.save(buffer)
    outcome = import_bytes(buffer.getvalue(), "hoja.xlsx")
    report, events = outcome.report, outcome.events
    assert (report.read, report.accepted) == (3, 1)
    assert {(p.row, p.field) for p in report.rejected} == {(4, "Fecha"), (5, "row")}
    assert str(events["event_date"].iloc[0]) == "2019-07-02" and events["quantity_kg"].iloc[0] == 250
    assert any("other sheets ignored: Notas" in w.reason for w in report.warnings)


def hostile(parts: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_xls003_hostile_workbooks_are_refused_before_parsing():
    bomb = hostile({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b" " * 30_000_000})
    assert "times its size" in import_bytes(bomb, "bomb.xlsx").report.refused
    big = hostile({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"<a/>" * 1000},
                  zipfile.ZIP_STORED)
    assert "unpacks to" in import_bytes(big, "big.xlsx", limits=ImportLimits(max_kmz_uncompressed_bytes=1000)).report.refused
    dtd = hostile({"xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                      b"<workbook>&e;</workbook>"})
    assert "declares a DTD" in import_bytes(dtd, "xxe.xlsx").report.refused
    damaged = hostile({"xl/workbook.xml": b"<xml/>", "[Content_Types].xml": b"<x/>"})
    assert import_bytes(damaged, "damaged.xlsx").report.refused.startswith("a damaged Excel workbook")
