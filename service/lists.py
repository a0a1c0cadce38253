"""List sources as the service sees them: import files as versions, report each source's state."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from service.config import Settings, SourceSettings
from service.models import ListVersion, SourceStatus, utcnow
from service.store import get_current_versions, get_source_statuses, store_snapshot
from watchlists.formats import SINGLE_FILE, get_format
from watchlists.refresh import build_snapshot

log = logging.getLogger(__name__)


class UnknownSourceError(Exception):
    """The source id is not configured."""


def import_files(
    session: Session, settings: Settings, source: str, files: dict[str, Path], fmt: str | None = None
) -> ListVersion | None:
    """Parse `files` (part → path) as `source` and store them as its new current version.

    `fmt` overrides the configured format (e.g. the OFAC CSV set for a source configured
    with the XML). Returns None when the files equal the current version. Raises the parser's
    or validator's error, or `store.ShrinkError`; the caller records the failure.
    """
    spec = settings.watchlists.get(source)
    if spec is None:
        configured = ", ".join(s.id for s in settings.watchlists.sources)
        raise UnknownSourceError(f"unknown source {source!r} (configured: {configured})")
    data = {part: path.read_bytes() for part, path in files.items()}
    snapshot = build_snapshot(
        source, fmt or spec.format, data, min_entries=spec.min_entries, options=spec.parser_options
    )
    origin = " ".join(str(p.resolve()) for p in files.values())
    version = store_snapshot(session, snapshot, origin=origin, max_shrink=spec.max_shrink)
    if version is not None:
        log.info(
            "%s v%d imported from %s: %d entries (+%d ~%d -%d)",
            source,
            version.version,
            origin,
            version.entry_count,
            version.added,
            version.changed,
            version.removed,
        )
    return version


def assign_parts(fmt_name: str, args: list[str]) -> dict[str, Path]:
    """Map command-line file arguments to a format's parts.

    A single-file format takes one path. A multi-file format takes `part=path` arguments, or
    bare paths whose file names say the part (OFAC: sdn.csv/cons_prim.csv → primary,
    alt → alt, add → add, comments → comments).
    """
    fmt = get_format(fmt_name)
    if not fmt.multi_file:
        if len(args) != 1:
            raise ValueError(f"format {fmt_name} reads one file; got {len(args)}")
        return {SINGLE_FILE: Path(args[0])}
    files: dict[str, Path] = {}
    for arg in args:
        part, sep, path = arg.partition("=")
        if not sep:
            part, path = _guess_part(Path(arg).name, fmt.parts), arg
        if part not in fmt.parts:
            raise ValueError(f"{arg}: unknown part {part!r}; format {fmt_name} reads {', '.join(fmt.parts)}")
        files[part] = Path(path)
    return files


def _guess_part(filename: str, parts: Mapping[str, bool]) -> str:
    stem = filename.lower().rsplit(".", 1)[0]
    for part in parts:
        if part in stem:
            return part
    return "primary" if "primary" in parts else stem


def _status(
    version: ListVersion | None, status: SourceStatus | None, stale_after: timedelta, now: datetime
) -> str:
    if version is None:
        return "failed" if status is not None and status.last_error else "never"
    if status is not None and status.last_error:
        return "failed"
    last_success = status.last_success_at if status and status.last_success_at else version.fetched_at
    return "stale" if now - last_success > stale_after else "ok"


def next_run_at(spec: SourceSettings | None, now: datetime) -> str | None:
    """When the source's refresh schedule fires next (None when disabled or unscheduled)."""
    if spec is None or not spec.enabled or not spec.files:
        return None
    fire = CronTrigger.from_crontab(spec.refresh, timezone=UTC).get_next_fire_time(None, now)
    return fire.isoformat() if fire else None


def source_overview(session: Session, settings: Settings | None = None) -> list[dict[str, Any]]:
    """One dict per configured (or loaded) source: status, version, counts, ages, last error."""
    from service import get_settings

    settings = settings or get_settings()
    versions = {v.source: v for v in get_current_versions(session)}
    statuses = get_source_statuses(session)
    configured = [s.id for s in settings.watchlists.sources]
    ids = configured + sorted(set(versions) - set(configured))
    stale_after = timedelta(hours=settings.watchlists.stale_after_hours)
    now = utcnow()
    return [
        _source_row(
            source,
            settings.watchlists.get(source),
            versions.get(source),
            statuses.get(source),
            stale_after,
            now,
        )
        for source in ids
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _source_row(
    source: str,
    spec: SourceSettings | None,
    version: ListVersion | None,
    status: SourceStatus | None,
    stale_after: timedelta,
    now: datetime,
) -> dict[str, Any]:
    return {
        "source": source,
        "title": spec.title if spec else "",
        "format": spec.format if spec else None,
        "enabled": bool(spec and spec.enabled),
        "status": _status(version, status, stale_after, now),
        "version": version.version if version else None,
        "entry_count": version.entry_count if version else None,
        "published_at": version.published_at if version else None,
        "fetched_at": _iso(version.fetched_at) if version else None,
        "age_hours": round((now - version.fetched_at).total_seconds() / 3600, 2) if version else None,
        "last_attempt_at": _iso(status.last_attempt_at) if status else None,
        "last_success_at": _iso(status.last_success_at) if status else None,
        "last_outcome": status.last_outcome if status else None,
        "last_error": status.last_error if status else None,
        "next_run_at": next_run_at(spec, now),
    }
