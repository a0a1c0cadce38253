"""Core records of a published list: entries, their names, identifiers and addresses.

Every parser yields `ListEntry` values; `Snapshot` is one parsed file (or file set) of one
source. All types are frozen and hold only tuples and strings so that entries can be
hashed, compared and serialised deterministically (`content_hash`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

EntityKind = Literal["person", "organization", "vessel", "aircraft", "unknown"]
NameType = Literal["primary", "alias", "weak_alias", "original_script", "former"]

ENTITY_KINDS: tuple[EntityKind, ...] = ("person", "organization", "vessel", "aircraft", "unknown")
NAME_TYPES: tuple[NameType, ...] = ("primary", "alias", "weak_alias", "original_script", "former")


@dataclass(frozen=True, slots=True)
class Name:
    """One name of an entry, as printed by the publisher."""

    value: str
    type: NameType = "primary"
    lang: str | None = None  # ISO 639 code or script hint when the publisher gives one
    quality: str | None = None  # the publisher's own quality label ("Good", "Low", "a.k.a.")


@dataclass(frozen=True, slots=True)
class Identifier:
    """A document or registry number: passport, national id, IMO, registration, tax id."""

    type: str
    value: str
    country: str | None = None  # ISO 3166-1 alpha-2
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; `full` is always set, the parts when the publisher splits them."""

    full: str
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One designation on one list, keyed by (source, entry_id)."""

    source: str
    entry_id: str
    kind: EntityKind
    names: tuple[Name, ...]
    countries: tuple[str, ...] = ()  # ISO alpha-2: nationality, citizenship, address country
    nationalities: tuple[str, ...] = ()  # ISO alpha-2, subset of countries for persons
    identifiers: tuple[Identifier, ...] = ()
    addresses: tuple[Address, ...] = ()
    birth_dates: tuple[str, ...] = ()  # ISO 8601, possibly partial: "1961", "1961-05-03"
    birth_places: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()  # sanctions programmes, regimes, debarment grounds
    listed_on: str | None = None  # ISO date
    remarks: str | None = None
    url: str | None = None
    # Publisher-specific facts with no column of their own (titles, designations, gender,
    # debarment period...). Values are tuples of strings.
    properties: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def primary_name(self) -> str:
        """The first primary name, or the first name of any type."""
        for name in self.names:
            if name.type == "primary":
                return name.value
        return self.names[0].value if self.names else ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form; `from_dict` reverses it.

        Written out by hand: `dataclasses.asdict` deep-copies every value and made storing a
        large list several times slower.
        """
        return {
            "source": self.source,
            "entry_id": self.entry_id,
            "kind": self.kind,
            "names": [_plain(n) for n in self.names],
            "countries": list(self.countries),
            "nationalities": list(self.nationalities),
            "identifiers": [_plain(i) for i in self.identifiers],
            "addresses": [_plain(a) for a in self.addresses],
            "birth_dates": list(self.birth_dates),
            "birth_places": list(self.birth_places),
            "programs": list(self.programs),
            "listed_on": self.listed_on,
            "remarks": self.remarks,
            "url": self.url,
            "properties": {k: list(v) for k, v in sorted(self.properties.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListEntry:
        """Rebuild an entry from `to_dict` output."""
        return cls(
            source=data["source"],
            entry_id=data["entry_id"],
            kind=data["kind"],
            names=tuple(Name(**n) for n in data.get("names", ())),
            countries=tuple(data.get("countries", ())),
            nationalities=tuple(data.get("nationalities", ())),
            identifiers=tuple(Identifier(**i) for i in data.get("identifiers", ())),
            addresses=tuple(Address(**a) for a in data.get("addresses", ())),
            birth_dates=tuple(data.get("birth_dates", ())),
            birth_places=tuple(data.get("birth_places", ())),
            programs=tuple(data.get("programs", ())),
            listed_on=data.get("listed_on"),
            remarks=data.get("remarks"),
            url=data.get("url"),
            properties={k: tuple(v) for k, v in (data.get("properties") or {}).items()},
        )

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON form: equal content, equal hash."""
        return hash_entry_dict(self.to_dict())


def hash_entry_dict(data: Mapping[str, Any]) -> str:
    """The content hash of an entry from its `to_dict` form (computed once, used twice)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _plain(item: Name | Identifier | Address) -> dict[str, str | None]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One parsed publication of one source.

    `stats` counts what the parser dropped or repaired (e.g. ``orphan_aliases``,
    ``unknown_countries``) so the list version can record it.
    """

    source: str
    entries: tuple[ListEntry, ...]
    published_at: str | None = None  # ISO 8601 date or datetime from the file itself
    checksum: str = ""  # SHA-256 of the raw bytes
    stats: Mapping[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class ParseReport:
    """Mutable side channel a parser fills while it yields entries.

    `published_at` is the publisher's own date when the file carries one; `counts` holds
    what was dropped or repaired, by reason, e.g. ``{"orphan_alias_rows": 12}``.
    """

    published_at: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, reason: str, n: int = 1) -> None:
        """Add `n` to the tally for `reason`."""
        self.counts[reason] = self.counts.get(reason, 0) + n
