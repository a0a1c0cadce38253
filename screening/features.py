"""Scoring features of one (query name, listed name) pair, each a signed contribution.

The score of a pair is the sum of its features' contributions:

    name_similarity      token alignment (IDF-weighted, typo- and transliteration-tolerant)
    kind                 person vs organisation (etc.) disagreement, unless near-identical
    legal_form           clearly different legal-form classes (LLC vs JSC), a little
    numbers              both names carry numbers and they differ ("33rd Division" vs "77th")
    country              same country a little up, different country a little down
    identifier           an agreeing registration/tax/IMO/... number lifts the score to a
                         strong alert; a conflicting one (same kind of number, other value)
                         lowers it a little, never enough to veto a strong name match
    short_name_partial   a short or generic name that only partly matches is held below alerting
    weak_name            a weak (low-quality) listed alias is held below alerting

Every contribution is clipped so that the running total stays in 0..1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from screening.alignment import Alignment, TokenProfile, Weigher, align_tokens, token_profile
from screening.alignment import may_reach as alignment_may_reach
from screening.distance import sorted_similarity
from screening.identifiers import IdentifierComparison
from screening.legal_forms import LEGAL_WORDS
from screening.normalize import NormalizedName
from screening.types import FeatureResult, Kind

NEAR_IDENTICAL = 0.99  # at or above this, a kind disagreement is forgiven
KIND_PENALTY = {"person": 0.10, "thing": 0.05}  # person vs non-person; organisation vs vessel
LEGAL_FORM_PENALTY = 0.02
NUMBER_PENALTY = 0.10
SAME_COUNTRY_BONUS = 0.02
OTHER_COUNTRY_PENALTY = 0.03
MAX_CONTEXT_LIFT = SAME_COUNTRY_BONUS  # the most any feature but an identifier adds to a name
IDENTIFIER_MATCH_SCORE = 0.97  # at least this when an identifier agrees: a strong alert
IDENTIFIER_CONFLICT_PENALTY = 0.04  # 1.00 stays at 0.96, 0.95 at 0.91: still alerts
PARTIAL_CAP = 0.80  # "Emma LLC" vs "EMMA MARITIME LTD" stays here
WEAK_NAME_CAP = 0.85  # just under the service's default threshold of 0.88
LEGAL_WEIGHT = 0.1  # a legal-form word left inside a name ("Tupolev Public") weighs this
SHORT_NAME_TOKENS = 2  # an organisation name of at most this many words is "short"
GENERIC_WEIGHT_MAX = 0.25  # tokens weighing no more than this are generic ("trading")
MAX_REMEMBERED_WEIGHTS = 200_000


@dataclass(frozen=True, slots=True)
class NameComparison:
    """How two normalised names compare before any record-level adjustment."""

    left: NormalizedName
    right: NormalizedName
    alignment: Alignment
    sort: float
    score: float
    partial: bool  # a short or generic name on either side, not wholly answered


def compare_names(
    left: NormalizedName, right: NormalizedName, weight: Weigher, *, person: bool = False
) -> NameComparison:
    """Compare two normalised names; symmetric in `left` and `right`.

    For organisations a legal-form word left inside a name weighs almost nothing.
    """
    weigher = weight if person else _legal_weigher(weight)
    abjad = left.abjad != right.abjad  # "محمد" against "Mohammed": compare consonants too
    alignment = align_tokens(left.tokens, right.tokens, weigher, person=person, abjad=abjad)
    # Token sort is reported for reviewers only: it ignores IDF and typo structure.
    sort = sorted_similarity(left.compare, right.compare) if left.tokens and right.tokens else 0.0
    partial = _partial(left, right, alignment, weigher, person)
    return NameComparison(left, right, alignment, sort, alignment.score, partial)


def name_profile(name: NormalizedName, weight: Weigher, *, person: bool = False) -> TokenProfile:
    """What `may_reach` needs of a name, weighed as `compare_names` weighs it."""
    return token_profile(name.tokens, weight if person else _legal_weigher(weight), abjad=name.abjad)


def may_reach(left: TokenProfile, right: TokenProfile, floor: float, *, person: bool = False) -> bool:
    """False only when `compare_names` of the two profiled names certainly scores below `floor`.

    Several times cheaper than the comparison: screening skips the pairs it rules out.
    """
    return alignment_may_reach(left, right, floor, person=person)


@lru_cache(maxsize=2)  # the current index's weigher, and the one being built beside it
def _legal_weigher(weight: Weigher) -> Weigher:
    """`weight`, with legal-form words capped at LEGAL_WEIGHT; remembers what it computed."""
    known: dict[str, float] = {}

    def weigh(token: str) -> float:
        value = known.get(token)
        if value is None:
            if len(known) > MAX_REMEMBERED_WEIGHTS:
                known.clear()
            value = known[token] = min(weight(token), LEGAL_WEIGHT) if token in LEGAL_WORDS else weight(token)
        return value

    return weigh


def _partial(
    left: NormalizedName, right: NormalizedName, alignment: Alignment, weight: Weigher, person: bool
) -> bool:
    """True when a short or generic name is not wholly answered.

    Short: one word (persons and organisations) or two (organisations). Such a name is
    partly matched when one of its own words is unanswered, or an informative word of the
    other name is ("Emma" vs "Emma Maritime"; an extra "Trading" does not count). A name of
    generic words only ("General Trading") is partly matched by any unanswered word.
    Legal-form words left over ("Corp Acme") never count.
    """
    if not alignment.pairs:
        return True
    sides = (
        (_content(left, person), [t for t in alignment.unmatched_left if t not in LEGAL_WORDS]),
        (_content(right, person), [t for t in alignment.unmatched_right if t not in LEGAL_WORDS]),
    )
    unmatched = sides[0][1] + sides[1][1]
    if not unmatched:
        return False
    informative = any(weight(t) > GENERIC_WEIGHT_MAX for t in unmatched)
    size = min(len(tokens) for tokens, _ in sides)
    for tokens, own in sides:
        if len(tokens) != size:
            continue
        if size <= (1 if person else SHORT_NAME_TOKENS) and (own or informative):
            return True
        if not person and all(weight(t) <= GENERIC_WEIGHT_MAX for t in tokens):
            return True
    return False


def _content(name: NormalizedName, person: bool) -> list[str]:
    return [t for t in name.tokens if person or t not in LEGAL_WORDS]


def score_features(
    comparison: NameComparison,
    *,
    kinds: tuple[Kind, Kind],
    country: str | None,
    countries: Sequence[str],
    weak: bool,
    identifiers: IdentifierComparison | None = None,
) -> tuple[float, tuple[FeatureResult, ...]]:
    """Score a compared pair of names in context; returns (score, features)."""
    a = comparison.alignment.score
    detail = f"token alignment {a:.2f}, token sort {comparison.sort:.2f}"
    features = [FeatureResult("name_similarity", comparison.score, detail)]
    total = comparison.score
    adjustments = (
        kind_feature(kinds, comparison.score),
        legal_form_feature(comparison.left, comparison.right),
        number_feature(comparison.left, comparison.right),
        country_feature(country, countries),
    )
    for feature in adjustments:
        total = _apply(feature, total, features)
    # Last, so that an agreeing identifier lifts whatever the other features made of the name.
    total = _apply(identifier_feature(identifiers, total), total, features)
    caps = (
        ("short_name_partial", PARTIAL_CAP, comparison.partial, "short or generic name, partly matched"),
        ("weak_name", WEAK_NAME_CAP, weak, "listed name is a weak alias"),
    )
    agreed = identifiers is not None and bool(identifiers.agreeing)
    for name, cap, applies, why in caps:
        if applies and total > cap and not agreed:
            features.append(FeatureResult(name, cap - total, f"{why}: held at {cap:.2f}"))
            total = cap
    return total, tuple(features)


def _apply(feature: FeatureResult | None, total: float, features: list[FeatureResult]) -> float:
    """Add `feature` to `features`, clipped so that the total stays in 0..1; the new total."""
    if feature is None:
        return total
    delta = min(max(feature.contribution, -total), 1.0 - total)
    features.append(FeatureResult(feature.name, delta, feature.detail))
    return total + delta


def kind_feature(kinds: tuple[Kind, Kind], name_score: float) -> FeatureResult | None:
    """Penalise a person matched to an organisation (or a company to a vessel)."""
    left, right = kinds
    if "unknown" in kinds:
        return None
    if left == right:
        return FeatureResult("kind", 0.0, f"kinds agree ({left})")
    severity = "person" if "person" in kinds else "thing"
    if name_score >= NEAR_IDENTICAL:
        return FeatureResult("kind", 0.0, f"kinds differ ({left} vs {right}), names near-identical")
    return FeatureResult("kind", -KIND_PENALTY[severity], f"kinds differ ({left} vs {right})")


def legal_form_feature(left: NormalizedName, right: NormalizedName) -> FeatureResult | None:
    """Lower a little when both names carry legal forms of clearly different classes."""
    ours = left.legal_classes - {"corporation"}
    theirs = right.legal_classes - {"corporation"}
    if not ours or not theirs or ours & theirs:
        return None
    detail = f"legal forms differ ({', '.join(sorted(ours))} vs {', '.join(sorted(theirs))})"
    return FeatureResult("legal_form", -LEGAL_FORM_PENALTY, detail)


def number_feature(left: NormalizedName, right: NormalizedName) -> FeatureResult | None:
    """Lower clearly when both names carry numbers and they are not the same numbers."""
    ours, theirs = left.numbers, right.numbers
    if not ours or not theirs or ours == theirs:
        return None
    detail = f"numbers differ ({' '.join(ours)} vs {' '.join(theirs)})"
    return FeatureResult("numbers", -NUMBER_PENALTY, detail)


def identifier_feature(identifiers: IdentifierComparison | None, name_score: float) -> FeatureResult | None:
    """An agreeing identifier lifts to a strong alert; a conflicting family lowers a little."""
    if identifiers is None:
        return None
    if identifiers.agreeing:
        lift = max(0.0, IDENTIFIER_MATCH_SCORE - name_score)
        detail = f"identifier agrees ({', '.join(identifiers.agreeing)})"
        return FeatureResult("identifier", lift, detail)
    if identifiers.conflicting:
        detail = f"identifiers differ ({', '.join(identifiers.conflicting)})"
        return FeatureResult("identifier", -IDENTIFIER_CONFLICT_PENALTY, detail)
    return None


def country_feature(country: str | None, countries: Sequence[str]) -> FeatureResult | None:
    """Same ISO country a little up, different a little down; silent when either is unknown."""
    ours = _iso2(country)
    theirs = {code for code in map(_iso2, countries) if code}
    if ours is None or not theirs:
        return None
    if ours in theirs:
        return FeatureResult("country", SAME_COUNTRY_BONUS, f"same country ({ours})")
    detail = f"different country ({ours} vs {', '.join(sorted(theirs))})"
    return FeatureResult("country", -OTHER_COUNTRY_PENALTY, detail)


def _iso2(value: str | None) -> str | None:
    # Only ISO 3166-1 alpha-2 codes are compared; a country name would always "differ".
    code = (value or "").strip().upper()
    return code if len(code) == 2 and code.isalpha() else None
