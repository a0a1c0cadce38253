"""Reading the audit trail back: exports by date, supplier and action (CSV and JSON, with hashes),
the admin page, retention pruning that keeps the chain verifiable, and configuration changes
recorded at start-up. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED_DATA, settings_for
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, inspect, select, update
from web_support import append_event_at, make_user, signed_in, token

from service import create_app
from service.audit import (
    RetentionError,
    prune_events,
    record_event,
    settings_snapshot,
    verify_chain,
    verify_exported,
)
from service.audit_export import COLUMNS
from service.auth import create_api_key
from service.config import ConfigError, load_settings
from service.db import get_db, session_scope
from service.models import AuditEvent, utcnow

UN_FILE = SHARED_DATA / "watchlists" / "un" / "consolidated.xml"
YEAR = timedelta(days=366)


def api_key(app: Flask, role: str = "admin") -> dict[str, str]:
    with session_scope(app) as s:
        _, plaintext = create_api_key(s, f"{role}-system", role)
    return {"Authorization": f"Bearer {plaintext}"}


def export(client: FlaskClient, headers: dict[str, str], **query: str) -> dict[str, Any]:
    response = client.get("/api/v1/audit/events", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    document: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return document


def record(app: Flask, action: str, **fields: Any) -> None:
    with session_scope(app) as s:
        record_event(s, fields.pop("actor", "user:reviewer@example.org"), action, **fields)


def stored_events(app: Flask) -> list[AuditEvent]:
    with session_scope(app) as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_export_by_supplier_finds_its_screenings_and_decisions(db_app: Flask) -> None:
    if not UN_FILE.exists():
        pytest.skip(f"UN list not found at {UN_FILE}")
    assert db_app.test_cli_runner().invoke(args=["lists", "import", "un_sc", str(UN_FILE)]).exit_code == 0
    client, officer, admin = db_app.test_client(), api_key(db_app, "officer"), api_key(db_app)

    def screen(body: dict[str, Any]) -> str:
        answer = client.post("/api/v1/screen", json=body, headers=officer)
        assert answer.status_code == 200
        return str(answer.get_json()["screening_id"])

    alone = screen({"ref": "V-1", "name": "Al Qaida"})
    other = screen({"ref": "V-2", "name": "Acme Stationery Supplies Ltd"})
    batch = screen({"suppliers": [{"ref": "V-3", "name": "Acme"}, {"ref": "V-1", "name": "Al Qaida"}]})
    client.get("/api/v1/suppliers/V-1", headers=officer)
    record(db_app, "finding.dismiss", subject="finding:7", details={"supplier_ref": "V-1"}, reason="homonym")
    record(db_app, "finding.dismiss", subject="finding:8", details={"supplier_ref": "V-10"}, reason="other")
    record(db_app, "supplier.update", subject="supplier:V-1")
    record(db_app, "finding.escalate", subject="finding:9", details={"supplier": "V-1", "to": "escalated"})

    found = export(client, admin, supplier="V-1")["events"]
    keys = {(e["action"], e["subject"]) for e in found}
    assert {("screening", alone), ("screening", batch)} <= keys
    assert ("screening", other) not in keys
    assert {("finding.dismiss", "finding:7"), ("finding.escalate", "finding:9")} <= keys
    assert ("supplier.update", "supplier:V-1") in keys
    assert ("api.call", "/api/v1/suppliers/V-1") in keys
    assert all(e["details"].get("supplier_ref") in (None, "V-1") for e in found), "V-10 is not V-1"
    assert [e["id"] for e in found] == sorted(e["id"] for e in found)

    screenings = export(client, admin, action="screening")["events"]
    assert {e["subject"] for e in screenings} == {alone, other, batch}
    decisions = export(client, admin, action="finding.*", actor="user:reviewer@example.org")
    assert [e["subject"] for e in decisions["events"]] == ["finding:7", "finding:8", "finding:9"]
    assert decisions["count"] == 3 and decisions["filters"]["action"] == "finding.*"


def test_export_by_date_range(db_app: Flask) -> None:
    for day in ("2020-01-10", "2020-02-15", "2020-02-29", "2020-03-20"):
        append_event_at(db_app, datetime.fromisoformat(f"{day}T23:59:59+00:00"), subject=day)
    record(db_app, "today")
    client, admin = db_app.test_client(), api_key(db_app)
    february = export(client, admin, **{"from": "2020-02-01", "to": "2020-02-29"})
    assert [e["subject"] for e in february["events"]] == ["2020-02-15", "2020-02-29"]
    assert (february["from"], february["to"], february["count"]) == ("2020-02-01", "2020-02-29", 2)
    since_march = export(client, admin, **{"from": "2020-03-20"})["events"]
    assert [(e["subject"], e["action"]) for e in since_march] == [
        ("2020-03-20", "test"),
        (None, "today"),
        ("/api/v1/audit/events", "api.call"),  # the first export, itself recorded
    ]
    assert [e["subject"] for e in export(client, admin, to="2020-01-10")["events"]] == ["2020-01-10"]


def test_csv_export_has_a_header_and_neutralises_formulas(db_app: Flask) -> None:
    record(db_app, "=cmd", subject='=HYPERLINK("http://evil.example","click")', reason="+1+1")
    record(db_app, "note", actor="@risk", subject="-2", details={"supplier_ref": "=V-1"})
    response = db_app.test_client().get("/api/v1/audit/events?format=csv", headers=api_key(db_app))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="audit-events.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0]) == list(COLUMNS)
    first, second = rows[0], rows[1]
    assert (
        first["action"] == "'=cmd"
        and first["subject"].startswith("'=HYPERLINK(")
        and first["reason"] == "'+1+1"
    )
    assert second["actor"] == "'@risk" and second["subject"] == "'-2"
    assert json.loads(second["details"]) == {"supplier_ref": "=V-1"}  # JSON text starts with {
    stored = stored_events(db_app)
    assert [r["hash"] for r in rows] == [e.hash for e in stored[:2]]
    assert rows[1]["prev_hash"] == rows[0]["hash"]


def test_json_export_carries_hashes_and_a_file_can_be_verified(db_app: Flask, tmp_path: Path) -> None:
    for n in range(4):
        record(db_app, "test", subject=str(n), details={"n": n, "name": "Société Générale"})
    stored = stored_events(db_app)
    runner = db_app.test_cli_runner()
    output = tmp_path / "trail.json"
    written = runner.invoke(args=["audit", "export", "--from", "2020-01-01", "--output", str(output)])
    assert written.exit_code == 0 and "exported 4 events" in written.output
    assert (
        json.loads(output.read_text(encoding="utf-8"))["events"][2]["details"]["name"] == "Société Générale"
    )
    assert runner.invoke(args=["audit", "verify", "--file", str(output)]).exit_code == 0
    forged = json.loads(output.read_text(encoding="utf-8"))
    forged["events"][2]["details"]["n"] = 99
    output.write_text(json.dumps(forged), encoding="utf-8")
    failed = runner.invoke(args=["audit", "verify", "--file", str(output)])
    assert failed.exit_code == 1 and f"event {stored[2].id}: its content does not match" in failed.output

    document = export(db_app.test_client(), api_key(db_app))  # the same, over the API
    assert document["count"] == 4 and document["as_of_id"] == stored[-1].id
    assert [(e["id"], e["prev_hash"], e["hash"]) for e in document["events"]] == [
        (e.id, e.prev_hash, e.hash) for e in stored
    ]
    assert list(verify_exported(document["events"], contiguous=True)) == []

    as_csv = tmp_path / "trail.csv"
    assert runner.invoke(args=["audit", "export", "--action", "test", "-o", str(as_csv)]).exit_code == 0
    assert as_csv.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(COLUMNS)
    bad = runner.invoke(args=["audit", "export", "--from", "1 March"])
    assert bad.exit_code == 2 and "from: must be a date YYYY-MM-DD" in bad.output


def test_export_is_for_admins_and_names_bad_parameters(db_app: Flask) -> None:
    client = db_app.test_client()
    assert client.get("/api/v1/audit/events").status_code == 401
    assert client.get("/api/v1/audit/events", headers=api_key(db_app, "approver")).status_code == 403
    admin = api_key(db_app)
    for query, field in (
        ({"from": "01/02/2026"}, "from"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"format": "xml"}, "format"),
    ):
        response = client.get("/api/v1/audit/events", query_string=query, headers=admin)
        assert response.status_code == 400, query
        assert response.get_json()["error"]["details"][0]["field"] == field


def test_admin_page_lists_filters_pages_downloads_and_verifies(db_app: Flask) -> None:
    make_user(db_app, "admin@example.org", "admin")
    make_user(db_app, "officer@example.org", "officer")
    officer = signed_in(db_app, "officer@example.org")
    assert officer.get("/admin/audit").status_code == 403
    assert officer.get("/admin/audit/export?format=csv").status_code == 403
    for n in range(55):
        record(db_app, "test", subject=f"subject-{n}")
    admin = signed_in(db_app, "admin@example.org")
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "not verified yet" in page and "subject-54" in page and "subject-4<" not in page
    older = admin.get("/admin/audit?before=" + page.split("before=")[1].split('"')[0].split("&")[0])
    assert "subject-4<" in older.get_data(as_text=True) and "subject-54" not in older.get_data(as_text=True)
    filtered = admin.get("/admin/audit?action=login").get_data(as_text=True)
    assert "subject-54" not in filtered and "user:admin@example.org" in filtered
    assert admin.get("/admin/audit?from=yesterday").status_code == 400

    download = admin.get("/admin/audit/export?format=json&action=test")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.get_data(as_text=True))["count"] == 55
    assert admin.get("/admin/audit/export?format=pdf").status_code == 400

    assert admin.post("/admin/audit/verify").status_code == 400  # no CSRF token
    done = admin.post("/admin/audit/verify", data={"csrf_token": token(admin, "/admin/audit")})
    assert done.status_code == 302
    assert "chain intact" in admin.get("/admin/audit").get_data(as_text=True)
    with session_scope(db_app) as s:
        first = s.scalars(select(AuditEvent).where(AuditEvent.action == "test")).first()
        assert first is not None
        s.execute(update(AuditEvent).where(AuditEvent.id == first.id).values(subject="rewritten"))
    admin.post("/admin/audit/verify", data={"csrf_token": token(admin, "/admin/audit")})
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "chain broken" in page and f"first at event {first.id}" in page


def test_prune_removes_only_old_events_and_the_chain_still_verifies(db_app: Flask) -> None:
    now = utcnow()
    for subject, age in (("old-1", 12), ("old-2", 11), ("kept", 5), ("old-but-after-a-kept-one", 12)):
        append_event_at(db_app, now - age * YEAR, subject=subject)
    record(db_app, "recent", subject="recent")
    runner = db_app.test_cli_runner()

    dry = runner.invoke(args=["audit", "prune"])
    assert dry.exit_code == 0 and "would prune 2 events" in dry.output
    assert len(stored_events(db_app)) == 5
    too_new = runner.invoke(args=["audit", "prune", "--before", now.date().isoformat(), "--apply"])
    assert too_new.exit_code == 2 and "kept 10 years" in too_new.output
    with session_scope(db_app) as s, pytest.raises(RetentionError):
        prune_events(s, now, retention_years=10)

    pruned = runner.invoke(args=["audit", "prune", "--apply"])
    assert pruned.exit_code == 0 and "pruned 2 events" in pruned.output
    remaining = stored_events(db_app)
    assert [e.subject for e in remaining] == ["kept", "old-but-after-a-kept-one", "recent", "audit"]
    checkpoint = remaining[-1]
    assert (
        checkpoint.action == "audit.prune" and checkpoint.actor == "cli" and checkpoint.details["count"] == 2
    )
    with session_scope(db_app) as s:
        assert list(verify_chain(s)) == []
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "audit trail intact: 4 events" in verified.output
    assert "pruned 0 events" in runner.invoke(args=["audit", "prune", "--apply"]).output

    with session_scope(db_app) as s:  # pruning is no licence to delete: the oldest kept is still guarded
        s.execute(delete(AuditEvent).where(AuditEvent.id == remaining[0].id))
        problems = list(verify_chain(s))
        assert [(p.event_id, "deleted" in p.message) for p in problems] == [(remaining[1].id, True)]


def test_retention_must_be_at_least_a_year() -> None:
    assert load_settings(environ={}).audit.retention_years == 10
    with pytest.raises(ConfigError, match="audit.retention_years: must be at least 1"):
        load_settings(environ={"SCREENING_AUDIT__RETENTION_YEARS": "0"})


def test_a_start_with_changed_settings_is_recorded(db_app: Flask, database_url: str, tmp_path: Path) -> None:
    base = settings_for(database_url, tmp_path)
    changed = replace(
        base,
        screening=replace(base.screening, threshold=0.9),
        app=replace(base.app, secret_key="never-in-the-trail"),
    )
    for settings in (base, base, changed, changed):
        started = create_app(settings)
        started.extensions["screening.batches"].stop()
        get_db(started).engine.dispose()
    with session_scope(db_app) as s:
        recorded = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "config.change")))
    assert [e.details["initial"] for e in recorded] == [True, False]
    assert recorded[0].details["changes"] == {}
    assert recorded[0].details["settings"]["screening.threshold"] == base.screening.threshold
    assert recorded[1].details["changes"] == {
        "screening.threshold": {"old": base.screening.threshold, "new": 0.9}
    }
    assert recorded[1].actor == "system"
    everything = json.dumps([e.details for e in recorded])
    assert "never-in-the-trail" not in everything
    assert "app.secret_key" not in recorded[1].details["settings"]
    with session_scope(db_app) as s:
        assert list(verify_chain(s)) == []


def test_settings_are_not_recorded_before_the_database_is_migrated(tmp_path: Path) -> None:
    started = create_app(settings_for(f"sqlite:///{tmp_path / 'new.sqlite'}", tmp_path))
    engine = get_db(started).engine
    assert not inspect(engine).has_table("audit_event")  # start-up went through, creating nothing
    engine.dispose()


def test_the_recorded_settings_hold_no_secrets() -> None:
    settings = load_settings(environ={"SCREENING_APP__SECRET_KEY": "k" * 40})
    settings = replace(
        settings, database=replace(settings.database, url="postgresql://app:hunter2@db/screening")
    )
    snapshot = settings_snapshot(settings)
    assert "app.secret_key" not in snapshot and "database.password" not in snapshot
    assert snapshot["database.url"] == "postgresql://app:***@db/screening"
    assert snapshot["watchlists.sources.worldbank_debarred.headers.apikey"] == "<redacted>"
    assert snapshot["watchlists.sources.un_sc.min_entries"] == 500 and snapshot["audit.retention_years"] == 10
    assert "k" * 40 not in json.dumps(snapshot) and "hunter2" not in json.dumps(snapshot)
