"""US BIS Denied Persons List (tab-separated) parser.

Expectations on real entries were read from ../shared/data/watchlists/us_bis_dpl/dpl.txt
(never copied into the repository); the tests skip with a reason when it is absent.
"""

from __future__ import annotations

import pytest
from watchlists_support import WATCHLISTS, parse_error, parsed_file, read

from watchlists.parsers.us_bis_dpl import COLUMNS, parse
from watchlists.types import Address, ListEntry, Name, ParseReport

DPL = WATCHLISTS / "us_bis_dpl" / "dpl.txt"
HEADER = "\t".join(f'"{c}"' for c in COLUMNS) + "\n"


def parsed() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, DPL)


def entry(entry_id: str) -> ListEntry:
    return parsed()[0][entry_id]


def row(*fields: str) -> str:
    return "\t".join(f'"{f}"' for f in fields) + "\n"


# --- the real file ---------------------------------------------------------------------------


def test_one_entry_per_denied_party() -> None:
    entries, report = parsed()
    # README: 581 rows, 460 distinct names. " I. ASH" (leading space) and "I. ASH" are one
    # party once whitespace is collapsed, so 459 entries.
    assert len(entries) == 459
    assert report.counts["merged_row"] == 581 - 459
    kinds = [e.kind for e in entries.values()]
    assert (kinds.count("organization"), kinds.count("person"), kinds.count("unknown")) == (96, 139, 224)
    assert report.published_at is None


def test_report_counts_the_oddities() -> None:
    assert parsed()[1].counts == {
        "merged_row": 122,
        "name_whitespace_repaired": 11,  # " I. ASH", "DIETER ENDERLEIN ", "AL-NASER  AIRLINES", …
        "invalid_date": 3,  # Last_Update "0222-05-18", "2922-09-01", "3017-08-22"
        "embedded_names": 2,  # "(A.K.A. …)", "D/B/A"
        "unknown_country": 1,  # "NM" (New Mexico) printed in the Country column
    }


def test_party_on_three_rows_merges_addresses_and_citations() -> None:
    item = entry("I. ASH")
    assert item.kind == "person"  # one address is "INCARCERATED AT USM NO: 26265-177, FCI SEAGOVILLE"
    assert item.names == (Name("I. ASH", "primary"),)
    assert [a.street for a in item.addresses] == [
        "UPON THE DATE OF THE ORDER INCARCERATED AT USM NO: 26265-177, FCI SEAGOVILLE, "
        "2113 NORTH HIGHWAY 175",
        "605 TRAIL LAKE DRIVE",
        "908 AUDELIA ROAD, SUITE 200 #245",
    ]
    assert item.addresses[1] == Address(
        "605 TRAIL LAKE DRIVE, RICHARDSON, TX, 75081, US",
        street="605 TRAIL LAKE DRIVE",
        city="RICHARDSON",
        region="TX",
        postal_code="75081",
        country="US",
    )
    assert item.countries == ("US",)
    assert item.listed_on == "2002-03-04"  # earliest of 06/19/2003 and 03/04/2002
    assert item.properties["effective_date"] == ("2003-06-19", "2002-03-04")
    assert item.properties["expiration_date"] == ("2056-06-29",)
    assert item.properties["fr_citation"] == (
        "68 F.R. 38290 6/27/03",
        "71 F.R. 38843 7/10/06",
        "72 F.R. 4236 1/30/07",
        "67 F.R. 56530 9/4/02",
        "67 F.R. 10890 3/11/02",
    )
    assert item.properties["action"] == ("FEDERAL REGISTER NOTICE UPDATED", "50 YEAR DENIAL")


def test_company_with_four_addresses_in_three_countries() -> None:
    item = entry("AIR FREIGHT LTD")
    assert item.kind == "organization"
    assert item.countries == ("IQ", "AE", "JO")
    assert [a.full for a in item.addresses][2:] == [
        "P.O. BOX 28360, DUBAI, AE",
        "P.O. BOX 911399, AMMAN, 11191, JO",
    ]
    assert len(item.properties["fr_citation"]) == 15
    assert item.properties["fr_citation"][-1] == "87 F.R. 30173 5/18/2022"
    assert item.listed_on == "2022-05-13"


def test_embedded_aka_and_unknown_kind() -> None:
    pearl = entry("PEARL (A.K.A. NEI-CHIEN CHU) LI")
    assert pearl.names == (
        Name("PEARL (A.K.A. NEI-CHIEN CHU) LI", "primary"),
        Name("PEARL LI", "alias"),
        Name("NEI-CHIEN CHU", "alias"),
    )
    assert pearl.kind == "unknown"
    villa = entry("AARON ABRAHAM VILLA")
    assert villa.kind == "unknown" and villa.countries == ()  # Country printed empty
    assert villa.addresses == (
        Address("3415 RIVERA AVENUE, EL PASO, TX, 79905", "3415 RIVERA AVENUE", "EL PASO", "TX", "79905"),
    )
    assert villa.properties["expiration_date"] == ("2026-01-14",)
    assert entry("SIBERIAN AIRLINES D/B/A S7 AIRLINES").names[2] == Name("S7 AIRLINES", "alias")


def test_junk_dates_are_dropped_and_prc_is_china() -> None:
    # Each junk Last_Update is a typo on one row of a party whose other rows print the
    # real date: 4 rows of MANSOUR ZADEH, one "3017-08-22"; 4 rows of "AL-NASER  AIRLINES"
    # (two spaces), one "0222-05-18"; 2 rows of KNOKKE-HEIST, one "2922-09-01".
    assert entry("MANSOUR ZADEH").properties["last_update"] == ("2017-08-22",)
    assert entry("AL-NASER AIRLINES").properties["last_update"] == ("2022-05-18",)
    assert entry("KNOKKE-HEIST SUPPORT CORPORATION MANAGEMENT").properties["last_update"] == ("2022-09-01",)
    assert entry("MANSOUR ZADEH").properties["effective_date"] == ("2017-08-10",)
    assert entry("JOHNSON HU").countries == ("CN",)  # Country "PRC"
    assert entry('IHSAN MEDHAT "SAMMY" ELASHI').kind == "unknown"  # quotes doubled in the file


# --- broken input ------------------------------------------------------------------------------


def test_truncated_inside_a_quoted_field_raises() -> None:
    data = read(DPL)
    cut = data.index(b"RICHARDSON") + 4  # inside the City field of line 6
    error = parse_error(parse, data[:cut], match="unterminated quoted field")
    assert error.location == "line 6"
    assert data[:cut].count(b"\n") + 1 == 6


def test_short_row_raises_with_its_line() -> None:
    data = (HEADER + row("A B", "STREET") + row(*["x"] * 12)).encode()
    error = parse_error(parse, data, match="2 fields, the header has 12")
    assert error.location == "line 2"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'"Name"\t"City"\n"A"\t"B"\n', "missing column"),
        (b"\xff\xfeN\x00a\x00m\x00e\x00", "binary data"),
        ((HEADER + row(" ", *["x"] * 11)).encode(), "row without Name"),
    ],
    ids=["wrong-header", "utf-16", "no-name"],
)
def test_wrong_format_raises_parse_error(data: bytes, message: str) -> None:
    parse_error(parse, data, match=message)


def test_kind_rules_and_dates() -> None:
    data = HEADER + row("ACME TRADING CO", "", "", "", "XX", "", "13/45/2020", "", "y", "", "", "")
    data += row(
        "JOHN DOE", "INMATE NUMBER 1, FCI X", "", "", "US", "", "01/02/2020", "", "Y", "2020-01-03", "", ""
    )
    report = ParseReport()
    acme, doe = parse(data.encode(), report)
    assert (acme.kind, doe.kind) == ("organization", "person")
    assert acme.listed_on is None and acme.properties["standard_order"] == ("Y",)
    assert doe.listed_on == "2020-01-02"  # MM/DD/YYYY
    assert report.counts == {"invalid_date": 1, "unknown_country": 1}
