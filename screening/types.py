"""Records the engine screens and the results it returns.

The engine knows nothing of list sources or suppliers: the service adapts list entries into
`Record`s and supplier input into `Query`s. Every type is frozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["person", "organization", "vessel", "aircraft", "unknown"]


@dataclass(frozen=True, slots=True)
class RecordName:
    """A listed name; `weak` names (low-quality aliases) support but never alert alone."""

    value: str
    weak: bool = False
    type: str = "primary"


@dataclass(frozen=True, slots=True)
class Identifier:
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class Record:
    """One indexed list entry. `key` is opaque to the engine (the service uses source:id)."""

    key: str
    kind: Kind
    names: tuple[RecordName, ...]
    countries: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """What a caller screens: a supplier, an owner, a pair-task side."""

    name: str
    kind: Kind = "unknown"
    country: str | None = None
    aliases: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()


@dataclass(frozen=True, slots=True)
class FeatureResult:
    """One scoring feature's contribution to a match score."""

    name: str
    contribution: float
    detail: str


@dataclass(frozen=True, slots=True)
class Match:
    """A scored (query, record) pair with everything a reviewer needs to see why."""

    key: str
    score: float  # 0..1
    query_name: str
    matched_name: str
    query_normalized: str
    matched_normalized: str
    features: tuple[FeatureResult, ...]
    summary: str  # one plain sentence
    algorithm: str
    detail: dict[str, Any] = field(default_factory=dict)
