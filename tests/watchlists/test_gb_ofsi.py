"""UK OFSI Consolidated List parser (XLSX and its CSV twin).

Expectations on real entries were read from ../shared/data/watchlists/uk_ofsi/ConList.xlsx
(the tests skip when it is absent). The CSV twin is written from the workbook's own rows,
since only the XLSX snapshot is stored; small and broken inputs are built inline.

gb_ofsi is deliberately not in the eval index (it only supplies query names), so there is
no key-set test; its "(UN Ref)" links, which build the cross-list queries, are checked.
"""

from __future__ import annotations

import csv
import io

import pytest
from watchlists_support import WATCHLISTS, parse_error, parsed_file, read, truncated

from watchlists.parsers.gb_ofsi import parse
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport
from watchlists.xlsx import read_rows

CONLIST = WATCHLISTS / "uk_ofsi" / "ConList.xlsx"
HEADER = (
    "Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Title,Name Non-Latin Script,Non-Latin Script Type,"
    "Non-Latin Script Language,DOB,Town of Birth,Country of Birth,Nationality,Passport Number,"
    "Passport Details,National Identification Number,National Identification Details,Position,"
    "Address 1,Address 2,Address 3,Address 4,Address 5,Address 6,Post/Zip Code,Country,"
    "Other Information,Group Type,Alias Type,Alias Quality,Regime,Listed On,"
    "UK Sanctions List Date Designated,Last Updated,Group ID"
).split(",")


def parsed() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, CONLIST, distinct_ids=True)


def entry(entry_id: str) -> ListEntry:
    return parsed()[0][entry_id]


def csv_file(*rows: dict[str, str], last_updated: str = "14/04/2025") -> bytes:
    """A small ConList.csv: "Last Updated" row, header, then the given cells by column name."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Last Updated", last_updated])
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(column, "") for column in HEADER])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def person(group_id: str = "1", **cells: str) -> dict[str, str]:
    return {"Name 6": "DOE", "Name 1": "John", "Group Type": "Individual", "Alias Type": "Primary name",
            "Regime": "Russia", "Listed On": "01/02/2020", "Group ID": group_id, **cells}  # fmt: skip


# --- the real file ---------------------------------------------------------------------------------


def test_counts_match_the_data_readme() -> None:
    rows = list(read_rows(read(CONLIST)))
    assert len(rows) - 2 == 18_798  # name rows after "Last Updated" and the header
    entries, report = parsed()
    kinds = [e.kind for e in entries.values()]
    assert len(entries) == 4_688
    assert (kinds.count("person"), kinds.count("organization"), kinds.count("vessel")) == (3_663, 1_010, 15)
    assert report.published_at == "2025-04-14"


def test_report_counts_what_was_repaired() -> None:
    assert parsed()[1].counts == {
        "missing_primary_name": 2,  # groups 16601 and 16789 have only "Primary name variation" rows
        "extra_primary_name": 4,  # second "Primary name" spellings, e.g. the IRGC Qods Force
        "unknown_script_language": 3,  # "Cyrillic", "Ukraine", "Russia" printed as a language
        "unknown_country": 4,  # "Moscow" and "115088" as Country; typos "Repubic of Moldova", "Belrus"
    }


def test_individual_with_un_reference() -> None:
    item = entry("13789")
    assert item.kind == "person" and item.source == "gb_ofsi"
    assert item.names == (
        Name("Ali MAYCHOU", "primary"),
        Name("Abderahmane AL MAGHREBI", "alias", quality="Good quality"),
        Name("Abderrahmane LE MAROCAIN", "alias", quality="Good quality"),
        Name("علي ما يشو", "original_script"),
        Name("Abou Abderahmane SANHAJI", "weak_alias", quality="Low quality"),
    )
    assert item.birth_dates == ("1983-05-25",)
    assert item.nationalities == ("MA",) and item.countries == ("MA", "ML")
    assert item.identifiers == (
        Identifier("Passport", "V06359364", note="Morocco number"),
        Identifier("National Identification Number", "AB704306", note="Morocco identity card"),
    )
    assert item.addresses == (Address("Mali", country="ML"),)
    assert item.programs == ("ISIL (Da'esh) and Al-Qaida",)
    assert item.listed_on == "2019-08-15"
    assert item.properties["un_reference"] == ("QDi.423",)
    assert item.properties["uk_sanctions_list_ref"] == ("AQD0359",)
    assert item.properties["date_designated"] == ("2019-08-14",)
    assert item.properties["last_updated"] == ("2020-12-31",)
    assert item.remarks is not None and item.remarks.startswith(
        "(UK Sanctions List Ref):AQD0359. (UN Ref):QDi.423."
    )


def test_numbered_passports_are_paired_with_their_details() -> None:
    item = entry("13312")  # "(1) 223611 (2) C00146605" / "(1) Libya number (2) British passport number"
    assert item.primary_name == "ABD AL-BASET AZZOUZ"
    assert item.identifiers == (
        Identifier("Passport", "223611", note="Libya number"),
        Identifier("Passport", "C00146605", note="British passport number"),
    )
    assert Name("AA", "weak_alias", quality="Low quality") in item.names
    assert item.birth_dates == ("1966-02-07",) and item.birth_places == ("Doma, Libya",)
    assert item.properties["un_reference"] == ("QDi.371",)


def test_entity_with_former_names() -> None:
    item = entry("13189")
    assert item.kind == "organization"
    assert item.names == (
        Name("ADF (ALLIED DEMOCRATIC FORCES)", "primary"),
        Name("ADF/NALU", "former"),
        Name("ALLIED DEMOCRATIC FORCES", "alias"),
        Name("FORCES DEMOCRATIQUES ALLIEES-ARMEE NATIONALE DE LIBERATION DE L'OUGANDA", "former"),
        # printed in "Name Non-Latin Script" on the FKA row, so it is a former name too
        Name("Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda", "former"),
        Name("NALU", "former"),
    )
    # "Congo (Democratic Republic)" is the DRC, not the Republic of the Congo
    assert item.addresses == (Address("North Kivu Province, Congo (Democratic Republic)", country="CD"),)
    assert item.nationalities == () and item.countries == ("CD",)
    assert item.listed_on == "2014-12-09" and item.programs == ("Democratic Republic of the Congo",)


def test_ship_facts_from_other_information() -> None:
    item = entry("13651")
    assert item.kind == "vessel" and item.primary_name == "SAM JONG 2"
    assert [n.value for n in item.names[1:]] == [
        "AKTIVA", "BIMA", "OCHRE POINT", "PETROCHEM VALOUR", "RAINBOW CHASER", "SOLVENT DISCOVERER",
        "TOM MIRA", "YU_JONG_3",
    ]  # fmt: skip
    assert item.identifiers == (Identifier("IMO", "7408873"),)
    assert item.countries == ("KP",)  # (Flag of ship):North Korea
    props = item.properties
    assert (props["type_of_ship"], props["flag_of_ship"], props["previous_flags"]) == (
        ("Oil tanker",), ("North Korea",), ("Russia",),
    )  # fmt: skip
    assert (props["tonnage_of_ship"], props["length_of_ship"], props["year_built"]) == (
        ("1676",),
        ("80",),
        ("1975",),
    )
    assert props["current_owners"] == ("Korea Samjong Shipping",)


def test_groups_with_two_or_no_primary_names() -> None:
    irgc = entry("11241")
    assert irgc.primary_name == "ISLAMIC REVOLUTIONARY GUARD CORPS (IRGC) QODS FORCE"
    assert Name("ISLAMIC REVOLUTIONARY GUARDS CORPS - QODS FORCE", "alias") in irgc.names
    assert entry("16789").names == (
        Name("PREMERA (H.K.) INTERNATIONAL CO, LIMITED", "primary"),
        Name("普萊米樂(香港)國際貿易有限公司", "original_script", lang="zh"),
    )


def test_every_entry_is_well_formed() -> None:
    entries = parsed()[0].values()
    for item in entries:
        assert item.names[0].type == "primary" and sum(n.type == "primary" for n in item.names) == 1
        assert all(len(c) == 2 and c.isupper() for c in item.countries), item.entry_id
        assert set(item.nationalities) <= set(item.countries)
        assert item.listed_on is not None and item.programs
    # 866 designations carry a UN reference: these are the cross_list_uk_* query sources
    assert sum(1 for e in entries if "un_reference" in e.properties) == 866


def test_csv_twin_gives_the_same_entries() -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for _, values in read_rows(read(CONLIST)):
        writer.writerow(["" if v is None else v for v in values])
    csv_data = ("\ufeff" + out.getvalue()).encode("utf-8")
    report = ParseReport()
    from_csv = {e.entry_id: e.content_hash() for e in parse(csv_data, report)}
    assert from_csv == {key: e.content_hash() for key, e in parsed()[0].items()}
    assert report.published_at == "2025-04-14" and report.counts == parsed()[1].counts


# --- small inputs ------------------------------------------------------------------------------------


def test_dates_of_birth_with_unknown_parts() -> None:
    rows = [person(str(n), DOB=dob) for n, dob in enumerate(
        ["00/00/1960", "00/05/1960", "05/1973", "1951", "07/02/1966", "31/02/1966"], start=1)]  # fmt: skip
    report = ParseReport()
    dates = [e.birth_dates for e in parse(csv_file(*rows), report)]
    assert dates == [("1960",), ("1960-05",), ("1973-05",), ("1951",), ("1966-02-07",), ()]
    assert report.counts == {"unparsed_birth_date": 1}


def test_alias_types_and_qualities() -> None:
    data = csv_file(
        person(),
        person(**{"Name 6": "ROE", "Alias Type": "AKA", "Alias Quality": "Good quality"}),
        person(**{"Name 6": "LOW", "Alias Type": "AKA", "Alias Quality": "Low quality"}),
        person(**{"Name 6": "OLD", "Alias Type": "FKA"}),
        person(**{"Name 6": "VAR", "Alias Type": "Primary name variation"}),
        person(**{"Name 6": "ODD", "Alias Type": "Nickname"}),
        person(**{"Name 6": "", "Name 1": "", "Name Non-Latin Script": "Джон ДОУ",
                  "Non-Latin Script Type": "Cyrillic", "Non-Latin Script Language": "Russian"}),
    )  # fmt: skip
    report = ParseReport()
    (item,) = parse(data, report)
    assert item.names == (
        Name("John DOE", "primary"),
        Name("John ROE", "alias", quality="Good quality"),
        Name("John LOW", "weak_alias", quality="Low quality"),
        Name("John OLD", "former"),
        Name("John VAR", "alias"),
        Name("John ODD", "alias"),
        Name("Джон ДОУ", "original_script", lang="ru"),
    )
    assert report.counts == {"unknown_alias_type": 1, "row_without_name": 1}
    assert report.published_at == "2025-04-14"


def test_numbered_nationalities_and_birth_places() -> None:
    row = person(**{"Nationality": "(1) Syria. (2) Palestinian", "Town of Birth": "(1) Homs (2) Gaza",
                    "Country of Birth": "(1) Syria (2) Palestine", "Address 1": "1 Main St",
                    "Address 6": "Homs", "Post/Zip Code": "123", "Country": "Syria"})  # fmt: skip
    (item,) = parse(csv_file(row))
    assert item.nationalities == ("SY", "PS")
    assert item.birth_places == ("Homs, Syria", "Gaza, Palestine")
    assert item.addresses == (Address("1 Main St, Homs, 123, Syria", postal_code="123", country="SY"),)


def test_csv_in_windows_1252_is_read_and_counted() -> None:
    data = csv_file(person(**{"Name 6": "CAFÉ"})).decode("utf-8").lstrip("\ufeff").encode("cp1252")
    report = ParseReport()
    (item,) = parse(data, report)
    assert item.primary_name == "John CAFÉ" and report.counts == {"csv_decoded_as_cp1252": 1}


# --- broken input ----------------------------------------------------------------------------------


def test_truncated_xlsx_raises_parse_error() -> None:
    error = parse_error(parse, truncated(CONLIST, 3))
    assert error.source == "gb_ofsi"


@pytest.mark.parametrize(
    ("data", "message", "location"),
    [
        (b"", "no header row", "row 1"),
        (b"Last Updated,14/04/2025\r\nName,Alias\r\nX,Y\r\n", "no header row", "row 1"),
        (b"Last Updated,x\r\nName 6,Group ID\r\nX,1\r\n", "header lacks column", "row 2"),
        (b"\x00\x01\x02binary", "binary data", "byte 0"),
    ],
)
def test_files_that_are_not_the_list(data: bytes, message: str, location: str) -> None:
    error = parse_error(parse, data, match=message)
    assert error.source == "gb_ofsi" and error.location == location


def test_row_without_group_id_names_its_row() -> None:
    error = parse_error(parse, csv_file(person(), person(group_id="")), match="no Group ID")
    assert error.location == "row 4"


def test_unterminated_quote_in_csv_names_its_line() -> None:
    data = csv_file(person()) + b'ROE,"Jane,unterminated\r\n'
    error = parse_error(parse, data, match="malformed CSV")
    assert error.location == "line 4"
