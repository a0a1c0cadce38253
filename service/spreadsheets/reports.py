"""Write the screening report of an upload: XLSX (Results, Alerts, Summary) or CSV (Results).

Results keep the officer's own columns first, then the status, the alert count and the best
match; Alerts hold one row per match with its full explanation; Summary says who ran it,
when, on which file, list versions, thresholds and algorithm, and the counts, which are
counted from the rows written so that they cannot disagree with them.

Every text cell, the officer's included, that starts with = + - @ or a tab or line break
is prefixed with a single quote (`neutralize`), so that no spreadsheet program runs it as a
formula ("CSV injection"). XLSX text also loses the control characters XML cannot carry
and is cut at Excel's 32,767 characters. The XLSX is written by openpyxl's write-only mode
(rows streamed to temporary files): only alert and error rows carry a style.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from service.spreadsheets.rows import RowProblem, RowResult
from service.spreadsheets.uploads import UploadRow

Status = Literal["alert", "clear", "error"]
Cell = str | int | float | None
Line = Sequence[Cell]

RESULT_COLUMNS = (
    *("Status", "Alerts", "Best match list", "Best match entry ID", "Best match name"),
    *("Best match score", "Best match reason", "Notes", "Upload row"),
)
ALERT_COLUMNS = (
    *("Upload row", "Screened as", "Screened name", "Rank", "List", "Entry ID", "Listed name"),
    *("Listed kind", "Programmes", "Listed countries", "Score", "Strong", "Query name", "Matched name"),
    *("Query normalised", "Matched normalised", "Reason", "Features", "Detail"),
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_CHARS = 32_767
ALERT_FILL = PatternFill("solid", fgColor="FFC7CE")  # Excel's "bad" red
ERROR_FILL = PatternFill("solid", fgColor="FFEB9C")  # Excel's "neutral" yellow
_BOLD = Font(bold=True)
_RESULT_WIDTHS = (9, 7, 16, 16, 36, 10, 50, 50, 11)
_ALERT_WIDTHS = (11, 11, 30, 6, 14, 14, 36, 12, 20, 14, 8, 8, 30, 30, 30, 30, 50, 60, 40)


@dataclass(frozen=True)
class RowOutcome:
    """What screening one upload row gave: its matches, best first, or why it was not screened.

    `matches` are the API's match objects (`service.screenings.screen_supplier`).
    """

    row: int
    screened: bool
    matches: tuple[Mapping[str, Any], ...] = ()
    problems: tuple[RowProblem, ...] = ()

    @classmethod
    def from_result(cls, result: RowResult, matches: Sequence[Mapping[str, Any]] = ()) -> RowOutcome:
        """The outcome of a mapped row and the matches its supplier gave (none when not screened)."""
        return cls(result.row, result.supplier is not None, tuple(matches), result.problems)

    @property
    def status(self) -> Status:
        if not self.screened:
            return "error"
        return "alert" if self.matches else "clear"


@dataclass(frozen=True)
class ListUsed:
    source: str
    version: str
    as_of: str | None = None


@dataclass(frozen=True)
class ReportSummary:
    """Who ran the screening, when, on what, and with which lists and settings."""

    run_by: str
    run_at: datetime
    filename: str
    lists: tuple[ListUsed, ...]
    algorithm: str  # name/version, e.g. "token-v1/1.0.0"
    threshold: float
    strong_threshold: float | None = None
    sheet: str | None = None


@dataclass
class _Counts:
    rows: int = 0
    alerts: int = 0
    matches: int = 0
    clear: int = 0
    errors: int = 0
    warned: int = 0

    def add(self, outcome: RowOutcome) -> None:
        self.rows += 1
        self.alerts += outcome.status == "alert"
        self.clear += outcome.status == "clear"
        self.errors += outcome.status == "error"
        self.matches += len(outcome.matches)
        self.warned += any(p.severity == "warning" for p in outcome.problems)


def neutralize(text: str) -> str:
    """`text` with a leading ' when a spreadsheet could read it as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_report_xlsx(
    upload_header: Sequence[str],
    rows: Iterable[UploadRow],
    results: Iterable[RowOutcome],
    summary: ReportSummary,
) -> bytes:
    """The XLSX report; `results` give one outcome per upload row, in the same order."""
    with _write_only_workbook() as workbook:
        width, header = len(upload_header), [*upload_header, *RESULT_COLUMNS]
        results_sheet = _sheet(workbook, "Results", header, _officer_widths(upload_header))
        alerts_sheet = _sheet(workbook, "Alerts", list(ALERT_COLUMNS), _ALERT_WIDTHS)
        summary_sheet = workbook.create_sheet("Summary")
        counts = _Counts()
        for row, outcome in _paired(rows, results):
            counts.add(outcome)
            fill = {"alert": ALERT_FILL, "error": ERROR_FILL}.get(outcome.status)
            results_sheet.append(_xlsx_row(results_sheet, _results_line(row, outcome, width), fill))
            for rank, match in enumerate(outcome.matches, start=1):
                alerts_sheet.append(_xlsx_row(alerts_sheet, _alert_values(row.number, rank, match)))
        results_sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{counts.rows + 1}"
        alerts_sheet.auto_filter.ref = f"A1:{get_column_letter(len(ALERT_COLUMNS))}{counts.matches + 1}"
        _write_summary(summary_sheet, summary, counts)
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


@contextmanager
def _write_only_workbook() -> Iterator[Any]:
    """A write-only workbook whose sheets' temporary files are removed even when writing fails."""
    workbook = Workbook(write_only=True)
    try:
        yield workbook
    except BaseException:
        workbook.save(io.BytesIO())  # closes each sheet's stream and removes its temporary file
        raise


def write_report_csv(
    upload_header: Sequence[str], rows: Iterable[UploadRow], results: Iterable[RowOutcome]
) -> bytes:
    """The Results columns as UTF-8 CSV with a BOM, which Excel needs to read it as UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([neutralize(h) for h in [*upload_header, *RESULT_COLUMNS]])
    width = len(upload_header)
    for row, outcome in _paired(rows, results):
        line = _results_line(row, outcome, width)
        writer.writerow(["" if v is None else neutralize(v) if isinstance(v, str) else v for v in line])
    return buffer.getvalue().encode("utf-8-sig")


def _paired(
    rows: Iterable[UploadRow], results: Iterable[RowOutcome]
) -> Iterator[tuple[UploadRow, RowOutcome]]:
    for row, outcome in zip(rows, results, strict=True):
        if row.number != outcome.row:
            raise ValueError(f"the outcome of row {outcome.row} was given for upload row {row.number}")
        yield row, outcome


def _results_line(row: UploadRow, outcome: RowOutcome, width: int) -> list[Cell]:
    """The officer's cells, padded to the header's width, then the result columns."""
    best = outcome.matches[0] if outcome.matches else {}
    return [
        *row.cells,
        *[""] * (width - len(row.cells)),
        outcome.status,
        len(outcome.matches),
        best.get("source"),
        best.get("entry_id"),
        best.get("name"),
        best.get("score"),
        best.get("explanation", {}).get("summary"),
        "\n".join(f"{p.column}: {p.message}" if p.column else p.message for p in outcome.problems) or None,
        row.number,
    ]


def _alert_values(row_number: int, rank: int, match: Mapping[str, Any]) -> list[Cell]:
    explanation = match.get("explanation", {})
    via = match.get("matched_via") or {}
    screened_as, screened_name = next(iter(via.items()), (None, None))
    features = "\n".join(
        f"{f.get('name')} {f.get('contribution', 0):+.3f}: {f.get('detail', '')}"
        for f in explanation.get("features", ())
    )
    detail = explanation.get("detail")
    return [
        *(row_number, screened_as, screened_name, rank, match.get("source"), match.get("entry_id")),
        *(match.get("name"), match.get("kind"), "; ".join(match.get("programs", ()))),
        *("; ".join(match.get("countries", ())), match.get("score"), "yes" if match.get("strong") else "no"),
        *(match.get("query_name"), match.get("matched_name"), explanation.get("query_normalized")),
        *(explanation.get("matched_normalized"), explanation.get("summary"), features or None),
        json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail else None,
    ]


def _write_summary(sheet: Any, summary: ReportSummary, counts: _Counts) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 24
    run_at = summary.run_at.astimezone(UTC) if summary.run_at.tzinfo else summary.run_at
    lines: list[Line] = [
        ["Supplier screening report"],
        [],
        ["Run by", summary.run_by],
        ["Run at (UTC)", run_at.strftime("%Y-%m-%d %H:%M:%S")],
        ["File", summary.filename],
        ["Sheet", summary.sheet],
        ["Algorithm", summary.algorithm],
        ["Alert threshold", summary.threshold],
        ["Strong match threshold", summary.strong_threshold],
        [],
        ["Rows", counts.rows],
        ["Alerts (rows)", counts.alerts],
        ["Matches", counts.matches],
        ["Clear", counts.clear],
        ["Not screened (errors)", counts.errors],
        ["Screened with warnings", counts.warned],
        [],
        ["Lists used", "Version", "As of"],
        *([lst.source, lst.version, lst.as_of] for lst in summary.lists),
    ]
    bold_rows = {0, len(lines) - len(summary.lists) - 1}
    for index, line in enumerate(lines):
        sheet.append(_xlsx_row(sheet, line, bold=index in bold_rows))


def _sheet(workbook: Any, title: str, header: list[str], widths: Sequence[int]) -> Any:
    """A write-only sheet with widths, a frozen bold header and (later) an autofilter."""
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"  # must be set before the first row is written
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(_xlsx_row(sheet, list(header), bold=True))
    return sheet


def _officer_widths(header: Sequence[str]) -> list[int]:
    return [min(max(len(h) + 4, 12), 40) for h in header] + list(_RESULT_WIDTHS)


def _xlsx_row(
    sheet: Any, values: Sequence[Cell], fill: PatternFill | None = None, bold: bool = False
) -> list[Any]:
    """Cell values ready for a write-only sheet; styled cells only when a style is asked for."""
    cleaned = [_xlsx_value(v) for v in values]
    if fill is None and not bold:
        return cleaned
    cells = []
    for value in cleaned:
        cell = WriteOnlyCell(sheet, value)
        if fill is not None:
            cell.fill = fill
        if bold:
            cell.font = _BOLD
        cells.append(cell)
    return cells


def _xlsx_value(value: Cell) -> Cell:
    if not isinstance(value, str):
        return value
    if not value:
        return None
    text: str = ILLEGAL_CHARACTERS_RE.sub("", neutralize(value))
    return text[:MAX_CELL_CHARS]
