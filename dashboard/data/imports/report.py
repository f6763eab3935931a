"""The validation report of one import: what was read, kept, rejected and doubted, and why.

A real file repeats the same problem on thousands of rows ("'9-May-20' is not a date …" on every
row of an old ACLED export, "no source given" on every row of a KML). People read the report
grouped: one line per kind of problem, with its count, one example (with its value) and the first
rows. The full per-row list stays in ``to_csv`` and ``to_dict`` (the CLI's ``--json``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import lru_cache

from ..cells import neutralise_csv_cell as neutralise_cell
from .base import RowProblem

FIRST_ROWS_SHOWN = 5  # rows listed per group of alike problems; the rest are counted

# A quoted value ('9-May-20', "NA", “x”), not an apostrophe inside a word ("importer's").
_QUOTED = re.compile(r"(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"|“[^”]*”|‘[^’]*’")
_NUMBER = re.compile(r"[-+−]?\d+(?:[,.]\d+)*")  # "5,071", "-73.8", not a trailing comma


class ProblemKind(StrEnum):
    REJECTED = "rejected"  # the row was not imported
    WARNING = "warning"  # the row was imported; something about it is doubtful


class EmptyCause(StrEnum):
    """Why an import kept no row, so a report never says "see below" with nothing below."""

    REFUSED = "refused"  # the whole file was refused (``ImportReport.refused`` says why)
    NO_ROWS = "no_rows"  # the file held no rows, features or placemarks at all
    ALL_REJECTED = "all_rejected"  # every row was rejected; the grouped reasons say why
    UNEXPLAINED = "unexplained"  # rows were read, none kept, and no row-level reason was recorded


@dataclass(frozen=True)
class ProblemGroup:
    """Problems of one kind, field and reason (values aside), as one line of a report.

    ``example`` is the first problem of the group, with its value; ``alike`` is true when every
    problem of the group gave exactly that reason. ``rows`` are the first rows, in file order.
    """

    kind: ProblemKind
    field: str
    pattern: str
    example: RowProblem
    count: int
    rows: tuple[int, ...]
    alike: bool

    @property
    def whole_file(self) -> bool:
        """Row 0 is the file as a whole (its encoding, its date order, an ignored layer)."""
        return self.rows == (0,)


@lru_cache(maxsize=65_536)  # a file repeats the same few reasons (and values) on many rows
def reason_pattern(reason: str) -> str:
    """A reason with its quoted values and numbers blanked, so alike reasons compare equal.

    Parameters
    ----------
    reason
        One problem's reason, e.g. ``"'9-May-20' is not a date this importer reads"``.

    Returns
    -------
    str
        ``"'…' is not a date this importer reads"``; numbers become ``#``.
    """
    return _NUMBER.sub("#", _QUOTED.sub("'…'", reason))


def group_problems(problems: Iterable[RowProblem], kind: ProblemKind | str) -> list[ProblemGroup]:
    """Group problems by field and reason pattern.

    Parameters
    ----------
    problems
        Rejections or warnings of one report, in the order the importer found them.
    kind
        What they are (rejected rows or warnings on kept rows).

    Returns
    -------
    list of ProblemGroup
        Whole-file groups first, then the largest groups first (ties: the earliest row first).
    """
    # Same reason first (cheap), then same pattern: the pattern is computed once per distinct reason.
    # Dicts keep insertion order, so each group's first reason is the first one found.
    same_reason: dict[tuple[str, str], list[int]] = {}
    for problem in problems:
        same_reason.setdefault((problem.field, problem.reason), []).append(problem.row)
    members: dict[tuple[str, str], list[tuple[str, list[int]]]] = {}
    for (field_name, reason), rows in same_reason.items():
        members.setdefault((field_name, reason_pattern(reason)), []).append((reason, rows))
    groups = []
    for (field_name, pattern), reasons in members.items():
        first_reason, first_rows = reasons[0]
        rows = sorted({row for _, found in reasons for row in found})
        groups.append(ProblemGroup(
            kind=ProblemKind(kind), field=field_name, pattern=pattern,
            example=RowProblem(first_rows[0], field_name, first_reason),
            count=sum(len(found) for _, found in reasons), rows=tuple(rows[:FIRST_ROWS_SHOWN]),
            alike=len(reasons) == 1))
    return sorted(groups, key=lambda g: (not g.whole_file, -g.count, g.rows[0]))


def describe_group(group: ProblemGroup) -> str:
    """One plain-English line for a group (the command line's report).

    ``rejected: row 6, field 'event_date': '31/02/2020' is not a date …`` for one problem;
    ``rejected: 5,071 rows, field 'event_date', e.g. row 2: '9-May-20' is not a date … — rows 2,
    3, 4, 5, 6, …`` for many (``e.g.`` when the value differs from row to row).
    """
    if group.whole_file:
        where = "whole file"
    elif group.count == 1:
        where = f"row {group.rows[0]}"
    else:
        where = f"{group.count:,} rows"
    example = "" if group.alike else f", e.g. row {group.example.row}"  # the value differs by row
    line = f"  {group.kind}: {where}, field '{group.field}'{example}: {group.example.reason}"
    if group.count > 1 and not group.whole_file:
        shown = ", ".join(str(row) for row in group.rows)
        line += f" — rows {shown}" + (", …" if group.count > len(group.rows) else "")
    return line


@dataclass
class ImportReport:
    file_name: str
    format: str = ""
    dataset_id: str = ""
    name: str = ""  # the dataset's name (given, or the file name without its extension)
    read: int = 0
    accepted: int = 0
    geocoded: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    refused: str = ""  # why the whole file was refused; empty when rows were read
    already_imported: bool = False
    duplicates: int = 0  # accepted rows that may report the same event as another dataset's row

    @property
    def rejected_rows(self) -> int:
        return len({problem.row for problem in self.rejected})

    @property
    def imported(self) -> bool:
        return self.accepted > 0 and not self.refused

    @property
    def empty_cause(self) -> EmptyCause | None:
        """Why nothing was kept (``None`` when some row was)."""
        if self.refused:
            return EmptyCause.REFUSED
        if self.accepted > 0:
            return None
        if self.rejected:
            return EmptyCause.ALL_REJECTED
        return EmptyCause.NO_ROWS if self.read == 0 else EmptyCause.UNEXPLAINED

    def rejected_groups(self) -> list[ProblemGroup]:
        """Rejections grouped by field and reason (see :func:`group_problems`)."""
        return group_problems(self.rejected, ProblemKind.REJECTED)

    def warning_groups(self) -> list[ProblemGroup]:
        """Warnings grouped by field and reason (see :func:`group_problems`)."""
        return group_problems(self.warnings, ProblemKind.WARNING)

    def to_dict(self) -> dict[str, object]:
        return {
            "file_name": self.file_name,
            "format": self.format,
            "dataset_id": self.dataset_id or None,
            "name": self.name,
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected_rows,
            "geocoded": self.geocoded,
            "warnings": [asdict(w) for w in self.warnings],
            "rejected_rows": [asdict(p) for p in self.rejected],
            "refused": self.refused or None,
            "already_imported": self.already_imported,
            "duplicates": self.duplicates,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        return cls(
            file_name=str(data.get("file_name", "")), format=str(data.get("format", "")),
            dataset_id=str(data.get("dataset_id") or ""), name=str(data.get("name", "")),
            read=int(data.get("read", 0)),
            accepted=int(data.get("accepted", 0)), geocoded=int(data.get("geocoded", 0)),
            rejected=[RowProblem(**p) for p in data.get("rejected_rows", [])],
            warnings=[RowProblem(**w) for w in data.get("warnings", [])],
            refused=str(data.get("refused") or ""),
            already_imported=bool(data.get("already_imported", False)),
            duplicates=int(data.get("duplicates", 0)),
        )

    def to_csv(self) -> str:
        """One line per problem: kind (refused/rejected/warning), row, field, reason."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["kind", "row", "field", "reason"])
        if self.refused:
            writer.writerow(["refused", "", "", neutralise_cell(self.refused)])
        for kind, problems in (("rejected", self.rejected), ("warning", self.warnings)):
            for problem in problems:
                writer.writerow([kind, problem.row, neutralise_cell(problem.field),
                                 neutralise_cell(problem.reason)])
        return buffer.getvalue()

    def summary_lines(self, limit: int = 20) -> list[str]:
        """Plain-text report for the command line: counts, why nothing was kept, grouped problems.

        ``limit`` is the number of groups shown per kind; ``--json`` and the CSV keep every row.
        """
        if self.refused:
            return [f"{self.file_name}: refused — {self.refused}"]
        lines = [
            f"{self.file_name} ({self.format}): read {self.read:,} rows, accepted {self.accepted:,}, "
            f"rejected {self.rejected_rows:,}, warnings {len(self.warnings):,}"
            + (f", geocoded {self.geocoded:,}" if self.geocoded else ""),
        ]
        if self.empty_cause is not None:
            lines.append(f"nothing imported: {EMPTY_CAUSE_TEXT[self.empty_cause]}")
        if self.dataset_id:
            lines.append(f"dataset: {self.dataset_id}" + (" (already imported)" if self.already_imported else ""))
        if self.duplicates:
            lines.append(f"{self.duplicates} rows may report events already in another dataset "
                         "(kept; shown side by side in the app)")
        for kind, groups in ((ProblemKind.REJECTED, self.rejected_groups()),
                             (ProblemKind.WARNING, self.warning_groups())):
            lines.extend(describe_group(group) for group in groups[:limit])
            if len(groups) > limit:
                lines.append(f"  … and {len(groups) - limit} more kinds of {kind} (--json lists every row)")
        return lines


EMPTY_CAUSE_TEXT = {
    EmptyCause.REFUSED: "the file was refused",
    EmptyCause.NO_ROWS: "the file holds no rows, features or placemarks to read",
    EmptyCause.ALL_REJECTED: "every row was rejected, for the reasons below",
    EmptyCause.UNEXPLAINED: "rows were read but none was kept, and no reason was recorded (please report this file)",
}
