"""Token similarity, transliteration keys, identifiers, derived names and the pruning bound."""

from __future__ import annotations

import pytest

from screening import Identifier, Matcher, Query, Record, RecordName
from screening.features import compare_names, may_reach, name_profile
from screening.identifiers import compare_identifiers, identifier_family
from screening.normalize import derived_names, normalize_name
from screening.phonetic import loose_key, skeleton, translit_key
from screening.similarity import token_similarity


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("belousoff", "belousov"),
        ("rosoboronexport", "rosoboroneksport"),
        ("yalali", "jalali"),
        ("khaled", "haled"),
        ("tchekareva", "chekareva"),
        ("aleksei", "alexey"),
        ("yevtushenkov", "evtushenkov"),
        ("kuznetsov", "kuznetzov"),
    ],
)
def test_romanisation_variants_share_a_key(left: str, right: str) -> None:
    assert translit_key(left) == translit_key(right)
    assert token_similarity(left, right) == pytest.approx(0.95)


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("mohammed", "muhammad", True),
        ("ahmed", "ahmad", True),
        ("omar", "umar", True),
        ("volodymyr", "vladimir", True),
        ("omar", "amir", False),  # an opening vowel keeps its class
    ],
)
def test_loose_keys_merge_unwritten_vowels_for_persons(left: str, right: str, same: bool) -> None:
    assert (loose_key(left) == loose_key(right)) is same


@pytest.mark.parametrize(
    ("left", "right", "low", "high"),
    [
        ("oplot", "opltt", 0.89, 0.91),  # one edit in five letters alerts on its own
        ("omar", "omer", 0.87, 0.88),  # one edit in four letters does not
        ("gazprom", "gazprn", 0.85, 0.86),  # two edits in seven letters
        ("hutchmed", "dutchmed", 0.9, 0.91),  # a changed first letter costs more
        ("sam", "nam", 0.0, 0.5),  # no typo allowance below four letters
        ("borisova", "komarova", 0.0, 0.4),  # a different surname
    ],
)
def test_typo_similarity_depends_on_length_and_first_letter(
    left: str, right: str, low: float, high: float
) -> None:
    assert low <= (token_similarity(left, right) or 0.0) <= high
    assert token_similarity(left, right) == token_similarity(right, left)


def test_numbers_inside_tokens_must_agree_and_initials_are_for_persons() -> None:
    assert token_similarity("33rd", "77th") is None
    assert normalize_name("FOURTH DIVISION", "organization").compare == "4th division"
    assert token_similarity("v", "vladimir", person=True) == pytest.approx(0.95)
    assert token_similarity("v", "vladimir") is None


def test_business_words_may_be_abbreviated_in_organisation_names() -> None:
    assert token_similarity("engr", "engineering") == pytest.approx(0.9)
    assert token_similarity("res", "research") == pytest.approx(0.9)
    assert (token_similarity("sam", "samsung") or 0.0) < 0.5  # not a business word


@pytest.mark.parametrize(
    ("raw", "compare"),
    [
        ("CNOOC LIMITDE", "cnooc"),
        ("RUST CLOSED JOIGT-STOCKK COMPANY", "rust"),
        ("Construtora Coesa Sociedad Anonima - Sucursal Equador", "construtora coesa jsc sucursal equador"),
        ("Construtora Coesa S.A. - Sucursal Equador", "construtora coesa jsc sucursal equador"),
        ("Point Trading", "point trading"),  # "point" is a word, not a typo of "joint"
        ("Mahrous Trading FZCO", "mahrous trading"),
    ],
)
def test_legal_forms_are_found_through_typos_and_inside_names(raw: str, compare: str) -> None:
    assert normalize_name(raw, "organization").compare == compare


def test_bracketed_acronyms_and_kinship_tails_are_derived_names() -> None:
    assert derived_names("ABDALLAH AZZAM BRIGADES (AAB)") == ("ABDALLAH AZZAM BRIGADES", "AAB")
    assert derived_names("GLOBAL RELIEF FOUNDATION (GRF)") == ("GLOBAL RELIEF FOUNDATION", "GRF")
    assert derived_names("LASHKAR I JHANGVI (LJ)") == ("LASHKAR I JHANGVI",)  # too short alone
    # A qualifier is part of the name: these are two companies, and "(China)" is no acronym.
    assert derived_names("Gezhouba Water (Jinan) Co., Ltd.") == ()
    assert derived_names("HUTCHMED (China) Limited") == ()
    assert derived_names("ABDALLAH AZZAM BRIGADES (AAB)", acronyms=False) == ("ABDALLAH AZZAM BRIGADES",)
    assert derived_names("Akhter Mohmad son of Noor Mohmad") == ("Akhter Mohmad",)


def test_identifier_labels_are_read_as_families() -> None:
    assert identifier_family("innCode") == identifier_family("Tax ID No.") == "tax"
    assert identifier_family("Vessel Registration Identification") == identifier_family("imo") == "imo"
    assert identifier_family("leiCode") == identifier_family("Legal Entity Number") == "lei"
    agree = compare_identifiers(
        [Identifier("innCode", "7707083893")], [Identifier("Tax ID No.", "7707083893 (Russia)")]
    )
    assert agree.agreeing == ("tax 7707083893",)
    clash = compare_identifiers(
        [Identifier("innCode", "7707083894")], [Identifier("Tax ID No.", "7707083893")]
    )
    assert clash.conflicting == ("tax",) and not clash.agreeing


SHIP = Record(
    "ship",
    "vessel",
    (RecordName("OCEAN STAR"),),
    identifiers=(Identifier("Vessel Registration Identification", "IMO 9314167"),),
)
FIRM = Record(
    "firm",
    "organization",
    (RecordName("ROSNEFT TRADING SA"),),
    identifiers=(Identifier("Tax ID No.", "7706107510"),),
)
IDS = Matcher([SHIP, FIRM, Record("other", "organization", (RecordName("OCEAN STAR SHIPPING"),))])


def test_an_agreeing_identifier_finds_and_alerts_whatever_the_name() -> None:
    renamed = Query("BLUE HORIZON", "vessel", identifiers=(Identifier("imoNumber", "9314167"),))
    matches = IDS.screen(renamed, threshold=0.88)
    assert [m.key for m in matches] == ["ship"]
    assert matches[0].score >= 0.97
    assert any(f.name == "identifier" for f in matches[0].features)


def test_a_conflicting_identifier_lowers_but_never_vetoes_a_strong_name_match() -> None:
    clash = Query("Rosneft Trading S.A.", "organization", identifiers=(Identifier("innCode", "1111111111"),))
    plain = Query("Rosneft Trading S.A.", "organization")
    assert IDS.compare(clash, FIRM).score == pytest.approx(IDS.compare(plain, FIRM).score - 0.04)
    assert "firm" in {m.key for m in IDS.screen(clash, threshold=0.88)}


def test_exhaustive_screening_agrees_with_the_candidate_lookup_on_a_small_index() -> None:
    for name in ("Ocean Star", "Rosneft Trdg", "Blue Horizon"):
        fast = [(m.key, m.score) for m in IDS.screen(Query(name), threshold=0.5)]
        every = [(m.key, m.score) for m in IDS.screen(Query(name), threshold=0.5, exhaustive=True)]
        assert fast == every


@pytest.mark.parametrize(
    ("folded", "latin"),
    [
        ("mhmd", "mohammed"),
        ("bdllh", "abdullah"),
        ("smh", "usama"),
        ("lqdh", "alqaida"),
        ("slymny", "soleimani"),
    ],
)
def test_abjad_names_meet_latin_ones_on_their_consonants(folded: str, latin: str) -> None:
    assert skeleton(folded) == skeleton(latin)
    assert token_similarity(folded, latin, abjad=True) == pytest.approx(0.92)
    assert (token_similarity(folded, latin) or 0.0) < 0.5  # only when one side is an abjad


def test_names_know_whether_they_were_written_in_an_abjad() -> None:
    assert normalize_name("أسامة بن لادن", "person").abjad
    assert not normalize_name("Usama BIN LADIN", "person").abjad
    assert not normalize_name("Владимир Путин", "person").abjad


@pytest.mark.parametrize(
    ("query", "listed", "person", "reaches"),
    [
        ("Acme Widgets", "Zenith Shipping", False, False),  # nothing pairs
        ("Acme Widgets", "Acme Shipping", False, False),  # the rarer word is unanswered
        ("Gazprom Neft", "GAZPROMNEFT", False, True),  # joined words answer both
        ("Rosoboronexport", "ROSOBORONEKSPORT", False, True),  # romanisation variant
        ("Vladimir Putin", "Vladimir Vladimirovich PUTIN", True, True),  # a dropped middle name
        ("Ivan Petrov", "Sergei Ivanov", True, False),
    ],
)
def test_the_pruning_bound_rules_out_unrelated_names_only(
    query: str, listed: str, person: bool, reaches: bool
) -> None:
    weights = IDS._index.weights
    left, right = normalize_name(query), normalize_name(listed)
    profiles = name_profile(left, weights, person=person), name_profile(right, weights, person=person)
    assert may_reach(*profiles, 0.86, person=person) == reaches
    if not reaches:
        assert compare_names(left, right, weights, person=person).score < 0.86
