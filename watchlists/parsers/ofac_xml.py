"""Parse OFAC's ``sdn.xml`` schema (sources ``us_ofac_sdn`` and ``us_ofac_cons``).

The SDN list (``sdn.xml``) and the Consolidated list (``consolidated.xml``) share one
schema: ``<sdnList>`` holding ``<publshInformation>`` (sic) and ``<sdnEntry>`` elements.
The classic files use the namespace ``http://tempuri.org/sdnList.xsd``, the Sanctions List
Service exports ``https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/
exports/XML``: elements are matched by local name, so any namespace (or none) is read.

Choices made where the publisher is loose:

* entry_id is ``uid``. Entries repeating a uid merge into one (``duplicate_uid``).
* sdnType Individual -> person, Entity -> organization, Vessel, Aircraft; anything else ->
  unknown (``unknown_sdn_type``).
* Names are printed "LAST, First" as in OFAC's CSV (lastName alone when there is no
  firstName), whitespace collapsed. akaList: category strong -> ``alias``, weak ->
  ``weak_alias`` (whatever its type: OFAC says weak names may be left unscreened), a strong
  f.k.a. -> ``former``; ``quality`` keeps the type ("a.k.a.", "f.k.a.", "n.k.a."), so CSV
  and XML give equal names. An aka without category counts as strong
  (``aka_without_category``).
* idList ``<id>`` elements are features filed by `_ofac_common.add_feature`: identifiers
  (idType as printed, idNumber, idCountry as ISO alpha-2, issueDate/expirationDate into
  ``note``) or properties (web site, e-mail, gender, "Linked To", target type, directive
  and sanctions notices...).
* nationalityList and citizenshipList give ``nationalities`` (citizenship codes also in
  ``properties["citizenship"]``); dateOfBirthList and placeOfBirthList give birth dates
  (ISO 8601, "circa" dropped, "A to B" an interval) and places. ``mainEntry`` is ignored;
  OFAC's order is kept.
* Address ``full`` reads "address1, address2, address3, city, stateOrProvince postalCode,
  country" as OFAC's CSV prints it; the parts are kept too. ``<region>`` goes to ``note``.
* vesselInfo: callSign -> Identifier "Call Sign" (country: the flag); vesselFlag -> countries
  and ``properties["vessel_flag"]``; vesselType, tonnage, grossRegisteredTonnage and
  vesselOwner -> properties. ``<title>`` -> ``properties["title"]``; ``<remarks>`` -> remarks,
  whose "(Linked To: X)" parts also give ``properties["linked_to"]`` as the CSV does.
* An idNumber printed "1026303117642 (Russia)" without idCountry is split into number and
  country (``id_country_in_number``), as the CSV prints the two the same way.
* ``report.published_at`` is Publish_Date (printed MM/DD/YYYY) as an ISO date; a
  Record_Count that differs from the number of sdnEntry elements is counted
  (``record_count_mismatch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from watchlists.errors import ParseError
from watchlists.parsers._common import parse_xml
from watchlists.parsers._ofac_common import (
    KINDS,
    EntryBuilder,
    add_feature,
    address,
    birth_date,
    clean,
    country,
    ofac_alpha2,
    person_name,
    publish_date,
    split_embedded,
)
from watchlists.types import EntityKind, Identifier, ListEntry, Name, NameType, ParseReport

SOURCE = "us_ofac_sdn"
ROOT_TAG = "sdnList"

_LINKED_TO = "Linked To: "
_REMARK_SEPARATOR = re.compile(r";\s*")
_BRACKETED_COUNTRY = re.compile(r"^(.*\S)\s+\(([^()]+)\)$")
_AKA_TYPES: dict[str, NameType] = {"a.k.a.": "alias", "f.k.a.": "former", "n.k.a.": "alias"}
_VESSEL_PROPERTIES = (
    ("vesselType", "vessel_type"),
    ("tonnage", "tonnage"),
    ("grossRegisteredTonnage", "gross_registered_tonnage"),
    ("vesselOwner", "vessel_owner"),
)


def parse(data: bytes, report: ParseReport | None = None, *, source: str = SOURCE) -> Iterator[ListEntry]:
    """Yield one ListEntry per uid of an OFAC sdn.xml-schema file.

    Args:
        data: the raw XML bytes as published.
        report: filled with ``published_at`` (Publish_Date) and counts of repaired or
            dropped values ("unknown_country", "duplicate_uid", …).
        source: the source id to stamp on entries, ``us_ofac_sdn`` or ``us_ofac_cons``.

    Raises:
        ParseError: on malformed or hostile XML (DTDs and entities are refused), a root
            other than sdnList, or an sdnEntry without uid or lastName. Being a generator,
            it raises on first iteration.
    """
    report = report if report is not None else ParseReport()
    root = _parse_xml(data, source)
    if root.tag != ROOT_TAG:
        raise ParseError(source, f"root element is <{root.tag}>, expected <{ROOT_TAG}>", "root")
    _read_publication(root, report)
    builders: dict[str, EntryBuilder] = {}
    elements = root.findall("sdnEntry")
    for number, element in enumerate(elements, start=1):
        _add_entry(element, number, builders, source, report)
    _check_record_count(root, len(elements), report)
    for builder in builders.values():
        yield builder.build()


def _parse_xml(data: bytes, source: str) -> Element:
    """`_common.parse_xml`, with every element's namespace stripped."""
    root = parse_xml(source, data)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.rpartition("}")[2]
    return root


def _read_publication(root: Element, report: ParseReport) -> None:
    """published_at from publshInformation/Publish_Date (MM/DD/YYYY)."""
    printed = _text(root.find("publshInformation/Publish_Date"))
    report.published_at = publish_date(printed) if printed else None
    if printed and report.published_at is None:
        report.count("invalid_publish_date")


def _check_record_count(root: Element, found: int, report: ParseReport) -> None:
    """Count a Record_Count that disagrees with the entries present."""
    printed = _text(root.find("publshInformation/Record_Count"))
    if printed and (not printed.isdigit() or int(printed) != found):
        report.count("record_count_mismatch")


# --- one sdnEntry --------------------------------------------------------------------------------


def _add_entry(
    element: Element, number: int, builders: dict[str, EntryBuilder], source: str, report: ParseReport
) -> None:
    """Add one sdnEntry to the builder of its uid (a new one unless the uid repeats)."""
    uid = _text(element.find("uid"))
    location = f"sdnEntry #{number}" + (f" (uid {uid})" if uid else "")
    if not uid:
        raise ParseError(source, "sdnEntry has no uid", location)
    primary = person_name(_text(element.find("lastName")), _text(element.find("firstName")))
    if not primary:
        raise ParseError(source, f"entry {uid} has no lastName", location)
    builder = builders.get(uid)
    if builder is None:
        builder = builders[uid] = EntryBuilder(source, uid, _kind(_text(element.find("sdnType")), report))
    else:
        report.count("duplicate_uid")
    builder.names += _names(primary, "primary", None)
    for aka in element.iterfind("akaList/aka"):
        builder.names += _aka(aka, report)
    builder.programs += _texts(element, "programList/program")
    builder.add_property("title", _text(element.find("title")))
    remarks = _text(element.find("remarks"))
    builder.remarks.append(remarks)
    for linked in _linked_to(remarks):
        builder.add_property("linked_to", linked)
    _add_features(element, builder, report)
    _add_personal(element, builder, report)
    _add_addresses(element, builder, report)
    _add_vessel(element.find("vesselInfo"), builder, report)


def _kind(value: str, report: ParseReport) -> EntityKind:
    """sdnType as an EntityKind."""
    kind = KINDS.get(value.casefold())
    if kind is None:
        report.count("unknown_sdn_type")
        return "unknown"
    return kind


def _names(value: str, name_type: NameType, quality: str | None) -> list[Name]:
    """The name(s) of one name field; a packed "A a.k.a. B" gives A plus typed aliases."""
    return [
        Name(name, _AKA_TYPES[marker], quality=marker) if marker else Name(name, name_type, quality=quality)
        for marker, name in split_embedded(value)
    ]


def _aka(aka: Element, report: ParseReport) -> list[Name]:
    """One aka: strong -> alias (f.k.a. -> former), weak -> weak_alias; quality = its type."""
    value = person_name(_text(aka.find("lastName")), _text(aka.find("firstName")))
    if not value:
        report.count("empty_aka")
        return []
    aka_type = _text(aka.find("type")) or "a.k.a."
    category = _text(aka.find("category")).casefold()
    if not category:
        report.count("aka_without_category")
    name_type = _AKA_TYPES.get(aka_type.casefold())
    if name_type is None:
        report.count("unknown_aka_type")
        name_type = "alias"
    return _names(value, "weak_alias" if category == "weak" else name_type, aka_type)


def _add_features(element: Element, builder: EntryBuilder, report: ParseReport) -> None:
    """idList: identifiers and properties."""
    for feature in element.iterfind("idList/id"):
        label = _text(feature.find("idType"))
        if not label:
            report.count("id_without_type")
            continue
        number, issuer = _text(feature.find("idNumber")), _text(feature.find("idCountry"))
        if not issuer and (bracketed := _BRACKETED_COUNTRY.match(number)) and ofac_alpha2(bracketed[2]):
            # "1026303117642 (Russia)" with no idCountry: the country was typed into the number.
            report.count("id_country_in_number")
            number, issuer = bracketed[1], bracketed[2]
        add_feature(
            builder,
            label,
            number,
            report,
            issuer=issuer,
            issued=_text(feature.find("issueDate")),
            expires=_text(feature.find("expirationDate")),
        )


def _add_personal(element: Element, builder: EntryBuilder, report: ParseReport) -> None:
    """Nationality, citizenship, dates and places of birth."""
    for value in _texts(element, "nationalityList/nationality/country"):
        builder.nationalities.append(country(value, report) or "")
    for value in _texts(element, "citizenshipList/citizenship/country"):
        builder.citizenships.append(country(value, report) or "")
    for value in _texts(element, "dateOfBirthList/dateOfBirthItem/dateOfBirth"):
        builder.birth_dates.append(birth_date(value, report) or "")
    builder.birth_places += _texts(element, "placeOfBirthList/placeOfBirthItem/placeOfBirth")


def _add_addresses(element: Element, builder: EntryBuilder, report: ParseReport) -> None:
    """addressList, each address laid out as OFAC's CSV prints it."""
    for item in element.iterfind("addressList/address"):
        street = ", ".join(_texts(item, "address1") + _texts(item, "address2") + _texts(item, "address3"))
        city, region, postal = (_text(item.find(tag)) for tag in ("city", "stateOrProvince", "postalCode"))
        city_line = " ".join(p for p in (", ".join(p for p in (city, region) if p), postal) if p)
        printed = _text(item.find("country"))
        if not (street or city_line or printed):
            report.count("empty_address")
            continue
        found = address(
            street,
            city_line,
            printed,
            report,
            city=city,
            region=region,
            postal_code=postal,
            note=_text(item.find("region")),
        )
        builder.addresses.append(found)
        builder.other_countries.append(found.country or "")


def _add_vessel(info: Element | None, builder: EntryBuilder, report: ParseReport) -> None:
    """vesselInfo: call sign, flag, type, tonnage, GRT and owner."""
    if info is None:
        return
    flag = _text(info.find("vesselFlag"))
    code = country(flag, report) if flag else None
    builder.add_property("vessel_flag", flag)
    builder.other_countries.append(code or "")
    call_sign = _text(info.find("callSign"))
    if call_sign:
        builder.identifiers.append(Identifier("Call Sign", call_sign, code))
    for tag, key in _VESSEL_PROPERTIES:
        builder.add_property(key, _text(info.find(tag)))


def _linked_to(remarks: str) -> list[str]:
    """The names in "(Linked To: A)" / "(Linked To: A; Linked To: B)" remarks, as the CSV has them."""
    found = []
    for part in _REMARK_SEPARATOR.split(remarks):
        part = part.removeprefix("(")
        if part.count(")") > part.count("("):
            part = part.removesuffix(")")
        if part.startswith(_LINKED_TO):
            found.append(part.removeprefix(_LINKED_TO).strip())
    return found


def _text(element: Element | None) -> str:
    """An element's text with whitespace collapsed; "" when absent or empty."""
    return clean(element.text) if element is not None else ""


def _texts(element: Element, path: str) -> list[str]:
    """The non-empty texts of every element at `path`."""
    return [t for t in (_text(child) for child in element.iterfind(path)) if t]
