"""Published sanctions and debarment lists: their records, parsers and refresh logic.

Boundary: the package is pure. Parsers take the published bytes and yield `ListEntry`
values (`watchlists.parsers`); refresh turns bytes into a validated `Snapshot`. Only
``fetch`` does network I/O, through a client it is given. Nothing here touches a
database, a web framework or a scheduler: the package never imports flask, sqlalchemy,
apscheduler, openpyxl, ``service`` or ``screening`` (tests/test_architecture.py checks).

The names below are the stable surface; import parsers from `watchlists.parsers.<format>`.
"""

from __future__ import annotations

from watchlists.errors import FetchError, ParseError, ValidationError, WatchlistError
from watchlists.types import (
    ENTITY_KINDS,
    NAME_TYPES,
    Address,
    EntityKind,
    Identifier,
    ListEntry,
    Name,
    NameType,
    ParseReport,
    Snapshot,
)

__all__ = [
    "ENTITY_KINDS",
    "NAME_TYPES",
    "Address",
    "EntityKind",
    "FetchError",
    "Identifier",
    "ListEntry",
    "Name",
    "NameType",
    "ParseError",
    "ParseReport",
    "Snapshot",
    "ValidationError",
    "WatchlistError",
]
