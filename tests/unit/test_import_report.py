"""Import reports people can read (issue 14, item 8): problems grouped by reason, with counts,
one example value and the first rows; the CSV and JSON keep every row; an empty import says why.

Every row written here is obviously test text (no real event is described).
"""

from __future__ import annotations

import csv
import io

from dashboard.data.imports.base import RowProblem
from dashboard.data.imports.pipeline import import_bytes
from dashboard.data.imports.report import (
    FIRST_ROWS_SHOWN,
    EmptyCause,
    ImportReport,
    ProblemKind,
    group_problems,
    reason_pattern,
)
from dashboard.layout.data_panel import REPORT_GROUPS_SHOWN, build_report

NOT_A_DATE = "'{}' is not a date this importer reads"


def old_acled_report(rows: int = 5_071) -> ImportReport:
    """What the importer said of a 2020 ACLED export before two-digit years were read: every row
    refused for its date, each with its own value (rows start at line 2, after the header)."""
    rejected = [RowProblem(line, "event_date", NOT_A_DATE.format(f"{line % 28 + 1}-May-20"))
                for line in range(2, rows + 2)]
    return ImportReport(file_name="acled_2020.csv", format="acled", read=rows, rejected=rejected)


def cells(component) -> list[list[str]]:
    """Text of every table row under a Dash component (header rows included)."""
    found = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
            return
        if getattr(node, "_type", None) == "Tr":
            found.append([str(td.children) for td in node.children])
            return
        children = getattr(node, "children", None)
        if children is not None:
            walk(children)

    walk(component)
    return found


def test_agr101_reason_pattern_blanks_values_and_numbers_only():
    assert reason_pattern("'9-May-20' is not a date this importer reads") == "'…' is not a date this importer reads"
    assert reason_pattern("'27/04/20' is not a date this importer reads") == "'…' is not a date this importer reads"
    assert reason_pattern("-73.8,-12.5 is not on land (at sea)") == "#,# is not on land (at sea)"
    assert reason_pattern('“NA” is not a number') == "'…' is not a number"
    # An apostrophe inside a word is not a quote: the text around it stays.
    assert reason_pattern("the importer's rule says 'x'") == "the importer's rule says '…'"
    assert reason_pattern("no source given") == "no source given"


def test_agr102_5071_alike_rejections_are_one_group_with_count_example_and_first_rows():
    report = old_acled_report()
    [group] = report.rejected_groups()
    assert (group.kind, group.field, group.count) == (ProblemKind.REJECTED, "event_date", 5_071)
    assert group.pattern == "'…' is not a date this importer reads"
    assert group.example == RowProblem(2, "event_date", "'3-May-20' is not a date this importer reads")
    assert group.rows == (2, 3, 4, 5, 6) and len(group.rows) == FIRST_ROWS_SHOWN
    assert not group.alike  # the values differ from row to row


def test_agr103_cli_summary_is_one_line_per_kind_of_problem():
    report = old_acled_report()
    lines = report.summary_lines()
    assert lines[0] == "acled_2020.csv (acled): read 5,071 rows, accepted 0, rejected 5,071, warnings 0"
    assert lines[1] == "nothing imported: every row was rejected, for the reasons below"
    assert lines[2:] == ["  rejected: 5,071 rows, field 'event_date', e.g. row 2: "
                         "'3-May-20' is not a date this importer reads — rows 2, 3, 4, 5, 6, …"]


def test_agr104_repeated_warnings_are_one_line_and_do_not_bury_the_rare_ones():
    warnings = [RowProblem(row, "source_name", "no source given") for row in range(2, 802)]
    warnings.insert(300, RowProblem(301, "latitude", "-12.5,-73.8 is not on land (at sea)"))
    warnings.insert(0, RowProblem(0, "event_date", "dates read day first (27/04/20 cannot be month first)"))
    report = ImportReport(file_name="t.csv", format="csv", read=800, accepted=800, dataset_id="t-1",
                          warnings=warnings)
    groups = report.warning_groups()
    assert [(g.field, g.count, g.alike) for g in groups] == [
        ("event_date", 1, True),  # whole-file notes first
        ("source_name", 800, True),
        ("latitude", 1, True),
    ]
    assert groups[0].whole_file and groups[1].rows == (2, 3, 4, 5, 6)
    lines = report.summary_lines()
    assert "  warning: whole file, field 'event_date': dates read day first (27/04/20 cannot be month first)" in lines
    assert "  warning: 800 rows, field 'source_name': no source given — rows 2, 3, 4, 5, 6, …" in lines
    assert "  warning: row 301, field 'latitude': -12.5,-73.8 is not on land (at sea)" in lines
    assert len(lines) == 5  # header, dataset, three groups


def test_agr105_groups_split_by_field_and_by_reason_and_sort_by_size():
    problems = ([RowProblem(r, "latitude", f"'{r}x' is not a number") for r in (9, 4, 7)]
                + [RowProblem(r, "longitude", f"'{r}x' is not a number") for r in (5, 6)]
                + [RowProblem(3, "latitude", "missing")])
    groups = group_problems(problems, "rejected")
    assert [(g.field, g.pattern, g.count, g.rows) for g in groups] == [
        ("latitude", "'…' is not a number", 3, (4, 7, 9)),  # rows in file order
        ("longitude", "'…' is not a number", 2, (5, 6)),
        ("latitude", "missing", 1, (3,)),
    ]
    assert groups[0].example == RowProblem(9, "latitude", "'9x' is not a number")  # the first one found


def test_agr106_csv_and_json_keep_every_row():
    report = old_acled_report(rows=1_200)
    report.warnings = [RowProblem(row, "source_name", "no source given") for row in range(2, 302)]
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    assert rows[0] == ["kind", "row", "field", "reason"]
    assert len(rows) == 1 + 1_200 + 300
    assert rows[1] == ["rejected", "2", "event_date", "'3-May-20' is not a date this importer reads"]
    assert rows[-1] == ["warning", "301", "source_name", "no source given"]
    stored = report.to_dict()
    assert len(stored["rejected_rows"]) == 1_200 and len(stored["warnings"]) == 300
    assert ImportReport.from_dict(stored) == report  # upload outcome records read it back whole


def test_agr107_old_stored_reports_still_read():
    """A report stored before grouping (upload outcome records) has the same keys: it still renders."""
    stored = {"file_name": "old.csv", "format": "csv", "dataset_id": None, "name": "old", "read": 2,
              "accepted": 0, "rejected": 2, "geocoded": 0, "warnings": [],
              "rejected_rows": [{"row": 2, "field": "date", "reason": "missing"},
                                {"row": 3, "field": "date", "reason": "missing"}],
              "refused": None, "already_imported": False, "duplicates": 0}
    report = ImportReport.from_dict(stored)
    assert report.empty_cause is EmptyCause.ALL_REJECTED and report.rejected_groups()[0].count == 2
    assert "missing" in str(build_report(stored, "en"))


def test_agr108_panel_shows_groups_not_5071_lines():
    panel = build_report(old_acled_report().to_dict(), "en")
    rows = cells(panel)
    assert rows == [
        ["Rows", "First rows", "Field", "Reason"],
        ["5,071", "2, 3, 4, 5, 6, …", "event_date", "e.g. row 2: '3-May-20' is not a date this importer reads"],
    ]
    text = str(panel)
    assert "Rejected rows (5,071)" in text
    assert "none of the 5,071 rows could be used" in text


def test_agr109_panel_in_spanish_and_whole_file_rows():
    report = ImportReport(file_name="x.csv", format="csv", read=3, accepted=3, dataset_id="x-1",
                          warnings=[RowProblem(0, "date", "dates read day first"),
                                    RowProblem(2, "source_name", "no source given"),
                                    RowProblem(3, "source_name", "no source given")])
    rows = cells(build_report(report.to_dict(), "es"))
    assert rows == [["Filas", "Primeras filas", "Campo", "Motivo"],
                    ["1", "archivo", "date", "dates read day first"],
                    ["2", "2, 3", "source_name", "no source given"]]


def test_agr110_many_kinds_of_problem_are_capped_with_a_pointer_to_the_csv():
    problems = [RowProblem(row, f"column_{row}", "column not used") for row in range(1, REPORT_GROUPS_SHOWN + 6)]
    report = ImportReport(file_name="wide.csv", format="csv", read=1, accepted=1, dataset_id="w-1", warnings=problems)
    panel = build_report(report.to_dict(), "en")
    assert len(cells(panel)) == 1 + REPORT_GROUPS_SHOWN
    assert "… and 5 more kinds of problem; the downloadable report lists every row." in str(panel)
    lines = report.summary_lines(limit=3)
    assert lines[-1] == f"  … and {REPORT_GROUPS_SHOWN + 2} more kinds of warning (--json lists every row)"


def test_agr111_nothing_imported_always_says_why():
    no_rows = ImportReport(file_name="links.kml", format="kml", read=0)
    assert no_rows.empty_cause is EmptyCause.NO_ROWS
    assert "nothing imported: the file holds no rows, features or placemarks to read" in no_rows.summary_lines()
    shown = str(build_report(no_rows.to_dict(), "en"))
    assert "the file holds no rows, features or placemarks to read" in shown and "below" not in shown
    assert "no contiene filas" in str(build_report(no_rows.to_dict(), "es"))

    unexplained = ImportReport(file_name="odd.csv", format="csv", read=4)
    assert unexplained.empty_cause is EmptyCause.UNEXPLAINED
    assert "4 rows were read but none was kept" in str(build_report(unexplained.to_dict(), "en"))

    refused = ImportReport(file_name="x.bin", refused="not a file format this importer reads")
    assert refused.empty_cause is EmptyCause.REFUSED
    assert "not a file format this importer reads" in str(build_report(refused.to_dict(), "en"))

    kept = ImportReport(file_name="ok.csv", format="csv", read=1, accepted=1, dataset_id="ok-1")
    assert kept.empty_cause is None and not any(line.startswith("nothing imported") for line in kept.summary_lines())


def test_agr112_a_real_import_groups_its_own_reasons():
    """Through the whole pipeline: a CSV (CRLF) with 300 unreadable dates and no sources anywhere."""
    lines = ["date,latitude,longitude,location,notes"]
    lines += [f"2019-02-{day % 28 + 1:02d},-12.5,-73.8,Test place {day},obviously-test row" for day in range(40)]
    lines += [f"not a date {n},-12.5,-73.8,Test place,obviously-test row" for n in range(300)]
    report = import_bytes("\r\n".join(lines).encode(), "test.csv").report
    assert (report.read, report.accepted, len(report.rejected)) == (340, 40, 300)
    [rejected] = report.rejected_groups()
    assert (rejected.field, rejected.count, rejected.rows) == ("date", 300, (42, 43, 44, 45, 46))
    assert rejected.example.reason.startswith("'not a date 0' is not a date")
    sources = [g for g in report.warning_groups() if g.field == "source_name"]
    assert [(g.count, g.example.reason) for g in sources] == [(40, "no source given")]
    assert len(report.summary_lines()) <= 2 + len(report.rejected_groups()) + len(report.warning_groups())
