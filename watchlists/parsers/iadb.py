"""Parse the IDB sanctioned firms and individuals XLSX export (source id ``iadb_sanctions``).

One sheet ("Export"): a header row (Title, Entity, Nationality, Country, From, To,
Grounds, Source, IDB Sanction Type, IDB Sanction Source, Other Name), one row per
sanction. The exporter writes cells without ``r=`` references; `watchlists.xlsx` places
them by position. Choices made where the publisher is loose:

* The list has no id, so ``entry_id`` is the Title as printed with whitespace (including
  the trailing no-break spaces some titles carry) collapsed; it is also the primary
  name, as the eval index expects. Rows sharing a Title merge into one entry.
* The last row is the export's filter note in Polish ("Zastosowane filtry: From Date jest
  dnia marca 23, 2007 lub później" = "Applied filters: From Date on or after March 23,
  2007"): a row with nothing but a Title mentioning "filtr" is skipped and counted as
  ``export_filter_note``. Blank rows are skipped (``blank_row``).
* A Title packing other names ("X (also known as Y)", "X (Previously known as Y)", "X
  (doing business as Y)") stays the primary as printed; X and Y are added as ``alias`` /
  ``former``. Other brackets ("(BMR)", "(“Timir”)") stay part of the name.
* Other Name: a non-Latin value is an ``original_script`` name (a comma-separated list of
  them is split), a Latin one an ``alias``.
* Entity "Firm" -> organization, "Individual" -> person; anything else is ``unknown``
  (``unknown_entity_type``).
* Nationality is the sanctioned party's country (``countries``, and ``nationalities`` for
  individuals); "Regional" is a placeholder. Country, the country where the sanctioned
  practice took place, is kept as printed in ``properties["sanction_country"]``.
* From / To ("Jul 03, 2024") are read month first; ``listed_on`` is the earliest From.
  To "Ongoing" has no date: it goes to ``properties["ineligibility_status"]``.
* Grounds (" Fraud, Collusion") are split on commas into ``programs``. Source ("WBG cross
  debarment"), IDB Sanction Type and IDB Sanction Source go to properties.
"""

from __future__ import annotations

from collections.abc import Iterator

from watchlists.dates import parse_date
from watchlists.errors import ParseError
from watchlists.parsers._common import is_latin, unique
from watchlists.parsers._sheets import country_codes, headed_rows, split_embedded, text
from watchlists.types import EntityKind, ListEntry, Name, ParseReport

SOURCE = "iadb_sanctions"
_COLUMNS = (
    "Title", "Entity", "Nationality", "Country", "From", "To", "Grounds", "Source",
    "IDB Sanction Type", "IDB Sanction Source", "Other Name",
)  # fmt: skip
_KINDS: dict[str, EntityKind] = {"firm": "organization", "individual": "person"}
_PROPERTIES = {
    "Country": "sanction_country",
    "Source": "sanction_source",
    "IDB Sanction Type": "idb_sanction_type",
    "IDB Sanction Source": "idb_sanction_source",
}

Record = dict[str, str]


def parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per distinct Title of the IDB export.

    Raises:
        ParseError: an unreadable workbook, a header without the expected columns, or a
            data row with details but no Title.
    """
    report = report if report is not None else ParseReport()
    columns, rows = headed_rows(data, SOURCE, _COLUMNS)
    merged: dict[str, list[Record]] = {}
    for number, row in rows:
        record = {name: text(row[index]) if index < len(row) else "" for name, index in columns.items()}
        title = record["Title"]
        if not any(record.values()):
            report.count("blank_row")
        elif title and not any(v for k, v in record.items() if k != "Title") and "filtr" in title.casefold():
            report.count("export_filter_note")
        elif not title:
            raise ParseError(SOURCE, "row has no Title", f"row {number}")
        else:
            merged.setdefault(title, []).append(record)
    for title, records in merged.items():
        if len(records) > 1:
            report.count("merged_rows", len(records) - 1)
        yield _entry(title, records, report)


def _entry(title: str, records: list[Record], report: ParseReport) -> ListEntry:
    """One entry from the rows sharing a Title."""

    def values(name: str) -> tuple[str, ...]:
        return unique(record[name] for record in records)

    kind = _kind(values("Entity"), report)
    nationality = [code for value in values("Nationality") for code in country_codes(value, report)]
    dates_from = [_date(v, report) for v in values("From")]
    dates_to = [_date(v, report) for v in values("To") if v.casefold() != "ongoing"]
    listed = sorted(d for d in dates_from if d)
    properties = {key: values(column) for column, key in _PROPERTIES.items()}
    properties["ineligible_from"] = unique(dates_from)
    properties["ineligible_to"] = unique(dates_to)
    properties["ineligibility_status"] = unique(v for v in values("To") if v.casefold() == "ongoing")
    return ListEntry(
        source=SOURCE,
        entry_id=title,
        kind=kind,
        names=_names(title, values("Other Name")),
        countries=unique(nationality),
        nationalities=unique(nationality) if kind == "person" else (),
        programs=unique(part.strip() for value in values("Grounds") for part in value.split(",")),
        listed_on=listed[0] if listed else None,
        properties={key: value for key, value in properties.items() if value},
    )


def _kind(printed: tuple[str, ...], report: ParseReport) -> EntityKind:
    """organization / person from Entity; several different values are counted."""
    if len(printed) > 1:
        report.count("conflicting_entity_type")
    kind = _KINDS.get(printed[0].casefold()) if printed else None
    if kind is None:
        report.count("unknown_entity_type")
        return "unknown"
    return kind


def _names(title: str, other_names: tuple[str, ...]) -> tuple[Name, ...]:
    """The printed Title, the names it packs, and the Other Name values."""
    names = [Name(title, "primary")]
    head, embedded = split_embedded(title)
    names += [Name(head, "alias")] if embedded and head else []
    names += [Name(value, name_type) for value, name_type in embedded]
    for other in other_names:
        if is_latin(other):
            names.append(Name(other, "alias"))
        else:
            names += [Name(part.strip(), "original_script") for part in other.split(",") if part.strip()]
    found: dict[str, Name] = {}
    for name in names:
        found.setdefault(name.value, name)
    return tuple(found.values())


def _date(value: str, report: ParseReport) -> str | None:
    """A printed "Jul 03, 2024" date as ISO; unreadable ones are counted."""
    date = parse_date(value, day_first=False)
    if value and date is None:
        report.count("invalid_date")
    return date
