"""Transliteration keys: one spelling for the ways a name is written in the Latin script.

Names reach the lists romanised from Arabic, Cyrillic, Persian, Korean... by different
conventions, so one name has many spellings: Youssef / Yusuf / Jusuf, Belousov / Belousoff,
Rosoboronexport / Rosoboroneksport, Khaled / Haled, Qaddafi / Gaddafi. `translit_key` folds a
folded (lower-case ASCII) token to a key on which such variants agree:

- digraphs to one sound: shch/sch/sh, tch/ch, zh, kh -> h, gh -> g, ph -> f, th -> t, dh -> z;
- letters to one letter: q/c/ck -> k, x -> ks, w -> v, j/y -> i, tz/ts -> one sound;
- ou/oo -> u, ee -> i, a word-initial ye -> e, -off/-eff -> -ov/-ev, doubled letters once;
- the articles al / el / ul to one.

`loose_key` further merges every run of vowels after the first letter, for names of Arabic
origin whose short vowels are not written (Mohammed / Muhammad, Ahmed / Ahmad, Abdel / Abdul).
It is only used for persons: organisation names carry words, not vowel-less names.

`skeleton` keeps only the consonants of `translit_key`, for names written in an abjad (Arabic,
Hebrew, Syriac, Thaana), whose scripts do not write short vowels, or an abugida (Devanagari
and its kin), whose inherent vowel the folding drops: "محمد" folds to "mhmd" and must meet
"Mohammed" on its consonants, "नरेंद्र" folds to "nremdr" and must meet "Narendra". Semi-vowels
(w, y, j after folding) and a final h (the Arabic ta marbuta: "فاطمة" / Fatima) are dropped
too, and an "m" before a consonant is an "n" (an anusvara: "गांधी" / Gandhi).

`GIVEN_NAME_KEYS` maps given names that differ in more than spelling between languages
(Volodymyr / Vladimir, Mykola / Nikolai) to one key.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Order matters: longer digraphs first, and "ch" before the lone "c".
_DIGRAPHS: tuple[tuple[str, str], ...] = (
    ("shch", "S"),
    ("sch", "S"),
    ("tsch", "C"),
    ("tch", "C"),
    ("dzh", "i"),
    ("dj", "i"),
    ("sh", "S"),
    ("ch", "C"),
    ("zh", "Z"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "z"),
    ("ck", "k"),
    ("tz", "T"),
    ("ts", "T"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
)
_LETTERS = str.maketrans({"q": "k", "c": "k", "x": "ks", "w": "v", "j": "i", "y": "i"})
_DOUBLES = re.compile(r"(.)\1+")
_VOWEL_RUNS = re.compile(r"[aeiou]+")
_INITIAL_VOWEL = {"a": "a", "e": "i", "i": "i", "o": "u", "u": "u"}
_ARTICLES = frozenset({"al", "el", "ul", "il", "ol"})

# Given names whose forms differ beyond spelling (Ukrainian / Russian / English ...).
_GIVEN_NAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("vladimir", "volodymyr", "wladimir", "volodimir", "uladzimir"),
    ("aleksandr", "alexander", "oleksandr", "aliaksandr", "alexandr", "alaksandr"),
    ("aleksei", "alexey", "alexei", "oleksiy", "oleksii", "aliaksei"),
    ("nikolai", "nikolay", "mykola", "mikalai", "nicholas", "nikola"),
    ("sergei", "sergey", "serhiy", "serhii", "siarhei"),
    ("andrei", "andrey", "andriy", "andrii", "andrew", "andrzej"),
    ("dmitri", "dmitry", "dmytro", "dzmitry"),
    ("mikhail", "mykhailo", "michael", "mikhael", "mikalai"),
    ("pyotr", "petr", "petro", "peter", "piotr"),
    ("grigori", "grigory", "hryhoriy", "hryhorii", "gregory"),
    ("georgi", "georgy", "heorhiy", "heorhii", "george"),
    ("yevgeni", "yevgeny", "evgeny", "evgeniy", "yevhen", "evgenii"),
    ("oleg", "oleh", "aleh"),
    ("igor", "ihor", "ihar"),
    ("yuri", "yuriy", "yurii", "iurii", "jurij", "yury"),
    ("vasili", "vasily", "vasyl", "vasil"),
    ("ivan", "ivan", "ioann", "john"),
    ("yusuf", "yousef", "youssef", "joseph", "yosef", "iosif", "josef"),
    ("ibrahim", "ebrahim", "abraham"),
    ("ismail", "esmail", "ismael", "esmaeil", "ismoil"),
)


@lru_cache(maxsize=65_536)
def translit_key(token: str) -> str:
    """Fold one folded token so that its romanisation variants agree."""
    return _translit(token)


def _translit(token: str) -> str:
    # Uncached: `skeleton` folds every listed token and joined pair once while the index is
    # built, and through `translit_key`'s cache would evict the tokens screening compares.
    if token.isdigit() or len(token) <= 1:
        return token
    if token in _ARTICLES:
        return "al"
    key = token[:-3] + token[-3] + "v" if token.endswith(("off", "eff")) else token
    if key.startswith("ye"):
        key = "e" + key[2:]
    for digraph, sound in _DIGRAPHS:
        key = key.replace(digraph, sound)
    return _DOUBLES.sub(r"\1", key.translate(_LETTERS))


@lru_cache(maxsize=65_536)
def loose_key(token: str) -> str:
    """`translit_key` with every run of vowels merged: for persons' names only."""
    key = _GIVEN_NAMES.get(token)
    if key is not None:
        return key
    key = translit_key(token)
    # An opening vowel keeps its class (Omar / Umar, Ismail / Esmail, but not Amir).
    head = _INITIAL_VOWEL.get(key[:1], key[:1])
    return head + _VOWEL_RUNS.sub("a", key[1:])


@lru_cache(maxsize=65_536)
def skeleton(token: str) -> str:
    """The consonants of `translit_key`, for comparing a name written in an abjad."""
    # The final h goes first: in "lqdh" (القاعدة) it is the ta marbuta, not part of a "dh".
    key = _SKELETON_DROPS.sub("", _translit(token.removesuffix("h") or token))
    # An anusvara folds to "m" ("गांधी" -> "gamdhi"): before a consonant it is an "n".
    return _NASAL.sub("n", _DOUBLES.sub(r"\1", key)).removesuffix("h")


_SKELETON_DROPS = re.compile(r"[aeiouv]+")
_NASAL = re.compile(r"m(?=[^bpm])")
_GIVEN_NAMES: dict[str, str] = {name: "=" + group[0] for group in _GIVEN_NAME_GROUPS for name in group}
