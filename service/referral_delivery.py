"""Referral delivery: the outbox half of referrals, run by the scheduler's `outbox` job.

`deliver_referrals` moves approved referrals to `queued` (when a channel is configured), then
sends each due one: a signed JSON POST of the referral document to `referrals.endpoint_url`
(HMAC-SHA256 over "<timestamp>.<body>", `Idempotency-Key: <referral key>`), or an e-mail with
the document and its PDF attached. Failures are retried with exponential backoff and jitter;
after `referrals.max_attempts`, or at once when the receiver refuses the referral, it is
`failed`: an error is logged, an audit event written and a `referral_failed` notification
queued for the admins' channels.

Nothing is lost and nothing is sent twice by this service: every state lives in the database.
A referral is claimed by a conditional UPDATE (still queued, still due, not claimed) committed
before anything is sent, with an attempt row; its outcome is recorded only by the claim that
made it. A process that dies mid-attempt leaves a claim that runs out after CLAIM_TIME, and
the next run tries again with the same key (the receiver keeps each key once). Each run
ends by adding delivered suppliers to the organisation's own list (`service.referral_listing`).
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import httpx
from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from service import notify
from service.config import Settings
from service.db import get_db
from service.delivery import DeliveryError, backoff_delay, post_signed, send_email
from service.models import Referral, ReferralAttempt, utcnow
from service.referral_documents import document_bytes
from service.referral_files import build_pdf, document_text
from service.referral_listing import list_delivered
from service.referrals import record_system_step

log = logging.getLogger(__name__)
CLAIM_TIME = timedelta(minutes=5)  # a claim whose sender died runs out after this
PAGE_ROWS = 50
MAX_ERROR_LENGTH = 2000
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class ReferralReport:
    """What one `deliver_referrals` run did, in referrals."""

    queued: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    listed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class _Job:
    referral_id: int
    key: str
    channel: str
    document: dict[str, Any]
    attempt: int  # this attempt's number
    attempt_id: int


def delivery_channel(settings: Settings) -> str | None:
    """`webhook` (endpoint and secret set), else `email` (recipients, sender, SMTP server), else None."""
    r, n = settings.referrals, settings.notifications
    if r.endpoint_url and r.signing_secret:
        return "webhook"
    if r.email_to and (r.email_from or n.email_from) and n.smtp_host:
        return "email"
    return None


def deliver_referrals(
    target: Flask | sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    *,
    client: httpx.Client | None = None,
) -> ReferralReport:
    """Queue approved referrals, send every due one once, list delivered suppliers; never raises
    for a failed send. Each claim and each outcome is its own short transaction."""
    factory = get_db(target).sessionmaker if isinstance(target, Flask) else target
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    channel = delivery_channel(settings)
    outcomes: Counter[str] = Counter()
    if channel is not None:
        outcomes["queued"] = _queue_approved(factory, channel, clock())
    outcomes["failed"] += _bury_abandoned(factory, settings, clock())
    own_client = client is None
    client = client or httpx.Client()
    try:
        after = 0
        while ids := _due_ids(factory, settings, clock(), after):
            for referral_id in ids:
                job = _claim(factory, settings, referral_id, clock())
                if job is not None:
                    outcomes[_attempt(factory, settings, job, client, clock)] += 1
            after = ids[-1]  # each referral at most once per run
    finally:
        if own_client:
            client.close()
    outcomes["listed"] = list_delivered(factory, settings)
    report = ReferralReport(**outcomes)
    if any(outcomes.values()):
        log.info("referrals: %s", ", ".join(f"{v} {k}" for k, v in report.as_dict().items() if v))
    return report


# --- queueing and claiming --------------------------------------------------------------------


def _queue_approved(factory: sessionmaker[Session], channel: str, now: datetime) -> int:
    with factory.begin() as session:
        ids = list(
            session.scalars(select(Referral.id).where(Referral.status == "approved").order_by(Referral.id))
        )
    queued = 0
    for referral_id in ids:
        with factory.begin() as session:
            moved = session.execute(
                update(Referral)
                .where(Referral.id == referral_id, Referral.status == "approved")
                .values(
                    status="queued",
                    channel=channel,
                    queued_at=now,
                    attempts=0,
                    next_attempt_at=now,
                    claimed_until=None,
                    last_error=None,
                    updated_at=now,
                )
            )
            if moved.rowcount == 1:  # type: ignore[attr-defined]
                referral = _fresh(session, referral_id)
                record_system_step(session, referral, "queue", "approved", {"channel": channel})
                queued += 1
    return queued


def _fresh(session: Session, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id, populate_existing=True)
    assert referral is not None
    return referral


def _due(settings: Settings, now: datetime) -> list[Any]:
    return [
        Referral.status == "queued",
        Referral.next_attempt_at <= now,
        or_(Referral.claimed_until.is_(None), Referral.claimed_until <= now),
    ]


def _due_ids(factory: sessionmaker[Session], settings: Settings, now: datetime, after: int) -> list[int]:
    with factory.begin() as session:
        stmt = select(Referral.id).where(*_due(settings, now), Referral.id > after)
        return list(session.scalars(stmt.order_by(Referral.id).limit(PAGE_ROWS)))


def _claim(
    factory: sessionmaker[Session], settings: Settings, referral_id: int, now: datetime
) -> _Job | None:
    """Take the referral for one attempt (with its attempt row), or None when another process did."""
    with factory.begin() as session:
        claimed = session.execute(
            update(Referral)
            .where(
                Referral.id == referral_id,
                Referral.attempts < settings.referrals.max_attempts,
                *_due(settings, now),
            )
            .values(attempts=Referral.attempts + 1, claimed_until=now + CLAIM_TIME)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        referral = _fresh(session, referral_id)
        _close_abandoned_attempts(session, referral_id, now)
        attempt = ReferralAttempt(
            referral_id=referral_id,
            number=referral.attempts,
            channel=referral.channel or "",
            holder=HOLDER,
            started_at=now,
        )
        session.add(attempt)
        session.flush()
        assert referral.document is not None  # frozen at approval
        return _Job(
            referral.id,
            referral.key,
            referral.channel or "",
            referral.document,
            referral.attempts,
            attempt.id,
        )


def _close_abandoned_attempts(session: Session, referral_id: int, now: datetime) -> None:
    session.execute(
        update(ReferralAttempt)
        .where(ReferralAttempt.referral_id == referral_id, ReferralAttempt.outcome == "in_progress")
        .values(outcome="abandoned", finished_at=now, error="its process stopped before recording an outcome")
    )


def _bury_abandoned(factory: sessionmaker[Session], settings: Settings, now: datetime) -> int:
    """Referrals whose last claim ran out with no attempt left (the sender stopped every time) fail."""
    with factory.begin() as session:
        ids = list(
            session.scalars(
                select(Referral.id).where(
                    *_due(settings, now), Referral.attempts >= settings.referrals.max_attempts
                )
            )
        )
    for referral_id in ids:
        with factory.begin() as session:
            _close_abandoned_attempts(session, referral_id, now)
            error = "abandoned: the last attempt's process stopped before recording an outcome"
            _fail(session, settings, referral_id, None, error, now)
    return len(ids)


# --- one attempt --------------------------------------------------------------------------------


def _attempt(
    factory: sessionmaker[Session],
    settings: Settings,
    job: _Job,
    client: httpx.Client,
    clock: Callable[[], datetime],
) -> str:
    """Send once; record the outcome ("delivered", "retried" or "failed")."""
    try:
        status_code, reference = _send(settings, job, client)
    except DeliveryError as exc:
        return _record_failure(factory, settings, job, exc, clock())
    except Exception as exc:  # a bug in one referral must not stop the others; it ends failed
        log.exception("referral %d: sending failed unexpectedly", job.referral_id)
        return _record_failure(factory, settings, job, DeliveryError(repr(exc)), clock())
    _record_delivered(factory, job, status_code, reference, clock())
    return "delivered"


def _send(settings: Settings, job: _Job, client: httpx.Client) -> tuple[int | None, str]:
    """Deliver the frozen document once: (HTTP status or None, what the receiver said)."""
    r = settings.referrals
    if job.channel == "webhook":
        assert r.endpoint_url and r.signing_secret
        body = document_bytes(job.document)
        response = post_signed(
            r.endpoint_url, body, r.signing_secret, job.key, r.timeout_seconds, client=client
        )
        return response.status_code, (response.text.strip()[:500] or f"HTTP {response.status_code}")
    email_settings = replace(
        settings.notifications,
        email_to=r.email_to,
        email_from=r.email_from or settings.notifications.email_from,
        timeout_seconds=r.timeout_seconds,
    )
    send_email(email_settings, build_referral_email(settings, job.key, job.document))
    return None, f"e-mailed to {', '.join(r.email_to)}"


def build_referral_email(settings: Settings, key: str, document: dict[str, Any]) -> EmailMessage:
    """The e-mail for a focal point: the summary as text, the JSON document and the PDF attached."""
    vendor = document["vendor"]
    sender = settings.referrals.email_from or settings.notifications.email_from or ""
    email = EmailMessage()
    email["Subject"] = (
        f"[referral {document['referral_id']}] {vendor['legal_name']} ({vendor['ungm_vendor_number']}): "
        f"{', '.join(p.replace('_', ' ') for p in document['practices'])}"
    )
    email["From"] = sender
    email["To"] = ", ".join(settings.referrals.email_to)
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = f"<{key}@{sender.rpartition('@')[2] or 'screening.invalid'}>"
    email["Idempotency-Key"] = key
    email.set_content(document_text(document))
    name = f"referral-{document['referral_id']}"
    email.add_attachment(
        document_bytes(document), maintype="application", subtype="json", filename=f"{name}.json"
    )
    email.add_attachment(build_pdf(document), maintype="application", subtype="pdf", filename=f"{name}.pdf")
    return email


def _record_delivered(
    factory: sessionmaker[Session], job: _Job, status_code: int | None, reference: str, now: datetime
) -> None:
    with factory.begin() as session:
        _finish_attempt(session, job, "delivered", status_code, None, now)
        moved = session.execute(
            update(Referral)
            .where(
                Referral.id == job.referral_id, Referral.status == "queued", Referral.attempts == job.attempt
            )
            .values(
                status="delivered",
                delivered_at=now,
                delivery_reference=reference,
                claimed_until=None,
                next_attempt_at=None,
                last_error=None,
                updated_at=now,
            )
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("referral %d: claim lost before its delivery was recorded", job.referral_id)
            return
        details = {"channel": job.channel, "attempt": job.attempt, "reference": reference}
        record_system_step(session, _fresh(session, job.referral_id), "deliver", "queued", details)
    log.info("referral %d delivered by %s on attempt %d", job.referral_id, job.channel, job.attempt)


def _finish_attempt(
    session: Session, job: _Job, outcome: str, status_code: int | None, error: str | None, now: datetime
) -> None:
    session.execute(
        update(ReferralAttempt)
        .where(ReferralAttempt.id == job.attempt_id)
        .values(outcome=outcome, status_code=status_code, error=error, finished_at=now)
    )


def _record_failure(
    factory: sessionmaker[Session], settings: Settings, job: _Job, exc: DeliveryError, now: datetime
) -> str:
    error = str(exc)[:MAX_ERROR_LENGTH]
    status_code = _status_code(error)
    dead = exc.permanent or job.attempt >= settings.referrals.max_attempts
    with factory.begin() as session:
        _finish_attempt(session, job, "failed" if dead else "retry", status_code, error, now)
        if dead:
            why = "refused by the receiver" if exc.permanent else f"after {job.attempt} attempts"
            _fail(session, settings, job.referral_id, job.attempt, f"{why}: {error}", now)
            return "failed"
        delay = backoff_delay(job.attempt, settings.referrals.backoff_seconds, exc.retry_after)
        moved = session.execute(
            update(Referral)
            .where(
                Referral.id == job.referral_id, Referral.status == "queued", Referral.attempts == job.attempt
            )
            .values(last_error=error, next_attempt_at=now + delay, claimed_until=None, updated_at=now)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            details = {"attempt": job.attempt, "error": error, "next_attempt_at": (now + delay).isoformat()}
            record_system_step(session, _fresh(session, job.referral_id), "attempt_failed", "queued", details)
    log.warning(
        "referral %d: attempt %d failed, next in %.0f s: %s",
        job.referral_id,
        job.attempt,
        delay.total_seconds(),
        error,
    )
    return "retried"


def _status_code(error: str) -> int | None:
    word = error.split(" ", 2)
    return int(word[1]) if len(word) > 1 and word[0] == "HTTP" and word[1].isdigit() else None


def _fail(
    session: Session, settings: Settings, referral_id: int, attempt: int | None, error: str, now: datetime
) -> None:
    """Make the referral `failed` and alert: error log, audit event, `referral_failed` notification."""
    conditions = [Referral.id == referral_id, Referral.status == "queued"]
    if attempt is not None:
        conditions.append(Referral.attempts == attempt)
    moved = session.execute(
        update(Referral)
        .where(*conditions)
        .values(status="failed", failed_at=now, last_error=error, claimed_until=None, updated_at=now)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return
    referral = _fresh(session, referral_id)
    record_system_step(session, referral, "fail", "queued", {"attempts": referral.attempts}, reason=error)
    link = f"/referrals/{referral.id}"
    payload: dict[str, Any] = {
        "referral_id": referral.id,
        "supplier_ref": referral.supplier.ref,
        "supplier_name": referral.supplier.name,
        "attempts": referral.attempts,
        "error": error,
        "link": link,
    }
    if settings.notifications.base_url:
        payload["url"] = settings.notifications.base_url.rstrip("/") + link
    key = f"referral_failed:{referral.id}:{int(now.timestamp())}"
    notify.enqueue(session, settings, "referral_failed", payload, key=key)
    log.error(
        "referral %d (supplier %s) failed after %d attempt(s): %s; an approver can retry it or mark it "
        "delivered by hand",
        referral.id,
        referral.supplier.ref,
        referral.attempts,
        error,
    )
