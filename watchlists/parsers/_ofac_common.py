"""What the two OFAC parsers (`ofac_csv`, `ofac_xml`) share: one entry model, two encodings.

OFAC publishes each list (SDN, Consolidated) both as ``sdn.xml``-schema XML and as the
legacy CSV set. The XML's ``<idList>`` holds typed *features* (idType, idNumber, idCountry,
issueDate, expirationDate); the CSV prints the same features into the Remarks column as
``{idType} {idNumber} ({idCountry}) issued {date} expires {date}``. One label table reads
both, so the two parsers give the same facts for the same record:

* A property label (web site, e-mail, phone, gender, "Linked To:", target type, sanctions
  notices such as "Secondary sanctions risk:", directive and CMIC dates...) becomes
  ``properties[key]`` with the value as printed. The key is fixed for contact details and
  a snake_case slug of the printed label otherwise ("Listing Date (CMIC)" ->
  ``listing_date_cmic``), so CSV and XML agree.
* Every other id is an `Identifier` typed by the label as OFAC prints it ("Passport",
  "Tax ID No.", "Vessel Registration Identification" with value "IMO 7406784"), its
  country as ISO alpha-2 and ``note`` "issued 2005-12-14; expires 2017-07-04".

Countries: OFAC's short names go through `to_alpha2`, which knows OFAC's own spellings
("Palestinian" -> PS, "Man, Isle of" -> IM; "Korea, North" is an ISO inversion), after
the "Region: " and "possibly " prefixes are dropped ("Region: Gaza" -> PS, "possibly X" -> X).
"undetermined" and "None Identified" are placeholders, counted as ``country_placeholder``;
anything else unknown is counted as ``unknown_country``.

Dates of birth: "10 Dec 1948", "Dec 1948", "1948", "circa 1951" (the year is kept), and
ranges "1960 to 1962" / "01 Jan 1960 to 31 Dec 1962" as ISO 8601 intervals.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from watchlists.countries import to_alpha2
from watchlists.dates import parse_date
from watchlists.parsers._common import collapse, properties, unique
from watchlists.parsers._common import country as _country
from watchlists.types import Address, EntityKind, Identifier, ListEntry, Name, ParseReport

# OFAC's public detail page of one entry, keyed by ent_num / uid.
ENTRY_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={entry_id}"

# sdnType (XML) and SDN_Type (CSV, where "-0-" means entity), case-folded.
KINDS: dict[str, EntityKind] = {
    "individual": "person",
    "entity": "organization",
    "-0-": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}

_COUNTRY_PLACEHOLDERS = frozenset({"undetermined", "none identified", "-0-", ""})
_COUNTRY_PREFIX = re.compile(r"^(?:region:\s*|possibly\s+)", re.IGNORECASE)

# Property labels: (fixed key or None for the slug of the printed label, pattern).
_PROPERTY_LABELS: tuple[tuple[str | None, str], ...] = (
    ("website", r"Website"),
    ("email", r"Email(?: Address)?|EMAIL"),
    ("phone", r"Phone Number|Phone No\.|PHONE|Telephone(?: Number)?:?"),
    ("fax", r"Fax:?|FAX"),
    ("gender", r"Gender"),
    ("linked_to", r"Linked To:"),
    ("organization_established_date", r"Organization Established Date"),
    ("organization_type", r"Organization Type:"),
    ("target_type", r"Target Type"),
    ("issuer_name", r"Issuer Name"),
    ("nationality_of_registration", r"Nationality of Registration"),
    ("aircraft_manufacture_date", r"Aircraft Manufacture Date"),
    ("aircraft_model", r"Aircraft Model"),
    ("aircraft_operator", r"Aircraft Operator"),
    ("vessel_year_of_build", r"Vessel Year of Build"),
    ("former_vessel_flag", r"Former Vessel Flag"),
    ("other_vessel_flag", r"Other Vessel Flag"),
    ("other_vessel_type", r"Other Vessel Type"),
    ("secondary_sanctions_risk", r"Secondary sanctions risk:"),
    ("additional_sanctions_information", r"Additional Sanctions Information -"),
    (
        "transactions_prohibited",
        r"Transactions Prohibited For Persons Owned or Controlled By U\.S\. Financial Institutions:",
    ),
    (None, r"IFCA Determination -"),
    (None, r"CAATSA Section \d+ Information:"),
    (None, r"Executive Order \d+ (?:Directive )?(?:Determination|[Ii]nformation)(?: -|:)?"),
    (None, r"(?:Listing|Effective) Date \([^()]*\):?"),
    (None, r"Purchase/Sales For Divestment Date \([^()]*\)"),
)
_PROPERTY_PATTERNS = tuple((key, re.compile(pattern)) for key, pattern in _PROPERTY_LABELS)
# The same labels as one alternation, for reading them off the front of a CSV Remarks item.
PROPERTY_LABEL_PATTERN = "|".join(f"(?:{pattern})" for _, pattern in _PROPERTY_LABELS)
_SLUG = re.compile(r"[^a-z0-9]+")

NULL = "-0- "  # OFAC's CSV null marker as printed
_EMBEDDED = re.compile(r"[\s,;(]+([afnAFN])\.k\.a\.[\s:]*")
_CIRCA = re.compile(r"^(?:circa|approximately|approx\.)\s+", re.IGNORECASE)
_DATE_RANGE = re.compile(r"\s+to\s+", re.IGNORECASE)


@dataclass
class EntryBuilder:
    """The facts gathered for one entry; rows or elements that share an id add to one builder."""

    source: str
    entry_id: str
    kind: EntityKind
    names: list[Name] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    citizenships: list[str] = field(default_factory=list)
    other_countries: list[str] = field(default_factory=list)  # addresses, flags, registration
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    properties: dict[str, list[str]] = field(default_factory=dict)

    def add_property(self, key: str, value: str) -> None:
        """Append `value` to ``properties[key]`` (empty values are skipped)."""
        if value:
            self.properties.setdefault(key, []).append(value)

    def build(self) -> ListEntry:
        """The frozen entry: names without (value, type) duplicates, every list de-duplicated."""
        names: dict[tuple[str, str], Name] = {}
        for name in self.names:
            names.setdefault((name.value, name.type), name)
        found = properties(self.properties)
        if self.citizenships:
            found["citizenship"] = unique(self.citizenships)
        nationalities = unique([*self.nationalities, *self.citizenships])
        return ListEntry(
            source=self.source,
            entry_id=self.entry_id,
            kind=self.kind,
            names=tuple(names.values()),
            countries=unique([*nationalities, *self.other_countries]),
            nationalities=nationalities,
            identifiers=unique(self.identifiers),
            addresses=unique(self.addresses),
            birth_dates=unique(self.birth_dates),
            birth_places=unique(self.birth_places),
            programs=unique(self.programs),
            remarks=" ".join(r for r in self.remarks if r) or None,
            url=ENTRY_URL.format(entry_id=self.entry_id),
            properties=found,
        )


def clean(value: str | None) -> str:
    """Whitespace collapsed; OFAC's CSV null marker "-0-" (any padding) gives ""."""
    if not value or value == NULL:
        return ""
    text = value.strip()
    # Only runs of ASCII white space are looked for (the common case, and cheap): a lone
    # no-break space inside a value is kept, as it always has been.
    if "  " in text or "\t" in text or "\n" in text or "\r" in text:
        text = collapse(text)
    return "" if text == "-0-" else text


# --- countries and dates -----------------------------------------------------------------------


def country(value: str, report: ParseReport) -> str | None:
    """ISO alpha-2 for a country as OFAC prints it; placeholders and unknowns are counted."""
    return _country(clean(value), report, placeholders=_COUNTRY_PLACEHOLDERS, lookup=ofac_alpha2)


@functools.lru_cache(maxsize=1024)
def ofac_alpha2(text: str) -> str | None:
    """ISO alpha-2, uncounted: `to_alpha2` after the "Region: " / "possibly " prefixes."""
    return to_alpha2(_COUNTRY_PREFIX.sub("", text).strip())


def birth_date(text: str, report: ParseReport) -> str | None:
    """A printed OFAC date of birth as ISO 8601 (partial, or an interval for "A to B")."""
    value = _CIRCA.sub("", clean(text))
    if not value:
        return None
    parts = [parse_date(part) for part in _DATE_RANGE.split(value)]
    if len(parts) <= 2 and all(parts):
        return "/".join(dict.fromkeys(p for p in parts if p))
    report.count("unparsed_birth_date")
    return None


def publish_date(text: str) -> str | None:
    """OFAC's Publish_Date, printed MM/DD/YYYY, as an ISO date."""
    return parse_date(text, day_first=False)


# --- features: identifiers and properties ------------------------------------------------------


@functools.lru_cache(maxsize=512)
def property_key(label: str) -> str | None:
    """The properties key of a feature label, or None when the label names an identifier."""
    for key, pattern in _PROPERTY_PATTERNS:
        if pattern.fullmatch(label):
            return key or _SLUG.sub("_", label.casefold()).strip("_")
    return None


def add_feature(
    builder: EntryBuilder,
    label: str,
    value: str,
    report: ParseReport,
    *,
    issuer: str = "",
    issued: str = "",
    expires: str = "",
) -> None:
    """File one OFAC feature (XML ``<id>``, or a CSV Remarks item) as property or identifier."""
    key = property_key(label)
    if key is not None:
        builder.add_property(key, f"{value} ({issuer})" if issuer else value)
        if key == "nationality_of_registration":
            builder.other_countries.append(country(value, report) or "")
        return
    if not value:
        report.count("identifier_without_value")
        return
    code = country(issuer, report) if issuer else None
    notes = [
        issuer if issuer and code is None else "",
        _dated("issued", issued),
        _dated("expires", expires),
    ]
    builder.identifiers.append(
        Identifier(type=label, value=value, country=code, note="; ".join(n for n in notes if n) or None)
    )


def _dated(prefix: str, text: str) -> str:
    """ "issued 2005-12-14" from a printed date ("14 Dec 2005"); the print when unreadable."""
    text = clean(text)
    return f"{prefix} {parse_date(text) or text}" if text else ""


# --- names and addresses -----------------------------------------------------------------------


def person_name(last: str, first: str) -> str:
    """OFAC's printed form: "LAST, First", or the last name alone (entities, vessels)."""
    last, first = clean(last), clean(first)
    return f"{last}, {first}" if last and first else last or first


def address(street: str, city_line: str, country_text: str, report: ParseReport, **parts: str) -> Address:
    """An Address whose ``full`` reads "street, city line, country" as OFAC prints it."""
    street, city_line, printed = clean(street), clean(city_line), clean(country_text)
    return Address(
        full=", ".join(p for p in (street, city_line, printed) if p),
        street=street or None,
        city=clean(parts.get("city", city_line)) or None,
        region=clean(parts.get("region")) or None,
        postal_code=clean(parts.get("postal_code")) or None,
        country=country(printed, report) if printed else None,
        note=clean(parts.get("note")) or None,
    )


def split_embedded(value: str) -> list[tuple[str, str]]:
    """Split "A a.k.a. B f.k.a. C" into [("", "A"), ("a.k.a.", "B"), ("f.k.a.", "C")].

    OFAC prints one name per field; this guards against a packed one. A name without an
    embedded marker comes back whole ("YK-AKA" has no dots and stays one name). Narrower
    than `_listkit.split_embedded` on purpose: only OFAC's own dotted markers, and the
    marker is kept because it becomes the name's ``quality``.
    """
    text = clean(value)
    if ".k.a." not in text.casefold():
        return [("", text)] if text else []
    pieces = _EMBEDDED.split(text)
    found = [("", pieces[0])] + [
        (f"{marker.casefold()[0]}.k.a.", name)
        for marker, name in zip(pieces[1::2], pieces[2::2], strict=True)
    ]
    return [(marker, name.strip(" ,;()")) for marker, name in found if name.strip(" ,;()")]
