"""Persistence functions: take a `session` first, never commit (the caller owns the unit of work).

List versions are written whole and only then made current, in the caller's single
transaction: a reader sees either the previous version or the complete new one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from service.models import ListChange, ListEntryRow, ListVersion, SourceStatus, utcnow
from watchlists import ListEntry, Snapshot
from watchlists.types import hash_entry_dict

log = logging.getLogger(__name__)
INSERT_CHUNK_ROWS = 2000


class ShrinkError(Exception):
    """A new version lost more entries than the source's bound allows."""


@dataclass(frozen=True)
class EntryDiff:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]


def get_current_version(session: Session, source: str) -> ListVersion | None:
    """The version of `source` that serves now, if any."""
    return session.scalar(
        select(ListVersion).where(ListVersion.source == source, ListVersion.is_current.is_(True))
    )


def get_current_versions(session: Session) -> list[ListVersion]:
    """Every source's current version, ordered by source."""
    stmt = select(ListVersion).where(ListVersion.is_current.is_(True)).order_by(ListVersion.source)
    return list(session.scalars(stmt))


def get_source_statuses(session: Session) -> dict[str, SourceStatus]:
    """Status rows keyed by source id."""
    return {s.source: s for s in session.scalars(select(SourceStatus))}


def entry_hashes(session: Session, version_id: int) -> dict[str, str]:
    """entry_id → content hash for one version."""
    rows = session.execute(
        select(ListEntryRow.entry_id, ListEntryRow.content_hash).where(
            ListEntryRow.list_version_id == version_id
        )
    )
    return {entry_id: content_hash for entry_id, content_hash in rows}


def diff_hashes(old: dict[str, str], new: dict[str, str]) -> EntryDiff:
    """Entries added, changed (same id, other content) and removed between two versions."""
    return EntryDiff(
        added=tuple(sorted(new.keys() - old.keys())),
        changed=tuple(sorted(k for k in new.keys() & old.keys() if new[k] != old[k])),
        removed=tuple(sorted(old.keys() - new.keys())),
    )


def store_snapshot(
    session: Session, snapshot: Snapshot, *, origin: str, max_shrink: float | None = None
) -> ListVersion | None:
    """Write `snapshot` as the new current version of its source.

    Findings on entries the new version removed are closed as delisted (or flagged when
    confirmed) in the same transaction. Returns None (and writes nothing) when the checksum
    equals the current version's.
    Raises `ShrinkError` when the entry count fell by more than `max_shrink` (a fraction).
    """
    current = get_current_version(session, snapshot.source)
    if current is not None and current.checksum == snapshot.checksum:
        return None
    payloads = {e.entry_id: e.to_dict() for e in snapshot.entries}
    new_hashes = {entry_id: hash_entry_dict(data) for entry_id, data in payloads.items()}
    old_hashes = entry_hashes(session, current.id) if current else {}
    _check_shrink(snapshot.source, len(old_hashes), len(new_hashes), max_shrink)
    diff = diff_hashes(old_hashes, new_hashes)
    version = ListVersion(
        source=snapshot.source,
        version=(current.version + 1) if current else _next_version(session, snapshot.source),
        is_current=False,
        published_at=snapshot.published_at,
        origin=origin,
        checksum=snapshot.checksum,
        entry_count=len(snapshot.entries),
        added=len(diff.added),
        changed=len(diff.changed),
        removed=len(diff.removed),
        parse_stats=dict(snapshot.stats),
    )
    session.add(version)
    session.flush()
    _insert_entries(session, version.id, snapshot.entries, new_hashes, payloads)
    _insert_changes(session, version.id, diff)
    _make_current(session, version)
    # Imported here: service.findings reaches the engine (via errors), which imports this module.
    from service.findings import apply_delisting

    apply_delisting(session, version, diff.removed)  # open findings on removed entries close
    return version


def _next_version(session: Session, source: str) -> int:
    latest = session.scalar(
        select(ListVersion.version).where(ListVersion.source == source).order_by(ListVersion.version.desc())
    )
    return (latest or 0) + 1


def _check_shrink(source: str, old_count: int, new_count: int, max_shrink: float | None) -> None:
    if max_shrink is None or old_count == 0:
        return
    shrink = (old_count - new_count) / old_count
    if shrink > max_shrink:
        raise ShrinkError(
            f"{source}: new list has {new_count} entries against {old_count} now serving "
            f"({shrink:.1%} fewer, limit {max_shrink:.0%}); the current version stays"
        )


def _insert_entries(
    session: Session,
    version_id: int,
    entries: tuple[ListEntry, ...],
    hashes: dict[str, str],
    payloads: dict[str, dict[str, Any]],
) -> None:
    rows = [
        {
            "list_version_id": version_id,
            "source": e.source,
            "entry_id": e.entry_id,
            "kind": e.kind,
            "primary_name": e.primary_name,
            "content_hash": hashes[e.entry_id],
            "data": payloads[e.entry_id],
        }
        for e in entries
    ]
    for start in range(0, len(rows), INSERT_CHUNK_ROWS):
        session.execute(insert(ListEntryRow), rows[start : start + INSERT_CHUNK_ROWS])


def _insert_changes(session: Session, version_id: int, diff: EntryDiff) -> None:
    rows = [
        {"list_version_id": version_id, "entry_id": entry_id, "change": change}
        for change, ids in (("added", diff.added), ("changed", diff.changed), ("removed", diff.removed))
        for entry_id in ids
    ]
    for start in range(0, len(rows), INSERT_CHUNK_ROWS):
        session.execute(insert(ListChange), rows[start : start + INSERT_CHUNK_ROWS])


def get_version(session: Session, source: str, version: int) -> ListVersion | None:
    """Version number `version` of `source`."""
    return session.scalar(
        select(ListVersion).where(ListVersion.source == source, ListVersion.version == version)
    )


def list_versions(session: Session, source: str) -> list[ListVersion]:
    """Every stored version of `source`, newest first."""
    stmt = select(ListVersion).where(ListVersion.source == source).order_by(ListVersion.version.desc())
    return list(session.scalars(stmt))


def get_diff(session: Session, version: ListVersion) -> EntryDiff:
    """The entries `version` added, changed and removed against the version before it."""
    rows = session.execute(
        select(ListChange.change, ListChange.entry_id)
        .where(ListChange.list_version_id == version.id)
        .order_by(ListChange.entry_id)
    )
    found: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for change, entry_id in rows:
        found[change].append(entry_id)
    return EntryDiff(tuple(found["added"]), tuple(found["changed"]), tuple(found["removed"]))


def _make_current(session: Session, version: ListVersion) -> None:
    now = utcnow()
    session.execute(
        update(ListVersion)
        .where(ListVersion.source == version.source, ListVersion.id != version.id)
        .values(is_current=False)
    )
    version.is_current = True
    status = session.get(SourceStatus, version.source) or SourceStatus(source=version.source)
    status.current_version_id = version.id
    status.last_attempt_at = now
    status.last_success_at = now
    status.last_error = None
    session.add(status)


def record_failure(session: Session, source: str, error: str, when: datetime | None = None) -> None:
    """Note a failed refresh/import on the source's status; the current version stays."""
    status = session.get(SourceStatus, source) or SourceStatus(source=source)
    status.last_attempt_at = when or utcnow()
    status.last_error = error
    session.add(status)


def iter_current_entries(session: Session) -> Iterator[tuple[ListVersion, ListEntry]]:
    """Every entry of every current version, with its version."""
    for version in get_current_versions(session):
        stmt = select(ListEntryRow.data).where(ListEntryRow.list_version_id == version.id)
        for data in session.scalars(stmt.execution_options(yield_per=INSERT_CHUNK_ROWS)):
            yield version, ListEntry.from_dict(data)


def get_entry(session: Session, source: str, entry_id: str) -> ListEntry | None:
    """The entry as the current version of `source` has it."""
    data = session.scalar(
        select(ListEntryRow.data)
        .join(ListVersion)
        .where(
            ListVersion.is_current.is_(True),
            ListEntryRow.source == source,
            ListEntryRow.entry_id == entry_id,
        )
    )
    return ListEntry.from_dict(data) if data is not None else None
