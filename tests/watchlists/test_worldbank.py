"""World Bank ineligible firms and individuals: the XLSX export and the JSON feed.

Expectations on real entries were read from ../shared/data/watchlists/worldbank/
world_bank_listing_of_ineligible_firms_and_individuals.xlsx (skipped when absent); the
eval key set comes from ../shared/eval/index_keys.jsonl. The JSON feed has no stored
snapshot, so its tests use inline documents with the feed's field names.
"""

from __future__ import annotations

import json

import pytest
from watchlists_support import (
    WATCHLISTS,
    eval_key,
    eval_kinds_by_key,
    parse_error,
    parsed_file,
    read,
    truncated,
)

from watchlists.parsers.worldbank import parse, parse_json
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport
from watchlists.xlsx import read_rows

WORKBOOK = WATCHLISTS / "worldbank" / "world_bank_listing_of_ineligible_firms_and_individuals.xlsx"


def parsed() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, WORKBOOK, distinct_ids=True)


def entry(entry_id: str) -> ListEntry:
    return parsed()[0][entry_id]


# --- the real file ---------------------------------------------------------------------------------


def test_counts_and_publication_date() -> None:
    rows = list(read_rows(read(WORKBOOK)))
    assert len(rows) - 3 == 1_285  # firm rows after the download stamp and the two-row header
    entries, report = parsed()
    assert len(entries) == 1_222  # rows sharing a Firm Name merge
    assert report.published_at == "2025-01-07"  # "Downloaded on: 07/01/2025 10:37"
    assert report.counts == {"merged_rows": 63}


def test_keys_match_the_eval_index() -> None:
    expected = eval_kinds_by_key("worldbank_debarred")
    entries = parsed()[0]
    assert {eval_key(k) for k in entries} == set(expected)
    assert all(e.entry_id == e.primary_name for e in entries.values())
    # The index's informational kind only knows "Mr./Ms./Md./Dr. "; the parser also reads
    # "Dr." without a space and "Eng."/"Engr." as honorifics.
    differences = {
        k: (expected[eval_key(k)], e.kind) for k, e in entries.items() if expected[eval_key(k)] != e.kind
    }
    assert differences == {
        "DR.HANS PETER SCHÖNE": ("organization", "person"),
        "ENG. JOSE PALAC": ("organization", "person"),
        "ENGR. INNOCENT O. DIYOKE": ("organization", "person"),
    }


def test_individual_with_reference_marker() -> None:
    item = entry("MR. RUFAT MAJIDOV")  # row 4
    assert item.kind == "person" and item.source == "worldbank_debarred"
    assert item.names == (Name("MR. RUFAT MAJIDOV", "primary"), Name("RUFAT MAJIDOV", "alias"))
    assert item.addresses == (
        Address("BINAGADI HIGHWAY, MADAN STREET 4 AZ1053, BAKU, Azerbaijan", country="AZ"),
    )
    assert item.countries == ("AZ",) and item.nationalities == ()
    assert item.programs == ("Obstructive Practices",)
    assert item.listed_on == "2024-12-10"
    assert item.properties == {
        "additional_firm_info": ("*677",),
        "reference_marker": ("*677",),
        "ineligible_from": ("2024-12-10",),
        "ineligible_to": ("2027-08-09",),
    }


def test_five_rows_of_one_name_merge() -> None:
    item = entry("ĐOÀN ANH DŨNG")  # rows 592, 598, 601, 603, 604: one address each
    assert item.names == (Name("ĐOÀN ANH DŨNG", "primary"),)
    assert item.kind == "organization"  # no honorific: the heuristic cannot tell
    assert len(item.addresses) == 5 and item.addresses[-1] == Address(
        "XOM BO, COMMUNE THANH LIET, DISTRICT THANH TRI, HANOI, Viet Nam", country="VN"
    )
    assert item.programs == ("Cross Debarment: ADB",) and item.listed_on == "2021-06-14"
    assert item.properties["ineligible_to"] == ("2026-08-17",)


def test_additional_firm_info_names_and_numbers() -> None:
    lotte = entry("LOTTE DATA COMMUNICATIONS COMPANY LIMITED")  # row 427
    assert lotte.names[1:] == (Name("Lotte Innovate Company, Limited", "alias"),)  # "(now known as ...)"
    assert lotte.identifiers == (Identifier("Registration Number", "110111-6557114"),)
    assert lotte.addresses[0].country == "KR"  # "Korea, Republic of"
    assert lotte.properties["reference_marker"] == ("*623",)
    xccg = entry("XINJIANG COMMUNICATION CONSTRUCTION MUNICIPAL ENGINEERING CO., LTD.")  # row 305
    assert xccg.names[1:] == (
        Name("XCCG Municipal Works Construction Co., Ltd.", "former"),
        Name("新疆交建市政工程有限责任公司", "original_script"),
    )
    assert xccg.identifiers == (Identifier("Registration Number", "91650104576202641Q"),)
    assert xccg.programs == ("Controlled Affiliate of a Sanctioned Entity",)


def test_firm_names_packing_other_names_stay_as_printed() -> None:
    item = entry("MR. G.I.P. GUNATHILAKE A.K.A. INDRALAL GUNATHILAKE")
    assert item.primary_name == "MR. G.I.P. GUNATHILAKE A.K.A. INDRALAL GUNATHILAKE"
    assert [n.value for n in item.names[1:]] == [
        "MR. G.I.P. GUNATHILAKE",
        "INDRALAL GUNATHILAKE",
        "G.I.P. GUNATHILAKE",
    ]
    assert item.properties["permanent"] == ("true",) and item.properties["ineligible_to"] == ("2999-12-31",)
    elmcrest = entry("ELMCREST GROUP LIMITED, FORMERLY KNOWN AS LANDMARC LIMITED")
    assert Name("LANDMARC LIMITED", "former") in elmcrest.names


def test_no_name_carries_a_reference_marker() -> None:
    entries = parsed()[0].values()
    assert not [e.entry_id for e in entries if "*" in e.entry_id]
    assert sum(1 for e in entries if "reference_marker" in e.properties) == 626  # names with a "*NNN" info
    assert all(len(c) == 2 for e in entries for c in e.countries)


# --- the JSON feed ---------------------------------------------------------------------------------


def feed(*rows: object) -> bytes:
    return json.dumps({"response": {"ZPROCSUPP": list(rows)}}).encode()


FIRM = {
    "SUPP_ID": 12345,
    "SUPP_NAME": "ACME CONSTRUCTION LTD.",
    "ADD_SUPP_INFO": "(f.k.a. ACME BUILDERS LTD.) *601",
    "SUPP_ADDR": "1 MAIN ROAD",
    "SUPP_CITY": "LAGOS",
    "SUPP_STATE_CODE": "",
    "SUPP_ZIP_CODE": "100001",
    "COUNTRY_NAME": "Nigeria",
    "LAND1": "NG",
    "DEBAR_FROM_DATE": "2020-03-01",
    "DEBAR_TO_DATE": "2999-12-31",
    "DEBAR_REASON": "Fraudulent Practices.",
    "INELIGIBLY_STATUS": "Permanent",
    "SUPP_TYPE_CODE": "F",
    "LAST_REFRESH_DATE": "2025-01-06",
}


def test_json_feed_rows() -> None:
    person = {
        **{"SUPP_NAME": "JOHN DOE", "SUPP_TYPE_CODE": "I", "COUNTRY_NAME": "Kenya", "LAND1": None},
        **{"DEBAR_FROM_DATE": "2019-05-02", "DEBAR_TO_DATE": "2024-05-01", "DEBAR_REASON": "Collusion"},
    }
    report = ParseReport()
    firm, individual = parse_json(
        feed(FIRM, {**FIRM, "SUPP_ID": 12346, "DEBAR_FROM_DATE": "2018-01-01"}, person), report
    )
    assert firm.entry_id == "ACME CONSTRUCTION LTD." and firm.kind == "organization"
    assert firm.names == (Name("ACME CONSTRUCTION LTD.", "primary"), Name("ACME BUILDERS LTD.", "former"))
    assert firm.addresses == (
        Address("1 MAIN ROAD, LAGOS, 100001, Nigeria", "1 MAIN ROAD", "LAGOS", None, "100001", "NG"),
    )
    assert firm.programs == ("Fraudulent Practices",) and firm.listed_on == "2018-01-01"
    assert firm.properties["supp_id"] == ("12345", "12346")
    assert firm.properties["permanent"] == ("true",) and firm.properties["reference_marker"] == ("*601",)
    assert individual.kind == "person" and individual.countries == ("KE",)  # SUPP_TYPE_CODE "I"
    assert report.published_at == "2025-01-06" and report.counts == {"merged_rows": 1}


@pytest.mark.parametrize(
    ("data", "message", "location"),
    [
        (b'{"response": {"ZPROCSUPP": [', "malformed JSON", "line 1, column 29"),
        (b'{"response": []}', "no list at response.ZPROCSUPP", "response.ZPROCSUPP"),
        (b"[]", "no list at response.ZPROCSUPP", "response.ZPROCSUPP"),
        (feed(FIRM, {"SUPP_NAME": ""}), "SUPP_NAME", "response.ZPROCSUPP[1]"),
        (feed(FIRM, "not an object"), "SUPP_NAME", "response.ZPROCSUPP[1]"),
        (b'{"a": "\xff"}', "JSON is not UTF-8", "byte 7"),
    ],
)
def test_json_that_is_not_the_feed(data: bytes, message: str, location: str) -> None:
    error = parse_error(parse_json, data, match=message)
    assert error.source == "worldbank_debarred" and error.location == location


# --- broken input ----------------------------------------------------------------------------------


def test_truncated_or_foreign_workbook() -> None:
    error = parse_error(parse, truncated(WORKBOOK))
    assert error.source == "worldbank_debarred"
    other = read(WATCHLISTS / "idb" / "Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx")
    parse_error(parse, other, match="no header row starting with 'Firm Name'")
