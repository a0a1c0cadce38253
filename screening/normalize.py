"""Name normalisation: a display form for reviewers and a compare form for the engine.

`normalize_text` folds any script to lower-case ASCII words (NFKC, casefold, anyascii,
apostrophes deleted, "&" to "and", other punctuation to spaces). `normalize_name` then, for
names that are not persons, expands common abbreviations to one canonical spelling and
removes legal forms (Ltd, LLC, OOO, PJSC, GmbH, S.A., ...) from the edges of the name,
remembering them. For persons it drops a leading title (Mr, Dr, ...). Both steps are
deterministic and idempotent on the compare form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from screening.legal_forms import (
    ABBREVIATIONS,
    GLUED_SUFFIXES,
    LEADING_FORMS,
    LEGAL_FORMS,
    MAX_FORM_TOKENS,
    PERSON_TITLES,
)
from screening.types import Kind

# "&" becomes the word "and" so that "A & B" and "A and B" agree.
# anyascii turns curly quotes and modifier letters into ASCII ' or `; deleting them keeps
# "O'Brien" and "OBrien" equal, as the evaluation contract folds names.
_APOSTROPHES = re.compile(r"['`]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """One name in display form (as given) and compare form (tokens without legal forms)."""

    display: str
    text: str  # the folded text, legal forms included
    tokens: tuple[str, ...]  # compare tokens
    legal_forms: tuple[str, ...]  # canonical legal-form phrases removed, e.g. ("co ltd",)
    compare: str  # " ".join(tokens)
    joined: str  # "".join(tokens): AL-QAIDA, AL QAIDA and ALQAIDA all give "alqaida"

    @property
    def legal_classes(self) -> frozenset[str]:
        """Classes of the legal forms found, e.g. {"llc"}."""
        return frozenset(LEGAL_FORMS[form] for form in self.legal_forms)


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
        words = [ABBREVIATIONS.get(word, word) for word in words]
        words, forms = _fold_legal_forms(words)
    tokens = tuple(words)
    return NormalizedName(
        display=display,
        text=text,
        tokens=tokens,
        legal_forms=tuple(forms),
        compare=" ".join(tokens),
        joined="".join(tokens),
    )


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
    table = LEADING_FORMS if leading else LEGAL_FORMS
    for size in range(min(MAX_FORM_TOKENS, len(words)), 0, -1):
        phrase = " ".join(words[:size] if leading else words[-size:])
        if phrase in table:
            return phrase
    return None


def _glued_suffix(word: str) -> str | None:
    """A legal form glued to a transliterated CJK word ("...youxiangongsi"), if any."""
    for suffix in GLUED_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return suffix
    return None
