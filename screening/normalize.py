"""Name normalisation: a display form for reviewers and a compare form for the engine.

`normalize_text` folds any script to lower-case ASCII words (NFKC, casefold, anyascii,
apostrophes deleted, "&" to "and", other punctuation to spaces). `normalize_name` then, for
names that are not persons:

- expands common abbreviations to one canonical spelling ("Intl" -> "international");
- mends typing errors in legal-form words ("LIMITDE", "JOIGT STOCK");
- joins letters spelled one by one ("S.A." -> "sa", "L.L.C." -> "llc", "J.C." -> "jc");
- removes legal forms (Ltd, LLC, OOO, PJSC, GmbH, S.A., ...) from the edges of the name,
  remembering them, and writes one inside the name as its class ("Coesa Sociedad Anonima -
  Sucursal" and "Coesa S.A. - Sucursal" both become "coesa jsc sucursal").

For persons it drops a leading title (Mr, Dr, ...). The steps are repeated until nothing
changes, so the compare form is a fixed point: normalising it again gives itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from screening.distance import edit_distance
from screening.legal_forms import (
    ABBREVIATIONS,
    CLASS_TOKENS,
    GLUED_SUFFIXES,
    INTERIOR_SINGLE_FORMS,
    LEADING_FORMS,
    LEGAL_FORMS,
    MAX_FORM_TOKENS,
    NEIGHBOUR_LEGAL_WORDS,
    PERSON_TITLES,
    TYPO_LEGAL_WORDS,
)
from screening.types import Kind

# "&" becomes the word "and" so that "A & B" and "A and B" agree.
# anyascii turns curly quotes and modifier letters into ASCII ' or `; deleting them keeps
# "O'Brien" and "OBrien" equal, as the evaluation contract folds names.
_APOSTROPHES = re.compile(r"['`]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"[^0-9]+")


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """One name in display form (as given) and compare form (tokens without legal forms)."""

    display: str
    text: str  # the folded text, legal forms included
    tokens: tuple[str, ...]  # compare tokens
    legal_forms: tuple[str, ...]  # canonical legal-form phrases removed, e.g. ("co ltd",)
    compare: str  # " ".join(tokens)
    joined: str  # "".join(tokens): AL-QAIDA, AL QAIDA and ALQAIDA all give "alqaida"
    numbers: tuple[str, ...] = ()  # digits of each token holding some, sorted: "33rd" -> "33"
    abjad: bool = False  # written without (all) its vowels: Arabic, Hebrew; Devanagari, ...

    @property
    def legal_classes(self) -> frozenset[str]:
        """Classes of the legal forms found, e.g. {"llc"}."""
        return frozenset(LEGAL_FORMS[form] for form in self.legal_forms)


_BRACKETS = re.compile(r"\(([^()]*)\)")
_AKA = re.compile(r"^\s*(?:also known as|a\.?k\.?a\.?|f\.?k\.?a\.?|formerly(?: known as)?)\s+", re.I)
_KINSHIP = re.compile(r"\s+(?:son|daughter|wife|widow) of\s+.*$|\s+[sdw]/o\s+.*$", re.I)


@lru_cache(maxsize=131_072)
def derived_names(value: str, *, acronyms: bool = True) -> tuple[str, ...]:
    """Other names a listed or supplier name holds, besides itself.

    "ABDALLAH AZZAM BRIGADES (AAB)" also reads "ABDALLAH AZZAM BRIGADES" and, since AAB spells
    the initials of its words, "AAB"; "Techpribor (also known as Public JSC Techpribor)" also
    "Public JSC Techpribor"; "Akhter Mohmad son of Noor Mohmad" also "Akhter Mohmad". Other
    bracketed text is part of the name: "Gezhouba Water (Jinan)" and "Gezhouba Water
    (Qiyang)" are two companies, and "(GGG)" of unrelated letters is not an acronym.
    Without `acronyms` (a supplier's name) the acronym itself is left out: a supplier's own
    acronym says little, and would meet every listed entity that shares it.
    """
    names: list[str] = []
    if "(" in value:
        outside = " ".join(_BRACKETS.sub(" ", value).split())
        insides = _BRACKETS.findall(value)
        akas = [aka.strip() for inside in insides if (aka := _AKA.sub("", inside)) != inside]
        spelled = [inside.strip() for inside in insides if _is_acronym_of(inside, outside)]
        if outside and len(akas) + len(spelled) == len(insides):
            names.append(outside)
        names.extend(aka for aka in akas if aka)
        if acronyms:
            names.extend(s for s in spelled if len(normalize_text(s).replace(" ", "")) >= MIN_ACRONYM)
    kin = _KINSHIP.sub("", value).strip()
    if kin and kin != value:
        names.append(kin)
    return tuple(names)


def _is_acronym_of(inside: str, outside: str) -> bool:
    """True when `inside` is one short word whose letters are initials of `outside`, in order."""
    letters = normalize_text(inside).replace(" ", "")
    if not 2 <= len(letters) <= MAX_ACRONYM or not letters.isalpha():
        return False
    initials = iter(word[0] for word in normalize_text(outside).split())
    return letters[0] == normalize_text(outside)[:1] and all(c in initials for c in letters)


MIN_ACRONYM = 3  # "(LJ)" spells its name, but two letters are too common to be a name alone
MAX_ACRONYM = 6


def normalize_text(text: str) -> str:
    """Fold text of any script to lower-case ASCII words separated by single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # anyascii emits capitals for some scripts (CJK syllables), hence the second lower().
    text = _APOSTROPHES.sub("", anyascii(text).lower()).replace("&", " and ")
    return " ".join(_NON_ALNUM.sub(" ", text).split())


@lru_cache(maxsize=131_072)
def normalize_name(value: str, kind: Kind = "unknown") -> NormalizedName:
    """Normalise one name of an entity of `kind` into display and compare forms."""
    display = " ".join(value.split())
    text = normalize_text(value)
    words = text.split()
    forms: list[str] = []
    if kind == "person":
        words = _strip_titles(words)
    else:
        for _ in range(MAX_PASSES):
            before = words
            words, found = _normalize_org_words(words)
            forms.extend(found)
            if words == before:
                break
    tokens = tuple(words)
    return NormalizedName(
        display=display,
        text=text,
        tokens=tokens,
        legal_forms=tuple(forms),
        compare=" ".join(tokens),
        joined="".join(tokens),
        numbers=tuple(sorted(_DIGITS.sub("", t) for t in tokens if not t.isalpha())),
        abjad=_is_abjad(value),
    )


MAX_PASSES = 4  # the organisation steps reach their fixed point in one or two passes


def _normalize_org_words(words: list[str]) -> tuple[list[str], list[str]]:
    """One pass of the organisation steps; returns (words, legal forms removed at the edges)."""
    words = _mend_legal_typos(words)
    words, spelled = _join_letters([ABBREVIATIONS.get(word, word) for word in words])
    words, forms = _fold_legal_forms(words)
    return _mark_interior_forms(words, spelled), forms


def _mend_legal_typos(words: list[str]) -> list[str]:
    """Correct legal-form words with a typing error: alone if long, else beside another."""
    mended = [_legal_word(word, TYPO_LEGAL_WORDS) or word for word in words]
    for i, word in enumerate(mended):
        beside = {mended[j] for j in (i - 1, i + 1) if 0 <= j < len(mended)}
        if beside & (NEIGHBOUR_LEGAL_WORDS | TYPO_LEGAL_WORDS):
            mended[i] = _legal_word(word, NEIGHBOUR_LEGAL_WORDS) or word
    return mended


@lru_cache(maxsize=65_536)
def _legal_word(word: str, vocabulary: frozenset[str]) -> str | None:
    """The legal-form word `word` is a typo of (one edit in 5-7 letters, two from 8), if any."""
    if len(word) < 5 or word in vocabulary or word in ABBREVIATIONS or word.isdigit():
        return None
    allowed = 1 if len(word) < 8 else 2
    for target in sorted(vocabulary):
        if abs(len(target) - len(word)) <= allowed and edit_distance(word, target, allowed) <= allowed:
            return target
    return None


def _join_letters(words: list[str]) -> tuple[list[str], set[int]]:
    """Join runs of one-letter words ("s a" -> "sa"); return the positions of joined words."""
    joined: list[str] = []
    spelled: set[int] = set()
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) > 1:
            spelled.add(len(joined))
        if run:
            joined.append("".join(run))
            run = []
        if word:
            joined.append(word)
    return joined, spelled


def _mark_interior_forms(words: list[str], spelled: set[int]) -> list[str]:
    """Write each legal form inside the name as its class token ("sociedad anonima" -> "jsc")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        size = _interior_form_size(words, i, spelled)
        if size and 0 < i and i + size < len(words):
            out.append(CLASS_TOKENS[LEGAL_FORMS[" ".join(words[i : i + size])]])
            i += size
        else:
            out.append(words[i])
            i += 1
    return out


def _interior_form_size(words: list[str], start: int, spelled: set[int]) -> int:
    """Token count of the longest legal form starting at `start` (0 if none)."""
    if words[start] not in _FIRST_WORDS:
        return 0  # most words start no legal form: spare the phrases
    for size in range(min(MAX_FORM_TOKENS, len(words) - start), 0, -1):
        phrase = " ".join(words[start : start + size])
        if phrase not in LEGAL_FORMS:
            continue
        if size > 1 or phrase in INTERIOR_SINGLE_FORMS or start in spelled:
            return size
    return 0


# Abjads leave short vowels out; the folding of abugidas (Devanagari and its kin) drops their
# inherent vowel ("नरेंद्र" -> "nremdr"): both are compared to Latin names on consonants.
_ABJADS = (
    "ARABIC",
    "HEBREW",
    "SYRIAC",
    "THAANA",
    "DEVANAGARI",
    "BENGALI",
    "GURMUKHI",
    "GUJARATI",
    "ORIYA",
    "TAMIL",
    "TELUGU",
    "KANNADA",
    "MALAYALAM",
    "SINHALA",
    "MYANMAR",
    "KHMER",
    "TIBETAN",
)


def _is_abjad(value: str) -> bool:
    """True when most letters of `value` belong to a script folded without its vowels."""
    letters = [c for c in value if c.isalpha()]
    abjad = sum(1 for c in letters if not c.isascii() and unicodedata.name(c, "").startswith(_ABJADS))
    return bool(letters) and 2 * abjad > len(letters)


def _strip_titles(words: list[str]) -> list[str]:
    """Drop leading honorifics ("mr", "dr") while a real name token remains."""
    while len(words) > 1 and words[0] in PERSON_TITLES:
        words = words[1:]
    return words


def _fold_legal_forms(words: list[str]) -> tuple[list[str], list[str]]:
    """Remove legal-form phrases from both ends of `words`; return (rest, forms found)."""
    found: list[str] = []
    while words:
        form = _edge_form(words, leading=False) or _edge_form(words, leading=True)
        if form is not None:
            size = form.count(" ") + 1
            words = words[:-size] if words[-size:] == form.split() else words[size:]
            found.append(form)
            continue
        glued = _glued_suffix(words[-1])
        if glued is None:
            break
        rest = words[-1][: -len(glued)]
        words = [*words[:-1], ABBREVIATIONS.get(rest, rest)]
        found.append(glued)
    return words, found


def _edge_form(words: list[str], *, leading: bool) -> str | None:
    """The longest legal-form phrase at the end (or start) of `words`, if any."""
    if words[0 if leading else -1] not in (_LEADING_FIRST_WORDS if leading else _LAST_WORDS):
        return None  # most names neither start nor end with a legal form: spare the phrases
    table = LEADING_FORMS if leading else LEGAL_FORMS
    for size in range(min(MAX_FORM_TOKENS, len(words)), 0, -1):
        phrase = " ".join(words[:size] if leading else words[-size:])
        if phrase in table:
            return phrase
    return None


# The words legal-form phrases start and end with, to rule most words out at a glance.
_FIRST_WORDS = frozenset(form.split()[0] for form in LEGAL_FORMS)
_LAST_WORDS = frozenset(form.split()[-1] for form in LEGAL_FORMS)
_LEADING_FIRST_WORDS = frozenset(form.split()[0] for form in LEADING_FORMS)


def _glued_suffix(word: str) -> str | None:
    """A legal form glued to a transliterated CJK word ("...youxiangongsi"), if any."""
    for suffix in GLUED_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return suffix
    return None
