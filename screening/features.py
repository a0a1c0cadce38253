"""Scoring features of one (query name, listed name) pair, each a signed contribution.

The score of a pair is the sum of its features' contributions:

    name_similarity      token alignment (IDF-weighted) blended with token-sort ratio
    kind                 person vs organisation (etc.) disagreement, unless near-identical
    legal_form           clearly different legal-form classes (LLC vs JSC), a little
    numbers              both names carry numbers and they differ ("Adrian Darya 1" vs "... 2")
    country              same country a little up, different country a little down
    short_name_partial   a one-token name that only partly matches is held below alerting
    weak_name            a weak (low-quality) listed alias is held below alerting

Every contribution is clipped so that the running total stays in 0..1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from screening.alignment import Alignment, Weigher, align_tokens
from screening.distance import sorted_similarity
from screening.legal_forms import LEGAL_FORM_WORDS
from screening.normalize import NormalizedName
from screening.types import FeatureResult, Kind

NEAR_IDENTICAL = 0.97  # at or above this, a kind disagreement is forgiven
KIND_PENALTY = {"person": 0.10, "thing": 0.05}  # person vs non-person; organisation vs vessel
LEGAL_FORM_PENALTY = 0.02
NUMBER_PENALTY = 0.10
SAME_COUNTRY_BONUS = 0.02
OTHER_COUNTRY_PENALTY = 0.03
PARTIAL_CAP = 0.80  # "Emma LLC" vs "EMMA MARITIME LTD" stays here
WEAK_NAME_CAP = 0.85  # just under the service's default threshold of 0.88


@dataclass(frozen=True, slots=True)
class NameComparison:
    """How two normalised names compare before any record-level adjustment."""

    left: NormalizedName
    right: NormalizedName
    alignment: Alignment
    sort: float
    score: float
    partial: bool  # a one-token name on either side, not wholly answered


def compare_names(
    left: NormalizedName, right: NormalizedName, weight: Weigher, *, person: bool = False
) -> NameComparison:
    """Compare two normalised names; symmetric in `left` and `right`."""
    alignment = align_tokens(left.tokens, right.tokens, weight, person=person)
    sort = sorted_similarity(left.compare, right.compare) if left.tokens and right.tokens else 0.0
    # Token sort ignores IDF, so it may lift a weaker alignment only half way: it rescues
    # typos in short tokens without letting "general trading" carry a different name.
    score = alignment.score if alignment.score >= sort else (alignment.score + sort) / 2
    partial = min(len(left.tokens), len(right.tokens)) == 1 and _partial(alignment)
    return NameComparison(left, right, alignment, sort, score, partial)


def _partial(alignment: Alignment) -> bool:
    """True when a token other than a stray legal-form word ("Corp Acme") found no partner."""
    if not alignment.pairs:
        return True
    unmatched = alignment.unmatched_left + alignment.unmatched_right
    return any(token not in LEGAL_FORM_WORDS for token in unmatched)


def score_features(
    comparison: NameComparison,
    *,
    kinds: tuple[Kind, Kind],
    country: str | None,
    countries: Sequence[str],
    weak: bool,
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
        if feature is not None:
            delta = min(max(feature.contribution, -total), 1.0 - total)
            features.append(FeatureResult(feature.name, delta, feature.detail))
            total += delta
    caps = (
        ("short_name_partial", PARTIAL_CAP, comparison.partial, "one-token name, partly matched"),
        ("weak_name", WEAK_NAME_CAP, weak, "listed name is a weak alias"),
    )
    for name, cap, applies, why in caps:
        if applies and total > cap:
            features.append(FeatureResult(name, cap - total, f"{why}: held at {cap:.2f}"))
            total = cap
    return total, tuple(features)


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
    ours = sorted(token for token in left.tokens if token.isdigit())
    theirs = sorted(token for token in right.tokens if token.isdigit())
    if not ours or not theirs or ours == theirs:
        return None
    detail = f"numbers differ ({' '.join(ours)} vs {' '.join(theirs)})"
    return FeatureResult("numbers", -NUMBER_PENALTY, detail)


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
