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

from screening.similarity import may_pair, span_similarity, token_similarity

PERSON_EXTRA_FACTOR = 0.5  # a dropped middle name costs half its weight...
ANCHORED_EXTRA_FACTOR = 0.35  # ...or about a third once a rare name (the surname) matched
ANCHOR_WEIGHT = 1.6  # a pair of tokens weighing at least 0.8 each is such a rare name

MAX_CACHED_PAIRS = 500_000  # token pairs whose similarity is remembered, per mode

Weigher = Callable[[str], float]
_UNKNOWN = -1.0  # cache sentinel: similarities are never negative
# Token similarity is pure and symmetric, and the same pairs recur across a batch of queries:
# one cache per (person, abjad) mode, and one for joined spans per abjad mode.
_CACHES: dict[tuple[bool, bool], dict[tuple[str, str], float | None]] = {
    (person, abjad): {} for person in (False, True) for abjad in (False, True)
}
_SPAN_CACHES: dict[bool, dict[tuple[str, str], float | None]] = {False: {}, True: {}}
_Unit = tuple[int, int, str, float]  # start, end (exclusive), text, weight
# -sim, -weight, the texts in sorted order (tie break), left and right text, both spans: a
# plain tuple sort orders the options best first and ties the same way whatever the argument
# order.
_Option = tuple[float, float, str, str, str, str, int, int, int, int]


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
    left: Sequence[str],
    right: Sequence[str],
    weight: Weigher,
    *,
    person: bool = False,
    abjad: bool = False,
) -> Alignment:
    """Align two token lists; `person` enables initials and cheaper dropped middle names.

    `abjad`: one side was written without short vowels, so consonants are compared too.
    """
    if sorted(left) == sorted(right):
        # The common case among true matches: same tokens, perhaps reordered.
        same = [TokenPair(t, t, 1.0, 2 * weight(t)) for t in sorted(left)]
        return Alignment(tuple(same), (), (), 1.0 if same else 0.0)
    left_w = [weight(token) for token in left]
    right_w = [weight(token) for token in right]
    options = _options(left, right, left_w, right_w, person, abjad)
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


def _options(
    left: Sequence[str],
    right: Sequence[str],
    left_w: list[float],
    right_w: list[float],
    person: bool,
    abjad: bool,
) -> list[_Option]:
    """Every pairing of a left and a right unit that may be aligned, best first."""
    cache = _CACHES[person, abjad]
    spans_cache = _SPAN_CACHES[abjad]
    if len(cache) > MAX_CACHED_PAIRS or len(spans_cache) > MAX_CACHED_PAIRS:
        cache.clear()
        spans_cache.clear()
    options: list[_Option] = []
    for i, lt in enumerate(left):
        for j, rt in enumerate(right):
            key = (lt, rt) if lt <= rt else (rt, lt)
            sim = cache.get(key, _UNKNOWN)
            if sim == _UNKNOWN:
                if may_pair(lt, rt, person=person, abjad=abjad):
                    sim = token_similarity(lt, rt, person=person, abjad=abjad)
                else:
                    sim = None
                cache[key] = sim
            if sim is not None:
                low, high = key
                options.append((-sim, -left_w[i] - right_w[j], low, high, lt, rt, i, i + 1, j, j + 1))
    # A word split in two on either side ("gazprom neft" / "gazpromneft"): two adjacent
    # tokens, joined in either order, against one token of about their joined length.
    for spans, singles, weights, flip in (
        (_spans(left, left_w), right, right_w, False),
        (_spans(right, right_w), left, left_w, True),
    ):
        for start, end, text, span_w in spans:
            for j, token in enumerate(singles):
                if not abjad and (text[0] != token[0] or abs(len(text) - len(token)) > 2):
                    continue  # cheap: a spacing variant keeps its first letter and length
                span_key = (text, token)
                sim = spans_cache.get(span_key, _UNKNOWN)
                if sim == _UNKNOWN:
                    sim = spans_cache[span_key] = span_similarity(text, token, abjad=abjad)
                if sim is None:
                    continue
                low, high = (text, token) if text <= token else (token, text)
                if flip:
                    options.append((-sim, -span_w - weights[j], low, high, token, text, j, j + 1, start, end))
                else:
                    options.append((-sim, -span_w - weights[j], low, high, text, token, start, end, j, j + 1))
    # Ties break on weight and then on the texts in sorted order, so swapping the arguments
    # picks the same pairs.
    options.sort()
    return options


def _pick(
    options: list[_Option], n_left: int, n_right: int
) -> tuple[list[TokenPair], list[bool], list[bool]]:
    """Greedily keep the best options whose tokens are still free on both sides."""
    used_left = [False] * n_left
    used_right = [False] * n_right
    pairs = []
    for neg_sim, neg_weight, _, _, lt, rt, ls, le, rs, re in options:
        if any(used_left[ls:le]) or any(used_right[rs:re]):
            continue
        used_left[ls:le] = [True] * (le - ls)
        used_right[rs:re] = [True] * (re - rs)
        pairs.append(TokenPair(lt, rt, -neg_sim, -neg_weight))
    return pairs, used_left, used_right


def _extra_factor(pairs: list[TokenPair]) -> float:
    """How much a person's extra, unanswered names weigh."""
    anchored = any(p.similarity >= 0.85 and p.weight >= ANCHOR_WEIGHT for p in pairs)
    return ANCHORED_EXTRA_FACTOR if anchored else PERSON_EXTRA_FACTOR


def _spans(tokens: Sequence[str], weights: list[float]) -> list[_Unit]:
    """Each pair of adjacent tokens joined in either order, with its weight; not initials."""
    units = []
    for i in range(len(tokens) - 1):
        if len(tokens[i]) > 1 and len(tokens[i + 1]) > 1:
            weight = weights[i] + weights[i + 1]
            units.append((i, i + 2, tokens[i] + tokens[i + 1], weight))
            units.append((i, i + 2, tokens[i + 1] + tokens[i], weight))
    return units


def _score(pairs: list[TokenPair], extra_weight: float) -> float:
    total = sum(pair.weight for pair in pairs) + extra_weight
    if total <= 0.0:
        return 0.0
    return min(1.0, sum(pair.similarity * pair.weight for pair in pairs) / total)
