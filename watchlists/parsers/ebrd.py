"""Parse the EBRD list of ineligible entities, CSV (source id ``ebrd_ineligible``).

UTF-8 with a BOM; header Firm Name, Address, Nationality, Ineligible From,
" Ineligible Until" (with a leading space: header names are matched stripped), Notice
Effective At EBRD, Originating Institution, Prohibited Practice. Choices made where the
publisher is loose:

* The EBRD prints no id, so ``entry_id`` is Firm Name stripped and whitespace-collapsed
  (the eval key). Rows whose keys are equal after casefolding merge into one entry (the
  same firm at two addresses, or debarred by two institutions): names, addresses,
  countries, programs and properties are unions, ``listed_on`` the earliest date.
* The printed name is the primary. Names it embeds become extra names: "X (also known
  as Y)", "X aka Y", "X doing business as Y" give aliases, "X formerly known as Y",
  "X (formerly Y)", "X f/k/a Y" give former names, and X itself becomes an alias. A
  trailing "and any entity controlled directly or indirectly by …" is cut off the alias.
* Kind is a heuristic, as the eval index's: a "Mr" / "Mrs" / "Ms" / "Miss" / "Dr" / "Md"
  title (with or without a dot) or a "SURNAME, Given" form without a legal-form word is
  a person; anything else an organization. ("DŨNG, Đoàn Anh (Dung, Doan Anh)" is a
  person here; the eval index calls it an organization.)
* Nationality is the firm's country (and a person's nationality); a cell that repeats one
  country on several lines is read line by line; unknown spellings are counted.
* Address is kept as one printed string (no parts, no country).
* Prohibited Practice is the program, as printed. Originating Institution, the
  ineligibility period (ISO dates, or the printed "Ongoing" / "Indefinite" /
  "Permanent"; ``period`` pairs them as "from/until", ".." when empty) and the notice
  date go to properties. ``listed_on`` is Ineligible From, or the notice date when From
  is empty.
* Five rows are badly quoted (``""Supper Fortuna" LLC"``): they are kept as Python's
  lenient csv reader reads them, which is how the eval keys were made, and counted as
  ``malformed_quoting``.
* The file carries no publication date, so ``report.published_at`` stays None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from watchlists.dates import parse_date
from watchlists.errors import ParseError
from watchlists.parsers._common import collapse, country, decode_text, properties, unique
from watchlists.parsers._listkit import looks_like_organization, read_csv, split_embedded
from watchlists.types import Address, EntityKind, ListEntry, Name, ParseReport

SOURCE = "ebrd_ineligible"
NAME = "Firm Name"
COLUMNS = (
    NAME,
    "Address",
    "Nationality",
    "Ineligible From",
    "Ineligible Until",
    "Notice Effective At EBRD",
    "Originating Institution",
    "Prohibited Practice",
)
_TITLE = re.compile(r"^(?:mrs?|ms|miss|dr|md)\.?\s", re.IGNORECASE)
_SURNAME_FIRST = re.compile(r"^[^\s,]+,\s+\S")
_CONTROLLED = re.compile(r",?\s+and any entity controlled\b.*$", re.IGNORECASE)
_OPEN_ENDED = frozenset({"ongoing", "indefinite", "permanent"})


_PROPERTIES = ("originating_institution", "period", "ineligible_from", "ineligible_until", "notice_effective")


@dataclass
class _Entry:
    entry_id: str
    kind: EntityKind
    names: dict[tuple[str, str], Name] = field(default_factory=dict)
    addresses: list[str] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per distinct Firm Name.

    Raises:
        ParseError: not UTF-8 text, a missing column, a row with another number of fields
            than the header or an unterminated quote (truncation), or a row without a
            Firm Name; the location is the line number.
    """
    report = report if report is not None else ParseReport()
    _, rows = read_csv(SOURCE, decode_text(SOURCE, data), COLUMNS, report)
    entries: dict[str, _Entry] = {}
    for line, row in rows:
        name = collapse(row[NAME])
        if not name:
            raise ParseError(SOURCE, "row without Firm Name", f"line {line}")
        entry = entries.get(name.casefold())
        if entry is None:
            entry = entries[name.casefold()] = _Entry(name, _kind(name))
            _add_names(entry, name, report)
        else:
            report.count("merged_row")
        _add_row(entry, row, report)
    for entry in entries.values():
        yield _finish(entry)


def _kind(name: str) -> EntityKind:
    """Person for a title prefix or "SURNAME, Given" without legal form (a heuristic)."""
    if _TITLE.match(name):
        return "person"
    if _SURNAME_FIRST.match(name) and not looks_like_organization(name):
        return "person"
    return "organization"


def _add_names(entry: _Entry, name: str, report: ParseReport) -> None:
    names = [Name(name, "primary")]
    head, embedded = split_embedded(name)
    controlled = _CONTROLLED.sub("", head)
    if controlled != head:
        report.count("control_clause_cut")
    if embedded or controlled != head:
        report.count("embedded_names")
        names += [Name(controlled, "alias"), *(Name(value, kind) for value, kind in embedded)]
    for item in names:
        entry.names.setdefault((item.value, item.type), item)


def _add_row(entry: _Entry, row: dict[str, str], report: ParseReport) -> None:
    lines = (collapse(line) for line in row["Nationality"].splitlines())
    start = _date(row["Ineligible From"], report)
    until = _until(row["Ineligible Until"], report)
    notice = _date(row["Notice Effective At EBRD"], report)
    found = {
        "countries": [country(line, report) or "" for line in lines if line],
        "programs": [collapse(row["Prohibited Practice"])],
        "listed_on": [start or notice or ""],
        "originating_institution": [collapse(row["Originating Institution"])],
        "ineligible_from": [start or ""],
        "ineligible_until": [until],
        "period": [f"{start or '..'}/{until or '..'}"],
        "notice_effective": [notice or ""],
    }
    for key, values in found.items():
        entry.found.setdefault(key, []).extend(v for v in values if v)
    entry.addresses.append(collapse(row["Address"]))


def _date(value: str, report: ParseReport) -> str | None:
    """The date of an ISO 8601 timestamp ("2024-07-01T12:00:59Z"); bad ones are counted."""
    value = collapse(value)
    date = parse_date(value)
    if value and date is None:
        report.count("invalid_date")
    return date


def _until(value: str, report: ParseReport) -> str:
    """The end date, or the printed "Ongoing" / "Indefinite" / "Permanent"."""
    value = collapse(value)
    return value if value.casefold() in _OPEN_ENDED else (_date(value, report) or "")


def _finish(entry: _Entry) -> ListEntry:
    found = entry.found
    countries = unique(found["countries"])
    return ListEntry(
        source=SOURCE,
        entry_id=entry.entry_id,
        kind=entry.kind,
        names=tuple(entry.names.values()),
        countries=countries,
        nationalities=countries if entry.kind == "person" else (),
        addresses=unique(Address(full=a) for a in entry.addresses if a),
        programs=unique(found["programs"]),
        listed_on=min(found["listed_on"], default=None),
        properties=properties({key: found[key] for key in _PROPERTIES}),
    )
