"""Read the Remarks column of OFAC's legacy CSV into entry facts (used by `ofac_csv`).

OFAC generates Remarks from its XML record: features joined by "; ", a repeated feature
type prefixed "alt. ", one final "." added unless the last item already ends with one.
Items read here:

* ``DOB …``, ``POB …``, ``nationality …``, ``citizen …``;
* ``a.k.a. 'X'`` / ``f.k.a. 'X'`` / ``n.k.a. 'X'``: the *weak* aliases. OFAC's alt.csv holds
  only its strong a.k.a./f.k.a. names and prints the weak ones here (checked against
  consolidated.xml, whose ``<category>weak</category>`` akas are exactly these). They become
  ``weak_alias`` names whatever their a.k.a./f.k.a. type, which stays in ``quality``.
  Exactly one pair of outer quotes is removed: ``''FUPI''`` keeps its inner quotes and
  ``'Abu Haza''`` its final apostrophe, as printed;
* ``{label} {value} ({country}) issued {date} expires {date}``, where the label is one of
  the identifier labels below or a property label of `_ofac_common`. An item with an
  unknown label that still ends in "(country)" and holds a digit is read as an identifier
  whose label is the words before the first token with a digit (``identifier_label_guessed``).

Anything else (titles, positions, "ICTY indictee", free text) is counted as
``remark_item_unparsed`` and stays only in the remark text, which is always kept whole. The
final "." is removed before splitting unless it closes an initialism ("S.A.", "C.V.").
"""

from __future__ import annotations

import re

from watchlists.parsers._common import collapse
from watchlists.parsers._ofac_common import (
    PROPERTY_LABEL_PATTERN,
    EntryBuilder,
    add_feature,
    birth_date,
    country,
    ofac_alpha2,
    property_key,
)
from watchlists.types import Name, NameType, ParseReport

# Identifier labels as OFAC prints them (its idType values), matched longest first.
_ID_LABELS = (
    "Passport", "Diplomatic Passport", "Passport Booklet:", "Passport Booklet",
    "British National Overseas Passport", "Stateless Person Passport", "Stateless Person ID Card",
    "Refugee ID Card", "Travel Document Number", "National ID No.", "National Foreign ID Number",
    "Tax ID No.", "Registration Number", "Registration ID", "Registration Certificate Number (Dubai)",
    "Public Registration Number", "Business Registration Number", "Business Registration Document #",
    "Business Number", "Cedula No.", "Government Gazette Number", "Identification Number",
    "Personal ID Card", "Citizen's Card Number", "Residency Number", "Birth Certificate Number",
    "Folio Mercantil No.", "Matricula Mercantil No", "Commercial Registry Number", "Company Number",
    "UK Company Number", "Certificate of Incorporation Number", "Chamber of Commerce Number",
    "Istanbul Chamber of Comm. No.", "Dubai Chamber of Commerce Membership No.",
    "Central Registration System Number", "Economic Register Number (CBLS)",
    "Unified Social Credit Code (USCC)", "United Social Credit Code Certificate (USCCC)",
    "Legal Entity Number", "LE Number", "C.R. No.", "Romanian C.R.", "Romanian Tax Registration",
    "Romanian Permanent Resident CAN", "CNP (Personal Numerical Code)", "D.N.I.", "N.I.E.", "N.I.F.",
    "C.I.F.", "C.I.N.", "Trade License No.", "Tourism License No.", "License", "Permit Number",
    "SRE Permit No.", "Pilot License Number", "Driver's License No.", "V.A.T. Number",
    "Enterprise Number", "Branch Unit Number", "Fiscal Code", "Italian Fiscal Code",
    "Italian Fiscal Code:", "C.U.R.P.", "C.U.R.P. #", "R.F.C.", "R.F.C. #", "RFC", "C.U.I.",
    "C.U.I.P.", "C.U.I.T.", "I.F.E.", "Credencial electoral", "Electoral Registry No.",
    "Cartilla de Servicio Militar Nacional", "VisaNumberID", "NIT #", "RUC #", "RIF #", "RTN", "RSIN",
    "SSN", "US FEIN", "File Number", "Immigration No.", "Numero de Identidad",
    "Numero Unico de Identificacao Tributaria (NUIT)", "Turkish Identification Number",
    "Tazkira National ID Card", "Kenyan ID No.", "Moroccan Personal ID No.",
    "Bosnian Personal ID No.", "UAE Identification", "Military Registration Number",
    "Seafarer's Identification Document", "MSB Registration Number",
    "Afghan Money Service Provider License Number", "Organization Code", "Registered Charity No.",
    "Public Security and Immigration No.", "Serial No.", "Chinese Commercial Code",
    "D-U-N-S Number", "SWIFT/BIC", "BIK (RU)", "ISIN", "Equity Ticker", "MMSI",
    "Vessel Registration Identification", "Other Vessel Call Sign",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Aircraft Construction Number (also called L/N or S/N or F/N)", "Aircraft Tail Number",
    "Previous Aircraft Tail Number", "Aircraft Mode S Transponder Code",
    "Aircraft Serial Identification",
)  # fmt: skip
_ID_PATTERNS = (r"Digital Currency Address - \w+", *map(re.escape, sorted(_ID_LABELS, key=len, reverse=True)))
_LABELLED = re.compile(
    rf"^(?:(?P<prop>{PROPERTY_LABEL_PATTERN})|(?P<id>{'|'.join(_ID_PATTERNS)}))(?=\s|$)\s*(?P<rest>.*)$"
)
_ID_REST = re.compile(
    r"^(?P<value>.*?)(?:\s+\((?P<issuer>[^()]*)\))?"
    r"(?:\s+issued\s+(?P<issued>.+?))?(?:\s+expires\s+(?P<expires>.+?))?$"
)
_GUESSED_ID = re.compile(r"^(?P<label>[^\d]+?)\s+(?P<rest>\S*\d.*\([^()]+\).*)$")
_ALIAS_HEADS = frozenset({"a.k.a.", "f.k.a.", "n.k.a."})
_PERSONAL_HEADS = frozenset({"DOB", "POB", "nationality", "citizen"})
_ALT = re.compile(r"^alt\.\s+", re.IGNORECASE)
_SEPARATOR = re.compile(r";\s*")
_INITIALISM_END = re.compile(r"\.[A-Za-z]\.$")
_QUALITY = {"a": "a.k.a.", "f": "f.k.a.", "n": "n.k.a."}
_WEAK: NameType = "weak_alias"


def parse_remarks(text: str, builder: EntryBuilder, report: ParseReport, *, truncated: bool) -> None:
    """Add the facts of one Remarks text to `builder`; a `truncated` text's last item is skipped."""
    body = text if _INITIALISM_END.search(text) else text.removesuffix(".")
    items = [item.strip() for item in _SEPARATOR.split(body)]
    if truncated:
        items.pop()
    for item in items:
        if item:
            _parse_item(_ALT.sub("", item), builder, report)


def _parse_item(item: str, builder: EntryBuilder, report: ParseReport) -> None:
    """Dispatch one Remarks item to the fact it states."""
    head, _, rest = item.partition(" ")
    if head in _ALIAS_HEADS:
        _add_alias(head[0], rest, builder, report)
    elif head in _PERSONAL_HEADS and rest:
        _add_personal(head, rest, builder, report)
    elif labelled := _LABELLED.match(item):
        _add_labelled(labelled["prop"] or labelled["id"], labelled["rest"], builder, report)
    elif (guessed := _GUESSED_ID.match(item)) and _ends_with_country(item):
        report.count("identifier_label_guessed")
        _add_labelled(guessed["label"], guessed["rest"], builder, report)
    else:
        report.count("remark_item_unparsed")


def _add_alias(kind: str, quoted: str, builder: EntryBuilder, report: ParseReport) -> None:
    """A weak alias printed as a.k.a. 'NAME' (one pair of outer quotes removed)."""
    name = quoted.strip()
    if name.startswith("'") and name.endswith("'") and len(name) > 1:
        name = name[1:-1].strip()
    else:
        report.count("unquoted_remark_alias")
        name = name.strip("'")
    if name:
        builder.names.append(Name(collapse(name), _WEAK, quality=_QUALITY[kind]))


def _add_personal(label: str, value: str, builder: EntryBuilder, report: ParseReport) -> None:
    """DOB, POB, nationality and citizenship items."""
    if label == "DOB":
        builder.birth_dates.append(birth_date(value, report) or "")
    elif label == "POB":
        builder.birth_places.append(value.strip())
    elif label == "nationality":
        builder.nationalities.append(country(value, report) or "")
    else:
        builder.citizenships.append(country(value, report) or "")


def _add_labelled(label: str, rest: str, builder: EntryBuilder, report: ParseReport) -> None:
    """A property item, or an identifier split into value, issuing country and dates."""
    if property_key(label) is not None:
        add_feature(builder, label, rest.strip(), report)
        return
    parts = _ID_REST.match(rest.strip())
    assert parts is not None  # every group is optional
    add_feature(
        builder,
        label,
        parts["value"].strip(),
        report,
        issuer=parts["issuer"] or "",
        issued=parts["issued"] or "",
        expires=parts["expires"] or "",
    )


def _ends_with_country(item: str) -> bool:
    """True when the item's last bracket names a country ("… 123 (Mexico)")."""
    match = _ID_REST.match(item)
    return bool(match and match["issuer"] and ofac_alpha2(match["issuer"].strip()))
