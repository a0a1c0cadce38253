"""Identifiers (registration, tax, IMO, LEI, SWIFT, passport ...) compared across sources.

Publishers label one kind of number in many ways ("Tax ID No.", "innCode", "V.A.T. Number";
"imo", "Vessel Registration Identification"), so each label is read as a *family* by its
words. Values are compared in a canonical form: upper-case letters and digits only, with a
leading family prefix and any note in parentheses removed ("IMO 9314167" -> "9314167").

Two identifiers *agree* when their canonical values are equal and their families may hold
the same number (the same family, a registration and a tax number, or an unlabelled one).
They *conflict* when both sides carry the same family and no value of it agrees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from screening.types import Identifier

MIN_VALUE_LENGTH = 5  # shorter values ("12", "A1") are too likely to agree by chance

# Family -> words of a label that name it, tried in this order.
_FAMILIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("imo", frozenset({"imo", "vessel"})),
    ("lei", frozenset({"lei", "legal entity"})),
    ("swift", frozenset({"swift", "bic"})),
    ("passport", frozenset({"passport"})),
    (
        "tax",
        frozenset({"tax", "inn", "vat", "rfc", "nit", "ruc", "rif", "fiscal", "kpp", "tin", "cuit"}),
    ),
    (
        "registration",
        frozenset(
            {
                "registration",
                "registry",
                "register",
                "ogrn",
                "uscc",
                "company",
                "business",
                "commerce",
                "enterprise",
                "folio",
                "matricula",
                "cr",
                "crn",
                "kvk",
                "edrpou",
                "okpo",
            }
        ),
    ),
    ("national_id", frozenset({"national", "cedula", "curp", "dni", "identity", "personal", "id"})),
)
_COMPATIBLE = {frozenset({"tax", "registration"}), frozenset({"passport", "national_id"})}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_NOTES = re.compile(r"\([^)]*\)")  # "7707083893 (Russia)": the note is not the number
_PREFIXES = ("IMO", "LEI", "INN", "OGRN")


@dataclass(frozen=True, slots=True)
class IdentifierComparison:
    """What the identifiers of a query and a record say: agreeing ones, or a conflict."""

    agreeing: tuple[str, ...]  # "family value" of each agreeing identifier
    conflicting: tuple[str, ...]  # families both sides carry with no agreeing value


NO_IDENTIFIERS = IdentifierComparison((), ())  # what any comparison with an identifier-less side says


@lru_cache(maxsize=65_536)
def identifier_family(label: str) -> str:
    """The family of an identifier label ("innCode" -> "tax"), or "other"."""
    words = _CAMEL.sub(" ", label).lower().replace(".", "")
    tokens = set(re.split(r"[^a-z]+", words)) - {""}
    for family, cues in _FAMILIES:
        if tokens & cues or any(" " in cue and cue in words for cue in cues):
            return family
    return "other"


@lru_cache(maxsize=65_536)
def canonical_value(value: str) -> str:
    """The comparable form of an identifier value: letters and digits, prefix removed."""
    text = _NON_ALNUM.sub("", _NOTES.sub(" ", value).upper())
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) - len(prefix) >= MIN_VALUE_LENGTH:
            return text[len(prefix) :]
    return text


def identifier_keys(identifiers: Iterable[Identifier]) -> set[str]:
    """Canonical values worth looking up in an index (long enough to be telling)."""
    return {v for i in identifiers if len(v := canonical_value(i.value)) >= MIN_VALUE_LENGTH}


def compare_identifiers(ours: Iterable[Identifier], theirs: Iterable[Identifier]) -> IdentifierComparison:
    """Agreeing identifiers and conflicting families of two identifier lists."""
    left = _read(ours)
    right = _read(theirs)
    agreeing = sorted(
        f"{lf if lf != 'other' else rf} {lv}"
        for lf, lv in left
        for rf, rv in right
        if lv == rv and _compatible(lf, rf)
    )
    agreed_families = {item.split(" ", 1)[0] for item in agreeing}
    shared = {f for f, _ in left} & {f for f, _ in right} - {"other"}
    conflicting = sorted(shared - agreed_families) if not agreeing else []
    return IdentifierComparison(tuple(dict.fromkeys(agreeing)), tuple(conflicting))


def _read(identifiers: Iterable[Identifier]) -> set[tuple[str, str]]:
    return {
        (identifier_family(i.type), value)
        for i in identifiers
        if len(value := canonical_value(i.value)) >= MIN_VALUE_LENGTH
    }


def _compatible(left: str, right: str) -> bool:
    return left == right or "other" in (left, right) or frozenset({left, right}) in _COMPATIBLE
