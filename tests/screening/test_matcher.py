"""Matcher behaviour: what alerts, what does not, and how each result explains itself."""

from __future__ import annotations

import pytest

from screening import (
    DuplicateKeyError,
    InvalidParameterError,
    InvalidQueryError,
    Matcher,
    Query,
    Record,
    RecordName,
)
from screening.matcher import _QueryNames
from screening.types import Kind

THRESHOLD = 0.88


def record(
    key: str, *names: str | RecordName, kind: Kind = "organization", countries: tuple[str, ...] = ()
) -> Record:
    """A record whose names are strong unless given as a RecordName."""
    values = tuple(RecordName(n) if isinstance(n, str) else n for n in names)
    return Record(key, kind, values, countries)


LISTED = [
    record("qaida", "AL-QAIDA", "The Base"),
    record("acme", "ACME TRADING CO"),
    record("gazneft", "Gazprom Neft", "PJSC Gazprom Neft"),
    record("emma", "EMMA MARITIME LTD"),
    record("rosoboron", "ROSOBORONEKSPORT"),
    record("irgc", "ISLAMIC REVOLUTIONARY GUARD CORPS"),
    record("putin", "Vladimir Vladimirovich PUTIN", kind="person"),
    record("hala", "Hala Saddam Hussein AL-TIKRITI", kind="person"),
    record("sdn1", "BANK MELLI IRAN", "MELLI BANK PLC"),
    record("weak", "Mohammed Yusuf ABDULLAH", RecordName("Abu Ali", weak=True), kind="person"),
    record("caspian", "CASPIAN SHIPPING CO", countries=("IR",)),
    record("ltd1", "ALPHA LTD"),
    record("ltd2", "BETA CORP LIMITED"),
]
MATCHER = Matcher(LISTED)


def keys(query: Query, threshold: float = THRESHOLD) -> list[str]:
    return [match.key for match in MATCHER.screen(query, threshold=threshold)]


def test_al_qaida_alerts_on_its_listed_record_and_explains_why() -> None:
    [match] = MATCHER.screen(Query("Al Qaida", "organization"), threshold=THRESHOLD)
    assert match.key == "qaida"
    assert match.score >= 0.98
    assert match.matched_name == "AL-QAIDA"
    assert match.query_normalized == match.matched_normalized == "al qaida"
    assert match.algorithm == Matcher.NAME == "token-v1"
    assert match.summary == (
        "'Al Qaida' matched listed name 'AL-QAIDA' (normalised 'al qaida' = 'al qaida'), "
        "score 1.00; kinds agree (organization)."
    )
    pairs = match.detail["token_pairs"]
    assert [pair[:3] for pair in pairs] == [["al", "al", 1.0], ["qaida", "qaida", 1.0]]
    assert all(0.0 < pair[3] <= 2.0 for pair in pairs)  # weight of both tokens of the pair


def test_unrelated_company_sharing_one_word_does_not_alert() -> None:
    # "Acme" is the only shared word; stationery supplies are not a trading company.
    assert keys(Query("Acme Stationery Supplies Ltd", "organization")) == []


def test_joined_words_reach_the_split_name() -> None:
    assert keys(Query("GAZPROMNEFT")) == ["gazneft"]


@pytest.mark.parametrize("name", ["Ltd", "Corp", "Limited", "Co., Ltd.", "LLC"])
def test_a_legal_form_alone_alerts_on_nothing(name: str) -> None:
    assert keys(Query(name), threshold=0.0) == []
    explanation = MATCHER.compare(Query(name), LISTED[-1])
    assert explanation.score == 0.0
    assert "no comparable name tokens" in explanation.summary


def test_short_name_cannot_alert_on_a_partial_hit() -> None:
    assert keys(Query("Emma LLC", "organization")) == []
    explanation = MATCHER.compare(Query("Emma LLC", "organization"), LISTED[3])
    assert explanation.score < THRESHOLD
    assert explanation.detail["unmatched_listed_tokens"] == ["maritime"]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ROSOBORONEKSPRT", "rosoboron"),  # one deletion
        ("ROSOBORONEKSPOTR", "rosoboron"),  # transposition
        ("Islamic Revolutionery Gaurd Corps", "irgc"),  # two typos in two long words
        ("BANK MELI IRAN", "sdn1"),
    ],
)
def test_small_typos_in_long_names_still_alert(name: str, key: str) -> None:
    assert keys(Query(name, "organization"))[:1] == [key]


def test_surname_first_order_alerts() -> None:
    assert keys(Query("PUTIN, Vladimir Vladimirovich", "person")) == ["putin"]


def test_sibling_with_a_different_given_name_does_not_alert() -> None:
    assert keys(Query("Rana Saddam Hussein AL-TIKRITI", "person")) == []


def test_a_weak_alias_never_alerts_alone() -> None:
    query = Query("Abu Ali", "person")
    assert keys(query, threshold=0.5) == []
    explanation = MATCHER.compare(query, LISTED[9])
    assert explanation.matched_name == "Abu Ali"
    assert explanation.detail["weak"] is True
    assert explanation.score <= 0.85
    assert "weak_name" in [feature.name for feature in explanation.features]


def test_a_record_with_a_weak_alias_still_alerts_through_a_strong_name() -> None:
    assert keys(Query("Mohammed Yusuf Abdullah", "person")) == ["weak"]


def test_aliases_of_one_record_merge_into_one_match() -> None:
    matches = MATCHER.screen(Query("Gazprom Neft", aliases=("PJSC Gazprom Neft",)), threshold=0.5)
    assert [m.key for m in matches].count("gazneft") == 1


def test_query_aliases_are_screened_too() -> None:
    assert keys(Query("Something Else Entirely", aliases=("AL QAIDA",))) == ["qaida"]


def test_results_are_sorted_best_first_and_limited() -> None:
    matches = MATCHER.screen(Query("Melli Bank Iran"), threshold=0.0, limit=3)
    assert len(matches) <= 3
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_person_against_organisation_is_penalised_unless_near_identical() -> None:
    near = MATCHER.compare(Query("Bank Meli Iran", "person"), LISTED[8])
    kind = {f.name: f for f in near.features}["kind"]
    assert kind.contribution == pytest.approx(-0.10)
    assert near.score < THRESHOLD
    same = MATCHER.compare(Query("Bank Melli Iran", "person"), LISTED[8])
    assert {f.name: f.contribution for f in same.features}["kind"] == 0.0
    assert same.score == 1.0


@pytest.mark.parametrize(("country", "sign"), [("IR", 1), ("US", -1), ("Iran", 0), (None, 0)])
def test_country_nudges_the_score_only_when_both_are_iso_codes(country: str | None, sign: int) -> None:
    query = Query("Caspian Shiping Co", "organization", country)  # a typo keeps room below 1.0
    match = MATCHER.compare(query, LISTED[10])
    contribution = {f.name: f.contribution for f in match.features}.get("country", 0.0)
    assert (contribution > 0) - (contribution < 0) == sign


def test_compare_explains_even_far_below_the_threshold() -> None:
    match = MATCHER.compare(Query("Zebra Pharmaceuticals", "organization"), LISTED[1])
    assert 0.0 <= match.score < 0.5
    assert match.summary.startswith("'Zebra Pharmaceuticals' matched listed name 'ACME TRADING CO'")
    assert match.summary.endswith(".") and match.summary.count(". ") == 0
    for key in ("token_pairs", "legal_forms", "query_normalized", "matched_normalized"):
        assert key in match.detail
    assert match.detail["legal_forms"] == {"query": [], "listed": ["co"]}


def test_feature_contributions_add_up_to_the_score() -> None:
    for query in (Query("Bank Meli Iran", "person"), Query("Caspian Shipping", country="US")):
        for listed in LISTED:
            match = MATCHER.compare(query, listed)
            total = sum(f.contribution for f in match.features)
            assert match.score == pytest.approx(total, abs=1e-4)


def test_screen_and_compare_give_the_same_score() -> None:
    query = Query("Gazprom Neft Trading", "organization")
    for match in MATCHER.screen(query, threshold=0.0):
        listed = next(r for r in LISTED if r.key == match.key)
        assert MATCHER.compare(query, listed).score == match.score


def test_invalid_input_raises_specific_errors() -> None:
    with pytest.raises(InvalidQueryError):
        MATCHER.screen(Query("   "), threshold=THRESHOLD)
    with pytest.raises(InvalidParameterError):
        MATCHER.screen(Query("Acme"), threshold=1.5)
    with pytest.raises(InvalidParameterError):
        MATCHER.screen(Query("Acme"), threshold=THRESHOLD, limit=0)
    with pytest.raises(DuplicateKeyError):
        Matcher([record("a", "Acme"), record("a", "Other")])


def test_an_empty_index_alerts_on_nothing() -> None:
    assert Matcher([]).screen(Query("Al Qaida"), threshold=0.0) == []
    assert len(MATCHER) == len(LISTED)


def test_every_query_name_weighs_in_the_candidate_lookup_but_is_compared_once() -> None:
    # Names that normalise alike each count in the lookup, as they always have; the scorer
    # compares the form once (the last such name's spelling).
    names = _QueryNames(Query("Acme Ltd", "organization", aliases=("ACME LIMITED", "Ltd")))
    assert [norm.compare for norm in names.normalized("organization")] == ["acme", "acme", ""]
    assert [norm.display for norm in names.compared("organization")] == ["ACME LIMITED"]
