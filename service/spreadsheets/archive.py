"""What openpyxl is not asked to do: vet the XLSX zip, and find merges and unsaved formulas.

`open_archive` refuses, before anything is inflated, a zip that declares more than
`MAX_UNCOMPRESSED_BYTES` in total or more than `MAX_PARTS` parts, one that inflates more
than `MAX_RATIO` times its size (past `RATIO_FLOOR_BYTES`), encrypted members, and zips
that are not workbooks (.ods, .docx, .xlsb...). The declared sizes are a sound bound:
`zipfile` never inflates a member past its declared size and checks its CRC.

`scan_sheet` streams one worksheet part, which openpyxl's read-only mode does not expose
in full: its ``<mergeCell ref>`` ranges (after the cell data, so the whole part is read)
and, only when the part holds a formula at all, the cells whose formula has no saved
result (``<f>`` without ``<v>``), which data-only reading cannot tell from empty cells.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import Element
from xml.parsers import expat

from defusedxml.ElementTree import fromstring
from openpyxl.utils.cell import range_boundaries  # type: ignore[import-untyped]

from service.spreadsheets.errors import UploadError

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_PARTS = 10_000
MAX_RATIO = 100  # a 100,000-row sheet inflates about 10 times
RATIO_FLOOR_BYTES = 20 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024

_MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref="([A-Za-z]{1,3}[0-9]+(?::[A-Za-z]{1,3}[0-9]+)?)"')
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]+)$")
_OTHER_ZIPS = {
    "word/document.xml": "a Word document",
    "ppt/presentation.xml": "a PowerPoint presentation",
    "xl/workbook.bin": "an Excel binary workbook (.xlsb): save it as .xlsx or CSV",
}
_REL_OFFICE_DOCUMENT = "/officeDocument"


@dataclass(frozen=True)
class CellRange:
    """A merged range, 1-based rows and 0-based columns (as upload cells are indexed)."""

    ref: str
    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass(frozen=True)
class SheetScan:
    merged: tuple[CellRange, ...]
    uncomputed: frozenset[tuple[int, int]]  # (row number, 0-based column)


def open_archive(data: bytes, filename: str) -> zipfile.ZipFile:
    """The workbook's zip, vetted as the module docstring says; raises `UploadError`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise UploadError(
            "not_spreadsheet", f"{filename} is a damaged zip file, not an XLSX workbook"
        ) from exc
    total = sum(info.file_size for info in infos)
    if (
        len(infos) > MAX_PARTS
        or total > MAX_UNCOMPRESSED_BYTES
        or (total > RATIO_FLOOR_BYTES and total > MAX_RATIO * len(data))
    ):
        raise UploadError(
            "zip_bomb",
            f"{filename} would unpack to {total / 2**20:,.0f} MB in {len(infos):,} parts from "
            f"{len(data) / 2**20:,.1f} MB; the limit is {MAX_UNCOMPRESSED_BYTES // 2**20} MB: "
            "split the list into smaller files",
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise UploadError("password_protected", f"{filename} is encrypted: save it without a password")
    names = {info.filename for info in infos}
    for part, what in _OTHER_ZIPS.items():
        if part in names:
            raise UploadError("not_spreadsheet", f"{filename} is {what}, not an XLSX workbook")
    if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:200]:
        raise UploadError(
            "not_spreadsheet", f"{filename} is an OpenDocument file (.ods): save it as .xlsx or CSV"
        )
    return archive


def sheet_paths(archive: zipfile.ZipFile, filename: str) -> dict[str, str]:
    """Sheet name -> worksheet part path, from the package and workbook relationships."""
    try:
        root_rels = _relationships(archive, "_rels/.rels")
        workbook = next(
            (target for kind, target in root_rels.values() if kind.endswith(_REL_OFFICE_DOCUMENT)),
            "xl/workbook.xml",
        )
        folder, base = posixpath.split(workbook)
        rels = _relationships(archive, posixpath.join(folder, "_rels", f"{base}.rels"), folder)
        tree = fromstring(archive.read(workbook))
    except (KeyError, SyntaxError, ValueError, zipfile.BadZipFile) as exc:
        raise UploadError("not_spreadsheet", f"{filename} is a zip file but not an XLSX workbook") from exc
    paths: dict[str, str] = {}
    for sheet in _elements(tree, "sheet"):
        rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id") or k == "id"), "")
        if rel_id in rels:
            paths[sheet.get("name", "")] = rels[rel_id][1]
    return paths


def scan_sheet(archive: zipfile.ZipFile, path: str) -> SheetScan:
    """The merged ranges of one worksheet part and its formula cells without a saved result."""
    merged: dict[bytes, None] = {}
    has_formula = False
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            window = tail + chunk
            merged.update(dict.fromkeys(_MERGE.findall(window)))
            has_formula = has_formula or _FORMULA.search(window) is not None
            tail = window[-256:]  # a tag split across two chunks is seen whole in the next window
    ranges = tuple(
        sorted(
            (_cell_range(ref.decode("ascii").upper()) for ref in merged), key=lambda r: (r.min_row, r.min_col)
        )
    )
    if not has_formula:
        return SheetScan(ranges, frozenset())
    with archive.open(path) as stream:
        return SheetScan(ranges, _uncomputed(stream))


def _relationships(archive: zipfile.ZipFile, part: str, folder: str = "") -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part path) of one .rels part (empty when absent)."""
    if part not in archive.namelist():
        return {}
    found = {}
    for rel in _elements(fromstring(archive.read(part)), "Relationship"):
        target = rel.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return found


def _elements(tree: Element, local: str) -> list[Element]:
    return [e for e in tree.iter() if e.tag.rpartition("}")[2] == local]


def _cell_range(ref: str) -> CellRange:
    min_col, min_row, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    return CellRange(ref, min_row, min_col - 1, max_row, max_col - 1)


def _uncomputed(stream: IO[bytes]) -> frozenset[tuple[int, int]]:
    """(row, column) of every formula cell without a saved result, by one expat pass."""
    scan = _FormulaScan()
    parser = expat.ParserCreate()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    parser.StartDoctypeDeclHandler = _refuse_dtd  # no entity expansion in a worksheet
    try:
        parser.ParseFile(stream)
    except expat.ExpatError as exc:
        raise UploadError("not_spreadsheet", f"the worksheet XML is damaged: {exc}") from exc
    return frozenset(scan.found)


class _FormulaScan:
    """Expat handlers: a ``<c>`` with an ``<f>`` and an empty or missing ``<v>`` has no result.

    An empty ``<v/>`` is what a writer that never calculates leaves (openpyxl does); Excel
    writes a formula's empty-text result as ``t="str"`` with an empty ``<v>``, which is a result.
    """

    def __init__(self) -> None:
        self.found: set[tuple[int, int]] = set()
        self.row, self.col = 0, -1
        self.formula = self.has_value = self.in_value = self.text_type = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            self.row, self.col = int(attrs.get("r", self.row + 1)), -1
        elif local == "c":
            match = _CELL_REF.match(attrs.get("r", ""))
            self.col = _column(match[1]) if match else self.col + 1
            self.formula = self.has_value = False
            self.text_type = attrs.get("t") == "str"
        elif local == "f":
            self.formula = True
        elif local == "v":
            self.in_value = True
            self.has_value = self.has_value or self.text_type

    def text(self, data: str) -> None:
        if self.in_value and data.strip():
            self.has_value = True

    def end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "v":
            self.in_value = False
        elif local == "c" and self.formula and not self.has_value:
            self.found.add((self.row, self.col))


def _refuse_dtd(*_: object) -> None:
    raise UploadError("not_spreadsheet", "the worksheet XML declares a DTD, which no workbook does")


def _column(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1
