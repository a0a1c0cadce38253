"""String similarity measures, each in 0..1; the only module that imports rapidfuzz.

Callers pass already normalised text: every call sets `processor=None` because rapidfuzz 3
no longer normalises by default and the engine's own normalisation must be the only one.
`token_set_ratio` is deliberately absent: it scores a token subset ("ACME" vs "ACME HOLDINGS")
as identical.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA


def string_similarity(left: str, right: str, cutoff: float = 0.0) -> float:
    """Indel similarity of two strings (1.0 = equal), e.g. two tokens; 0.0 below `cutoff`."""
    return fuzz.ratio(left, right, processor=None, score_cutoff=cutoff * 100.0) / 100.0


def sorted_similarity(left: str, right: str) -> float:
    """Similarity of two space-separated names after sorting their tokens."""
    return fuzz.token_sort_ratio(left, right, processor=None) / 100.0


def quick_similarity(left: str, right: str, left_joined: str, right_joined: str) -> float:
    """A cheap upper-ish bound used to prune candidates: token-sort or joined-form ratio."""
    return (
        max(
            fuzz.token_sort_ratio(left, right, processor=None),
            fuzz.ratio(left_joined, right_joined, processor=None),
        )
        / 100.0
    )


def quick_similarities(
    query_sorted: str,
    query_joined: str,
    sorted_forms: Sequence[str],
    joined_forms: Sequence[str],
    cutoff: float,
) -> dict[int, float]:
    """`quick_similarity` of one query against many names at once, keyed by position.

    `sorted_forms` hold each name's tokens in sorted order, so a plain ratio is token-sort.
    Names scoring below `cutoff` on both measures are left out.
    """
    scores: dict[int, float] = {}
    for query, forms in ((query_sorted, sorted_forms), (query_joined, joined_forms)):
        hits = process.extract(
            query, forms, scorer=fuzz.ratio, processor=None, limit=None, score_cutoff=cutoff * 100
        )
        for _, score, key in hits:
            scores[key] = max(scores.get(key, 0.0), score / 100.0)
    return scores


def edit_distance(left: str, right: str, cutoff: int) -> int:
    """Optimal-string-alignment distance (a transposition is one edit), capped at cutoff + 1."""
    return OSA.distance(left, right, processor=None, score_cutoff=cutoff)
