"""Parse OpenSanctions exports: FollowTheMoney JSON lines and ``targets.simple.csv``.

Two formats, two functions (source id ``opensanctions``; the service re-labels entries
with the configured id of the dataset it loads):

``parse_ftm`` reads ``entities.ftm.json``, one FtM entity per line
(``{id, schema, properties: {prop: [values]}, target, …}``):

* Schemas Person -> person; Company, Organization, LegalEntity -> organization; Vessel
  -> vessel; Airplane -> aircraft. Other schemas (Address, Sanction, Ownership, …) are
  not list entries: they are skipped and counted (``skipped_schema_<Schema>``), as are
  entities marked ``"target": false`` (``non_target_entity``).
* ``entry_id`` is the FtM id; ``url`` the entity's page on opensanctions.org.
* Names: ``name`` -> primary (the caption first), ``alias`` -> alias, ``weakAlias`` ->
  weak_alias, ``previousName`` -> former. FtM does not tag languages, so ``lang`` is None.
* ``country``, ``nationality``, ``citizenship`` (lower-case ISO codes) are upper-cased
  countries; nationality and citizenship are also a person's nationalities.
* idNumber, registrationNumber, taxNumber, innCode, ogrnCode, leiCode, swiftBic,
  passportNumber and imoNumber are identifiers, typed by their FtM property name (imoNumber
  -> "imo", without the "IMO" prefix).
* ``addressEntity`` ids are resolved to the ``full`` string of Address entities found
  anywhere in the stream (by id or by one of its ``referents``); unresolved ids are
  counted (``unresolved_address``). Plain ``address`` values are addresses too.
* ``program``, ``programId`` and ``topics`` are programs; ``notes`` the remarks;
  ``createdAt`` (the listing date, for sanctions datasets) is ``listed_on``; birthDate
  and birthPlace are birth dates and places; position, title, gender, datasets and the
  seen dates go to properties.
* ``report.published_at`` is the latest ``last_seen`` (the export's run).

``parse_targets_csv`` reads ``targets.simple.csv`` (id, schema, name, aliases,
birth_date, countries, addresses, identifiers, sanctions, phones, emails, program_ids,
dataset, first_seen, last_seen, last_change). Each multi-valued cell is itself a
";"-separated CSV record (values holding quotes are quoted), read with the csv module.
The simple format has no alias types (every alias is ``alias``), no nationality (countries
only) and untyped identifiers ("IMO9253325" -> "imo" / "9253325", others type "id").
The sanctions texts are the remarks (separated by a blank line), program_ids the
programs; the FtM schema is ``properties["schema"]`` in both formats.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

from watchlists.errors import ParseError
from watchlists.parsers._common import collapse, decode_text, properties, unique
from watchlists.parsers._listkit import read_csv
from watchlists.types import Address, EntityKind, Identifier, ListEntry, Name, NameType, ParseReport

SOURCE = "opensanctions"
ENTITY_URL = "https://www.opensanctions.org/entities/{id}/"
SCHEMA_KINDS: dict[str, EntityKind] = {
    "Person": "person",
    "Company": "organization",
    "Organization": "organization",
    "LegalEntity": "organization",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
_NAME_PROPS: tuple[tuple[str, NameType], ...] = (
    ("name", "primary"),
    ("alias", "alias"),
    ("weakAlias", "weak_alias"),
    ("previousName", "former"),
)
_ID_PROPS = (
    "idNumber", "registrationNumber", "taxNumber", "innCode", "ogrnCode", "leiCode",
    "swiftBic", "passportNumber", "imoNumber",
)  # fmt: skip
_FTM_PROPERTIES = {
    "position": "position",
    "title": "title",
    "gender": "gender",
    "createdAt": "created_at",
}
CSV_COLUMNS = ("id", "schema", "name", "aliases", "countries", "identifiers", "sanctions")


# --- FollowTheMoney JSON lines ---------------------------------------------------------------


def parse_ftm(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per target entity of a target schema in an FtM JSON-lines stream.

    Raises:
        ParseError: not UTF-8, a line that is not a JSON object, or an entity without id,
            schema or a ``properties`` object of lists (location: the line number).
    """
    report = report if report is not None else ParseReport()
    entities = list(_ftm_entities(decode_text(SOURCE, data)))
    addresses = _address_index(entities)
    seen = [collapse(e.get("last_seen")) for e in entities]
    report.published_at = max((s for s in seen if s), default=None)
    for entity in entities:
        schema = entity["schema"]
        if schema not in SCHEMA_KINDS:
            report.count(f"skipped_schema_{schema}")
        elif entity.get("target") is False:
            report.count("non_target_entity")
        else:
            yield _ftm_entry(entity, addresses, report)


def _ftm_entities(text: str) -> Iterator[dict[str, Any]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            entity = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ParseError(SOURCE, f"not JSON: {exc.msg}", f"line {line}") from exc
        if not isinstance(entity, dict) or not entity.get("id") or not entity.get("schema"):
            raise ParseError(SOURCE, "not an FtM entity (id and schema required)", f"line {line}")
        props = entity.get("properties", {})
        if not isinstance(props, dict) or not all(isinstance(v, list) for v in props.values()):
            raise ParseError(SOURCE, "properties must map names to lists", f"line {line}")
        yield entity


def _address_index(entities: list[dict[str, Any]]) -> dict[str, str]:
    """Full address text by Address entity id and by each of its referents."""
    index: dict[str, str] = {}
    for entity in entities:
        if entity["schema"] == "Address":
            full = _values(entity, "full") or [entity.get("caption", "")]
            for key in [entity["id"], *entity.get("referents", [])]:
                index[key] = collapse(full[0])
    return index


def _values(entity: Mapping[str, Any], prop: str) -> list[str]:
    """The collapsed, non-empty string values of one FtM property."""
    return [v for v in (collapse(str(x)) for x in entity.get("properties", {}).get(prop, [])) if v]


def _ftm_entry(entity: dict[str, Any], addresses: dict[str, str], report: ParseReport) -> ListEntry:
    kind = SCHEMA_KINDS[entity["schema"]]
    countries = [c.upper() for c in _values(entity, "country")]
    nationals = [c.upper() for p in ("nationality", "citizenship") for c in _values(entity, p)]
    created = sorted(_values(entity, "createdAt"))
    return ListEntry(
        source=SOURCE,
        entry_id=entity["id"],
        kind=kind,
        names=_ftm_names(entity),
        countries=unique([*countries, *nationals]),
        nationalities=unique(nationals) if kind == "person" else (),
        identifiers=unique(_identifier(p, v) for p in _ID_PROPS for v in _values(entity, p)),
        addresses=unique(Address(full=a) for a in _ftm_addresses(entity, addresses, report)),
        birth_dates=unique(_values(entity, "birthDate")),
        birth_places=unique(_values(entity, "birthPlace")),
        programs=unique(v for p in ("program", "programId", "topics") for v in _values(entity, p)),
        listed_on=created[0][:10] if created else None,
        remarks="\n".join(unique(_values(entity, "notes"))) or None,
        url=ENTITY_URL.format(id=entity["id"]),
        properties=_ftm_properties(entity),
    )


def _ftm_names(entity: Mapping[str, Any]) -> tuple[Name, ...]:
    caption = collapse(entity.get("caption"))
    names: dict[tuple[str, str], Name] = {}
    primary = _values(entity, "name")
    if caption in primary:
        primary = [caption, *(v for v in primary if v != caption)]
    for prop, name_type in _NAME_PROPS:
        for value in primary if prop == "name" else _values(entity, prop):
            names.setdefault((value, name_type), Name(value, name_type))
    return tuple(names.values())


def _identifier(prop: str, value: str) -> Identifier:
    if prop == "imoNumber":
        return Identifier("imo", value.upper().removeprefix("IMO").strip())
    return Identifier(prop, value)


def _ftm_addresses(entity: Mapping[str, Any], index: dict[str, str], report: ParseReport) -> list[str]:
    found = _values(entity, "address")
    for ref in _values(entity, "addressEntity"):
        if ref in index:
            found.append(index[ref])
        else:
            report.count("unresolved_address")
    return found


def _ftm_properties(entity: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    found = {key: _values(entity, prop) for prop, key in _FTM_PROPERTIES.items()}
    found["schema"] = [entity["schema"]]
    found["datasets"] = [collapse(str(d)) for d in entity.get("datasets", [])]
    for key in ("first_seen", "last_seen", "last_change"):
        found[key] = [collapse(entity.get(key))]
    return properties(found)


# --- targets.simple.csv ----------------------------------------------------------------------


def parse_targets_csv(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]:
    """Yield one ListEntry per row of an OpenSanctions ``targets.simple.csv``.

    Raises:
        ParseError: not UTF-8, a missing column, a row with another number of fields,
            an unterminated quote (truncation), a row without id or name, an id repeated,
            or a schema that is not a target schema (location: the line number).
    """
    report = report if report is not None else ParseReport()
    _, rows = read_csv(SOURCE, decode_text(SOURCE, data), CSV_COLUMNS, report)
    seen: set[str] = set()
    latest = ""
    for line, row in rows:
        entry = _csv_entry(row, f"line {line}", report)
        if entry.entry_id in seen:
            raise ParseError(SOURCE, f"id {entry.entry_id} repeated", f"line {line}")
        seen.add(entry.entry_id)
        latest = max(latest, collapse(row.get("last_seen")))
        report.published_at = latest or None
        yield entry


def _csv_entry(row: dict[str, str], location: str, report: ParseReport) -> ListEntry:
    entry_id, schema, name = (collapse(row[k]) for k in ("id", "schema", "name"))
    if not entry_id or not name:
        raise ParseError(SOURCE, "row without id or name", location)
    kind = SCHEMA_KINDS.get(schema)
    if kind is None:
        raise ParseError(SOURCE, f"schema {schema!r} is not a target schema", location)
    aliases = [Name(a, "alias") for a in _cell(row, "aliases") if a != name]
    return ListEntry(
        source=SOURCE,
        entry_id=entry_id,
        kind=kind,
        names=unique([Name(name, "primary"), *aliases]),
        countries=unique(c.upper() for c in _cell(row, "countries")),
        identifiers=unique(_csv_identifier(v) for v in _cell(row, "identifiers")),
        addresses=unique(Address(full=a) for a in _cell(row, "addresses")),
        birth_dates=unique(_cell(row, "birth_date")),
        programs=unique(_cell(row, "program_ids")),
        remarks="\n\n".join(_cell(row, "sanctions", keep_lines=True)) or None,
        url=ENTITY_URL.format(id=entry_id),
        properties=_csv_properties(row),
    )


def _cell(row: Mapping[str, str], column: str, *, keep_lines: bool = False) -> list[str]:
    """The values of one multi-valued cell: a ";"-separated CSV record of its own."""
    raw = row.get(column) or ""
    if not raw.strip():
        return []
    values = [value for record in csv.reader(io.StringIO(raw, newline=""), delimiter=";") for value in record]
    if keep_lines:
        lines = ("\n".join(line.strip() for line in v.splitlines() if line.strip()) for v in values)
        return [v for v in lines if v]
    return [v for v in (collapse(value) for value in values) if v]


def _csv_identifier(value: str) -> Identifier:
    if value.upper().startswith("IMO") and value[3:].strip().isdigit():
        return Identifier("imo", value[3:].strip())
    return Identifier("id", value)


def _csv_properties(row: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    found = {key: _cell(row, key) for key in ("phones", "emails", "dataset")}
    found["schema"] = [collapse(row["schema"])]
    for key in ("first_seen", "last_seen", "last_change"):
        found[key] = [collapse(row.get(key))]
    return properties(found)
