"""The validation report of one import: what was read, kept, rejected and doubted, and why."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field

from ..cells import neutralise_csv_cell as neutralise_cell
from .base import RowProblem


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
        """Plain-text report for the command line."""
        if self.refused:
            return [f"{self.file_name}: refused — {self.refused}"]
        lines = [
            f"{self.file_name} ({self.format}): read {self.read} rows, accepted {self.accepted}, "
            f"rejected {self.rejected_rows}, warnings {len(self.warnings)}"
            + (f", geocoded {self.geocoded}" if self.geocoded else ""),
        ]
        if self.dataset_id:
            lines.append(f"dataset: {self.dataset_id}" + (" (already imported)" if self.already_imported else ""))
        if self.duplicates:
            lines.append(f"{self.duplicates} rows may report events already in another dataset "
                         "(kept; shown side by side in the app)")
        for kind, problems in (("rejected", self.rejected), ("warning", self.warnings)):
            for problem in problems[:limit]:
                where = f"row {problem.row}" if problem.row else "whole file"
                lines.append(f"  {kind}: {where}, field '{problem.field}': {problem.reason}")
            if len(problems) > limit:
                lines.append(f"  … and {len(problems) - limit} more {kind} (see --json)")
        return lines
