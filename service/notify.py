"""Notifications: an outbox of webhook and e-mail messages, delivered with retries.

Producers (sweeps, screenings, list refreshes) call `enqueue` or its helpers in their own
transaction, so a message exists exactly when the change that caused it was committed. A
message is stored once per configured channel under the key `<key>:<channel>`; enqueueing a
key again does nothing, so re-running a sweep never notifies twice.

The scheduler's outbox job calls `build_digests`, then `deliver_due`. Each due row is claimed
by a conditional UPDATE (still pending, still due) committed before anything is sent, so two
processes never send the same row; a sender that dies mid-way leaves a row that comes due
again after CLAIM_TIME. The row is then marked delivered, or retried with exponential
backoff and jitter, until `max_attempts`: then it is `dead` and an error is logged.
Receivers deduplicate on `Idempotency-Key`: a message reaches them twice only if its sender
died between sending and recording.

Webhook signing and the SMTP and HTTP sending live in `service.delivery` (shared with
referral delivery); what a message says, in `service.notify_text`. `sign`, `post_signed` and
`verify_signature` are re-exported here.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from service.config import NotificationSettings, Settings
from service.db import get_db
from service.delivery import DeliveryError, backoff_delay, post_signed, send_email, sign, verify_signature
from service.models import Finding, FindingEvent, Notification, SourceStatus, utcnow
from service.notify_text import build_email, webhook_body
from service.store import get_current_version

__all__ = [
    "DeliveryError",
    "DeliveryReport",
    "build_digests",
    "deliver_due",
    "enqueue",
    "finding_payload",
    "notify_findings",
    "notify_refresh_failed",
    "post_signed",
    "sign",
    "verify_signature",
]

log = logging.getLogger(__name__)

KINDS = ("new_alert", "changed_finding", "refresh_failed", "referral_failed", "digest")
DIGESTED_KINDS = ("new_alert", "changed_finding")  # batched when `digest` is on
CLAIM_TIME = timedelta(minutes=5)  # a claimed row whose sender died comes due again after this
MAX_KEY_LENGTH = 64  # Notification.key
MAX_ERROR_LENGTH = 2000
MAX_DIGEST_ITEMS = 500  # listed in one digest; the counts cover all
PAGE_ROWS = 50
AnySettings = Settings | NotificationSettings  # the app's settings, or their `notifications`


@dataclass(frozen=True)
class DeliveryReport:
    """What one `deliver_due` run did, in rows."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class _Message:
    id: int
    key: str
    kind: str
    channel: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int  # including the one being made


# --- enqueueing -----------------------------------------------------------------------------


def enqueue(session: Session, settings: AnySettings, kind: str, payload: dict[str, Any], *, key: str) -> int:
    """Queue `payload` for every configured channel; returns how many rows are new.

    A key already queued (as `<key>:<channel>`) is left alone: the same event never notifies
    twice. Keys too long for the column are shortened to a hash of themselves.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r} (known: {', '.join(KINDS)})")
    now = utcnow()
    created = 0
    for channel in _section(settings).channels:
        created += _insert_new(
            session,
            key=_channel_key(key, channel),
            kind=kind,
            channel=channel,
            payload=dict(payload),
            next_attempt_at=now,
            created_at=now,
        )
    return created


def notify_findings(session: Session, settings: AnySettings, findings: Iterable[Finding], kind: str) -> int:
    """Queue one message per finding: `new_alert` for new ones, `changed_finding` for reopened ones."""
    if kind not in DIGESTED_KINDS:
        raise ValueError(f"findings notify as new_alert or changed_finding, not {kind!r}")
    created = 0
    for finding in findings:
        key = f"new_alert:{finding.id}" if kind == "new_alert" else _change_key(session, finding)
        created += enqueue(session, settings, kind, finding_payload(finding, settings), key=key)
    return created


def notify_refresh_failed(
    session: Session, settings: AnySettings, source: str, error: str, when: datetime | None = None
) -> int:
    """Queue a `refresh_failed` message (never batched into a digest) naming what still serves."""
    if not _section(settings).channels:
        return 0
    when = when or utcnow()
    version = get_current_version(session, source)
    status = session.get(SourceStatus, source)
    last_success = status.last_success_at if status is not None else None
    payload = {
        "source": source,
        "error": error,
        "failed_at": when.isoformat(),
        "serving_version": version.version if version is not None else None,
        "last_success_at": last_success.isoformat() if last_success else None,
    }
    return enqueue(
        session, settings, "refresh_failed", payload, key=f"refresh_failed:{source}:{when.timestamp():.0f}"
    )


def finding_payload(finding: Finding, settings: AnySettings) -> dict[str, Any]:
    """What a message says about a finding: who matched what, how well, why, and where to review it."""
    explanation = finding.explanation or {}
    names = (finding.entry_snapshot or {}).get("names") or [{}]
    payload: dict[str, Any] = {
        "finding_id": finding.id,
        "supplier_ref": finding.supplier.ref,
        "supplier_name": finding.supplier.name,
        "source": finding.source,
        "entry_id": finding.entry_id,
        "listed_name": names[0].get("value"),
        "score": round(finding.score, 4),
        "status": finding.status,
        "reason": explanation.get("summary"),
        "link": f"/findings/{finding.id}",
    }
    if explanation.get("reopened"):
        payload["changed"] = list(explanation["reopened"])
    return _with_url(payload, _section(settings))


def _section(settings: AnySettings) -> NotificationSettings:
    return settings.notifications if isinstance(settings, Settings) else settings


def _with_url(payload: dict[str, Any], settings: NotificationSettings) -> dict[str, Any]:
    if settings.base_url:
        payload["url"] = settings.base_url.rstrip("/") + payload["link"]
    return payload


def _change_key(session: Session, finding: Finding) -> str:
    """One key per reopening: its history event, else the state that reopened it."""
    event_id = session.scalar(
        select(func.max(FindingEvent.id)).where(
            FindingEvent.finding_id == finding.id, FindingEvent.action == "reopened"
        )
    )
    if event_id is not None:
        return f"changed_finding:{finding.id}:{event_id}"
    state = hashlib.sha256(f"{finding.entry_hash}:{finding.supplier_hash}".encode()).hexdigest()
    return f"changed_finding:{finding.id}:{state[:12]}"


def _channel_key(key: str, channel: str) -> str:
    full = f"{key}:{channel}"
    if len(full) <= MAX_KEY_LENGTH:
        return full
    return f"{key.split(':', 1)[0][:16]}:{hashlib.sha256(key.encode()).hexdigest()[:32]}:{channel}"


def _insert_new(session: Session, **values: Any) -> int:
    """INSERT unless the key exists (1 if inserted): safe against a concurrent insert of it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"status": "pending", "attempts": 0, **values}
    stmt = dialect.insert(Notification).values(**values).on_conflict_do_nothing(index_elements=["key"])
    # RETURNING, not rowcount: the ORM's insert path does not report a rowcount on every driver.
    return 0 if session.execute(stmt.returning(Notification.id)).first() is None else 1


# --- daily digests --------------------------------------------------------------------------


def build_digests(session: Session, settings: AnySettings, now: datetime | None = None) -> int:
    """Gather pending alerts and changes into the day's digest, one per channel; returns how many.

    From `digest_hour` (UTC) on, a day's digest takes every pending new_alert and
    changed_finding queued before that hour and marks them delivered as part of it; what
    comes in later waits for the next day's. Nothing pending: no digest.
    """
    settings = _section(settings)
    now = (now or utcnow()).astimezone(UTC)
    cutoff = now.replace(hour=settings.digest_hour, minute=0, second=0, microsecond=0)
    if not settings.digest or now < cutoff:
        return 0
    built = 0
    for channel in settings.channels:
        rows = list(
            session.scalars(
                select(Notification)
                .where(
                    Notification.status == "pending",
                    Notification.channel == channel,
                    Notification.kind.in_(DIGESTED_KINDS),
                    Notification.created_at < cutoff,
                )
                .order_by(Notification.id)
            )
        )
        if not rows:
            continue
        key = f"digest:{now.date().isoformat()}:{channel}"
        payload = _digest_payload(rows, now, settings)
        if not _insert_new(
            session,
            key=key,
            kind="digest",
            channel=channel,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        ):
            continue  # today's digest went out already
        for row in rows:
            row.status, row.delivered_at, row.last_error = "delivered", now, None
            row.payload = {**row.payload, "digest": key}
        built += 1
    return built


def _digest_payload(
    rows: Sequence[Notification], now: datetime, settings: NotificationSettings
) -> dict[str, Any]:
    counts = Counter(row.kind for row in rows)
    items = [{"kind": row.kind, "key": row.key, **row.payload} for row in rows[:MAX_DIGEST_ITEMS]]
    payload = {
        "date": now.date().isoformat(),
        "counts": {kind: counts.get(kind, 0) for kind in DIGESTED_KINDS},
        "items": items,
        "more": max(0, len(rows) - MAX_DIGEST_ITEMS),
        "link": "/findings",
    }
    return _with_url(payload, settings)


# --- delivery -------------------------------------------------------------------------------


def deliver_due(
    target: Flask | sessionmaker[Session],
    settings: AnySettings,
    now: datetime | None = None,
    *,
    client: httpx.Client | None = None,
) -> DeliveryReport:
    """Send every due message once (the outbox job): claim, send, record; never raises for a failed send.

    `target` is the app or a session factory; each claim and each outcome is its own short
    transaction, and nothing is held open while sending.
    """
    settings = _section(settings)
    factory = get_db(target).sessionmaker if isinstance(target, Flask) else target
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    outcomes: Counter[str] = Counter()
    _bury_abandoned(factory, settings, clock())
    own_client = client is None
    client = client or httpx.Client()
    try:
        after = 0
        while ids := _due_ids(factory, settings, clock(), after):
            for notification_id in ids:
                message = _claim(factory, settings, notification_id, clock())
                if message is not None:
                    outcomes[_attempt(factory, settings, message, client, clock)] += 1
            after = ids[-1]  # each row at most once per run, retried or not
    finally:
        if own_client:
            client.close()
    report = DeliveryReport(**outcomes)
    if outcomes:
        log.info(
            "notifications: %d delivered, %d to retry, %d dead", report.delivered, report.retried, report.dead
        )
    return report


def _due(settings: NotificationSettings, now: datetime) -> list[Any]:
    conditions = [
        Notification.status == "pending",
        Notification.next_attempt_at <= now,
        Notification.channel.in_(settings.channels),  # rows of a channel not configured wait
    ]
    if settings.digest:
        conditions.append(Notification.kind.not_in(DIGESTED_KINDS))  # they go out in the digest
    return conditions


def _due_ids(
    factory: sessionmaker[Session], settings: NotificationSettings, now: datetime, after: int
) -> list[int]:
    with factory.begin() as session:
        stmt = select(Notification.id).where(*_due(settings, now), Notification.id > after)
        return list(session.scalars(stmt.order_by(Notification.id).limit(PAGE_ROWS)))


def _claim(
    factory: sessionmaker[Session], settings: NotificationSettings, notification_id: int, now: datetime
) -> _Message | None:
    """Take the row for one attempt, or None when another process took it first."""
    with factory.begin() as session:
        claimed = session.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                Notification.attempts < settings.max_attempts,
                *_due(settings, now),
            )
            .values(attempts=Notification.attempts + 1, next_attempt_at=now + CLAIM_TIME)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.get(Notification, notification_id)
        assert row is not None
        return _Message(
            row.id, row.key, row.kind, row.channel, dict(row.payload), row.created_at, row.attempts
        )


def _bury_abandoned(factory: sessionmaker[Session], settings: NotificationSettings, now: datetime) -> None:
    """Rows whose last claim ran out with no attempt left (the sender stopped every time) are dead."""
    with factory.begin() as session:
        stmt = (
            update(Notification)
            .where(*_due(settings, now), Notification.attempts >= settings.max_attempts)
            .values(status="dead", last_error="abandoned: the last attempt's claim ran out with no outcome")
        )
        buried = session.execute(stmt).rowcount  # type: ignore[attr-defined]
    if buried:
        log.error("%d notification(s) dead: their sender stopped during the last attempt", buried)


def _attempt(
    factory: sessionmaker[Session],
    settings: NotificationSettings,
    message: _Message,
    client: httpx.Client,
    clock: Callable[[], datetime],
) -> str:
    """Send once; record the outcome ("delivered", "retried" or "dead")."""
    try:
        _send(settings, message, client)
    except DeliveryError as exc:
        return _record_failure(factory, settings, message, exc, clock())
    except Exception as exc:  # a bug in one message must not stop the others; it ends dead
        log.exception("notification %s: sending failed unexpectedly", message.key)
        return _record_failure(factory, settings, message, DeliveryError(repr(exc)), clock())
    _record(factory, message, status="delivered", delivered_at=clock(), last_error=None)
    return "delivered"


def _record_failure(
    factory: sessionmaker[Session],
    settings: NotificationSettings,
    message: _Message,
    exc: DeliveryError,
    now: datetime,
) -> str:
    error = str(exc)[:MAX_ERROR_LENGTH]
    if exc.permanent or message.attempts >= settings.max_attempts:
        why = "refused by the receiver" if exc.permanent else f"after {message.attempts} attempts"
        log.error(
            "notification %s (%s by %s) is dead, %s: %s",
            message.key,
            message.kind,
            message.channel,
            why,
            error,
        )
        _record(factory, message, status="dead", last_error=error)
        return "dead"
    delay = backoff_delay(message.attempts, settings.backoff_seconds, exc.retry_after)
    log.warning(
        "notification %s: attempt %d failed, next in %.0f s: %s",
        message.key,
        message.attempts,
        delay.total_seconds(),
        error,
    )
    _record(factory, message, last_error=error, next_attempt_at=now + delay)
    return "retried"


def _record(factory: sessionmaker[Session], message: _Message, **values: Any) -> None:
    """Write an attempt's outcome, unless the claim ran out and another process took the row."""
    with factory.begin() as session:
        stmt = update(Notification).where(
            Notification.id == message.id,
            Notification.status == "pending",
            Notification.attempts == message.attempts,
        )
        if session.execute(stmt.values(**values)).rowcount != 1:  # type: ignore[attr-defined]
            log.warning("notification %s: claim lost before its outcome was recorded", message.key)


def _send(settings: NotificationSettings, message: _Message, client: httpx.Client) -> None:
    if message.channel == "webhook":
        assert settings.webhook_url and settings.webhook_secret  # `channels` says so
        body = webhook_body(message.key, message.kind, message.payload, message.created_at)
        post_signed(
            settings.webhook_url,
            body,
            settings.webhook_secret,
            message.key,
            settings.timeout_seconds,
            client=client,
        )
    else:
        email = build_email(settings, message.key, message.kind, message.payload, message.created_at)
        send_email(settings, email)
