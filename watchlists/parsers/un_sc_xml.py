"""Parse the UN Security Council Consolidated List XML (source id ``un_sc``).

The file is ``<CONSOLIDATED_LIST dateGenerated=…>`` holding ``INDIVIDUALS/INDIVIDUAL`` and
``ENTITIES/ENTITY``. Choices made where the publisher is loose:

* Names are kept as printed, with whitespace collapsed. An ALIAS_NAME that packs several
  names ("A; B; C", "A b) B", "ARABIC (A; B)", "Latin (ARABIC)") is split into one Name
  per part, all typed by the alias QUALITY. A labelled original-script name ("original
  script: …", in the alias or its NOTE) becomes an ``original_script`` name, except that
  one taken from a Low or f.k.a. alias keeps that alias's type (``weak_alias``,
  ``former``). A primary name that packs two names with ";" stays as printed and its
  parts are added as aliases.
* QUALITY Good, a.k.a. and empty -> ``alias``; Low -> ``weak_alias``; f.k.a. -> ``former``.
* Countries go through `watchlists.countries.to_alpha2`; "na" means "not available"
  (it is not Namibia) and is skipped.
* Dates of birth: EXACT gives DATE or YEAR, APPROXIMATELY gives YEAR, BETWEEN gives the
  ISO 8601 interval "1960/1962". A month given only in NOTE ("Nov. 1973") yields
  "1973-11". Every date-of-birth NOTE is kept in ``properties["birth_date_note"]``.
  Dates of birth and places of birth given on aliases are added too.
* Address ``full`` joins street, city, region, postal code and country as printed; the
  NOTE ("previous address") stays in ``note`` unless it is the only part.
* A document without NUMBER yields no Identifier; its text is kept in
  ``properties["unnumbered_document"]``.
* ``properties["gender"]`` is GENDER, or failing that "Gender: Male." in COMMENTS1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element

from watchlists.errors import ParseError
from watchlists.parsers._common import collapse, country, is_latin, parse_xml, unique
from watchlists.types import (
    Address,
    EntityKind,
    Identifier,
    ListEntry,
    Name,
    NameType,
    ParseReport,
)

SOURCE = "un_sc"
ROOT_TAG = "CONSOLIDATED_LIST"

_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_ALIAS_TYPES: dict[str, NameType] = {
    "good": "alias",
    "a.k.a.": "alias",
    "": "alias",
    "low": "weak_alias",
    "f.k.a.": "former",
}
_COUNTRY_PLACEHOLDERS = frozenset({"na", "n/a"})
# The UN prints a few document types in French or Spanish.
_DOCUMENT_TYPES = {"numéro de passeport": "Passport", "número de pasaporte": "Passport"}
_MONTHS = tuple(
    "january february march april may june july august september october november december".split()
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")  # LISTED_ON may carry an offset: 2015-03-27-04:00
_YEAR = re.compile(r"^\d{4}$")
_MONTH_YEAR = re.compile(r"^(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})$", re.IGNORECASE)
_MONTH_RANGE = re.compile(
    r"^between (?P<start>[a-z]+)\.? and (?P<end>[a-z]+)\.? (?P<year>\d{4})$", re.IGNORECASE
)
# "HEAD (INNER)" where INNER may hold one nested bracket: "أنصار (Ansar in Libya (ASL))".
_BRACKETED = re.compile(r"^(?P<head>[^()]+?)\s*\((?P<inner>(?:[^()]|\([^()]*\))+)\)[\s,;]*$")
_ALIAS_SEPARATOR = re.compile(r"\s*;\s*|\s+[b-h]\)\s+")
_LABELLED_SCRIPT = re.compile(
    r"^(?:name\s+)?(?:in\s+)?(?:original|arabic)\s+script:\s*(?P<script>.+)$", re.IGNORECASE
)
_GENDER_REMARK = re.compile(r"\bgender\W{0,3}(?P<gender>male|female)\b", re.IGNORECASE)
_SCRIPT_SUFFIX = re.compile(r"^(?P<name>.+?)\s*\(original script:\s*(?P<script>[^()]+)\)$")


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per INDIVIDUAL and ENTITY of the UN consolidated list.

    Args:
        data: the raw XML bytes as published.
        report: filled with ``published_at`` (the root's dateGenerated) and counts of
            repaired or dropped values ("unknown_country", "alias_split", …).

    Raises:
        ParseError: on malformed or hostile XML (DTDs and entities are refused), a wrong
            root element, or an entry without REFERENCE_NUMBER or name. Being a
            generator, it raises on first iteration.
    """
    report = report if report is not None else ParseReport()
    root = parse_xml(SOURCE, data)
    if root.tag != ROOT_TAG:
        raise ParseError(SOURCE, f"root element is <{root.tag}>, expected <{ROOT_TAG}>", "root")
    report.published_at = root.get("dateGenerated") or None
    for element in root.iterfind("INDIVIDUALS/INDIVIDUAL"):
        yield _entry(element, "person", report)
    for element in root.iterfind("ENTITIES/ENTITY"):
        yield _entry(element, "organization", report)


def _entry(element: Element, kind: EntityKind, report: ParseReport) -> ListEntry:
    """Build one ListEntry from an INDIVIDUAL or ENTITY element."""
    location = f"DATAID {_text(element.find('DATAID')) or '?'}"
    entry_id = _text(element.find("REFERENCE_NUMBER"))
    if not entry_id:
        raise ParseError(SOURCE, "entry has no REFERENCE_NUMBER", location)
    names = _names(element, report)
    if not names:
        raise ParseError(SOURCE, f"entry {entry_id} has no name", location)
    nationalities = unique(_country(v, report) for v in _values(element, "NATIONALITY"))
    addresses = unique(_address(a, report) for a in element.iterfind(f"{element.tag}_ADDRESS"))
    birth_dates, birth_notes = _birth_dates(element, report)
    return ListEntry(
        source=SOURCE,
        entry_id=entry_id,
        kind=kind,
        names=names,
        countries=unique([*nationalities, *(a.country for a in addresses)]),
        nationalities=nationalities,
        identifiers=unique(_identifier(d, report) for d in element.iterfind("INDIVIDUAL_DOCUMENT")),
        addresses=addresses,
        birth_dates=unique(birth_dates),
        birth_places=unique(_birth_places(element)),
        programs=unique([_text(element.find("UN_LIST_TYPE"))]),
        listed_on=_iso_date(_text(element.find("LISTED_ON")), report),
        remarks=(element.findtext("COMMENTS1") or "").strip() or None,
        properties=_properties(element, birth_notes),
    )


# --- names -------------------------------------------------------------------------------


def _names(element: Element, report: ParseReport) -> tuple[Name, ...]:
    """Primary, original-script and alias names, without (value, type) duplicates."""
    primary = _joined(element, _NAME_PARTS, " ")
    names = [Name(primary, "primary")] if primary else []
    if ";" in primary:
        report.count("primary_name_split")
        names += [Name(part, "alias") for part in _split_names(primary)]
    names += [Name(v, "original_script") for v in _texts(element, "NAME_ORIGINAL_SCRIPT")]
    for alias in element.iterfind(f"{element.tag}_ALIAS"):
        names += _alias_names(alias, report)
    distinct: dict[tuple[str, str], Name] = {}
    for name in names:
        distinct.setdefault((name.value, name.type), name)
    return tuple(distinct.values())


def _alias_names(alias: Element, report: ParseReport) -> list[Name]:
    """The names one ALIAS element carries: usually one, sometimes a packed list."""
    quality = _text(alias.find("QUALITY"))
    value = _text(alias.find("ALIAS_NAME"))
    if not value:
        # The UN prints an empty <ALIAS_NAME/> placeholder on entries without aliases.
        report.count("empty_alias")
        return []
    name_type = _ALIAS_TYPES.get(quality.casefold())
    if name_type is None:
        report.count("unknown_alias_quality")
        name_type = "alias"
    scripts = _labelled_script(_text(alias.find("NOTE")))
    suffix = _SCRIPT_SUFFIX.match(value)
    if suffix:
        value, scripts = suffix["name"], [*scripts, suffix["script"].strip()]
    parts = _split_names(value)
    if len(parts) > 1:
        report.count("alias_split")
    # A weak or former alias stays weak or former in its original script too.
    script_type: NameType = "original_script" if name_type == "alias" else name_type
    return [Name(part, name_type, quality=quality or None) for part in parts] + [
        Name(script, script_type, quality=quality or None) for script in scripts
    ]


def _split_names(value: str) -> list[str]:
    """Split "A; B", "A b) B", "ARABIC (A; B)" and "Latin (ARABIC)" into their names.

    A bracket is split off only when it packs a list or renders the name in another
    script; "Al-Qaida in Yemen (AQY)" and "Hilarion Santos, III (third)" stay whole.
    """
    bracketed = _BRACKETED.match(value)
    pieces = [value]
    if bracketed and (
        ";" in bracketed["inner"] or is_latin(bracketed["head"]) != is_latin(bracketed["inner"])
    ):
        pieces = [bracketed["head"], bracketed["inner"]]
    parts = (p.strip(" ,;") for piece in pieces for p in _ALIAS_SEPARATOR.split(piece))
    return [p for p in parts if p]


def _labelled_script(note: str) -> list[str]:
    """An original-script name given in an alias NOTE ("name in original script: …")."""
    match = _LABELLED_SCRIPT.match(note)
    return [match["script"].strip()] if match else []


# --- places, documents, countries ------------------------------------------------------


def _country(value: str, report: ParseReport) -> str | None:
    """ISO alpha-2 for a printed country; "na" and "n/a" are counted placeholders."""
    return country(value, report, placeholders=_COUNTRY_PLACEHOLDERS)


def _address(element: Element, report: ParseReport) -> Address | None:
    """An Address, or None for the empty ``<COUNTRY/>`` placeholder the UN prints."""
    street, city, region, postal, land, note = (
        _text(element.find(tag))
        for tag in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", "NOTE")
    )
    parts = [p for p in (street, city, region, postal, land) if p]
    if not parts and not note:
        return None
    return Address(
        full=", ".join(parts) or note,
        street=street or None,
        city=city or None,
        region=region or None,
        postal_code=postal or None,
        country=_country(land, report),
        note=(note or None) if parts else None,
    )


def _identifier(element: Element, report: ParseReport) -> Identifier | None:
    """An Identifier from INDIVIDUAL_DOCUMENT, or None when it has no NUMBER."""
    number = _text(element.find("NUMBER"))
    if not number:
        if len(element):
            report.count("document_without_number")
        return None
    printed_type = _text(element.find("TYPE_OF_DOCUMENT"))
    detail = _text(element.find("TYPE_OF_DOCUMENT2"))
    doc_type = _DOCUMENT_TYPES.get(printed_type.casefold(), printed_type) or detail or "Other"
    issuing = _text(element.find("ISSUING_COUNTRY"))
    issued_in = _text(element.find("COUNTRY_OF_ISSUE"))
    place = [_text(element.find("CITY_OF_ISSUE")), issued_in if issued_in != issuing else ""]
    notes = [
        detail if detail.casefold() != doc_type.casefold() else "",
        _text(element.find("NOTE")),
        _prefixed("issued ", _text(element.find("DATE_OF_ISSUE"))),
        _prefixed("issued in ", ", ".join(p for p in place if p)),
        _prefixed("expires ", _text(element.find("DATE_OF_EXPIRY"))),
    ]
    return Identifier(
        type=doc_type,
        value=number,
        country=_country(issuing or issued_in, report),
        note="; ".join(n for n in notes if n) or None,
    )


def _birth_places(element: Element) -> Iterator[str]:
    """Places of birth as printed, including those given on aliases."""
    for place in element.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        yield _joined(place, ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY", "NOTE"), ", ")
    for alias in element.iterfind("INDIVIDUAL_ALIAS"):
        yield _joined(alias, ("CITY_OF_BIRTH", "COUNTRY_OF_BIRTH"), ", ")


# --- dates -------------------------------------------------------------------------------


def _birth_dates(element: Element, report: ParseReport) -> tuple[list[str], list[str]]:
    """ISO 8601 dates of birth, and the publisher's notes on them."""
    dates: list[str] = []
    notes: list[str] = []
    for dob in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        value = _birth_date(dob, report)
        note = _text(dob.find("NOTE"))
        # Notes qualify dates ("from false passport", "Approximately"): keep them all.
        notes += [note] if note else []
        if value:
            dates.append(value)
        elif note:
            report.count("unparsed_birth_date")
    for alias in element.iterfind("INDIVIDUAL_ALIAS"):
        dates.append(_partial_date(_text(alias.find("DATE_OF_BIRTH")), report) or "")
    return dates, notes


def _birth_date(dob: Element, report: ParseReport) -> str | None:
    """One INDIVIDUAL_DATE_OF_BIRTH as a full, partial or interval ISO 8601 date."""
    if _text(dob.find("TYPE_OF_DATE")).upper() == "BETWEEN":
        years = [_text(dob.find("FROM_YEAR")), _text(dob.find("TO_YEAR"))]
        return "/".join(dict.fromkeys(y for y in years if _YEAR.match(y))) or None
    note = _text(dob.find("NOTE"))
    date = _partial_date(_text(dob.find("DATE")) or _text(dob.find("YEAR")), report)
    if date and len(date) == 4:
        # EXACT YEAR 1958 with NOTE "Sep." means September 1958.
        month = _month_year(f"{note} {date}")
        return month or date
    return date or _month_year(note) or _month_range(note)


def _partial_date(value: str, report: ParseReport) -> str | None:
    """A printed yyyy-mm-dd or yyyy date, else None (counted when not empty)."""
    if _YEAR.match(value):
        return value
    return _iso_date(value, report)


def _iso_date(value: str, report: ParseReport) -> str | None:
    """The yyyy-mm-dd part of an xsd:date (which may carry an offset), else None."""
    if _ISO_DATE.match(value):
        return value[:10]
    if value:
        report.count("invalid_date")
    return None


def _month(word: str) -> int | None:
    """1-12 for an English month name or abbreviation ("Sep", "Sept", "September")."""
    word = word.casefold()
    for number, name in enumerate(_MONTHS, start=1):
        if len(word) >= 3 and name.startswith(word):
            return number
    return None


def _month_year(text: str) -> str | None:
    """Read a month and year ("Nov. 1973", "August 1961") as "1973-11"."""
    match = _MONTH_YEAR.match(text.strip())
    month = _month(match["month"]) if match else None
    return f"{match['year']}-{month:02d}" if match and month else None


def _month_range(text: str) -> str | None:
    """Read "Between Aug. and Sep. 1977" as the interval "1977-08/1977-09"."""
    match = _MONTH_RANGE.match(text)
    if not match:
        return None
    start, end = _month(match["start"]), _month(match["end"])
    if start is None or end is None:
        return None
    return f"{match['year']}-{start:02d}/{match['year']}-{end:02d}"


# --- properties and helpers ------------------------------------------------------------


def _properties(element: Element, birth_notes: list[str]) -> dict[str, tuple[str, ...]]:
    """Publisher facts without a ListEntry field; empty ones are left out."""
    found = {
        "title": _values(element, "TITLE"),
        "designation": _values(element, "DESIGNATION"),
        "gender": _texts(element, "GENDER") or _gender_remark(element),
        "last_day_updated": _values(element, "LAST_DAY_UPDATED"),
        "un_list_type": _texts(element, "UN_LIST_TYPE"),
        "submitted_by": _values(element, "SUBMITTED_BY"),
        "dataid": _texts(element, "DATAID"),
        "versionnum": _texts(element, "VERSIONNUM"),
        "interpol_link": _texts(element, "INTERPOL_LINK"),
        "birth_date_note": birth_notes,
        "unnumbered_document": _unnumbered_documents(element),
    }
    return {key: tuple(dict.fromkeys(values)) for key, values in found.items() if values}


def _gender_remark(element: Element) -> list[str]:
    """Gender stated only in COMMENTS1 ("Gender: Male.", "Gender [Female]")."""
    match = _GENDER_REMARK.search(element.findtext("COMMENTS1") or "")
    return [match["gender"].capitalize()] if match else []


def _unnumbered_documents(element: Element) -> list[str]:
    """The text of documents that have no NUMBER (the number is often in the NOTE)."""
    tags = ("TYPE_OF_DOCUMENT", "TYPE_OF_DOCUMENT2", "NOTE")
    return [
        _joined(doc, tags, ": ")
        for doc in element.iterfind("INDIVIDUAL_DOCUMENT")
        if len(doc) and not _text(doc.find("NUMBER"))
    ]


def _text(element: Element | None) -> str:
    """An element's text with whitespace collapsed; "" when absent or empty."""
    return collapse(element.text) if element is not None else ""


def _texts(element: Element, tag: str) -> list[str]:
    """The non-empty texts of every `tag` child."""
    return [t for t in (_text(child) for child in element.iterfind(tag)) if t]


def _values(element: Element, tag: str) -> list[str]:
    """The non-empty ``<tag><VALUE>…</VALUE></tag>`` texts."""
    return _texts(element, f"{tag}/VALUE")


def _joined(element: Element, tags: Iterable[str], separator: str) -> str:
    """The non-empty texts of the `tags` children, in that order, joined."""
    return separator.join(p for p in (_text(element.find(t)) for t in tags) if p)


def _prefixed(prefix: str, value: str) -> str:
    """`prefix + value`, or "" when there is no value."""
    return prefix + value if value else ""
