"""In-memory candidate index over every listed name, built once from `Record`s.

Three ways lead from a query to listed names, so that a pair the scorer would alert on is not
lost before scoring:

- exact keys: the joined form ("alqaida") and the sorted compare form ("putin vladimir");
- character trigrams of the joined form, padded with "#": typos, joined words
  ("GAZPROMNEFT" vs "Gazprom Neft") and spacing variants share most of their trigrams;
- token posting lists, counted several times over for rare tokens (IDF);
- for a query written in an abjad (Arabic, Hebrew: "محمد" folds to "mhmd"), the consonant
  skeletons of its tokens, and of adjacent pairs joined, against those of listed tokens.

Candidates are ranked by how many of the query's rarest trigrams they share (plus the token
bonus) and capped, so one query touches a few hundred names, not sixty thousand.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

from screening.errors import DuplicateKeyError
from screening.identifiers import identifier_keys
from screening.normalize import NormalizedName, derived_names, normalize_name
from screening.phonetic import skeleton
from screening.types import Record, RecordName

log = logging.getLogger(__name__)

# Words that say little about who a company is, however rare they are in the lists.
GENERIC_TOKENS: frozenset[str] = frozenset(
    """
    and of the for de del la le el les des y e et und i da do du van von
    trading international co corp group general holding holdings industries industrial
    services service bank company enterprise enterprises global import export imports exports
    investment investments technology solutions systems management consulting development
    national commercial products manufacturing engineering construction logistics
    """.split()
)
GENERIC_WEIGHT = 0.2
INITIAL_WEIGHT = 0.3  # a lone letter is an initial, or noise
MIN_WEIGHT = 0.05
MAX_UNLISTED_TOKENS = 100_000  # weights of query words remembered beside the listed ones
# A token in at most this share of records weighs 1.0. A share, not a count, so that weights
# mean the same in a 3,000-record test index and a 30,000-record production one.
RARE_SHARE = 1 / 5_000

MAX_GRAM_POSTINGS = 1_500  # trigrams in more names than this are skipped...
MIN_QUERY_GRAMS = 6  # ...unless the query has fewer than this many rarer ones
MAX_QUERY_GRAMS = 12
MIN_BONUS_WEIGHT = 0.5  # only tokens at least this rare earn the exact-token bonus
TOKEN_BONUS = 3  # a rare exact token counts like this many shared trigrams
MAX_INITIALS_POSTINGS = 200
MIN_SKELETON = 2  # one consonant ("l" of Ali) reaches too many names
MAX_SKELETON_POSTINGS = 3_000


@dataclass(frozen=True, slots=True)
class IndexedName:
    """One listed name with its record's position in the index."""

    record: int
    name: RecordName
    norm: NormalizedName
    sorted: str  # compare tokens in sorted order, for the quick token-sort ratio


class TokenWeights:
    """IDF weight of a token in 0..1: rare tokens 1.0, generic words and initials little.

    weight = log(records / records using the token) / log(5000), clipped to 0.05..1.
    """

    def __init__(self, doc_freq: Counter[str], n_docs: int) -> None:
        self._n = n_docs
        self._scale = math.log(1 / RARE_SHARE)
        self._known = {token: self._compute(token, df) for token, df in doc_freq.items()}
        self._cache = dict(self._known)
        self._bound = len(self._known) + MAX_UNLISTED_TOKENS

    def __call__(self, token: str) -> float:
        cached = self._cache.get(token)
        if cached is None:
            # Query words the lists never use: remember them too, within a bound.
            if len(self._cache) > self._bound:
                self._cache = dict(self._known)
            cached = self._cache[token] = self._compute(token, 0)
        return cached

    def _compute(self, token: str, df: int) -> float:
        # A token the lists never use is as telling as the rarest one.
        idf = math.log(self._n / df) / self._scale if df else 1.0
        weight = max(MIN_WEIGHT, min(1.0, idf))
        if token in GENERIC_TOKENS:
            weight = min(weight, GENERIC_WEIGHT)
        elif len(token) == 1 and token.isalpha():
            weight = min(weight, INITIAL_WEIGHT)
        return weight


class CandidateIndex:
    """Postings from exact keys, trigrams and tokens to name ids (positions in `names`)."""

    def __init__(self, records: Iterable[Record], weights: TokenWeights | None = None) -> None:
        """Index `records`; token weights come from them unless `weights` (a larger index's) are given."""
        self.records: list[Record] = []
        self.names: list[IndexedName] = []
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._identifiers: dict[str, list[int]] = defaultdict(list)
        grams: defaultdict[str, list[int]] = defaultdict(list)
        tokens: defaultdict[str, list[int]] = defaultdict(list)
        skeletons: defaultdict[str, list[int]] = defaultdict(list)
        doc_freq: Counter[str] = Counter()
        keys: set[str] = set()
        for record in records:
            if record.key in keys:
                raise DuplicateKeyError(record.key)
            keys.add(record.key)
            doc_freq.update(self._add_record(record, grams, tokens, skeletons))
        # Every record's names as the scorer reads them, normalised once rather than per screening.
        self.forms = [listed_forms(record) for record in self.records]
        # Parallel to `names`, for C-level ratios over a candidate list without attribute lookups.
        self.sorted_forms = [name.sorted for name in self.names]
        self.joined_forms = [name.norm.joined for name in self.names]
        self.name_records = [name.record for name in self.names]
        # Postings hold name ids from one block of int objects made together: counting them
        # hashes each id, and ids laid out side by side in memory stay in the CPU's cache,
        # where ids made one by one during the build would be scattered over the heap.
        block = list(range(len(self.names)))
        self._grams = {gram: tuple(map(block.__getitem__, ids)) for gram, ids in grams.items()}
        self._gram_sizes = {gram: len(ids) for gram, ids in grams.items()}
        self._tokens = {token: tuple(map(block.__getitem__, ids)) for token, ids in tokens.items()}
        self._skeletons = {bones: tuple(map(block.__getitem__, ids)) for bones, ids in skeletons.items()}
        self.weights = weights if weights is not None else TokenWeights(doc_freq, len(self.records))
        log.info("indexed %d records, %d names", len(self.records), len(self.names))

    def _add_record(
        self,
        record: Record,
        grams: dict[str, list[int]],
        tokens: dict[str, list[int]],
        skeletons: dict[str, list[int]],
    ) -> set[str]:
        position = len(self.records)
        self.records.append(record)
        for value in identifier_keys(record.identifiers):
            self._identifiers[value].append(position)
        seen: set[str] = set()
        # Strong names first, so a weak alias equal to a strong name is dropped, not kept.
        for name in sorted(record_names(record), key=lambda n: n.weak):
            norm = normalize_name(name.value, record.kind)
            if not norm.tokens or norm.compare in seen:
                continue
            seen.add(norm.compare)
            name_id = len(self.names)
            key = sorted_key(norm)
            self.names.append(IndexedName(position, name, norm, key))
            self._exact[norm.joined].append(name_id)
            if key != norm.joined:
                self._exact[key].append(name_id)
            for gram in trigrams(norm.joined):
                grams[gram].append(name_id)
            for token in set(norm.tokens):
                tokens[token].append(name_id)
            for bones in _skeletons(norm.tokens):
                if len(bones) >= MIN_SKELETON:
                    skeletons[bones].append(name_id)
        return {token for compare in seen for token in compare.split()}

    def candidates(self, queries: Sequence[NormalizedName], limit: int) -> list[int]:
        """Name ids worth scoring for these query names: exact hits first, then by overlap."""
        postings: list[Sequence[int]] = []
        forced: list[int] = []
        for query in queries:
            if not query.tokens:
                continue
            forced.extend(self._exact.get(query.joined, ()))
            forced.extend(self._exact.get(sorted_key(query), ()))
            postings.extend(self._grams[gram] for gram in self._select_grams(query.joined))
            for token in set(query.tokens):
                weight = self.weights(token)
                if weight >= MIN_BONUS_WEIGHT and token in self._tokens:
                    postings.extend([self._tokens[token]] * round(TOKEN_BONUS * weight))
            if query.abjad:
                for _ in range(TOKEN_BONUS):
                    postings.extend(self._skeleton_postings(query.tokens))
        # One C-level count over every posting, in order: first touches break ties.
        counts = Counter(chain.from_iterable(postings))
        best = _most_common(counts, limit)
        return list(dict.fromkeys([*forced, *best])) if forced else best

    def _skeleton_postings(self, tokens: Sequence[str]) -> Iterator[Sequence[int]]:
        """Postings of the consonant skeletons of tokens, and of adjacent pairs joined."""
        for bones in _skeletons(tokens):
            postings = self._skeletons.get(bones, ())
            if len(bones) >= MIN_SKELETON and len(postings) <= MAX_SKELETON_POSTINGS:
                yield postings

    def identifier_candidates(self, values: Iterable[str]) -> list[int]:
        """Record positions carrying one of these canonical identifier values."""
        return [position for value in values for position in self._identifiers.get(value, ())]

    def initials_candidates(self, query: NormalizedName) -> tuple[int, ...]:
        """Names holding the rarest full word of a query written with initials ("V. V. Putin").

        Initials defeat trigram and ratio measures, so such queries also reach every name
        that carries their surname, when that surname is rare enough to be telling.
        """
        if all(len(token) > 1 for token in query.tokens):
            return ()
        words = [token for token in query.tokens if len(token) > 1 and token in self._tokens]
        if not words:
            return ()
        rarest = min(words, key=lambda token: len(self._tokens[token]))
        postings = self._tokens[rarest]
        return postings if len(postings) <= MAX_INITIALS_POSTINGS else ()

    def _select_grams(self, joined: str) -> list[str]:
        """The query's rarest indexed trigrams (fewest postings, then alphabetical)."""
        sizes = self._gram_sizes
        known = sorted(filter(sizes.__contains__, trigrams(joined)))
        known.sort(key=sizes.__getitem__)  # stable: equal sizes stay alphabetical
        rare = [g for g in known[:MAX_QUERY_GRAMS] if sizes[g] <= MAX_GRAM_POSTINGS]
        return rare if len(rare) >= MIN_QUERY_GRAMS else known[:MIN_QUERY_GRAMS]


def _most_common(counts: Counter[int], limit: int) -> list[int]:
    """The `limit` keys with the highest counts, highest first; ties in insertion order."""
    # A stable C sort keyed by the dict's own lookup beats most_common's Python-level heap
    # on the few thousand names a query touches.
    return sorted(counts, key=counts.__getitem__, reverse=True)[:limit]


def _skeletons(tokens: Sequence[str]) -> set[str]:
    """Consonant skeletons of each token and of each adjacent pair joined ("al qaida")."""
    units = {*tokens, *(a + b for a, b in zip(tokens, tokens[1:], strict=False))}
    return {skeleton(unit) for unit in units}


def record_names(record: Record) -> tuple[RecordName, ...]:
    """A record's names and the names they hold ("X (AAB)" also reads "X"), in that order."""
    derived = tuple(
        RecordName(value, weak=name.weak, type=f"{name.type}:derived")
        for name in record.names
        for value in derived_names(name.value)
    )
    return record.names + derived


def listed_forms(record: Record) -> tuple[tuple[RecordName, NormalizedName], ...]:
    """A record's names with their normalised forms, as the scorer compares them.

    Names without tokens are left out, and names that normalise alike are compared once: the
    pair keeps the place of the first such name and the last one's spelling, strong and weak
    names apart.
    """
    forms = {}
    for name in record_names(record):
        norm = normalize_name(name.value, record.kind)
        if norm.tokens:
            forms[norm.compare, name.weak] = (name, norm)
    return tuple(forms.values())


def trigrams(joined: str) -> set[str]:
    """Character trigrams of a joined name, padded so that short names have some."""
    padded = f"#{joined}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def sorted_key(norm: NormalizedName) -> str:
    """Order-free key of a name: its compare tokens sorted."""
    return " ".join(sorted(norm.tokens))
