"""Parse the US Consolidated Screening List CSV, both layouts (source id ``us_csl``).

The trade.gov CSV (2025) starts with an ``_id`` column; the older layout (2019) has the
same columns without it. Multi-valued cells are separated by ";". Choices made where the
publisher is loose:

* ``entry_id``: ``_id`` when present. Otherwise ``<list code>-<entity_number>`` (list code
  from the parenthesis in ``source``: "Specially Designated Nationals (SDN) - …" -> SDN),
  or, for the lists without entity numbers (BIS, State), ``<list code>-`` plus the first
  16 hex digits of SHA-1 over "source|casefolded name". Rows with the same id merge
  (the 2019 file lists "AL NASER WINGS AIRLINES" twice on the DPL and "Gunther
  Migeotte" twice on the Entity List); merged rows are counted.
* Kind from ``type`` (Individual, Entity, Vessel, Aircraft); without a type (the BIS and
  State lists) an organization when the name holds a legal-form or institution word,
  else unknown.
* Names: the printed ``name`` is the primary; "…; and any successor, sub-unit, or
  subsidiary thereof" is cut off for an alias; names embedded with a.k.a. / d.b.a. /
  formerly markers become aliases or former names; ``alt_names`` are aliases (a leading
  "and " of the last list item is dropped).
* ``ids``: items "type, number[, country]" (2025) or "[country, ]number, type" (2019).
  Gender, website, e-mail, phone and former vessel flag go to properties; items whose
  type ends in ":" or "-" ("Secondary sanctions risk:", "Executive Order 13662 Directive
  Determination -") are sanctions information, kept in ``properties["sanctions_information"]``;
  the others are identifiers ("IMO 8898831, Vessel Registration Identification" is type
  "imo", value "8898831").
* Addresses: each ";" item is ``full``; its last comma part is the country when it is an
  ISO code (2025 always ends so; the 2019 BIS rows have no country).
* ``citizenships`` and ``nationalities`` are nationalities; places_of_birth and
  dates_of_birth (unreadable ones are counted) are kept; ``start_date`` is ``listed_on``.
* The list code is ``properties["list"]``; every other column goes to properties.
* C1 control characters (the 2019 file's UTF-8-encoded cp1252 apostrophe "\\x92") are
  read as cp1252 and counted (``c1_control_repaired``).
* The file carries no publication date, so ``report.published_at`` stays None.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from watchlists.dates import parse_date
from watchlists.errors import ParseError
from watchlists.parsers._common import collapse, country, decode_text, properties, unique
from watchlists.parsers._listkit import (
    clean_name,
    looks_like_organization,
    read_csv,
    split_embedded,
    split_multi,
)
from watchlists.types import Address, EntityKind, Identifier, ListEntry, Name, ParseReport

SOURCE = "us_csl"
REQUIRED = ("source", "name", "type", "entity_number", "programs", "alt_names", "addresses", "ids")
_KINDS: dict[str, EntityKind] = {
    "individual": "person",
    "entity": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_LIST_CODE = re.compile(r"\(([A-Z]+)\)")
_SUCCESSOR = re.compile(r";?\s*and any successor.*$", re.IGNORECASE)
_IMO = re.compile(r"^IMO\s*(\d{7})$", re.IGNORECASE)
_C1 = re.compile(r"[\x80-\x9f]")
_ID_PROPERTIES = {
    "gender": "gender",
    "website": "website",
    "email address": "email",
    "phone number": "phone",
    "former vessel flag": "former_vessel_flag",
}
_COLUMN_PROPERTIES = (
    "title", "federal_register_notice", "end_date", "standard_order", "license_requirement",
    "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage",
    "vessel_flag", "vessel_owner", "source_list_url", "source_information_url",
)  # fmt: skip


_FIELDS = frozenset({"programs", "nationalities", "birth_dates", "birth_places", "listed_on", "remarks"})


@dataclass
class _Entry:
    entry_id: str
    kind: EntityKind
    names: dict[tuple[str, str], Name] = field(default_factory=dict)
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per CSL record (rows sharing an id merge).

    Raises:
        ParseError: not UTF-8 text, a missing column, a row with another number of fields
            than the header, an unterminated quote (truncation) or a row without name; the
            location is the line number.
    """
    report = report if report is not None else ParseReport()
    header, rows = read_csv(SOURCE, decode_text(SOURCE, data), REQUIRED, report)
    trade_layout = "_id" in header
    entries: dict[str, _Entry] = {}
    for line, raw in rows:
        row = {key: _repair(value, report) for key, value in raw.items()}
        if not collapse(row["name"]):
            raise ParseError(SOURCE, "row without name", f"line {line}")
        entry_id = _entry_id(row)
        entry = entries.get(entry_id)
        if entry is None:
            entry = entries[entry_id] = _Entry(entry_id, _kind(row))
        else:
            report.count("merged_row")
        _add_names(entry, row, report)
        _add_ids(entry, row["ids"], trade_layout, report)
        _add_facts(entry, row, report)
    for entry in entries.values():
        yield _finish(entry)


def _repair(value: str, report: ParseReport) -> str:
    """Read C1 control characters as the cp1252 characters they were meant to be."""
    if not _C1.search(value):
        return value
    report.count("c1_control_repaired")
    return _C1.sub(lambda m: m[0].encode("latin-1").decode("cp1252", errors="replace"), value)


def list_code(source: str) -> str:
    """ "Entity List (EL) - Bureau of Industry and Security" -> "EL"."""
    match = _LIST_CODE.search(source)
    return match[1] if match else collapse(source)


def _entry_id(row: dict[str, str]) -> str:
    if collapse(row.get("_id")):
        return collapse(row["_id"])
    code = list_code(row["source"])
    if collapse(row["entity_number"]):
        return f"{code}-{collapse(row['entity_number'])}"
    key = f"{collapse(row['source'])}|{collapse(row['name']).casefold()}"
    return f"{code}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}"


def _kind(row: dict[str, str]) -> EntityKind:
    kind = _KINDS.get(collapse(row["type"]).casefold())
    if kind:
        return kind
    return "organization" if looks_like_organization(row["name"]) else "unknown"


def _add_names(entry: _Entry, row: dict[str, str], report: ParseReport) -> None:
    printed = collapse(row["name"])
    names = [Name(printed, "primary")] if printed else []
    cut = _SUCCESSOR.sub("", printed)
    head, embedded = split_embedded(cut)
    if cut != printed or embedded:
        report.count("embedded_names")
        names += [Name(head, "alias"), *(Name(value, kind) for value, kind in embedded)]
    names += [Name(clean_name(re.sub(r"^and\s+", "", a)), "alias") for a in split_multi(row["alt_names"])]
    for name in names:
        if name.value and (name.value != printed or name.type == "primary"):
            entry.names.setdefault((name.value, name.type), name)


def _add_ids(entry: _Entry, cell: str, trade_layout: bool, report: ParseReport) -> None:
    for item in split_multi(cell):
        parts = [p.strip() for p in item.split(",")]
        if trade_layout:
            kind, rest = parts[0], parts[1:]
        else:
            kind, rest = parts[-1], parts[:-1]
        if kind.endswith((":", "-")) or not rest:
            entry.found.setdefault("sanctions_information", []).append(item)
        elif kind.casefold() in _ID_PROPERTIES:
            entry.found.setdefault(_ID_PROPERTIES[kind.casefold()], []).append(", ".join(rest))
        else:
            entry.identifiers.append(_identifier(kind, rest, trade_layout, report))


def _identifier(kind: str, rest: list[str], trade_layout: bool, report: ParseReport) -> Identifier:
    """ "Passport, 836238033, KP" (2025) or "US, 80-0890696, Tax ID No." (2019)."""
    code: str | None = None
    if len(rest) >= 2 and trade_layout and _is_code(rest[-1]):
        code, rest = country(rest[-1], report), rest[:-1]
    elif len(rest) >= 2 and not trade_layout and _is_code(rest[0]):
        code, rest = country(rest[0], report), rest[1:]
    value = ", ".join(rest)
    imo = _IMO.match(value)
    if imo:
        return Identifier("imo", imo[1], code, kind)
    return Identifier(kind, value, code)


def _is_code(value: str) -> bool:
    return len(value) == 2 and value.isalpha() and value.isupper()


def _add_facts(entry: _Entry, row: dict[str, str], report: ParseReport) -> None:
    for item in split_multi(row["addresses"]):
        entry.addresses.append(_address(re.sub(r"^and\s+", "", item), report))
    nationals = [*split_multi(row.get("citizenships", "")), *split_multi(row.get("nationalities", ""))]
    found: dict[str, list[str]] = {
        "programs": split_multi(row["programs"]),
        "nationalities": [country(n, report) or "" for n in nationals],
        "birth_dates": [_birth_date(d, report) for d in split_multi(row.get("dates_of_birth", ""))],
        "birth_places": split_multi(row.get("places_of_birth", "")),
        "listed_on": [parse_date(row.get("start_date")) or ""],
        "remarks": [collapse(row.get("remarks"))],
        "list": [list_code(row["source"])],
        "source_list": [collapse(row["source"])],
        **{key: [collapse(row.get(key))] for key in _COLUMN_PROPERTIES},
    }
    for key, values in found.items():
        entry.found.setdefault(key, []).extend(v for v in values if v)


def _address(item: str, report: ParseReport) -> Address:
    last = item.rsplit(",", 1)[-1].strip()
    return Address(full=item, country=country(last, report) if _is_code(last) else None)


def _birth_date(value: str, report: ParseReport) -> str:
    date = parse_date(value)
    if date is None:
        report.count("unparsed_birth_date")
    return date or ""


def _finish(entry: _Entry) -> ListEntry:
    found = entry.found
    nationalities = unique(found["nationalities"])
    addresses = unique(entry.addresses)
    return ListEntry(
        source=SOURCE,
        entry_id=entry.entry_id,
        kind=entry.kind,
        names=tuple(entry.names.values()),
        countries=unique([*nationalities, *(a.country for a in addresses)]),
        nationalities=nationalities,
        identifiers=unique(entry.identifiers),
        addresses=addresses,
        birth_dates=unique(found["birth_dates"]),
        birth_places=unique(found["birth_places"]),
        programs=unique(found["programs"]),
        listed_on=min(found["listed_on"], default=None),
        remarks="\n".join(unique(found["remarks"])) or None,
        properties=properties({k: v for k, v in found.items() if k not in _FIELDS}),
    )
