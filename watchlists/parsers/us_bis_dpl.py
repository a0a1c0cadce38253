"""Parse the US BIS Denied Persons List, tab-separated text (source id ``us_bis_dpl``).

Header Name, Street_Address, City, State, Country, Postal_Code, Effective_Date,
Expiration_Date, Standard_Order, Last_Update, Action, FR_Citation; every field quoted;
one row per (name, address, order). Choices made where the publisher is loose:

* BIS prints no id. ``entry_id`` is the Name with whitespace collapsed (leading spaces
  are noise: " I. ASH" and "I. ASH" are one party), and rows whose ids are equal after
  casefolding merge into one entry: one entry per denied party, with the addresses,
  Federal Register citations, dates and actions of all its rows. The id stays stable as
  long as BIS prints the name the same way; a renamed party is a new entry.
* Names embedding "(A.K.A. …)" or "D/B/A …" keep the printed name as primary and add the
  parts as aliases (see `_listkit.split_embedded`).
* Kind is ``organization`` when the name holds a legal-form or institution word (LTD,
  LLC, AIRLINES, …), ``person`` when an address is a prison ("INMATE NUMBER", "REGISTER
  NUMBER", "USM NO", "FCI", "CORRECTIONAL", "DETENTION", "PRISON"), else ``unknown``:
  the list does not say, and most remaining names are people but some are trade names.
* Country is an ISO alpha-2 code ("PRC" is read as CN); an address ``full`` joins street,
  city, state, postal code and country as printed.
* Dates are MM/DD/YYYY (Effective_Date, Expiration_Date) or YYYY-MM-DD (Last_Update).
  A date that does not read, or whose year is outside 1900-2100 (the publisher's
  "3017-08-22", "0222-05-18"), is dropped and counted as ``invalid_date``. ``listed_on``
  is the earliest Effective_Date; all dates go to properties.
* FR_Citation is split into single citations ("67 F.R. 56530 9/4/02"), merged over the
  rows in ``properties["fr_citation"]``; a citation that does not fit the pattern is kept
  whole. Action and Standard_Order go to properties too.
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

SOURCE = "us_bis_dpl"
COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)
_PRISON = re.compile(
    r"\b(?:INMATE|REGISTER|REGISTRATION)\s+(?:NUMBER|NO)\b|\bUSM\s+NO\b|\bFCI\b|CORRECTIONAL|"
    r"DETENTION|PRISON|PENITENTIARY",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\d+\s*F\.?\s*R\.?\s*\d+(?:\s+\d{1,2}/\d{1,2}/\d{2,4})?", re.IGNORECASE)
_MIN_YEAR, _MAX_YEAR = 1900, 2100


@dataclass
class _Entry:
    entry_id: str
    names: dict[tuple[str, str], Name]
    addresses: list[Address] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per distinct denied party name.

    Raises:
        ParseError: not UTF-8 text, a missing column, a row with another number of fields
            than the header or an unterminated quote (truncation), or a row without Name;
            the location is the line number.
    """
    report = report if report is not None else ParseReport()
    _, rows = read_csv(SOURCE, decode_text(SOURCE, data), COLUMNS, report, delimiter="\t")
    entries: dict[str, _Entry] = {}
    for line, row in rows:
        name = collapse(row["Name"])
        if not name:
            raise ParseError(SOURCE, "row without Name", f"line {line}")
        if row["Name"] != name:
            report.count("name_whitespace_repaired")
        entry = entries.get(name.casefold())
        if entry is None:
            entry = entries[name.casefold()] = _Entry(name, _names(name, report))
        else:
            report.count("merged_row")
        _add_row(entry, row, report)
    for entry in entries.values():
        yield _finish(entry)


def _names(name: str, report: ParseReport) -> dict[tuple[str, str], Name]:
    head, embedded = split_embedded(name)
    names = [Name(name, "primary")]
    if embedded:
        report.count("embedded_names")
        names += [Name(head, "alias"), *(Name(value, kind) for value, kind in embedded)]
    return {(n.value, n.type): n for n in names}


def _add_row(entry: _Entry, row: dict[str, str], report: ParseReport) -> None:
    fields = {key: collapse(value) for key, value in row.items()}
    entry.addresses.append(_address(fields, report))
    citation = fields["FR_Citation"]
    found = {
        "effective_date": [_date(fields["Effective_Date"], report, day_first=False)],
        "expiration_date": [_date(fields["Expiration_Date"], report, day_first=False)],
        "last_update": [_date(fields["Last_Update"], report)],
        "standard_order": [fields["Standard_Order"].upper()],
        "action": [fields["Action"]],
        "fr_citation": [collapse(c) for c in _CITATION.findall(citation)] or [citation],
    }
    for key, values in found.items():
        entry.found.setdefault(key, []).extend(v for v in values if v)


def _address(fields: dict[str, str], report: ParseReport) -> Address:
    code = country(fields["Country"], report)
    parts = (fields[k] for k in ("Street_Address", "City", "State", "Postal_Code", "Country"))
    return Address(
        full=", ".join(p for p in parts if p),
        street=fields["Street_Address"] or None,
        city=fields["City"] or None,
        region=fields["State"] or None,
        postal_code=fields["Postal_Code"] or None,
        country=code,
    )


def _date(value: str, report: ParseReport, *, day_first: bool = True) -> str:
    """An ISO date, or "" (counted when something unreadable or implausible was printed)."""
    date = parse_date(value, day_first=day_first) if value else None
    if date is not None and _MIN_YEAR <= int(date[:4]) <= _MAX_YEAR:
        return date
    if value:
        report.count("invalid_date")
    return ""


def _kind(entry: _Entry) -> EntityKind:
    if looks_like_organization(entry.entry_id):
        return "organization"
    if any(_PRISON.search(address.full) for address in entry.addresses):
        return "person"
    return "unknown"


def _finish(entry: _Entry) -> ListEntry:
    addresses = unique(a if a.full else None for a in entry.addresses)
    found = entry.found
    return ListEntry(
        source=SOURCE,
        entry_id=entry.entry_id,
        kind=_kind(entry),
        names=tuple(entry.names.values()),
        countries=unique(a.country for a in addresses),
        addresses=addresses,
        listed_on=min(found["effective_date"], default=None),
        properties=properties({key: found[key] for key in found}),
    )
