"""Parse Canada's Consolidated Autonomous Sanctions List (SEMA) XML (``ca_sema_sanctions``).

The file is ``<data-set>`` holding ``<record>`` elements with Country, LastName, GivenName,
EntityOrShip, TitleOrShip, ShipIMONumber, Aliases, DateOfBirthOrShipBuildDate, Schedule,
Item and DateOfListing. Canada prints no id (Item restarts in every schedule), so:

* ``entry_id`` is the eval key: ``GivenName + " " + LastName`` for persons (a record with
  either part), else ``EntityOrShip``, whitespace collapsed, as printed. Records whose keys
  are equal after casefolding merge into one entry ("Saeed Mortazavi" is listed under Iran
  and under JVCFOR, once as "Saeed MORTAZAVI"): the first spelling is the id, every
  distinct spelling is a ``primary`` name, all other fields are unions, ``listed_on`` is
  the earliest DateOfListing. A record with no name at all is a ParseError.
* Kind: person when LastName or GivenName is present; vessel when ShipIMONumber or
  TitleOrShip (the vessel type, "Oil Tanker") is present; else organization. For persons
  TitleOrShip is a title (``properties["title"]``); IMO numbers are Identifier "imo".
* Country is the sanctions regime, not a nationality: it is kept as printed in
  ``programs`` and, when it names a country ("Russia / Russie"), in ``countries``.
  Regimes that are not countries (JVCFOR, "Hamas Terrorist Attacks") are counted as
  ``regime_not_a_country``. Schedule and Item go to ``properties["listing"]``.
* DateOfBirthOrShipBuildDate: persons' dates ("1967", "1964-03-01 or 1965-03-01") are
  birth dates; what does not read as a date is counted and kept in
  ``properties["birth_date_note"]``. For vessels it is ``properties["build_date"]``.
* Aliases pack several names in one field, with separators that vary by record (see
  `_alias_names`): ";" always; "/" (bilingual or Russian/Ukrainian pairs; not between
  digits); " or ";
  language labels "Belarusian:", "Russian:", "Arabic:" (which become ``Name.lang``);
  for persons also " and " and commas, except a lone "Surname, Given" pair; for entities
  commas, except that a bare legal form or a lower-case continuation ("Северсталь, ПАО",
  "Федеральное агентство …, соотечественников, …") stays joined to the part before it.
  One-word person aliases ("Alexei", "Hemedti") are ``weak_alias``. An EntityOrShip
  that embeds "(also known as …)" or an English/French "A/B" pair also yields aliases.
* The file carries no publication date, so ``report.published_at`` stays None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from watchlists.countries import to_alpha2
from watchlists.dates import parse_date
from watchlists.errors import ParseError
from watchlists.parsers._common import collapse, local_name, parse_xml, properties, unique
from watchlists.parsers._listkit import clean_name, split_embedded
from watchlists.types import EntityKind, Identifier, ListEntry, Name, NameType, ParseReport

SOURCE = "ca_sema_sanctions"
ROOT = "data-set"
_LANGUAGES = {"belarusian": "be", "belarussian": "be", "russian": "ru", "arabic": "ar", "ukrainian": "uk"}
_LABEL = re.compile(r"\b(Belarussian|Belarusian|Russian|Ukrainian|Arabic)\s*:\s*", re.IGNORECASE)
_ALWAYS = re.compile(r"\s*;\s*|(?<!\d)\s*/\s*(?!\d)|\s+or\s+")
_PERSON_AND = re.compile(r"\s+and\s+")
_LEADING_WORD = re.compile(r"^(?:and|or|also)\s+", re.IGNORECASE)
_NEW_PART = re.compile(r"^(?:(?:and|or|also)\s|l['’])")
_LEGAL_FORMS = frozenset(
    "ао оао зао пао ооо сао мк фгуп ojsc jsc cjsc pjsc llc ltd ltd. inc. оао. ао.".split()
)
_DATE_OR = re.compile(r"\s+or\s+", re.IGNORECASE)
_LISTING = (("Schedule", "Schedule"), ("Item", "Item"))
_PROPERTIES = ("listing", "title", "vessel_type", "build_date", "birth_date_note")


@dataclass
class _Entry:
    """An entry being merged from one or more records."""

    entry_id: str
    kind: EntityKind
    names: dict[tuple[str, str], Name] = field(default_factory=dict)
    found: dict[str, list[str]] = field(default_factory=dict)
    imo: list[str] = field(default_factory=list)


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per distinct name key (see the module docstring).

    Raises:
        ParseError: malformed or hostile XML, a root other than ``data-set``, or a record
            without LastName, GivenName or EntityOrShip.
    """
    report = report if report is not None else ParseReport()
    root = parse_xml(SOURCE, data)
    if local_name(root.tag) != ROOT:
        raise ParseError(SOURCE, f"root element is <{local_name(root.tag)}>, expected <{ROOT}>", "root")
    entries: dict[str, _Entry] = {}
    for position, record in enumerate((r for r in root if local_name(r.tag) == "record"), start=1):
        fields = {local_name(child.tag): collapse(child.text) for child in record}
        _merge(entries, fields, f"record #{position}", report)
    for entry in entries.values():
        yield _finish(entry)


def _merge(entries: dict[str, _Entry], fields: dict[str, str], location: str, report: ParseReport) -> None:
    is_person = bool(fields.get("LastName") or fields.get("GivenName"))
    key = collapse(f"{fields.get('GivenName', '')} {fields.get('LastName', '')}") if is_person else ""
    key = key or fields.get("EntityOrShip", "")
    if not key:
        raise ParseError(SOURCE, "record without LastName, GivenName or EntityOrShip", location)
    kind: EntityKind = "person" if is_person else "organization"
    if not is_person and (fields.get("ShipIMONumber") or fields.get("TitleOrShip")):
        kind = "vessel"
    entry = entries.get(key.casefold())
    if entry is None:
        entry = entries[key.casefold()] = _Entry(key, kind)
    else:
        report.count("merged_record")
        if entry.kind != kind:
            report.count("kind_conflict")
    _add_names(entry, key, fields, report)
    _add_facts(entry, fields, report)


def _add_names(entry: _Entry, key: str, fields: dict[str, str], report: ParseReport) -> None:
    names = [Name(key, "primary")]
    if entry.kind != "person":
        names += [Name(value, kind) for value, kind in _entity_names(key)]
    aliases = _alias_names(fields.get("Aliases", ""), entry.kind == "person")
    if len(aliases) > 1:
        report.count("alias_split")
    for name in [*names, *aliases]:
        if name.value.casefold() != key.casefold() or name.type == "primary":
            entry.names.setdefault((name.value, name.type), name)


def _add_facts(entry: _Entry, fields: dict[str, str], report: ParseReport) -> None:
    regime = fields.get("Country", "")
    code = to_alpha2(regime) if regime else None
    if regime and code is None:
        report.count("regime_not_a_country")
    listing = ", ".join(f"{label} {fields[tag]}" for tag, label in _LISTING if fields.get(tag))
    born = fields.get("DateOfBirthOrShipBuildDate", "")
    facts = {
        "programs": [regime],
        "countries": [code or ""],
        "listing": [f"{regime}: {listing}" if listing else regime],
        "listed_on": [parse_date(fields.get("DateOfListing")) or ""],
        "title": [fields.get("TitleOrShip", "")] if entry.kind == "person" else [],
        "vessel_type": [fields.get("TitleOrShip", "")] if entry.kind == "vessel" else [],
        "build_date": [parse_date(born) or born] if entry.kind != "person" else [],
        **(_birth_dates(born, report) if entry.kind == "person" else {}),
    }
    for key, values in facts.items():
        entry.found.setdefault(key, []).extend(v for v in values if v)
    entry.imo += [fields["ShipIMONumber"]] if fields.get("ShipIMONumber") else []


def _birth_dates(value: str, report: ParseReport) -> dict[str, list[str]]:
    dates: list[str] = []
    for part in _DATE_OR.split(value) if value else []:
        date = parse_date(part)
        if date is None:
            report.count("unparsed_birth_date")
            return {"birth_dates": dates, "birth_date_note": [value]}
        dates.append(date)
    return {"birth_dates": dates}


def _finish(entry: _Entry) -> ListEntry:
    found = entry.found
    return ListEntry(
        source=SOURCE,
        entry_id=entry.entry_id,
        kind=entry.kind,
        names=tuple(entry.names.values()),
        countries=unique(found["countries"]),
        identifiers=unique(Identifier("imo", imo) for imo in entry.imo),
        birth_dates=unique(found.get("birth_dates", [])),
        programs=unique(found["programs"]),
        listed_on=min(found["listed_on"], default=None),
        properties=properties({k: found.get(k, []) for k in _PROPERTIES}),
    )


# --- aliases -----------------------------------------------------------------------------


def _entity_names(key: str) -> list[tuple[str, NameType]]:
    """Aliases embedded in EntityOrShip: "(also known as …)" and "English/French"."""
    head, embedded = split_embedded(key)
    found: list[tuple[str, NameType]] = [(head, "alias")] if embedded else []
    halves = [clean_name(h) for h in head.split("/")]
    if len(halves) == 2 and all(len(h.split()) >= 2 for h in halves):
        found += [(h, "alias") for h in halves]
    return found + embedded


def _alias_names(value: str, is_person: bool) -> list[Name]:
    """Split one Aliases field into names (separators: see the module docstring)."""
    names: list[Name] = []
    for lang, segment in _labelled(value):
        for piece in _ALWAYS.split(segment):
            parts = _person_parts(piece) if is_person else _entity_parts(piece)
            for part in (clean_name(_LEADING_WORD.sub("", p)) for p in parts):
                if part:
                    weak = is_person and len(part.split()) == 1
                    names.append(Name(part, "weak_alias" if weak else "alias", lang=lang))
    return list({(n.value, n.type): n for n in names}.values())


def _labelled(value: str) -> list[tuple[str | None, str]]:
    """("be", text) segments cut at "Belarusian:" style labels; unlabelled text has None."""
    segments: list[tuple[str | None, str]] = []
    pieces = _LABEL.split(value)
    segments.append((None, pieces[0]))
    for label, text in zip(pieces[1::2], pieces[2::2], strict=True):
        segments.append((_LANGUAGES[label.casefold()], text))
    return [(lang, text) for lang, text in segments if text.strip(" ,;")]


def _person_parts(piece: str) -> list[str]:
    result: list[str] = []
    for part in _PERSON_AND.split(piece):
        commas = [c.strip() for c in part.split(",")]
        if len(commas) == 2 and len(commas[0].split()) == 1 and commas[1]:
            result.append(part)  # "Баранов, Олег Анатольевич": one name, surname first
        else:
            result += commas
    return result


def _entity_parts(piece: str) -> list[str]:
    parts: list[str] = []
    for chunk in (c.strip() for c in piece.split(",")):
        continuation = chunk.casefold() in _LEGAL_FORMS or (
            chunk[:1].islower() and not _NEW_PART.match(chunk)
        )
        if parts and continuation and chunk:
            parts[-1] = f"{parts[-1]}, {chunk}"
        else:
            parts.append(chunk)
    return parts
