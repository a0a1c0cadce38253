"""The blank supplier list officers download, fill in and upload."""

from __future__ import annotations

import io

import pycountry
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

from service.schemas import KINDS

TEMPLATE_COLUMNS = (
    ("Supplier name", 40, "Required. The supplier's full legal name, as registered."),
    ("Vendor no.", 14, "Your own vendor number or UNGM number; copied into the report."),
    ("Country", 10, "Country of registration: ISO code (FR) or name in English or French."),
    ("Type", 14, "organization, person, vessel or aircraft. Empty: unknown."),
    ("Other names", 30, "Trading names, former names, acronyms. Separate several with ;"),
    ("Registration no.", 18, "Company registration number(s). Separate several with ;"),
    ("Tax ID", 16, "VAT number or tax identification number."),
    ("Address", 40, "Registered address."),
    ("Owners", 40, "Owners and directors, screened as persons. Separate several with ;"),
)
TEMPLATE_ROWS = 10_000  # rows the drop-down lists cover
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def build_template() -> bytes:
    """An XLSX supplier list: header, drop-down lists, instructions and country codes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Suppliers"
    sheet.append([name for name, _, _ in TEMPLATE_COLUMNS])
    for index, (_, width, _) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    _instructions(workbook)
    countries = _country_sheet(workbook)
    last = TEMPLATE_ROWS + 1
    kinds = DataValidation(
        type="list", formula1=f'"{",".join(KINDS[:4])}"', allow_blank=True, showErrorMessage=True
    )
    kinds.error, kinds.errorTitle = f"Type is one of {', '.join(KINDS[:4])}.", "Type"
    kinds.add(f"D2:D{last}")
    codes = DataValidation(
        type="list", formula1=countries, allow_blank=True, showErrorMessage=True, errorStyle="warning"
    )
    codes.error = "Use an ISO country code from the list; a country name in English or French also works."
    codes.errorTitle = "Country"
    codes.add(f"C2:C{last}")
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(codes)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _country_sheet(workbook: Workbook) -> str:
    """A hidden sheet of ISO 3166-1 codes and names; returns the codes' range reference."""
    sheet = workbook.create_sheet("Countries")
    sheet.sheet_state = "hidden"
    sheet.append(["Code", "Country"])
    rows = sorted((c.alpha_2, c.name) for c in pycountry.countries)
    rows.append(("XK", "Kosovo"))  # user-assigned, used by the EU, OFAC and UK lists
    for code, name in sorted(rows):
        sheet.append([code, name])
    return f"Countries!$A$2:$A${len(rows) + 1}"


def _instructions(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("Instructions")
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 90
    lines = [
        ("How to use this list", ""),
        ("", "One supplier per row on the Suppliers sheet; keep the header row as it is."),
        ("", "Only Supplier name is required. Every other column makes the screening more precise."),
        ("", "Rows without a name are reported as errors; the other rows are still screened."),
        ("", "Save as .xlsx (without a password) or CSV before uploading."),
        ("", ""),
        ("Column", "What to enter"),
        *((name, help_text) for name, _, help_text in TEMPLATE_COLUMNS),
    ]
    for line in lines:
        sheet.append(list(line))
    for cell in (sheet["A1"], sheet["A7"], sheet["B7"]):
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=8, max_col=2):
        row[1].alignment = Alignment(wrap_text=True)
