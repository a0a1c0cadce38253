"""EBRD ineligible entities CSV parser.

Expectations on real entries were read from
../shared/data/watchlists/ebrd/european_bank_for_reconstruction_and_development_ineligible_firms.csv
(never copied into the repository); the eval key set comes from
../shared/eval/index_keys.jsonl. The tests skip with a reason when either is absent.
"""

from __future__ import annotations

import pytest
from watchlists_support import WATCHLISTS, eval_kinds_by_key, kinds_by_key, parse_error, parsed_file, read

from watchlists.parsers.ebrd import parse
from watchlists.types import Address, ListEntry, Name, ParseReport

EBRD = WATCHLISTS / "ebrd" / "european_bank_for_reconstruction_and_development_ineligible_firms.csv"
HEADER = (
    "\ufeffFirm Name,Address,Nationality,Ineligible From, Ineligible Until,Notice Effective At EBRD,"
    "Originating Institution,Prohibited Practice\r\n"
)


def parsed() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, EBRD)


def entry(entry_id: str) -> ListEntry:
    return parsed()[0][entry_id]


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\r\n" for row in rows)).encode("utf-8")


# --- the real file ---------------------------------------------------------------------------


def test_counts_rows_merge_into_the_eval_entries() -> None:
    entries, report = parsed()
    # README: 1,322 rows. Seven firms appear on two rows (two addresses or institutions).
    assert len(entries) == 1315
    assert report.counts["merged_row"] == 7
    kinds = [e.kind for e in entries.values()]
    assert (kinds.count("person"), kinds.count("organization")) == (137, 1178)
    assert report.published_at is None


def test_entry_keys_are_exactly_the_eval_index_keys() -> None:
    expected = eval_kinds_by_key("ebrd_ineligible")
    produced = kinds_by_key(parsed()[0].values())
    assert len(expected) == 1315 and produced.keys() == expected.keys()
    # The index's kind is informational. Ours also reads "SURNAME, Given" with diacritics
    # as a person, which the index calls an organization in exactly these two cases.
    assert {k for k in expected if expected[k] != produced[k]} == {
        "dũng, đoàn anh (dung, doan anh)",
        "tuân, lưu đ’ưc (tuan, luu d’uc)",
    }


def test_report_counts_the_oddities() -> None:
    assert parsed()[1].counts == {
        "malformed_quoting": 5,  # e.g. ""Supper Fortuna" LLC" (kept as csv reads it)
        "embedded_names": 37,  # a.k.a. / formerly / doing business as / control clause
        "control_clause_cut": 2,  # "… and any entity controlled directly or indirectly by …"
        "unknown_country": 3,  # "Sri Lanca", "Kyrgz Republic", "Ecuatorial Guinea"
        "merged_row": 7,
    }


def test_leading_space_name_and_period() -> None:
    item = entry("China Gezhouba Group Co., Ltd. by Shares Nigeria Co., Ltd.")  # printed with a leading space
    assert item.kind == "organization"
    assert item.names == (Name("China Gezhouba Group Co., Ltd. by Shares Nigeria Co., Ltd.", "primary"),)
    assert item.addresses == (
        Address("CGGC House, Plot No.464 Cadastral Zone B04 Jabi District Abuja Nigeria"),
    )
    assert item.countries == ("NG",) and item.nationalities == ()
    assert item.programs == ("Fraudulent Practice",)
    assert item.listed_on == "2024-07-01"
    assert item.properties == {
        "originating_institution": ("EBRD",),
        "period": ("2024-07-01/2025-05-31",),
        "ineligible_from": ("2024-07-01",),
        "ineligible_until": ("2025-05-31",),
        "notice_effective": ("2024-07-01",),
    }


def test_person_on_two_rows_is_one_entry() -> None:
    item = entry("Mr. Sisira Kumara Kumaragamage Don")
    assert item.kind == "person"
    assert item.addresses == (
        Address("3808 Executive Avenue, Apartment B-12 Alexandria, Virginia 22305, United States of America"),
        Address("22, Verna Av Mitcham VIC Australia 3132"),
    )
    assert item.countries == ("US", "AU") and item.nationalities == ("US", "AU")
    assert item.programs == ("Coercive Practice",)
    assert item.listed_on == "2020-05-18"  # Ineligible From is empty: the notice date
    assert item.properties["originating_institution"] == ("Asian Development Bank",)
    assert item.properties["period"] == ("../Indefinite",)


def test_trailing_space_variant_merges() -> None:
    item = entry("China Gezhouba Group Construction Engineering Co., Ltd.")  # second row ends with a space
    assert len(item.addresses) == 2
    assert (
        item.addresses[0].full
        == "No. 31, Zhenping Road Yichang City Hubei Province People's Republic of China"
    )


def test_embedded_names_become_aliases_and_former_names() -> None:
    drc = entry(
        "Development and Relief Corporation International B.V. (also known as DRC International b.v.; "
        "also d.b.a. DRC Medical)"
    )
    assert drc.names[1:] == (
        Name("Development and Relief Corporation International B.V.", "alias"),
        Name("DRC International b.v.", "alias"),
        Name("DRC Medical", "alias"),
    )
    assert drc.countries == ("NL",) and drc.listed_on == "2022-01-21"
    rishikesh = entry("Rishikesh Waste Management Ltd. (Formerly known as A2Z Powertech Ltd.)")
    assert Name("A2Z Powertech Ltd.", "former") in rishikesh.names
    amraev = next(
        e for e in parsed()[0].values() if e.entry_id.startswith("Mr. Farkhad Akhmedzhanovich Amraev and")
    )
    assert amraev.kind == "person"
    assert amraev.names[1] == Name("Mr. Farkhad Akhmedzhanovich Amraev", "alias")


def test_publisher_quirks_kept_as_the_eval_reads_them() -> None:
    entries = parsed()[0]
    assert 'Supper Fortuna" LLC"' in entries  # printed ""Supper Fortuna" LLC""
    assert entry("PT Ewaco Bumi Mamiri").countries == ("ID",)  # "Indonesia\n…\nIndonesia"
    awal = entry("Mr. Md. Abdul Awal")  # printed "Mr. Md. Abdul Awal \n\n\n"
    assert awal.kind == "person" and awal.nationalities == ("BD",)
    assert awal.properties["period"] == ("2023-03-14/2030-03-14",)


# --- broken input ------------------------------------------------------------------------------


def test_truncated_inside_a_quoted_field_raises() -> None:
    data = read(EBRD)
    cut = data.index(b'"World Bank Group"', 5000) + 8  # inside the quoted institution
    error = parse_error(parse, data[:cut], match="unterminated quoted field")
    assert error.location is not None and error.location.startswith("line ")


def test_truncated_row_raises_with_its_line() -> None:
    data = csv_bytes(
        '"A Ltd","Street 1","Kenya",,Ongoing,"2020-01-01T00:00:00Z","EBRD","Fraud"', '"B Ltd","Str'
    )
    error = parse_error(parse, data)
    assert error.location == "line 3"


def test_short_row_raises_with_its_line() -> None:
    error = parse_error(parse, csv_bytes('"A Ltd","Street 1"'), match="2 fields, the header has 8")
    assert error.location == "line 2"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Name,Address\r\nA,B\r\n", "missing column"),
        ("Firm Name;x\r\nCafé".encode("latin-1"), "not UTF-8"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "binary data"),
    ],
    ids=["wrong-header", "latin-1", "xlsx"],
)
def test_wrong_format_raises_parse_error(data: bytes, message: str) -> None:
    parse_error(parse, data, match=message)


def test_row_without_firm_name_raises() -> None:
    error = parse_error(
        parse,
        csv_bytes('"  ","Street","Kenya",,Ongoing,"2020-01-01T00:00:00Z","EBRD","Fraud"'),
        match="without Firm Name",
    )
    assert error.location == "line 2"


def test_kind_heuristic_and_open_ended_period() -> None:
    data = csv_bytes(
        '"MS Jane Roe","",,,Permanent,"2020-01-01T00:00:00Z","EBRD","Fraud"',
        '"ROE, Jane","",,,Ongoing,"bad date","EBRD","Fraud"',
        '"Glocoms, Inc.","","Kenya","2019-02-03T00:00:00Z",,"2020-01-01T00:00:00Z","EBRD","Fraud"',
    )
    report = ParseReport()
    first, second, third = parse(data, report)
    assert (first.kind, second.kind, third.kind) == ("person", "person", "organization")
    assert first.properties["period"] == ("../Permanent",)
    assert second.listed_on is None and report.counts == {"invalid_date": 1}
    assert third.listed_on == "2019-02-03" and third.properties["period"] == ("2019-02-03/..",)
