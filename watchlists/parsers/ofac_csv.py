"""Parse OFAC's legacy CSV file set (sources ``us_ofac_sdn`` and ``us_ofac_cons``).

One set is four headerless CSV files joined on ent_num (`FILE_PARTS`):

    primary   sdn.csv / cons_prim.csv   ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
                                        Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks
    alt       alt.csv / cons_alt.csv    ent_num, alt_num, alt_type, alt_name, alt_remarks
    add       add.csv / cons_add.csv    ent_num, add_num, address, city/state/postal, country,
                                        add_remarks
    comments  sdn_comments.csv /        ent_num, Remarks continuation
              cons_comments.csv

Choices made where the format is loose:

* Text is UTF-8 (a BOM is dropped); a file that is not UTF-8 is read as cp1252 and counted
  (``non_utf8_file``). The trailing 0x1A (Ctrl-Z) byte is dropped; "-0-" (OFAC prints
  "-0- ") is null in every column. A row with the wrong number of columns, a non-numeric
  ent_num or an empty SDN_Name raises ParseError naming part and line.
* entry_id is ent_num without decimals ("35096"; "35096.0" is accepted and counted).
  Primary rows sharing an ent_num merge into one entry (``duplicate_primary_rows``).
* SDN_Type: "-0-" -> organization, individual -> person, vessel, aircraft. The program
  field packs programs as "A] [B". Names are kept as printed ("SURNAME, Given"), with
  whitespace collapsed.
* alt rows: aka -> ``alias``, fka -> ``former``, nka -> ``alias``, the type kept in
  ``quality`` ("a.k.a.", "f.k.a.", "n.k.a."). alt.csv has no strong/weak category (OFAC's
  XML has one): it holds only the strong names. The weak ones are printed in Remarks as
  a.k.a. 'X' and become ``weak_alias`` (see `_ofac_remarks`).
* Remarks are kept whole and read by `_ofac_remarks` (DOB, POB, nationality, citizenship,
  weak aliases, identifiers, properties). OFAC cuts Remarks at 1,000 characters and prints
  the rest in the comments file: a cut remark is continued without a separator; a comment
  for a remark that was not cut (a stale comments file) is appended after a space and
  counted (``comment_not_continuing_remark``). A cut remark without a continuation is
  counted (``truncated_remarks``) and its last, partial item is not read.
* Vessel columns: Call_Sign -> Identifier "Call Sign" (country: the flag); Vess_flag ->
  countries and ``properties["vessel_flag"]``; type, tonnage, GRT and owner -> properties
  ``vessel_type``, ``tonnage``, ``gross_registered_tonnage``, ``vessel_owner``. Title ->
  ``properties["title"]``.
* add rows: ``full`` is "address, city/state/postal, country" as printed; ``city`` holds the
  city/state/postal column as printed (the CSV does not split it). Rows that are null in
  every column are dropped (``empty_address_rows``).
* alt, add and comments rows whose ent_num has no primary row are dropped and counted
  (``orphan_alt_rows`` and ``orphan_alt_ent_nums``, likewise for add and comments).
* The CSV set carries no publication date: ``report.published_at`` stays None.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping

from watchlists.errors import ParseError
from watchlists.parsers._common import decode_text_or_cp1252
from watchlists.parsers._ofac_common import (
    KINDS,
    NULL,
    EntryBuilder,
    address,
    clean,
    country,
    split_embedded,
)
from watchlists.parsers._ofac_remarks import parse_remarks
from watchlists.types import EntityKind, Identifier, ListEntry, Name, NameType, ParseReport

SOURCE = "us_ofac_sdn"
FILE_PARTS: dict[str, bool] = {"primary": True, "alt": False, "add": False, "comments": False}
REMARKS_WIDTH_CHARS = 1000  # OFAC cuts the Remarks column here and continues in comments

_COLUMNS = {"primary": 12, "alt": 5, "add": 6, "comments": 2}
_ENT_NUM = re.compile(r"^\s*0*(\d+)(\.0*)?\s*$")
_ALT_TYPES: dict[str, tuple[NameType, str]] = {
    "aka": ("alias", "a.k.a."),
    "fka": ("former", "f.k.a."),
    "nka": ("alias", "n.k.a."),
}
_EMBEDDED_TYPES: dict[str, NameType] = {"a.k.a.": "alias", "f.k.a.": "former", "n.k.a.": "alias"}
_VESSEL_PROPERTIES = (
    (6, "vessel_type"),
    (7, "tonnage"),
    (8, "gross_registered_tonnage"),
    (10, "vessel_owner"),
)

Row = list[str]


def parse_files(
    files: Mapping[str, bytes], report: ParseReport | None = None, *, source: str = SOURCE
) -> Iterator[ListEntry]:
    """Yield one ListEntry per ent_num of the primary file, with its alt, add and comments rows.

    Args:
        files: raw bytes by part name (`FILE_PARTS`); only "primary" is required.
        report: filled with counts of what was dropped or repaired (orphans, unknown
            countries, unparsed remark items...).
        source: the source id to stamp on entries, ``us_ofac_sdn`` or ``us_ofac_cons``.

    Raises:
        ParseError: on a missing or unknown part, an undecodable or malformed CSV, a row with
            the wrong number of columns, a non-numeric ent_num, an empty name, or a primary
            file without rows. Being a generator, it raises on first iteration.
    """
    report = report if report is not None else ParseReport()
    _check_parts(files, source)
    builders: dict[str, EntryBuilder] = {}
    for line, row in _rows(files["primary"], "primary", source, report):
        location = f"primary line {line}"
        _add_primary(row, _ent_num(row[0], location, source, report), location, builders, source, report)
    if not builders:
        raise ParseError(source, "the primary file holds no rows", "primary")
    for part, handle in (("alt", _add_alias), ("add", _add_address), ("comments", _add_comment)):
        if part in files:
            _join(files[part], part, builders, handle, source, report)
    for builder in builders.values():
        _read_remarks(builder, report)
        yield builder.build()


def _check_parts(files: Mapping[str, bytes], source: str) -> None:
    """Refuse unknown part names (a typo would silently drop a file) and missing required parts."""
    unknown = sorted(set(files) - set(FILE_PARTS))
    if unknown:
        raise ParseError(source, f"unknown file part(s) {unknown}; known: {sorted(FILE_PARTS)}", "files")
    missing = [part for part, required in FILE_PARTS.items() if required and part not in files]
    if missing:
        raise ParseError(source, f"missing required file part(s) {missing}", "files")


# --- reading rows ------------------------------------------------------------------------------


def _rows(data: bytes, part: str, source: str, report: ParseReport) -> Iterator[tuple[int, Row]]:
    """(line number, row) of one part, every row checked for its column count."""
    text = decode_text_or_cp1252(data, report, "non_utf8_file").rstrip("\x1a\r\n")  # 0x1A: DOS end of file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width = _COLUMNS[part]
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != width:
                location = f"{part} line {reader.line_num}"
                raise ParseError(source, f"row has {len(row)} columns, expected {width}", location)
            yield reader.line_num, row
    except csv.Error as exc:
        raise ParseError(source, f"malformed CSV: {exc}", f"{part} line {reader.line_num}") from exc


def _ent_num(value: str, location: str, source: str, report: ParseReport) -> str:
    """ent_num as a string of digits ("35096.0" -> "35096")."""
    if value.isdigit() and value[0] != "0":
        return value
    match = _ENT_NUM.match(value)
    if match is None:
        raise ParseError(source, f"ent_num {value!r} is not a number", location)
    if match[2] is not None:
        report.count("ent_num_with_decimals")
    return match[1]


def _join(
    data: bytes,
    part: str,
    builders: dict[str, EntryBuilder],
    handle: Callable[[EntryBuilder, Row, ParseReport], None],
    source: str,
    report: ParseReport,
) -> None:
    """Apply every row of a secondary part to its entry; count and drop orphans."""
    orphans: set[str] = set()
    for line, row in _rows(data, part, source, report):
        ent_num = _ent_num(row[0], f"{part} line {line}", source, report)
        builder = builders.get(ent_num)
        if builder is None:
            report.count(f"orphan_{part}_rows")
            orphans.add(ent_num)
        else:
            handle(builder, row, report)
    if orphans:
        report.count(f"orphan_{part}_ent_nums", len(orphans))


# --- one row of each part ------------------------------------------------------------------------


def _add_primary(
    row: Row, ent_num: str, location: str, builders: dict[str, EntryBuilder], source: str, report: ParseReport
) -> None:
    """Start (or, for a repeated ent_num, extend) the entry of one primary row."""
    names = _names(row[1], "primary")
    if not names:
        raise ParseError(source, f"entry {ent_num} has no SDN_Name", location)
    builder = builders.get(ent_num)
    if builder is None:
        builder = builders[ent_num] = EntryBuilder(source, ent_num, _kind(row[2], report))
    else:
        report.count("duplicate_primary_rows")
    builder.names += names
    builder.programs += [clean(p.strip("[] ")) for p in clean(row[3]).split("] [")]
    builder.add_property("title", clean(row[4]))
    if any(value != NULL for value in row[5:11]):
        _add_vessel(builder, row, report)
    # Raw until _read_remarks: the cut test needs the printed width, trailing space included.
    builder.remarks.append("" if row[11] == NULL else row[11])


def _kind(value: str, report: ParseReport) -> EntityKind:
    """SDN_Type as an EntityKind; "-0-" (null) is an entity."""
    kind = KINDS.get(clean(value).casefold() or "-0-")
    if kind is None:
        report.count("unknown_sdn_type")
        return "unknown"
    return kind


def _names(value: str, name_type: NameType, quality: str | None = None) -> list[Name]:
    """The name(s) of one name field; a packed "A a.k.a. B" gives A plus typed aliases."""
    return [
        Name(name, _EMBEDDED_TYPES[marker], quality=marker)
        if marker
        else Name(name, name_type, quality=quality)
        for marker, name in split_embedded(value)
    ]


def _add_vessel(builder: EntryBuilder, row: Row, report: ParseReport) -> None:
    """Call sign, flag, type, tonnage, GRT and owner of a vessel row (null elsewhere)."""
    flag = clean(row[9])
    code = country(flag, report) if flag else None
    builder.add_property("vessel_flag", flag)
    builder.other_countries.append(code or "")
    call_sign = clean(row[5])
    if call_sign:
        builder.identifiers.append(Identifier("Call Sign", call_sign, code))
    for column, key in _VESSEL_PROPERTIES:
        builder.add_property(key, clean(row[column]))


def _add_alias(builder: EntryBuilder, row: Row, report: ParseReport) -> None:
    """One alt row: a strong a.k.a. (alias), f.k.a. (former) or n.k.a. (alias)."""
    alt_type = clean(row[2]).casefold().replace(".", "")
    name_type, quality = _ALT_TYPES.get(alt_type, ("alias", alt_type))
    if alt_type not in _ALT_TYPES:
        report.count("unknown_alt_type")
    names = _names(row[3], name_type, quality or None)
    if not names:
        report.count("empty_alt_name")
        return
    builder.names += names
    remark = clean(row[4])
    if remark:
        builder.add_property("alias_remark", f"{names[0].value}: {remark}")


def _add_address(builder: EntryBuilder, row: Row, report: ParseReport) -> None:
    """One add row; rows null in every column are dropped."""
    if not any(clean(value) for value in row[2:]):
        report.count("empty_address_rows")
        return
    found = address(row[2], row[3], row[4], report, note=row[5])
    builder.addresses.append(found)
    builder.other_countries.append(found.country or "")


# --- remarks -------------------------------------------------------------------------------------


def _is_cut(text: str) -> bool:
    """True when OFAC cut this Remarks text at its column width (no closing ".")."""
    return len(text) >= REMARKS_WIDTH_CHARS and not text.endswith(".")


def _add_comment(builder: EntryBuilder, row: Row, report: ParseReport) -> None:
    """A comments row: continue the entry's last Remarks piece when OFAC cut it, else follow it."""
    pieces, more = builder.remarks, row[1]
    if not clean(more):
        return
    if pieces and _is_cut(pieces[-1]):
        pieces[-1] += more
        return
    report.count("comment_not_continuing_remark")
    pieces.append(more)


def _read_remarks(builder: EntryBuilder, report: ParseReport) -> None:
    """Replace the raw Remarks pieces by their cleaned text, and read their facts."""
    pieces, builder.remarks = builder.remarks, []
    for piece in pieces:
        text = clean(piece)
        if not text:
            continue
        truncated = _is_cut(piece)
        if truncated:
            report.count("truncated_remarks")
        builder.remarks.append(text)
        parse_remarks(text, builder, report, truncated=truncated)
