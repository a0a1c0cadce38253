"""The audit trail: append-only events chained by hash.

`record_event` appends in the caller's transaction: it locks the single `audit_head` row,
hashes the new event together with the previous event's hash, and moves the head. The
application never updates or deletes an event; `verify_chain` recomputes every hash and
names the first event that does not match, so tampering with the table is detectable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import AuditEvent, AuditHead, utcnow

GENESIS_HASH = "0" * 64
HEAD_ID = 1


def _digest(prev_hash: str, event: AuditEvent) -> str:
    canonical = json.dumps(
        {
            "prev": prev_hash,
            "at": event.created_at.isoformat(),
            "actor": event.actor,
            "action": event.action,
            "subject": event.subject,
            "details": event.details,
            "reason": event.reason,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    head = session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=HEAD_ID, last_hash=GENESIS_HASH)
        session.add(head)
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
    """Every break in the chain: an edited, inserted or deleted event, or a moved head."""
    previous = GENESIS_HASH
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
