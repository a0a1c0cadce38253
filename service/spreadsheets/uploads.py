"""Read an officer's upload, XLSX or CSV, into a header, supplier rows and a proposed mapping.

* The file type is told by the bytes, not the name: a zip is an XLSX workbook, an OLE2
  compound file an encrypted XLSX or a legacy .xls, and PDF, HTML/XML pages and binary
  data are refused as `not_spreadsheet`; anything else is read as CSV text.
* XLSX goes through openpyxl (read-only, cached formula values) after `archive` has vetted
  the zip. The sheet is the first sheet, visible ones before hidden ones, whose header has
  a recognisable name column. Merged ranges that reach the supplier rows, and formula cells
  with no saved result, are read by `archive.scan_sheet` and reported in `Upload.warnings`;
  `apply_mapping` turns them into row problems.
* CSV: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (with a warning); the
  delimiter is whichever of , ; and tab finds the best header in the first rows. Quoting is
  strict: a broken quote is `malformed_csv` naming the row, since a lenient reader would
  silently swallow the rows after it.
* Row numbers are those the officer sees: the worksheet row, or the CSV record. Empty rows
  are left out and every row loses its trailing empty cells. The header is the row, among
  the first `HEADER_SCAN_ROWS` non-empty ones, with a name column and the most known fields.
* Cells become text: numbers without a trailing ".0", dates as ISO 8601, booleans as
  TRUE/FALSE, as the officer reads them; nothing is stripped or neutralised here.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from typing import Any, Literal, NamedTuple
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from service.spreadsheets.archive import CellRange, SheetScan, open_archive, scan_sheet, sheet_paths
from service.spreadsheets.errors import UploadError
from service.spreadsheets.headers import (
    HEADER_SCAN_ROWS,
    SYNONYMS,
    accepted_names,
    find_header,
    header_key,
    propose_mapping,
)

MAX_ROWS = 200_000
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (",", ";", "\t")
FileType = Literal["xlsx", "csv"]

# What a damaged workbook makes openpyxl raise; anything else is a bug and propagates.
_OPENPYXL_ERRORS = (
    *(InvalidFileException, zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError),
    *(ValueError, TypeError, AttributeError, ParseError, DefusedXmlException),
)


class UploadRow(NamedTuple):
    number: int  # the row number the officer sees
    cells: tuple[str, ...]  # trailing empty cells left out


@dataclass(frozen=True)
class Upload:
    """A read upload: its header, supplier rows and the column mapping proposed for them."""

    filename: str
    file_type: FileType
    header: tuple[str, ...]  # padded with "" when rows reach past the last header cell
    header_row: int
    rows: tuple[UploadRow, ...]
    mapping: dict[str, int]  # field -> 0-based column, see `headers.propose_mapping`
    sheet: str | None = None  # XLSX only
    encoding: str | None = None  # CSV only: utf-8, utf-8-sig, utf-16 or cp1252
    delimiter: str | None = None  # CSV only
    merged: tuple[CellRange, ...] = ()  # merged ranges reaching the supplier rows
    uncomputed: frozenset[tuple[int, int]] = frozenset()  # (row, column) formulas without a result
    warnings: tuple[str, ...] = field(default=())


def read_upload(data: bytes, filename: str, *, max_rows: int = MAX_ROWS) -> Upload:
    """Read an XLSX or CSV supplier list; raises `UploadError` when it cannot be screened."""
    _refuse_other_files(data, filename)
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, filename, max_rows)
    return _read_csv(data, filename, max_rows)


def _refuse_other_files(data: bytes, filename: str) -> None:
    if not data.strip():
        raise UploadError("empty", f"{filename} is empty")
    if data.startswith(OLE_MAGIC):
        raise UploadError(
            "password_protected",
            f"{filename} is password-protected or an old .xls workbook: "
            "save it as .xlsx (without a password) or CSV and upload it again",
        )
    if data.startswith(b"%PDF"):
        raise UploadError("not_spreadsheet", f"{filename} is a PDF document, not a spreadsheet")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        what = (
            "an Excel 2003 XML spreadsheet"
            if b"urn:schemas-microsoft-com:office:spreadsheet" in head
            else "a web page or XML document (some systems export these as 'Excel' files)"
        )
        raise UploadError(
            "not_spreadsheet", f"{filename} is {what}: open it in Excel and save it as .xlsx or CSV"
        )


# --- XLSX ----------------------------------------------------------------------------------


def _read_xlsx(data: bytes, filename: str, max_rows: int) -> Upload:
    with open_archive(data, filename) as archive:
        paths = sheet_paths(archive, filename)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except _OPENPYXL_ERRORS as exc:
            raise UploadError("not_spreadsheet", f"{filename} is a damaged XLSX workbook ({exc})") from exc
        try:
            sheet = _choose_sheet(workbook.worksheets, filename)
            path = paths.get(sheet.title)
            scan = scan_sheet(archive, path) if path else SheetScan((), frozenset())
            where = f"{filename}, sheet {sheet.title!r}"
            header, rows = _split(_sheet_rows(sheet, scan.uncomputed), max_rows, where)
        except _OPENPYXL_ERRORS as exc:
            raise UploadError("not_spreadsheet", f"{filename} is a damaged XLSX workbook ({exc})") from exc
        finally:
            workbook.close()
    merged = tuple(r for r in scan.merged if r.max_row > header.number)
    uncomputed = frozenset(cell for cell in scan.uncomputed if cell[0] > header.number)
    notes = [*_merge_note(merged), *_formula_note(uncomputed)]
    return _upload(
        filename, "xlsx", header, rows, sheet=sheet.title, merged=merged, uncomputed=uncomputed, notes=notes
    )


def _choose_sheet(sheets: list[Any], filename: str) -> Any:
    """The first sheet, visible ones first, whose header has a name column."""
    first_rows: list[tuple[str, UploadRow]] = []
    for sheet in sorted(sheets, key=lambda s: s.sheet_state != "visible"):
        rows = _sheet_rows(sheet, frozenset())
        buffered = list(islice(rows, HEADER_SCAN_ROWS))
        rows.close()
        if find_header([r.cells for r in buffered]) is not None:
            return sheet
        first_rows += [(sheet.title, buffered[0])] if buffered else []
    if not first_rows:
        raise UploadError("empty", f"{filename} has no rows: every sheet is empty")
    title, row = first_rows[0]
    raise _no_name_column(f"{filename}, sheet {title!r}", row)


def _sheet_rows(sheet: Any, uncomputed: frozenset[tuple[int, int]]) -> Generator[UploadRow]:
    """The sheet's non-empty rows as text; a row with an unsaved formula is not empty."""
    sheet.reset_dimensions()  # a stale <dimension> would drop or pad cells
    formula_rows = {row for row, _ in uncomputed}
    values: tuple[Any, ...]
    for number, values in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
        cells = _trimmed([_cell_text(v) for v in values])
        if cells or number in formula_rows:
            yield UploadRow(number, cells)


def _cell_text(value: object) -> str:
    """A cell as the officer reads it (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _merge_note(merged: tuple[CellRange, ...]) -> list[str]:
    if not merged:
        return []
    refs = ", ".join(r.ref for r in merged[:5]) + (", ..." if len(merged) > 5 else "")
    return [
        f"{len(merged)} merged range(s) reach the supplier rows ({refs}): a merged range's value "
        "is read from its top-left cell only, and its other cells are read as empty"
    ]


def _formula_note(uncomputed: frozenset[tuple[int, int]]) -> list[str]:
    if not uncomputed:
        return []
    refs = ", ".join(f"{get_column_letter(c + 1)}{r}" for r, c in sorted(uncomputed)[:5])
    more = ", ..." if len(uncomputed) > 5 else ""
    return [
        f"{len(uncomputed)} formula cell(s) have no saved result ({refs}{more}):"
        " open the file in Excel, save it and upload it again"
    ]


# --- CSV -----------------------------------------------------------------------------------


def _read_csv(data: bytes, filename: str, max_rows: int) -> Upload:
    text, encoding = _decode(data, filename)
    delimiter = _sniff_delimiter(text)
    header, rows = _split(_csv_rows(text, delimiter, filename), max_rows, filename)
    note = (
        ["the file is not UTF-8 and was read as Windows-1252: check accented names in the report"]
        if encoding == "cp1252"
        else []
    )
    return _upload(filename, "csv", header, rows, encoding=encoding, delimiter=delimiter, notes=note)


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    """The text and the encoding it was read in; binary data is `not_spreadsheet`."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _strict(data, "utf-16", filename), "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict(data, "utf-8-sig", filename), "utf-8-sig"
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _strict(data, "cp1252", filename), "cp1252"
    sample = text[:65536]
    controls = sum(1 for c in sample if c < " " and c not in "\t\r\n")
    if "\x00" in sample or controls > max(10, len(sample) // 100):
        raise UploadError(
            "not_spreadsheet",
            f"{filename} holds binary data, not a spreadsheet (if it is UTF-16 text without a "
            "byte-order mark, save it as 'CSV UTF-8')",
        )
    return text.rstrip("\x1a"), encoding


def _strict(data: bytes, encoding: str, filename: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UploadError(
            "not_spreadsheet",
            f"{filename} is not a spreadsheet: neither XLSX nor CSV text in UTF-8, UTF-16 or Windows-1252",
        ) from exc


def _sniff_delimiter(text: str) -> str:
    """The delimiter whose split of the first rows gives the best header (ties: more cells)."""
    sample = "".join(islice(io.StringIO(text, newline=""), HEADER_SCAN_ROWS * 2))

    def score(delimiter: str) -> tuple[int, int, int]:
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        except csv.Error:
            return 0, 0, 0
        mappings = [(propose_mapping(row), len(row)) for row in rows]
        return max(((int("name" in m), len(m), width) for m, width in mappings), default=(0, 0, 0))

    return max(DELIMITERS, key=score)


def _csv_rows(text: str, delimiter: str, filename: str) -> Iterator[UploadRow]:
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    try:
        for number, cells in enumerate(records, start=1):  # noqa: B007 (read in the except)
            trimmed = _trimmed(cells)
            if trimmed:
                yield UploadRow(number, trimmed)
    except csv.Error as exc:
        raise UploadError(
            "malformed_csv",
            f"{filename}: broken CSV at row {number + 1} (line {records.line_num}): {exc}; "
            "check the quotes in that row",
        ) from exc


# --- both ----------------------------------------------------------------------------------


def _trimmed(cells: list[str]) -> tuple[str, ...]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return tuple(cells[:end])


def _split(rows: Iterator[UploadRow], max_rows: int, where: str) -> tuple[UploadRow, list[UploadRow]]:
    """The header row and the supplier rows under it; raises when there are none or too many."""
    buffered = list(islice(rows, HEADER_SCAN_ROWS))
    if not buffered:
        raise UploadError("empty", f"{where} has no rows")
    position = find_header([r.cells for r in buffered])
    if position is None:
        raise _no_name_column(where, buffered[0])
    header = buffered[position]
    supplier_rows = buffered[position + 1 :]
    for row in rows:
        supplier_rows.append(row)
        if len(supplier_rows) > max_rows:
            break
    if len(supplier_rows) > max_rows:
        raise UploadError(
            "too_large", f"{where} has more than {max_rows:,} supplier rows: split it into smaller files"
        )
    if not supplier_rows:
        raise UploadError(
            "empty", f"{where} has a header (row {header.number}) but no supplier rows under it"
        )
    return header, supplier_rows


def _no_name_column(where: str, first_row: UploadRow) -> UploadError:
    found = [c.strip() for c in first_row.cells if c.strip()]
    listed = ", ".join(f'"{c}"' for c in found[:30]) or "none"
    return UploadError(
        "no_name_column",
        f"{where}: no column is recognisable as the supplier name. Headers found (row "
        f"{first_row.number}): {listed}. Accepted names: {accepted_names()}",
        {"headers_found": found, "accepted_names": list(SYNONYMS["name"])},
    )


def _upload(
    filename: str,
    file_type: FileType,
    header_row: UploadRow,
    rows: list[UploadRow],
    *,
    notes: Iterable[str] = (),
    **kwargs: Any,
) -> Upload:
    width = max(len(header_row.cells), *(len(r.cells) for r in rows))
    header = header_row.cells + ("",) * (width - len(header_row.cells))
    mapping = propose_mapping(header)
    warnings = [*_duplicate_notes(header, mapping), *_overflow_notes(header_row, rows), *notes]
    return Upload(
        filename=filename,
        file_type=file_type,
        header=header,
        header_row=header_row.number,
        rows=tuple(rows),
        mapping=mapping,
        warnings=tuple(warnings),
        **kwargs,
    )


def _duplicate_notes(header: tuple[str, ...], mapping: dict[str, int]) -> list[str]:
    notes = []
    for field_name, column in mapping.items():
        key = header_key(header[column])
        twins = [
            get_column_letter(i + 1)
            for i, text in enumerate(header)
            if i != column and header_key(text) == key
        ]
        if twins:
            notes.append(
                f'{field_name}: column {get_column_letter(column + 1)} "{header[column]}" is used; '
                f"column(s) {', '.join(twins)} have the same header and are not screened"
            )
    return notes


def _overflow_notes(header_row: UploadRow, rows: list[UploadRow]) -> list[str]:
    width = len(header_row.cells)
    beyond = [r.number for r in rows if len(r.cells) > width]
    if not beyond:
        return []
    shown = ", ".join(map(str, beyond[:5])) + (", ..." if len(beyond) > 5 else "")
    return [
        f"{len(beyond)} row(s) ({shown}) have cells right of the last header "
        f"(column {get_column_letter(width)}): they are kept in the report but not screened"
    ]
