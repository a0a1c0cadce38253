"""The pure XLSX reader: small workbooks built in memory, hostile archives, the real files.

Workbooks are assembled part by part with zipfile so each test shows the exact XML it
reads; one realistic workbook is written by openpyxl (allowed in tests, not in
`watchlists`) to check the reader against a real producer.
"""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import datetime

import openpyxl  # type: ignore[import-untyped]
import pytest
from watchlists_support import WATCHLISTS, read

from watchlists import xlsx
from watchlists.xlsx import XlsxError, read_rows, sheet_names

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET = f"{REL_NS}/worksheet"


def sheet_xml(rows: str, prefix: str = "") -> str:
    """A worksheet part holding the given <row> elements."""
    p = f"{prefix}:" if prefix else ""
    declaration = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    body = f"<{p}sheetData>{rows}</{p}sheetData>"
    return f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {declaration}>{body}</{p}worksheet>'


def workbook(
    sheets: list[tuple[str, str, str]],
    shared: str | None = None,
    extra: dict[str, str | bytes] | None = None,
) -> bytes:
    """An XLSX: `sheets` are (name, part path, worksheet XML) in workbook order."""
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, (name, _, _) in enumerate(sheets)
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{WORKSHEET}" Target="{path.removeprefix("xl/")}"/>'
        for i, (_, path, _) in enumerate(sheets)
    )
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": "<Types/>",
        "_rels/.rels": f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="r1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"<sheets>{entries}</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>',
    }
    for _, path, xml in sheets:
        parts[path] = xml
    if shared is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN_NS}">{shared}</sst>'
    parts.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def one_sheet(rows: str, shared: str | None = None) -> bytes:
    return workbook([("Data", "xl/worksheets/sheet1.xml", sheet_xml(rows))], shared)


# --- cell values -------------------------------------------------------------------------------


def test_shared_strings_including_rich_text_runs_without_phonetic_runs() -> None:
    shared = (
        "<si><t>plain</t></si>"
        '<si><r><rPr><b/></rPr><t xml:space="preserve">rich </t></r><r><t>text</t></r></si>'
        "<si><t>東京</t><rPh sb='0' eb='2'><t>トウキョウ</t></rPh></si>"
        "<si><t>a &amp; b</t></si>"
    )
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    rows += '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
    assert list(read_rows(one_sheet(rows, shared))) == [(1, ["plain", "rich text", "東京", "a & b"])]


def test_inline_strings_numbers_booleans_and_other_types() -> None:
    rows = (
        '<row r="1">'
        '<c r="A1" t="inlineStr"><is><t xml:space="preserve"> Fraud</t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c>'
        '<c r="C1"><v>45635</v></c>'
        '<c r="D1" t="n"><v>-3</v></c>'
        '<c r="E1"><v>1.5</v></c>'
        '<c r="F1"><v>4.5E+3</v></c>'
        '<c r="G1" t="b"><v>1</v></c>'
        '<c r="H1" t="b"><v>0</v></c>'
        '<c r="I1" t="str"><f>A1&amp;B1</f><v>x</v></c>'
        '<c r="J1" t="e"><v>#N/A</v></c>'
        '<c r="K1" t="d"><v>2024-12-10T00:00:00</v></c>'
        '<c r="L1" s="3"/>'
        '<c r="M1" t="inlineStr"><is><t></t></is></c>'
        "</row>"
    )
    ((number, values),) = read_rows(one_sheet(rows))
    assert number == 1
    assert values == [
        " Fraud",
        "inline",
        45635,
        -3,
        1.5,
        4500.0,
        True,
        False,
        "x",
        "#N/A",
        "2024-12-10T00:00:00",
        None,
        "",
    ]
    assert type(values[2]) is int and type(values[4]) is float and values[6] is True


def test_sparse_rows_and_missing_rows() -> None:
    rows = '<row r="2"><c r="B2"><v>1</v></c><c r="E2"><v>2</v></c></row>'
    rows += '<row r="5"><c r="AA5"><v>3</v></c></row>'
    assert list(read_rows(one_sheet(rows))) == [(2, [None, 1, None, None, 2]), (5, [None] * 26 + [3])]


def test_cells_and_rows_without_references_take_their_position() -> None:
    # The IDB exporter writes neither row nor cell references.
    rows = "<row><c><v>1</v></c><c/><c><v>3</v></c></row><row/><row><c><v>4</v></c></row>"
    rows += '<row r="9"><c r="C9"><v>5</v></c><c><v>6</v></c></row>'
    assert list(read_rows(one_sheet(rows))) == [(1, [1, None, 3]), (2, []), (3, [4]), (9, [None, None, 5, 6])]


def test_prefixed_namespace_bom_and_absolute_targets() -> None:
    sheet = "\ufeff" + sheet_xml('<x:row><x:c t="inlineStr"><x:is><x:t>Title</x:t></x:is></x:c></x:row>', "x")
    data = workbook(
        [("Export", "xl/worksheets/sheet.xml", sheet)],
        extra={
            "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{WORKSHEET}" Target="/xl/worksheets/sheet.xml"/></Relationships>',
        },
    )
    assert list(read_rows(data)) == [(1, ["Title"])]


def test_sheets_follow_workbook_order_not_part_names() -> None:
    data = workbook(
        [
            (
                "Second part first",
                "xl/worksheets/sheet2.xml",
                sheet_xml('<row r="1"><c r="A1"><v>2</v></c></row>'),
            ),
            ("Other", "xl/worksheets/sheet1.xml", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')),
        ]
    )
    assert sheet_names(data) == ["Second part first", "Other"]
    assert list(read_rows(data)) == [(1, [2])]
    assert list(read_rows(data, 1)) == [(1, [1])]
    assert list(read_rows(data, "Other")) == [(1, [1])]
    with pytest.raises(XlsxError, match="no sheet 'Missing'"):
        list(read_rows(data, "Missing"))
    with pytest.raises(XlsxError, match="no sheet 2"):
        list(read_rows(data, 2))


def test_rows_are_streamed_before_the_sheet_is_read_whole() -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 20_001))
    data = one_sheet(rows + "<row><c><v>broken")  # the end of the sheet is malformed
    reader = read_rows(data)
    assert next(reader) == (1, [1])  # the first rows arrive before the error is reached
    with pytest.raises(XlsxError, match="malformed XML"):
        list(reader)


def test_a_workbook_written_by_openpyxl() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "List"
    sheet.append(["Name", "Number", "Ratio", "Flag", "Listed"])
    sheet.append(["ĐOÀN ANH DŨNG", 42, 0.25, True, datetime(2024, 12, 10)])
    sheet.append([None, None, "Ω, multi\nline", False, None])
    sheet["H5"] = "far away"
    book.create_sheet("Second")["A1"] = "second sheet"
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert sheet_names(data) == ["List", "Second"]
    assert list(read_rows(data)) == [
        (1, ["Name", "Number", "Ratio", "Flag", "Listed"]),
        (2, ["ĐOÀN ANH DŨNG", 42, 0.25, True, 45636]),  # a date cell is its Excel serial
        (3, [None, None, "Ω, multi\nline", False]),
        (5, [None] * 7 + ["far away"]),
    ]
    assert list(read_rows(data, "Second")) == [(1, ["second sheet"])]


# --- broken and hostile files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"Last Updated,14/04/2025\r\n", b"PK\x03\x04 truncated", b"\x00" * 100]
)
def test_not_a_zip_is_refused(data: bytes) -> None:
    with pytest.raises(XlsxError, match="not an XLSX file"):
        list(read_rows(data))


def test_zip_without_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(XlsxError, match="no workbook part") as caught:
        list(read_rows(buffer.getvalue()))
    assert isinstance(caught.value, ValueError)


def test_truncated_archive_is_refused() -> None:
    data = one_sheet("".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 500)))
    with pytest.raises(XlsxError):
        list(read_rows(data[: len(data) // 2]))


def test_archive_declaring_too_much_is_refused_before_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    data = one_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>' + "x" * 5000 + "</t></is></c></row>")
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED_BYTES", 4000)
    with pytest.raises(XlsxError, match="uncompressed bytes"):
        list(read_rows(data))


def test_member_inflating_beyond_its_declared_size_is_refused() -> None:
    # A zip bomb may lie about sizes; zipfile stops at the declared size and the CRC fails.
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>' + "x" * 50_000 + "</t></is></c></row>"
    data = bytearray(one_sheet(body))
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_offset = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_offset : name_offset + len(name)] == name:
                struct.pack_into("<I", data, start + size_offset, 1000)
            start += 4
    with pytest.raises(XlsxError, match="corrupt archive member"):
        list(read_rows(bytes(data)))


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    f'<worksheet xmlns="{MAIN_NS}"><sheetData><row><c t="inlineStr"><is><t>&c;</t></is></c></row>'
    "</sheetData></worksheet>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<sst xmlns="{MAIN_NS}"><si><t>&x;</t></si></sst>'
)


def test_dtds_are_refused_in_every_part() -> None:
    sheet = workbook([("Data", "xl/worksheets/sheet1.xml", BILLION_LAUGHS)])
    strings = workbook(
        [("Data", "xl/worksheets/sheet1.xml", sheet_xml('<row><c t="s"><v>0</v></c></row>'))],
        shared="",
        extra={"xl/sharedStrings.xml": EXTERNAL_ENTITY},
    )
    book = workbook(
        [("Data", "xl/worksheets/sheet1.xml", sheet_xml(""))],
        extra={"xl/workbook.xml": '<!DOCTYPE workbook SYSTEM "http://example.invalid/x.dtd"><workbook/>'},
    )
    for data, part in ((sheet, "sheet1.xml"), (strings, "sharedStrings.xml"), (book, "workbook.xml")):
        with pytest.raises(XlsxError, match="unsafe XML refused") as caught:
            list(read_rows(data))
        assert caught.value.location is not None and caught.value.location.endswith(part)


def test_malformed_sheet_names_part_line_and_column() -> None:
    with pytest.raises(XlsxError, match="malformed XML") as caught:
        list(read_rows(one_sheet('<row r="1"><c r="A1"><v>1</v></row>')))
    assert caught.value.location is not None
    assert caught.value.location.startswith("xl/worksheets/sheet1.xml line 1, column ")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ('<row r="4"><c r="B4" t="s"><v>7</v></c></row>', "shared string index '7' out of range"),
        ('<row r="4"><c r="B4" t="s"><v>-1</v></c></row>', "shared string index '-1' out of range"),
        ('<row r="4"><c r="B4"><v>twelve</v></c></row>', "numeric cell holds 'twelve'"),
        ('<row r="4"><c r="4B"><v>1</v></c></row>', "bad cell reference '4B'"),
        ('<row r="4"><c r="XFE4"><v>1</v></c></row>', "bad cell reference 'XFE4'"),
    ],
)
def test_cells_that_contradict_their_type_name_the_cell(rows: str, message: str) -> None:
    with pytest.raises(XlsxError, match=message) as caught:
        list(read_rows(one_sheet(rows, shared="<si><t>only</t></si>")))
    assert caught.value.location is not None and "row 4" in caught.value.location


def test_sheet_pointing_to_a_missing_part() -> None:
    data = workbook([("Data", "xl/worksheets/sheet1.xml", sheet_xml(""))])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
    with pytest.raises(XlsxError, match="missing part"):
        list(read_rows(broken.getvalue()))


# --- the real files ----------------------------------------------------------------------------------


def test_real_files_row_counts_and_first_cells() -> None:
    ofsi = list(read_rows(read(WATCHLISTS / "uk_ofsi" / "ConList.xlsx")))
    assert len(ofsi) == 18_800 and ofsi[0] == (1, ["Last Updated", "14/04/2025"])
    assert ofsi[1][1][:2] == ["Name 6", "Name 1"] and ofsi[1][1][-1] == "Group ID"
    dfat = read_rows(read(WATCHLISTS / "australia_dfat" / "australia_autonomous_financial_sanctions.xlsx"))
    header, first = next(dfat), next(dfat)
    assert header[1][:2] == ["Reference", "Name of Individual or Entity"]
    assert first == (
        2,
        [2, "MOHAMMAD HASSAN AKHUND", "Individual", "Primary Name", *first[1][4:11], 41988, None],
    )
    wb = list(
        read_rows(
            read(WATCHLISTS / "worldbank" / "world_bank_listing_of_ineligible_firms_and_individuals.xlsx")
        )
    )
    assert len(wb) == 1288 and wb[0] == (1, ["Downloaded on: 07/01/2025 10:37", None, None, None, None, None])
    assert wb[2] == (3, [None, None, None, None, "From Date", "To Date", None])


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_real_idb_file_without_references_matches_openpyxl() -> None:
    path = WATCHLISTS / "idb" / "Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx"
    mine = list(read_rows(read(path)))
    assert len(mine) == 1084 and str(mine[-1][1][0]).startswith("Zastosowane filtry")
    book = openpyxl.load_workbook(path, read_only=True)
    theirs = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()

    def trimmed(values: list[object]) -> list[object]:
        values = [None if v == "" else v for v in values]
        while values and values[-1] is None:
            values.pop()
        return values

    assert [trimmed(list(values)) for _, values in mine] == [trimmed(row) for row in theirs]
