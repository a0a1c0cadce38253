"""The organisation's own lists (``custom:<name>``), CSV and XLSX with configured columns.

There is no published file to test against (data/README.md: "No UNGM ineligible-vendor
list ... was found"), so every file is built here: CSV through the csv module in the
encodings and with the delimiters an export may use, XLSX with openpyxl. The UNGM-like
list below is invented (fictitious vendors) in the shape of the UNGM ineligibility list.
No eval-index source is a custom list, so there is no eval key set to check.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from watchlists_support import eval_index, parse_error
from watchlists_support import xlsx_bytes as workbook_bytes

from watchlists.errors import ParseError
from watchlists.formats import FORMATS, get_format, parse_format
from watchlists.parsers.custom import check_options, parse_custom
from watchlists.refresh import build_snapshot
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport

SOURCE = "custom:ungm_ineligible"
UNGM_COLUMNS = {
    "entry_id": "Vendor no.",
    "name": "Vendor name",
    "aliases": "Other names",
    "kind": "Type",
    "country": "Country",
    "registration_number": "Registration no.",
    "tax_id": "Tax ID",
    "identifier:ungm_number": "UNGM no.",
    "address": "Address",
    "listed_on": "Date listed",
    "until": "Ineligible until",
    "reason": "Reason",
    "program": "Basis",
    "url": "Link",
}
UNGM_HEADER = list(UNGM_COLUMNS.values())
# Invented vendors in the shape of the UNGM ineligibility list; dates day first.
UNGM_ROWS: list[list[str]] = [
    ["UN-0001", "Alpha Construction Ltd", "Alpha Const.; ACL", "Company", "Kenya", "C.123/2010",
     "P051234567X", "401122", "PO Box 100\nNairobi", "12/03/2019", "11/03/2024", "Fraudulent practice",
     "UNDP sanction", "https://www.ungm.org/Vendor/401122"],
    ["UN-0002", "Beta Medical Supplies SARL", "", "Firm", "Côte d'Ivoire", "CI-ABJ-2015-B-1234", "", "",
     "Rue 12, Abidjan", "2020-07-01", "Indefinite", "Corrupt practice", "UNOPS sanction", ""],
    ["UN-0003", "Gamma Trading FZE a.k.a. Gamma General Trading", "", "Company", "United Arab Emirates",
     "", "", "", "", "01/02/2018", "", "Collusive practice", "UNICEF sanction", ""],
    ["UN-0004", "Delta Logistics S.A. (f.k.a. Delta Freight S.A.)", "", "company", "Panama", "", "", "", "",
     "15/06/2021", "14/06/2026", "Fraudulent practice", "WFP sanction", ""],
    ["UN-0005", "DOE, John", "Johnny Doe", "Individual", "US; CA", "", "", "", "", "03/11/2020", "",
     "Fraudulent practice", "UN Secretariat sanction", ""],
    ["UN-0006", "Epsilon Engineering GmbH", "", "Company", "DEU", "HRB 12345", "DE123456789", "402233", "",
     "28/02/2017", "27/02/2022", "Obstructive practice", "UNDP sanction", ""],
    ["UN-0007", "Zeta Pharma Pvt Ltd", "Zeta Pharmaceuticals", "Company", "India", "U24230MH2001PTC123456",
     "AAACZ1234Q", "", "Plot 7, MIDC\nMumbai 400093", "09/09/2019", "", "Fraudulent practice",
     "UNOPS sanction", ""],
    ["UN-0008", "Eta Consulting Group", "", "Entity", "Korea, Republic of", "", "", "", "", "30/01/2022",
     "", "Corrupt practice", "UNDP sanction", "ftp://example.org/x"],
    ["UN-0009", "Theta Foods Ltd", "", "Company", "Nigeria, Ghana", "RC 556677", "", "", "", "05/05/2016",
     "Permanent", "Fraudulent practice", "WFP sanction", ""],
    ["UN-0002", "Beta Medical Supplies S.A.R.L.", "", "Firm", "CI", "", "", "", "", "01/07/2019", "",
     "Corrupt practice", "UNICEF sanction", ""],
    ["UN-0010", "Iota Security Services", "", "Partnership", "Somalia", "", "", "", "", "12/12/2020", "",
     "Coercive practice", "UNSOS sanction", ""],
    ["", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["UN-0011", "Kappa Printing Co.", "Kappa Press | Kappa Print", "Company", "Ruritania", "", "", "", "",
     "not known", "", "Fraudulent practice", "UNFPA sanction", ""],
    ["UN-0012", "", "", "Company", "Chile", "", "", "", "", "01/01/2020", "", "", "", ""],
    ["UN-0013", "Lambda Tech Solutions Inc.", "", "Company", "Canada", "BN 123456789", "", "403344", "",
     "22/08/2023", "21/08/2028", "Fraudulent practice", "UNDP sanction", ""],
    ["UN-0014", "MÜLLER, Hans", "", "Person", "Germany", "", "", "", "", "01/04/2015", "", "Corrupt practice",
     "UNHCR sanction", ""],
    ["UN-0015", "Nu Shipping Lines", "", "Vessel operator", "Greece", "", "", "", "", "14/02/2014", "",
     "Fraudulent practice", "WFP sanction", ""],
    ["UN-0016", "Xi Office Furniture", "", "", "Peru", "", "", "", "", "07/07/2017", "",
     "Fraudulent practice", "UNOPS sanction", ""],
    ["UN-0017", "Omicron Energy LLC d/b/a Omicron Power", "", "Company", "Ukraine", "", "", "", "",
     "19/10/2021", "", "Corrupt practice", "UNDP sanction", ""],
    ["UN-0018", "Pi Agro-Industries SA", "", "Company", "n/a", "", "", "", "", "25/12/2018", "",
     "Fraudulent practice", "FAO sanction", ""],
    ["UN-0019", "Rho Textiles", "", "Company", "Bangladesh", "", "", "", "", "31/03/2022", "",
     "Fraudulent practice", "UNICEF sanction", ""],
]  # fmt: skip
UNGM_OPTIONS: dict[str, Any] = {"alias_separator": ";", "default_kind": "organization", "date_format": "dmy"}
UNGM_COUNTS = {
    "merged_row": 1,
    "row_without_name": 1,
    "embedded_names": 3,
    "unknown_kind": 2,
    "unknown_country": 1,
    "unreadable_date": 1,
    "invalid_url": 1,
}


def csv_bytes(
    rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False
) -> bytes:
    """A CSV file as a spreadsheet export writes it (CRLF line ends, minimal quoting)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (codecs.BOM_UTF8 if bom else b"") + data


def xlsx_bytes(
    rows: Sequence[Sequence[Any]], *, title: str = "Vendors", extra: Mapping[str, Any] = {}
) -> bytes:
    """A workbook whose sheet `title` holds `rows`, after the sheets named in `extra`."""
    return workbook_bytes(rows, title=title, extra=extra)


def parse(
    data: bytes, columns: Mapping[str, str] | None = None, file_type: Any = None, **options: Any
) -> tuple[dict[str, ListEntry], ParseReport]:
    """Entries by entry_id (asserting that no id repeats) and the report."""
    report = ParseReport()
    found = list(
        parse_custom(
            data, report, source=SOURCE, options={"columns": columns or BASIC, **options}, file_type=file_type
        )
    )
    entries = {entry.entry_id: entry for entry in found}
    assert len(entries) == len(found)
    return entries, report


def error(data: bytes, columns: Mapping[str, str] | None = None, **options: Any) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(data, columns, **options)
    assert caught.value.source == SOURCE
    return caught.value


BASIC = {"entry_id": "Id", "name": "Name", "kind": "Type", "country": "Country", "listed_on": "Listed"}


def names(entry: ListEntry) -> list[tuple[str, str]]:
    return [(name.value, name.type) for name in entry.names]


# --- a realistic UNGM-like list --------------------------------------------------------------------


@pytest.fixture(scope="module", params=["csv", "xlsx"])
def ungm(request: pytest.FixtureRequest) -> tuple[dict[str, ListEntry], ParseReport]:
    rows = [["UNGM ineligible vendors, exported 2025-05-01"], [], UNGM_HEADER, *UNGM_ROWS]
    data = csv_bytes(rows, delimiter=";", bom=True) if request.param == "csv" else xlsx_bytes(rows)
    return parse(data, UNGM_COLUMNS, **UNGM_OPTIONS)


def test_ungm_list_counts(ungm: tuple[dict[str, ListEntry], ParseReport]) -> None:
    entries, report = ungm
    assert sorted(entries) == [f"UN-{n:04d}" for n in range(1, 20) if n != 12]
    assert report.counts == UNGM_COUNTS
    assert report.published_at is None
    kinds = [e.kind for e in entries.values()]
    assert (kinds.count("person"), kinds.count("organization")) == (2, 16)


def test_ungm_entry_with_every_field(ungm: tuple[dict[str, ListEntry], ParseReport]) -> None:
    alpha = ungm[0]["UN-0001"]
    assert alpha == ListEntry(
        source=SOURCE,
        entry_id="UN-0001",
        kind="organization",
        names=(Name("Alpha Construction Ltd"), Name("Alpha Const.", "alias"), Name("ACL", "alias")),
        countries=("KE",),
        identifiers=(
            Identifier("registration_number", "C.123/2010"),
            Identifier("tax_id", "P051234567X"),
            Identifier("ungm_number", "401122"),
        ),
        addresses=(Address("PO Box 100, Nairobi"),),
        programs=("UNDP sanction",),
        listed_on="2019-03-12",
        remarks="Fraudulent practice",
        url="https://www.ungm.org/Vendor/401122",
        properties={"until": ("2024-03-11",)},
    )


def test_ungm_merged_rows(ungm: tuple[dict[str, ListEntry], ParseReport]) -> None:
    beta = ungm[0]["UN-0002"]
    assert names(beta) == [
        ("Beta Medical Supplies SARL", "primary"),
        ("Beta Medical Supplies S.A.R.L.", "alias"),
    ]
    assert beta.countries == ("CI",)
    assert beta.programs == ("UNOPS sanction", "UNICEF sanction")
    assert beta.listed_on == "2019-07-01"  # the earlier of the two rows
    assert beta.properties == {"until": ("Indefinite",)}
    assert beta.remarks == "Corrupt practice"


def test_ungm_embedded_names_persons_and_odd_values(ungm: tuple[dict[str, ListEntry], ParseReport]) -> None:
    entries = ungm[0]
    assert entries["UN-0003"].names == (
        Name("Gamma Trading FZE"),
        Name("Gamma General Trading", "alias", quality="a.k.a."),
    )
    assert names(entries["UN-0004"]) == [
        ("Delta Logistics S.A.", "primary"),
        ("Delta Freight S.A.", "former"),
    ]
    assert names(entries["UN-0017"]) == [("Omicron Energy LLC", "primary"), ("Omicron Power", "alias")]
    doe = entries["UN-0005"]
    assert (doe.kind, doe.countries) == ("person", ("US", "CA"))
    assert names(doe) == [("DOE, John", "primary"), ("Johnny Doe", "alias")]
    assert doe.nationalities == ()  # a country column is not a nationality
    assert (entries["UN-0014"].kind, entries["UN-0014"].countries) == ("person", ("DE",))
    assert entries["UN-0008"].countries == ("KR",) and entries["UN-0008"].url is None
    assert entries["UN-0009"].countries == ("NG", "GH")
    assert entries["UN-0009"].properties == {"until": ("Permanent",)}
    assert entries["UN-0010"].kind == "organization"  # "Partnership": unknown, default_kind
    assert entries["UN-0016"].kind == "organization"  # empty Type: default_kind
    assert entries["UN-0018"].countries == ()  # "n/a"
    kappa = entries["UN-0011"]
    assert names(kappa) == [("Kappa Printing Co.", "primary"), ("Kappa Press | Kappa Print", "alias")]
    assert kappa.countries == () and kappa.listed_on is None
    assert kappa.properties == {"listed_on_text": ("not known",), "unresolved_country": ("Ruritania",)}


def test_ungm_csv_and_xlsx_give_the_same_entries() -> None:
    rows = [UNGM_HEADER, *UNGM_ROWS]
    from_csv, _ = parse(csv_bytes(rows), UNGM_COLUMNS, **UNGM_OPTIONS)
    from_xlsx, _ = parse(xlsx_bytes(rows), UNGM_COLUMNS, **UNGM_OPTIONS)
    assert from_csv == from_xlsx


def test_registered_formats_and_build_snapshot() -> None:
    assert {"custom", "custom_csv", "custom_xlsx"} <= set(FORMATS)
    options = {**UNGM_OPTIONS, "columns": UNGM_COLUMNS}
    data = xlsx_bytes([UNGM_HEADER, *UNGM_ROWS])
    for name in ("custom", "custom_xlsx"):
        entries = list(parse_format(get_format(name), SOURCE, {"file": data}, ParseReport(), options))
        assert len(entries) == 18
    snapshot = build_snapshot(SOURCE, "custom", data, options=options)
    assert (snapshot.source, len(snapshot.entries)) == (SOURCE, 18)
    assert snapshot.stats["merged_row"] == 1


def test_no_custom_source_is_in_the_eval_index() -> None:
    sources = {row["source"] for row in eval_index()}
    assert not {s for s in sources if s.startswith("custom")}


# --- header --------------------------------------------------------------------------------------


def test_header_matching_ignores_case_spaces_accents_and_apostrophe_shapes() -> None:
    columns = {"name": "Raison sociale", "country": "Pays", "listed_on": "Date  d'inscription"}
    data = csv_bytes(
        [["RAISON  SOCIALE\u00a0", "Páys", "DATED’INSCRIPTION"], ["Acme", "France", "01/02/2020"]]
    )
    entries, _ = parse(data, columns)
    assert entries["Acme"].countries == ("FR",) and entries["Acme"].listed_on == "2020-02-01"
    data = csv_bytes([["Raison sociale.", "Pays", "Date d'inscription"], ["Acme", "France", "01/02/2020"]])
    assert "'Raison sociale' (name) not in the header" in str(error(data, columns))  # punctuation counts


def test_missing_column_names_the_column_and_the_headers_found() -> None:
    data = xlsx_bytes([["Vendor list"], ["Id", "Name", "Type", "Listed"], ["1", "Acme", "firm", ""]])
    caught = error(data)
    assert caught.location == "row 2"  # the closest row, numbered as the spreadsheet shows it
    assert "'Country' (country)" in str(caught)
    assert "headers found: 'Id', 'Name', 'Type', 'Listed'" in str(caught)


def test_title_rows_above_the_header_and_header_row_option() -> None:
    rows = [
        ["Vendors barred"],
        ["as of 2025"],
        [],
        ["Id", "Name", "Type", "Country", "Listed"],
        ["1", "Acme"],
    ]
    assert list(parse(csv_bytes(rows))[0]) == ["1"]
    assert list(parse(csv_bytes(rows), header_row="4")[0]) == ["1"]
    assert list(parse(xlsx_bytes(rows), header_row=4)[0]) == ["1"]
    assert error(csv_bytes(rows), header_row="3").location == "row 3"  # the empty row
    assert error(csv_bytes(rows), header_row="9").location == "row 9"
    assert error(csv_bytes(rows), header_row="1").location == "row 1"  # not the header


def test_header_found_only_in_the_first_rows() -> None:
    rows = [[f"note {n}"] for n in range(25)] + [["Id", "Name", "Type", "Country", "Listed"], ["1", "Acme"]]
    assert "not in the header" in str(error(csv_bytes(rows)))
    assert list(parse(csv_bytes(rows), header_row="26")[0]) == ["1"]


def test_a_mapped_header_printed_twice_is_refused() -> None:
    data = csv_bytes([["Id", "Name", "Type", "Country", "Listed", "name"], ["1", "A", "", "", "", "B"]])
    caught = error(data)
    assert "'Name' appears in columns B and F" in str(caught) and caught.location == "row 1"


def test_trailing_empty_columns_and_cells_beyond_the_header() -> None:
    data = csv_bytes([["Id", "Name", "Type", "Country", "Listed", "", ""], ["1", "A", "", "", "", "", ""],
                      ["2", "B", "", "", "", "", "stray"], ["3", "C"]])  # fmt: skip
    entries, report = parse(data)
    assert sorted(entries) == ["1", "2", "3"]
    assert report.counts == {"cells_beyond_header": 1}


def test_header_only_gives_no_entries() -> None:
    assert parse(csv_bytes([["Id", "Name", "Type", "Country", "Listed"]]))[0] == {}


def test_empty_file() -> None:
    assert error(b"").location == "file"
    assert error(xlsx_bytes([])).location == "file"


# --- rows, keys and merges -------------------------------------------------------------------------


def test_rows_without_name_are_skipped_unless_all_are() -> None:
    header = ["Id", "Name", "Type", "Country", "Listed"]
    entries, report = parse(csv_bytes([header, ["1", "  "], ["2", "B"], [], ["3", ""]]))
    assert list(entries) == ["2"] and report.counts == {"row_without_name": 2}
    caught = error(csv_bytes([header, ["1", ""], ["2", " "]]))
    assert "no row has a name" in str(caught) and caught.location == "column 'Name' (B)"


def test_without_id_column_the_key_is_the_collapsed_name() -> None:
    columns = {"name": "Name", "aliases": "AKA"}
    data = csv_bytes([["Name", "AKA"], ["  ACME   Trading\u00a0Ltd ", "Acme"], ["acme trading LTD", "ACME T"],
                      ["Other Co", ""]])  # fmt: skip
    entries, report = parse(data, columns)
    assert list(entries) == ["ACME Trading Ltd", "Other Co"]
    assert names(entries["ACME Trading Ltd"]) == [
        ("ACME Trading Ltd", "primary"),
        ("Acme", "alias"),
        ("acme trading LTD", "alias"),
        ("ACME T", "alias"),
    ]
    assert report.counts == {"merged_row": 1}


def test_a_row_with_an_empty_id_is_keyed_by_name() -> None:
    header = ["Id", "Name", "Type", "Country", "Listed"]
    entries, report = parse(csv_bytes([header, ["7", "Acme"], ["", "Beta"], ["", "BETA"]]))
    assert list(entries) == ["7", "Beta"]
    assert report.counts == {"row_without_entry_id": 2, "merged_row": 1}


def test_duplicate_ids_merge_every_field() -> None:
    columns = {**BASIC, "nationality": "Nat", "tax_id": "Tax", "address": "Addr", "reason": "Why",
               "program": "Basis", "url": "Link", "until": "Until"}  # fmt: skip
    header = [*BASIC.values(), "Nat", "Tax", "Addr", "Why", "Basis", "Link", "Until"]
    rows = [
        header,
        ["9", "SMITH, Ann", "person", "GB", "2021-05-01", "Irish", "T1", "1 High St", "Fraud", "A", "",
         "2026"],
        ["9", "Ann Smith", "company", "FR", "2020-01-02", "IE", "T2", "1 High St", "Bribery", "A; B",
         "https://x.example/9", "2027"],
        ["9", "SMITH, Ann", "", "", "", "", "T1", "", "Fraud", "", "https://y.example", ""],
    ]  # fmt: skip
    entries, report = parse(csv_bytes(rows), columns)
    smith = entries["9"]
    assert names(smith) == [("SMITH, Ann", "primary"), ("Ann Smith", "alias")]
    assert smith.kind == "person"
    assert smith.nationalities == ("IE",) and smith.countries == ("IE", "GB", "FR")
    assert smith.identifiers == (Identifier("tax_id", "T1"), Identifier("tax_id", "T2"))
    assert smith.addresses == (Address("1 High St"),)
    assert smith.programs == ("A", "B")
    assert smith.listed_on == "2020-01-02"
    assert smith.remarks == "Fraud\nBribery"
    assert smith.url == "https://x.example/9"
    assert smith.properties == {"until": ("2026", "2027")}
    assert report.counts == {"merged_row": 2, "kind_conflict": 1}


@given(st.lists(st.text(alphabet="aAbB \u00a0,;\"'\n", min_size=1, max_size=8), min_size=1, max_size=8))
@settings(max_examples=150, deadline=None)
def test_name_keys_are_the_distinct_casefolded_names(values: list[str]) -> None:
    data = csv_bytes([["Name"], *[[value] for value in values]])
    wanted = {" ".join(v.split()).casefold() for v in values} - {""}
    if not wanted:
        return
    entries, _ = parse(data, {"name": "Name"}, delimiter=",")
    assert {key.casefold() for key in entries} == wanted
    assert all(key == " ".join(key.split()) for key in entries)


# --- fields ------------------------------------------------------------------------------------------


def test_name_columns_and_alias_separators() -> None:
    columns = {"name": "Name", "aliases": "AKA", "original_script_name": "Script", "former_names": "Former"}
    data = xlsx_bytes([["Name", "AKA", "Script", "Former"],
                       ["Acme", "A1 | A2\nA3;A4", "АКМЕ | Акме", "Old Acme | Older Acme"]])  # fmt: skip
    entries, _ = parse(data, columns, alias_separator="|")
    assert names(entries["Acme"]) == [
        ("Acme", "primary"), ("A1", "alias"), ("A2", "alias"), ("A3;A4", "alias"),
        ("АКМЕ", "original_script"), ("Акме", "original_script"),
        ("Old Acme", "former"), ("Older Acme", "former"),
    ]  # fmt: skip
    entries, _ = parse(data, columns)  # default ";"
    assert ("A4", "alias") in names(entries["Acme"]) and ("A1 | A2", "alias") in names(entries["Acme"])


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("Acme Ltd aka Acme Trading", [("Acme Ltd", "primary", None), ("Acme Trading", "alias", "a.k.a.")]),
        (
            "Acme Ltd (formerly known as Old Acme)",
            [("Acme Ltd", "primary", None), ("Old Acme", "former", "f.k.a.")],
        ),
        ("Acme Ltd, n.k.a. New Acme", [("Acme Ltd", "primary", None), ("New Acme", "alias", "n.k.a.")]),
        (
            "Acme a.k.a. A; f.k.a. B",
            [("Acme", "primary", None), ("A", "alias", "a.k.a."), ("B", "former", "f.k.a.")],
        ),
        ("Acme Ltd DBA Acme Shop", [("Acme Ltd", "primary", None), ("Acme Shop", "alias", "d.b.a.")]),
        ("AKA Trading", [("AKA Trading", "primary", None)]),  # a marker with no name before it
        ("Osaka Dbase Ltd", [("Osaka Dbase Ltd", "primary", None)]),
    ],
)
def test_embedded_names(printed: str, expected: list[tuple[str, str, str | None]]) -> None:
    entries, _ = parse(csv_bytes([["Name"], [printed]]), {"name": "Name"})
    assert list(entries) == [printed]  # the key keeps the name as printed
    assert [(n.value, n.type, n.quality) for n in entries[printed].names] == expected


@pytest.mark.parametrize(
    ("printed", "kind"),
    [("Person", "person"), ("INDIVIDUAL", "person"), ("natural person", "person"),
     ("Personne physique", "person"), ("company", "organization"), ("Organisation", "organization"),
     ("Firm", "organization"),
     ("Legal entity", "organization"), ("Société", "organization"), ("vessel", "vessel"), ("Ship", "vessel"),
     ("aircraft", "aircraft")],
)  # fmt: skip
def test_kind_values(printed: str, kind: str) -> None:
    entries, report = parse(csv_bytes([list(BASIC.values()), ["1", "X", printed]]))
    assert entries["1"].kind == kind and report.counts == {}


def test_unknown_kinds_and_default_kind() -> None:
    data = csv_bytes([list(BASIC.values()), ["1", "X", "Joint venture"], ["2", "Y", ""]])
    entries, report = parse(data)
    assert [e.kind for e in entries.values()] == ["unknown", "unknown"]
    assert report.counts == {"unknown_kind": 1}
    entries, _ = parse(data, default_kind="Individual")
    assert [e.kind for e in entries.values()] == ["person", "person"]


def test_countries_and_nationalities() -> None:
    columns = {"name": "Name", "kind": "Type", "country": "Country", "nationality": "Nationality"}
    rows = [
        ["Name", "Type", "Country", "Nationality"],
        ["P1", "person", "Iran, Islamic Republic of; SYR\nLB", "Russia, Belarus"],
        ["O1", "company", "France, Korea, Republic of, Atlantis", "Martian"],
        ["O2", "company", "NA", "-"],
        ["O3", "company", "USSR", "Unknown"],
    ]
    entries, report = parse(csv_bytes(rows), columns)
    assert entries["P1"].nationalities == ("RU", "BY")
    assert entries["P1"].countries == ("RU", "BY", "IR", "SY", "LB")
    assert entries["O1"].countries == ("FR", "KR") and entries["O1"].nationalities == ()
    assert entries["O1"].properties == {"unresolved_country": ("Martian", "Atlantis")}
    assert entries["O2"].countries == ("NA",)  # Namibia: "n/a" is the blank
    assert entries["O3"].properties == {"unresolved_country": ("USSR",)}
    assert report.counts == {"unknown_country": 3}


def test_identifiers_addresses_programs_reason_and_url() -> None:
    columns = {"name": "Name", "registration_number": "Reg", "tax_id": "TIN",
               "identifier:ungm_number": "UNGM no.", "identifier:duns": "DUNS", "address": "Address",
               "program": "Basis", "reason": "Reason", "url": "URL"}  # fmt: skip
    rows: list[list[object]] = [
        list(columns.values()),
        ["Acme", "R-1; R-2", "", 401122, "12-345-6789", "Unit 5,\n  10 Main Road\n\nLagos ", "A;B\nC",
         "Misrepresentation\nof experience", "javascript:alert(1)"],
    ]  # fmt: skip
    entries, report = parse(xlsx_bytes(rows), columns)
    acme = entries["Acme"]
    assert acme.identifiers == (
        Identifier("registration_number", "R-1"),
        Identifier("registration_number", "R-2"),
        Identifier("ungm_number", "401122"),  # a number cell, printed without ".0"
        Identifier("duns", "12-345-6789"),
    )
    assert acme.addresses == (Address("Unit 5, 10 Main Road, Lagos"),)
    assert acme.programs == ("A", "B", "C")
    assert acme.remarks == "Misrepresentation\nof experience"
    assert acme.url is None and report.counts == {"invalid_url": 1}


@pytest.mark.parametrize(
    ("date_format", "printed", "iso"),
    [
        ("dmy", "03/04/2020", "2020-04-03"),
        ("mdy", "03/04/2020", "2020-03-04"),
        ("iso", "03/04/2020", None),
        ("dmy", "2020-04-03", "2020-04-03"),
        ("mdy", "2020-04-03", "2020-04-03"),
        ("iso", "2020-04-03", "2020-04-03"),
        ("dmy", "3.4.2020", "2020-04-03"),
        ("dmy", "03/04/20", "2020-04-03"),
        ("mdy", "12/31/99", "1999-12-31"),
        ("dmy", "3 April 2020", "2020-04-03"),
        ("mdy", "April 3, 2020", "2020-04-03"),
        ("dmy", "2020", "2020"),
        ("dmy", "31/02/2020", None),
        ("mdy", "31/12/2020", None),
    ],
)
def test_date_formats(date_format: str, printed: str, iso: str | None) -> None:
    data = csv_bytes([["Name", "Listed"], ["X", printed]])
    entries, report = parse(data, {"name": "Name", "listed_on": "Listed"}, date_format=date_format)
    assert entries["X"].listed_on == iso
    assert report.counts == ({} if iso else {"unreadable_date": 1})
    assert entries["X"].properties == ({} if iso else {"listed_on_text": (printed,)})


def test_xlsx_dates_serials_years_and_text() -> None:
    rows: list[list[object]] = [
        ["Name", "Listed", "Until"],
        ["A", datetime(2019, 3, 12), datetime(2024, 3, 11, 15, 30)],
        ["B", 43536, 2030],
        ["C", "12/03/2019", "until further notice"],
    ]
    entries, report = parse(xlsx_bytes(rows), {"name": "Name", "listed_on": "Listed", "until": "Until"})
    assert entries["A"].listed_on == "2019-03-12" and entries["A"].properties == {"until": ("2024-03-11",)}
    assert entries["B"].listed_on == "2019-03-12" and entries["B"].properties == {"until": ("2030",)}
    assert entries["C"].listed_on == "2019-03-12"
    assert entries["C"].properties == {"until_text": ("until further notice",)}
    assert report.counts == {"unreadable_date": 1}


# --- CSV encodings and delimiters ------------------------------------------------------------------

ROWS = [
    ["Id", "Name", "Type", "Country", "Listed"],
    ["1", "Société Générale d'Études", "firm", "Côte d’Ivoire"],
]


@pytest.mark.parametrize(
    ("data", "counts"),
    [
        (csv_bytes(ROWS), {}),
        (csv_bytes(ROWS, bom=True), {}),
        (csv_bytes(ROWS, encoding="utf-16"), {}),  # with its BOM
        (codecs.BOM_UTF16_BE + csv_bytes(ROWS, encoding="utf-16-be"), {}),
        (csv_bytes(ROWS, encoding="utf-16-le"), {"decoded_utf16_without_bom": 1}),
        (csv_bytes(ROWS, encoding="utf-16-be"), {"decoded_utf16_without_bom": 1}),
        (csv_bytes(ROWS, encoding="cp1252"), {"decoded_cp1252": 1}),
        (csv_bytes(ROWS) + b"\x1a", {}),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16be-bom", "utf16le", "utf16be", "cp1252", "eof-marker"],
)
def test_encodings(data: bytes, counts: dict[str, int]) -> None:
    entries, report = parse(data)
    assert names(entries["1"]) == [("Société Générale d'Études", "primary")]
    assert entries["1"].countries == ("CI",)
    assert report.counts == counts


def test_undecodable_bytes_name_the_offset() -> None:
    caught = error(b"Id,Name\n1,A\x81\n")
    assert caught.location == "line 2, byte 11" and "cp1252" in str(caught)
    assert error(b"\xff\xfeI\x00d\x00\x00\xd8").location == "line 1, byte 6"  # a lone UTF-16 surrogate


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_detected(delimiter: str) -> None:
    rows = [["Export of 2025-01-01, all vendors; tab\tseparated"], *ROWS, ["2", "Two, Three; Four", "", "FR"]]
    entries, _ = parse(csv_bytes(rows, delimiter=delimiter))
    assert names(entries["2"]) == [("Two, Three; Four", "primary")] and entries["2"].countries == ("FR",)


def test_delimiter_option() -> None:
    data = csv_bytes([["Id|Name|Type|Country|Listed"], ["1|A|x|FR"]], delimiter="\t")
    assert list(parse(data, delimiter="|")[0]) == ["1"]
    tabbed = csv_bytes(ROWS, delimiter="\t")
    assert list(parse(tabbed, delimiter="tab")[0]) == ["1"]
    assert list(parse(tabbed, delimiter="\\t")[0]) == ["1"]
    assert "not in the header" in str(error(tabbed, delimiter=";"))


def test_quoted_fields_with_line_breaks_keep_row_numbers() -> None:
    text = 'Id,Name,Type,Country,Listed\r\n1,"A\r\nB",x,FR,\r\n2,C,x,FR,\r\n3,"D"x,y,FR,\r\n'
    caught = error(text.encode())
    assert caught.location == "row 4 (line 5)"  # record 4, though the file's line 5
    assert "malformed CSV" in str(caught)


def test_truncated_csv() -> None:
    caught = error(b'Id,Name,Type,Country,Listed\n1,A,x,FR,\n2,"B Trading,x,FR,\n')
    assert caught.location == "row 3 (line 3)" and "truncated" in str(caught)


# --- XLSX ------------------------------------------------------------------------------------------

SHEET = [["Id", "Name", "Type", "Country", "Listed"], ["1", "A"]]


def test_sheet_by_name_position_and_default() -> None:
    data = xlsx_bytes(SHEET, extra={"Read me": ["This workbook lists barred vendors"]})
    assert "not in the header" in str(error(data))  # the first sheet is "Read me"
    for sheet in ("Vendors", "VENDORS", "2", 2):
        assert list(parse(data, sheet=sheet)[0]) == ["1"]
    caught = error(data, sheet="Suppliers")
    assert caught.location == "options.sheet" and "'Read me', 'Vendors'" in str(caught)
    assert error(data, sheet="3").location == "options.sheet"


def test_a_sheet_named_like_a_number_wins_over_the_position() -> None:
    data = xlsx_bytes(SHEET, title="1", extra={"Other": ["x"]})
    assert list(parse(data, sheet="1")[0]) == ["1"]


def test_broken_and_wrong_type_files() -> None:
    data = xlsx_bytes(SHEET)
    assert "not an XLSX file" in str(error(data[: len(data) // 2]))
    assert error(data, file_type="csv").location == "file"
    assert "not an XLSX file" in str(error(csv_bytes(ROWS), file_type="xlsx"))
    assert ".xls" in str(error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)))


def test_hostile_xlsx_is_refused() -> None:
    original = zipfile.ZipFile(io.BytesIO(xlsx_bytes(SHEET)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in original.infolist():
            content = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "b">]>' + content.split(b"?>", 1)[-1]
            archive.writestr(info, content)
    caught = error(buffer.getvalue())
    assert caught.location is not None and "sheet1.xml" in caught.location


# --- options -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": BASIC, "sheets": "x"}, "unknown option(s) sheets"),
        ({"columns": {"id": "Id"}}, "at least the field 'name'"),
        ({}, "at least the field 'name'"),
        ({"columns": {"name": "Name", "birth_date": "DOB"}}, "unknown field(s) birth_date"),
        ({"columns": {"name": "Name", "identifier:": "X"}}, "unknown field(s) identifier:"),
        ({"columns": {"name": " "}}, "no header text for field(s) name"),
        ({"columns": BASIC, "delimiter": ";;"}, "delimiter must be one character"),
        ({"columns": BASIC, "date_format": "ymd"}, "date_format must be one of dmy, mdy, iso"),
        ({"columns": BASIC, "header_row": "0"}, "header_row must be a row number"),
        ({"columns": BASIC, "header_row": "A"}, "header_row must be a row number"),
        ({"columns": BASIC, "default_kind": "alien"}, "default_kind 'alien' is not one of"),
    ],
)
def test_bad_options(options: dict[str, Any], message: str) -> None:
    caught = parse_error(parse_custom, csv_bytes(ROWS), ParseReport(), source=SOURCE, options=options)
    assert message in str(caught) and caught.location in ("options", "options.columns")
    with pytest.raises(ParseError, match=re.escape(message)):
        check_options(SOURCE, options)


def test_options_as_config_yaml_gives_them() -> None:
    options = {"delimiter": ";", "sheet": "Vendors", "alias_separator": "|", "default_kind": "organization",
               "date_format": "dmy", "header_row": "1"}  # fmt: skip
    check_options(SOURCE, {"columns": UNGM_COLUMNS, **options})
    data = csv_bytes([UNGM_HEADER, *UNGM_ROWS], delimiter=";")
    assert len(parse(data, UNGM_COLUMNS, **options)[0]) == 18
    assert len(parse(xlsx_bytes([UNGM_HEADER, *UNGM_ROWS]), UNGM_COLUMNS, **options)[0]) == 18
