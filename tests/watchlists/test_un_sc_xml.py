"""UN Security Council Consolidated List parser, and the country table it relies on.

Expectations on real entries were read from the published XML under ../shared/data
(never copied into the repository); the tests skip with a reason when it is absent.
Hostile and broken inputs are built inline.
"""

from __future__ import annotations

import time
from pathlib import Path

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st
from watchlists_support import WATCHLISTS, names_of, parse_error, parsed_file, read, truncated

from watchlists.countries import to_alpha2
from watchlists.parsers.un_sc_xml import parse
from watchlists.types import Address, Identifier, ListEntry, Name, ParseReport

UN_DIR = WATCHLISTS / "un"
CURRENT = UN_DIR / "consolidated.xml"
PREVIOUS = UN_DIR / "previous_2026-02-27" / "consolidated.xml"


def parsed(path: Path) -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, path)


def entry(entry_id: str) -> ListEntry:
    return parsed(CURRENT)[0][entry_id]


def un_xml(individual: str) -> bytes:
    """A minimal consolidated list holding one INDIVIDUAL body."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<CONSOLIDATED_LIST dateGenerated="2026-01-01T00:00:00Z">'
        f"<INDIVIDUALS><INDIVIDUAL>{individual}</INDIVIDUAL></INDIVIDUALS><ENTITIES/>"
        "</CONSOLIDATED_LIST>"
    ).encode()


# --- the real files ------------------------------------------------------------------------


def test_current_file_counts_and_publication_date() -> None:
    entries, report = parsed(CURRENT)
    kinds = [e.kind for e in entries.values()]
    assert (kinds.count("person"), kinds.count("organization")) == (737, 272)
    assert len(entries) == 1009  # entry ids are unique
    assert report.published_at == "2026-05-08T23:00:06.922Z"


def test_previous_snapshot_counts_and_publication_date() -> None:
    entries, report = parsed(PREVIOUS)
    kinds = [e.kind for e in entries.values()]
    assert (kinds.count("person"), kinds.count("organization")) == (730, 273)
    assert report.published_at == "2026-02-27T00:00:09.554Z"


def test_report_counts_the_oddities_of_the_current_file() -> None:
    counts = parsed(CURRENT)[1].counts
    assert counts["unknown_country"] == 1  # "former Soviet Union"
    assert counts["country_placeholder"] == 1  # SDi.001 nationality "na"
    assert counts["empty_alias"] == 290  # <ALIAS_NAME/> placeholders
    assert counts["document_without_number"] == 13
    assert counts["primary_name_split"] == 1  # CDe.003
    assert counts["unparsed_birth_date"] == 2  # Hijri date; "30-35 years old"


def test_al_qaida_entity() -> None:
    item = entry("QDe.004")
    assert item.source == "un_sc"
    assert item.kind == "organization"
    assert item.primary_name == "AL-QAIDA"
    aka = [
        '"The Base"',
        "Al Qaeda",
        "Islamic Salvation Foundation",
        "The Group for the Preservation of the Holy Sites",
        "The Islamic Army for the Liberation of Holy Places",
        "The World Islamic Front for Jihad Against Jews and Crusaders",
        "Usama Bin Laden Network",
        "Usama Bin Laden Organization",
        "Al Qa'ida",
        "Al Qa’ida/Islamic Army",
    ]
    assert item.names == (
        Name("AL-QAIDA", "primary"),
        Name("القاعدة", "original_script"),
        *(Name(value, "alias", quality="a.k.a.") for value in aka),
    )
    assert item.listed_on == "2001-10-06"
    assert item.programs == ("Al-Qaida",)
    assert item.countries == () and item.addresses == ()
    assert item.remarks is not None and item.remarks.startswith("Review pursuant to Security Council")
    assert item.url is None
    assert item.properties["dataid"] == ("113458",)
    assert item.properties["last_day_updated"] == ("2009-03-05", "2012-03-21", "2020-11-24")


def test_individual_with_documents_dates_and_weak_aliases() -> None:
    item = entry("QDi.291")
    assert item.kind == "person"
    assert item.primary_name == "IBRAHIM HASSAN TALI AL-ASIRI"
    assert names_of(item, "original_script") == ["إبراهيم حسن طالع العسيري"]
    assert names_of(item, "weak_alias") == ["Abu Saleh", "Abosslah", "Abu-Salaah"]
    assert {n.quality for n in item.names if n.type == "weak_alias"} == {"Low"}
    # "Ibrahim Hassan Tali Asiri (إبراهيم حسن طالع عسيري)" is two renderings of one name.
    assert names_of(item, "alias")[:2] == ["Ibrahim Hassan Tali Asiri", "إبراهيم حسن طالع عسيري"]
    assert item.nationalities == ("SA",)
    assert item.countries == ("SA", "YE")
    assert item.birth_dates == ("1982-04-19", "1982-04-18")
    assert item.birth_places == ("Riyadh, Saudi Arabia",)
    assert item.identifiers == (
        Identifier(
            "Passport",
            "F654645",
            "SA",
            "expired on 7 Mar. 2010. Issue date in Hijri Calendar 24/06/1426. Expiry date in "
            "Hijri Calendar 21/03/1431.; issued 2005-04-30",
        ),
        Identifier("National Identification Number", "1028745097", "SA", "civil identification number"),
    )
    assert item.addresses == (Address("Yemen", country="YE"),)
    assert item.properties["birth_date_note"] == ("24/06/1402 (Hijri Calendar)",)
    assert item.listed_on == "2011-03-24"


def test_fka_aliases_are_former_names() -> None:
    item = entry("CDe.001")
    assert item.primary_name == "ADF"
    assert names_of(item, "alias") == ["Allied Democratic Forces"]
    assert names_of(item, "former") == [
        "Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda",
        "ADF/NALU",
        "NALU",
    ]
    assert {n.quality for n in item.names if n.type == "former"} == {"f.k.a."}
    assert item.addresses == (
        Address("North Kivu, Democratic Republic of the Congo", region="North Kivu", country="CD"),
    )


def test_between_date_is_an_iso_interval() -> None:
    item = entry("TAi.109")
    assert item.birth_dates == ("1966/1967",)
    assert item.properties["birth_date_note"] == ("Approximately",)
    assert item.properties["title"] == ("Maulavi", "Mullah")


def test_month_given_only_in_a_note() -> None:
    assert entry("CDi.004").birth_dates[0] == "1973-11"  # NOTE "Nov. 1973"
    assert entry("QDi.395").birth_dates == ("1958-09",)  # YEAR 1958, NOTE "Sep."
    assert entry("QDi.306").birth_dates == ("1977-08/1977-09", "1976")  # "Between Aug. and Sep. 1977"


def test_packed_alias_lists_are_split() -> None:
    malik = entry("TAi.154")
    assert names_of(malik, "alias") == [
        "حاجى مالك نورزى",
        "Hajji Malik Noorzai",
        "Hajji Malak Noorzai",
        "Haji Malek Noorzai",
        "Allah Muhammad",
    ]
    assert names_of(malik, "weak_alias") == ["Haji Maluk", "Haji Aminullah"]
    # "Mohammed Sabet; Mohammad Sabet b) M. Javad Kareemi Sabet; …" in one ALIAS_NAME.
    assert names_of(entry("IRi.034"), "alias") == [
        "Mohammed Sabet",
        "Mohammad Sabet",
        "M. Javad Kareemi Sabet",
        "M. Jawad Kareemi Sabet",
        "M. Jawad Karimi Sabet",
    ]


def test_labelled_original_script_keeps_the_alias_strength() -> None:
    item = entry("QDi.396")
    assert Name("Amir Khazmat", "weak_alias", quality="Low") in item.names
    assert Name("Амир Хазмат", "weak_alias", quality="Low") in item.names
    assert Name("عبدالباقي حقاني", "original_script", quality="Good") in entry("TAi.038").names


def test_primary_name_packing_two_names_stays_as_printed() -> None:
    item = entry("CDe.003")
    printed = "COMPAGNIE AERIENNE DES GRANDS LACS (CAGL) ; GREAT LAKES BUSINESS COMPANY (GLBC)"
    assert item.primary_name == printed
    assert names_of(item, "alias") == [
        "COMPAGNIE AERIENNE DES GRANDS LACS (CAGL)",
        "GREAT LAKES BUSINESS COMPANY (GLBC)",
        "CAGL",
    ]
    assert item.addresses[0] == Address(
        "Avenue Président Mobutu, Goma, Democratic Republic of the Congo",
        street="Avenue Président Mobutu",
        city="Goma",
        country="CD",
    )
    assert item.countries == ("CD", "RW")


def test_publisher_quirks_are_repaired_or_kept_as_printed() -> None:
    entries = parsed(CURRENT)[0]
    assert "KPe.051" in entries  # printed as "KPe.051 " with a trailing space
    assert entry("TAi.173").listed_on == "2015-03-27"  # printed "2015-03-27-04:00"
    assert entry("TAi.153").primary_name == "FAIZULLAH KHAN NOORZAI na"  # as printed
    sudanese = entry("SDi.001")  # nationality "na" means not available, not Namibia
    assert sudanese.nationalities == () and sudanese.countries == ("SD",)


def test_gender_from_element_or_remarks() -> None:
    assert entry("YEi.002").properties["gender"] == ("Male",)  # <GENDER>
    assert entry("SDi.007").properties["gender"] == ("Male",)  # COMMENTS1 "Gender: Male."


def test_every_country_code_is_iso_alpha2() -> None:
    for item in parsed(CURRENT)[0].values():
        codes = [*item.countries, *(i.country for i in item.identifiers if i.country)]
        assert all(len(code) == 2 and code.isupper() for code in codes), item.entry_id
        assert set(item.nationalities) <= set(item.countries)
        assert item.names and item.names[0].type == "primary"


def test_content_hash_is_stable_across_parses() -> None:
    data = read(CURRENT)
    first = [e.content_hash() for e in parse(data)]
    second = [e.content_hash() for e in parse(data)]
    assert first == second
    assert len(set(first)) == len(first)
    item = entry("QDi.291")
    assert ListEntry.from_dict(item.to_dict()).content_hash() == item.content_hash()


def test_parses_the_full_file_well_under_a_second() -> None:
    data = read(CURRENT)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        list(parse(data))
        timings.append(time.perf_counter() - start)
    assert min(timings) < 1.0


# --- hostile and broken input ----------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CONSOLIDATED_LIST dateGenerated="&lol9;"><INDIVIDUALS/></CONSOLIDATED_LIST>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>
<FIRST_NAME>&xxe;</FIRST_NAME><REFERENCE_NUMBER>QDi.001</REFERENCE_NUMBER>
</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        b'<?xml version="1.0"?><!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://example.invalid/x.dtd">'
        b"<CONSOLIDATED_LIST/>",
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_hostile_xml_is_refused(data: bytes) -> None:
    error = parse_error(parse, data, match="unsafe XML refused")
    assert error.source == "un_sc"


def test_truncated_file_raises_parse_error_with_position() -> None:
    error = parse_error(parse, truncated(CURRENT), match="malformed XML")
    assert error.location is not None and error.location.startswith("line ")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04 not xml",
        b'{"json": true}',
        b'<?xml version="1.0" encoding="bogus"?><CONSOLIDATED_LIST/>',
    ],
)
def test_non_xml_raises_parse_error(data: bytes) -> None:
    parse_error(parse, data)


def test_wrong_root_raises_parse_error() -> None:
    error = parse_error(parse, b"<sdnList><sdnEntry/></sdnList>", match="<sdnList>")
    assert error.location == "root"


def test_entry_without_reference_number_names_its_dataid() -> None:
    error = parse_error(
        parse, un_xml("<DATAID>42</DATAID><FIRST_NAME>X</FIRST_NAME>"), match="REFERENCE_NUMBER"
    )
    assert error.location == "DATAID 42"


def test_entry_without_any_name_names_its_dataid() -> None:
    body = "<DATAID>43</DATAID><FIRST_NAME> </FIRST_NAME><REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER>"
    error = parse_error(parse, un_xml(body), match="QDi.999 has no name")
    assert error.location == "DATAID 43"


def test_alias_quality_mapping_and_duplicates() -> None:
    aliases = "".join(
        f"<INDIVIDUAL_ALIAS><QUALITY>{quality}</QUALITY><ALIAS_NAME>{name}</ALIAS_NAME></INDIVIDUAL_ALIAS>"
        for quality, name in [
            ("Good", "A One"),
            ("", "B Two"),
            ("Low", "C Three"),
            ("Low", "C Three"),  # identical (value, type): kept once
            ("Good", "C Three"),  # same value, other type: kept
            ("Odd", "D Four"),
        ]
    )
    report = ParseReport()
    body = f"<DATAID>7</DATAID><FIRST_NAME>P</FIRST_NAME><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER>{aliases}"
    (item,) = parse(un_xml(body), report)
    assert [(n.value, n.type, n.quality) for n in item.names] == [
        ("P", "primary", None),
        ("A One", "alias", "Good"),
        ("B Two", "alias", None),
        ("C Three", "weak_alias", "Low"),
        ("C Three", "alias", "Good"),
        ("D Four", "alias", "Odd"),
    ]
    assert report.counts == {"unknown_alias_quality": 1}
    assert report.published_at == "2026-01-01T00:00:00Z"


# --- countries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Iran (Islamic Republic of)", "IR"),
        ("Democratic People's Republic of Korea", "KP"),
        ("Democratic People’s Republic of Korea", "KP"),
        ("Syrian Arab Republic", "SY"),
        ("Russian Federation", "RU"),
        ("United Republic of Tanzania", "TZ"),
        ("Viet Nam", "VN"),
        ("State of Palestine", "PS"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("China, Hong Kong Special Administrative Region", "HK"),
        ("Democratic Republic of the Congo", "CD"),
        ("Congo (Democratic Republic)", "CD"),
        ("Congo", "CG"),
        ("Bolivia (Plurinational State of)", "BO"),
        ("Russie", "RU"),
        ("Iran", "IR"),
        ("Allemagne", "DE"),
        ("République démocratique du Congo", "CD"),
        ("Russia / Russie", "RU"),
        ("Myanmar (Burma) / Myanmar (Birmanie)", "MM"),
        ("South Sudan / Soudan du sud", "SS"),
        ("  CÔTE D'IVOIRE ", "CI"),
        ("St. Kitts & Nevis", "KN"),
        ("The Gambia", "GM"),
        ("ru", "RU"),
        ("RUS", "RU"),
        ("UK", "GB"),
        ("USA", "US"),
        ("Kosovo", "XK"),
        ("Burma", "MM"),
        ("Zaire", "CD"),
        ("Swaziland", "SZ"),
    ],
)
def test_to_alpha2_known(value: str, code: str) -> None:
    assert to_alpha2(value) == code


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Atlantis",
        "former Soviet Union",
        "USSR",
        "Yugoslavia",
        "Netherlands Antilles",
        "Korea",  # North or South: ambiguous
        "Kenya/Somalia border",  # a region, not a bilingual name
        "Hamas Terrorist Attacks / Attaques terroristes du Hamas",
    ],
)
def test_to_alpha2_unknown_gives_none(value: str) -> None:
    assert to_alpha2(value) is None


def test_to_alpha2_resolves_every_iso_name_and_code() -> None:
    for country in pycountry.countries:
        spellings = [country.name, country.alpha_2, country.alpha_3, country.alpha_2.lower()]
        spellings += [getattr(country, "official_name", country.name)]
        assert {to_alpha2(s) for s in spellings} == {country.alpha_2}, country.name


@given(st.text(max_size=40))
def test_to_alpha2_never_raises_and_returns_a_code_or_none(value: str) -> None:
    code = to_alpha2(value)
    assert code is None or (len(code) == 2 and code.isupper())
    assert to_alpha2(value.upper()) == to_alpha2(value.casefold()) or not value.isascii()
