"""Turn an upload's rows into `SupplierInput`s under a column mapping, row by row.

A row is screened unless it has an error; warnings say what was dropped from a screened row:

* errors: no name; a name with no letters (a date or number: usually the wrong column, or
  a cell Excel reformatted); a name longer than `MAX_NAME_LENGTH`; an Excel error value
  (#N/A...) in the name; a formula without a saved result in any mapped cell, since Excel
  shows the officer a value we cannot see; a name cell inside a merged range but not its
  top-left cell (read as empty).
* warnings, the row still screened: an unknown country (screened without one: the country
  only nudges scores, and leaving it out never hides a listed name, whereas refusing the
  row would leave the supplier unscreened); an unknown type (screened as "unknown");
  an Excel error value or a covered merged cell in another mapped column (ignored).

Multi-valued cells (other names, registration numbers, owners) split on ";" and line
breaks. Owners are screened as persons; their role comes from the column's header
("Directors" -> director). Countries are ISO codes or English/French names (`to_alpha2`);
"n/a", "-", "none" and "unknown" count as blank.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from service.schemas import KIND_SYNONYMS, KINDS, MAX_NAME_LENGTH, Owner, SupplierInput
from service.spreadsheets.archive import CellRange
from service.spreadsheets.errors import UploadError
from service.spreadsheets.headers import FIELDS, owner_role
from service.spreadsheets.uploads import Upload, UploadRow
from watchlists.countries import to_alpha2

Severity = Literal["error", "warning"]
EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!"}
)
MAX_COVERED_CELLS = 1_000_000  # merged cells tracked row by row; past it only the upload warns

_BLANK_COUNTRIES = frozenset({"n/a", "-", "--", "none", "unknown", "inconnu"})  # "NA" is Namibia
_KIND_WORDS = {
    **{kind: kind for kind in KINDS},
    **KIND_SYNONYMS,
    **dict.fromkeys(["organisation", "firm", "business", "legal person", "legal entity"], "organization"),
    **dict.fromkeys(["societe", "entreprise", "personne morale", "fournisseur"], "organization"),
    **dict.fromkeys(["natural person", "personne physique", "personne", "individu"], "person"),
    **dict.fromkeys(["ship", "navire", "bateau"], "vessel"),
    **dict.fromkeys(["aeronef", "avion", "plane"], "aircraft"),
    **dict.fromkeys(["inconnu"], "unknown"),
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T][\d:.]+)?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}:\d{2}(:\d{2})?")
_SEPARATORS = re.compile(r"[;\n\r]")


@dataclass(frozen=True)
class RowProblem:
    """Why a row was not screened (error) or what was left out of it (warning)."""

    row: int
    column: str | None  # 'C "Country"'; None for the row as a whole
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class RowResult:
    """One upload row: the supplier to screen, or None when an error stops it."""

    row: int
    supplier: SupplierInput | None
    problems: tuple[RowProblem, ...] = ()

    @property
    def errors(self) -> tuple[RowProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[RowProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


def apply_mapping(upload: Upload, mapping: Mapping[str, int]) -> Iterator[RowResult]:
    """One `RowResult` per upload row, in order. A bad mapping raises at once (`bad_mapping`)."""
    columns = _checked(mapping, upload.header)
    covered = _covered_cells(upload, set(columns.values()))
    return (_RowReader(upload, columns, covered, row).result() for row in upload.rows)


def _checked(mapping: Mapping[str, int], header: tuple[str, ...]) -> dict[str, int]:
    unknown = sorted(set(mapping) - set(FIELDS))
    bad = [
        f
        for f, c in mapping.items()
        if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c < len(header)
    ]
    twice = sorted({c for c in mapping.values() if list(mapping.values()).count(c) > 1}, key=str)
    problems = [
        *([f"unknown field(s) {', '.join(unknown)}; fields: {', '.join(FIELDS)}"] if unknown else []),
        *([f"no column {mapping[f]!r} for {f} (0 to {len(header) - 1})" for f in bad]),
        *([f"column(s) {', '.join(map(str, twice))} mapped to more than one field"] if twice else []),
        *(["the name column must be mapped"] if "name" not in mapping else []),
    ]
    if problems:
        raise UploadError("bad_mapping", "bad column mapping: " + "; ".join(problems), problems)
    return dict(mapping)


def _covered_cells(upload: Upload, columns: set[int]) -> dict[tuple[int, int], CellRange]:
    """(row, column) -> merged range, for the non-top-left cells of mapped supplier columns."""
    covered: dict[tuple[int, int], CellRange] = {}
    for merged in upload.merged:
        for row in range(max(merged.min_row, upload.header_row + 1), merged.max_row + 1):
            for column in columns.intersection(range(merged.min_col, merged.max_col + 1)):
                if (row, column) != (merged.min_row, merged.min_col) and len(covered) < MAX_COVERED_CELLS:
                    covered[row, column] = merged
    return covered


class _RowReader:
    """Reads one row's mapped cells, collecting its problems."""

    def __init__(
        self,
        upload: Upload,
        columns: dict[str, int],
        covered: dict[tuple[int, int], CellRange],
        row: UploadRow,
    ) -> None:
        self.upload, self.columns, self.covered, self.row = upload, columns, covered, row
        self.problems: list[tuple[int, RowProblem]] = []  # (column, problem)

    def result(self) -> RowResult:
        name = self.name()
        supplier = SupplierInput(
            name=name,
            kind=self.kind(),
            country=self.country(),
            other_names=tuple(dict.fromkeys(self.parts("other_names"))),
            original_script_name=" ".join(self.text("original_script_name").split()) or None,
            ref=self.text("ref").strip() or None,
            registration_numbers=tuple(dict.fromkeys(self.parts("registration_numbers"))),
            tax_id=self.text("tax_id").strip() or None,
            address=self.address(),
            owners=self.owners(),
        )
        problems = tuple(p for _, p in sorted(self.problems, key=lambda found: found[0]))
        failed = any(p.severity == "error" for p in problems)
        return RowResult(self.row.number, None if failed else supplier, problems)

    def text(self, field: str) -> str:
        """The mapped cell's text; "" when unmapped, empty, or unusable (a problem says why)."""
        column = self.columns.get(field)
        if column is None:
            return ""
        value = self.row.cells[column] if column < len(self.row.cells) else ""
        severity: Severity = "error" if field == "name" else "warning"
        if (self.row.number, column) in self.upload.uncomputed:
            self.add(
                field, "the formula in this cell has no saved result: open the file in Excel and save it"
            )
            return ""
        if value.strip() in EXCEL_ERRORS:
            self.add(field, f"the cell shows the Excel error {value.strip()}", severity)
            return ""
        merged = self.covered.get((self.row.number, column)) if not value.strip() else None
        if merged:
            top_left = f"{get_column_letter(merged.min_col + 1)}{merged.min_row}"
            self.add(
                field,
                f"inside the merged cells {merged.ref}, read as empty (the value is in {top_left})",
                severity,
            )
        return value

    def name(self) -> str:
        name = " ".join(self.text("name").split())
        if not name and not self.problems:  # the name is read first: any problem so far is the name's
            self.add("name", "no supplier name; the row is not screened")
        elif name and not any(c.isalpha() for c in name):
            what = (
                "a date"
                if _DATE.fullmatch(name)
                else "a number"
                if any(c.isdigit() for c in name)
                else "no letters"
            )
            self.add("name", f"the name is {what} ({name!r}): check the column mapping or the cell's format")
        elif len(name) > MAX_NAME_LENGTH:
            self.add("name", f"the name is longer than {MAX_NAME_LENGTH} characters")
        return name

    def kind(self) -> str:
        raw = " ".join(self.text("kind").split())
        kind = _KIND_WORDS.get(_plain(raw)) if raw else "unknown"
        if kind is None:
            self.add(
                "kind",
                f"unknown type {raw!r} (read as unknown); use one of {', '.join(KINDS[:4])}",
                "warning",
            )
        return kind or "unknown"

    def country(self) -> str | None:
        raw = " ".join(self.text("country").split())
        if not raw or raw.casefold() in _BLANK_COUNTRIES:
            return None
        code = to_alpha2(raw)
        if code is None:
            self.add(
                "country",
                f"unknown country {raw!r} (ignored); use an ISO code such as FR "
                "or the country's name in English or French",
                "warning",
            )
        return code

    def address(self) -> str | None:
        """One line: the cell's lines joined with ", "."""
        lines = (line.strip(" ,") for line in self.text("address").splitlines())
        return ", ".join(line for line in lines if line) or None

    def owners(self) -> tuple[Owner, ...]:
        column = self.columns.get("owners")
        role = owner_role(self.upload.header[column]) if column is not None else None
        return tuple(Owner(name, None, role) for name in dict.fromkeys(self.parts("owners")))

    def parts(self, field: str) -> list[str]:
        return [p for p in (" ".join(part.split()) for part in _SEPARATORS.split(self.text(field))) if p]

    def add(self, field: str, message: str, severity: Severity = "error") -> None:
        column = self.columns[field]
        label = f'{get_column_letter(column + 1)} "{self.upload.header[column]}"'
        self.problems.append((column, RowProblem(self.row.number, label, message, severity)))


def _plain(text: str) -> str:
    """Casefolded, accents dropped, punctuation as spaces (type words)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(
        "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c)).split()
    )
