"""The in-process screening index: built from the current list versions, swapped atomically.

Each process (web worker, scheduler) holds one `LoadedIndex`. At most every
`index_check_seconds` a request asks the database which versions are current; when that set
differs from the loaded one, a new index is built beside the old one (in a background thread
while the old one keeps answering) and replaced in one assignment. Only when no index exists
yet does a caller wait for the build. Every answer names the versions it used.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import select

from screening import Identifier as RecordIdentifier
from screening import Matcher, Record, RecordName, TokenWeights
from service.config import ScreeningSettings
from service.db import get_db
from service.models import ListVersion
from service.store import iter_current_entries
from watchlists import ListEntry

log = logging.getLogger(__name__)
WEAK_NAME_TYPES = frozenset({"weak_alias"})


@dataclass(frozen=True)
class VersionInfo:
    source: str
    version_id: int
    version: int
    published_at: str | None
    fetched_at: datetime
    entry_count: int


@dataclass(frozen=True)
class EntrySummary:
    source: str
    entry_id: str
    name: str
    kind: str
    programs: tuple[str, ...]
    countries: tuple[str, ...]


@dataclass(frozen=True)
class LoadedIndex:
    matcher: Matcher
    versions: tuple[VersionInfo, ...]
    entries: dict[str, EntrySummary]  # record key → summary
    built_at: float
    build_seconds: float

    @property
    def signature(self) -> tuple[int, ...]:
        return tuple(sorted(v.version_id for v in self.versions))


def record_key(source: str, entry_id: str) -> str:
    """The engine's opaque key for a list entry."""
    return f"{source}\x1f{entry_id}"


def entry_to_record(entry: ListEntry) -> Record:
    """Adapt a list entry to what the engine screens."""
    return Record(
        key=record_key(entry.source, entry.entry_id),
        kind=entry.kind,
        names=tuple(RecordName(n.value, weak=n.type in WEAK_NAME_TYPES, type=n.type) for n in entry.names),
        countries=tuple(
            dict.fromkeys(entry.countries + tuple(a.country for a in entry.addresses if a.country))
        ),
        identifiers=tuple(RecordIdentifier(i.type, i.value) for i in entry.identifiers),
    )


def build_index(
    pairs: Iterable[tuple[ListVersion, ListEntry]], *, weights: TokenWeights | None = None
) -> LoadedIndex:
    """Build a `LoadedIndex` from (version, entry) pairs (with a larger index's `weights`, see `Matcher`)."""
    started = time.perf_counter()
    versions: dict[int, VersionInfo] = {}
    records: list[Record] = []
    summaries: dict[str, EntrySummary] = {}
    for version, entry in pairs:
        if version.id not in versions:
            versions[version.id] = VersionInfo(
                version.source,
                version.id,
                version.version,
                version.published_at,
                version.fetched_at,
                version.entry_count,
            )
        record = entry_to_record(entry)
        records.append(record)
        summaries[record.key] = EntrySummary(
            entry.source, entry.entry_id, entry.primary_name, entry.kind, entry.programs, entry.countries
        )
    matcher = Matcher(records, weights=weights)
    elapsed = time.perf_counter() - started
    return LoadedIndex(
        matcher, tuple(sorted(versions.values(), key=lambda v: v.source)), summaries, time.time(), elapsed
    )


class IndexHolder:
    """Owns the process's current `LoadedIndex` and replaces it when the lists change."""

    def __init__(self, app: Flask, settings: ScreeningSettings) -> None:
        self._app = app
        self._check_every = settings.index_check_seconds
        self._index: LoadedIndex | None = None
        self._last_check = 0.0
        self._build_lock = threading.Lock()
        self._building: threading.Thread | None = None

    @property
    def loaded(self) -> LoadedIndex | None:
        return self._index

    def get(self) -> LoadedIndex | None:
        """The index to screen with; None only while no list version exists at all."""
        now = time.monotonic()
        if self._index is None or now - self._last_check >= self._check_every:
            self._last_check = now
            self._refresh_if_changed()
        return self._index

    def _refresh_if_changed(self) -> None:
        wanted = self._current_signature()
        if self._index is not None and self._index.signature == wanted:
            return
        if not wanted:
            self._index = None
            return
        if self._index is None:
            self._rebuild()  # nothing to serve meanwhile: the caller waits
        elif self._building is None or not self._building.is_alive():
            self._building = threading.Thread(target=self._rebuild, name="index-rebuild", daemon=True)
            self._building.start()

    def _current_signature(self) -> tuple[int, ...]:
        with get_db(self._app).sessionmaker() as session:
            ids = session.scalars(select(ListVersion.id).where(ListVersion.is_current.is_(True)))
            return tuple(sorted(ids))

    def _rebuild(self) -> None:
        with self._build_lock:
            with get_db(self._app).sessionmaker() as session:
                index = build_index(iter_current_entries(session))
            if self._index is None or index.signature != self._index.signature:
                log.info(
                    "screening index built: %d entries from %s in %.2fs",
                    len(index.entries),
                    ", ".join(f"{v.source} v{v.version}" for v in index.versions),
                    index.build_seconds,
                )
            self._index = index  # one reference assignment: readers see old or new, never half

    def wait_for_rebuild(self, timeout: float = 60.0) -> None:
        """Block until a background rebuild (if any) is done; used by CLI and tests."""
        thread = self._building
        if thread is not None:
            thread.join(timeout)


def init_app(app: Flask, settings: ScreeningSettings) -> None:
    """Attach an `IndexHolder` to `app`."""
    app.extensions["screening.index"] = IndexHolder(app, settings)


def get_index_holder(app: Flask | None = None) -> IndexHolder:
    holder: IndexHolder = (app or current_app).extensions["screening.index"]
    return holder
