"""Liveness and readiness probes."""

from __future__ import annotations

from pathlib import Path

from conftest import _make_app, settings_for
from factories import make_entry
from flask import Flask

from service import create_app
from service.db import get_db, session_scope
from service.store import store_snapshot
from watchlists import Snapshot


def test_healthz_is_up_without_a_database(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'never-migrated.sqlite'}", tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_needs_migrations_and_a_loaded_list(db_app: Flask) -> None:
    client = db_app.test_client()
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert body["checks"]["lists"]["ok"] is False
    with session_scope(db_app) as s:
        store_snapshot(s, Snapshot("un_sc", (make_entry("A"),), "2026-05-08", "c"), origin="test")
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ready"
    un = body["checks"]["lists"]["sources"][0]
    assert un["source"] == "un_sc" and un["version"] == 1 and un["age_hours"] < 1


def test_readyz_reports_unmigrated_database(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'empty.sqlite'}", tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    migrations = body["checks"]["migrations"]
    assert migrations["ok"] is False and migrations["current"] is None and migrations["head"]
    get_db(app).engine.dispose()


def test_request_id_is_echoed_or_generated(tmp_path: Path) -> None:
    app = _make_app(f"sqlite:///{tmp_path / 't.sqlite'}", tmp_path)
    client = app.test_client()
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32
