"""OFAC legacy CSV set parser (sdn.csv / cons_prim.csv with alt, add and comments files).

Expectations on real entries were read from the published files under ../shared/data
(never copied into the repository); the tests skip with a reason when they are absent.
Broken and synthetic inputs are built inline.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import pytest
from watchlists_support import WATCHLISTS, eval_rows_by_id, names_of, parse_error, read, truncated

from watchlists.errors import ParseError
from watchlists.parsers.ofac_csv import FILE_PARTS, parse_files
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport

SDN_SET = {
    "primary": "ofac/sdn.csv",
    "alt": "ofac/alt.csv",
    "add": "ofac/add.csv",
    "comments": "ofac/sdn_comments.csv",
}
CONSISTENT_SET = {part: f"ofac/consistent_2021-07/{Path(path).name}" for part, path in SDN_SET.items()}
CONS_SET = {
    "primary": "ofac_consolidated/cons_prim.csv",
    "alt": "ofac_consolidated/cons_alt.csv",
    "add": "ofac_consolidated/cons_add.csv",
    "comments": "ofac_consolidated/cons_comments.csv",
}
NULL = "-0- "


def files_of(file_set: dict[str, str]) -> dict[str, bytes]:
    return {part: read(WATCHLISTS / path) for part, path in file_set.items()}


@functools.cache
def parsed(name: str, parts: tuple[str, ...] = tuple(FILE_PARTS)) -> tuple[dict[str, ListEntry], ParseReport]:
    """Entries by entry_id and the report of one real set; cached across tests."""
    file_set = {"sdn": SDN_SET, "consistent": CONSISTENT_SET, "cons": CONS_SET}[name]
    files = {part: data for part, data in files_of(file_set).items() if part in parts}
    report = ParseReport()
    source = "us_ofac_cons" if name == "cons" else "us_ofac_sdn"
    entries: dict[str, ListEntry] = {}
    for entry in parse_files(files, report, source=source):
        assert entry.entry_id not in entries, entry.entry_id
        entries[entry.entry_id] = entry
    return entries, report


def raw_rows(path: str) -> list[list[str]]:
    """The rows of a shared CSV file read with the csv module alone (for the README counts)."""
    text = read(WATCHLISTS / path).decode("utf-8").rstrip("\x1a")
    return list(csv.reader(io.StringIO(text, newline="")))


def row(*fields: str) -> str:
    """One OFAC CSV line: "-0- " unquoted, every other field quoted."""
    return ",".join(f if f == NULL else '"' + f.replace('"', '""') + '"' for f in fields)


def primary(ent_num: str, name: str, sdn_type: str = NULL, remarks: str = NULL, **vessel: str) -> str:
    columns = ["title", "call_sign", "vess_type", "tonnage", "grt", "flag", "owner"]
    return row(ent_num, name, sdn_type, "SDGT", *(vessel.get(c, NULL) for c in columns), remarks)


def ofac_file(*lines: str) -> bytes:
    """A file as OFAC writes it: CRLF line ends and a trailing 0x1A byte."""
    return ("\r\n".join(lines) + "\r\n").encode("ascii") + b"\x1a"


def cut_remark(head: str, tail: str) -> str:
    """A Remarks text of exactly 1,000 characters, as OFAC cuts them: head, filler, tail."""
    return head + "x" * (1000 - len(head) - len(tail)) + tail


def parse_one(remarks: str, report: ParseReport | None = None, **parts: bytes) -> ListEntry:
    files = {"primary": ofac_file(primary("7", "DOE, John", "individual", remarks)), **parts}
    (item,) = parse_files(files, report)
    return item


# --- the real files: counts --------------------------------------------------------------------


def test_readme_row_counts_of_the_sdn_set() -> None:
    assert len(raw_rows(SDN_SET["primary"])) == 14965
    alt, add = raw_rows(SDN_SET["alt"]), raw_rows(SDN_SET["add"])
    assert (len(alt), len({r[0] for r in alt})) == (20107, 8653)
    assert (len(add), len({r[0] for r in add})) == (24244, 18494)
    assert len(raw_rows(SDN_SET["comments"])) == 28


def test_sdn_set_counts_and_orphans() -> None:
    entries, report = parsed("sdn")
    kinds = [e.kind for e in entries.values()]
    assert len(entries) == 14965
    counts = (
        kinds.count("organization"),
        kinds.count("person"),
        kinds.count("vessel"),
        kinds.count("aircraft"),
    )
    assert counts == (6884, 6854, 851, 376)
    assert report.published_at is None  # the CSV set carries no date
    # alt/add/comments are ~19 months newer than sdn.csv (data/README.md): their newer
    # ent_nums have no primary row and are dropped.
    assert report.counts["orphan_alt_ent_nums"] == 1567
    assert report.counts["orphan_add_ent_nums"] == 4253
    assert report.counts["orphan_comments_ent_nums"] == 6
    assert report.counts["orphan_alt_rows"] == 2460
    assert report.counts["orphan_add_rows"] == 4893
    assert report.counts["orphan_comments_rows"] == 6


def test_sdn_set_repairs_are_counted() -> None:
    counts = parsed("sdn")[1].counts
    assert counts["empty_address_rows"] == 2556  # add rows that are "-0-" in every column
    # Five comments rows continue remarks that sdn.csv (older) did not cut: stale comments.
    assert counts["comment_not_continuing_remark"] == 5
    assert counts["truncated_remarks"] == 1  # 39796: cut at 1,000 chars, no continuation
    assert counts["unknown_country"] == 20  # "Region: Kafia Kingi", "Cali" (a city), …
    assert counts["country_placeholder"] == 8  # "undetermined", "None Identified"
    assert counts["identifier_label_guessed"] == 4
    assert counts["remark_item_unparsed"] == 2269  # titles and free text, kept in remarks


def test_consistent_2021_set_resolves_every_join() -> None:
    entries, report = parsed("consistent")
    kinds = [e.kind for e in entries.values()]
    assert len(entries) == 8976
    counts = (
        kinds.count("organization"),
        kinds.count("person"),
        kinds.count("vessel"),
        kinds.count("aircraft"),
    )
    assert counts == (3673, 4620, 406, 277)
    assert not [reason for reason in report.counts if reason.startswith("orphan_")]
    assert "comment_not_continuing_remark" not in report.counts
    assert "truncated_remarks" not in report.counts


def test_consolidated_set_counts() -> None:
    entries, report = parsed("cons")
    kinds = [e.kind for e in entries.values()]
    assert (len(entries), kinds.count("organization"), kinds.count("person")) == (442, 363, 79)
    assert {e.source for e in entries.values()} == {"us_ofac_cons"}
    assert not [reason for reason in report.counts if reason.startswith("orphan_")]
    # All ten comments rows continue a remark cut at 1,000 characters.
    assert "comment_not_continuing_remark" not in report.counts
    assert "truncated_remarks" not in report.counts
    assert report.counts["empty_address_rows"] == 52
    names = [n for e in entries.values() for n in e.names]
    assert sum(n.type in ("alias", "former") for n in names) == 1073  # every cons_alt row
    assert sum(n.type == "weak_alias" for n in names) == 72  # the a.k.a. 'X' of Remarks


# --- the eval contract ---------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "name"), [("us_ofac_sdn", "sdn"), ("us_ofac_cons", "cons")])
def test_entry_keys_match_the_eval_index(source: str, name: str) -> None:
    expected = eval_rows_by_id(source)
    # The eval index is built from the primary, alt and add files only.
    entries = parsed(name, ("primary", "alt", "add"))[0]
    assert set(entries) == set(expected)
    assert [k for k, e in entries.items() if e.primary_name != expected[k]["primary_name"]] == []
    # The index files aircraft under "unknown" (queries have no aircraft kind); all else agrees.
    kinds = {(e.kind, expected[k]["kind"]) for k, e in entries.items() if e.kind != expected[k]["kind"]}
    assert kinds <= {("aircraft", "unknown")}


# --- the real files: entries field by field ------------------------------------------------------


def test_banco_nacional_de_cuba() -> None:
    item = parsed("sdn")[0]["306"]
    assert item.source == "us_ofac_sdn" and item.kind == "organization"
    assert item.names == (
        Name("BANCO NACIONAL DE CUBA", "primary"),
        Name("NATIONAL BANK OF CUBA", "alias", quality="a.k.a."),
        Name("BNC", "weak_alias", quality="a.k.a."),  # Remarks: "a.k.a. 'BNC'."
    )
    assert item.programs == ("CUBA",)
    assert item.addresses[0] == Address(
        full="Zweierstrasse 35, Zurich CH-8022, Switzerland",
        street="Zweierstrasse 35",
        city="Zurich CH-8022",
        country="CH",
    )
    assert [a.country for a in item.addresses] == ["CH", "ES", "JP", "PA"]
    assert item.countries == ("CH", "ES", "JP", "PA")
    assert item.remarks == "a.k.a. 'BNC'."
    assert item.url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=306"


def test_dawood_ibrahim() -> None:
    item = parsed("sdn")[0]["9758"]
    assert item.kind == "person"
    assert item.primary_name == "IBRAHIM, Dawood"
    assert "KASKAR, Dawood Ibrahim" in names_of(item, "alias")
    assert item.programs == ("SDNTK", "SDGT")
    assert item.birth_dates == ("1955-12-26", "1955-12-31")
    assert item.birth_places == ("Ratnagiri, Maharashtra, India",)
    assert item.nationalities == ("IN", "PK", "AE")  # nationality India; citizen India, Pakistan, UAE
    assert item.properties["citizenship"] == ("IN", "PK", "AE")
    assert len(item.identifiers) == 11
    assert item.identifiers[0] == Identifier("Passport", "M-110522", "IN", "issued 1978-11-13")
    assert Identifier("Passport", "G-869537", "PK") in item.identifiers
    assert item.identifiers[-1] == Identifier("Passport", "A-717288", "AE", "issued 1985-08-18")
    assert (
        item.addresses[-1].full
        == "Moin Palace, 2nd Floor, Opp. Abdullah Shah Gazi Dargah, Clifton, Karachi, Pakistan"
    )


def test_al_mujil_title_and_expiring_passport() -> None:
    item = parsed("sdn")[0]["9932"]
    assert item.properties["title"] == ("Doctor",)
    assert item.identifiers == (
        Identifier("Passport", "F 137998", None, "issued 2004-04-18; expires 2009-02-24"),
    )
    assert names_of(item, "weak_alias") == ["ABDALLAH, Abu"]
    assert item.birth_dates == ("1949-04-28", "1949-04-29")
    assert item.nationalities == ("SA",)


def test_vessel_columns() -> None:
    item = parsed("sdn")[0]["4238"]  # MAR AZUL: "CL2192","Tug",-0- ,"212","Cuba","Samir de Navegacion S.A."
    assert (item.kind, item.primary_name) == ("vessel", "MAR AZUL")
    assert item.identifiers == (Identifier("Call Sign", "CL2192", "CU"),)
    assert item.countries == ("CU",)
    assert dict(item.properties) == {
        "vessel_type": ("Tug",),
        "gross_registered_tonnage": ("212",),
        "vessel_flag": ("Cuba",),
        "vessel_owner": ("Samir de Navegacion S.A.",),
    }
    ebano = parsed("sdn")[0]["4243"]  # Remarks: IMO 7406784; f.k.a. 'ANA I'; f.k.a. 'SAND SWAN'.
    assert ebano.identifiers == (Identifier("Vessel Registration Identification", "IMO 7406784"),)
    assert ebano.names[1:] == (
        Name("ANA I", "weak_alias", quality="f.k.a."),
        Name("SAND SWAN", "weak_alias", quality="f.k.a."),
    )
    assert ebano.properties["tonnage"] == ("2595",)


def test_aircraft_remarks() -> None:
    item = parsed("sdn")[0]["15431"]
    assert (item.kind, item.primary_name, item.programs) == ("aircraft", "EP-GOM", ("SDGT",))
    assert item.identifiers == (
        Identifier("Aircraft Construction Number (also called L/N or S/N or F/N)", "8401"),
        Identifier("Aircraft Manufacturer's Serial Number (MSN)", "1023409321"),
    )
    assert item.properties["aircraft_model"] == ("IL76-TD",)
    assert item.properties["aircraft_operator"] == ("YAS AIR",)
    assert item.properties["aircraft_manufacture_date"] == ("1992",)
    assert item.properties["linked_to"] == ("POUYA AIR",)


def test_remark_cut_at_1000_chars_is_continued_from_comments() -> None:
    item = parsed("sdn")[0]["27307"]  # sdn.csv ends "a.k.a. 'WHOIS HACKIN", comments "G TEAM'; …"
    weak = names_of(item, "weak_alias")
    assert weak[:5] == [
        "HIDDEN COBRA",
        "OFFICE 91",
        "GUARDIANS OF PEACE",
        "THE NEW ROMANTIC CYBER ARMY TEAM",
        "WHOIS HACKING TEAM",
    ]
    assert weak[-1] == "APPLEWORM"
    assert item.remarks is not None and "'WHOIS HACKING TEAM'; a.k.a. 'RED DOT'" in item.remarks
    assert item.properties["secondary_sanctions_risk"] == (
        "North Korea Sanctions Regulations, sections 510.201 and 510.210",
    )


def test_cut_remark_without_continuation_skips_its_partial_item() -> None:
    item = parsed("sdn")[0]["39796"]  # TORNADO CASH, ends "…; alt. Digital Currency A"
    addresses = [i.value for i in item.identifiers if i.type == "Digital Currency Address - ETH"]
    assert len(addresses) == 12
    assert addresses[-1] == "0xD21be7248e0197Ee08E0c20D4a96DEBdaC3D20Af"
    assert item.properties["website"] == ("tornado.cash",)
    assert item.remarks is not None and item.remarks.endswith("alt. Digital Currency A")


def test_consolidated_gazprombank() -> None:
    item = parsed("cons")[0]["17016"]
    assert item.source == "us_ofac_cons"
    assert item.names == (
        Name("GAZPROMBANK JOINT STOCK COMPANY", "primary"),
        Name("GAZPROMBANK OPEN JOINT STOCK COMPANY", "former", quality="f.k.a."),
        Name("BANK GPB JSC", "alias", quality="a.k.a."),
        Name("JOINT STOCK BANK OF THE GAS INDUSTRY GAZPROMBANK", "former", quality="f.k.a."),
    )
    assert item.programs == ("UKRAINE-EO13662", "RUSSIA-EO14024")
    # The cut falls inside "'Effec|tive Date": the comments row continues it seamlessly.
    assert item.remarks is not None and "after the 'Effective Date (EO 14024 Directive)'" in item.remarks
    assert set(item.identifiers) == {
        Identifier("SWIFT/BIC", "GAZPRUMM"),
        Identifier("Tax ID No.", "7744001497", "RU"),
        Identifier("Legal Entity Number", "253400WSS48YWMBUA688"),
        Identifier("Registration Number", "1027700167110", "RU"),
    }
    assert item.properties["website"] == ("www.gazprombank.ru",)
    assert item.properties["listing_date_eo_14024_directive_3"] == ("24 Feb 2022",)
    assert item.properties["target_type"] == ("Financial Institution", "State-Owned Enterprise")
    assert item.addresses[0].full == "16 Nametkina Street, Bldg. 1, Moscow 117420, Russia"
    assert item.countries == ("RU", "MN", "KZ", "IN", "CN")


# --- broken and wrong-format input ---------------------------------------------------------------


def test_missing_primary_part_raises() -> None:
    error = parse_error(parse_files, {"alt": b""}, match="missing required file part")
    assert error.location == "files" and error.source == "us_ofac_sdn"


def test_unknown_part_raises() -> None:
    error = parse_error(
        parse_files,
        {"primary": ofac_file(primary("1", "X")), "aliases": b""},
        source="us_ofac_cons",
        match="unknown file part",
    )
    assert error.source == "us_ofac_cons"


def test_truncated_primary_file_raises_naming_the_line() -> None:
    error = parse_error(parse_files, {"primary": truncated(WATCHLISTS / SDN_SET["primary"])})
    assert error.location is not None and error.location.startswith("primary line ")


def test_wrong_column_count_names_part_and_line() -> None:
    alt = ofac_file(row("7", "1", "aka", "JD", NULL), '7,2,"aka"')
    with pytest.raises(ParseError, match="3 columns, expected 5") as caught:
        parse_one(NULL, alt=alt)
    assert caught.value.location == "alt line 2"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x1a",
        b'<?xml version="1.0"?><sdnList/>',
        b"PK\x03\x04\x00\x00binary",
        b'{"json": true}',
    ],
)
def test_not_an_ofac_csv_raises(data: bytes) -> None:
    parse_error(parse_files, {"primary": data})


def test_non_numeric_ent_num_and_empty_name_raise() -> None:
    error = parse_error(
        parse_files, {"primary": ofac_file(primary("X1", "A"))}, match="ent_num 'X1' is not a number"
    )
    assert error.location == "primary line 1"
    error = parse_error(
        parse_files,
        {"primary": ofac_file(primary("4", "A"), primary("5", NULL))},
        match="entry 5 has no SDN_Name",
    )
    assert error.location == "primary line 2"


# --- format details on small inline files --------------------------------------------------------


def test_bom_decimals_duplicates_and_null_kind() -> None:
    report = ParseReport()
    data = b"\xef\xbb\xbf" + ofac_file(
        primary("35096.0", "ACME LTD"), primary("35096", "ACME  LIMITED"), primary("8", "Y", "vessel")
    )
    first, second = parse_files({"primary": data}, report)
    assert (first.entry_id, first.kind, second.kind) == ("35096", "organization", "vessel")
    assert first.names == (Name("ACME LTD", "primary"), Name("ACME LIMITED", "primary"))
    assert report.counts == {"ent_num_with_decimals": 1, "duplicate_primary_rows": 1}


def test_cp1252_file_is_read_and_counted() -> None:
    report = ParseReport()
    (item,) = parse_files({"primary": primary("3", "CAFÉ SA").encode("cp1252")}, report)
    assert item.primary_name == "CAFÉ SA"
    assert report.counts == {"non_utf8_file": 1}


def test_alt_rows_and_orphans() -> None:
    alt = ofac_file(
        row("7", "1", "aka", "DOE, Johnny", NULL),
        row("7", "2", "fka", "ROE, John", NULL),
        row("7", "3", "nka", "DOE-ROE, John", "per decree"),
        row("7", "4", "xyz", "JD", NULL),
        row("99", "5", "aka", "NOBODY", NULL),
    )
    add = ofac_file(row("7", "1", NULL, NULL, NULL, NULL), row("98", "2", "Main St", "Town", "Iran", NULL))
    report = ParseReport()
    item = parse_one(NULL, report, alt=alt, add=add)
    assert item.names[1:] == (
        Name("DOE, Johnny", "alias", quality="a.k.a."),
        Name("ROE, John", "former", quality="f.k.a."),
        Name("DOE-ROE, John", "alias", quality="n.k.a."),
        Name("JD", "alias", quality="xyz"),
    )
    assert item.properties["alias_remark"] == ("DOE-ROE, John: per decree",)
    assert item.addresses == ()
    assert report.counts == {
        "unknown_alt_type": 1,
        "orphan_alt_rows": 1,
        "orphan_alt_ent_nums": 1,
        "empty_address_rows": 1,
        "orphan_add_rows": 1,
        "orphan_add_ent_nums": 1,
    }


def test_comments_continue_a_cut_remark_and_follow_an_uncut_one() -> None:
    cut = cut_remark("Website example.org; ", "; a.k.a. 'AB")
    files = {
        "primary": ofac_file(primary("1", "ONE", remarks=cut), primary("2", "TWO", remarks="Gender Male.")),
        "comments": ofac_file(row("1", "CD'; Website b.org."), row("2", "Website c.org.")),
    }
    report = ParseReport()
    one, two = parse_files(files, report)
    assert names_of(one, "weak_alias") == ["ABCD"]
    assert one.properties["website"] == ("example.org", "b.org")
    assert two.remarks == "Gender Male. Website c.org."
    assert two.properties["website"] == ("c.org",)
    assert report.counts["comment_not_continuing_remark"] == 1


def test_cut_remark_without_comments_is_counted() -> None:
    cut = cut_remark("Website example.org; ", "; DOB 1960")
    report = ParseReport()
    item = parse_one(cut, report)
    assert item.birth_dates == ()  # "DOB 1960" may be "DOB 1960 to 1962" cut short: not read
    assert report.counts["truncated_remarks"] == 1


# --- the Remarks grammar -------------------------------------------------------------------------


def test_remark_dates_places_and_countries() -> None:
    remarks = (
        "DOB 10 Dec 1948; alt. DOB 1950; alt. DOB circa 1951; alt. DOB 1960 to 1962; "
        "alt. DOB 01 Jan 1963 to 31 Dec 1964; alt. DOB Dec 1965; alt. DOB someday; POB Qom, Iran; "
        "nationality Korea, North; alt. nationality Palestinian; citizen Russia; alt. citizen Atlantis; "
        "Gender Male."
    )
    report = ParseReport()
    item = parse_one(remarks, report)
    assert item.birth_dates == ("1948-12-10", "1950", "1951", "1960/1962", "1963-01-01/1964-12-31", "1965-12")
    assert item.birth_places == ("Qom, Iran",)
    assert item.nationalities == ("KP", "PS", "RU")
    assert item.countries == ("KP", "PS", "RU")
    assert item.properties["citizenship"] == ("RU",)
    assert item.properties["gender"] == ("Male",)
    assert report.counts == {"unparsed_birth_date": 1, "unknown_country": 1}


def test_remark_identifiers() -> None:
    remarks = (
        "Passport A123 (Iran) issued 01 Feb 2003 expires 01 Feb 2013; "
        "Registration Number HRA 738077 (Stuttgart) (Germany); Tax ID No. 7707 (Russia); "
        "Matricula Mercantil No 818178-2 (Cali); Vessel Registration Identification IMO 7406784; "
        "Digital Currency Address - XBT 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa; "
        "Trademark number 38266997 (China); National ID No. (HWI)040182 (Burma)."
    )
    report = ParseReport()
    item = parse_one(remarks, report)
    assert item.identifiers == (
        Identifier("Passport", "A123", "IR", "issued 2003-02-01; expires 2013-02-01"),
        Identifier("Registration Number", "HRA 738077 (Stuttgart)", "DE"),
        Identifier("Tax ID No.", "7707", "RU"),
        Identifier("Matricula Mercantil No", "818178-2", None, "Cali"),  # a city, not a country
        Identifier("Vessel Registration Identification", "IMO 7406784"),
        Identifier("Digital Currency Address - XBT", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        Identifier("Trademark number", "38266997", "CN"),
        Identifier("National ID No.", "(HWI)040182", "MM"),
    )
    assert report.counts == {"unknown_country": 1, "identifier_label_guessed": 1}


def test_remark_aliases_properties_and_free_text() -> None:
    remarks = (
        "a.k.a. 'ZAHAR, Mahmoud'; a.k.a. ''FUPI''; a.k.a. 'Abu Haza''; f.k.a. 'OLD NAME'; "
        "n.k.a. 'NEW NAME'; Linked To: HAMAS; Secondary sanctions risk: section 1(b) of Executive "
        "Order 13224; Listing Date (CMIC) 03 Jun 2021; Email Address a@b.ir; alt. Telephone: 0097; "
        "ICTY indictee; Linked To: PETROLEOS DE VENEZUELA, S.A."
    )
    report = ParseReport()
    item = parse_one(remarks, report)
    assert item.names[1:] == (
        Name("ZAHAR, Mahmoud", "weak_alias", quality="a.k.a."),
        Name("'FUPI'", "weak_alias", quality="a.k.a."),
        Name("Abu Haza'", "weak_alias", quality="a.k.a."),
        Name("OLD NAME", "weak_alias", quality="f.k.a."),
        Name("NEW NAME", "weak_alias", quality="n.k.a."),
    )
    assert dict(item.properties) == {
        "linked_to": ("HAMAS", "PETROLEOS DE VENEZUELA, S.A."),  # final "." of an initialism kept
        "secondary_sanctions_risk": ("section 1(b) of Executive Order 13224",),
        "listing_date_cmic": ("03 Jun 2021",),
        "email": ("a@b.ir",),
        "phone": ("0097",),
    }
    assert item.remarks == remarks
    assert report.counts == {"remark_item_unparsed": 1}  # "ICTY indictee"


def test_packed_name_field_is_split() -> None:
    (item,) = parse_files({"primary": ofac_file(primary("4", "ACME a.k.a. ACME TRADING; f.k.a. OLD ACME"))})
    assert item.names == (
        Name("ACME", "primary"),
        Name("ACME TRADING", "alias", quality="a.k.a."),
        Name("OLD ACME", "former", quality="f.k.a."),
    )
