"""Refreshing a source: download (or read from the mirror), validate, store, switch. All or nothing.

`refresh_source` is a job: it opens its own sessions and never raises for an ordinary
failure. A failed download, an HTML page, a truncated or unparsable file, an empty list or a
shrink past the bound leaves the current version serving and is recorded on the source's
status (error, time). A row lock on the status (`refreshing_since`) keeps two refreshes of
one source from overlapping, whoever starts them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from flask import Flask
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import get_settings
from service.audit import record_event
from service.config import SourceSettings, WatchlistsSettings
from service.db import session_scope
from service.models import SourceStatus, utcnow
from service.notify import notify_refresh_failed
from service.store import ShrinkError, get_current_version, record_failure, store_snapshot
from watchlists import WatchlistError
from watchlists.fetch import Downloaded, FetchPolicy, NotModified, fetch
from watchlists.refresh import build_snapshot

log = logging.getLogger(__name__)
LOCK_EXPIRATION_TIME = timedelta(minutes=30)  # a refresh holding the lock longer has died


class RefreshBusyError(Exception):
    """Another refresh of the same source is running."""


@dataclass(frozen=True)
class RefreshResult:
    source: str
    outcome: str  # new_version | unchanged | not_modified | failed | busy
    version: int | None = None
    message: str = ""


@dataclass(frozen=True)
class _Files:
    data: dict[str, bytes]
    cache: dict[str, dict[str, str | None]]
    origin: str


def refresh_source(app: Flask, source: str, *, client: httpx.Client | None = None) -> RefreshResult:
    """Refresh `source` from its URL(s) or the mirror folder; never leaves a half-loaded list."""
    settings = get_settings(app)
    spec = settings.watchlists.get(source)
    if spec is None:
        return RefreshResult(source, "failed", message=f"unknown source {source!r}")
    try:
        _acquire(app, source)
    except RefreshBusyError as exc:
        return RefreshResult(source, "busy", message=str(exc))
    try:
        return _refresh_locked(app, spec, settings.watchlists, client)
    finally:
        _release(app, source)


def _refresh_locked(
    app: Flask, spec: SourceSettings, wl: WatchlistsSettings, client: httpx.Client | None
) -> RefreshResult:
    try:
        files = _obtain(app, spec, wl, client)
        if files is None:
            _record_outcome(app, spec.id, "not_modified")
            return RefreshResult(
                spec.id, "not_modified", message="the publisher reports no change (HTTP 304)"
            )
        snapshot = build_snapshot(
            spec.id, spec.format, files.data, min_entries=spec.min_entries, options=spec.parser_options
        )
        with session_scope(app) as session:
            version = store_snapshot(session, snapshot, origin=files.origin, max_shrink=spec.max_shrink)
            _update_status(session, spec.id, "new_version" if version else "unchanged", files.cache)
            number = version.version if version else None
            details = {
                "outcome": "new_version" if version else "unchanged",
                "version": number,
                "origin": files.origin,
            }
            if version is not None:
                details.update(
                    entries=version.entry_count,
                    added=version.added,
                    changed=version.changed,
                    removed=version.removed,
                )
            record_event(session, "system", "list.refresh", subject=spec.id, details=details)
    except (WatchlistError, ShrinkError, OSError) as exc:
        log.warning("refresh of %s failed; the current version keeps serving: %s", spec.id, exc)
        with session_scope(app) as session:
            record_failure(session, spec.id, str(exc))
            _set_outcome(session, spec.id, "failed")
            record_event(
                session,
                "system",
                "list.refresh",
                subject=spec.id,
                details={"outcome": "failed", "error": str(exc)},
            )
            # In the failure's own transaction: recorded failed means notified.
            notify_refresh_failed(session, get_settings(app).notifications, spec.id, str(exc))
        return RefreshResult(spec.id, "failed", message=str(exc))
    if number is None:
        return RefreshResult(spec.id, "unchanged", message="same file as the current version")
    log.info("%s refreshed to version %d (%d entries)", spec.id, number, len(snapshot.entries))
    return RefreshResult(spec.id, "new_version", number, f"{len(snapshot.entries)} entries")


def _obtain(
    app: Flask, spec: SourceSettings, wl: WatchlistsSettings, client: httpx.Client | None
) -> _Files | None:
    """The source's files, or None when every part answered 304 Not Modified."""
    if wl.mirror_dir:
        return _from_mirror(Path(wl.mirror_dir), spec)
    if not spec.files:
        raise OSError(f"{spec.id}: no URL configured; load it with 'flask --app service lists import'")
    policy = FetchPolicy(
        wl.timeout_seconds, wl.max_download_mb * 1024 * 1024, wl.attempts, wl.backoff_seconds
    )
    cache = _http_cache(app, spec.id)
    own_client = client is None
    client = client or httpx.Client()
    try:
        results = {
            part: _fetch_part(client, url, spec, cache.get(part, {}), policy)
            for part, url in spec.files.items()
        }
        if all(isinstance(r, NotModified) for r in results.values()):
            return None
        if any(isinstance(r, NotModified) for r in results.values()):
            # Some parts changed: the unchanged ones are not kept locally, so fetch them whole.
            results = {part: _fetch_part(client, url, spec, {}, policy) for part, url in spec.files.items()}
    finally:
        if own_client:
            client.close()
    downloads = {part: r for part, r in results.items() if isinstance(r, Downloaded)}
    return _Files(
        data={part: d.data for part, d in downloads.items()},
        cache={part: {"etag": d.etag, "last_modified": d.last_modified} for part, d in downloads.items()},
        origin=" ".join(d.url for d in downloads.values()),
    )


def _fetch_part(
    client: httpx.Client, url: str, spec: SourceSettings, cache: dict[str, str | None], policy: FetchPolicy
) -> Downloaded | NotModified:
    return fetch(
        client,
        url,
        etag=cache.get("etag"),
        last_modified=cache.get("last_modified"),
        policy=policy,
        headers=spec.headers,
    )


def _from_mirror(mirror: Path, spec: SourceSettings) -> _Files:
    folder = mirror / spec.id
    parts = spec.files or {"file": ""}
    paths = {part: folder / spec.mirror_name(part) for part in parts}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise OSError(f"{spec.id}: mirror file(s) not found: {', '.join(missing)}")
    return _Files(
        {part: p.read_bytes() for part, p in paths.items()}, {}, " ".join(str(p) for p in paths.values())
    )


def _http_cache(app: Flask, source: str) -> dict[str, dict[str, str | None]]:
    """Validators of the serving version's files; none when nothing serves (fetch it whole)."""
    with session_scope(app) as session:
        status = session.get(SourceStatus, source)
        if status is None or get_current_version(session, source) is None:
            return {}
        return dict(status.http_cache or {})


def _update_status(
    session: Session, source: str, outcome: str, cache: dict[str, dict[str, str | None]]
) -> None:
    status = session.get(SourceStatus, source) or SourceStatus(source=source)
    now = utcnow()
    status.last_attempt_at = now
    status.last_success_at = now
    status.last_error = None
    status.last_outcome = outcome
    if cache:
        status.http_cache = cache
    session.add(status)


def _set_outcome(session: Session, source: str, outcome: str) -> None:
    status = session.get(SourceStatus, source)
    if status is not None:
        status.last_outcome = outcome


def _record_outcome(app: Flask, source: str, outcome: str) -> None:
    with session_scope(app) as session:
        _update_status(session, source, outcome, {})


def _acquire(app: Flask, source: str) -> None:
    """Take the source's refresh lock, or raise RefreshBusyError naming since when it is held."""
    now = utcnow()
    with session_scope(app) as session:
        if session.get(SourceStatus, source) is None:
            session.add(SourceStatus(source=source))
            try:
                session.flush()
            except IntegrityError:  # another process created it first; fine
                session.rollback()
    with session_scope(app) as session:
        taken = session.execute(
            update(SourceStatus)
            .where(
                SourceStatus.source == source,
                or_(
                    SourceStatus.refreshing_since.is_(None),
                    SourceStatus.refreshing_since < now - LOCK_EXPIRATION_TIME,
                ),
            )
            .values(refreshing_since=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            since = session.get(SourceStatus, source)
            held = since.refreshing_since.isoformat() if since and since.refreshing_since else "?"
            raise RefreshBusyError(f"{source}: a refresh is already running (since {held})")


def _release(app: Flask, source: str) -> None:
    with session_scope(app) as session:
        session.execute(
            update(SourceStatus).where(SourceStatus.source == source).values(refreshing_since=None)
        )
