"""The one error a bad upload raises; its `code` tells the cases apart."""

from __future__ import annotations

from typing import Any

from service.errors import BadRequestError

CODES = (
    "not_spreadsheet",  # random bytes, a PDF, an HTML page, a damaged or non-workbook zip
    "password_protected",  # an OLE2 file: encrypted XLSX or legacy .xls; or an encrypted zip
    "zip_bomb",  # the XLSX would inflate past the limit
    "too_large",  # more supplier rows than max_rows
    "empty",  # no bytes, no rows, or a header without rows under it
    "no_name_column",  # no sheet has a header with a recognisable name column
    "malformed_csv",  # broken quoting
    "bad_mapping",  # a column mapping without name, or naming an unknown field or column
)


class UploadError(BadRequestError):
    """A file that cannot be read as a supplier list; a 400 whose `code` is one of `CODES`."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        assert code in CODES, code
        super().__init__(message, details)
        self.code = code
