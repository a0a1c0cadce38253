"""The supplier registry and idempotent findings through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from conftest import SHARED_DATA
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from service.auth import create_api_key
from service.db import session_scope
from service.models import Finding

UN_FILE = SHARED_DATA / "watchlists" / "un" / "consolidated.xml"


@pytest.fixture
def api(db_app: Flask) -> tuple[FlaskClient, dict[str, str]]:
    if not UN_FILE.exists():
        pytest.skip(f"UN list not found at {UN_FILE}")
    assert db_app.test_cli_runner().invoke(args=["lists", "import", "un_sc", str(UN_FILE)]).exit_code == 0
    with session_scope(db_app) as s:
        _, key = create_api_key(s, "erp", "officer")
    return db_app.test_client(), {"Authorization": f"Bearer {key}"}


def findings(app: Flask) -> list[tuple[str, str, str]]:
    with session_scope(app) as s:
        return [
            (f.entry_id, f.status, f.supplier.ref) for f in s.scalars(select(Finding).order_by(Finding.id))
        ]


def test_screening_with_a_ref_registers_the_supplier_and_its_findings_once(db_app: Flask, api) -> None:
    client, headers = api
    body = {"ref": "V-0042", "name": "Al Qaida", "kind": "organization", "country": "AF"}
    first = client.post("/api/v1/screen", json=body, headers=headers).get_json()
    finding_id = first["matches"][0]["finding_id"]
    second = client.post("/api/v1/screen", json=body, headers=headers).get_json()
    assert second["matches"][0]["finding_id"] == finding_id  # same supplier, same entry: same finding
    assert findings(db_app) == [("QDe.004", "new", "V-0042")]
    shown = client.get("/api/v1/suppliers/V-0042", headers=headers).get_json()
    assert shown["name"] == "Al Qaida" and shown["country"] == "AF" and shown["last_screened_at"]
    assert [(f["entry_id"], f["status"], f["screening_id"]) for f in shown["findings"]] == [
        ("QDe.004", "new", second["screening_id"])
    ]
    assert shown["findings"][0]["listed_name"]
    stored = client.get(f"/api/v1/screenings/{second['screening_id']}", headers=headers).get_json()
    assert stored["response"]["results"][0]["matches"][0]["finding_id"] == finding_id


def test_a_dismissed_finding_stays_dismissed_until_the_supplier_changes(db_app: Flask, api) -> None:
    client, headers = api
    body = {"ref": "V-7", "name": "Al Qaida"}
    client.post("/api/v1/screen", json=body, headers=headers)
    with session_scope(db_app) as s:
        s.execute(update(Finding).values(status="dismissed"))
    client.post("/api/v1/screen", json=body, headers=headers)
    assert findings(db_app) == [("QDe.004", "dismissed", "V-7")]
    client.post("/api/v1/screen", json={**body, "other_names": ["The Base"]}, headers=headers)
    with session_scope(db_app) as s:
        finding = s.scalars(select(Finding)).one()
        assert finding.status == "changed"
        assert finding.explanation["reopened"] == ["supplier's screened fields"]
        assert s.scalar(select(func.count()).select_from(Finding)) == 1


def test_supplier_registry_routes(db_app: Flask, api) -> None:
    client, headers = api
    created = client.put(
        "/api/v1/suppliers/V-1", json={"name": "Orion Textiles", "country": "Bangladesh"}, headers=headers
    )
    assert created.status_code == 201 and created.get_json()["country"] == "BD"
    updated = client.put(
        "/api/v1/suppliers/V-1", json={"name": "Orion Textiles Ltd", "country": "BD"}, headers=headers
    )
    assert updated.status_code == 200 and updated.get_json()["name"] == "Orion Textiles Ltd"
    client.put("/api/v1/suppliers/V-2", json={"name": "Zenith Maritime"}, headers=headers)
    page = client.get("/api/v1/suppliers?q=orion", headers=headers).get_json()
    assert page["total"] == 1 and page["suppliers"][0]["ref"] == "V-1"
    assert client.delete("/api/v1/suppliers/V-2", headers=headers).get_json()["archived"] is True
    assert [s["ref"] for s in client.get("/api/v1/suppliers", headers=headers).get_json()["suppliers"]] == [
        "V-1"
    ]
    everything = client.get("/api/v1/suppliers?archived=true", headers=headers).get_json()
    assert [s["ref"] for s in everything["suppliers"]] == ["V-1", "V-2"]
    assert client.get("/api/v1/suppliers/V-2", headers=headers).get_json()["archived"] is True  # history kept
    assert client.get("/api/v1/suppliers/nope", headers=headers).status_code == 404
    mismatch = client.put("/api/v1/suppliers/V-1", json={"ref": "V-9", "name": "x"}, headers=headers)
    assert mismatch.status_code == 400 and mismatch.get_json()["error"]["details"][0]["field"] == "ref"
    missing = client.put("/api/v1/suppliers/V-3", json={"country": "FR"}, headers=headers)
    assert missing.status_code == 400 and missing.get_json()["error"]["details"][0]["field"] == "name"
    assert client.get("/api/v1/suppliers?limit=x", headers=headers).status_code == 400
