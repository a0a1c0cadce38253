"""Parse Australia's DFAT Consolidated List XLSX (source id ``au_dfat_sanctions``).

One sheet: a header row, then one row per name. ``Reference`` is "2" for an entry's
primary row and "2a", "2b", "34c1"... for its other names, so ``entry_id`` is the
leading integer of Reference and rows sharing it merge into one entry (as the eval index
expects). Choices made where the publisher is loose:

* Type and Name Type are compared case-insensitively with whitespace collapsed ("Entity ",
  "individual", "Primary name"). Name Type: "Primary Name" -> ``primary``; "aka",
  "Alias" -> ``alias``; "Original Script" -> ``original_script``; "Formerly known as"
  and "Previously listed as" -> ``former``; anything else -> ``alias``, counted as
  ``unknown_name_type``.
* A name annotated in brackets keeps the name and drops the note: "X (previously listed
  as)" / "(formerly listed as)" make X a ``former`` name (an Arabic rendering given in
  that note becomes a ``former`` name too); "(combat name)", "(birth name)", "(call
  sign)", "(initials)" are dropped. Other brackets ("(ASC)", "(Indonesia)") are part of
  the printed name.
* Date of Birth: an Excel date serial, a year number, or text holding one or more dates
  ("a) 01/02/1960; b) 1961", "1955 or 1956", "Approximately 1963", "Between 1960 and
  1962" -> "1960/1962"). Hijri dates are skipped (``hijri_birth_date``); any other part
  that does not read is counted (``unparsed_birth_date``) and kept in
  ``properties["birth_date_note"]``. Numeric dd/mm/yyyy dates are day first.
* Citizenship is often a demonym ("Russian", "a) Pakistani b) Saudi Arabian"); see
  `watchlists.parsers._sheets.country_codes`. It fills ``nationalities`` for persons.
* Address and Place of Birth split on "a) ... b) ..." markers; "NA" means none. An
  address's country is read from its last comma-separated part when that is a country.
* ``listed_on`` is the earliest date given as "Listed on ...", "listed ... on ...",
  "Designated ... on ..." or "Listed by ... Committee ..." in Listing Information (kept
  whole in ``properties``); autonomous listings that only cite their instrument have none.
* Name Type as printed is kept as the name's `quality` (not for the primary name). Additional
  Information is the ``remarks``; Committees are the ``programs``.
* Control Date (an Excel serial) goes to ``properties["control_date"]``; the latest one in
  the file is ``published_at``, since the workbook carries no publication date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from watchlists.countries import to_alpha2
from watchlists.dates import excel_serial_to_iso, parse_date
from watchlists.errors import ParseError
from watchlists.parsers._common import unique
from watchlists.parsers._sheets import country_codes, enumerated_items, headed_rows, primary_first, text
from watchlists.types import Address, EntityKind, ListEntry, Name, NameType, ParseReport
from watchlists.xlsx import CellValue

SOURCE = "au_dfat_sanctions"
_COLUMNS = (
    "Reference", "Name of Individual or Entity", "Type", "Name Type", "Date of Birth",
    "Place of Birth", "Citizenship", "Address", "Additional Information", "Listing Information",
    "Committees", "Control Date",
)  # fmt: skip
_KINDS: dict[str, EntityKind] = {"individual": "person", "entity": "organization"}
_NAME_TYPES: dict[str, NameType] = {
    "primary name": "primary",
    "aka": "alias",
    "alias": "alias",
    "original script": "original_script",
    "formerly known as": "former",
    "previously listed as": "former",
}
_PLACEHOLDERS = frozenset({"", "na", "n/a", "none"})
_REFERENCE = re.compile(r"^\s*(\d+)")
_FORMER_NOTE = re.compile(
    r"\s*\((?:previously|formerly) listed as[.,]?\s*(?:in arabic:\s*(?P<script>[^()]*?))?\s*\)\s*$",
    re.IGNORECASE,
)
_DROPPED_NOTE = re.compile(r"\s*\((?:combat name|birth name|call sign|initials)\)\s*$", re.IGNORECASE)
_DOB_SEPARATOR = re.compile(
    r"\s*(?:;|>>|\bor\b|alt\.? DOB:?)\s*|,\s*(?=\d|[a-z]\)|Between)"
    r"|(?<=\d{4})\s+(?=\d{1,2}/)|(?<=\))\s+(?=\d)",
    re.IGNORECASE,
)
_DOB_QUALIFIER = re.compile(r"^(?:approximately|approx\.?|circa|about|between)\s+", re.IGNORECASE)
# Notes inside a date: "(this aka only)", "(as Ali Thafir Abdallah)", "(from false passport)".
_DOB_NOTE = re.compile(
    r"\((?:this aka|for this|as |from |appears)[^()]*\)?|\.?\s*for this aka only", re.IGNORECASE
)
_DOB_REPAIRS = (
    (re.compile(r"(?<=\d)-(?=[A-Za-z])|(?<=[A-Za-z])-(?=\d)"), " "),  # 19-Dec-1992
    (re.compile(r"(?<=[A-Za-z])\.(?=\d)"), ". "),  # 24 Jan.1973
    (re.compile(r"^(\d{1,2})\.\s+"), r"\1 "),  # 12. Jul 1980
    (re.compile(r"/\s+(?=\d)"), "/"),  # 09/11/ 1954
    (re.compile(r"^(\d{1,2})/(\d{4})$"), r"\2-\1"),  # 03/1965 (month/year)
    (re.compile(r"[()]"), ""),
)
_LISTED_ON = re.compile(
    r"\b(?:list(?:ed|ing)|designated)\b[^.()]*?\b(?:on:?|committee)\s+(\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4})",
    re.IGNORECASE,
)

# One data row: its number, its cells as text, the raw Date of Birth cell (a serial or a
# year number must not go through `text`), and the Control Date as ISO.
_Row = tuple[int, list[str], CellValue, str | None]


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per Reference number of the DFAT consolidated list.

    Raises:
        ParseError: an unreadable workbook, a header without the expected columns, or a
            data row whose Reference has no leading number.
    """
    report = report if report is not None else ParseReport()
    columns, rows = headed_rows(data, SOURCE, _COLUMNS)
    width = max(columns.values()) + 1
    entries: dict[str, list[_Row]] = {}
    for number, row in rows:
        values = [text(row[i]) if i < len(row) else "" for i in range(width)]
        if not any(values):
            report.count("blank_row")
            continue
        match = _REFERENCE.match(values[columns["Reference"]])
        if match is None:
            raise ParseError(
                SOURCE, f"Reference {values[columns['Reference']]!r} has no number", f"row {number}"
            )
        dob = row[columns["Date of Birth"]] if columns["Date of Birth"] < len(row) else None
        control = _control_date(
            row[columns["Control Date"]] if columns["Control Date"] < len(row) else None, report
        )
        entries.setdefault(str(int(match[1])), []).append((number, values, dob, control))
    report.published_at = max((row[3] for group in entries.values() for row in group if row[3]), default=None)
    for entry_id, entry_rows in entries.items():
        yield _entry(entry_id, entry_rows, columns, report)


def _entry(
    entry_id: str,
    rows: list[_Row],
    columns: dict[str, int],
    report: ParseReport,
) -> ListEntry:
    """Merge the rows of one Reference number."""

    def values(name: str) -> tuple[str, ...]:
        return unique(row[columns[name]] for _, row, _, _ in rows)

    kind = _kind(rows, columns, report)
    names = _names(rows, columns, report)
    if not names:
        raise ParseError(SOURCE, f"entry {entry_id} has no name", f"row {rows[0][0]}")
    citizenship = [c for v in values("Citizenship") if v.casefold() not in _PLACEHOLDERS
                   for c in country_codes(v, report)]  # fmt: skip
    addresses = unique(_address(item) for v in values("Address") for item in _items(v))
    dates, notes = _birth_dates([dob for _, _, dob, _ in rows], report)
    listing = values("Listing Information")
    listed = sorted(unique(_listed_on(v) for v in listing))
    properties = {
        "listing_information": listing,
        "control_date": unique(control for _, _, _, control in rows),
        "birth_date_note": notes,
    }
    return ListEntry(
        source=SOURCE,
        entry_id=entry_id,
        kind=kind,
        names=names,
        countries=unique([*citizenship, *(a.country for a in addresses)]),
        nationalities=unique(citizenship) if kind == "person" else (),
        addresses=addresses,
        birth_dates=dates,
        birth_places=unique(item for v in values("Place of Birth") for item in _items(v)),
        programs=values("Committees"),
        listed_on=listed[0] if listed else None,
        remarks="\n".join(values("Additional Information")) or None,
        properties={key: value for key, value in properties.items() if value},
    )


def _kind(rows: list[_Row], columns: dict[str, int], report: ParseReport) -> EntityKind:
    """person / organization from Type (noisy case and spacing); the first row decides."""
    printed = unique(row[columns["Type"]].casefold() for _, row, _, _ in rows)
    if len(printed) > 1:
        report.count("conflicting_type")
    kind = _KINDS.get(printed[0]) if printed else None
    if kind is None:
        report.count("unknown_type")
        return "unknown"
    return kind


# --- names -----------------------------------------------------------------------------------


def _names(rows: list[_Row], columns: dict[str, int], report: ParseReport) -> tuple[Name, ...]:
    """The primary name first, then the other names in row order, without repeats."""
    found: list[Name] = []
    for _, row, _, _ in rows:
        found += _row_names(row[columns["Name of Individual or Entity"]], row[columns["Name Type"]], report)
    return primary_first(found, report, keep_quality=False)


def _row_names(value: str, printed_type: str, report: ParseReport) -> list[Name]:
    """The name of one row typed by Name Type, with bracketed listing notes resolved."""
    if not value:
        report.count("row_without_name")
        return []
    name_type = _NAME_TYPES.get(printed_type.casefold())
    if name_type is None:
        report.count("unknown_name_type")
        name_type = "alias"
    quality = printed_type if name_type != "primary" else None
    former = _FORMER_NOTE.search(value)
    if former:
        report.count("annotated_name")
        names = [Name(value[: former.start()].strip(), "former", quality=quality)]
        script = (former["script"] or "").strip()
        return names + ([Name(script, "former", quality=quality)] if script else [])
    dropped = _DROPPED_NOTE.search(value)
    if dropped:
        report.count("annotated_name")
        value = value[: dropped.start()].strip()
    return [Name(value, name_type, quality=quality)]


# --- dates, places -------------------------------------------------------------------------


def _birth_dates(cells: list[CellValue], report: ParseReport) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """ISO dates of birth from serials, year numbers and date texts; and unread parts."""
    dates: list[str | None] = []
    notes: list[str] = []
    for value in dict.fromkeys(cells):
        if isinstance(value, int | float) and not isinstance(value, bool):
            dates.append(str(int(value)) if 1000 <= value <= 2100 else excel_serial_to_iso(value))
            continue
        printed = text(value)
        if printed.casefold() in _PLACEHOLDERS:
            continue
        for part in _dob_parts(printed):
            if "hijri" in part.casefold():
                report.count("hijri_birth_date")
                continue
            date = parse_date(_repaired(part))
            if date is None:
                report.count("unparsed_birth_date")
                notes.append(part)
            dates.append(date)
    return unique(dates), unique(notes)


def _dob_parts(printed: str) -> list[str]:
    """The separate dates in one Date of Birth text."""
    return [
        p.strip(" .,")
        for item in enumerated_items(printed)
        for p in _DOB_SEPARATOR.split(item)
        if p.strip(" .,")
    ]


def _repaired(part: str) -> str:
    """One printed date with its notes, qualifiers and known typos taken out."""
    part = _DOB_QUALIFIER.sub("", _DOB_NOTE.sub("", part)).strip(" .,")
    for pattern, replacement in _DOB_REPAIRS:
        part = pattern.sub(replacement, part)
    return _DOB_QUALIFIER.sub("", part.strip())


def _control_date(value: CellValue, report: ParseReport) -> str | None:
    """An Excel serial (or printed date) Control Date as ISO."""
    if value is None or value == "":
        return None
    date = excel_serial_to_iso(value) if isinstance(value, int | float) else parse_date(text(value))
    if date is None:
        report.count("invalid_control_date")
    return date


def _listed_on(listing: str) -> str | None:
    """The listing date stated in Listing Information, if it states one."""
    match = _LISTED_ON.search(listing)
    return parse_date(match[1]) if match else None


def _items(value: str) -> list[str]:
    """The "a) ... b) ..." items of a cell, without "NA" placeholders."""
    return [item for item in enumerated_items(value) if item.casefold() not in _PLACEHOLDERS]


def _address(full: str) -> Address:
    """An address as printed; its country when the last comma-separated part is one."""
    last = full.rsplit(",", 1)[-1].strip(" .")
    return Address(full=full, country=to_alpha2(last) if last else None)
