"""Similarity of two name tokens in 0..1, tolerant of typos, romanisation and abbreviations.

Plain Indel ratio treats every difference alike, so it scores "Opltt" / "Oplot" (one typo)
like "Sun" / "Son" and "Belousoff" / "Belousov" like two different surnames. Here the
similarity says *why* two tokens differ:

    equal                                              1.00
    same transliteration key (Belousoff, Belousov)     0.95
    an initial of the other (persons: "V" / "Vladimir") 0.95
    same loose key (persons: Mohammed / Muhammad)      0.92
    a known abbreviation (organisations: Res / Research) 0.90
    a few typing errors: 1 - 0.5 * edits / length       e.g. 0.90 for one edit in five letters
    anything else: the Indel ratio, sharply discounted  e.g. 0.80 -> 0.40, 0.70 -> 0.17
    abjad: same consonants (محمد "mhmd" / Mohammed)      0.92, or 0.80 for one consonant

A typo allowance grows with length: no edit in tokens of up to three letters, one in four,
two in five to nine, three beyond. A changed first letter counts one and a half edits: typos
and romanisation keep it, different names often do not (Hutchmed / Dutchmed, Naing /
Hlaing). Two joined tokens (a spacing variant) may differ by one edit only, from eight
letters. Keys are only compared from four letters: "Dow" and "Dov" are different names.
Different numbers never match.
"""

from __future__ import annotations

from screening.distance import edit_distance, string_similarity
from screening.legal_forms import BUSINESS_WORDS
from screening.phonetic import loose_key, skeleton, translit_key

KEY_SIMILARITY = 0.95
SKELETON_SIMILARITY = 0.92
SHORT_SKELETON_SIMILARITY = 0.80  # "ly" / "Ali": one consonant says little
INITIAL_SIMILARITY = 0.95
LOOSE_SIMILARITY = 0.92
ABBREVIATION_SIMILARITY = 0.90
MIN_KEY_LENGTH = 4  # "Ali" and "Ola", "Dow" and "Dov" must not meet on their keys
FIRST_LETTER_EDITS = 0.5  # extra edits charged when the first letters differ
MIN_RATIO = 0.6  # Indel ratio below which two tokens are different words
SPAN_MIN_TYPO_LENGTH = 8  # a joined pair of tokens must be near-exact: it is a spacing variant


def typo_allowance(length: int) -> int:
    """How many edits a token of `length` letters may carry and still be a typo."""
    if length < 4:
        return 0
    return 1 if length < 5 else 2 if length < 10 else 3


_TYPO_ALLOWANCES = tuple(typo_allowance(length) for length in range(11))  # constant from 10 letters


def token_similarity(a: str, b: str, *, person: bool = False, abjad: bool = False) -> float | None:
    """Similarity of two tokens, or None if they must not pair.

    `abjad`: one side was written in a script without short vowels; compare consonants too.
    Screening calls this for every new pair of tokens it meets, so it keeps to plain
    comparisons rather than building a list of scores for max().
    """
    if a == b:
        return 1.0
    if not (a.isalpha() and b.isalpha()) and not _numbers_agree(a, b):
        return None  # "Company 1" is not "Company 2", nor the 33rd division the 77th
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SIMILARITY if person and a[0] == b[0] else None
    key_a, key_b = translit_key(a), translit_key(b)
    long_enough = len(a) >= MIN_KEY_LENGTH and len(b) >= MIN_KEY_LENGTH
    if key_a == key_b and long_enough:
        return KEY_SIMILARITY
    best = _typo(a, b)
    if key_a != a or key_b != b:  # else the keys' typo score is the tokens' one, less 0.02
        keyed = _typo(key_a, key_b) - 0.02
        if keyed > best:
            best = keyed
    if person and LOOSE_SIMILARITY > best and long_enough and loose_key(a) == loose_key(b):
        best = LOOSE_SIMILARITY
    if not person and ABBREVIATION_SIMILARITY > best and _abbreviates(a, b):
        best = ABBREVIATION_SIMILARITY
    if abjad:
        bones = _skeleton_similarity(a, b)
        if bones > best:
            best = bones
    ratio = string_similarity(a, b, cutoff=MIN_RATIO)
    discounted = ratio * (ratio - MIN_RATIO) / (1.0 - MIN_RATIO)
    if discounted > best:
        best = discounted
    return best if best > 0.0 else None


def _typo(a: str, b: str) -> float:
    length = len(a) if len(a) > len(b) else len(b)
    allowed = _TYPO_ALLOWANCES[length] if length < len(_TYPO_ALLOWANCES) else _TYPO_ALLOWANCES[-1]
    if allowed == 0:
        return 0.0
    # Edits are at least the difference in length, plus the charge for another first letter:
    # when that is already too many, the edit distance need not be computed. (Tokens and
    # their keys are never empty.)
    first_letter = FIRST_LETTER_EDITS if a[0] != b[0] else 0.0
    if abs(len(a) - len(b)) + first_letter > allowed:
        return 0.0
    edits = edit_distance(a, b, allowed) + first_letter
    return 1.0 - 0.5 * edits / length if edits <= allowed else 0.0


def _skeleton_similarity(a: str, b: str) -> float:
    bones_a, bones_b = skeleton(a), skeleton(b)
    if not bones_a or not bones_b:
        return 0.0
    if bones_a == bones_b:
        return SKELETON_SIMILARITY if len(bones_a) > 1 else SHORT_SKELETON_SIMILARITY
    longest = max(len(bones_a), len(bones_b))
    if longest >= 4 and edit_distance(bones_a, bones_b, 1) <= 1:
        return SKELETON_SIMILARITY - 0.5 / longest
    return 0.0


def span_similarity(a: str, b: str, *, abjad: bool = False) -> float | None:
    """Two tokens joined against one: equal, equal keys, or one edit from eight letters."""
    if a == b:
        return 1.0
    if not _numbers_agree(a, b):
        return None
    if abjad and len(skeleton(a)) > 1 and skeleton(a) == skeleton(b):
        return SKELETON_SIMILARITY
    if translit_key(a) == translit_key(b):
        return KEY_SIMILARITY
    length = max(len(a), len(b))
    if length >= SPAN_MIN_TYPO_LENGTH and a[:1] == b[:1] and edit_distance(a, b, 1) <= 1:
        return 1.0 - 0.5 / length
    return None


def _abbreviates(a: str, b: str) -> bool:
    """True when the shorter token abbreviates a common business word ("engr", "engineering")."""
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(short) < 2 or long not in BUSINESS_WORDS or short[0] != long[0]:
        return False
    letters = iter(long)
    return all(char in letters for char in short)


def _numbers_agree(a: str, b: str) -> bool:
    if a.isalpha() and b.isalpha():
        return True
    digits_a = "".join(c for c in a if c.isdigit())
    digits_b = "".join(c for c in b if c.isdigit())
    return digits_a == digits_b


def may_pair(a: str, b: str, *, person: bool, abjad: bool = False) -> bool:
    """A cheap length test: False when the two tokens cannot reach a useful similarity."""
    if abjad:
        return True  # "ly" / "Ali", "mhmd" / "Mohammed": lengths say nothing
    short, long = (len(a), len(b)) if len(a) <= len(b) else (len(b), len(a))
    if person and short == 1:
        return True
    if not person and (a in BUSINESS_WORDS or b in BUSINESS_WORDS):
        return True
    return 3 * short >= long
