"""Canada SEMA consolidated autonomous sanctions list parser.

Expectations on real entries were read from ../shared/data/watchlists/canada_sema/cannada.xml
(never copied into the repository); the eval key set comes from
../shared/eval/index_keys.jsonl. The tests skip with a reason when either is absent.
"""

from __future__ import annotations

import pytest
from watchlists_support import (
    WATCHLISTS,
    eval_kinds_by_key,
    kinds_by_key,
    names_of,
    parse_error,
    parsed_file,
    truncated,
)

from watchlists.parsers.ca_sema import _alias_names, parse
from watchlists.types import Identifier, ListEntry, Name, ParseReport

CANADA = WATCHLISTS / "canada_sema" / "cannada.xml"


def parsed() -> tuple[dict[str, ListEntry], ParseReport]:
    return parsed_file(parse, CANADA)


def entry(entry_id: str) -> ListEntry:
    return parsed()[0][entry_id]


def records(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><data-set>{body}</data-set>'.encode()


# --- the real file ---------------------------------------------------------------------------


def test_counts_match_the_readme_after_merging_shared_keys() -> None:
    entries, report = parsed()
    kinds = [e.kind for e in entries.values()]
    # README: 4,759 records = 3,334 individuals + 1,425 entities or ships. Seven person
    # records repeat a key (another regime or schedule): 4,752 entries, as in the eval index.
    assert len(entries) == 4752
    assert report.counts["merged_record"] == 7
    assert (kinds.count("person"), kinds.count("organization"), kinds.count("vessel")) == (3327, 1316, 109)
    assert report.published_at is None  # the file carries no date


def test_entry_keys_are_exactly_the_eval_index_keys() -> None:
    expected = eval_kinds_by_key("ca_sema_sanctions")
    produced = kinds_by_key(parsed()[0].values())
    assert len(expected) == 4752
    assert produced == expected  # same keys, and the same kinds
    assert all(e.primary_name == e.entry_id for e in parsed()[0].values())


def test_report_counts_the_oddities() -> None:
    counts = parsed()[1].counts
    assert counts["regime_not_a_country"] == 141  # JVCFOR 80, Hamas 39, settler violence 22
    assert counts["alias_split"] == 460
    assert counts["unparsed_birth_date"] == 2  # "Sep-99" and "born in the early 1970s"
    assert "kind_conflict" not in counts


def test_person_listed_under_two_regimes_is_one_entry() -> None:
    item = entry("Saeed Mortazavi")  # also printed "Saeed MORTAZAVI" under JVCFOR
    assert item.kind == "person"
    assert item.names == (
        Name("Saeed Mortazavi", "primary"),
        Name("سعید مرتضوی", "alias"),
        Name("Saeed MORTAZAVI", "primary"),
    )
    jvcfor = (
        "Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR) / Règlement relatif "
        "à la justice pour les victimes de dirigeants étrangers corrompus (RJVDEC)"
    )
    assert item.programs == ("Iran", jvcfor)
    assert item.countries == ("IR",)
    assert item.birth_dates == ("1967",)
    assert item.listed_on == "2022-10-11"  # the earlier of 2022-10-11 and 2023-12-07
    assert item.properties["listing"] == ("Iran: Schedule 1, Part 2.1, Item 11", f"{jvcfor}: Item 74")


def test_vessel_with_imo_type_and_build_year() -> None:
    item = entry("Angara")
    assert item.kind == "vessel"
    assert item.names == (Name("Angara", "primary"),)
    assert item.identifiers == (Identifier("imo", "9179842"),)
    assert item.properties["vessel_type"] == ("Ro-Ro Cargo",)
    assert item.properties["build_date"] == ("1998",)
    assert item.birth_dates == ()
    assert item.programs == ("Russia / Russie",) and item.countries == ("RU",)
    assert item.listed_on == "2025-02-21"
    assert item.properties["listing"] == ("Russia / Russie: Schedule 1.1, Item 8",)


def test_person_aliases_split_on_commas_with_arabic_label() -> None:
    item = entry("Mohamed Hamdan Dagalo Mousa")
    assert names_of(item, "weak_alias") == ["Hemedti"]  # one word
    assert names_of(item, "alias")[:3] == [
        "Mohamed Hamdan",
        "Muhammad Hamdan Dagalo",
        "Mohamed Hamdan Daglo Mousa",
    ]
    assert len(names_of(item, "alias")) == 10
    assert item.names[-1] == Name("محمد حمدان دقلو موسى", "alias", lang="ar")
    assert item.birth_dates == ("1974",)
    assert item.programs == ("Sudan / Soudan",) and item.countries == ("SD",)


def test_surname_first_alias_stays_whole_and_single_name_person() -> None:
    assert names_of(entry("Oleg Anatolievich BARANOV"), "alias") == ["Баранов, Олег Анатольевич"]
    thaung = entry("Thaung")  # LastName only
    assert thaung.kind == "person" and thaung.birth_dates == ("1937-07-06",)
    assert thaung.programs == ("Myanmar (Burma) / Myanmar (Birmanie)",) and thaung.countries == ("MM",)


def test_entity_aliases_labels_and_embedded_aka() -> None:
    assert names_of(entry("Sberbank"), "alias") == ["Сбербанк", "Сбер", "Sberbank of Russia", "Sber"]
    bank = entry("Belarusky Narodny Bank")  # "…банк) (Russian: … "БНБ-Банк"/ ОАО "БНБ-Банк"
    assert bank.names[1:] == (
        Name("Беларускi народны банк", "alias"),
        Name('Открытое акционерное общество "Белорусский народный банк"', "alias", lang="ru"),
        Name('ОАО "БНБ-Банк"', "alias", lang="ru"),
    )
    npcap = next(e for e in parsed()[0].values() if e.entry_id.startswith("NPCAP JSC"))
    assert npcap.entry_id.startswith("NPCAP JSC (also known as Plant Zvezda – Branch")  # newlines collapsed
    assert names_of(npcap, "alias")[:2] == [
        "NPCAP JSC",
        "Plant Zvezda – Branch of the Federal State Unitary Enterprise Scientific and Production "
        "Center of Automation and Instrumentation named after academician N.A. Pilyugin",
    ]


def test_every_country_code_is_iso_alpha2() -> None:
    for item in parsed()[0].values():
        assert all(len(c) == 2 and c.isupper() for c in item.countries), item.entry_id
        assert item.names[0].type == "primary"


# --- alias splitting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "is_person", "expected"),
    [
        ("A B; C D / E F or G H", True, ["A B", "C D", "E F", "G H"]),
        ("Иван Иванов and Іван Іванов", True, ["Иван Иванов", "Іван Іванов"]),
        ("Alexei, Aleksei", True, ["Alexei, Aleksei"]),  # one "Surname, Given"-shaped pair
        ("Yehya Sinwar, Abu Ibrahim, Ab Cd", True, ["Yehya Sinwar", "Abu Ibrahim", "Ab Cd"]),
        (
            "Северсталь, ПАО; Публичное Акционерное Общество",
            False,
            ["Северсталь, ПАО", "Публичное Акционерное Общество"],
        ),
        ("Министерство образования, науки и молодежи", False, ["Министерство образования, науки и молодежи"]),
        ("KGB, Belarusian KGB", False, ["KGB", "Belarusian KGB"]),
        (
            "Radiological Chemical and Biological Defence troops",
            False,
            ["Radiological Chemical and Biological Defence troops"],
        ),
    ],
)
def test_alias_separators(value: str, is_person: bool, expected: list[str]) -> None:
    assert [n.value for n in _alias_names(value, is_person)] == expected


def test_language_labels_become_lang() -> None:
    got = _alias_names("Ivan Ivanau, Belarusian: Іван Іванаў, Russian : Иван Иванов", True)
    assert [(n.value, n.lang) for n in got] == [
        ("Ivan Ivanau", None),
        ("Іван Іванаў", "be"),
        ("Иван Иванов", "ru"),
    ]


# --- broken input ------------------------------------------------------------------------------


def test_truncated_file_raises_parse_error_with_position() -> None:
    error = parse_error(parse, truncated(CANADA, 3), match="malformed XML")
    assert error.source == "ca_sema_sanctions"
    assert error.location is not None and error.location.startswith("line ")


def test_record_without_a_name_names_its_position() -> None:
    body = "<record><LastName>X</LastName></record><record><Country>Iran</Country></record>"
    error = parse_error(parse, records(body), match="without LastName")
    assert error.location == "record #2"


@pytest.mark.parametrize(
    "data",
    [
        b"<sdnList/>",
        b"",
        b'<?xml version="1.0"?><!DOCTYPE data-set [<!ENTITY x SYSTEM "file:///etc/passwd">]><data-set>&x;</data-set>',
    ],
    ids=["wrong-root", "empty", "external-entity"],
)
def test_wrong_or_hostile_input_raises_parse_error(data: bytes) -> None:
    parse_error(parse, data)
