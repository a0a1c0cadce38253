"""The OpenAPI document matches the real API: every route documented, nothing invented, and
real responses validate against the documented schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import SHARED_DATA
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from service.auth import create_api_key
from service.db import session_scope

UN_FILE = SHARED_DATA / "watchlists" / "un" / "consolidated.xml"
UNDOCUMENTED = {"/api/v1/openapi.json"}  # the document itself


def api_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in UNDOCUMENTED:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def documented(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"
    }


def test_every_route_is_documented_and_nothing_else(app: Flask) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(spec)  # a valid OpenAPI 3.1 document
    assert api_routes(app) == documented(spec)


def check(spec: dict[str, Any], path: str, method: str, response) -> None:  # type: ignore[no-untyped-def]
    """Validate a real response against the documented schema for its status."""
    documented_responses = spec["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in documented_responses, f"{method.upper()} {path} answered undocumented {status}"
    schema = documented_responses[status]["content"]["application/json"]["schema"]
    Draft202012Validator({"components": spec["components"], **schema}).validate(response.get_json())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    if not UN_FILE.exists():
        pytest.skip(f"UN list not found at {UN_FILE}")
    assert app.test_cli_runner().invoke(args=["lists", "import", "un_sc", str(UN_FILE)]).exit_code == 0
    return app.test_client()


def test_real_responses_match_their_schemas(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    with session_scope(app) as s:
        _, key = create_api_key(s, "doc", "officer")
    h = {"Authorization": f"Bearer {key}"}
    screened = client.post(
        "/api/v1/screen", json={"ref": "V-1", "name": "Al Qaida", "owners": [{"name": "X Y"}]}, headers=h
    )
    check(spec, "/api/v1/screen", "post", screened)
    check(
        spec,
        "/api/v1/screen",
        "post",
        client.post("/api/v1/screen", json={"suppliers": [{"name": "Acme"}]}, headers=h),
    )
    check(spec, "/api/v1/screen", "post", client.post("/api/v1/screen", json={"nam": "x"}, headers=h))
    check(spec, "/api/v1/screen", "post", client.post("/api/v1/screen", json={"name": "x"}))
    sid = screened.get_json()["screening_id"]
    check(
        spec, "/api/v1/screenings/{screening_id}", "get", client.get(f"/api/v1/screenings/{sid}", headers=h)
    )
    check(spec, "/api/v1/screenings/{screening_id}", "get", client.get("/api/v1/screenings/none", headers=h))
    compare = {"left": {"name": "Al Qaida"}, "right": {"source": "un_sc", "entry_id": "QDe.004"}}
    check(spec, "/api/v1/compare", "post", client.post("/api/v1/compare", json=compare, headers=h))
    check(spec, "/api/v1/lists", "get", client.get("/api/v1/lists", headers=h))
    check(
        spec, "/api/v1/lists/{source}/versions", "get", client.get("/api/v1/lists/un_sc/versions", headers=h)
    )
    check(
        spec,
        "/api/v1/lists/{source}/versions/{number}/diff",
        "get",
        client.get("/api/v1/lists/un_sc/versions/1/diff", headers=h),
    )
    check(
        spec,
        "/api/v1/lists/{source}/entries/{entry_id}",
        "get",
        client.get("/api/v1/lists/un_sc/entries/QDe.004", headers=h),
    )
    check(spec, "/api/v1/suppliers", "get", client.get("/api/v1/suppliers", headers=h))
    check(
        spec,
        "/api/v1/suppliers/{ref}",
        "put",
        client.put("/api/v1/suppliers/V-2", json={"name": "Orion"}, headers=h),
    )
    check(spec, "/api/v1/suppliers/{ref}", "get", client.get("/api/v1/suppliers/V-1", headers=h))
    check(spec, "/api/v1/suppliers/{ref}", "delete", client.delete("/api/v1/suppliers/V-2", headers=h))
    check(
        spec,
        "/api/v1/screen",
        "post",
        client.post("/api/v1/screen", json={"suppliers": [{"name": "x"}] * 1001}, headers=h),
    )


def test_batch_responses_match_their_schemas(app: Flask, client: FlaskClient) -> None:
    import io

    from service.batches import wait_for

    spec = client.get("/api/v1/openapi.json").get_json()
    with session_scope(app) as s:
        _, key = create_api_key(s, "doc", "officer")
    h = {"Authorization": f"Bearer {key}"}
    csv = b"Supplier name;Country\nAl Qaida;AF\nOrion Textiles;BD\n"
    sent = client.post("/api/v1/batches", data={"file": (io.BytesIO(csv), "b.csv")}, headers=h)
    check(spec, "/api/v1/batches", "post", sent)
    check(
        spec,
        "/api/v1/batches",
        "post",
        client.post("/api/v1/batches", data={"file": (io.BytesIO(b"\x00\x01"), "b.xlsx")}, headers=h),
    )
    assert wait_for(app, sent.get_json()["id"]) == "done"
    check(
        spec,
        "/api/v1/batches/{batch_id}",
        "get",
        client.get(f"/api/v1/batches/{sent.get_json()['id']}", headers=h),
    )
    check(spec, "/api/v1/batches/{batch_id}", "get", client.get("/api/v1/batches/nope", headers=h))
