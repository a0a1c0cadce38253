"""EU Financial Sanctions Files (FSD export v1.1) parser.

Expectations on real entries were read from ../shared/data/watchlists/eu/eu_sample.xml, a
5-entity excerpt of the official export (never copied into the repository); the tests
skip with a reason when it is absent. Broken and variant inputs are built inline.
"""

from __future__ import annotations

import pytest
from watchlists_support import WATCHLISTS, parse_error, parsed_file, read, truncated

from watchlists.parsers.eu_fsf import parse
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport

SAMPLE = WATCHLISTS / "eu" / "eu_sample.xml"
NS = "http://eu.europa.ec/fpi/fsd/export"


def parsed() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, SAMPLE)


def entry(entry_id: str) -> ListEntry:
    return parsed()[0][entry_id]


def export(body: str, *, namespace: str = NS) -> bytes:
    """A minimal export holding `body` (sanctionEntity elements)."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><export{xmlns} generationDate="2026-01-01T00:00:00Z">'
        f"{body}</export>"
    ).encode()


# --- the real sample -------------------------------------------------------------------------


def test_sample_counts_and_publication_date() -> None:
    entries, report = parsed()
    assert list(entries) == ["13", "191", "980", "330", "999999"]
    kinds = [e.kind for e in entries.values()]
    assert (kinds.count("person"), kinds.count("organization")) == (3, 2)
    # README: 23 nameAlias elements; none repeats a (value, type) pair within its entity.
    assert sum(len(e.names) for e in entries.values()) == 23
    assert report.published_at == "2026-08-05T16:47:04.449+02:00"


def test_report_counts_what_was_repaired() -> None:
    # 999999 has no nameAlias; 191's passport carries the EU's "00" (UNKNOWN) country.
    assert parsed()[1].counts == {"entry_without_name": 1, "country_placeholder": 1}


def test_synthetic_entity_without_names_is_kept() -> None:
    # logicalId 999999 (EU.0.0) was added to the sample by the fixture's author: it is not
    # a real designation, but it is valid input, so the parser keeps it.
    item = entry("999999")
    assert item.kind == "person"
    assert item.names == () and item.primary_name == ""
    assert item.properties == {"eu_reference_number": ("EU.0.0",)}


def test_saddam_hussein_person_with_birthdate_and_citizenship() -> None:
    item = entry("13")
    assert item.source == "eu_fsf"
    assert item.names == (
        Name("Saddam Hussein Al-Tikriti", "primary"),
        Name("Abu Ali", "alias"),
        Name("Abou Ali", "alias", lang="fr"),
    )
    assert item.nationalities == ("IQ",) and item.countries == ("IQ",)
    assert item.birth_dates == ("1937-04-28",)
    assert item.birth_places == ("al-Awja, near Tikrit, IRAQ",)
    assert item.programs == ("IRQ",)
    assert item.remarks == "UNSC RESOLUTION 1483"
    assert item.listed_on is None  # no designationDate on this entity
    assert item.properties["eu_reference_number"] == ("EU.27.28",)
    assert item.properties["gender"] == ("M",)
    assert item.properties["regulation"] == ("1210/2003 (OJ L169)",)


def test_structured_alias_is_the_primary_and_passport_has_placeholder_country() -> None:
    item = entry("191")
    # The first nameAlias is a French rendering; the one with lastName MOHAMMED is primary.
    assert item.names[0] == Name("Khalid Sheikh MOHAMMED", "primary", lang="en")
    assert [n.value for n in item.names[1:]] == [
        "Bin Khalid Fahd Bin Adballah",
        "Wadood Khalid Adbul",
        "Henin Ashraf Refaat Nabith",
        "Bin Khalid Fahd Bin Abdallah",
        "Wadood Khalid Abdul",
        "Ali Salem",
    ]
    assert {n.type for n in item.names[1:]} == {"alias"}
    assert item.identifiers == (Identifier("National passport", "488555"),)
    assert item.birth_dates == ("1965-04-14", "1964-03-01")
    assert item.birth_places == ("PAKISTAN",)  # city "-" is a placeholder
    assert item.programs == ("TERR",)
    assert item.countries == ()


def test_enterprise_addresses() -> None:
    item = entry("980")
    assert item.kind == "organization"
    assert item.names == (Name("Global Relief Foundation (GRF)", "primary"),)
    assert item.addresses == (
        Address(
            "Bridgeview, Illinois, PO Box 1406 - 60455, UNITED STATES",
            city="Bridgeview, Illinois",
            postal_code="PO Box 1406 - 60455",
            country="US",
        ),
        Address(
            "9935 South 76th Avenue, Unit 1, Bridgeview, Illinois, 60455, UNITED STATES",
            street="9935 South 76th Avenue, Unit 1",
            city="Bridgeview, Illinois",
            postal_code="60455",
            country="US",
        ),
    )
    assert item.countries == ("US",) and item.nationalities == ()
    assert item.programs == ("TAQA",)


def test_cyrillic_names_curly_quotes_contacts_and_multiline_remark() -> None:
    item = entry("330")
    assert item.listed_on == "2001-10-06"
    assert len(item.names) == 12
    assert Name("Организация за подпомагане на Ulema, Пакистан", "alias", lang="bg") in item.names
    assert item.primary_name == "Al-Rasheed Trust"
    assert len(item.addresses) == 11
    assert item.addresses[3].street == "Office Dha’rbi-M’unin, Opposite Khyber Bank, Abbottabad Road"
    assert item.addresses[5].region == "Swat"
    assert item.properties["phone"] == (
        "497 92 63",
        "262 38 18-19",
        "587-25 45",
        "668 33 01; 0300- 820 91 99",
        "042-681 20 81",
    )
    assert item.properties["fax"] == ("662 38 14",)
    assert item.remarks is not None
    lines = item.remarks.split("\n")
    assert len(lines) == 6
    assert lines[0].startswith("Banned in Pakistan since October 2001.")
    assert lines[3] == (
        "Until 21.10.2008 the UN list included the entries ‘Al Rashid Trust’ (listed on "
        "6.10.2001) and ‘Aid Organization of the"
    )
    assert lines[5] == "entry on 21 October 2008."


def test_content_hash_is_stable_across_parses() -> None:
    data = read(SAMPLE)
    assert [e.content_hash() for e in parse(data)] == [e.content_hash() for e in parse(data)]
    item = entry("330")
    assert ListEntry.from_dict(item.to_dict()).content_hash() == item.content_hash()


@pytest.mark.parametrize("namespace", ["http://eu.europa.ec/fpi/fsd/export/v2", ""])
def test_other_namespace_versions_parse_the_same(namespace: str) -> None:
    data = read(SAMPLE).replace(
        f'xmlns="{NS}"'.encode(), f'xmlns="{namespace}"'.encode() if namespace else b""
    )
    assert [e.content_hash() for e in parse(data)] == [e.content_hash() for e in parsed()[0].values()]


# --- variants and broken input ---------------------------------------------------------------


def test_weak_aliases_name_parts_partial_dates_and_comments() -> None:
    body = """
    <!-- a comment between entities -->
    <sanctionEntity logicalId="1" designationDate="2020-02-03" euReferenceNumber="EU.1.1">
      <!-- and one inside -->
      <subjectType code="person"/>
      <nameAlias wholeName="" firstName="Ivan" middleName="I." lastName="Petrov" strong="true"/>
      <nameAlias wholeName="Vanya" strong="false" nameLanguage="RU"/>
      <birthdate year="1970" monthOfYear="5" dayOfMonth="0" circa="true" city="Omsk"
                 countryDescription="RUSSIA"/>
      <identification identificationTypeCode="id" number="" />
      <citizenship countryIso2Code="RU"/>
    </sanctionEntity>
    <sanctionEntity logicalId="2"><subjectType code="vessel"/>
      <nameAlias wholeName="SHIP" strong="true"/></sanctionEntity>
    """
    report = ParseReport()
    first, second = parse(export(body), report)
    assert first.names == (Name("Ivan I. Petrov", "primary"), Name("Vanya", "weak_alias", "ru", "weak"))
    assert first.birth_dates == ("1970-05",)
    assert first.birth_places == ("Omsk, RUSSIA",)
    assert first.properties["birth_date_note"] == ("circa",)
    assert first.nationalities == ("RU",) and first.listed_on == "2020-02-03"
    assert second.kind == "unknown"
    assert report.counts == {"identification_without_number": 1, "unknown_subject_type": 1}
    assert report.published_at == "2026-01-01T00:00:00Z"


def test_truncated_file_raises_parse_error_with_position() -> None:
    error = parse_error(parse, truncated(SAMPLE), match="malformed XML")
    assert error.source == "eu_fsf"
    assert error.location is not None and error.location.startswith("line ")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04 not xml",
        b'<?xml version="1.0"?><!DOCTYPE export [<!ENTITY x SYSTEM "file:///etc/passwd">]><export>&x;</export>',
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aa"><!ENTITY b "&a;&a;">]><export>&b;</export>',
    ],
    ids=["empty", "zip", "external-entity", "entity-expansion"],
)
def test_non_xml_and_hostile_xml_raise_parse_error(data: bytes) -> None:
    parse_error(parse, data)


def test_wrong_root_raises_parse_error() -> None:
    error = parse_error(parse, b"<CONSOLIDATED_LIST/>", match="<CONSOLIDATED_LIST>")
    assert error.location == "root"


def test_entity_without_logical_id_names_its_position() -> None:
    body = '<sanctionEntity logicalId="7"/><sanctionEntity euReferenceNumber="EU.1"/>'
    error = parse_error(parse, export(body), match="without logicalId")
    assert error.location == "sanctionEntity #2"


def test_repeated_logical_id_is_refused() -> None:
    body = '<sanctionEntity logicalId="7"/><sanctionEntity logicalId="7"/>'
    error = parse_error(parse, export(body), match="logicalId 7 repeated")
    assert error.location == "sanctionEntity #2"
