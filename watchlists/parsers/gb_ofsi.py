"""Parse the UK OFSI Consolidated List (ConList.xlsx or ConList.csv; source id ``gb_ofsi``).

Row 1 is "Last Updated" and the date (``published_at``), row 2 the header, then one row
per name, grouped by ``Group ID`` into designations (``entry_id`` = the Group ID). The
XLSX and CSV files carry the same rows; `parse` tells them apart by the zip signature.
Choices made where the publisher is loose:

* A name is Name 1..Name 5 then Name 6 (surname or entity name), joined with spaces:
  given names first, as OFSI prints them on its notices. Title goes to
  ``properties["title"]``.
* Alias Type: "Primary name" -> ``primary``; "Primary name variation" and "AKA" ->
  ``alias``; "FKA" -> ``former``. Alias Quality "Low quality" makes a non-primary name a
  ``weak_alias``; the quality label is kept in `Name.quality`. A second, different
  "Primary name" in one group (OFSI prints two spellings for a few) becomes an ``alias``
  (``extra_primary_name``); a group without one promotes its first name
  (``missing_primary_name``).
* "Name Non-Latin Script" gives an ``original_script`` name (``former`` or
  ``weak_alias`` when its row is FKA or low quality), with `lang` the ISO 639 code of
  "Non-Latin Script Language" when pycountry knows it, else the script type printed.
* DOB "dd/mm/yyyy" with 00 for unknown parts: "00/00/1960" -> "1960", "00/05/1960" ->
  "1960-05"; "mm/yyyy" and "yyyy" are read too.
* Numbered lists in one cell ("(1) 223611 (2) C00146605") are split; passport and
  national-id numbers are paired with the same-numbered details when the counts agree,
  else every number gets all the details as its note. Towns and countries of birth pair
  the same way.
* Addresses: ``full`` joins Address 1..6, post code and country as printed; Address 6
  mixes towns and provinces, so only ``postal_code`` and ``country`` are split out.
* Nationality goes to ``nationalities`` for individuals and to ``countries`` for all;
  a ship's "(Flag of ship)" country goes to ``countries`` too.
* Other Information is the ``remarks``; its labelled parts become properties
  ("(UN Ref):QDi.423" -> ``un_reference``, "(UK Sanctions List Ref)", "(Gender)", ship
  facts, contacts...) and identifiers ("(IMO number)", "(Business Reg No)").
* Regime (one per row; a group can have several) -> ``programs``; ``listed_on`` is the
  earliest "Listed On"; "UK Sanctions List Date Designated" and "Last Updated" go to
  ``properties["date_designated"]`` and ``["last_updated"]``.
"""

from __future__ import annotations

import csv
import functools
import io
import operator
import re
from collections.abc import Iterable, Iterator, Sequence

import pycountry

from watchlists.dates import parse_date
from watchlists.errors import ParseError
from watchlists.parsers._common import decode_text_or_cp1252, unique
from watchlists.parsers._sheets import (
    ZIP_MAGIC,
    cell,
    country_code,
    country_codes,
    enumerated_items,
    header_index,
    primary_first,
    text,
    xlsx_rows,
)
from watchlists.types import Address, EntityKind, Identifier, ListEntry, Name, NameType, ParseReport
from watchlists.xlsx import CellValue

SOURCE = "gb_ofsi"
_HEADER_SEARCH_ROWS = 5
_NAME_PARTS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")
_ADDRESS_PARTS = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6")
_REQUIRED = (
    *_NAME_PARTS, "Title", "Name Non-Latin Script", "Non-Latin Script Type", "Non-Latin Script Language",
    "DOB", "Town of Birth", "Country of Birth", "Nationality", "Passport Number", "Passport Details",
    "National Identification Number", "National Identification Details", "Position", *_ADDRESS_PARTS,
    "Post/Zip Code", "Country", "Other Information", "Group Type", "Alias Type", "Alias Quality",
    "Regime", "Listed On", "UK Sanctions List Date Designated", "Last Updated", "Group ID",
)  # fmt: skip
_KINDS: dict[str, EntityKind] = {"individual": "person", "entity": "organization", "ship": "vessel"}
_ALIAS_TYPES: dict[str, NameType] = {
    "primary name": "primary",
    "primary name variation": "alias",
    "aka": "alias",
    "fka": "former",
}
# Labelled parts of Other Information: label -> property key (None: remarks only).
_LABELS: dict[str, str | None] = {
    "UK Sanctions List Ref": "uk_sanctions_list_ref",
    "UN Ref": "un_reference",
    "UK Statement of Reasons": None,
    "Gender": "gender",
    "Type of entity": "type_of_entity",
    "Parent company": "parent_company",
    "Subsidiaries": "subsidiaries",
    "Business Reg No": "business_registration_number",
    "IMO number": "imo_number",
    "Type of ship": "type_of_ship",
    "Flag of ship": "flag_of_ship",
    "Previous flags": "previous_flags",
    "Tonnage of ship": "tonnage_of_ship",
    "Length of ship": "length_of_ship",
    "Year built": "year_built",
    "Current owners": "current_owners",
    "Phone number": "phone",
    "Tel": "phone",
    "Fax": "fax",
    "Email address": "email",
    "Website": "website",
}
_LABEL = re.compile(r"\((" + "|".join(map(re.escape, _LABELS)) + r")\):\s*")
_TOKEN_LABELS = frozenset({"UK Sanctions List Ref", "UN Ref", "IMO number"})
_IDENTIFIER_LABELS = {"IMO number": "IMO", "Business Reg No": "Business Registration Number"}
_cached_date = functools.lru_cache(maxsize=4096)(parse_date)  # a few thousand distinct dates
# ISO 639-1 codes of the languages OFSI prints (pycountry, slower to load, covers the rest;
# it calls Greek "Modern Greek (1453-)").
_LANGUAGES = {
    "arabic": "ar", "belarusian": "be", "bosnian": "bs", "bulgarian": "bg", "burmese": "my", "chinese": "zh",
    "georgian": "ka", "greek": "el", "hebrew": "he", "japanese": "ja", "kazakh": "kk", "korean": "ko",
    "persian": "fa", "romanian": "ro", "russian": "ru", "serbian": "sr", "spanish": "es", "thai": "th",
    "turkish": "tr", "ukrainian": "uk",
}  # fmt: skip
_DOB = re.compile(r"^(?:(?P<day>\d{1,2})/)?(?:(?P<month>\d{1,2})/)?(?P<year>\d{4})$")

Row = list[str]  # a data row as collapsed texts (see `_Collapsed`), padded to the header's width
Rows = list[tuple[int, Row]]
Columns = dict[str, int]


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per Group ID of the OFSI consolidated list (XLSX or CSV).

    Raises:
        ParseError: a file that is neither a readable XLSX nor CSV, no header row with the
            expected columns, a row without Group ID, or a group without any name.
    """
    report = report if report is not None else ParseReport()
    rows = xlsx_rows(data, SOURCE) if data.startswith(ZIP_MAGIC) else _csv_rows(data, report)
    groups, columns = _grouped_rows(rows, report)
    for group_id, group in groups.items():
        yield _entry(group_id, group, columns, report)


def _csv_rows(data: bytes, report: ParseReport) -> Iterator[tuple[int, list[CellValue]]]:
    """The CSV twin's records, numbered from 1 like sheet rows."""
    decoded = decode_text_or_cp1252(data, report, "csv_decoded_as_cp1252")
    if "\x00" in decoded:
        raise ParseError(SOURCE, "neither XLSX nor CSV (binary data)", "byte 0")
    reader = csv.reader(io.StringIO(decoded, newline=""), strict=True)
    try:
        for number, record in enumerate(reader, start=1):
            yield number, list(record)
    except csv.Error as exc:
        raise ParseError(SOURCE, f"malformed CSV: {exc}", f"line {reader.line_num}") from exc


def _grouped_rows(
    rows: Iterator[tuple[int, list[CellValue]]], report: ParseReport
) -> tuple[dict[str, Rows], Columns]:
    """Find the header (after "Last Updated"), then group the data rows by Group ID."""
    columns: Columns | None = None
    for number, row in rows:
        if text(cell(row, 0)) == "Last Updated":
            report.published_at = parse_date(text(cell(row, 1)))
        elif "Group ID" in (text(v) for v in row):
            columns = header_index(row, _REQUIRED, SOURCE, f"row {number}")
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if columns is None:
        raise ParseError(SOURCE, "no header row with 'Group ID' in the first rows", "row 1")
    groups: dict[str, Rows] = {}
    group_column = columns["Group ID"]
    width = max(columns.values()) + 1
    collapsed = _Collapsed()
    for number, values in rows:
        record = [collapsed[v] for v in values[:width]]
        record += [""] * (width - len(record))
        group_id = record[group_column]
        if not group_id:
            if any(record):
                raise ParseError(SOURCE, "row has no Group ID", f"row {number}")
            report.count("blank_row")
            continue
        groups.setdefault(group_id, []).append((number, record))
    return groups, columns


def _entry(group_id: str, rows: Rows, columns: Columns, report: ParseReport) -> ListEntry:
    """Merge one group's rows into a ListEntry."""

    def values(name: str) -> tuple[str, ...]:
        """The column's distinct non-empty values over the group's rows."""
        index = columns[name]
        return unique(row[index] for _, row in rows)

    kind = _kind(values("Group Type"), report)
    names = _names(rows, columns, report)
    if not names:
        raise ParseError(SOURCE, f"group {group_id} has no name", f"row {rows[0][0]}")
    other = values("Other Information")
    labelled = _labelled(other)
    nationality = [c for v in values("Nationality") for c in country_codes(v, report)]
    flags = [c for v in labelled.get("Flag of ship", []) for c in country_codes(v, report)]
    addresses = unique(_address(row, columns, report) for row in _distinct(rows, _ADDRESS_COLUMNS, columns))
    identifiers = [
        *_documents("Passport", _pairs(rows, columns, "Passport Number", "Passport Details")),
        *_documents("National Identification Number", _pairs(
            rows, columns, "National Identification Number", "National Identification Details")),
        *(Identifier(name, v) for label, name in _IDENTIFIER_LABELS.items() for v in labelled.get(label, [])),
    ]  # fmt: skip
    listed = sorted(unique(_date(v, report) for v in values("Listed On")))
    properties = {
        "title": values("Title"),
        "position": values("Position"),
        "date_designated": unique(_date(v, report) for v in values("UK Sanctions List Date Designated")),
        "last_updated": unique(_date(v, report) for v in values("Last Updated")),
    }
    for label, found in labelled.items():
        key = _LABELS[label]
        if key:
            properties[key] = unique([*properties.get(key, ()), *found])
    return ListEntry(
        source=SOURCE,
        entry_id=group_id,
        kind=kind,
        names=names,
        countries=unique([*nationality, *(a.country for a in addresses), *flags]),
        nationalities=unique(nationality) if kind == "person" else (),
        identifiers=unique(identifiers),
        addresses=addresses,
        birth_dates=unique(_birth_date(v, report) for v in values("DOB")),
        birth_places=unique(p for pair in _pairs(rows, columns, "Town of Birth", "Country of Birth")
                            for p in _birth_places(*pair)),
        programs=values("Regime"),
        listed_on=listed[0] if listed else None,
        remarks="\n".join(other) or None,
        properties={key: value for key, value in properties.items() if value},
    )  # fmt: skip


class _Collapsed(dict[CellValue, str]):
    """Memo of cell value -> `text`: each name row repeats its designation's details."""

    def __missing__(self, value: CellValue) -> str:
        collapsed = self[value] = text(value)
        return collapsed


def _pairs(rows: Rows, columns: Columns, first: str, second: str) -> tuple[tuple[str, str], ...]:
    """Distinct non-empty (first, second) column pairs over the rows."""
    a, b = columns[first], columns[second]
    return unique((row[a], row[b]) if row[a] or row[b] else None for _, row in rows)


def _distinct(rows: Rows, names: Sequence[str], columns: Columns) -> list[Row]:
    """One row per distinct combination of the named columns."""
    key = operator.itemgetter(*(columns[name] for name in names))
    seen: dict[tuple[str, ...], Row] = {}
    for _, row in rows:
        seen.setdefault(key(row), row)
    return list(seen.values())


def _kind(group_types: Sequence[str], report: ParseReport) -> EntityKind:
    """The entity kind from Group Type (the same on every row of a group)."""
    printed = unique(v.casefold() for v in group_types)
    if len(printed) > 1:
        report.count("conflicting_group_type")
    kind = _KINDS.get(printed[0]) if printed else None
    if kind is None:
        report.count("unknown_group_type")
        return "unknown"
    return kind


# --- names -----------------------------------------------------------------------------------


def _names(rows: Rows, columns: Columns, report: ParseReport) -> tuple[Name, ...]:
    """Primary name first, then every other name in row order, without repeats."""
    found: list[Name] = []
    for row in _distinct(rows, _NAME_COLUMNS, columns):
        found += _row_names(row, columns, report)
    return primary_first(found, report, keep_quality=True)


def _row_names(record: Row, columns: Columns, report: ParseReport) -> list[Name]:
    """The Latin name of one row, and its non-Latin script rendering if any."""
    row = {name: record[columns[name]] for name in _NAME_COLUMNS}
    alias_type = row["Alias Type"]
    name_type = _ALIAS_TYPES.get(alias_type.casefold())
    if name_type is None:
        report.count("unknown_alias_type")
        name_type = "alias"
    quality = row["Alias Quality"] or None
    if name_type != "primary" and quality and quality.casefold().startswith("low"):
        name_type = "weak_alias"
    names = []
    full = " ".join(p for p in (row[part] for part in _NAME_PARTS) if p)
    if full:
        names.append(Name(full, name_type, quality=quality))
    else:
        report.count("row_without_name")
    script = row["Name Non-Latin Script"]
    if script:
        script_type: NameType = "original_script" if name_type in ("primary", "alias") else name_type
        language = _language(row["Non-Latin Script Language"], report)
        lang = language or row["Non-Latin Script Type"] or None
        names.append(Name(script, script_type, lang=lang, quality=quality))
    return names


_NAME_COLUMNS = (*_NAME_PARTS, "Alias Type", "Alias Quality", "Name Non-Latin Script",
                 "Non-Latin Script Language", "Non-Latin Script Type")  # fmt: skip
_ADDRESS_COLUMNS = (*_ADDRESS_PARTS, "Post/Zip Code", "Country")


@functools.cache
def _language_code(language: str) -> str | None:
    """ISO 639-1 (else 639-3) code of an English language name, per pycountry."""
    if language.casefold() in _LANGUAGES:
        return _LANGUAGES[language.casefold()]
    try:
        found = pycountry.languages.lookup(language)
    except LookupError:
        return None
    code = getattr(found, "alpha_2", None) or getattr(found, "alpha_3", None)
    return str(code) if code else None


def _language(printed: str, report: ParseReport) -> str | None:
    """The language code for "Russian" or "Persian/Farsi"; unknown ones are counted."""
    if not printed:
        return None
    code = _language_code(printed.split("/")[0].strip())
    if code is None:
        report.count("unknown_script_language")
    return code


# --- documents, places, dates ------------------------------------------------------------------


def _documents(kind: str, pairs: Iterable[tuple[str, str]]) -> Iterator[Identifier]:
    """Identifiers from (possibly numbered) number and detail cells."""
    for number_cell, detail_cell in pairs:
        items = enumerated_items(number_cell)
        notes = enumerated_items(detail_cell)
        for position, value in enumerate(items):
            note = notes[position] if len(notes) == len(items) else detail_cell
            yield Identifier(kind, value, note=note or None)


def _birth_places(town: str, country: str) -> list[str]:
    """ "Town, Country" per place of birth, pairing numbered lists when they line up."""
    towns, lands = enumerated_items(town), enumerated_items(country)
    if towns and lands and len(towns) != len(lands):
        return [*towns, *lands]
    if towns and lands:
        return [f"{t}, {c}" for t, c in zip(towns, lands, strict=True)]
    return towns or lands


def _address(row: Row, columns: Columns, report: ParseReport) -> Address | None:
    """The row's address, or None when it has none."""
    postal, country = row[columns["Post/Zip Code"]], row[columns["Country"]]
    lines = (row[columns[line]] for line in _ADDRESS_PARTS)
    parts = [p for p in (*lines, postal, country) if p]
    if not parts:
        return None
    return Address(
        full=", ".join(parts),
        postal_code=postal or None,
        country=country_code(country, report) if country else None,
    )


def _birth_date(value: str, report: ParseReport) -> str | None:
    """An ISO (partial) date of birth from "dd/mm/yyyy" with 00 parts, "mm/yyyy" or "yyyy"."""
    match = _DOB.match(value)
    if match:
        year = match["year"]
        day, month = (match["day"], match["month"]) if match["month"] else (None, match["day"])
        if not month or int(month) == 0:
            return year
        if not day or int(day) == 0:
            return f"{year}-{int(month):02d}" if int(month) <= 12 else None
    date = parse_date(value)
    if date is None:
        report.count("unparsed_birth_date")
    return date


def _date(value: str, report: ParseReport) -> str | None:
    """A dd/mm/yyyy date as ISO; unreadable ones are counted."""
    date = _cached_date(value)
    if date is None:
        report.count("invalid_date")
    return date


def _labelled(other_information: Iterable[str]) -> dict[str, list[str]]:
    """The "(Label):value" parts of Other Information, by label."""
    found: dict[str, list[str]] = {}
    for remark in other_information:
        matches = list(_LABEL.finditer(remark))
        for match, following in zip(matches, [*matches[1:], None], strict=True):
            value = remark[match.end() : following.start() if following else len(remark)].strip(" ;,")
            if match[1] in _TOKEN_LABELS:
                value = value.split(" ")[0]
            value = value.rstrip(".").strip()
            if value:
                found.setdefault(match[1], []).append(value)
    return found
