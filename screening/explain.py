"""Plain-English summaries and structured detail for a scored pair of names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from screening.features import NameComparison
from screening.types import FeatureResult, Kind, RecordName


def build_summary(
    query_name: str,
    matched_name: str,
    comparison: NameComparison,
    score: float,
    features: Sequence[FeatureResult],
) -> str:
    """One sentence: what matched what, the normalised forms, the score and the adjustments."""
    left, right = comparison.left.compare, comparison.right.compare
    relation = "=" if left == right else "vs"
    clauses = [_clause(feature) for feature in features if feature.name != "name_similarity"]
    if not any(feature.name == "kind" for feature in features):
        clauses.insert(0, "kind not compared")
    return (
        f"{query_name!r} matched listed name {matched_name!r} "
        f"(normalised {left!r} {relation} {right!r}), score {score:.2f}; {'; '.join(clauses)}."
    )


def build_no_match_summary(query_name: str, record_key: str) -> str:
    """The sentence for a pair with nothing left to compare after normalisation."""
    return (
        f"{query_name!r} has no comparable name tokens against record {record_key!r} "
        "once legal forms and punctuation are removed, score 0.00."
    )


def _clause(feature: FeatureResult) -> str:
    if abs(feature.contribution) < 0.005:
        return feature.detail
    return f"{feature.detail} ({feature.contribution:+.2f})"


def build_detail(
    comparison: NameComparison, name: RecordName, kinds: tuple[Kind, Kind], pairs_scored: int
) -> dict[str, Any]:
    """Everything a reviewer or a test needs to see why the pair scored what it did."""
    alignment = comparison.alignment
    return {
        "token_pairs": [
            [pair.left, pair.right, round(pair.similarity, 4), round(pair.weight, 4)]
            for pair in alignment.pairs
        ],
        "unmatched_query_tokens": list(alignment.unmatched_left),
        "unmatched_listed_tokens": list(alignment.unmatched_right),
        "token_alignment": round(alignment.score, 4),
        "token_sort": round(comparison.sort, 4),
        "query_normalized": comparison.left.compare,
        "matched_normalized": comparison.right.compare,
        "query_joined": comparison.left.joined,
        "matched_joined": comparison.right.joined,
        "legal_forms": {
            "query": list(comparison.left.legal_forms),
            "listed": list(comparison.right.legal_forms),
        },
        "name_type": name.type,
        "weak": name.weak,
        "kinds": list(kinds),
        "pairs_scored": pairs_scored,
    }
