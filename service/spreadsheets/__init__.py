"""Spreadsheets for procurement officers: read an upload, write the template and the report.

The flow a page, job or API call follows::

    upload = read_upload(data, filename)            # UploadError (.code) if unreadable
    mapping = upload.mapping                         # or the officer's corrected mapping
    outcomes = []
    for result in apply_mapping(upload, mapping):    # one RowResult per row, in order
        matches = screen_supplier(index, result.supplier, settings) if result.supplier else []
        outcomes.append(RowOutcome.from_result(result, matches))
    report = write_report_xlsx(upload.header, upload.rows, outcomes, summary)

Modules: `uploads` (XLSX/CSV reading), `archive` (zip vetting, merged cells and unsaved
formulas), `headers` (synonyms and the proposed mapping), `rows` (cells to
`SupplierInput`), `reports` (XLSX and CSV reports, formula neutralisation) and `template`.
Each module's docstring records the choices it makes.
"""

from service.spreadsheets.archive import CellRange
from service.spreadsheets.errors import CODES, UploadError
from service.spreadsheets.headers import FIELDS, SYNONYMS, header_key, propose_mapping
from service.spreadsheets.reports import (
    ListUsed,
    ReportSummary,
    RowOutcome,
    neutralize,
    write_report_csv,
    write_report_xlsx,
)
from service.spreadsheets.rows import RowProblem, RowResult, apply_mapping
from service.spreadsheets.template import build_template
from service.spreadsheets.uploads import MAX_ROWS, Upload, UploadRow, read_upload

__all__ = [
    "CODES",
    "FIELDS",
    "MAX_ROWS",
    "SYNONYMS",
    "CellRange",
    "ListUsed",
    "ReportSummary",
    "RowOutcome",
    "RowProblem",
    "RowResult",
    "Upload",
    "UploadError",
    "UploadRow",
    "apply_mapping",
    "build_template",
    "header_key",
    "neutralize",
    "propose_mapping",
    "read_upload",
    "write_report_csv",
    "write_report_xlsx",
]
