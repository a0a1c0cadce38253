"""The audit trail: every key's calls, screenings, imports and sign-ins recorded, chained by hash,
tampering detected. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from conftest import SHARED_DATA
from flask import Flask
from sqlalchemy import delete, func, select, update

from service.audit import record_event, verify_chain
from service.auth import create_api_key
from service.db import session_scope
from service.models import AuditEvent

UN_FILE = SHARED_DATA / "watchlists" / "un" / "consolidated.xml"


def events(app: Flask) -> list[tuple[str, str, str | None]]:
    with session_scope(app) as s:
        return [(e.actor, e.action, e.subject) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_calls_screenings_and_imports_are_recorded_and_chained(db_app: Flask) -> None:
    if not UN_FILE.exists():
        pytest.skip(f"UN list not found at {UN_FILE}")
    runner = db_app.test_cli_runner()
    assert runner.invoke(args=["lists", "import", "un_sc", str(UN_FILE)]).exit_code == 0
    with session_scope(db_app) as s:
        key, plaintext = create_api_key(s, "erp", "officer")
        key_actor = f"apikey:{key.id}:erp"
    client = db_app.test_client()
    answer = client.post(
        "/api/v1/screen", json={"name": "Al Qaida"}, headers={"Authorization": f"Bearer {plaintext}"}
    )
    screening_id = answer.get_json()["screening_id"]
    client.get("/api/v1/lists", headers={"Authorization": f"Bearer {plaintext}"})
    client.get("/api/v1/lists", headers={"Authorization": "Bearer sk_nope_x"})  # no key, no attribution
    recorded = events(db_app)
    assert recorded[0] == ("cli", "list.import", "un_sc")
    assert (key_actor, "screening", screening_id) in recorded
    assert (key_actor, "api.call", "/api/v1/screen") in recorded
    assert (key_actor, "api.call", "/api/v1/lists") in recorded
    assert len(recorded) == 4
    with session_scope(db_app) as s:
        assert list(verify_chain(s)) == []
        call = s.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")).first()
        assert call is not None and call.details["status"] == 200 and call.details["request_id"]
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "audit trail intact: 4 events" in verified.output


def test_tampering_is_detected(db_app: Flask) -> None:
    with session_scope(db_app) as s:
        for n in range(5):
            record_event(s, "cli", "test", subject=str(n), details={"n": n})
    with session_scope(db_app) as s:
        ids = list(s.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
        s.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(details={"n": 99}))
    with session_scope(db_app) as s:
        assert [(p.event_id, "edited" in p.message) for p in verify_chain(s)] == [(ids[1], True)]
        s.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(details={"n": 1}))
        s.execute(delete(AuditEvent).where(AuditEvent.id == ids[3]))
    with session_scope(db_app) as s:
        assert [(p.event_id, "deleted" in p.message) for p in verify_chain(s)] == [(ids[4], True)]
        s.execute(delete(AuditEvent).where(AuditEvent.id == ids[4]))
    with session_scope(db_app) as s:
        problems = list(verify_chain(s))
        assert len(problems) == 1 and "newest events are missing" in problems[0].message
    failed = db_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert failed.exit_code == 1 and "tampered" in failed.output


def test_concurrent_appends_from_many_connections_keep_one_unbroken_chain(db_app: Flask) -> None:
    """Appends racing on a new database (as parallel catch-up jobs do) neither fail nor fork."""
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for i in range(10):
                with session_scope(db_app) as s:
                    s.scalar(select(AuditEvent.id).limit(1))  # a read first, as callers do
                    record_event(s, f"system:{worker}", "test.race", subject=f"{worker}:{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(db_app) as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "test.race")))
        assert len(events) == 60
        assert len({e.prev_hash for e in s.scalars(select(AuditEvent))}) == s.scalar(
            select(func.count()).select_from(AuditEvent)
        )  # no two events follow the same one
        assert list(verify_chain(s)) == []
