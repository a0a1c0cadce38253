"""Weighted token alignment: which token of one name answers which token of the other.

Tokens are paired greedily, most similar first (`similarity.token_similarity`: typos,
romanisation variants, initials, abbreviations). A pair of adjacent tokens, joined in either
order, may also answer one token ("gazprom neft" vs "gazpromneft", "sama tv" vs "tvsama").
Each token carries an IDF weight, so a pair of rare tokens counts for much more than a pair of
"trading" or "group". The score is the weighted share of both names that found a partner:

    score = sum(similarity * weight of paired tokens) / sum(weight of all tokens)

which is symmetric in its two arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from screening.similarity import may_pair, token_similarity

PERSON_EXTRA_FACTOR = 0.5  # a dropped middle name costs half its weight...
ANCHORED_EXTRA_FACTOR = 0.35  # ...or about a third once a rare name (the surname) matched
ANCHOR_WEIGHT = 1.6  # a pair of tokens weighing at least 0.8 each is such a rare name

Weigher = Callable[[str], float]
_Unit = tuple[int, int, str, float]  # start, end (exclusive), text, weight
_Option = tuple[float, float, str, str, int, int, int, int]  # sim, weight, texts, both spans


@dataclass(frozen=True, slots=True)
class TokenPair:
    """Two aligned units (a token, or two adjacent tokens joined) and their similarity."""

    left: str
    right: str
    similarity: float
    weight: float  # weight of every token the pair covers, on both sides


@dataclass(frozen=True, slots=True)
class Alignment:
    """The pairing of two token lists and its weighted score in 0..1."""

    pairs: tuple[TokenPair, ...]
    unmatched_left: tuple[str, ...]
    unmatched_right: tuple[str, ...]
    score: float

    @property
    def complete(self) -> bool:
        """True when every token on both sides found a partner."""
        return bool(self.pairs) and not self.unmatched_left and not self.unmatched_right


def align_tokens(
    left: Sequence[str], right: Sequence[str], weight: Weigher, *, person: bool = False
) -> Alignment:
    """Align two token lists; `person` enables initials and cheaper dropped middle names."""
    if sorted(left) == sorted(right):
        # The common case among true matches: same tokens, perhaps reordered.
        same = [TokenPair(t, t, 1.0, 2 * weight(t)) for t in sorted(left)]
        return Alignment(tuple(same), (), (), 1.0 if same else 0.0)
    left_w = [weight(token) for token in left]
    right_w = [weight(token) for token in right]
    options = _options(_units(left, left_w), _units(right, right_w), person)
    pairs, used_left, used_right = _pick(options, len(left), len(right))
    rest_left = [i for i, used in enumerate(used_left) if not used]
    rest_right = [i for i, used in enumerate(used_right) if not used]
    extra_left = sum(left_w[i] for i in rest_left)
    extra_right = sum(right_w[i] for i in rest_right)
    if person and len(pairs) >= 2:
        # "Vladimir Putin" vs "Vladimir Vladimirovich Putin": the shorter name is wholly
        # answered, so the extra given or middle names weigh less.
        factor = _extra_factor(pairs)
        extra_left *= factor if not rest_right else 1.0
        extra_right *= factor if not rest_left else 1.0
    return Alignment(
        pairs=tuple(pairs),
        unmatched_left=tuple(left[i] for i in rest_left),
        unmatched_right=tuple(right[i] for i in rest_right),
        score=_score(pairs, extra_left + extra_right),
    )


def _options(left_units: list[_Unit], right_units: list[_Unit], person: bool) -> list[_Option]:
    """Every pairing of a left and a right unit that may be aligned, best first."""
    options = []
    for ls, le, lt, lwt in left_units:
        for rs, re, rt, rwt in right_units:
            if lt == rt:
                options.append((1.0, lwt + rwt, lt, rt, ls, le, rs, re))
                continue
            span = le - ls + re - rs > 2
            if le - ls > 1 and re - rs > 1:
                continue  # two joined pairs: that is two token pairs, or nothing
            if not may_pair(lt, rt, person=person, span=span):
                continue  # cheap: most pairs of a non-match end here without a ratio call
            sim = token_similarity(lt, rt, span=span, person=person)
            if sim is not None:
                options.append((sim, lwt + rwt, lt, rt, ls, le, rs, re))
    # Ties break on weight and then on the texts in sorted order, so swapping the arguments
    # picks the same pairs.
    options.sort(key=lambda o: (-o[0], -o[1], min(o[2], o[3]), max(o[2], o[3])))
    return options


def _pick(
    options: list[_Option], n_left: int, n_right: int
) -> tuple[list[TokenPair], list[bool], list[bool]]:
    """Greedily keep the best options whose tokens are still free on both sides."""
    used_left = [False] * n_left
    used_right = [False] * n_right
    pairs = []
    for sim, pair_weight, lt, rt, ls, le, rs, re in options:
        if any(used_left[ls:le]) or any(used_right[rs:re]):
            continue
        used_left[ls:le] = [True] * (le - ls)
        used_right[rs:re] = [True] * (re - rs)
        pairs.append(TokenPair(lt, rt, sim, pair_weight))
    return pairs, used_left, used_right


def _extra_factor(pairs: list[TokenPair]) -> float:
    """How much a person's extra, unanswered names weigh."""
    anchored = any(p.similarity >= 0.85 and p.weight >= ANCHOR_WEIGHT for p in pairs)
    return ANCHORED_EXTRA_FACTOR if anchored else PERSON_EXTRA_FACTOR


def _units(tokens: Sequence[str], weights: list[float]) -> list[_Unit]:
    """Each token, and each pair of adjacent tokens joined in either order, with its weight."""
    units = [(i, i + 1, token, weights[i]) for i, token in enumerate(tokens)]
    for i in range(len(tokens) - 1):
        if len(tokens[i]) > 1 and len(tokens[i + 1]) > 1:  # initials are not split words
            weight = weights[i] + weights[i + 1]
            units.append((i, i + 2, tokens[i] + tokens[i + 1], weight))
            units.append((i, i + 2, tokens[i + 1] + tokens[i], weight))
    return units


def _score(pairs: list[TokenPair], extra_weight: float) -> float:
    total = sum(pair.weight for pair in pairs) + extra_weight
    if total <= 0.0:
        return 0.0
    return min(1.0, sum(pair.similarity * pair.weight for pair in pairs) / total)
