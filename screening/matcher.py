"""The token-v1 matcher (version 2): index listed records once, then screen or compare queries.

`screen` runs in three stages, each cheaper per item than the next:

1. `CandidateIndex.candidates`: exact keys, rare trigrams and rare tokens give a few hundred
   listed names, and an agreeing identifier its records;
2. a quick C-level ratio (token-sort or joined form) keeps the plausible ones and groups
   them by record;
3. `compare` scores every shortlisted record in full and explains the result; a pair of
   names that an exact upper bound (`features.may_reach`) shows cannot reach the threshold
   is skipped, which changes no result: such a pair could not have raised an alert.

`compare` is the same third stage for one given record, so a score never depends on which
method produced it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import ClassVar

from screening.alignment import TokenProfile
from screening.distance import quick_similarities, quick_similarity, sorted_similarity
from screening.errors import InvalidParameterError, InvalidQueryError
from screening.explain import build_detail, build_no_match_summary, build_summary
from screening.features import (
    MAX_CONTEXT_LIFT,
    NameComparison,
    compare_names,
    may_reach,
    name_profile,
    score_features,
)
from screening.identifiers import NO_IDENTIFIERS, compare_identifiers, identifier_keys
from screening.index import CandidateIndex, TokenWeights, listed_forms, sorted_key
from screening.normalize import NormalizedName, derived_names, normalize_name
from screening.phonetic import skeleton
from screening.types import FeatureResult, Kind, Match, Query, Record, RecordName

log = logging.getLogger(__name__)

CANDIDATE_NAMES = 300  # stage 1 output
# Stage 2 floor. On the dev set, pairs that alert but score below it on the quick ratio are
# almost all initials ("V. A. Koshelev"), which reach the shortlist by their surname instead.
QUICK_MIN = 0.6
INITIALS_QUICK = 0.75  # shortlist rank given to a name found by the surname of an initials query
SHORTLIST_RECORDS = 15  # stage 3 input (at least; more if the caller asks for more)
# Per record: pairs of names scored in full, best quick ratio first. `compare` scores them all
# (up to a sanity bound); `screen` the most promising few of each shortlisted record.
SCREEN_FULL_PAIRS = 3
COMPARE_FULL_PAIRS = 100
# Listed names whose `name_profile` is remembered across screenings: every distinct listed
# name of a large index, in both modes, fits.
MAX_PROFILES = 150_000
# Rounding room between `may_reach`'s bound and the score it bounds, summed in another order.
BOUND_SLACK = 1e-9

# (query compare form, listed compare form, person mode, query abjad, listed abjad)
_PairKey = tuple[str, str, bool, bool, bool]
_ProfileKey = tuple[str, bool, bool]  # compare form, person mode, abjad


@dataclass(frozen=True, slots=True)
class _Scored:
    """The best pair of names of one (query, record) comparison, before it is explained."""

    score: float
    name: RecordName
    comparison: NameComparison
    features: tuple[FeatureResult, ...]
    pairs_scored: int


class Matcher:
    """Token-alignment name matcher over a fixed set of listed records."""

    NAME: ClassVar[str] = "token-v1"
    VERSION: ClassVar[str] = "2.0.0"

    def __init__(self, records: Iterable[Record], *, weights: TokenWeights | None = None) -> None:
        """Index `records`.

        How much a token counts depends on how many records use it. A matcher over some of a
        larger matcher's records (a sweep's changed entries) takes that one's `weights`, so
        that it scores every pair exactly as the larger one would.
        """
        self._index = CandidateIndex(records, weights)
        self._profiles: dict[_ProfileKey, TokenProfile] = {}

    @property
    def weights(self) -> TokenWeights:
        """The token weights this matcher scores with."""
        return self._index.weights

    def __len__(self) -> int:
        return len(self._index.records)

    def screen(
        self, query: Query, *, threshold: float, limit: int = 10, exhaustive: bool = False
    ) -> list[Match]:
        """Alerts for `query`: records scoring at least `threshold`, best first, one per key.

        Only strong names can raise an alert; a weak alias alone never does. `exhaustive`
        scores every record instead of the candidate lookup's shortlist: about a thousand
        times slower, it measures what the lookup loses.
        """
        if not 0.0 <= threshold <= 1.0:
            raise InvalidParameterError(f"threshold must be within 0..1, got {threshold!r}")
        if limit < 1:
            raise InvalidParameterError(f"limit must be at least 1, got {limit!r}")
        names = _QueryNames(query)
        if exhaustive:
            positions: Iterable[int] = range(len(self._index.records))
        else:
            norms = names.normalized(query.kind)
            name_ids = self._index.candidates(norms, CANDIDATE_NAMES)
            shortlist = self._shortlist(norms, name_ids, max(SHORTLIST_RECORDS, 2 * limit))
            by_identifier = self._index.identifier_candidates(identifier_keys(query.identifiers))
            positions = dict.fromkeys([*by_identifier, *shortlist])
        hits: list[tuple[Record, _Scored]] = []
        # The same listed name often appears on several lists: compare it with a query name once.
        seen: dict[_PairKey, NameComparison | None] = {}
        for position in positions:
            record = self._index.records[position]
            forms = self._index.forms[position]
            scored = self._score(names, record, forms, strong_only=True, floor=threshold, seen=seen)
            if scored is not None and scored.score >= threshold:
                hits.append((record, scored))
        hits.sort(key=lambda hit: (-hit[1].score, hit[0].key))
        return [self._explain(query, record, scored) for record, scored in hits[:limit]]

    def compare(self, query: Query, record: Record) -> Match:
        """Score `query` against one record and explain it, whatever the score."""
        names = _QueryNames(query)
        scored = self._score(names, record, listed_forms(record), max_pairs=COMPARE_FULL_PAIRS)
        if scored is None:
            return _no_match(query, record)
        return self._explain(query, record, scored)

    def _score(
        self,
        names: _QueryNames,
        record: Record,
        forms: Sequence[tuple[RecordName, NormalizedName]],
        *,
        strong_only: bool = False,
        max_pairs: int = SCREEN_FULL_PAIRS,
        floor: float = 0.0,
        seen: dict[_PairKey, NameComparison | None] | None = None,
    ) -> _Scored | None:
        """The best-scoring pair of (query name, listed name), or None if none is comparable.

        `forms` are the record's names as `listed_forms` gives them. With `strong_only`, weak
        aliases are skipped: they support a match but never make one. Pairs whose names
        cannot reach `floor` whatever the context are not scored further. `seen` remembers
        name comparisons across the records of one screening (None: below its floor).
        """
        query = names.query
        # An unknown-kind query is read the way the record is: "Mr Putin" drops its title
        # against a person, "Acme Ltd" its legal form against a company.
        query_norms = names.compared(query.kind if query.kind != "unknown" else record.kind)
        pairs = [
            (q, name, listed)
            for name, listed in forms
            if not (strong_only and name.weak)
            for q in query_norms
        ]
        if len(pairs) > max_pairs:
            pairs.sort(key=_by_quick)
        pairs_scored = min(len(pairs), max_pairs)
        kinds: tuple[Kind, Kind] = (query.kind, record.kind)
        person = _person_mode(kinds)
        identifiers = (
            compare_identifiers(query.identifiers, record.identifiers)
            if query.identifiers
            else NO_IDENTIFIERS
        )
        # An agreeing identifier lifts any name to an alert: then every pair is scored.
        prune_below = floor if not identifiers.agreeing else 0.0
        comparisons = []
        for q, name, listed in pairs[:max_pairs]:
            comparison = self._compare_names(names, q, listed, person, prune_below, seen)
            if comparison is None or comparison.score + MAX_CONTEXT_LIFT < prune_below:
                continue
            comparisons.append((comparison, name))
        if len(comparisons) > 1 and len(pairs) <= max_pairs:
            # Scored in order of the quick ratio, as the shortlist would rank them, so that
            # of equal scores the more obviously similar pair explains the match.
            comparisons.sort(key=lambda item: -_quick(item[0].left, item[0].right))
        best: _Scored | None = None
        for comparison, name in comparisons:
            score, features = score_features(
                comparison,
                kinds=kinds,
                country=query.country,
                countries=record.countries,
                weak=name.weak,
                identifiers=identifiers,
            )
            # On equal scores a strong name explains the match better than a weak alias;
            # after that the earlier pair (better quick ratio) stays.
            if best is None or (score, not name.weak) > (best.score, not best.name.weak):
                best = _Scored(score, name, comparison, features, pairs_scored)
        return best

    def _compare_names(
        self,
        names: _QueryNames,
        q: NormalizedName,
        listed: NormalizedName,
        person: bool,
        floor: float,
        seen: dict[_PairKey, NameComparison | None] | None,
    ) -> NameComparison | None:
        """`compare_names`, or None when a cheap bound shows that the pair cannot reach `floor`."""
        # A comparison depends on the names' tokens only, not on how they were written.
        memo = (q.compare, listed.compare, person, q.abjad, listed.abjad)
        if seen is not None and memo in seen:
            known = seen[memo]
            if known is not None:
                return replace(known, left=q, right=listed)
            if floor > 0.0:
                return None
        comparison: NameComparison | None = None
        # What the name must score to reach the floor, less a margin for rounding.
        needed = floor - MAX_CONTEXT_LIFT - BOUND_SLACK
        if needed <= 0.0 or may_reach(
            self._profile(q, person, names.profiles),
            self._profile(listed, person, self._profiles),
            needed,
            person=person,
        ):
            comparison = compare_names(q, listed, self._index.weights, person=person)
        if seen is not None:
            seen[memo] = comparison
        return comparison

    def _profile(
        self, name: NormalizedName, person: bool, memo: dict[_ProfileKey, TokenProfile]
    ) -> TokenProfile:
        """`name_profile` of a name, remembered in `memo`.

        A query name's is remembered for its screening, a listed name's across screenings.
        """
        key = (name.compare, person, name.abjad)
        profile = memo.get(key)
        if profile is None:
            if len(memo) >= MAX_PROFILES:
                memo.clear()
            profile = memo[key] = name_profile(name, self._index.weights, person=person)
        return profile

    def _explain(self, query: Query, record: Record, scored: _Scored) -> Match:
        comparison = scored.comparison
        q = comparison.left
        kinds: tuple[Kind, Kind] = (query.kind, record.kind)
        return Match(
            key=record.key,
            score=round(scored.score, 4),
            query_name=q.display,
            matched_name=scored.name.value,
            query_normalized=q.compare,
            matched_normalized=comparison.right.compare,
            features=scored.features,
            summary=build_summary(q.display, scored.name.value, comparison, scored.score, scored.features),
            algorithm=self.NAME,
            detail=build_detail(comparison, scored.name, kinds, scored.pairs_scored),
        )

    def _shortlist(self, norms: list[NormalizedName], name_ids: list[int], size: int) -> list[int]:
        """Record positions whose names pass the quick ratio, best first, at most `size`."""
        index = self._index
        if not name_ids:
            return []
        gather = itemgetter(*name_ids)  # C-level gathering; a single id gives a bare item
        sorted_forms = gather(index.sorted_forms) if len(name_ids) > 1 else [index.sorted_forms[name_ids[0]]]
        joined_forms = gather(index.joined_forms) if len(name_ids) > 1 else [index.joined_forms[name_ids[0]]]
        best: dict[int, float] = {}
        for q in norms:
            if not q.tokens:
                continue
            quick = quick_similarities(sorted_key(q), q.joined, sorted_forms, joined_forms, QUICK_MIN)
            if q.abjad:  # "mhmd ly" against "mohammed ali": compare consonants
                listed = [index.names[i].norm for i in name_ids]
                sorted_bones, joined_bones = [_bones(n) for n in listed], [_bones(n, "") for n in listed]
                quick_bones = quick_similarities(
                    _bones(q), _bones(q, ""), sorted_bones, joined_bones, QUICK_MIN
                )
                for at, score in quick_bones.items():
                    quick[at] = max(quick.get(at, 0.0), score)
            scores = {name_ids[at]: score for at, score in quick.items()}
            for name_id in index.initials_candidates(q):
                scores[name_id] = max(scores.get(name_id, 0.0), INITIALS_QUICK)
            for name_id, score in scores.items():
                position = index.name_records[name_id]
                if score > best.get(position, 0.0):
                    best[position] = score
        return sorted(best, key=lambda position: (-best[position], position))[:size]


class _QueryNames:
    """A query's names, normalised once per kind they are read as, for one screening."""

    __slots__ = ("_compared", "_names", "_normalized", "profiles", "query")

    def __init__(self, query: Query) -> None:
        self.query = query
        self._names = _query_names(query)
        self._normalized: dict[Kind, list[NormalizedName]] = {}
        self._compared: dict[Kind, list[NormalizedName]] = {}
        self.profiles: dict[_ProfileKey, TokenProfile] = {}  # see `Matcher._profile`

    def normalized(self, kind: Kind) -> list[NormalizedName]:
        """Every name read as `kind`, in order: the candidate lookup weighs each one."""
        norms = self._normalized.get(kind)
        if norms is None:
            norms = self._normalized[kind] = [normalize_name(name, kind) for name in self._names]
        return norms

    def compared(self, kind: Kind) -> list[NormalizedName]:
        """The names read as `kind` that the scorer compares: one per compare form, the last."""
        norms = self._compared.get(kind)
        if norms is None:
            by_form = {norm.compare: norm for norm in self.normalized(kind) if norm.tokens}
            norms = self._compared[kind] = list(by_form.values())
        return norms


def _query_names(query: Query) -> list[str]:
    """The query's name and aliases, blank and repeated ones dropped."""
    if not isinstance(query.name, str) or not query.name.strip():
        raise InvalidQueryError("must be a non-blank string")
    aliases = [alias for alias in query.aliases if isinstance(alias, str) and alias.strip()]
    names = [query.name, *aliases]
    return list(dict.fromkeys([*names, *(d for name in names for d in derived_names(name, acronyms=False))]))


def _bones(name: NormalizedName, sep: str = " ") -> str:
    """The consonant skeletons of a name's tokens: sorted and spaced, or joined in order."""
    bones = [skeleton(token) for token in name.tokens]
    return " ".join(sorted(bones)) if sep else "".join(bones)


def _by_quick(pair: tuple[NormalizedName, RecordName, NormalizedName]) -> float:
    """Sort key of a (query name, listed name, listed form) pair: best quick ratio first."""
    return -_quick(pair[0], pair[2])


def _quick(query: NormalizedName, listed: NormalizedName) -> float:
    quick = quick_similarity(query.compare, listed.compare, query.joined, listed.joined)
    if query.abjad != listed.abjad:
        return max(quick, sorted_similarity(_bones(query), _bones(listed)))
    return quick


def _person_mode(kinds: tuple[Kind, Kind]) -> bool:
    """Person rules (initials, dropped middle names) apply unless a side is not a person."""
    left, right = kinds
    return "person" in kinds and left in _PERSON_KINDS and right in _PERSON_KINDS


_PERSON_KINDS = frozenset({"person", "unknown"})


def _no_match(query: Query, record: Record) -> Match:
    kind = query.kind if query.kind != "unknown" else record.kind
    query_norm = normalize_name(query.name, kind)
    listed = record.names[0].value if record.names else ""
    return Match(
        key=record.key,
        score=0.0,
        query_name=query_norm.display,
        matched_name=listed,
        query_normalized=query_norm.compare,
        matched_normalized=normalize_name(listed, record.kind).compare,
        features=(FeatureResult("name_similarity", 0.0, "no comparable tokens"),),
        summary=build_no_match_summary(query_norm.display, record.key),
        algorithm=Matcher.NAME,
        detail={"legal_forms": {"query": list(query_norm.legal_forms)}, "weak": False},
    )
