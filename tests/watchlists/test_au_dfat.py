"""Australia DFAT Consolidated List parser.

Expectations on real entries were read from ../shared/data/watchlists/australia_dfat/
australia_autonomous_financial_sanctions.xlsx (skipped when absent); the eval key set
comes from ../shared/eval/index_keys.jsonl. Small and broken workbooks are written with
openpyxl inside the tests.
"""

from __future__ import annotations

from watchlists_support import WATCHLISTS, eval_rows_by_id, parse_error, parsed_file, truncated, xlsx_bytes

from watchlists.parsers.au_dfat import parse
from watchlists.types import Address, ListEntry, Name, ParseReport

WORKBOOK = WATCHLISTS / "australia_dfat" / "australia_autonomous_financial_sanctions.xlsx"
HEADER = [
    "Reference", "Name of Individual or Entity", "Type", "Name Type", "Date of Birth", "Place of Birth",
    "Citizenship", "Address", "Additional Information", "Listing Information", "Committees", "Control Date",
]  # fmt: skip


def parsed() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, WORKBOOK, distinct_ids=True)


def entry(entry_id: str) -> ListEntry:
    return parsed()[0][entry_id]


def xlsx(*rows: list[object], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes([header, *rows])


def row(reference: object, name: str, name_type: str = "Primary Name", /, **cells: object) -> list[object]:
    values: dict[str, object] = {"Reference": reference, "Name of Individual or Entity": name,
                                 "Type": "Individual", "Name Type": name_type, **cells}  # fmt: skip
    return [values.get(column) for column in HEADER]


# --- the real file ---------------------------------------------------------------------------------


def test_counts_match_the_data_readme() -> None:
    entries, report = parsed()
    kinds = [e.kind for e in entries.values()]
    assert len(entries) == 3_062
    assert (kinds.count("person"), kinds.count("organization")) == (2_316, 746)
    assert report.published_at == "2024-12-09"  # the latest Control Date, serial 45635


def test_keys_kinds_and_primary_names_match_the_eval_index() -> None:
    expected = eval_rows_by_id("au_dfat_sanctions")
    entries = parsed()[0]
    assert set(entries) == set(expected)
    assert {k: e.kind for k, e in entries.items()} == {k: r["kind"] for k, r in expected.items()}
    assert {k: e.primary_name for k, e in entries.items()} == {
        k: " ".join(r["primary_name"].split()) for k, r in expected.items()
    }


def test_report_counts_what_was_dropped_or_repaired() -> None:
    assert parsed()[1].counts == {
        "blank_row": 7,  # empty rows 9556-9562 at the end of the sheet
        "annotated_name": 23,  # "X (previously listed as)", "(combat name)", ...
        "unparsed_birth_date": 15,  # "29 March", "March 1968 to March 1969", "07/04/62", ...
        "hijri_birth_date": 1,
        "unknown_country": 2,  # "USSR (until 1991)", "Kuwaiti citizenship withdrawn in 2002"
    }


def test_un_listed_individual_with_original_script_name() -> None:
    item = entry("2")
    assert item.kind == "person" and item.source == "au_dfat_sanctions"
    assert item.names == (
        Name("MOHAMMAD HASSAN AKHUND", "primary"),
        Name("محمد حسن أخوند", "original_script", quality="Original Script"),
    )
    assert item.birth_dates == ("1955/1958", "1945/1950")  # "a) Approximately 1955- 1958 b) ..."
    assert item.birth_places == ("Pashmul village, Panjwai District, Kandahar Province, Afghanistan",)
    assert item.nationalities == ("AF",) and item.addresses == ()  # Address "NA"
    assert item.programs == ("1988 (Taliban)",)
    assert item.listed_on == "2001-01-25"  # "Listed by UN 1267 Committee on 25 January 2001 (amended ...)"
    assert item.properties["control_date"] == ("2014-12-15",)  # serial 41988
    assert item.remarks is not None and item.remarks.startswith("Title: a) Mullah b) Haji.")


def test_alias_rows_and_listing_notes() -> None:
    item = entry("34")  # rows 34, 34a, 34b, 34c, 34c1, 34d, 34e, 34f, 34f1
    assert item.names == (
        Name("Abdul Jalil Haqqani Wali Mohammad", "primary"),
        Name("عبد الجليل حقانی ولی محمد", "original_script", quality="Original Script"),
        Name("Abdul Jalil Akhund", "alias", quality="aka"),
        Name("Akhter Mohmad son of Noor Mohmad", "alias", quality="aka"),
        Name("اختر محمد ولد نور محمد", "alias", quality="aka"),
        Name("Abdul Jalil Haqqani", "former", quality="aka"),  # "... (previously listed as)"
        Name("Nazar Jan", "alias", quality="aka"),
        Name("Haji Gulab Gul", "alias", quality="aka"),
        Name("حاجی گلاب گل ولد حاجی حضرت گل", "alias", quality="aka"),
    )
    assert item.birth_dates == ("1963", "1965", "1955")  # differs per alias row


def test_entity_with_formerly_known_as_rows() -> None:
    item = entry("2943")
    assert item.kind == "organization"
    assert item.names == (
        Name("ADF", "primary"),
        Name("Allied Democratic Forces", "alias", quality="aka"),
        Name("Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda", "former",
             quality="Formerly known as"),
        Name("ADF/NALU", "former", quality="Formerly known as"),
        Name("NALU", "former", quality="Formerly known as"),
    )  # fmt: skip
    assert item.addresses == (Address("North Kivu Province, Democratic Republic of the Congo", country="CD"),)
    assert item.listed_on == "2014-06-30" and item.properties["control_date"] == ("2020-08-25",)


def test_autonomous_listing_with_serial_date_of_birth() -> None:
    item = entry("2680")
    assert item.primary_name == "Sergey Yur’yevich GLAZYEV"  # printed with a trailing space
    assert [n.value for n in item.names[1:]] == [
        "Sergey Yurevich GLAZYEV", "Yurievich Sergey GLAZYEV", "Serhiy Yuriyovych HLAZEV",
    ]  # fmt: skip
    assert item.birth_dates == ("1961-01-01",)  # serial 22282
    assert item.birth_places == ("Zaporozhye (Ukrainian SSR)",)
    assert item.programs == ("Autonomous (Russia)",)
    assert item.listed_on == "2014-06-19" and item.properties["control_date"] == ("2023-06-10",)


def test_demonym_citizenship() -> None:
    assert entry("2529").nationalities == ("PK", "SA")  # "a) Pakistani       b) Saudi Arabian"
    assert entry("2974").nationalities == ("RU", "UA")  # "Russian and Ukrainian"
    assert all(len(c) == 2 and c.isupper() for e in parsed()[0].values() for c in e.countries)


def test_address_country_uses_publisher_spellings() -> None:
    # The address's last part goes through to_alpha2, which knows DFAT's spelling too.
    assert entry("7823").addresses == (Address("Gaza, Occupied Palestinian Territories", country="PS"),)


# --- small workbooks ---------------------------------------------------------------------------------


def test_noisy_types_and_name_types() -> None:
    data = xlsx(
        row(7, "PRIMARY ONE", "Primary name ", Type="individual\n"),
        row("7a", "ALIAS ONE", "Alias"),
        row("7b ", "OLD ONE", "Previously listed as"),
        row("7c", "ODD ONE", "Nickname"),
        row(8, "ACME LLC", "primary Name", Type="Entity "),
    )
    report = ParseReport()
    first, second = parse(data, report)
    assert (first.entry_id, first.kind, second.entry_id, second.kind) == ("7", "person", "8", "organization")
    assert first.names == (
        Name("PRIMARY ONE", "primary"),
        Name("ALIAS ONE", "alias", quality="Alias"),
        Name("OLD ONE", "former", quality="Previously listed as"),
        Name("ODD ONE", "alias", quality="Nickname"),
    )
    assert report.counts == {"unknown_name_type": 1}


def test_dates_of_birth_in_many_shapes() -> None:
    dobs = [22282, 1969, "a) 01/02/1960; b) 1961", "Between 1960 and 1962", "12. Jul 1980", "19-Dec-1992",
            "24 Jan.1973", "03/1965", "na", "29 March"]  # fmt: skip
    data = xlsx(*(row(n, f"P{n}", **{"Date of Birth": dob}) for n, dob in enumerate(dobs, start=1)))
    report = ParseReport()
    found = [(e.birth_dates, e.properties.get("birth_date_note", ())) for e in parse(data, report)]
    assert found == [
        (("1961-01-01",), ()),
        (("1969",), ()),
        (("1960-02-01", "1961"), ()),
        (("1960/1962",), ()),
        (("1980-07-12",), ()),
        (("1992-12-19",), ()),
        (("1973-01-24",), ()),
        (("1965-03",), ()),
        ((), ()),
        ((), ("29 March",)),
    ]
    assert report.counts == {"unparsed_birth_date": 1}


def test_reference_without_number_names_its_row() -> None:
    error = parse_error(parse, xlsx(row(1, "A"), row("x1", "B")), match="has no number")
    assert error.location == "row 3" and error.source == "au_dfat_sanctions"


def test_wrong_header_and_non_xlsx_input() -> None:
    error = parse_error(parse, xlsx(row(1, "A"), header=HEADER[:-1]), match="header lacks column")
    assert error.location == "row 1"
    parse_error(parse, b"Reference,Name\r\n1,A\r\n", match="not an XLSX file")
    parse_error(parse, truncated(WORKBOOK))
