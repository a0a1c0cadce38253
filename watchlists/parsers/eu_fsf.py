"""Parse the EU Financial Sanctions Files XML, FSD export v1.1 (source id ``eu_fsf``).

The file is ``<export generationDate=… globalFileId=…>`` holding ``sanctionEntity``
elements in the namespace ``http://eu.europa.ec/fpi/fsd/export``. Elements are matched by
local name, so another namespace version (or none) parses the same; XML comments between
entities are ignored. Choices made where the publisher is loose:

* ``entry_id`` is the entity's ``logicalId``; a repeated one is a ParseError (the EU never
  reuses it). ``euReferenceNumber``, ``unitedNationId`` and ``designationDetails`` go to
  properties; ``designationDate`` is ``listed_on`` (the export often leaves it out).
* ``subjectType`` code person -> person, enterprise -> organization, else unknown (counted).
* Every ``nameAlias`` is a name: ``wholeName``, or first + middle + last name when it is
  empty. The EU marks no main name, so the primary is the first strong alias that has a
  ``lastName`` (the structured one), else the first strong alias, else the first; the
  others are ``alias``, or ``weak_alias`` (quality "weak") when ``strong="false"``.
  ``nameLanguage`` becomes ``Name.lang`` (lower case). Gender, function and title of the
  aliases go to properties. An entity without any nameAlias is kept with no names and
  counted (``entry_without_name``): it is valid input, and the sample's synthetic
  logicalId 999999 is such an entity.
* ``citizenship`` codes are nationalities (persons) and countries. The EU's "00"
  (UNKNOWN) code is counted as ``country_placeholder``.
* ``birthdate`` gives ``birthdate`` or the year / month / day parts as a partial ISO date
  (``circa="true"`` is noted in ``birth_date_note``), and a birth place from place, city,
  region and country description ("-" is a placeholder).
* ``address``: ``full`` joins street, PO box, city, region, zip code and country
  description; ``contactInfo`` key/value pairs go to properties (``phone``, ``fax``, …).
* ``identification``: type is the description (else the code), value the number, the
  country its code; the note joins issuer, remark and the flags set to true (known false,
  known expired, reported lost, revoked by issuer, diplomatic). One without a number is
  counted and dropped.
* ``regulation`` programme codes are the programs; the regulation number-titles and
  publication URLs go to properties.
* Every ``remark`` of the entity (including those on its aliases and addresses) is kept,
  in document order, line breaks preserved, each line stripped.
* ``report.published_at`` is the root's ``generationDate``.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

from watchlists.errors import ParseError
from watchlists.parsers._common import children, collapse, country, local_name, parse_xml, properties, unique
from watchlists.types import Address, EntityKind, Identifier, ListEntry, Name, ParseReport

SOURCE = "eu_fsf"
ROOT = "export"
_KINDS: dict[str, EntityKind] = {"person": "person", "enterprise": "organization"}
_PLACEHOLDER_COUNTRY = "00"
_FLAGS = ("knownFalse", "knownExpired", "reportedLost", "revokedByIssuer", "diplomatic")


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per ``sanctionEntity``.

    Raises:
        ParseError: malformed or hostile XML, a root other than ``export``, or an entity
            without ``logicalId`` or with a repeated one.
    """
    report = report if report is not None else ParseReport()
    root = parse_xml(SOURCE, data)
    if local_name(root.tag) != ROOT:
        raise ParseError(SOURCE, f"root element is <{local_name(root.tag)}>, expected <{ROOT}>", "root")
    report.published_at = root.get("generationDate") or None
    seen: set[str] = set()
    for position, element in enumerate(children(root, "sanctionEntity"), start=1):
        entry = _entry(element, position, report)
        if entry.entry_id in seen:
            raise ParseError(SOURCE, f"logicalId {entry.entry_id} repeated", f"sanctionEntity #{position}")
        seen.add(entry.entry_id)
        yield entry


def _entry(element: Element, position: int, report: ParseReport) -> ListEntry:
    entry_id = (element.get("logicalId") or "").strip()
    if not entry_id:
        raise ParseError(SOURCE, "sanctionEntity without logicalId", f"sanctionEntity #{position}")
    kind = _kind(element, report)
    names = _names(element)
    if not names:
        report.count("entry_without_name")
    citizenships = unique(_code(c.get("countryIso2Code"), report) for c in children(element, "citizenship"))
    addresses = unique(_address(a, report) for a in children(element, "address"))
    births = children(element, "birthdate")
    return ListEntry(
        source=SOURCE,
        entry_id=entry_id,
        kind=kind,
        names=names,
        countries=unique([*citizenships, *(a.country for a in addresses)]),
        nationalities=citizenships if kind == "person" else (),
        identifiers=unique(_identifier(i, report) for i in children(element, "identification")),
        addresses=addresses,
        birth_dates=unique(_birth_date(b) for b in births),
        birth_places=unique(_birth_place(b) for b in births),
        programs=unique(r.get("programme") for r in children(element, "regulation")),
        listed_on=(element.get("designationDate") or "")[:10] or None,
        remarks=_remarks(element),
        properties=_properties(element),
    )


def _kind(element: Element, report: ParseReport) -> EntityKind:
    subject = children(element, "subjectType")
    code = (subject[0].get("code") or "") if subject else ""
    kind = _KINDS.get(code.casefold())
    if kind is None:
        report.count("unknown_subject_type")
        return "unknown"
    return kind


# --- names -------------------------------------------------------------------------------


def _names(element: Element) -> tuple[Name, ...]:
    """Every nameAlias, the chosen primary first (see the module docstring)."""
    aliases = [(alias, _whole_name(alias)) for alias in children(element, "nameAlias")]
    aliases = [(alias, value) for alias, value in aliases if value]
    if not aliases:
        return ()
    strong = [pair for pair in aliases if pair[0].get("strong", "true") != "false"]
    structured = [pair for pair in strong if collapse(pair[0].get("lastName"))]
    primary = (structured or strong or aliases)[0]
    ordered = [primary, *(pair for pair in aliases if pair is not primary)]
    names: dict[tuple[str, str], Name] = {}
    for alias, value in ordered:
        name = _name(alias, value, "primary" if alias is primary[0] else None)
        names.setdefault((name.value, name.type), name)
    return tuple(names.values())


def _whole_name(alias: Element) -> str:
    whole = collapse(alias.get("wholeName"))
    parts = (collapse(alias.get(k)) for k in ("firstName", "middleName", "lastName"))
    return whole or " ".join(p for p in parts if p)


def _name(alias: Element, value: str, primary: str | None) -> Name:
    lang = collapse(alias.get("nameLanguage")).lower() or None
    if primary:
        return Name(value, "primary", lang=lang)
    if alias.get("strong", "true") == "false":
        return Name(value, "weak_alias", lang=lang, quality="weak")
    return Name(value, "alias", lang=lang)


# --- places, documents -------------------------------------------------------------------


def _code(value: str | None, report: ParseReport) -> str | None:
    """ISO alpha-2 of a countryIso2Code; the EU's "00" (UNKNOWN) is a counted placeholder."""
    value = collapse(value)
    if value == _PLACEHOLDER_COUNTRY:
        report.count("country_placeholder")
        return None
    return country(value, report)


def _address(element: Element, report: ParseReport) -> Address | None:
    street, po_box, city, region, postal, described = (
        collapse(element.get(key))
        for key in ("street", "poBox", "city", "region", "zipCode", "countryDescription")
    )
    code = _code(element.get("countryIso2Code"), report)
    described = "" if described.upper() == "UNKNOWN" else described  # the "00" placeholder
    parts = [p for p in (street, po_box and f"PO Box {po_box}", city, region, postal, described) if p]
    if not parts:
        return None
    return Address(
        full=", ".join(parts),
        street=street or None,
        city=city or None,
        region=region or None,
        postal_code=postal or None,
        country=code,
    )


def _identifier(element: Element, report: ParseReport) -> Identifier | None:
    number = collapse(element.get("number")) or collapse(element.get("latinNumber"))
    if not number:
        report.count("identification_without_number")
        return None
    kind = collapse(element.get("identificationTypeDescription")) or collapse(
        element.get("identificationTypeCode")
    )
    issuer = collapse(element.get("issuedBy"))
    notes = [
        f"issued by {issuer}" if issuer else "",
        *(_text(remark) for remark in children(element, "remark")),
        *(_flag_label(flag) for flag in _FLAGS if element.get(flag) == "true"),
    ]
    return Identifier(
        type=kind or "Other",
        value=number,
        country=_code(element.get("countryIso2Code"), report),
        note="; ".join(n for n in notes if n) or None,
    )


def _flag_label(flag: str) -> str:
    """ "knownExpired" -> "known expired"."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in flag)


def _birth_date(element: Element) -> str | None:
    full = collapse(element.get("birthdate"))
    if full:
        return full[:10]
    year, month, day = (_number(element.get(k)) for k in ("year", "monthOfYear", "dayOfMonth"))
    if not year:
        return None
    if month and day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}" if month else f"{year:04d}"


def _number(value: str | None) -> int:
    """A positive integer attribute, or 0 when absent, zero or not a number."""
    value = collapse(value)
    return int(value) if value.isdigit() else 0


def _birth_place(element: Element) -> str:
    keys = ("place", "city", "region", "countryDescription")
    parts = (collapse(element.get(key)) for key in keys)
    return ", ".join(p for p in parts if p and p not in {"-", "UNKNOWN"})


# --- remarks and properties --------------------------------------------------------------


def _remarks(element: Element) -> str | None:
    remarks = unique(_text(node) for node in element.iter() if local_name(node.tag) == "remark")
    return "\n".join(remarks) or None


def _text(element: Element) -> str:
    """Element text, each line stripped, empty lines dropped, line breaks kept."""
    lines = (line.strip() for line in (element.text or "").splitlines())
    return "\n".join(line for line in lines if line)


def _properties(element: Element) -> dict[str, tuple[str, ...]]:
    aliases = children(element, "nameAlias")
    regulations = children(element, "regulation")
    contacts = [c for a in children(element, "address") for c in children(a, "contactInfo")]
    found: dict[str, list[str]] = {
        "eu_reference_number": [collapse(element.get("euReferenceNumber"))],
        "un_id": [collapse(element.get("unitedNationId"))],
        "designation_details": [collapse(element.get("designationDetails"))],
        "gender": [collapse(a.get("gender")) for a in aliases],
        "function": [collapse(a.get("function")) for a in aliases],
        "title": [collapse(a.get("title")) for a in aliases],
        "regulation": [collapse(r.get("numberTitle")) for r in regulations],
        "publication_url": [_text(url) for r in regulations for url in children(r, "publicationUrl")],
        "birth_date_note": ["circa" for b in children(element, "birthdate") if b.get("circa") == "true"],
    }
    for contact in contacts:
        key = collapse(contact.get("key")).casefold() or "contact"
        found.setdefault(key, []).append(collapse(contact.get("value")))
    return properties(found)
