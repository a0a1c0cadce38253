"""OFAC sdn.xml-schema parser, checked on the Consolidated list XML and against the CSV parser.

Expectations on real entries were read from the published files under ../shared/data
(never copied into the repository); the tests skip with a reason when they are absent.
Hostile, broken and classic-namespace inputs are built inline.
"""

from __future__ import annotations

import functools

import pytest
from watchlists_support import WATCHLISTS, parse_error, parsed_file, read, truncated

from watchlists.parsers.ofac_csv import parse_files
from watchlists.parsers.ofac_xml import parse
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport

CONS_DIR = WATCHLISTS / "ofac_consolidated"
XML_FILE = CONS_DIR / "consolidated.xml"
CSV_SET = {
    "primary": "cons_prim.csv",
    "alt": "cons_alt.csv",
    "add": "cons_add.csv",
    "comments": "cons_comments.csv",
}
SLS_NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"
CLASSIC_NS = "http://tempuri.org/sdnList.xsd"


def parsed_xml() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, XML_FILE, source="us_ofac_cons")


@functools.cache
def parsed_csv() -> dict[str, ListEntry]:
    files = {part: read(CONS_DIR / name) for part, name in CSV_SET.items()}
    return {e.entry_id: e for e in parse_files(files, source="us_ofac_cons")}


def sdn_list(
    entries: str, namespace: str | None = SLS_NS, publish: str = "01/08/2026", count: int = 1
) -> bytes:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0" standalone="yes"?><sdnList{xmlns}>'
        f"<publshInformation><Publish_Date>{publish}</Publish_Date><Record_Count>{count}</Record_Count>"
        f"</publshInformation>{entries}</sdnList>"
    ).encode()


# --- the real file -------------------------------------------------------------------------------


def test_counts_and_publication_date() -> None:
    entries, report = parsed_xml()
    kinds = [e.kind for e in entries.values()]
    assert (len(entries), kinds.count("organization"), kinds.count("person")) == (442, 363, 79)
    assert sum(1 for e in entries.values() for n in e.names if n.type != "primary") == 1144  # every <aka>
    assert report.published_at == "2026-01-08"  # <Publish_Date>01/08/2026</Publish_Date>
    # OAO NOVATEK (17064) prints "1026303117642 (Russia)" in idNumber with no idCountry.
    assert report.counts == {"id_country_in_number": 2}
    assert {e.source for e in entries.values()} == {"us_ofac_cons"}


def test_aka_categories() -> None:
    names = [n for e in parsed_xml()[0].values() for n in e.names]
    by_type = {(n.type, n.quality): 0 for n in names}
    for n in names:
        by_type[n.type, n.quality] += 1
    # 931 strong a.k.a., 141 strong f.k.a., 69 weak a.k.a., 3 weak f.k.a.
    assert by_type == {
        ("primary", None): 442,
        ("alias", "a.k.a."): 931,
        ("former", "f.k.a."): 141,
        ("weak_alias", "a.k.a."): 69,
        ("weak_alias", "f.k.a."): 3,
    }


def test_zahhar() -> None:
    item = parsed_xml()[0]["9647"]
    assert (item.kind, item.url) == ("person", "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=9647")
    assert item.names == (
        Name("ZAHHAR, Mahmoud Khaled", "primary"),
        Name("AL ZAHAR, Mahmoud Khaled", "alias", quality="a.k.a."),
        Name("ZAHAR, Mahmoud", "weak_alias", quality="a.k.a."),
        Name("AL-ZAHAR, Mahmoud", "weak_alias", quality="a.k.a."),
    )
    assert item.programs == ("NS-PLC", "SDGT")
    assert item.nationalities == ("PS",)  # "Palestinian"
    assert item.addresses == (Address(full="Region: Gaza", country="PS"),)
    assert (item.birth_dates, item.birth_places) == (("1945",), ("Gaza Strip",))
    assert item.remarks == "(Linked To: HAMAS)"
    assert dict(item.properties) == {
        "gender": ("Male",),
        "secondary_sanctions_risk": (
            "section 1(b) of Executive Order 13224, as amended by Executive Order 13886",
        ),
        "linked_to": ("HAMAS",),
    }
    assert item.identifiers == ()


def test_martelly() -> None:
    item = parsed_xml()[0]["50476"]
    assert item.primary_name == "MARTELLY, Michel Joseph"
    assert item.names[1:] == (
        Name("MARTELLY, Michael", "alias", quality="a.k.a."),
        Name("Sweet Micky", "weak_alias", quality="a.k.a."),
    )
    assert item.identifiers == (
        Identifier("National ID No.", "0032768386", "HT"),
        Identifier("Driver's License No.", "M634550610520", "US"),
    )
    assert item.addresses[0] == Address(
        full="Miami, FL, United States", city="Miami", region="FL", country="US"
    )
    assert item.countries == ("HT", "US", "DO")
    assert item.birth_dates == ("1961-02-12",)
    assert len(item.properties["executive_order_14059_information"]) == 3


def test_gazprombank() -> None:
    item = parsed_xml()[0]["17016"]
    assert item.names[1] == Name("GAZPROMBANK OPEN JOINT STOCK COMPANY", "former", quality="f.k.a.")
    assert item.identifiers == (
        Identifier("Registration Number", "1027700167110", "RU"),
        Identifier("Tax ID No.", "7744001497", "RU"),
        Identifier("Legal Entity Number", "253400WSS48YWMBUA688"),
        Identifier("SWIFT/BIC", "GAZPRUMM"),
    )
    assert item.addresses[0] == Address(
        full="16 Nametkina Street, Bldg. 1, Moscow 117420, Russia",
        street="16 Nametkina Street, Bldg. 1",
        city="Moscow",
        postal_code="117420",
        country="RU",
    )
    assert item.properties["organization_established_date"] == ("31 Jul 1990",)
    assert item.properties["executive_order_13662_directive_determination"] == ("Subject to Directive 1",)


def test_xml_and_csv_agree_on_the_442_shared_entries() -> None:
    xml, csv = parsed_xml()[0], parsed_csv()
    assert set(xml) == set(csv)
    assert [k for k in xml if (xml[k].kind, xml[k].primary_name) != (csv[k].kind, csv[k].primary_name)] == []
    for field in ("countries", "nationalities", "birth_dates", "birth_places"):
        assert [k for k in xml if getattr(xml[k], field) != getattr(csv[k], field)] == [], field
    assert [k for k in xml if set(xml[k].identifiers) != set(csv[k].identifiers)] == []
    weak = {
        k
        for k in xml
        if {n for n in xml[k].names if n.type == "weak_alias"}
        != {n for n in csv[k].names if n.type == "weak_alias"}
    }
    assert weak == set()  # the weak akas are exactly the a.k.a. 'X' of the CSV Remarks
    # The CSV (2025-12-19) is three weeks older than the XML (2026-01-08): 18721 still lists
    # its own name as an a.k.a.; 22391 prints '' where the XML has a double quote.
    assert {k for k in xml if set(xml[k].names) != set(csv[k].names)} == {"18721", "22391"}
    assert {k for k in xml if {a.full for a in xml[k].addresses} != {a.full for a in csv[k].addresses}} == {
        "17018"
    }


# --- the classic namespace and the schema's other elements ----------------------------------------

CLASSIC_ENTRY = """
<sdnEntry>
  <uid>4243</uid><lastName>EBANO</lastName><sdnType>Vessel</sdnType>
  <programList><program>CUBA</program></programList>
  <idList><id><uid>1</uid><idType>Vessel Registration Identification</idType>
    <idNumber>IMO 7406784</idNumber></id></idList>
  <akaList>
    <aka><uid>2</uid><type>f.k.a.</type><category>weak</category><lastName>ANA I</lastName></aka>
    <aka><uid>3</uid><type>n.k.a.</type><category>strong</category><lastName>EBANO II</lastName></aka>
    <aka><uid>4</uid><type>a.k.a.</type><lastName>EBANO III</lastName></aka>
  </akaList>
  <vesselInfo><callSign>HOKJ</callSign><vesselType>General Cargo</vesselType><vesselFlag>Panama</vesselFlag>
    <vesselOwner>Owner SA</vesselOwner><tonnage>2595</tonnage>
    <grossRegisteredTonnage>1865</grossRegisteredTonnage></vesselInfo>
</sdnEntry>
<sdnEntry>
  <uid>10481</uid><firstName>Qasem</firstName><lastName>SOLEIMANI</lastName><title>Commander</title>
  <sdnType>Individual</sdnType>
  <idList><id><uid>5</uid><idType>Passport</idType><idNumber>008827</idNumber><idCountry>Iran</idCountry>
    <issueDate>14 Dec 1999</issueDate><expirationDate>13 Dec 2009</expirationDate></id></idList>
  <addressList><address><uid>6</uid><address1>Street 1</address1><address2>Block 2</address2>
    <address3>Unit 3</address3><city>Tehran</city><stateOrProvince>Tehran Province</stateOrProvince>
    <postalCode>11111</postalCode><country>Iran</country><region>Middle East</region></address></addressList>
  <nationalityList><nationality><uid>7</uid><country>Iran</country><mainEntry>true</mainEntry></nationality></nationalityList>
  <citizenshipList><citizenship><uid>8</uid><country>Iraq</country><mainEntry>false</mainEntry></citizenship></citizenshipList>
  <dateOfBirthList><dateOfBirthItem><uid>9</uid><dateOfBirth>circa 1957</dateOfBirth></dateOfBirthItem>
    <dateOfBirthItem><uid>10</uid><dateOfBirth>1958 to 1960</dateOfBirth></dateOfBirthItem></dateOfBirthList>
  <placeOfBirthList><placeOfBirthItem><uid>11</uid><placeOfBirth>Qom, Iran</placeOfBirth>
    </placeOfBirthItem></placeOfBirthList>
</sdnEntry>
"""


@pytest.mark.parametrize("namespace", [CLASSIC_NS, SLS_NS, None])
def test_classic_sdn_xml_in_any_namespace(namespace: str | None) -> None:
    report = ParseReport()
    vessel, person = parse(sdn_list(CLASSIC_ENTRY, namespace, publish="05/03/2024", count=2), report)
    assert report.published_at == "2024-05-03"
    assert report.counts == {"aka_without_category": 1}
    assert (vessel.kind, vessel.source) == ("vessel", "us_ofac_sdn")
    assert vessel.names == (
        Name("EBANO", "primary"),
        Name("ANA I", "weak_alias", quality="f.k.a."),
        Name("EBANO II", "alias", quality="n.k.a."),
        Name("EBANO III", "alias", quality="a.k.a."),
    )
    assert vessel.identifiers == (
        Identifier("Vessel Registration Identification", "IMO 7406784"),
        Identifier("Call Sign", "HOKJ", "PA"),
    )
    assert vessel.countries == ("PA",)
    assert vessel.properties["vessel_owner"] == ("Owner SA",)
    assert vessel.properties["gross_registered_tonnage"] == ("1865",)
    assert person.primary_name == "SOLEIMANI, Qasem"
    assert person.properties["title"] == ("Commander",)
    assert person.properties["citizenship"] == ("IQ",)
    assert person.nationalities == ("IR", "IQ")
    assert person.identifiers == (
        Identifier("Passport", "008827", "IR", "issued 1999-12-14; expires 2009-12-13"),
    )
    assert person.addresses == (
        Address(
            full="Street 1, Block 2, Unit 3, Tehran, Tehran Province 11111, Iran",
            street="Street 1, Block 2, Unit 3",
            city="Tehran",
            region="Tehran Province",
            postal_code="11111",
            country="IR",
            note="Middle East",
        ),
    )
    assert person.birth_dates == ("1957", "1958/1960")
    assert person.birth_places == ("Qom, Iran",)


def test_repeated_uid_merges_and_record_count_is_checked() -> None:
    entry = "<sdnEntry><uid>1</uid><lastName>{}</lastName><sdnType>Entity</sdnType></sdnEntry>"
    report = ParseReport()
    (item,) = parse(sdn_list(entry.format("ACME") + entry.format("ACME CO"), count=3), report)
    assert item.names == (Name("ACME", "primary"), Name("ACME CO", "primary"))
    assert report.counts == {"duplicate_uid": 1, "record_count_mismatch": 1}


# --- broken and hostile input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><sdnList>&a;</sdnList>',
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.com/x.dtd"><sdnList/>',
    ],
    ids=["internal-entity", "external-dtd"],
)
def test_hostile_xml_is_refused(data: bytes) -> None:
    error = parse_error(parse, data, source="us_ofac_cons", match="unsafe XML refused")
    assert error.source == "us_ofac_cons"


def test_truncated_file_raises_parse_error_with_position() -> None:
    error = parse_error(parse, truncated(XML_FILE), match="malformed XML")
    assert error.location is not None and error.location.startswith("line ")


@pytest.mark.parametrize(
    "data", [b"", b'36,"X",-0- ,"CUBA"', b"PK\x03\x04", b'<?xml version="1.0" encoding="bogus"?><sdnList/>']
)
def test_non_xml_raises_parse_error(data: bytes) -> None:
    parse_error(parse, data)


def test_wrong_root_raises_parse_error() -> None:
    error = parse_error(parse, b"<CONSOLIDATED_LIST/>", match="<CONSOLIDATED_LIST>")
    assert error.location == "root"


def test_entry_without_uid_or_name_names_its_position() -> None:
    error = parse_error(parse, sdn_list("<sdnEntry><lastName>X</lastName></sdnEntry>"), match="no uid")
    assert error.location == "sdnEntry #1"
    error = parse_error(
        parse,
        sdn_list("<sdnEntry><uid>42</uid><firstName> </firstName></sdnEntry>"),
        match="42 has no lastName",
    )
    assert error.location == "sdnEntry #1 (uid 42)"
