"""Parse the organisation's own lists, CSV or XLSX (source ids ``custom:<name>``).

The file's layout is the source's configuration: ``options["columns"]`` maps our fields
(`FIELDS`, plus ``identifier:<type>``) to the file's header texts; ``delimiter``,
``sheet``, ``alias_separator``, ``default_kind``, ``date_format`` and ``header_row`` tune
the reading. Values may be strings, as config.yaml gives them. An unknown option or
field, a missing ``name`` mapping or a bad value is a ParseError at "options", so that a
typo in the configuration is not silently ignored (`check_options` runs just that check).
Choices made where such a file is loose:

* Header texts match ignoring case, accents, all whitespace and the shape of apostrophes
  ("Date  listed" = "date listed" = "DateListed"; Excel turns ' into ’). Unless
  ``header_row`` (1-based, as the spreadsheet shows it) is given, the header is the first
  of the first `HEADER_SCAN_ROWS` non-empty rows that holds every mapped column, so title
  rows above it are skipped. A mapped column that no such row holds is a ParseError
  naming the missing column(s) and the headers found in the closest row; so is a mapped
  header printed twice. Unmapped columns are ignored.
* Row numbers are the spreadsheet's: the XLSX row, or the CSV record (as Excel numbers
  a CSV it opens). Empty rows are ignored; cells past the header's last column are
  ignored and, when not empty, counted (``cells_beyond_header``).
* CSV: UTF-8 with or without BOM, UTF-16 with BOM (or without, told by its zero bytes,
  counted ``decoded_utf16_without_bom``), else Windows-1252 (``decoded_cp1252``). The
  delimiter, unless given, is whichever of , ; and tab finds the most mapped headers in
  the first rows. Quoting is read strictly: a stray or unterminated quote is a ParseError
  naming the row (and the line it starts on), since a lenient reading would silently
  mangle the name. Undecodable text names its line and byte offset.
* XLSX is read with `watchlists.xlsx.read_rows`. ``sheet`` is a sheet name (matched
  exactly, then ignoring case) or a 1-based position; default the first sheet. ``sheet``
  is ignored for CSV and ``delimiter`` for XLSX, so one configuration serves both.
* ``entry_id``: the id column as printed. Without an id column (or for a row with an
  empty id, counted ``row_without_entry_id``) the key is the name whitespace-collapsed,
  and rows whose names are equal after casefolding share the first one's key. Rows
  sharing a key merge into one entry (counted ``merged_row``): names, countries,
  identifiers, addresses, programs and properties are unions, ``listed_on`` the earliest;
  a later row's different name becomes an alias. A row without a name is skipped
  (``row_without_name``), but a file where no row has one is a ParseError.
* Names: "X a.k.a. Y", "X f.k.a. Y", "X n.k.a. Y", "X d/b/a Y" (and the spelled-out
  forms) in the name column give X as the primary and Y as an alias (``former`` for
  f.k.a.), the marker kept in ``quality`` (``embedded_names``). The key still uses the
  name as printed. ``aliases``, ``original_script_name`` and ``former_names`` are split on
  ``alias_separator`` (default ";") and on line breaks.
* ``kind``: person / individual / natural person -> person; company / organization /
  firm / entity / legal person / vendor / supplier and the like -> organization; vessel /
  ship; aircraft. Other values are counted (``unknown_kind``) and, like empty cells,
  give ``default_kind`` (default "unknown"). Rows of one entry that disagree keep the
  first known kind (``kind_conflict``).
* ``country`` / ``nationality``: names or codes through `to_alpha2`, several separated by
  ";", "," or line breaks ("Korea, Republic of" stays one country: the longest run of
  comma parts that names a country wins). "NA" is Namibia; "n/a", "-", "unknown" and
  "none" are blanks. Unknown values are counted (``unknown_country``) and kept in
  ``properties["unresolved_country"]``. Nationalities are kept apart for persons only.
* ``registration_number``, ``tax_id`` and ``identifier:<type>`` give identifiers of type
  "registration_number", "tax_id" and <type>, one per ";" or line-separated value.
* ``address``: one address per cell, its lines joined with ", ". ``program``: one program
  per ";" or line-separated value. ``reason`` is the remark. ``url`` is kept when it is
  http(s) (else ``invalid_url``).
* Dates (``listed_on``, ``until``): ISO always; "03/04/2020" is day first for
  ``date_format`` dmy (the default), month first for mdy, and unreadable for iso. A two-
  digit year is 19xx from 70 up, else 20xx (this, and the XLSX rules, are private to this
  module: `watchlists.dates` has neither). XLSX number cells are Excel serials, except a
  whole number from 1800 to 2200, which is a year. ``until`` goes to ``properties``, as
  does "indefinite" / "permanent" / "ongoing" printed there. An unreadable date is counted
  (``unreadable_date``) and kept as printed in ``properties["<field>_text"]``.
* A custom list carries no publication date: ``report.published_at`` stays None.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal, TypeVar

from watchlists.countries import to_alpha2
from watchlists.dates import excel_serial_to_iso, parse_date
from watchlists.errors import ParseError
from watchlists.types import Address, EntityKind, Identifier, ListEntry, Name, NameType, ParseReport
from watchlists.xlsx import CellValue, XlsxError, read_rows, sheet_names

FileType = Literal["csv", "xlsx"]
Reader = Callable[[Mapping[str, bytes], ParseReport, str, Mapping[str, Any]], Iterator[ListEntry]]
_T = TypeVar("_T")

SINGLE_FILE = "file"  # `watchlists.formats.SINGLE_FILE`, which imports this module
FIELDS = (
    *("entry_id", "name", "aliases", "original_script_name", "former_names", "kind", "country"),
    *("nationality", "registration_number", "tax_id", "address", "listed_on", "until", "reason"),
    *("program", "url"),
)
IDENTIFIER_PREFIX = "identifier:"
OPTIONS = ("columns", "delimiter", "sheet", "alias_separator", "default_kind", "date_format", "header_row")
DATE_FORMATS = ("dmy", "mdy", "iso")
HEADER_SCAN_ROWS = 20
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_DELIMITERS = (",", ";", "\t")
_NAME_FIELDS: dict[str, NameType] = {
    "aliases": "alias",
    "original_script_name": "original_script",
    "former_names": "former",
}
_KIND_WORDS: dict[EntityKind, str] = {
    "person": "person|individual|natural person|private person|personne physique|individu",
    "organization": "organization|organisation|company|firm|entity|legal entity|legal person|corporation"
    "|business|enterprise|institution|ngo|vendor|supplier|personne morale|entreprise|societe|org",
    "vessel": "vessel|ship|boat",
    "aircraft": "aircraft|airplane|plane",
    "unknown": "unknown",
}
_KINDS: dict[str, EntityKind] = {
    word: kind for kind, words in _KIND_WORDS.items() for word in words.split("|")
}
_BLANK_COUNTRIES = frozenset({"n/a", "-", "--", "—", "unknown", "none"})
_OPEN_ENDED = frozenset({"indefinite", "indefinitely", "permanent", "permanently", "ongoing", "open-ended"})
_APOSTROPHES = re.compile(r"[’‘ʼ`´]")  # Excel's autocorrect turns ' into ’
_INVISIBLE = frozenset("\ufeff\u200b")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$")
_EMBEDDED = re.compile(
    r"[\s,;]*\(?\s*\b(a\.\s?k\.\s?a\.?|aka|f\.\s?k\.\s?a\.?|fka|n\.\s?k\.\s?a\.?|nka|also known as"
    r"|formerly known as|now known as|d/b/a|d\.\s?b\.\s?a\.?|dba)(?![\w/])[\s:]*",
    re.IGNORECASE,
)
_MARKERS: dict[str, tuple[NameType, str]] = {
    **dict.fromkeys(["aka", "alsoknownas"], ("alias", "a.k.a.")),
    **dict.fromkeys(["fka", "formerlyknownas"], ("former", "f.k.a.")),
    **dict.fromkeys(["nka", "nowknownas"], ("alias", "n.k.a.")),
    **dict.fromkeys(["dba"], ("alias", "d.b.a.")),
}


@dataclass(frozen=True)
class _Config:
    columns: dict[str, str]  # field -> header as configured
    delimiter: str | None
    sheet: str | None
    alias_separator: str
    default_kind: EntityKind
    date_format: str
    header_row: int | None


@dataclass
class _Entry:
    entry_id: str
    kinds: list[EntityKind] = field(default_factory=list)
    names: dict[str, Name] = field(default_factory=dict)  # value -> first Name with that value
    countries: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    listed_on: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    properties: dict[str, list[str]] = field(default_factory=dict)


def reader(file_type: FileType | None) -> Reader:
    """The `watchlists.formats` reader of one file as `file_type` (None: sniff XLSX by its zip magic)."""

    def read(
        files: Mapping[str, bytes], report: ParseReport, source: str, options: Mapping[str, Any]
    ) -> Iterator[ListEntry]:
        return parse_custom(files[SINGLE_FILE], report, source=source, options=options, file_type=file_type)

    return read


def check_options(source: str, options: Mapping[str, Any]) -> None:
    """Raise the ParseError `parse_custom` would raise for these options, before any file is read."""
    _config(source, options)


def parse_custom(
    data: bytes,
    report: ParseReport,
    *,
    source: str,
    options: Mapping[str, Any],
    file_type: FileType | None = None,
) -> Iterator[ListEntry]:
    """Yield one ListEntry per distinct key of the organisation's own list.

    Args:
        data: the CSV or XLSX file's bytes.
        report: counts what was skipped or repaired ("row_without_name", "merged_row", ...).
        source: the source id, ``custom:<name>``, given to every entry and error.
        options: ``columns`` (field -> header text) and the reading options of `OPTIONS`.
        file_type: "csv" or "xlsx"; None tells XLSX by its zip signature.

    Raises:
        ParseError: bad options, a file of the other type, undecodable text, broken quoting
            or XLSX, a mapped column missing from the header, or no row with a name. Being a
            generator, it raises on first iteration.
    """
    config = _config(source, options)
    rows = _rows(data, source, config, file_type, report)
    position, header = _header(rows, config, source)
    width = max(header.values(), default=-1) + 1
    entries: dict[str, _Entry] = {}
    name_keys: dict[str, str] = {}  # casefolded name -> entry_id of name-keyed entries
    for _, cells in rows[position + 1 :]:
        if any(_text(value) for value in cells[width:]):
            report.count("cells_beyond_header")
        values = {f: cells[i] for f, i in header.items() if i < len(cells) and cells[i] not in (None, "")}
        _add_row(entries, name_keys, values, config, report)
    if not entries and len(rows) > position + 1:
        column = _column_label(config.columns["name"], header["name"])
        raise ParseError(source, "no row has a name", f"column {column}")
    for entry in entries.values():
        yield _finish(entry, source, config)


# --- options -------------------------------------------------------------------------------


def _config(source: str, options: Mapping[str, Any]) -> _Config:
    """Validate the options; a ParseError names the bad option."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ParseError(
            source, f"unknown option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}", "options"
        )
    columns = options.get("columns")
    if not isinstance(columns, Mapping) or "name" not in columns:
        raise ParseError(source, "options.columns must map at least the field 'name' to a header", "options")
    bad = [
        f
        for f in columns
        if f not in FIELDS
        and not (f.startswith(IDENTIFIER_PREFIX) and f.removeprefix(IDENTIFIER_PREFIX).strip())
    ]
    if bad:
        known = f"{', '.join(FIELDS)}, {IDENTIFIER_PREFIX}<type>"
        raise ParseError(source, f"unknown field(s) {', '.join(bad)}; known: {known}", "options.columns")
    empty = [f for f, header in columns.items() if not isinstance(header, str) or not _header_key(header)]
    if empty:
        raise ParseError(source, f"no header text for field(s) {', '.join(empty)}", "options.columns")
    return _Config(
        columns=dict(columns),
        delimiter=_delimiter(source, options.get("delimiter")),
        sheet=None if options.get("sheet") in (None, "") else str(options["sheet"]),
        alias_separator=str(options.get("alias_separator") or ";"),
        default_kind=_default_kind(source, options.get("default_kind")),
        date_format=_choice(source, "date_format", options.get("date_format") or "dmy", DATE_FORMATS),
        header_row=_header_row(source, options.get("header_row")),
    )


def _delimiter(source: str, value: object) -> str | None:
    if value in (None, ""):
        return None
    text = {"tab": "\t", "\\t": "\t"}.get(str(value).lower(), str(value))
    if len(text) != 1:
        raise ParseError(source, f"delimiter must be one character or 'tab', got {value!r}", "options")
    return text


def _default_kind(source: str, value: object) -> EntityKind:
    if value in (None, ""):
        return "unknown"
    kind = _KINDS.get(_plain(str(value)))
    if kind is None:
        raise ParseError(source, f"default_kind {value!r} is not one of {', '.join(_KIND_WORDS)}", "options")
    return kind


def _choice(source: str, option: str, value: object, allowed: Sequence[str]) -> str:
    if str(value).lower() not in allowed:
        raise ParseError(source, f"{option} must be one of {', '.join(allowed)}, got {value!r}", "options")
    return str(value).lower()


def _header_row(source: str, value: object) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ParseError(source, f"header_row must be a row number from 1, got {value!r}", "options")
    return int(text)


# --- rows ----------------------------------------------------------------------------------

Row = tuple[int, Sequence[CellValue]]


def _rows(
    data: bytes, source: str, config: _Config, file_type: FileType | None, report: ParseReport
) -> list[Row]:
    """The non-empty rows with their spreadsheet row numbers."""
    is_zip = data.startswith(ZIP_MAGIC)
    if data.startswith(OLE_MAGIC):
        raise ParseError(source, "a legacy .xls workbook: save it as .xlsx or CSV", "file")
    if file_type == "xlsx" or (file_type is None and is_zip):
        return _xlsx_rows(data, source, config.sheet)
    if is_zip:
        raise ParseError(source, "an XLSX workbook (zip), not CSV: use format custom_xlsx", "file")
    text = _decode(data, source, report).rstrip("\x1a")
    return _csv_rows(text, source, config.delimiter or _sniff(text, config))


def _xlsx_rows(data: bytes, source: str, sheet: str | None) -> list[Row]:
    try:
        target = _sheet(data, source, sheet)
        return [(number, cells) for number, cells in read_rows(data, target) if not _blank(cells)]
    except XlsxError as exc:
        raise ParseError(source, exc.message, exc.location) from exc


def _sheet(data: bytes, source: str, sheet: str | None) -> str | int:
    """The sheet's name, or 0 for the first one."""
    if sheet is None:
        return 0
    names = sheet_names(data)
    folded = {name.casefold(): name for name in names}
    if sheet in names or sheet.casefold() in folded:
        return sheet if sheet in names else folded[sheet.casefold()]
    if sheet.isdigit() and 1 <= int(sheet) <= len(names):
        return int(sheet) - 1
    raise ParseError(source, f"no sheet {sheet!r}; sheets: {', '.join(map(repr, names))}", "options.sheet")


def _decode(data: bytes, source: str, report: ParseReport) -> str:
    """UTF-8 (BOM optional), UTF-16 (BOM, or told by zero bytes), else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", source)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", source)
    head = data[:4096]
    if b"\x00" in head:
        report.count("decoded_utf16_without_bom")
        odd_zeros = head[1::2].count(0) > head[0::2].count(0)
        return _strict(data, "utf-16-le" if odd_zeros else "utf-16-be", source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        report.count("decoded_cp1252")
    return _strict(data, "cp1252", source)


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise ParseError(
            source, f"not {encoding} text: {exc.reason}", f"line {line}, byte {exc.start}"
        ) from exc


def _csv_rows(text: str, source: str, delimiter: str) -> list[Row]:
    rows: list[Row] = []
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = line = 0  # the last record read and the line it ended on
    try:
        for number, cells in enumerate(records, start=1):  # noqa: B007 (read in the except)
            line = records.line_num
            if not _blank(cells):
                rows.append((number, cells))
    except csv.Error as exc:
        message = f"malformed CSV: {exc}" + (" (truncated file?)" if "end of data" in str(exc) else "")
        raise ParseError(source, message, f"row {number + 1} (line {line + 1})") from exc
    return rows


def _sniff(text: str, config: _Config) -> str:
    """The delimiter among , ; and tab that finds the most mapped headers in the first rows.

    A tie goes to the delimiter that splits that row into more cells, then to the first.
    """
    sample = "".join(islice(io.StringIO(text, newline=""), HEADER_SCAN_ROWS * 2))
    wanted = {_header_key(h) for h in config.columns.values()}

    def score(delimiter: str) -> tuple[int, int]:
        rows = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            return max(
                ((len(wanted & {_header_key(c) for c in row}), len(row)) for row in rows), default=(0, 0)
            )
        except csv.Error:
            return 0, 0

    return max(_DELIMITERS, key=score)


# --- header --------------------------------------------------------------------------------


def _header(rows: list[Row], config: _Config, source: str) -> tuple[int, dict[str, int]]:
    """The header's position in `rows` and each mapped field's column index."""
    if config.header_row is None:
        candidates = list(enumerate(rows))[:HEADER_SCAN_ROWS]
    else:
        candidates = [(i, row) for i, row in enumerate(rows) if row[0] == config.header_row]
        if not candidates:
            raise ParseError(source, "header row is empty or past the end", f"row {config.header_row}")
    if not candidates:
        raise ParseError(source, "the file has no rows", "file")
    best: tuple[list[str], int, Row] | None = None
    for position, (number, cells) in candidates:
        index, duplicates = _header_index(cells)
        missing = [f for f, h in config.columns.items() if _header_key(h) not in index]
        if not missing:
            _refuse_duplicates(config, duplicates, source, number)
            return position, {f: index[_header_key(h)] for f, h in config.columns.items()}
        if best is None or len(missing) < len(best[0]):
            best = (missing, number, (number, cells))
    assert best is not None
    missing, number, (_, cells) = best
    wanted = ", ".join(f"{config.columns[f]!r} ({f})" for f in missing)
    found = ", ".join(repr(_text(c)) for c in cells if _text(c)) or "none"
    raise ParseError(
        source, f"mapped column(s) {wanted} not in the header; headers found: {found}", f"row {number}"
    )


def _header_index(cells: Sequence[CellValue]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Header key -> first column index, and the keys printed more than once."""
    index: dict[str, int] = {}
    seen: dict[str, list[int]] = {}
    for position, value in enumerate(cells):
        key = _header_key(_text(value))
        if key:
            index.setdefault(key, position)
            seen.setdefault(key, []).append(position)
    return index, {k: v for k, v in seen.items() if len(v) > 1}


def _refuse_duplicates(config: _Config, duplicates: dict[str, list[int]], source: str, number: int) -> None:
    for header in config.columns.values():
        positions = duplicates.get(_header_key(header))
        if positions:
            where = " and ".join(_letters(p) for p in positions)
            raise ParseError(source, f"mapped column {header!r} appears in columns {where}", f"row {number}")


def _header_key(text: str) -> str:
    """Comparison form of a header: casefolded, one apostrophe, no accents or whitespace."""
    decomposed = unicodedata.normalize("NFKD", _APOSTROPHES.sub("'", text).casefold())
    return "".join(c for c in decomposed if not (unicodedata.combining(c) or c.isspace() or c in _INVISIBLE))


def _letters(index: int) -> str:
    """The spreadsheet letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_label(header: str, index: int) -> str:
    return f"{header!r} ({_letters(index)})"


# --- entries -------------------------------------------------------------------------------


def _add_row(
    entries: dict[str, _Entry],
    name_keys: dict[str, str],
    values: Mapping[str, CellValue],
    config: _Config,
    report: ParseReport,
) -> None:
    """Merge one data row into its entry; a row without a name is counted and skipped."""
    name = _text(values.get("name"))
    if not name:
        report.count("row_without_name")
        return
    entry_id = _text(values.get("entry_id"))
    if not entry_id:
        if "entry_id" in config.columns:
            report.count("row_without_entry_id")
        entry_id = name_keys.setdefault(name.casefold(), name)
    entry = entries.get(entry_id)
    if entry is None:
        entry = entries[entry_id] = _Entry(entry_id)
    else:
        report.count("merged_row")
    _add_names(entry, values, config, report)
    _add_kind(entry, _text(values.get("kind")), report)
    _add_countries(entry, values, report)
    _add_identifiers(entry, values)
    address = ", ".join(
        p for p in (_text(line).strip(" ,") for line in _raw(values.get("address")).splitlines()) if p
    )
    entry.addresses += [Address(address)] if address else []
    entry.programs += _split(values.get("program"), ";")
    entry.remarks += [_raw(values.get("reason")).strip()] if _text(values.get("reason")) else []
    _add_url(entry, _text(values.get("url")), report)
    _add_date(entry, "listed_on", values.get("listed_on"), config, report)
    _add_date(entry, "until", values.get("until"), config, report)


def _add_names(entry: _Entry, values: Mapping[str, CellValue], config: _Config, report: ParseReport) -> None:
    printed = _text(values.get("name"))
    head, embedded = _split_embedded(printed)
    if embedded:
        report.count("embedded_names")
    names = [Name(head, "primary" if not entry.names else "alias"), *embedded]
    for field_name, name_type in _NAME_FIELDS.items():
        names += [Name(value, name_type) for value in _split(values.get(field_name), config.alias_separator)]
    for name in names:
        entry.names.setdefault(name.value, name)


def _split_embedded(value: str) -> tuple[str, list[Name]]:
    """ "X a.k.a. Y f.k.a. Z" -> ("X", [alias Y, former Z]); a value without a marker stays whole."""
    parts = _EMBEDDED.split(value)
    head = parts[0].strip(" ,;(")
    if len(parts) == 1 or not head:
        return value, []
    found: list[Name] = []
    for marker, text in zip(parts[1::2], parts[2::2], strict=True):
        name_type, quality = _MARKERS[re.sub(r"[^a-z]", "", marker.lower())]
        name = text.strip(" ,;")
        name = name[:-1].rstrip() if name.endswith(")") and "(" not in name else name
        found += [Name(name, name_type, quality=quality)] if name else []
    return head, found


def _add_kind(entry: _Entry, text: str, report: ParseReport) -> None:
    if not text:
        return
    kind = _KINDS.get(_plain(text))
    if kind is None:
        report.count("unknown_kind")
    elif entry.kinds and kind != entry.kinds[0]:
        report.count("kind_conflict")
    else:
        entry.kinds.append(kind)


def _add_countries(entry: _Entry, values: Mapping[str, CellValue], report: ParseReport) -> None:
    for field_name, target in (("nationality", entry.nationalities), ("country", entry.countries)):
        for part in _split(values.get(field_name), ";"):
            if part.casefold() in _BLANK_COUNTRIES:
                continue
            codes, unknown = _country_list(part)
            target += codes
            if unknown:
                report.count("unknown_country", len(unknown))
                entry.properties.setdefault("unresolved_country", []).extend(unknown)


def _country_list(text: str) -> tuple[list[str], list[str]]:
    """Codes for "France, Germany" or "Korea, Republic of": the longest run of parts that resolves."""
    pieces = [p.strip() for p in text.split(",") if p.strip()]
    codes: list[str] = []
    unknown: list[str] = []
    start = 0
    while start < len(pieces):
        for end in range(len(pieces), start, -1):
            code = to_alpha2(", ".join(pieces[start:end]))
            if code:
                codes.append(code)
                start = end
                break
        else:
            unknown.append(pieces[start])
            start += 1
    return codes, unknown


def _add_identifiers(entry: _Entry, values: Mapping[str, CellValue]) -> None:
    for field_name, value in values.items():
        if field_name in ("registration_number", "tax_id") or field_name.startswith(IDENTIFIER_PREFIX):
            kind = field_name.removeprefix(IDENTIFIER_PREFIX).strip()
            entry.identifiers += [Identifier(kind, part) for part in _split(value, ";")]


def _add_url(entry: _Entry, url: str, report: ParseReport) -> None:
    if url.lower().startswith(("http://", "https://")):
        entry.urls.append(url)
    elif url:
        report.count("invalid_url")


def _add_date(entry: _Entry, field_name: str, value: CellValue, config: _Config, report: ParseReport) -> None:
    printed = _text(value)
    if not printed:
        return
    iso = _date(value, config.date_format)
    if iso and field_name == "listed_on":
        entry.listed_on.append(iso)
    elif iso or printed.casefold() in _OPEN_ENDED:
        entry.properties.setdefault(field_name, []).append(iso or printed)
    else:
        report.count("unreadable_date")
        entry.properties.setdefault(f"{field_name}_text", []).append(printed)


def _date(value: CellValue, date_format: str) -> str | None:
    """An ISO date from a cell; see the module docstring for the rules."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        whole_year = isinstance(value, int) and 1800 <= value <= 2200
        return str(value) if whole_year else excel_serial_to_iso(value)
    text = _text(value)
    if m := _NUMERIC_DATE.match(text):
        if date_format == "iso":
            return None
        year = m[4] if len(m[4]) == 4 else f"{19 if int(m[4]) >= 70 else 20}{m[4]}"
        text = f"{m[1]}/{m[3]}/{year}"
    return parse_date(text, day_first=date_format != "mdy")


def _finish(entry: _Entry, source: str, config: _Config) -> ListEntry:
    kind = entry.kinds[0] if entry.kinds else config.default_kind
    return ListEntry(
        source=source,
        entry_id=entry.entry_id,
        kind=kind,
        names=tuple(entry.names.values()),
        countries=_unique([*entry.nationalities, *entry.countries]),
        nationalities=_unique(entry.nationalities) if kind == "person" else (),
        identifiers=_unique(entry.identifiers),
        addresses=_unique(entry.addresses),
        programs=_unique(entry.programs),
        listed_on=min(entry.listed_on, default=None),
        remarks="\n".join(_unique(entry.remarks)) or None,
        url=entry.urls[0] if entry.urls else None,
        properties={k: _unique(v) for k, v in sorted(entry.properties.items()) if v},
    )


# --- cells ---------------------------------------------------------------------------------


def _raw(value: CellValue) -> str:
    """A cell as text, line breaks kept; whole floats without ".0"; None -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(value: CellValue) -> str:
    """A cell as one line: whitespace (no-break spaces included) collapsed."""
    return "" if value is None else " ".join(_raw(value).split())


def _split(value: CellValue, separator: str) -> list[str]:
    """The non-empty parts of a multi-valued cell, split on `separator` and line breaks."""
    if value is None:
        return []
    lines = _raw(value).splitlines()
    return [p for p in (_text(part) for line in lines for part in line.split(separator)) if p]


def _blank(cells: Iterable[CellValue]) -> bool:
    return not any(_text(value) for value in cells)


def _plain(text: str) -> str:
    """Casefolded, without accents or punctuation, whitespace collapsed (kind words)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.split())


def _unique(values: Iterable[_T]) -> tuple[_T, ...]:
    """First-seen order without duplicates."""
    return tuple(dict.fromkeys(values))
