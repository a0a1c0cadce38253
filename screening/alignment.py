"""Weighted token alignment: which token of one name answers which token of the other.

Tokens are paired greedily, most similar first (`similarity.token_similarity`: typos,
romanisation variants, initials, abbreviations). A pair of adjacent tokens, joined in either
order, may also answer one token ("gazprom neft" vs "gazpromneft", "sama tv" vs "tvsama").
Each token carries an IDF weight, so a pair of rare tokens counts for much more than a pair of
"trading" or "group". The score is the weighted share of both names that found a partner:

    score = sum(similarity * weight of paired tokens) / sum(weight of all tokens)

which is symmetric in its two arguments. `may_reach` bounds that score from above at a
fraction of the cost of aligning, so that screening aligns only the pairs of names that may
reach its threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from screening.similarity import may_pair, span_similarity, token_similarity

PERSON_EXTRA_FACTOR = 0.5  # a dropped middle name costs half its weight...
ANCHORED_EXTRA_FACTOR = 0.35  # ...or about a third once a rare name (the surname) matched
ANCHOR_WEIGHT = 1.6  # a pair of tokens weighing at least 0.8 each is such a rare name

# A joined pair of tokens and a single token are only compared within this many letters of
# each other's length, and only when they share their first letter (unless abjad).
SPAN_LENGTH_SLACK = 2

MAX_CACHED_PAIRS = 500_000  # token pairs whose similarity is remembered, per mode and cache

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
    cache, spans_cache = _CACHES[person, abjad], _SPAN_CACHES[abjad]
    options: list[_Option] = []
    for i, lt in enumerate(left):
        for j, rt in enumerate(right):
            sim = _token_similarity(cache, lt, rt, person, abjad)
            if sim is not None:
                low, high = (lt, rt) if lt <= rt else (rt, lt)
                options.append((-sim, -left_w[i] - right_w[j], low, high, lt, rt, i, i + 1, j, j + 1))
    # A word split in two on either side ("gazprom neft" / "gazpromneft"): two adjacent
    # tokens, joined in either order, against one token of about their joined length.
    for spans, singles, weights, flip in (
        (_spans(left, left_w), right, right_w, False),
        (_spans(right, right_w), left, left_w, True),
    ):
        for start, end, text, span_w in spans:
            for j, token in enumerate(singles):
                sim = _span_similarity(spans_cache, text, token, abjad)
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


class TokenProfile(NamedTuple):
    """A name's tokens and what `may_reach` needs of them, worked out once per name.

    A named tuple rather than a frozen dataclass: one is built for every query name.
    """

    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    total: float  # the weights' sum
    ranked: tuple[tuple[float, int], ...]  # (weight, position) of each token, heaviest first
    # Per adjacent pair of tokens (by the first one's position): joined length and text in
    # either order, or None where one of them is an initial.
    spans: tuple[tuple[int, str, str] | None, ...]
    shortest_span: int  # joined length of the shortest span; 0 without spans
    longest: int  # length of the longest token
    abjad: bool  # written without (all) its vowels: compared on consonants with other names


def token_profile(tokens: tuple[str, ...], weight: Weigher, *, abjad: bool = False) -> TokenProfile:
    """The profile of a name's `tokens`, weighed by `weight`; `abjad`: written without vowels."""
    weights = tuple(map(weight, tokens))
    ranked = tuple(sorted(zip(weights, range(len(tokens)), strict=True), key=lambda unit: -unit[0]))
    spans = tuple(
        (len(first) + len(second), first + second, second + first)
        if len(first) > 1 and len(second) > 1
        else None
        for first, second in zip(tokens, tokens[1:], strict=False)
    )
    shortest_span = min([span[0] for span in spans if span is not None], default=0)
    longest = max(map(len, tokens), default=0)
    return TokenProfile(tokens, weights, sum(weights), ranked, spans, shortest_span, longest, abjad)


def may_reach(left: TokenProfile, right: TokenProfile, floor: float, *, person: bool = False) -> bool:
    """False only when aligning the two names certainly scores below `floor`.

    Whatever pairs the greedy pick keeps, a token answered by a pair counts at most its best
    similarity `b` with any unit of the other side, and an unanswered one nothing, though it
    still weighs in the denominator: fully for organisations, at least
    ANCHORED_EXTRA_FACTOR (`f`) for persons. Choosing freely which tokens are answered, the
    score can reach `floor` only if

        sum over tokens of weight * max(b - floor, -f * floor) >= 0

    (each token either answered, or not and costing `f * floor` of its weight). Tokens are
    examined one by one, each name's heaviest first, against every unit of the other side;
    the ones not yet examined count as perfect (b = 1), so that a pair of unrelated names is
    usually given up after its rarest word. Screening runs this on every shortlisted pair of
    names and aligns only the few that may reach its threshold, so it is written for speed.
    """
    if floor <= 0.0:
        return True
    abjad = left.abjad != right.abjad
    cache = _CACHES[person, abjad]
    # The sum above with every token perfect, lowered as each token is examined.
    allowed = (1.0 - floor) * (left.total + right.total)
    unanswered = (1.0 - ANCHORED_EXTRA_FACTOR) * floor if person else 0.0
    for profile, other in ((left, right), (right, left)):
        tokens, others = profile.tokens, other.tokens
        for token_weight, at in profile.ranked:
            token = tokens[at]
            best = 0.0
            for single in others:
                if token == single:
                    best = 1.0
                    break
                sim = cache.get((token, single) if token < single else (single, token), _UNKNOWN)
                if sim == _UNKNOWN:
                    sim = _token_similarity(cache, token, single, person, abjad)
                if sim is not None and sim > best:
                    best = sim
            if best < 1.0 and (
                abjad
                or 0 < profile.shortest_span <= other.longest + SPAN_LENGTH_SLACK
                or 0 < other.shortest_span <= len(token) + SPAN_LENGTH_SLACK
            ):
                joined = _best_span(profile, at, other, abjad)
                if joined > best:
                    best = joined
            allowed -= token_weight * (1.0 - (best if best > unanswered else unanswered))
            if allowed < 0.0:
                return False
    return True


def _best_span(profile: TokenProfile, at: int, other: TokenProfile, abjad: bool) -> float:
    """The best similarity token `at` of a name gets from joined pairs of tokens.

    Either it is joined with a neighbour against a token of the other name, or it stands
    against two joined tokens of the other name.
    """
    spans_cache = _SPAN_CACHES[abjad]
    token = profile.tokens[at]
    best = 0.0
    units = [(span, single) for span in profile.spans[max(at - 1, 0) : at + 1] for single in other.tokens]
    units += [(span, token) for span in other.spans]
    for span, single in units:
        if span is None:
            continue
        length, joined, swapped = span
        # The cheap test of `_span_similarity`, for both orders of the span at once.
        if not abjad and (
            abs(length - len(single)) > SPAN_LENGTH_SLACK or single[0] not in (joined[0], swapped[0])
        ):
            continue
        for text in (joined, swapped):
            sim = _span_similarity(spans_cache, text, single, abjad)
            if sim is not None and sim > best:
                best = sim
    return best


def _token_similarity(
    cache: dict[tuple[str, str], float | None], a: str, b: str, person: bool, abjad: bool
) -> float | None:
    """`token_similarity` of two tokens, remembered; None when they must not pair."""
    key = (a, b) if a <= b else (b, a)
    sim = cache.get(key, _UNKNOWN)
    if sim == _UNKNOWN:
        if len(cache) >= MAX_CACHED_PAIRS:
            cache.clear()
        sim = cache[key] = (
            token_similarity(a, b, person=person, abjad=abjad)
            if may_pair(a, b, person=person, abjad=abjad)
            else None
        )
    return sim


def _span_similarity(
    cache: dict[tuple[str, str], float | None], text: str, token: str, abjad: bool
) -> float | None:
    """`span_similarity` of two joined tokens and one, remembered; None when they must not pair."""
    if not abjad and (text[0] != token[0] or abs(len(text) - len(token)) > SPAN_LENGTH_SLACK):
        return None  # cheap: a spacing variant keeps its first letter and length
    key = (text, token)
    sim = cache.get(key, _UNKNOWN)
    if sim == _UNKNOWN:
        if len(cache) >= MAX_CACHED_PAIRS:
            cache.clear()
        sim = cache[key] = span_similarity(text, token, abjad=abjad)
    return sim


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
