"""Hypothesis properties: scores stay in 0..1 and the promised symmetries hold."""

from __future__ import annotations

from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from screening import Matcher, Query, Record, RecordName
from screening.alignment import align_tokens
from screening.distance import quick_similarity, sorted_similarity, string_similarity
from screening.features import compare_names, may_reach, name_profile
from screening.matcher import BOUND_SLACK
from screening.normalize import normalize_name
from screening.types import Kind

KINDS: list[Kind] = ["person", "organization", "vessel", "aircraft", "unknown"]
MATCHER = Matcher(
    [
        Record("1", "organization", (RecordName("AL-QAIDA"), RecordName("The Base", weak=True))),
        Record("2", "person", (RecordName("Vladimir Vladimirovich PUTIN"),), ("RU",)),
        Record("3", "organization", (RecordName("ACME TRADING CO"),), ("US",)),
        Record("4", "vessel", (RecordName("ADRIAN DARYA 1"),)),
    ]
)

# Names built from a small vocabulary collide often enough to exercise pairing and ties.
words = st.sampled_from(
    ["al", "qaida", "qaeda", "acme", "trading", "co", "ltd", "vladimir", "putin", "v", "1", "2"]
)
names = st.one_of(st.text(max_size=30), st.lists(words, max_size=5).map(" ".join))
countries = st.one_of(st.none(), st.sampled_from(["RU", "US", "IR", "Iran", ""]))


@given(names, st.sampled_from(KINDS), countries, st.lists(names, max_size=2))
@settings(max_examples=200)
def test_every_score_is_within_zero_and_one(
    name: str, kind: Kind, country: str | None, aliases: list[str]
) -> None:
    query = Query(name if name.strip() else "x", kind, country, tuple(aliases))
    for listed in MATCHER._index.records:
        match = MATCHER.compare(query, listed)
        assert 0.0 <= match.score <= 1.0
        assert all(-1.0 <= f.contribution <= 1.0 for f in match.features)
    for match in MATCHER.screen(query, threshold=0.0):
        assert 0.0 <= match.score <= 1.0


@given(names, names)
def test_distances_are_symmetric_and_bounded(left: str, right: str) -> None:
    a, b = normalize_name(left), normalize_name(right)
    for measure in (string_similarity, sorted_similarity):
        assert measure(a.compare, b.compare) == measure(b.compare, a.compare)
        assert 0.0 <= measure(a.compare, b.compare) <= 1.0
    forward = quick_similarity(a.compare, b.compare, a.joined, b.joined)
    assert forward == quick_similarity(b.compare, a.compare, b.joined, a.joined)


@given(names, names, st.booleans())
def test_name_comparison_is_symmetric(left: str, right: str, person: bool) -> None:
    a, b = normalize_name(left), normalize_name(right)
    weights = MATCHER._index.weights
    forward = compare_names(a, b, weights, person=person)
    backward = compare_names(b, a, weights, person=person)
    assert forward.score == backward.score
    assert forward.partial == backward.partial
    there = align_tokens(a.tokens, b.tokens, weights, person=person).score
    assert there == align_tokens(b.tokens, a.tokens, weights, person=person).score


@given(names, names, st.sampled_from(KINDS), countries)
def test_compare_is_symmetric_when_both_sides_carry_the_same_context(
    left: str, right: str, kind: Kind, country: str | None
) -> None:
    # Swapping which name is the query and which is listed changes nothing when kind and
    # country are the same on both sides and neither name is weak.
    left, right = (left if left.strip() else "x"), (right if right.strip() else "x")
    listed_countries = (country,) if country else ()
    forward = MATCHER.compare(
        Query(left, kind, country), Record("r", kind, (RecordName(right),), listed_countries)
    )
    backward = MATCHER.compare(
        Query(right, kind, country), Record("l", kind, (RecordName(left),), listed_countries)
    )
    assert forward.score == backward.score


# Spacing variants and an abjad spelling exercise the joined-pair and consonant rules too.
bound_words = st.sampled_from(
    ["gazprom", "neft", "gazpromneft", "al", "qaida", "alqaida", "vladimir", "putin", "v", "محمد", "mohammed"]
)
bound_names = st.one_of(names, st.lists(bound_words, min_size=1, max_size=4).map(" ".join))


@given(bound_names, bound_names, st.booleans(), st.floats(0.0, 1.0))
def test_the_pruning_bound_never_rules_out_a_pair_that_reaches_the_floor(
    left: str, right: str, person: bool, share: float
) -> None:
    a, b = normalize_name(left), normalize_name(right)
    if not a.tokens or not b.tokens:
        return
    weights = MATCHER._index.weights
    # The bound is summed in another order than the score: the matcher leaves it that margin.
    score = compare_names(a, b, weights, person=person).score - BOUND_SLACK
    profiles = name_profile(a, weights, person=person), name_profile(b, weights, person=person)
    assert may_reach(*profiles, score, person=person)
    assert may_reach(*profiles, score * share, person=person)


@given(names, st.sampled_from(KINDS), st.lists(names, max_size=2), st.floats(0.05, 1.0))
@settings(max_examples=200)
def test_screening_at_a_threshold_keeps_exactly_the_matches_that_reach_it(
    name: str, kind: Kind, aliases: list[str], threshold: float
) -> None:
    # A threshold lets screening skip pairs that cannot reach it; at 0.0 nothing is skipped.
    query = Query(name if name.strip() else "x", kind, None, tuple(aliases))
    every = MATCHER.screen(query, threshold=0.0, limit=100)
    kept = MATCHER.screen(query, threshold=threshold, limit=100)
    assert kept == [match for match in every if match.score >= threshold]


# Content words only: legal forms, single letters and joinable pairs depend on their position
# by design ("Ltd Acme" keeps a leading "ltd"; "S A" joins to "sa"), so order invariance is
# promised for the words that make an organisation's name.
org_words = st.sampled_from(
    ["caspian", "shipping", "melli", "bank", "iran", "gazprom", "neft", "trading", "global", "rosneft"]
)
org_names = st.lists(org_words, min_size=1, max_size=5)


@given(org_names, org_names, st.randoms(use_true_random=False))
def test_token_order_does_not_change_an_organisations_score(
    query: list[str], listed: list[str], rng: Random
) -> None:
    record = Record("r", "organization", (RecordName(" ".join(listed)),))
    shuffled = query[:]
    rng.shuffle(shuffled)
    before = MATCHER.compare(Query(" ".join(query), "organization"), record).score
    after = MATCHER.compare(Query(" ".join(shuffled), "organization"), record).score
    assert before == after


any_name = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs", "Pd", "Po")), min_size=1, max_size=40
)


@given(any_name, st.sampled_from(KINDS))
@settings(max_examples=150)
def test_a_name_always_matches_itself(name: str, kind: Kind) -> None:
    if not normalize_name(name, kind).tokens:
        return  # nothing left to compare: "Ltd", "--"
    record = Record("self", kind, (RecordName(name),))
    assert MATCHER.compare(Query(name, kind), record).score == 1.0
    alone = Matcher([record, *MATCHER._index.records])
    assert "self" in {m.key for m in alone.screen(Query(name, kind), threshold=0.88)}


@given(
    st.lists(
        st.sampled_from(
            [
                "ltd",
                "limitde",
                "co",
                "company",
                "s",
                "a",
                "l",
                "joint",
                "stokc",
                "stock",
                "sociedad",
                "anonima",
                "acme",
                "neft",
                "public",
                "jsc",
                "llc",
                "1",
                "33rd",
                "(aab)",
                "son",
                "of",
            ]
        ),
        max_size=8,
    ),
    st.sampled_from(KINDS),
)
def test_normalisation_is_idempotent_on_legal_form_and_letter_soup(words: list[str], kind: Kind) -> None:
    name = normalize_name(" ".join(words), kind)
    assert normalize_name(name.compare, kind).compare == name.compare
