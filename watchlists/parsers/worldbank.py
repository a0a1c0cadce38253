"""Parse the World Bank listing of ineligible firms and individuals (``worldbank_debarred``).

Two publications of one list: the debarred-firms page's Excel export (`parse`) and the
JSON feed behind that page (`parse_json`, ``{"response": {"ZPROCSUPP": [...]}}``).

The XLSX: A1 reads "Downloaded on: 07/01/2025 10:37" (day first; ``published_at`` is the
date), rows 2-3 are a two-row header (Firm Name, Additional Firm Info, Address, Country,
Ineligibility Period split into From Date / To Date, Grounds), data from row 4.
Choices made where the publisher is loose:

* The list has no id, so ``entry_id`` is the Firm Name as printed with whitespace
  collapsed, which is also the primary name (the eval index key). Rows sharing it merge
  into one entry (e.g. "ĐOÀN ANH DŨNG" is listed five times, once per debarment).
  The JSON feed has a SUPP_ID per row, but it is kept in ``properties["supp_id"]`` so that
  both formats give the same keys.
* The cross-debarment markers ("*677") are printed in Additional Firm Info, never in the
  Firm Name, so the key needs no cleaning; they go to ``properties["reference_marker"]``.
* A firm name packing other names ("X A.K.A. Y", "X (FORMERLY Y)", "X (CURRENTLY D/B/A
  Y)") stays the primary as printed; X and Y are added as ``alias`` / ``former`` names.
  Other brackets ("(VIWASEEN.4)", "(NIGERIA)") stay in the name and are not split off.
* Additional Firm Info is kept whole in ``properties["additional_firm_info"]`` and read
  for: other names ("also known as", "f.k.a.", "d/b/a", "now known as", a bare Latin name
  between markers -> ``alias``/``former``), names in another script (Chinese, Khmer ->
  ``original_script``), registration, tax and ID numbers ("(Reg. No. 283-86-01059)",
  "(TIN: ...)", "(CNPJ: ...)", a bare 18-character Chinese credit code) and a "Physical
  Address:".
* Kind is a heuristic: a name starting with an honorific (Mr, Ms, Mrs, Miss, Md, Dr,
  Eng, Engr, with a dot or a space) is a person, anything else an organization; for a
  person the name without the honorific is added as an ``alias``. The JSON's
  SUPP_TYPE_CODE ("I" individual) decides when present.
* Grounds (whitespace collapsed, a trailing period dropped) are the ``programs``.
  ``listed_on`` is the earliest From Date; every From / To Date is kept in
  ``properties["ineligible_from"]`` / ``["ineligible_to"]``. To Date 2999-12-31 means
  permanent and sets ``properties["permanent"] = ("true",)``.
* Country is the address country; World Bank economy names ("Hong Kong SAR, China")
  are known to `watchlists.countries.to_alpha2`.
* The JSON feed: field names as the page's feed uses them (SUPP_NAME, ADD_SUPP_INFO,
  SUPP_ADDR, SUPP_CITY, SUPP_STATE_CODE, SUPP_ZIP_CODE, COUNTRY_NAME, LAND1, DEBAR_FROM_DATE,
  DEBAR_TO_DATE, DEBAR_REASON, INELIGIBLY_STATUS, SUPP_TYPE_CODE, SUPP_ID); the address
  parts fill `Address`, LAND1 (a code) wins over COUNTRY_NAME, INELIGIBLY_STATUS goes to
  ``properties["ineligibility_status"]`` ("Permanent" also sets ``permanent``), and
  ``published_at`` is the latest LAST_REFRESH_DATE when rows carry one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from watchlists.countries import to_alpha2
from watchlists.dates import parse_date
from watchlists.errors import ParseError
from watchlists.parsers._common import is_latin, properties, unique
from watchlists.parsers._sheets import (
    cell,
    country_code,
    header_index,
    split_embedded,
    text,
    xlsx_rows,
)
from watchlists.types import Address, EntityKind, Identifier, ListEntry, Name, ParseReport

SOURCE = "worldbank_debarred"
PERMANENT = "2999-12-31"
_HEADER_SEARCH_ROWS = 6
_COLUMNS = ("Firm Name", "Additional Firm Info", "Address", "Country", "From Date", "To Date", "Grounds")
_DOWNLOADED = re.compile(r"Downloaded on:\s*(\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE)
_HONORIFIC = re.compile(r"^(?:mrs?|ms|miss|md|dr|engr?)(?:\.\s*|\s+)(?=\S)", re.IGNORECASE)
_MARKER = re.compile(r"\*\s*(\d+)((?:\s*(?:,|and)\s*\d+)*)")
_ID_LABELS = (
    (r"reg(?:istration)?[.,]?\s*(?:no|number)\.?", "Registration Number"),
    (r"tax\s+registration\s+no\.?|tax\s+id|tin(?:\s+no\.?)?", "Tax ID"),
    (r"national\s+id", "National ID"),
    (r"id(?:\s+no\.?)?", "ID"),
    (r"cnpj", "CNPJ"),
)
_IDENTIFIER = re.compile(
    r"\(\s*(?P<label>"
    + "|".join(f"(?:{p})" for p, _ in _ID_LABELS)
    + r")\s*[.:;]?\s*(?P<value>[^()]+?)\s*\)",
    re.IGNORECASE,
)
_CREDIT_CODE = re.compile(r"^(?=.*\d)[0-9A-Z]{18}$")  # China's unified social credit code
_PIECES = re.compile(r"\((?:[^()]|\([^()]*\))*\)?|[^()]+")
_PHYSICAL_ADDRESS = re.compile(r"^physical address:\s*", re.IGNORECASE)


@dataclass
class _Record:
    """One published row, in either format."""

    name: str
    location: str
    info: str = ""
    address: Address | None = None
    date_from: str = ""
    date_to: str = ""
    grounds: str = ""
    kind: EntityKind | None = None
    properties: dict[str, list[str]] = field(default_factory=dict)


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per distinct Firm Name of the XLSX export.

    Raises:
        ParseError: an unreadable workbook, no header with the expected columns, or a
            data row without a Firm Name.
    """
    report = report if report is not None else ParseReport()
    yield from _entries(_xlsx_records(data, report), report)


def parse_json(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per distinct SUPP_NAME of the World Bank's JSON feed.

    Raises:
        ParseError: malformed JSON, no ``response.ZPROCSUPP`` list, or a row that is not
            an object with a SUPP_NAME.
    """
    report = report if report is not None else ParseReport()
    yield from _entries(_json_records(data, report), report)


# --- reading ---------------------------------------------------------------------------------


def _xlsx_records(data: bytes, report: ParseReport) -> Iterator[_Record]:
    rows = xlsx_rows(data, SOURCE)
    columns: dict[str, int] | None = None
    for number, row in rows:
        downloaded = _DOWNLOADED.search(text(cell(row, 0)))
        if downloaded:
            report.published_at = parse_date(downloaded[1])
        elif text(cell(row, 0)) == "Firm Name":
            # "Ineligibility Period" spans From Date / To Date printed in the next row.
            header = [text(v) for v in row]
            if "From Date" not in header:
                sub_number, sub_row = next(rows, (number + 1, []))
                header = [text(cell(sub_row, i)) or name for i, name in enumerate(header)]
                header += [text(v) for v in sub_row[len(header) :]]
            columns = header_index(header, _COLUMNS, SOURCE, f"row {number}")
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if columns is None:
        raise ParseError(SOURCE, "no header row starting with 'Firm Name'", "row 1")
    for number, row in rows:
        values = {name: text(cell(row, index)) for name, index in columns.items()}
        if not any(values.values()):
            report.count("blank_row")
            continue
        if not values["Firm Name"]:
            raise ParseError(SOURCE, "row has no Firm Name", f"row {number}")
        country = values["Country"]
        parts = [p for p in (values["Address"], country) if p]
        address = Address(", ".join(parts), country=country_code(country, report)) if parts else None
        yield _Record(
            name=values["Firm Name"],
            location=f"row {number}",
            info=values["Additional Firm Info"],
            address=address,
            date_from=values["From Date"],
            date_to=values["To Date"],
            grounds=values["Grounds"],
        )


def _json_records(data: bytes, report: ParseReport) -> Iterator[_Record]:
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        raise ParseError(SOURCE, f"JSON is not UTF-8: {exc.reason}", f"byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise ParseError(
            SOURCE, f"malformed JSON: {exc.msg}", f"line {exc.lineno}, column {exc.colno}"
        ) from exc
    response = document.get("response") if isinstance(document, dict) else None
    rows = response.get("ZPROCSUPP") if isinstance(response, dict) else None
    if not isinstance(rows, list):
        raise ParseError(SOURCE, "no list at response.ZPROCSUPP", "response.ZPROCSUPP")
    refreshed: list[str] = []
    for position, row in enumerate(rows):
        location = f"response.ZPROCSUPP[{position}]"
        if not isinstance(row, dict) or not _field(row, "SUPP_NAME"):
            raise ParseError(SOURCE, "row is not an object with a SUPP_NAME", location)
        refreshed += [d for d in [parse_date(_field(row, "LAST_REFRESH_DATE"))] if d]
        yield _json_record(row, location, report)
    report.published_at = max(refreshed, default=report.published_at)


def _json_record(row: Mapping[str, object], location: str, report: ParseReport) -> _Record:
    """A _Record from one ZPROCSUPP object."""
    street, city, region, postal = (
        _field(row, k) for k in ("SUPP_ADDR", "SUPP_CITY", "SUPP_STATE_CODE", "SUPP_ZIP_CODE")
    )
    country_name, land = _field(row, "COUNTRY_NAME"), _field(row, "LAND1")
    parts = [p for p in (street, city, region, postal, country_name) if p]
    code = (
        country_code(land, report)
        if len(land) == 2
        else country_code(country_name, report)
        if country_name
        else None
    )
    type_code = _field(row, "SUPP_TYPE_CODE").upper()
    status = _field(row, "INELIGIBLY_STATUS")
    return _Record(
        name=_field(row, "SUPP_NAME"),
        location=location,
        info=_field(row, "ADD_SUPP_INFO"),
        address=Address(", ".join(parts), street or None, city or None, region or None, postal or None, code)
        if parts
        else None,
        date_from=_field(row, "DEBAR_FROM_DATE"),
        date_to=_field(row, "DEBAR_TO_DATE"),
        grounds=_field(row, "DEBAR_REASON"),
        kind=("person" if type_code == "I" else "organization") if type_code else None,
        properties={
            "supp_id": [_field(row, "SUPP_ID")],
            "ineligibility_status": [status],
            "permanent": ["true"] if status.casefold() == "permanent" else [],
        },
    )  # fmt: skip


def _field(row: Mapping[str, object], key: str) -> str:
    """A JSON field as collapsed text ("" for null or missing)."""
    value = row.get(key)
    return text(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


# --- merging ---------------------------------------------------------------------------------


def _entries(records: Iterable[_Record], report: ParseReport) -> Iterator[ListEntry]:
    """Merge records by printed name, in first-seen order."""
    merged: dict[str, list[_Record]] = {}
    for record in records:
        merged.setdefault(record.name, []).append(record)
    for name, group in merged.items():
        if len(group) > 1:
            report.count("merged_rows", len(group) - 1)
        yield _entry(name, group, report)


def _entry(name: str, records: list[_Record], report: ParseReport) -> ListEntry:
    """One entry from the records sharing its printed name."""
    kind = next((r.kind for r in records if r.kind), None) or (
        "person" if _HONORIFIC.match(name) else "organization"
    )
    names = [Name(name, "primary")]
    head, embedded = split_embedded(name)
    names += [Name(head, "alias")] if embedded and head else []
    names += [Name(value, name_type) for value, name_type in embedded]
    if kind == "person" and _HONORIFIC.match(name):
        names.append(Name(_HONORIFIC.sub("", head or name), "alias"))
    identifiers: list[Identifier] = []
    addresses = [r.address for r in records]
    props: dict[str, list[str]] = {"additional_firm_info": [], "reference_marker": []}
    for info in unique(r.info for r in records):
        found = _firm_info(info)
        names += found.names
        identifiers += found.identifiers
        addresses += found.addresses
        props["additional_firm_info"].append(info)
        props["reference_marker"] += found.markers
    dates_from = [_date(r.date_from, r.location, report) for r in records]
    dates_to = [_date(r.date_to, r.location, report) for r in records]
    props["ineligible_from"] = [d for d in dates_from if d]
    props["ineligible_to"] = [d for d in dates_to if d]
    for record in records:
        for key, values in record.properties.items():
            props.setdefault(key, []).extend(values)
    if PERMANENT in dates_to:
        props.setdefault("permanent", []).append("true")
    listed = sorted(d for d in dates_from if d)
    return ListEntry(
        source=SOURCE,
        entry_id=name,
        kind=kind,
        names=_unique_names(names),
        countries=unique(a.country for a in addresses if a),
        identifiers=unique(identifiers),
        addresses=unique(addresses),
        programs=unique(r.grounds.rstrip(".").strip() for r in records),
        listed_on=listed[0] if listed else None,
        properties=properties(props),
    )


def _unique_names(names: list[Name]) -> tuple[Name, ...]:
    """Names without repeated values, the first (primary) kept."""
    found: dict[str, Name] = {}
    for name in names:
        if name.value:
            found.setdefault(name.value, name)
    return tuple(found.values())


def _date(value: str, location: str, report: ParseReport) -> str | None:
    date = parse_date(value)
    if value and date is None:
        report.count("invalid_date")
    return date


# --- Additional Firm Info ------------------------------------------------------------------


@dataclass
class _Info:
    names: list[Name] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)


def _firm_info(info: str) -> _Info:
    """Names, identifiers, addresses and reference markers in Additional Firm Info."""
    found = _Info()
    for match in _MARKER.finditer(info):
        found.markers += [f"*{n}" for n in re.findall(r"\d+", match[0])]
    rest = _MARKER.sub(" # ", info)
    for match in _IDENTIFIER.finditer(rest):
        label = match["label"].casefold()
        kind = next(name for pattern, name in _ID_LABELS if re.fullmatch(pattern, label, re.IGNORECASE))
        found.identifiers.append(Identifier(kind, match["value"].strip(" .:")))
    rest = _IDENTIFIER.sub(" ", rest)
    for chunk in rest.split("#"):
        _read_chunk(chunk.strip(" ,;"), found)
    return found


def _read_chunk(chunk: str, found: _Info) -> None:
    """Classify one stretch of Additional Firm Info between markers."""
    if not chunk:
        return
    head, embedded = split_embedded(chunk)
    if embedded and not head and not chunk.startswith("("):  # "AKA (Ms.) Ir. Norma Kumalawati"
        found.names += [Name(value, name_type) for value, name_type in embedded]
        return
    for piece in _PIECES.findall(chunk):
        bracketed = piece.startswith("(")
        inner = piece.strip("() ,;")
        if inner:
            _read_piece(inner, bracketed, found)


def _read_piece(piece: str, bracketed: bool, found: _Info) -> None:
    head, embedded = split_embedded(piece)
    if embedded:
        found.names += [Name(head, "alias")] if head and not bracketed else []
        found.names += [Name(value, name_type) for value, name_type in embedded]
    elif _PHYSICAL_ADDRESS.match(piece):
        full = _PHYSICAL_ADDRESS.sub("", piece)
        found.addresses.append(Address(full, country=to_alpha2(full.rsplit(",", 1)[-1])))
    elif _CREDIT_CODE.match(piece):
        found.identifiers.append(Identifier("Registration Number", piece))
    elif not is_latin(piece):
        found.names.append(Name(piece, "original_script"))
    elif not bracketed and piece[0].isupper() and sum(c.isalpha() for c in piece) > 3:
        found.names.append(Name(piece, "alias"))  # another name printed bare: "# ECOGRAPH LLC"
