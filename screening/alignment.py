"""Weighted token alignment: which token of one name answers which token of the other.

Tokens are paired greedily, most similar first. When the two names have different token
counts, a pair of adjacent tokens may also answer one token ("gazprom neft" vs "gazpromneft").
Each token carries an IDF weight, so a pair of rare tokens counts for much more than a pair of
"trading" or "group". The score is the weighted share of both names that found a partner:

    score = sum(similarity * weight of paired tokens) / sum(weight of all tokens)

which is symmetric in its two arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from screening.distance import string_similarity

MIN_TOKEN_SIMILARITY = 0.6  # below this two tokens are different words, not a typo
MIN_SPAN_SIMILARITY = 0.85  # a joined pair must be near-exact: it is a spacing variant
INITIAL_SIMILARITY = 0.8  # "v" answering "vladimir" in a person's name
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
    # Only the longer name can hold a word split in two ("gazprom neft" vs "gazpromneft").
    options = _options(
        _units(left, left_w, spans=len(left) > len(right)),
        _units(right, right_w, spans=len(right) > len(left)),
        person,
    )
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
            if not _lengths_allow(len(lt), len(rt), span, person):
                continue  # cheap: most pairs of a non-match end here without a ratio call
            sim = unit_similarity(lt, rt, span=span, person=person)
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


def _units(tokens: Sequence[str], weights: list[float], *, spans: bool) -> list[_Unit]:
    """Each token, and with `spans` each pair of adjacent tokens joined, with their weight."""
    units = [(i, i + 1, token, weights[i]) for i, token in enumerate(tokens)]
    if spans:
        units.extend(
            (i, i + 2, tokens[i] + tokens[i + 1], weights[i] + weights[i + 1]) for i in range(len(tokens) - 1)
        )
    return units


def _lengths_allow(a: int, b: int, span: bool, person: bool) -> bool:
    """False when the lengths alone rule a pairing out (Indel ratio <= 2*min/(a+b))."""
    if person and not span and min(a, b) == 1:
        return True  # an initial
    return 2 * min(a, b) >= (MIN_SPAN_SIMILARITY if span else MIN_TOKEN_SIMILARITY) * (a + b)


def unit_similarity(a: str, b: str, *, span: bool = False, person: bool = False) -> float | None:
    """Similarity of two aligned units, or None when they must not be paired."""
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit():
        return None  # numbers match exactly or not at all: "Company 1" is not "Company 2"
    if person and not span and (len(a) == 1 or len(b) == 1):
        return INITIAL_SIMILARITY if a[0] == b[0] else None
    sim = string_similarity(a, b, cutoff=MIN_SPAN_SIMILARITY if span else MIN_TOKEN_SIMILARITY)
    return sim or None


def _score(pairs: list[TokenPair], extra_weight: float) -> float:
    total = sum(pair.weight for pair in pairs) + extra_weight
    if total <= 0.0:
        return 0.0
    return min(1.0, sum(pair.similarity * pair.weight for pair in pairs) / total)
