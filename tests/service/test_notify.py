"""The notification outbox against real local servers: an HTTP receiver started by the test
(it answers 500, times out, drops the connection, refuses) and an SMTP server (aiosmtpd).

Runs on SQLite and PostgreSQL (`db_app`). No mocks: what the receivers got is what was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from flask import Flask
from receivers_support import Mailbox, Receiver, Reply, free_port, receiving, smtp_server
from sqlalchemy import select

from service import get_settings
from service.config import ConfigError, NotificationSettings, load_settings
from service.db import session_scope
from service.delivery import SIGNATURE_HEADER, backoff_delay, sign, verify_signature
from service.models import Finding, FindingEvent, ListVersion, Notification, Supplier, utcnow
from service.notify import DeliveryReport, build_digests, deliver_due, enqueue, notify_findings
from service.notify_text import render_text
from service.refresh import refresh_source

SECRET = "test-webhook-secret"
CONFIG = ROOT / "config.yaml"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


# --- helpers --------------------------------------------------------------------------------


def configure(app: Flask, **changes: Any) -> NotificationSettings:
    """Give the app these notification settings (fast timeouts, no backoff unless said)."""
    base = NotificationSettings(timeout_seconds=0.5, backoff_seconds=0.0, max_attempts=5)
    notifications = replace(base, **changes)
    app.extensions["screening"] = replace(get_settings(app), notifications=notifications)
    return notifications


def webhook(app: Flask, receiver: Receiver, **changes: Any) -> NotificationSettings:
    return configure(app, webhook_url=receiver.url, webhook_secret=SECRET, **changes)


def queue(
    app: Flask, key: str = "refresh_failed:un_sc:1", kind: str = "refresh_failed", **payload: Any
) -> int:
    body = payload or {"source": "un_sc", "error": "HTTP 500", "failed_at": "2026-01-01T00:00:00+00:00"}
    with session_scope(app) as s:
        return enqueue(s, get_settings(app), kind, body, key=key)


def rows(app: Flask) -> list[Notification]:
    with session_scope(app) as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


def make_finding(app: Flask, ref: str = "V-100", entry_id: str = "QDe.004") -> int:
    with session_scope(app) as s:
        version = s.scalar(select(ListVersion).where(ListVersion.source == "un_sc"))
        if version is None:
            version = ListVersion(source="un_sc", version=1, origin="test", checksum="c" * 64, entry_count=1)
            s.add(version)
            s.flush()
        supplier = Supplier(ref=ref, name="Acme Trading Ltd", screened_hash="s" * 64)
        finding = Finding(
            supplier=supplier,
            source="un_sc",
            entry_id=entry_id,
            score=0.9312,
            list_version_id=version.id,
            entry_hash="e" * 64,
            entry_snapshot={"names": [{"value": "ACME TRADING LIMITED", "type": "primary"}]},
            supplier_hash="s" * 64,
            explanation={"summary": "'Acme Trading Ltd' matches 'ACME TRADING LIMITED' (score 0.93)."},
            algorithm="token-v1",
            screening_id="x" * 32,
        )
        s.add_all([supplier, finding])
        s.flush()
        return finding.id


def notify(app: Flask, finding_ids: list[int], kind: str = "new_alert") -> int:
    with session_scope(app) as s:
        findings = [s.get(Finding, i) for i in finding_ids]
        return notify_findings(s, get_settings(app), [f for f in findings if f is not None], kind)


# --- webhooks -------------------------------------------------------------------------------


def test_webhook_retries_through_500_timeout_and_dropped_connection_then_delivers_once(
    db_app: Flask, receiver: Receiver
) -> None:
    settings = webhook(db_app, receiver)
    receiver.replies = [Reply(500), Reply(delay=1.5), Reply(close=True), Reply(200)]
    assert queue(db_app) == 1
    outcomes, errors = [], []
    for _ in range(4):
        outcomes.append(deliver_due(db_app, settings))
        errors.append(rows(db_app)[0].last_error)
    assert outcomes == [DeliveryReport(retried=1)] * 3 + [DeliveryReport(delivered=1)]
    assert "HTTP 500" in (errors[0] or "")
    assert "timed out after 0.5 s" in (errors[1] or "")
    assert "RemoteProtocolError" in (errors[2] or "")  # answered nothing, hung up
    assert deliver_due(db_app, settings) == DeliveryReport()  # nothing left to send
    [row] = rows(db_app)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 4, None)
    assert row.delivered_at is not None
    assert receiver.accepted() == {"refresh_failed:un_sc:1:webhook": 4}
    assert len({r.body for r in receiver.requests}) == 1  # the same bytes every time
    for request in receiver.requests:
        assert request.headers["Content-Type"] == "application/json"
        assert verify_signature(SECRET, request.headers[SIGNATURE_HEADER], request.body)
        assert not verify_signature("another secret", request.headers[SIGNATURE_HEADER], request.body)
    sent = json.loads(receiver.requests[-1].body)
    assert sent["kind"] == "refresh_failed" and sent["key"] == row.key
    assert sent["data"]["source"] == "un_sc"


def test_a_refusal_is_dead_at_once_and_408_429_5xx_are_retried(db_app: Flask, receiver: Receiver) -> None:
    settings = webhook(db_app, receiver)
    statuses = {400: "dead", 404: "dead", 410: "dead", 408: "pending", 429: "pending", 503: "pending"}
    receiver.replies = [Reply(status) for status in statuses]  # rows are sent in the order queued
    for status in statuses:
        queue(db_app, key=f"refresh_failed:un_sc:{status}")
    assert deliver_due(db_app, settings) == DeliveryReport(retried=3, dead=3)
    for row, (status, outcome) in zip(rows(db_app), statuses.items(), strict=True):
        assert (row.status, row.attempts) == (outcome, 1)
        assert f"HTTP {status}" in (row.last_error or "")
    deliver_due(db_app, settings)
    assert len(receiver.requests) == 6 + 3  # the refused ones were not sent again


def test_after_max_attempts_it_is_dead_with_an_error_logged(
    db_app: Flask, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    settings = webhook(db_app, receiver, max_attempts=3)
    receiver.replies = [Reply(500)]
    queue(db_app)
    reports = [deliver_due(db_app, settings) for _ in range(4)]
    assert reports == [DeliveryReport(retried=1)] * 2 + [DeliveryReport(dead=1), DeliveryReport()]
    [row] = rows(db_app)  # and nothing new was queued about it
    assert (row.status, row.attempts) == ("dead", 3)
    assert len(receiver.requests) == 3
    dead = [r for r in caplog.records if r.levelname == "ERROR" and "is dead" in r.getMessage()]
    assert len(dead) == 1 and "after 3 attempts" in dead[0].getMessage()


def test_retries_back_off_exponentially_and_honour_retry_after(db_app: Flask, receiver: Receiver) -> None:
    settings = webhook(db_app, receiver, backoff_seconds=30.0)
    receiver.replies = [Reply(500), Reply(503), Reply(429, headers={"Retry-After": "3600"}), Reply(200)]
    queue(db_app)
    now = utcnow() + timedelta(seconds=1)
    waits = []
    for _ in range(3):
        deliver_due(db_app, settings, now)
        assert deliver_due(db_app, settings, now) == DeliveryReport()  # not due again yet
        due = rows(db_app)[0].next_attempt_at
        waits.append((due - now).total_seconds())
        now = due
    assert 30 <= waits[0] <= 30 * 1.25 and 60 <= waits[1] <= 60 * 1.25
    assert waits[2] == pytest.approx(3600, abs=1)  # the receiver asked for an hour
    assert deliver_due(db_app, settings, now) == DeliveryReport(delivered=1)


def test_backoff_doubles_is_capped_and_jittered() -> None:
    delays = [backoff_delay(n, 30.0).total_seconds() for n in range(1, 14)]
    for n, delay in enumerate(delays[:8], start=1):
        assert 30 * 2 ** (n - 1) <= delay <= 30 * 2 ** (n - 1) * 1.25
    assert all(6 * 3600 <= d <= 6 * 3600 * 1.25 for d in delays[-2:])
    assert backoff_delay(1, 0.0).total_seconds() == 0.0
    assert backoff_delay(1, 30.0, retry_after=120).total_seconds() == 120


def test_two_senders_at_once_never_send_the_same_message_twice(db_app: Flask, receiver: Receiver) -> None:
    settings = webhook(db_app, receiver)
    receiver.replies = [Reply(200, delay=0.05)]
    for n in range(12):
        queue(db_app, key=f"refresh_failed:un_sc:{n}")
    reports: list[DeliveryReport] = []
    senders = [
        threading.Thread(target=lambda: reports.append(deliver_due(db_app, settings))) for _ in range(3)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sum(r.delivered for r in reports) == 12
    assert sorted(receiver.accepted().values()) == [1] * 12
    assert {row.status for row in rows(db_app)} == {"delivered"}


def test_signatures_refuse_tampering_and_replays() -> None:
    body = b'{"kind":"new_alert"}'
    now = int(time.time())
    header = sign(SECRET, body, now)
    assert header.startswith(f"t={now},v1=") and len(header.rpartition("v1=")[2]) == 64
    assert verify_signature(SECRET, header, body)
    assert not verify_signature(SECRET, header, body + b" ")
    assert not verify_signature(SECRET, header.replace(f"t={now}", f"t={now + 1}"), body)
    assert not verify_signature(SECRET, sign(SECRET, body, now - 301), body)  # too old: a replay
    assert verify_signature(SECRET, sign(SECRET, body, now - 301), body, tolerance_seconds=600)
    rotating = f"{sign(SECRET, body, now)},v1={'0' * 64}"
    assert verify_signature(SECRET, rotating, body)
    assert not verify_signature(SECRET, "", body) and not verify_signature(SECRET, "t=x,v1=y", body)


# --- enqueueing -----------------------------------------------------------------------------


def test_enqueue_is_idempotent_per_key_and_channel(db_app: Flask, receiver: Receiver) -> None:
    webhook(db_app, receiver, email_to=("a@example.org",), email_from="s@example.org", smtp_host="127.0.0.1")
    assert queue(db_app) == 2
    assert queue(db_app) == 0  # a sweep re-run: no second message
    long_key = "refresh_failed:custom:" + "x" * 60 + ":1767225600"
    assert queue(db_app, key=long_key) == 2
    assert queue(db_app, key=long_key) == 0
    keys = [row.key for row in rows(db_app)]
    assert keys[:2] == ["refresh_failed:un_sc:1:webhook", "refresh_failed:un_sc:1:email"]
    assert all(len(k) <= 64 for k in keys) and keys[2].endswith(":webhook")


def test_nothing_is_queued_without_a_channel(db_app: Flask) -> None:
    configure(db_app)
    assert queue(db_app) == 0 and rows(db_app) == []


def test_findings_are_notified_once_with_what_a_reviewer_needs(db_app: Flask, receiver: Receiver) -> None:
    webhook(db_app, receiver, base_url="https://screening.example.org/")
    finding_id = make_finding(db_app)
    assert notify(db_app, [finding_id]) == 1
    assert notify(db_app, [finding_id]) == 0
    [row] = rows(db_app)
    assert row.key == f"new_alert:{finding_id}:webhook"
    assert row.payload == {
        "finding_id": finding_id,
        "supplier_ref": "V-100",
        "supplier_name": "Acme Trading Ltd",
        "source": "un_sc",
        "entry_id": "QDe.004",
        "listed_name": "ACME TRADING LIMITED",
        "score": 0.9312,
        "status": "new",
        "reason": "'Acme Trading Ltd' matches 'ACME TRADING LIMITED' (score 0.93).",
        "link": f"/findings/{finding_id}",
        "url": f"https://screening.example.org/findings/{finding_id}",
    }


def test_each_reopening_notifies_once(db_app: Flask, receiver: Receiver) -> None:
    webhook(db_app, receiver)
    finding_id = make_finding(db_app)

    def reopen() -> None:
        with session_scope(db_app) as s:
            finding = s.get(Finding, finding_id)
            assert finding is not None
            finding.status = "changed"
            finding.explanation = {**finding.explanation, "reopened": ["list entry"]}
            s.add(FindingEvent(finding_id=finding_id, actor="system", action="reopened", to_status="changed"))

    reopen()
    assert notify(db_app, [finding_id], "changed_finding") == 1
    assert notify(db_app, [finding_id], "changed_finding") == 0
    reopen()
    assert notify(db_app, [finding_id], "changed_finding") == 1
    payloads = [row.payload for row in rows(db_app)]
    assert [p["changed"] for p in payloads] == [["list entry"], ["list entry"]]
    with pytest.raises(ValueError, match="not 'digest'"):
        notify(db_app, [finding_id], "digest")


# --- e-mail ---------------------------------------------------------------------------------


def mail(app: Flask, port: int, **changes: Any) -> NotificationSettings:
    local = {
        "email_to": ("compliance@example.org", "officer@example.org"),
        "email_from": "screening@example.org",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": False,  # the local server has no certificate
    }
    return configure(app, **{**local, **changes})


def test_an_alert_is_mailed_as_plain_text(db_app: Flask, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    settings = mail(db_app, port, base_url="https://screening.example.org")
    finding_id = make_finding(db_app)
    notify(db_app, [finding_id])
    assert deliver_due(db_app, settings) == DeliveryReport(delivered=1)
    [message] = mailbox.messages
    assert message["Subject"] == "[screening] 1 new alert: Acme Trading Ltd ~ ACME TRADING LIMITED"
    assert message["From"] == "screening@example.org"
    assert message["To"] == "compliance@example.org, officer@example.org"
    assert message["Message-ID"] == f"<new_alert.{finding_id}.email@example.org>"
    assert message.get_content_type() == "text/plain"
    text = message.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert "Supplier:    Acme Trading Ltd (ref V-100)" in text
    assert "List:        un_sc, entry QDe.004" in text
    assert "Why:         'Acme Trading Ltd' matches 'ACME TRADING LIMITED'" in text
    assert f"Review:      https://screening.example.org/findings/{finding_id}" in text


def test_starttls_required_but_not_offered_is_never_sent_in_clear(
    db_app: Flask, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    settings = mail(db_app, port, smtp_starttls=True)
    queue(db_app)
    assert deliver_due(db_app, settings) == DeliveryReport(retried=1)
    assert mailbox.messages == []
    assert "STARTTLS" in (rows(db_app)[0].last_error or "")


def test_mail_refused_for_every_recipient_is_dead(db_app: Flask, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    mailbox.refuse = {"compliance@example.org", "officer@example.org"}
    settings = mail(db_app, port)
    queue(db_app)
    assert deliver_due(db_app, settings) == DeliveryReport(dead=1)
    assert "550" in (rows(db_app)[0].last_error or "")


def test_mail_server_down_is_retried(db_app: Flask) -> None:
    settings = mail(db_app, free_port())
    queue(db_app)
    assert deliver_due(db_app, settings) == DeliveryReport(retried=1)
    assert "SMTP" in (rows(db_app)[0].last_error or "")


# --- digests --------------------------------------------------------------------------------


def test_digest_batches_alerts_once_a_day_and_failures_go_at_once(db_app: Flask, receiver: Receiver) -> None:
    settings = webhook(db_app, receiver, digest=True, digest_hour=0)
    ids = [make_finding(db_app, ref=f"V-{n}", entry_id=f"QDe.00{n}") for n in range(3)]
    notify(db_app, ids[:2])
    notify(db_app, ids[2:], "changed_finding")
    queue(db_app)  # a refresh failure
    assert deliver_due(db_app, settings) == DeliveryReport(delivered=1)
    assert [json.loads(r.body)["kind"] for r in receiver.requests] == ["refresh_failed"]
    now = utcnow()
    assert build_digests_at(db_app, now) == 0  # queued after today's digest hour: tomorrow's
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC) + timedelta(
        minutes=5
    )
    assert build_digests_at(db_app, tomorrow) == 1
    assert build_digests_at(db_app, tomorrow + timedelta(hours=3)) == 0  # once a day
    assert deliver_due(db_app, settings, tomorrow + timedelta(hours=3)) == DeliveryReport(delivered=1)
    digest = json.loads(receiver.requests[-1].body)
    day = tomorrow.date().isoformat()
    assert digest["kind"] == "digest" and digest["key"] == f"digest:{day}:webhook"
    assert digest["data"]["counts"] == {"new_alert": 2, "changed_finding": 1}
    assert [item["finding_id"] for item in digest["data"]["items"]] == ids
    batched = [row for row in rows(db_app) if row.kind in ("new_alert", "changed_finding")]
    assert {(row.status, row.payload["digest"]) for row in batched} == {
        ("delivered", f"digest:{day}:webhook")
    }
    assert len(receiver.requests) == 2


def build_digests_at(app: Flask, now: datetime) -> int:
    with session_scope(app) as s:
        return build_digests(s, get_settings(app), now)


def test_digest_waits_for_its_hour_and_is_off_by_default(db_app: Flask, receiver: Receiver) -> None:
    webhook(db_app, receiver, digest=True, digest_hour=7)
    notify(db_app, [make_finding(db_app)])
    early = datetime.combine(utcnow().date() + timedelta(days=1), datetime.min.time(), UTC) + timedelta(
        hours=6
    )
    assert build_digests_at(db_app, early) == 0
    assert build_digests_at(db_app, early + timedelta(hours=1)) == 1
    webhook(db_app, receiver)
    assert build_digests_at(db_app, early + timedelta(days=1, hours=1)) == 0


def test_digest_text_names_the_counts() -> None:
    item = {
        "kind": "new_alert",
        "supplier_name": "Acme",
        "supplier_ref": "V-1",
        "listed_name": "ACME",
        "source": "un_sc",
        "entry_id": "QDe.004",
        "score": 0.93,
        "link": "/findings/1",
    }
    payload = {
        "date": "2026-03-01",
        "counts": {"new_alert": 1, "changed_finding": 2},
        "items": [item],
        "more": 2,
        "link": "/findings",
    }
    subject, text = render_text("digest", payload)
    assert subject == "[screening] Daily digest 2026-03-01: 1 new alert, 2 changed findings"
    assert "- [new alert] Acme (V-1) ~ ACME, un_sc QDe.004, score 0.93: /findings/1" in text
    assert "- and 2 more: /findings" in text


# --- list refresh failures ------------------------------------------------------------------


def test_a_failed_refresh_queues_a_notification_in_its_transaction(db_app: Flask, receiver: Receiver) -> None:
    settings = webhook(db_app, receiver)
    wl = get_settings(db_app).watchlists
    un_sc = wl.get("un_sc")
    assert un_sc is not None
    un = replace(un_sc, url=f"{receiver.base}/consolidated.xml")  # the receiver answers GET with 404
    sources = tuple(un if s.id == "un_sc" else s for s in wl.sources)
    wl = replace(wl, sources=sources, timeout_seconds=1.0, attempts=1, backoff_seconds=0.0)
    db_app.extensions["screening"] = replace(get_settings(db_app), watchlists=wl)
    assert refresh_source(db_app, "un_sc").outcome == "failed"
    [row] = rows(db_app)
    assert (row.kind, row.channel, row.status) == ("refresh_failed", "webhook", "pending")
    assert row.payload["source"] == "un_sc" and "HTTP 404" in row.payload["error"]
    assert row.payload["serving_version"] is None
    assert deliver_due(db_app, settings) == DeliveryReport(delivered=1)
    assert json.loads(receiver.requests[0].body)["data"]["error"] == row.payload["error"]
    subject, text = render_text("refresh_failed", row.payload)
    assert subject == "[screening] 1 list refresh failed: un_sc"
    assert "Nothing serves for this list yet" in text


# --- configuration --------------------------------------------------------------------------


def test_notification_settings_are_validated() -> None:
    env = {
        "SCREENING_NOTIFICATIONS__WEBHOOK_URL": "http://hooks.example.org/x",
        "SCREENING_NOTIFICATIONS__EMAIL_TO": "[not-an-address]",
        "SCREENING_NOTIFICATIONS__SMTP_USER": "mailer",
        "SCREENING_NOTIFICATIONS__DIGEST_HOUR": "24",
    }
    with pytest.raises(ConfigError) as problems:
        load_settings(CONFIG, environ=env)
    text = str(problems.value)
    assert "notifications.webhook_url: must be https:// (http only to localhost)" in text
    assert "notifications.webhook_secret: required with a webhook_url" in text
    assert "not an e-mail address: 'not-an-address'" in text
    assert "email_to needs email_from and smtp_host" in text
    assert "notifications.smtp_password: required with smtp_user" in text
    assert "notifications.digest_hour: must be 0..23" in text


def test_webhook_secret_comes_from_the_environment_only(tmp_path: Path) -> None:
    env = {
        "SCREENING_NOTIFICATIONS__WEBHOOK_URL": "http://localhost:9000/hook",
        "SCREENING_WEBHOOK_SECRET": "k1",
    }
    settings = load_settings(CONFIG, environ=env).notifications
    assert (settings.webhook_secret, settings.channels) == ("k1", ("webhook",))
    env = {"SCREENING_NOTIFICATIONS__WEBHOOK_URL": "https://hooks.example.org/x"}
    env["SCREENING_NOTIFICATIONS__WEBHOOK_SECRET"] = "k2"
    assert load_settings(CONFIG, environ=env).notifications.webhook_secret == "k2"
    bad = tmp_path / "config.yaml"
    text = CONFIG.read_text(encoding="utf-8")
    bad.write_text(
        text.replace("notifications:\n", "notifications:\n  webhook_secret: hunter2\n", 1), "utf-8"
    )
    with pytest.raises(ConfigError, match=r"SCREENING_NOTIFICATIONS__WEBHOOK_SECRET\), not the file"):
        load_settings(bad, environ={})
