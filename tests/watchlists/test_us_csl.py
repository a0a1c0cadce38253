"""US Consolidated Screening List CSV parser, 2025 (with ``_id``) and 2019 layouts.

Expectations on real entries were read from ../shared/data/watchlists/us_csl/ (two excerpts,
never copied into the repository); the tests skip with a reason when they are absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from watchlists_support import WATCHLISTS, parse_error, parsed_file, read

from watchlists.parsers.us_csl import list_code, parse
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport

CSL = WATCHLISTS / "us_csl"
CURRENT = CSL / "sample_2025-06" / "consolidated.csv"
OLD = CSL / "sample_2019" / "csl.csv"
COLUMNS_2019 = (
    "source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,"
    "end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,"
    "gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,"
    "dates_of_birth,nationalities,places_of_birth,source_information_url,ids\n"
)


def parsed(path: Path) -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, path)


def old_row(**fields: str) -> str:
    names = COLUMNS_2019.strip().split(",")
    return ",".join(f'"{fields.get(name, "")}"' for name in names) + "\n"


# --- the 2025 excerpt --------------------------------------------------------------------------


def test_current_excerpt_counts() -> None:
    entries, report = parsed(CURRENT)
    assert len(entries) == 13  # README: 13 records, ids unique
    assert sorted({e.properties["list"][0] for e in entries.values()}) == sorted(
        ["SDN", "SSI", "FSE", "EL", "MEU", "UVL", "DPL", "ISN", "DTC", "PLC"]
    )
    kinds = [e.kind for e in entries.values()]
    assert (kinds.count("person"), kinds.count("organization"), kinds.count("unknown")) == (4, 6, 3)
    assert report.counts == {"embedded_names": 1}  # the ISN "…; and any successor …" clause
    assert report.published_at is None


def test_sdn_person_with_passport_gender_and_sanctions_information() -> None:
    item = parsed(CURRENT)[0]["52291"]
    assert item.kind == "person"
    assert item.names == (Name("RIM, Ryong Nam", "primary"),)
    assert item.programs == ("NPWMD",)
    assert item.addresses == (Address("Shenyang, CN", country="CN"), Address("Pyongyang, KP", country="KP"))
    assert item.nationalities == ("KP",) and item.countries == ("KP", "CN")
    assert item.birth_dates == ("1978-12-05",)
    assert item.identifiers == (Identifier("Passport", "836238033", "KP"),)
    assert item.properties["gender"] == ("Male",)
    assert item.properties["sanctions_information"] == (
        "Secondary sanctions risk:, North Korea Sanctions Regulations, sections 510.201 and 510.210",
        "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions:, "
        "North Korea Sanctions Regulations section 510.214",
    )
    assert item.properties["list"] == ("SDN",)


def test_ssi_entity_with_registration_email_and_alias() -> None:
    item = parsed(CURRENT)[0]["18300"]
    assert item.kind == "organization"
    assert item.names == (Name("ROSNEFT TRADE LIMITED", "primary"), Name("TNK TRADE LIMITED", "alias"))
    assert item.identifiers == (Identifier("Registration ID", "C122790"),)
    assert item.properties["email"] == ("hrm@rosneft-sh.com.cy",)
    assert item.addresses[0].country == "CY"
    assert item.programs == ("UKRAINE-EO13662",)
    assert item.remarks is not None and item.remarks.startswith("For more information on directives")


def test_entity_list_aliases_and_addresses_drop_the_leading_and() -> None:
    item = parsed(CURRENT)[0]["99ed1b052fdb09695fae1ba87516d8a0882b0df04652e07aeb5ce7be"]
    assert item.kind == "organization"  # no type column value; "Corporation", "Institute"
    assert item.names[-1] == Name("CETC Research Institute 13", "alias")  # printed "; and CETC …"
    assert len(item.names) == 7
    assert [a.full for a in item.addresses][:2] == [
        "113 Hezuo Road, Shijiazhuang, Hebei, China",
        "21 Changsheng Street, Shijiazhuang, Hebei, China",  # printed "; and 21 Changsheng …"
    ]
    assert item.countries == ("CN",)
    assert item.listed_on == "2018-08-01"
    assert item.properties["federal_register_notice"] == ("83 FR 37423; 87 FR 77505",)


def test_isn_successor_clause_gives_an_alias() -> None:
    item = parsed(CURRENT)[0]["233a4d725770c81fb561ffe3842c14010c2201971d6be62eca1e613b"]
    assert item.names == (
        Name(
            "Sinobright Import and Export Company; and any successor, sub-unit, or subsidiary thereof",
            "primary",
        ),
        Name("Sinobright Import and Export Company", "alias"),
    )
    assert item.programs == ("INKSNA",) and item.listed_on == "2023-07-19"


# --- the 2019 excerpt --------------------------------------------------------------------------


def test_old_excerpt_counts() -> None:
    entries, report = parsed(OLD)
    # README: 115 records. Without an _id the BIS rows are keyed by list and name, and the
    # excerpt repeats two parties on several rows (different addresses): AL NASER WINGS
    # AIRLINES twice on the DPL, Gunther Migeotte five times on the Entity List. 115 - 5.
    assert len(entries) == 110
    assert report.counts == {"merged_row": 5, "c1_control_repaired": 2}
    migeotte = next(e for e in entries.values() if e.primary_name == "Gunther Migeotte")
    assert migeotte.entry_id.startswith("EL-") and len(migeotte.addresses) == 8
    assert {a.country for a in migeotte.addresses} == {"ZA", "NO"}


def test_old_layout_ids_are_country_number_type() -> None:
    item = parsed(OLD)[0]["SDN-20264"]
    assert item.names == (Name("200G PSA HOLDINGS LLC", "primary"),)
    assert item.identifiers == (Identifier("Tax ID No.", "80-0890696", "US"),)
    assert item.addresses == (Address("80 SW 8th Street Suite 2000, Miami, FL, 33130, US", country="US"),)
    assert item.programs == ("SDNTK",) and item.kind == "organization"


def test_vessels_imo_and_former_flag() -> None:
    tanker = parsed(OLD)[0]["SDN-27304"]
    assert tanker.kind == "vessel"
    assert tanker.names == (Name("ADRIAN DARYA 1", "primary"), Name("GRACE 1", "alias"))
    assert tanker.identifiers == (Identifier("imo", "9116412", note="Vessel Registration Identification"),)
    assert tanker.properties["former_vessel_flag"] == ("Panama",)
    assert tanker.properties["vessel_type"] == ("Crude Oil Tanker",)
    assert tanker.properties["vessel_flag"] == ("Iran",)
    ship = parsed(OLD)[0]["SDN-23156"]
    assert ship.identifiers == (Identifier("imo", "8898831", note="Vessel Registration Identification"),)
    assert ship.remarks == "(Linked To: YUSONG SHIPPING CO)"


def test_c1_control_character_is_read_as_cp1252() -> None:
    item = next(e for e in parsed(OLD)[0].values() if e.primary_name == "A. Leib Ltd.")
    assert item.addresses == (Address("HA’Assif 19, Binyamina, IL", country="IL"),)  # printed "HA\x92Assif"
    assert item.entry_id.startswith("EL-") and item.listed_on == "2016-06-21"


def test_hash_keys_are_stable_and_distinct_per_list() -> None:
    first = [e.entry_id for e in parse(read(OLD))]
    assert first == [e.entry_id for e in parse(read(OLD))]
    assert len(set(first)) == len(first)
    assert list_code("Entity List (EL) - Bureau of Industry and Security") == "EL"


# --- broken input ------------------------------------------------------------------------------


def test_truncated_file_raises_with_its_line() -> None:
    data = read(OLD)
    cut = data.index(b"http://bit.ly", 20000) + 5  # inside a quoted URL field
    error = parse_error(parse, data[:cut])
    assert error.source == "us_csl"
    assert error.location is not None and error.location.startswith("line ")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"id,name\n1,A\n", "missing column"),
        ((COLUMNS_2019 + old_row(source="Entity List (EL) - X", name="  ")).encode(), "row without name"),
        ((COLUMNS_2019 + '"a","b"\n').encode(), "2 fields"),
        (b"\x1f\x8b\x08\x08gzip\xff", "not UTF-8"),
    ],
    ids=["wrong-header", "no-name", "short-row", "gzip"],
)
def test_wrong_format_raises_parse_error(data: bytes, message: str) -> None:
    parse_error(parse, data, match=message)


def test_untyped_rows_and_hash_key_merge() -> None:
    data = COLUMNS_2019
    data += old_row(source="Denied Persons List (DPL) - BIS", name="JOHN DOE", addresses="1 A ST, X, TX, 1")
    data += old_row(source="Denied Persons List (DPL) - BIS", name="john  doe", addresses="2 B ST, Y, CA")
    data += old_row(source="Entity List (EL) - BIS", name="JOHN DOE", dates_of_birth="someday")
    report = ParseReport()
    dpl, el = parse(data.encode(), report)
    assert dpl.entry_id.startswith("DPL-") and el.entry_id.startswith("EL-")
    assert dpl.kind == "unknown" and len(dpl.addresses) == 2
    assert dpl.addresses[1].country == "CA"  # a 2019 BIS state code reads as a country: known limit
    assert report.counts == {"merged_row": 1, "unparsed_birth_date": 1}
