"""The audit trail: append-only events chained by hash.

`record_event` appends in the caller's transaction: it locks the single `audit_head` row,
hashes the new event together with the previous event's hash, and moves the head. The
application never updates or deletes an event; `verify_chain` recomputes every hash and
names the first event that does not match, so tampering with the table is detectable.

Two things touch the trail besides appending:

- Retention (`prune_events`): once events are older than `audit.retention_years`, an operator
  may delete the oldest ones. Only a contiguous run from the start of the chain goes, never an
  event younger than the retention period, and an `audit.prune` checkpoint event records the
  hash of the last pruned event so that the remaining chain still verifies from there.
- Configuration (`record_config_change`): a process that starts with different effective
  settings than the last ones recorded appends a `config.change` event with every differing
  key (old and new values; secrets are never recorded).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from service.config import SECRET_KEYS, Settings
from service.db import get_db
from service.models import AuditEvent, AuditHead, utcnow

log = logging.getLogger(__name__)
GENESIS_HASH = "0" * 64
HEAD_ID = 1
PRUNE_ACTION = "audit.prune"
CONFIG_ACTION = "config.change"
REDACTED = "<redacted>"
# Setting names whose values are never written into the trail (request headers may carry keys).
SECRET_NAME = re.compile(r"password|secret|token|api_?key|authorization", re.IGNORECASE)


def _digest(prev_hash: str, event: AuditEvent) -> str:
    return event_digest(
        prev_hash,
        event.created_at.isoformat(),
        event.actor,
        event.action,
        event.subject,
        event.details,
        event.reason,
    )


def event_digest(
    prev_hash: str,
    at: str,
    actor: str,
    action: str,
    subject: str | None,
    details: Any,
    reason: str | None,
) -> str:
    """The hash of one event: its content (time as ISO 8601) chained to `prev_hash`."""
    canonical = json.dumps(
        {
            "prev": prev_hash,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
            "reason": reason,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    """The chain's head row, locked until the transaction ends.

    The row is written before it is read: that takes PostgreSQL's row lock, and SQLite's
    database write lock (SQLite reads a bare SELECT outside any transaction, so a SELECT ...
    FOR UPDATE would lock nothing there). A concurrent append waits, then reads the head this
    one moved: the chain never forks. Migration 0010 creates the row, so concurrent first
    appends do not race to insert it; it is created here only in a database that lost it.
    """
    touched = session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(last_hash=AuditHead.last_hash)
        .execution_options(synchronize_session=False)
    )
    if touched.rowcount == 0:  # type: ignore[attr-defined]
        created = AuditHead(id=HEAD_ID, last_hash=GENESIS_HASH)
        session.add(created)
        return created
    head = session.scalar(
        select(AuditHead).where(AuditHead.id == HEAD_ID).execution_options(populate_existing=True)
    )
    assert head is not None
    return head


def record_event(
    session: Session,
    actor: str,
    action: str,
    *,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one event (not committed: it lands or not with the caller's transaction)."""
    head = _lock_head(session)
    # Round-trip through JSON so the hash covers exactly what the database stores.
    stored = json.loads(json.dumps(details or {}, default=str))
    event = AuditEvent(
        created_at=utcnow(), actor=actor, action=action, subject=subject, details=stored, reason=reason
    )
    event.prev_hash = head.last_hash
    event.hash = _digest(head.last_hash, event)
    head.last_hash = event.hash
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    message: str


def verify_chain(session: Session) -> Iterator[ChainProblem]:
    """Every break in the chain: an edited, inserted or deleted event, or a moved head.

    After a prune the chain starts at the hash the latest `audit.prune` checkpoint recorded
    for the last event it removed (the checkpoint is itself part of the verified chain).
    """
    previous = _chain_start(session)
    stmt = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    last_id = 0
    for event in session.scalars(stmt):
        last_id = event.id
        if event.prev_hash != previous:
            yield ChainProblem(event.id, "does not follow the event before it (one was deleted or inserted)")
        elif _digest(previous, event) != event.hash:
            yield ChainProblem(event.id, "its content does not match its hash (it was edited)")
        previous = event.hash
    head = session.get(AuditHead, HEAD_ID)
    if head is not None and head.last_hash != previous:
        yield ChainProblem(last_id, "the newest events are missing (the chain's head is further on)")


def verify_exported(events: Iterable[Mapping[str, Any]], *, contiguous: bool) -> Iterator[ChainProblem]:
    """Check exported events (JSON): each must match its own hash, and in a `contiguous`
    export (only a date range, no other filter) each must follow the one before it."""
    previous: Mapping[str, Any] | None = None
    for event in events:
        content = (event["created_at"], event["actor"], event["action"], event.get("subject"))
        digest = event_digest(event["prev_hash"], *content, event.get("details", {}), event.get("reason"))
        if digest != event["hash"]:
            yield ChainProblem(event["id"], "its content does not match its hash (it was edited)")
        elif contiguous and previous is not None and event["prev_hash"] != previous["hash"]:
            yield ChainProblem(
                event["id"], "does not follow the event before it (one was deleted or inserted)"
            )
        previous = event


def _chain_start(session: Session) -> str:
    """The hash the oldest kept event must follow: genesis, or the latest prune's last hash."""
    checkpoint = session.scalar(
        select(AuditEvent).where(AuditEvent.action == PRUNE_ACTION).order_by(AuditEvent.id.desc()).limit(1)
    )
    if checkpoint is None:
        return GENESIS_HASH
    return str(checkpoint.details.get("last_pruned_hash", GENESIS_HASH))


# --- retention ----------------------------------------------------------------------------


class RetentionError(ValueError):
    """A prune would remove events younger than the retention period."""


def retention_cutoff(retention_years: int, today: date | None = None) -> datetime:
    """Midnight UTC `retention_years` before `today`: events before it may be pruned."""
    today = today or utcnow().date()
    try:
        day = today.replace(year=today.year - retention_years)
    except ValueError:  # 29 February in a year that has none
        day = today.replace(year=today.year - retention_years, day=28)
    return datetime.combine(day, time.min, tzinfo=UTC)


def prunable_events(session: Session, before: datetime) -> tuple[int, AuditEvent | None]:
    """How many events a prune at `before` removes, and the last of them.

    Only the run from the start of the chain up to the first event at or after `before` goes,
    so the kept events always form one unbroken chain.
    """
    first_kept = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.created_at >= before))
    stmt = select(func.count(), func.max(AuditEvent.id))
    if first_kept is not None:
        stmt = stmt.where(AuditEvent.id < first_kept)
    count, last_id = session.execute(stmt).one()
    last = session.get(AuditEvent, last_id) if last_id is not None else None
    return int(count), last


def prune_events(session: Session, before: datetime, *, retention_years: int, actor: str = "system") -> int:
    """Delete the events older than `before` (not committed); returns how many went.

    `before` may not be later than the retention cutoff (RetentionError). The deletion and an
    `audit.prune` checkpoint, which carries the hash of the last pruned event, land in the
    caller's transaction together, so `verify_chain` keeps passing.
    """
    cutoff = retention_cutoff(retention_years)
    if before > cutoff:
        raise RetentionError(
            f"events are kept {retention_years} years: "
            f"nothing from {cutoff.date().isoformat()} on may be pruned"
        )
    _lock_head(session)  # one prune or append at a time
    count, last = prunable_events(session, before)
    if last is None:
        return 0
    details = {
        "before": before.isoformat(),
        "count": count,
        "last_pruned_id": last.id,
        "last_pruned_hash": last.hash,
        "last_pruned_at": last.created_at.isoformat(),
        "retention_years": retention_years,
    }
    last_id, last_hash = last.id, last.hash
    session.execute(delete(AuditEvent).where(AuditEvent.id <= last_id))
    record_event(session, actor, PRUNE_ACTION, subject="audit", details=details)
    log.info("pruned %d audit events up to id %d (%s)", count, last_id, last_hash)
    return count


# --- configuration changes ----------------------------------------------------------------


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """The effective settings as dotted keys → values, without secrets."""
    flat: dict[str, Any] = {}
    _flatten("", settings, flat)
    for key in SECRET_KEYS:
        flat.pop(key, None)
    if "database.url" in flat:
        flat["database.url"] = _without_password(flat["database.url"])
    return {k: REDACTED if SECRET_NAME.search(k.rsplit(".", 1)[-1]) else v for k, v in flat.items()}


def _flatten(prefix: str, value: Any, into: dict[str, Any]) -> None:
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            if not (f.name == "id" and prefix.startswith("watchlists.sources.")):
                _flatten(f"{prefix}{f.name}.", getattr(value, f.name), into)
    elif isinstance(value, tuple) and value and all(hasattr(v, "id") for v in value):
        for item in value:
            _flatten(f"{prefix}{item.id}.", item, into)
    elif isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(f"{prefix}{key}.", value[key], into)
    else:
        into[prefix.rstrip(".")] = list(value) if isinstance(value, tuple) else value


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return REDACTED


def _snapshot_hash(snapshot: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def record_config_change(session: Session, settings: Settings, actor: str = "system") -> AuditEvent | None:
    """Append a `config.change` event if `settings` differ from the last recorded ones."""
    _lock_head(session)  # two processes starting together record the change once
    snapshot = json.loads(json.dumps(settings_snapshot(settings), default=str))
    digest = _snapshot_hash(snapshot)
    last = session.scalar(
        select(AuditEvent).where(AuditEvent.action == CONFIG_ACTION).order_by(AuditEvent.id.desc()).limit(1)
    )
    before: dict[str, Any] = last.details.get("settings", {}) if last is not None else {}
    if last is not None and last.details.get("hash") == digest:
        return None
    changes = {
        key: {"old": before.get(key), "new": snapshot.get(key)}
        for key in sorted(set(before) | set(snapshot))
        if last is not None and before.get(key) != snapshot.get(key)
    }
    details = {"hash": digest, "initial": last is None, "changes": changes, "settings": snapshot}
    return record_event(session, actor, CONFIG_ACTION, subject="config", details=details)


def record_config_at_start(app: Flask, settings: Settings) -> None:
    """create_app hook: record a configuration change; skip quietly if the trail is not there yet."""
    db = get_db(app)
    try:
        if not inspect(db.engine).has_table(AuditEvent.__tablename__):
            return  # not migrated yet: `db upgrade` runs first, the next start records
        with db.sessionmaker.begin() as session:
            event = record_config_change(session, settings)
    except SQLAlchemyError as exc:  # the database is down or behind: start anyway, say so
        log.warning("configuration change not recorded in the audit trail: %s", exc)
        return
    if event is not None:
        log.info("configuration change recorded: %s", ", ".join(event.details["changes"]) or "initial")
