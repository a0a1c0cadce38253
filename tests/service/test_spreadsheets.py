"""The spreadsheet layer on files built in memory: uploads, mapping, template and reports."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from service.errors import BadRequestError
from service.spreadsheets import (
    FIELDS,
    SYNONYMS,
    ListUsed,
    ReportSummary,
    RowOutcome,
    RowResult,
    Upload,
    UploadError,
    apply_mapping,
    archive,
    build_template,
    header_key,
    neutralize,
    propose_mapping,
    read_upload,
    write_report_csv,
    write_report_xlsx,
)

TEMPLATE_HEADER = [
    *("Supplier name", "Vendor no.", "Country", "Type", "Other names", "Registration no."),
    *("Tax ID", "Address", "Owners"),
]


# --- builders ------------------------------------------------------------------------------


def xlsx(*sheets: tuple[str, Sequence[Sequence[Any]]], hidden: Sequence[str] = ()) -> bytes:
    """A workbook with one sheet per (title, rows)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        sheet.sheet_state = "hidden" if title in hidden else "visible"
    return save(workbook)


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def suppliers(*rows: Sequence[Any], header: Sequence[str] = ("Supplier name", "Country")) -> bytes:
    return xlsx(("Suppliers", [header, *rows]))


def patched(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    """`data` with `old` replaced by `new` in one zip part (to write what openpyxl cannot)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                assert old in content, content[-500:]
                content = content.replace(old, new)
            target.writestr(info.filename, content)
    return out.getvalue()


def results(upload: Upload) -> list[RowResult]:
    return list(apply_mapping(upload, upload.mapping))


def read_one(*rows: Sequence[Any], header: Sequence[str] = ("Supplier name", "Country")) -> RowResult:
    (result,) = results(read_upload(suppliers(*rows, header=header), "list.xlsx"))
    return result


def error_code(data: bytes, filename: str = "list.xlsx", **kwargs: Any) -> UploadError:
    with pytest.raises(UploadError) as caught:
        read_upload(data, filename, **kwargs)
    return caught.value


# --- header synonyms -----------------------------------------------------------------------

BRIEF_SYNONYMS = {
    "name": (
        *("Supplier name", "Vendor", "Vendor name", "Company", "Company name", "Name of firm", "Firm"),
        *("Supplier", "Name", "Raison sociale", "Nom du fournisseur", "Fournisseur", "Entreprise"),
    ),
    "ref": (
        *("Vendor no.", "Vendor number", "Supplier ID", "UNGM number", "UNGM no", "Vendor ID"),
        "N° fournisseur",
    ),
    "country": ("Country", "Country code", "Country of registration", "Pays"),
    "kind": ("Type", "Kind", "Entity type"),
    "other_names": ("Other names", "Also known as", "AKA", "Trading name", "Autres noms"),
    "registration_numbers": (
        *("Registration no.", "Registration number", "Company number", "N° d'enregistrement", "SIRET"),
    ),
    "tax_id": ("Tax ID", "VAT number", "TIN", "N° TVA", "NIF"),
    "address": ("Address", "Adresse"),
    "owners": ("Owners", "Directors", "Beneficial owners"),
}


def test_every_synonym_the_officers_use_is_known() -> None:
    for field, synonyms in BRIEF_SYNONYMS.items():
        assert set(synonyms) <= set(SYNONYMS[field]), field
    assert set(SYNONYMS) == set(FIELDS)


def test_no_header_key_belongs_to_two_fields() -> None:
    owners = {key: field for field, synonyms in SYNONYMS.items() for key in map(header_key, synonyms)}
    assert sum(len(set(map(header_key, s))) for s in SYNONYMS.values()) == len(owners)


@pytest.mark.parametrize(("field", "synonym"), [(f, s) for f, synonyms in SYNONYMS.items() for s in synonyms])
def test_each_synonym_maps_its_field(field: str, synonym: str) -> None:
    if field == "name":
        assert propose_mapping(["Notes", synonym]) == {"name": 1}
    else:
        assert propose_mapping(["Supplier name", synonym])[field] == 1


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("SUPPLIER-NAME", "name"),
        ("  supplier   name ", "name"),
        ("nom du fournisseur", "name"),
        ("RAISON SOCIALE", "name"),
        ("Dénomination  Sociale", "name"),
        ("Vendor #", "ref"),
        ("Vendor No", "ref"),
        ("Nº fournisseur", "ref"),
        ("No. fournisseur", "ref"),
        ("numero fournisseur", "ref"),
        ("N° d’enregistrement", "registration_numbers"),
        ("n°tva", "tax_id"),
        ("PAYS", "country"),
        ("Type d'entite", "kind"),
        ("a.k.a.", "other_names"),
        ("Bénéficiaires effectifs", "owners"),
    ],
)
def test_headers_match_ignoring_case_accents_and_punctuation(header: str, field: str) -> None:
    assert field in propose_mapping(["Supplier name" if field != "name" else "Notes", header])


def test_the_most_specific_name_header_wins_and_unknown_headers_are_left_out() -> None:
    assert propose_mapping(["Name", "Vendor no.", "Supplier name", "Comments"]) == {"name": 2, "ref": 1}
    assert propose_mapping(["Vendor", "Vendor no."]) == {"name": 0, "ref": 1}


# --- reading XLSX --------------------------------------------------------------------------


def test_xlsx_upload_skips_title_and_empty_rows_and_trailing_empty_columns() -> None:
    data = xlsx(
        (
            "Suppliers",
            [
                ["Supplier list, Q3 2026"],
                [],
                ["Supplier name", "Vendor no.", "Pays", None, None],
                ["ACME Trading Ltd", 1001, "France", None, ""],
                [None, None, None],
                ["  ", None],
                ["Société Générale", 1002.0, "Allemagne"],
            ],
        )
    )
    upload = read_upload(data, "list.xlsx")
    assert (upload.file_type, upload.sheet, upload.header_row) == ("xlsx", "Suppliers", 3)
    assert upload.header == ("Supplier name", "Vendor no.", "Pays")
    assert upload.mapping == {"name": 0, "ref": 1, "country": 2}
    assert [tuple(r) for r in upload.rows] == [
        (4, ("ACME Trading Ltd", "1001", "France")),
        (7, ("Société Générale", "1002", "Allemagne")),
    ]
    assert upload.warnings == ()
    assert [r.supplier.country if r.supplier else None for r in results(upload)] == ["FR", "DE"]


def test_xlsx_upload_takes_the_first_sheet_with_a_name_column_visible_ones_first() -> None:
    data = xlsx(
        ("Read me", [["Fill the next sheet"], ["Thanks"]]),
        ("Old", [["Supplier name"], ["HIDDEN LTD"]]),
        ("Vendors", [["Vendor name", "Vendor no."], ["ACME", 1]]),
        hidden=["Old"],
    )
    upload = read_upload(data, "list.xlsx")
    assert upload.sheet == "Vendors"
    assert upload.rows[0].cells == ("ACME", "1")


def test_xlsx_cells_become_the_text_the_officer_reads() -> None:
    data = suppliers(
        ["ACME", 12.5, True, date(2024, 1, 31), datetime(2024, 1, 31, 8, 30), time(9, 15), 10.0],
        header=["Supplier name", "A", "B", "C", "D", "E", "F"],
    )
    cells = read_upload(data, "list.xlsx").rows[0].cells
    assert cells == ("ACME", "12.5", "TRUE", "2024-01-31", "2024-01-31 08:30:00", "09:15:00", "10")


def test_cells_beyond_the_header_are_kept_under_an_empty_header_with_a_warning() -> None:
    upload = read_upload(suppliers(["ACME", "FR", "stray note"]), "list.xlsx")
    assert upload.header == ("Supplier name", "Country", "")
    assert "right of the last header" in upload.warnings[0]
    assert results(upload)[0].supplier is not None


def test_a_header_printed_twice_uses_the_first_column_and_says_so() -> None:
    upload = read_upload(
        suppliers(["ACME", "FR", "ACME2"], header=["Supplier name", "Country", "Supplier name"]), "x"
    )
    assert upload.mapping["name"] == 0
    assert "column(s) C have the same header" in upload.warnings[0]


def test_a_stale_dimension_does_not_drop_cells() -> None:
    data = patched(
        suppliers(["ACME", "FR"]),
        "xl/worksheets/sheet1.xml",
        b'<dimension ref="A1:B2"',
        b'<dimension ref="B2:B2"',
    )
    assert read_upload(data, "list.xlsx").rows[0].cells == ("ACME", "FR")


# --- reading CSV ---------------------------------------------------------------------------

CSV_ROWS = [
    ["Raison sociale", "N° fournisseur", "Pays", "Autres noms"],
    ["Société Générale", "F-001", "Côte d'Ivoire", "SocGen; SG"],
    ["Ñandú Comercial, S.A.", "F-002", "Espagne", ""],
]


def csv_bytes(rows: Sequence[Sequence[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize(
    ("encoding", "read_as"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-be", None),
        ("cp1252", "cp1252"),
    ],
)
def test_csv_in_every_encoding_and_delimiter(delimiter: str, encoding: str, read_as: str | None) -> None:
    data = csv_bytes(CSV_ROWS, delimiter, encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # with its BOM, as Excel's "Unicode text" writes it
        read_as = "utf-16"
    upload = read_upload(data, "list.csv")
    assert (upload.file_type, upload.encoding, upload.delimiter) == ("csv", read_as, delimiter)
    assert upload.mapping == {"name": 0, "ref": 1, "country": 2, "other_names": 3}
    first, second = results(upload)
    assert first.supplier is not None and second.supplier is not None
    assert (first.supplier.name, first.supplier.country, first.supplier.other_names) == (
        "Société Générale",
        "CI",
        ("SocGen", "SG"),
    )
    assert (second.row, second.supplier.name, second.supplier.country) == (3, "Ñandú Comercial, S.A.", "ES")
    assert ("Windows-1252" in " ".join(upload.warnings)) == (encoding == "cp1252")


def test_csv_row_numbers_count_records_and_skip_empty_lines() -> None:
    data = b'Supplier name,Address\r\n\r\n"ACME","1 Main St\r\nSpringfield"\r\n,\r\nBETA,x\r\n'
    upload = read_upload(data, "list.csv")
    assert [r.number for r in upload.rows] == [3, 5]
    assert results(upload)[0].supplier.address == "1 Main St, Springfield"  # type: ignore[union-attr]


def test_broken_csv_quoting_names_the_row() -> None:
    error = error_code(b'Supplier name,Country\nACME,FR\n"BETA, FR\nGAMMA,DE\n', "list.csv")
    assert error.code == "malformed_csv"
    assert "row 3" in error.message


# --- files that are not supplier lists -----------------------------------------------------


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
HTML = b"<!DOCTYPE html><html><body><table><tr><td>ACME</td></tr></table>"
XML_2003 = b"\xef\xbb\xbf<?xml version='1.0'?><Workbook xmlns='urn:schemas-microsoft-com:office:spreadsheet'>"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.mark.parametrize(
    ("data", "filename", "code", "words"),
    [
        (b"", "list.csv", "empty", "is empty"),
        (b" \r\n\r\n", "list.csv", "empty", "is empty"),
        (random.Random(7).randbytes(5000), "list.xlsx", "not_spreadsheet", "not a spreadsheet"),
        (bytes(range(256)) * 4, "list.csv", "not_spreadsheet", "not a spreadsheet"),
        (bytes(range(1, 32)) * 20 + b"Supplier name\n", "list.csv", "not_spreadsheet", "binary data"),
        (
            "Supplier name\nACME\n".encode("utf-16-le"),
            "list.csv",
            "not_spreadsheet",
            "without a byte-order mark",
        ),
        (PDF, "list.pdf", "not_spreadsheet", "PDF"),
        (HTML, "list.xls", "not_spreadsheet", "web page"),
        (XML_2003, "list.xml", "not_spreadsheet", "Excel 2003 XML"),
        (OLE2, "list.xlsx", "password_protected", "password-protected or an old .xls"),
        (OLE2, "list.xls", "password_protected", "save it as .xlsx"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_with_a_reason(
    data: bytes, filename: str, code: str, words: str
) -> None:
    error = error_code(data, filename)
    assert (error.code, error.status) == (code, 400)
    assert words in error.message
    assert filename in error.message


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "OpenDocument"),
        (zip_of({"word/document.xml": b"<w/>"}), "Word document"),
        (zip_of({"xl/workbook.bin": b"\0"}), ".xlsb"),
        (zip_of({"notes.txt": b"hello"}), "not an XLSX workbook"),
        (b"PK\x03\x04" + bytes(100), "damaged zip"),
    ],
)
def test_zips_that_are_not_workbooks_are_refused(data: bytes, words: str) -> None:
    error = error_code(data)
    assert error.code == "not_spreadsheet"
    assert words in error.message


def test_a_truncated_workbook_is_refused() -> None:
    data = suppliers(["ACME", "FR"])
    assert error_code(data[: len(data) // 2]).code == "not_spreadsheet"


def test_an_encrypted_zip_member_is_password_protected() -> None:
    data = bytearray(suppliers(["ACME", "FR"]))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        start = data.find(signature)
        while start != -1:
            data[start + flag_offset] |= 0x1  # "encrypted"
            start = data.find(signature, start + 4)
    assert error_code(bytes(data)).code == "password_protected"


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        with target.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = bytes(1024 * 1024)
            for _ in range(archive.MAX_UNCOMPRESSED_BYTES // len(chunk) + 1):
                part.write(chunk)
    assert len(out.getvalue()) < 2 * 1024 * 1024
    error = error_code(out.getvalue())
    assert error.code == "zip_bomb"
    assert "200 MB" in error.message


def test_an_extreme_compression_ratio_is_refused() -> None:
    data = zip_of({"xl/worksheets/sheet1.xml": bytes(archive.RATIO_FLOOR_BYTES + 1)})
    assert error_code(data).code == "zip_bomb"


def test_too_many_rows_is_refused_in_both_formats() -> None:
    rows = [[f"SUPPLIER {i}", "FR"] for i in range(6)]
    assert error_code(suppliers(*rows), max_rows=5).code == "too_large"
    text = "Supplier name\n" + "\n".join(f"S{i}" for i in range(6))
    error = error_code(text.encode(), "list.csv", max_rows=5)
    assert (error.code, "more than 5 supplier rows" in error.message) == ("too_large", True)
    assert len(read_upload(text.encode(), "list.csv", max_rows=6).rows) == 6


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (xlsx(("Sheet1", [])), "every sheet is empty"),
        (suppliers(), "no supplier rows"),
        (b"Supplier name;Country\r\n", "no supplier rows"),
    ],
)
def test_empty_sheets_and_header_only_files_are_empty(data: bytes, words: str) -> None:
    error = error_code(data)
    assert error.code == "empty"
    assert words in error.message


def test_no_name_column_lists_the_headers_found_and_the_accepted_names() -> None:
    error = error_code(xlsx(("Data", [["Code", "Montant", "Pays"], ["X1", 10, "FR"]])))
    assert error.code == "no_name_column"
    assert '"Code", "Montant", "Pays"' in error.message
    assert '"Supplier name"' in error.message and '"Raison sociale"' in error.message
    assert error.details["headers_found"] == ["Code", "Montant", "Pays"]
    assert isinstance(error, BadRequestError)


# --- merged cells and formulas -------------------------------------------------------------


def test_merged_cells_are_read_as_their_top_left_value_and_reported() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Supplier list"])
    sheet.merge_cells("A1:C1")  # a merged title above the header: no warning
    sheet.append(["Supplier name", "Country", "Owners"])
    sheet.append(["ACME", "FR", "Jean Dupont"])
    sheet.append([None, None, "Marie Curie"])
    sheet.append(["BETA", "Germany", None])
    sheet.append(["GAMMA", None, None])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B5:B6")
    upload = read_upload(save(workbook), "list.xlsx")
    assert [r.ref for r in upload.merged] == ["A3:A4", "B5:B6"]
    assert "2 merged range(s)" in upload.warnings[0] and "top-left" in upload.warnings[0]
    acme, covered_name, beta, gamma = results(upload)
    assert acme.supplier is not None and acme.problems == ()
    assert covered_name.supplier is None
    assert str(covered_name.errors[0]) == (
        'row 4, column A "Supplier name": inside the merged cells A3:A4, read as empty (the value is in A3)'
    )
    assert beta.supplier is not None and beta.supplier.country == "DE"
    assert gamma.supplier is not None and gamma.supplier.country is None
    assert gamma.warnings[0].column == 'B "Country"' and "B5:B6" in gamma.warnings[0].message


def formula_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Supplier name", "Country", "Other names"])
    sheet.append(['=UPPER("acme ltd")', "FR"])
    sheet.append(['=UPPER("beta")', "=A1", None])
    sheet.append(["GAMMA", "DE", '=UPPER("g")'])
    return save(workbook)


def test_formulas_give_their_saved_result_and_unsaved_ones_are_row_errors() -> None:
    data = patched(  # a saved result, as Excel writes one
        formula_workbook(),
        "xl/worksheets/sheet1.xml",
        b'<c r="A2"><f>UPPER("acme ltd")</f><v /></c>',
        b'<c r="A2" t="str"><f>UPPER("acme ltd")</f><v>ACME LTD</v></c>',
    )
    upload = read_upload(data, "list.xlsx")
    assert upload.uncomputed == {(3, 0), (3, 1), (4, 2)}
    assert "3 formula cell(s) have no saved result (A3, B3, C4)" in upload.warnings[0]
    acme, beta, gamma = results(upload)
    assert acme.supplier is not None and acme.supplier.name == "ACME LTD"
    assert beta.supplier is None and [e.column for e in beta.errors] == ['A "Supplier name"', 'B "Country"']
    assert gamma.supplier is None and "no saved result" in gamma.errors[0].message


def test_a_row_of_unsaved_formulas_only_is_not_skipped_as_empty() -> None:
    workbook = Workbook()
    workbook.active.append(["Supplier name"])
    workbook.active.append(["=B9"])
    (result,) = results(read_upload(save(workbook), "list.xlsx"))
    assert (result.row, result.supplier) == (2, None)


def test_an_excel_error_value_is_an_error_in_the_name_and_ignored_elsewhere() -> None:
    assert read_one(["#N/A", "FR"]).supplier is None
    result = read_one(["ACME", "#REF!"])
    assert result.supplier is not None and result.supplier.country is None
    assert "Excel error #REF!" in result.warnings[0].message


# --- rows to suppliers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "what"),
    [(datetime(2021, 3, 4), "a date"), (date(2021, 3, 4), "a date"), (12345, "a number"), (3.5, "a number"),
     (time(10, 30), "a date"), ("04/03/2021", "a date"), ("1,234.50", "a number"), ("---", "no letters")],
)  # fmt: skip
def test_dates_and_numbers_in_the_name_column_are_row_errors(value: Any, what: str) -> None:
    result = read_one([value, "FR"])
    assert result.supplier is None
    assert f"the name is {what}" in result.errors[0].message


def test_rows_without_a_name_are_reported_and_the_others_screened() -> None:
    upload = read_upload(suppliers(["ACME", "FR"], [None, "DE"], ["BETA", None]), "list.xlsx")
    first, nameless, last = results(upload)
    assert first.supplier is not None and last.supplier is not None
    assert nameless.supplier is None
    assert (
        str(nameless.errors[0])
        == 'row 3, column A "Supplier name": no supplier name; the row is not screened'
    )


def test_a_full_row_becomes_a_supplier_input() -> None:
    header = [*TEMPLATE_HEADER[:-1], "Directors", "Name in original script"]
    row = [
        "  ACME   Trading Ltd ",
        "V-17",
        "Royaume-Uni",
        "Société",
        "ACME; Acme Trading\nACME",
        "RC-1; RC-2",
        "GB123",
        "1 High St\nLondon ",
        "John Smith; Jane Doe",
        "ЭКМИ",
    ]
    result = read_one(row, header=header)
    assert result.problems == ()
    supplier = result.supplier
    assert supplier is not None
    assert (supplier.name, supplier.ref, supplier.country, supplier.kind) == (
        "ACME Trading Ltd",
        "V-17",
        "GB",
        "organization",
    )
    assert supplier.other_names == ("ACME", "Acme Trading")
    assert supplier.original_script_name == "ЭКМИ"
    assert supplier.registration_numbers == ("RC-1", "RC-2")
    assert (supplier.tax_id, supplier.address) == ("GB123", "1 High St, London")
    assert [(o.name, o.role, o.country) for o in supplier.owners] == [
        ("John Smith", "director", None),
        ("Jane Doe", "director", None),
    ]


@pytest.mark.parametrize(
    ("value", "kind"),
    [("Person", "person"), ("personne physique", "person"), ("Individual", "person"), ("Navire", "vessel"),
     ("aéronef", "aircraft"), ("Company", "organization"), ("Entreprise", "organization"), ("", "unknown")],
)  # fmt: skip
def test_type_words_in_english_and_french(value: str, kind: str) -> None:
    result = read_one(["ACME", value], header=["Supplier name", "Type"])
    assert result.supplier is not None and result.supplier.kind == kind and result.problems == ()


@pytest.mark.parametrize(
    ("value", "code"),
    [("FR", "FR"), ("fra", "FR"), ("Germany", "DE"), ("Allemagne", "DE"), ("États-Unis", "US"),
     ("Côte d’Ivoire", "CI"), ("NA", "NA"), ("n/a", None), ("-", None)],
)  # fmt: skip
def test_countries_in_english_and_french(value: str, code: str | None) -> None:
    result = read_one(["ACME", value])
    assert result.supplier is not None and result.supplier.country == code and result.problems == ()


def test_an_unknown_country_or_type_is_a_warning_and_the_row_still_screened() -> None:
    result = read_one(["ACME", "Narnia", "martian"], header=["Supplier name", "Pays", "Type"])
    assert result.supplier is not None
    assert (result.supplier.country, result.supplier.kind) == (None, "unknown")
    assert [(w.column, w.severity) for w in result.warnings] == [
        ('B "Pays"', "warning"),
        ('C "Type"', "warning"),
    ]
    assert "unknown country 'Narnia'" in result.warnings[0].message
    assert result.errors == ()


def test_an_officer_mapping_overrides_the_proposal() -> None:
    upload = read_upload(suppliers(["ACME", "Beta Corp"], header=["Supplier name", "Notes"]), "list.xlsx")
    (result,) = apply_mapping(upload, {"name": 0, "other_names": 1})
    assert result.supplier is not None and result.supplier.other_names == ("Beta Corp",)


@pytest.mark.parametrize(
    ("mapping", "words"),
    [({"country": 1}, "name column must be mapped"), ({"name": 0, "colour": 1}, "unknown field(s) colour"),
     ({"name": 5}, "no column 5 for name"), ({"name": 0, "country": 0}, "more than one field")],
)  # fmt: skip
def test_a_bad_mapping_is_refused_at_once(mapping: dict[str, int], words: str) -> None:
    upload = read_upload(suppliers(["ACME", "FR"]), "list.xlsx")
    with pytest.raises(UploadError) as caught:
        apply_mapping(upload, mapping)  # not iterated: the check is eager
    assert caught.value.code == "bad_mapping" and words in caught.value.message


# --- template ------------------------------------------------------------------------------


def test_template_has_header_lists_instructions_and_frozen_header() -> None:
    workbook = load_workbook(io.BytesIO(build_template()))
    assert workbook.sheetnames == ["Suppliers", "Instructions", "Countries"]
    sheet = workbook["Suppliers"]
    assert [c.value for c in sheet[1]] == TEMPLATE_HEADER
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width == 40
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert validations["D2"].formula1 == '"organization,person,vessel,aircraft"'
    assert validations["C2"].formula1.startswith("Countries!$A$2:$A$")
    countries = workbook["Countries"]
    assert countries.sheet_state == "hidden"
    codes = [row[0] for row in countries.iter_rows(min_row=2, values_only=True)]
    assert {"FR", "DE", "XK"} <= set(codes) and len(codes) > 240
    assert "Supplier name" in [row[0] for row in workbook["Instructions"].iter_rows(values_only=True)]


def test_template_round_trip_maps_every_column() -> None:
    assert error_code(build_template()).code == "empty"  # the blank template has no supplier
    workbook = load_workbook(io.BytesIO(build_template()))
    workbook["Suppliers"].append(["ACME", "V1", "FR", "organization", "A1", "R1", "T1", "Paris", "J Doe"])
    upload = read_upload(save(workbook), "template.xlsx")
    assert upload.sheet == "Suppliers"
    assert upload.mapping == {
        "name": 0,
        "ref": 1,
        "country": 2,
        "kind": 3,
        "other_names": 4,
        "registration_numbers": 5,
        "tax_id": 6,
        "address": 7,
        "owners": 8,
    }
    (result,) = results(upload)
    assert result.supplier is not None and result.problems == ()


# --- reports -------------------------------------------------------------------------------


def a_match(name: str = "ACME TRADING", score: float = 0.93, **kw: Any) -> dict[str, Any]:
    found = {
        "source": "us_ofac_sdn",
        "entry_id": "12345",
        "name": name,
        "kind": "organization",
        "programs": ["SDGT", "IRAN"],
        "countries": ["IR"],
        "score": score,
        "strong": score >= 0.95,
        "matched_name": name,
        "query_name": "ACME Trading Ltd",
        "matched_via": {"supplier": "ACME Trading Ltd"},
        "explanation": {
            "summary": "names agree; legal form ignored",
            "query_normalized": "acme trading",
            "matched_normalized": "acme trading",
            "features": [{"name": "name", "contribution": 0.93, "detail": "2 of 2 tokens"}],
            "detail": {"tokens": ["acme", "trading"]},
        },
    }
    return found | kw


SUMMARY = ReportSummary(
    run_by="officer@example.org",
    run_at=datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
    filename="suppliers.xlsx",
    lists=(ListUsed("us_ofac_sdn", "2026-11-27", "2026-11-26"), ListUsed("un_sc", "v42", None)),
    algorithm="token-v1/1.0.0",
    threshold=0.88,
    strong_threshold=0.95,
    sheet="Suppliers",
)


def report_inputs() -> tuple[Upload, list[RowOutcome]]:
    """Four rows whose officer cells, like the list data, start with formula characters."""
    text = (
        'Supplier name,Notes,Country\r\nACME Trading Ltd,"=HYPERLINK(""http://evil"")",FR\r\n'
        "Clean Co,+33 1 23,DE\r\n,@SUM(A1),Narnia\r\nOther Ltd,-5,\tTAB\r\n"
    )
    upload = read_upload(text.encode(), "suppliers.csv")
    row_results = results(upload)
    matches = [[a_match(), a_match("=EVIL NAME", 0.9, entry_id="-77")], [], [], []]
    return upload, [RowOutcome.from_result(r, m) for r, m in zip(row_results, matches, strict=True)]


def test_xlsx_report_results_sheet() -> None:
    upload, outcomes = report_inputs()
    workbook = load_workbook(io.BytesIO(write_report_xlsx(upload.header, upload.rows, outcomes, SUMMARY)))
    assert workbook.sheetnames == ["Results", "Alerts", "Summary"]
    sheet = workbook["Results"]
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:L5")
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Supplier name", "Notes", "Country", "Status", "Alerts"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    acme, clean, nameless, other = rows
    assert acme[:11] == [
        *("ACME Trading Ltd", '\'=HYPERLINK("http://evil")', "FR", "alert", 2, "us_ofac_sdn", "12345"),
        *("ACME TRADING", 0.93, "names agree; legal form ignored", None),
    ]
    assert acme[11] == 2  # the upload row
    assert clean[:5] == ["Clean Co", "'+33 1 23", "DE", "clear", 0]
    assert nameless[1] == "'@SUM(A1)" and nameless[3] == "error"
    assert "no supplier name" in nameless[10] and "unknown country 'Narnia'" in nameless[10]
    assert other[1:3] == ["'-5", "'\tTAB"]
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    fills = [sheet.cell(row=r, column=1).fill for r in range(2, 6)]
    assert fills[0].fgColor.rgb.endswith("FFC7CE") and fills[0].fill_type == "solid"
    assert fills[1].fill_type is None and fills[3].fill_type is None
    assert fills[2].fgColor.rgb.endswith("FFEB9C")
    assert all(sheet.cell(row=2, column=c).fill.fill_type == "solid" for c in range(1, 13))
    assert sheet["A1"].font.bold


def test_xlsx_report_alerts_and_summary_sheets() -> None:
    upload, outcomes = report_inputs()
    workbook = load_workbook(io.BytesIO(write_report_xlsx(upload.header, upload.rows, outcomes, SUMMARY)))
    alerts = workbook["Alerts"]
    assert (alerts.freeze_panes, alerts.auto_filter.ref) == ("A2", "A1:S3")
    header = [c.value for c in alerts[1]]
    first, second = (
        {h: c.value for h, c in zip(header, row, strict=True)} for row in alerts.iter_rows(min_row=2)
    )
    assert (first["Upload row"], first["Rank"], first["Screened as"], first["Screened name"]) == (
        2,
        1,
        "supplier",
        "ACME Trading Ltd",
    )
    assert (first["Programmes"], first["Listed countries"], first["Strong"]) == ("SDGT; IRAN", "IR", "no")
    assert first["Features"] == "name +0.930: 2 of 2 tokens"
    assert (
        first["Query normalised"] == "acme trading" and first["Detail"] == '{"tokens": ["acme", "trading"]}'
    )
    assert (second["Listed name"], second["Entry ID"]) == ("'=EVIL NAME", "'-77")
    summary = {row[0]: row[1:] for row in workbook["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Run by"][0] == "officer@example.org"
    assert summary["Run at (UTC)"][0] == "2026-11-28 09:30:00"
    assert summary["Algorithm"][0] == "token-v1/1.0.0"
    assert (summary["Alert threshold"][0], summary["Strong match threshold"][0]) == (0.88, 0.95)
    assert [
        summary[k][0] for k in ("Rows", "Alerts (rows)", "Matches", "Clear", "Not screened (errors)")
    ] == [
        4,
        1,
        2,
        2,
        1,
    ]
    assert summary["us_ofac_sdn"] == ("2026-11-27", "2026-11-26") and summary["un_sc"] == ("v42", None)


def test_csv_report_is_utf8_with_bom_and_neutralised() -> None:
    upload, outcomes = report_inputs()
    data = write_report_csv(upload.header, upload.rows, outcomes)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:4] == ["Supplier name", "Notes", "Country", "Status"]
    assert rows[1][:7] == [
        "ACME Trading Ltd",
        '\'=HYPERLINK("http://evil")',
        "FR",
        "alert",
        "2",
        "us_ofac_sdn",
        "12345",
    ]
    assert [r[1] for r in rows[2:]] == ["'+33 1 23", "'@SUM(A1)", "'-5"]
    assert rows[4][2] == "'\tTAB"
    assert [r[3] for r in rows[1:]] == ["alert", "clear", "error", "clear"]
    assert len(rows) == 5


def test_report_refuses_outcomes_out_of_step_with_the_rows() -> None:
    upload, outcomes = report_inputs()
    with pytest.raises(ValueError, match="outcome of row 3 was given for upload row 2"):
        write_report_csv(upload.header, upload.rows, outcomes[1:] + outcomes[:1])
    with pytest.raises(ValueError):
        write_report_xlsx(upload.header, upload.rows, outcomes[:2], SUMMARY)


def test_report_cells_xml_cannot_carry_are_cleaned() -> None:
    upload = read_upload(b"Supplier name,Notes\r\nACME,bell\x07 and \x0bvertical tab\r\n", "x.csv")
    outcomes = [RowOutcome.from_result(r) for r in results(upload)]
    workbook = load_workbook(io.BytesIO(write_report_xlsx(upload.header, upload.rows, outcomes, SUMMARY)))
    assert workbook["Results"]["B2"].value == "bell and vertical tab"


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
     ("ACME", "ACME"), ("a=b", "a=b"), ("", "")],
)  # fmt: skip
def test_neutralize(text: str, safe: str) -> None:
    assert neutralize(text) == safe
