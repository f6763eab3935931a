"""One spreadsheet-safety rule for every CSV we write: exports and the import report alike."""

from __future__ import annotations

import csv
import io

import pytest

from dashboard.data.imports.base import RowProblem
from dashboard.data.imports.report import ImportReport

HOSTILE_FIELDS = ["=HYPERLINK(\"http://x\")", "\uff1dcmd()", "\u200b+1+1", "x;=SUM(A1)", "\t@x", " -2+3"]


@pytest.mark.parametrize("field", HOSTILE_FIELDS)
def test_cel001_the_import_report_csv_never_starts_a_formula(field):
    """A hostile column name or reason (the user's own file) is neutralised like an export cell."""
    report = ImportReport(file_name="x.csv", rejected=[RowProblem(row=2, field=field, reason=field)])
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        # Read as a semicolon spreadsheet would: every piece must be inert.
        for piece in cell.split(";"):
            visible = piece.lstrip(" \u200b\ufeff\u00a0\"")
            assert visible[:1] not in {"=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"} \
                and not piece.startswith(("\t", "\r")), (field, cell)
    assert any(field == cell.replace("'", "") for cell in cells)  # kept, only prefixed
