"""IDB sanctioned firms and individuals parser.

Expectations on real entries were read from ../shared/data/watchlists/idb/
Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx (skipped when
absent); the eval key set comes from ../shared/eval/index_keys.jsonl. Small workbooks are
written with openpyxl inside the tests.
"""

from __future__ import annotations

from watchlists_support import (
    WATCHLISTS,
    eval_kinds_by_key,
    kinds_by_key,
    parse_error,
    parsed_file,
    xlsx_bytes,
)

from watchlists.parsers.iadb import parse
from watchlists.types import ListEntry, Name, ParseReport

WORKBOOK = WATCHLISTS / "idb" / "Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx"
HEADER = ["Title", "Entity", "Nationality", "Country", "From", "To", "Grounds", "Source", "IDB Sanction Type",
          "IDB Sanction Source", "Other Name"]  # fmt: skip


def parsed() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, WORKBOOK, distinct_ids=True)


def entry(entry_id: str) -> ListEntry:
    return parsed()[0][entry_id]


def xlsx(*rows: list[object], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes([header, *rows])


def firm(title: str, **cells: str) -> list[object]:
    values = {"Title": title, "Entity": "Firm", "Nationality": "Peru", "Country": "Peru"}
    values |= {"From": "Jan 02, 2025", "To": "Ongoing", "Grounds": " Fraud", "Source": "IDB", **cells}
    return [values.get(column) for column in HEADER]


# --- the real file ---------------------------------------------------------------------------------


def test_counts_match_the_data_readme() -> None:
    entries, report = parsed()
    kinds = [e.kind for e in entries.values()]
    assert len(entries) == 1_081
    assert (kinds.count("organization"), kinds.count("person")) == (848, 233)
    # the empty row and the Polish export-filter note closing the sheet
    assert report.counts == {"blank_row": 1, "export_filter_note": 1}
    assert report.published_at is None  # the export carries no date


def test_keys_and_kinds_match_the_eval_index() -> None:
    expected = eval_kinds_by_key("iadb_sanctions")
    entries = parsed()[0]
    assert kinds_by_key(entries.values()) == expected
    assert all(e.entry_id == e.primary_name for e in entries.values())


def test_firm_with_chinese_other_name() -> None:
    item = entry("1st Construction Branch of Weihai Construction Group Co. Ltd.")  # row 4
    assert item.kind == "organization" and item.source == "iadb_sanctions"
    assert item.names == (
        Name("1st Construction Branch of Weihai Construction Group Co. Ltd.", "primary"),
        Name("威海建设集团股份有限公司第一建筑分公司", "original_script"),
    )
    assert item.countries == ("CN",) and item.nationalities == ()
    assert item.programs == ("Fraud",) and item.listed_on == "2022-02-17"
    assert item.properties == {
        "sanction_country": ("Kenya",),
        "sanction_source": ("AfDB cross debarment",),
        "ineligible_from": ("2022-02-17",),
        "ineligible_to": ("2024-10-18",),
    }


def test_individual_sanctioned_by_the_idb_itself() -> None:
    item = entry("Adán Acosta Sánchez")  # row 25, printed with a trailing no-break space
    assert item.kind == "person"
    assert item.names == (Name("Adán Acosta Sánchez", "primary"),)
    assert item.nationalities == ("PA",) and item.listed_on == "2007-03-23"
    assert item.properties == {
        "sanction_country": ("Panama",),
        "sanction_source": ("IDB",),
        "idb_sanction_type": ("Debarment",),
        "idb_sanction_source": ("Sanctions Committee",),
        "ineligible_from": ("2007-03-23",),
        "ineligibility_status": ("Ongoing",),
    }


def test_other_name_lists_and_titles_packing_names() -> None:
    xccg = entry("Xinjiang Communications Construction Group Co., Ltd. (“XCCG”)")  # row 1055
    assert xccg.names[1:] == (
        Name("新疆交通建设集团股份有限公司", "original_script"),
        Name("新疆交建", "original_script"),
    )
    assert xccg.properties["sanction_country"] == ("Ukraine",)
    ecograph = entry("Ecograph LLC (a.k.a. Ecography Company) (Ecograph)")
    assert ecograph.names[1:] == (Name("Ecograph LLC", "alias"), Name("Ecography Company", "alias"))
    a2z = entry(
        "A2Z Infra Engineering Limited (Previously known as A2Z Maintenance & Engineering Services Limited)"
    )
    assert Name("A2Z Maintenance & Engineering Services Limited", "former") in a2z.names


def test_every_entry_is_well_formed() -> None:
    entries = parsed()[0].values()
    for item in entries:
        assert item.names[0].type == "primary" and item.listed_on is not None
        assert all(len(c) == 2 and c.isupper() for c in item.countries)
    assert sum(1 for e in entries if not e.programs) == 8  # rows with an empty Grounds cell


# --- small workbooks ---------------------------------------------------------------------------------


def test_rows_sharing_a_title_merge_and_lists_split() -> None:
    data = xlsx(
        firm("ACME S.A.", Grounds=" Fraud, Collusion", Nationality="Kenya, Uganda"),
        firm("ACME  S.A.\xa0", From="Mar 03, 2020", To="Mar 02, 2023", Nationality="Regional"),
        firm("Jane Roe", Entity="Individual", Nationality="Peru"),
        firm("Odd Party", Entity="Partnership"),
    )
    report = ParseReport()
    acme, roe, odd = parse(data, report)
    assert acme.entry_id == "ACME S.A." and acme.countries == ("KE", "UG")
    assert acme.programs == ("Fraud", "Collusion") and acme.listed_on == "2020-03-03"
    assert acme.properties["ineligible_to"] == ("2023-03-02",)
    assert acme.properties["ineligibility_status"] == ("Ongoing",)
    assert (roe.kind, roe.nationalities, odd.kind) == ("person", ("PE",), "unknown")
    assert report.counts == {"merged_rows": 1, "country_placeholder": 1, "unknown_entity_type": 1}


def test_row_without_title_names_its_row() -> None:
    error = parse_error(parse, xlsx(firm("A"), firm("")), match="no Title")
    assert error.location == "row 3" and error.source == "iadb_sanctions"


def test_wrong_header_and_non_xlsx_input() -> None:
    error = parse_error(parse, xlsx(firm("A"), header=HEADER[:-1]), match="'Other Name'")
    assert error.location == "row 1"
    parse_error(parse, b'{"Title": "A"}', match="not an XLSX file")
    parse_error(parse, xlsx(header=[]), match="the sheet is empty")
