"""OpenSanctions exports: FollowTheMoney JSON lines and targets.simple.csv.

Expectations on real entries were read from ../shared/data/watchlists/opensanctions/
(never copied into the repository); the tests skip with a reason when it is absent.
Streams exercising address resolution and broken input are built inline.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from watchlists_support import WATCHLISTS, parse_error, parsed_file, read

from watchlists.parsers.opensanctions import parse_ftm, parse_targets_csv
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport

OS_DIR = WATCHLISTS / "opensanctions"
FTM = OS_DIR / "entities.ftm.json"
TARGETS = OS_DIR / "targets.simple.csv"
CSV_HEADER = (
    '"id","schema","name","aliases","birth_date","countries","addresses","identifiers","sanctions",'
    '"phones","emails","program_ids","dataset","first_seen","last_seen","last_change"\n'
)


def ftm() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse_ftm, FTM)


def targets() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse_targets_csv, TARGETS)


def stream(*entities: dict[str, Any]) -> bytes:
    return "\n".join(json.dumps(e, ensure_ascii=False) for e in entities).encode()


# --- FtM: the real stream ----------------------------------------------------------------------


def test_ftm_counts_and_skips() -> None:
    entries, report = ftm()
    schemas = [e.properties["schema"][0] for e in entries.values()]
    # README: 7 entities, Person 4, Organization 2, Address 1.
    assert (schemas.count("Person"), schemas.count("Organization"), len(entries)) == (4, 2, 6)
    # The Address is not a list entry; the two organisations' addressEntity ids do not
    # appear in this excerpt (the Address in it is referenced by neither).
    assert report.counts == {"skipped_schema_Address": 1, "unresolved_address": 2}
    assert report.published_at == "2024-06-01T10:57:03"


def test_ftm_organisation_in_twelve_languages() -> None:
    item = ftm()[0]["NK-2GdmHtZTeNXjNVrBGEXZNj"]
    assert item.kind == "organization"
    assert item.names[0] == Name("RAB „Inter Tobacco“", "primary")  # the caption first
    assert len(item.names) == 12 and {n.type for n in item.names} == {"primary"}
    assert Name("Общество с ограниченной ответственностью “Интер Тобако”", "primary") in item.names
    assert item.countries == ("BY",)
    assert item.identifiers == (Identifier("registrationNumber", "808000714"),)
    assert item.programs == ("sanction",)
    assert item.listed_on == "2022-06-03"
    assert item.remarks == "Belarus (Minsk Free Economic Zone)"
    assert item.url == "https://www.opensanctions.org/entities/NK-2GdmHtZTeNXjNVrBGEXZNj/"
    assert item.addresses == ()
    assert item.properties["datasets"] == ("eu_fsf",)


def test_ftm_person_with_tax_number_and_nationality() -> None:
    item = ftm()[0]["NK-2Ka3UvopqbpZmVDFjWd4LA"]
    assert item.kind == "person"
    assert [n.value for n in item.names] == [
        "Vitaly Yurievich KUZMENKO",
        "Vitalij Kuzmenko",
        "Виталий Юрьевич КУЗЬМЕНКО",
    ]
    assert item.identifiers == (Identifier("taxNumber", "366510784303"),)
    assert item.nationalities == ("RU",) and item.countries == ("RU",)
    assert item.birth_dates == ("1971-01-22",)
    assert item.properties["position"] == ("General Director of JSC 163 Armor Repair Plant",)
    assert item.properties["gender"] == ("male",)
    assert item.listed_on == "2024-02-23"


def test_ftm_person_with_birth_place_and_title() -> None:
    item = ftm()[0]["NK-2Myxbs6wX9xFKGoQn3sLaY"]
    assert item.primary_name == "Viktor Vladimirovitj Sojko"
    assert item.birth_places == ("BELARUS, Komsomolskaya",)
    assert item.birth_dates == ("1971-07-03",)
    assert item.properties["title"] == ("Colonel",)
    assert item.countries == ("BY",) and item.nationalities == ("BY",)


# --- FtM: built streams ------------------------------------------------------------------------


def test_ftm_resolves_addresses_and_maps_name_types() -> None:
    data = stream(
        {"id": "v1", "schema": "Vessel", "properties": {
            "name": ["SEA STAR"], "previousName": ["OLD STAR"], "imoNumber": ["IMO9123456"],
            "addressEntity": ["addr-x", "addr-missing"], "flag": ["pa"]}},
        {"id": "p1", "schema": "Person", "properties": {
            "name": ["Jane Roe"], "alias": ["J. Roe"], "weakAlias": ["Janie"],
            "citizenship": ["gb"], "country": ["fr"], "addressEntity": ["a1"]}},
        {"id": "a1", "schema": "Address", "referents": ["addr-x"],
         "properties": {"full": ["1 Main St, Paris"]}},
        {"id": "s1", "schema": "Sanction", "properties": {"entity": ["p1"]}},
        {"id": "p2", "schema": "Person", "target": False, "properties": {"name": ["Relative"]}},
    )  # fmt: skip
    report = ParseReport()
    vessel, person = parse_ftm(data, report)
    assert vessel.kind == "vessel"
    assert vessel.names == (Name("SEA STAR", "primary"), Name("OLD STAR", "former"))
    assert vessel.identifiers == (Identifier("imo", "9123456"),)
    assert vessel.addresses == (Address("1 Main St, Paris"),)  # resolved through a referent
    assert person.names == (Name("Jane Roe"), Name("J. Roe", "alias"), Name("Janie", "weak_alias"))
    assert person.addresses == (Address("1 Main St, Paris"),)  # resolved by id, defined later
    assert person.countries == ("FR", "GB") and person.nationalities == ("GB",)
    assert report.counts == {
        "unresolved_address": 1,
        "skipped_schema_Address": 1,
        "skipped_schema_Sanction": 1,
        "non_target_entity": 1,
    }


@pytest.mark.parametrize(
    ("data", "message", "location"),
    [
        (b'{"id": "a", "schema": "Person", "properties": {}}\n{"id": "b", "sch', "not JSON", "line 2"),
        (b'{"id": "a", "properties": {}}', "id and schema required", "line 1"),
        (b"[1, 2]", "id and schema required", "line 1"),
        (b'{"id": "a", "schema": "Person", "properties": {"name": "X"}}', "lists", "line 1"),
    ],
    ids=["truncated", "no-schema", "not-an-object", "scalar-property"],
)
def test_ftm_broken_input_names_the_line(data: bytes, message: str, location: str) -> None:
    error = parse_error(parse_ftm, data, match=message)
    assert error.location == location


# --- targets.simple.csv ------------------------------------------------------------------------


def test_targets_counts_by_schema() -> None:
    entries, report = targets()
    schemas = [e.properties["schema"][0] for e in entries.values()]
    counts = {s: schemas.count(s) for s in ("Person", "Company", "Vessel", "LegalEntity")}
    assert counts == {"Person": 1543, "Company": 1524, "Vessel": 1340, "LegalEntity": 1193}
    assert len(entries) == 5600
    kinds = [e.kind for e in entries.values()]
    assert (kinds.count("person"), kinds.count("organization"), kinds.count("vessel")) == (1543, 2717, 1340)
    assert report.published_at == "2026-03-13T05:41:01"
    assert report.counts == {}


def test_targets_vessel() -> None:
    item = targets()[0]["NK-24cf2zYe7LEKhr2zFck73j"]
    assert item.kind == "vessel"
    assert item.names == (
        Name("ROSALIN"),
        Name("Ceram Sea", "alias"),
        Name("Gold Sun", "alias"),
        Name("Nurkez", "alias"),
    )
    assert item.countries == ("LR", "PA", "SG", "ST")
    assert item.identifiers == (Identifier("imo", "9253325"),)
    assert item.programs == ("UA-WS-MARE",)
    assert item.remarks is None  # the sanctions cell holds one empty quoted value
    assert item.url == "https://www.opensanctions.org/entities/NK-24cf2zYe7LEKhr2zFck73j/"
    assert item.properties["last_change"] == ("2026-02-24T05:42:24",)


def test_targets_person_with_cyrillic_aliases() -> None:
    item = targets()[0]["NK-26WkuEefVYLmYk8aTHMC9E"]
    assert item.kind == "person"
    assert item.names == (
        Name("IVAKHA Denis Vladimirovich"),
        Name("ІВАХА Денис Володимирович", "alias"),
        Name("ИВАХА Денис Владимирович", "alias"),
    )
    assert item.nationalities == () and item.countries == ()
    assert item.programs == ("UA-WS-EXECUTIVES",)


def test_targets_quoted_values_inside_multi_valued_cells() -> None:
    nikea = targets()[0]["NK-2JjbBAi4RKwEY5JEyFMzXn"]
    assert nikea.names == (
        Name('ANO CENTER "NIKEA"'),
        Name(
            'AUTONOMOUS NON-PROFIT ORGANIZATION "CENTER FOR PROMOTION OF THE DEVELOPMENT OF '
            'EDUCATIONAL AND SOCIAL INITIATIVES "NIKEA"',
            "alias",
        ),
    )
    assert nikea.identifiers == (Identifier("id", "1147799017343"), Identifier("id", "7708241920"))
    plant = targets()[0]["NK-28mqu8V3AzembAmAfehWPd"]
    assert plant.kind == "organization" and plant.properties["schema"] == ("LegalEntity",)
    assert plant.addresses == (
        Address("141321, Moscow region, Sergiev Posad, Krasnozavodsk, Rdultovskogo square, 1"),
    )
    assert plant.remarks is not None
    assert plant.remarks.startswith("A russian developer of pyrotechnic products.")
    assert plant.remarks.split("\n")[1].startswith("It is part of the russian state corporation Rostec.")


def test_targets_truncated_file_raises() -> None:
    data = read(TARGETS)
    cut = data.index(b"A russian developer") + 10
    error = parse_error(parse_targets_csv, data[:cut], match="unterminated quoted field")
    line = data[:cut].count(b"\n") + 1  # the record starts on the line that is cut
    assert error.location == f"line {line}"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ('"x1","Address","Some St","","","","","","","","","","d","","",""\n', "not a target schema"),
        ('"","Person","Name","","","","","","","","","","d","","",""\n', "without id or name"),
        ('"x1","Person","A","","","","","","","","","","d","","",""\n' * 2, "x1 repeated"),
        ('"x1","Person"\n', "2 fields"),
    ],
    ids=["other-schema", "no-id", "repeated-id", "short-row"],
)
def test_targets_broken_rows_name_the_line(rows: str, message: str) -> None:
    error = parse_error(parse_targets_csv, (CSV_HEADER + rows).encode(), match=message)
    assert error.location in {"line 2", "line 3"}


def test_targets_wrong_header() -> None:
    error = parse_error(parse_targets_csv, b"id,caption\n1,x\n", match="missing column")
    assert error.location == "header"
