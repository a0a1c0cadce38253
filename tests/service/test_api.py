"""The JSON API through Flask's test client, on the real UN list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import SHARED_DATA, _make_app
from flask import Flask
from flask.testing import FlaskClient

from service.auth import create_api_key
from service.db import get_db, session_scope
from service.models import utcnow

UN_FILE = SHARED_DATA / "watchlists" / "un" / "consolidated.xml"


@pytest.fixture(scope="module")
def un_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app with the real UN list imported through the CLI (shared by this module)."""
    if not UN_FILE.exists():
        pytest.skip(f"UN list not found at {UN_FILE}")
    tmp = tmp_path_factory.mktemp("api")
    app = _make_app(f"sqlite:///{tmp / 'api.sqlite'}", tmp)
    result = app.test_cli_runner().invoke(args=["lists", "import", "un_sc", str(UN_FILE)])
    assert result.exit_code == 0, result.output
    yield app
    get_db(app).engine.dispose()


@pytest.fixture
def api(un_app: Flask) -> FlaskClient:
    return un_app.test_client()


def new_key(app: Flask, role: str = "officer", **kw) -> str:
    with session_scope(app) as s:
        _, plaintext = create_api_key(s, "test system", role, **kw)
    return plaintext


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_al_qaida_alerts_on_QDe004_with_an_explanation(api: FlaskClient, un_app: Flask) -> None:
    body = {"name": "Al Qaida", "kind": "organization", "country": None}
    response = api.post("/api/v1/screen", json=body, headers=auth(new_key(un_app)))
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["decision"] == "alert"
    top = data["matches"][0]
    assert (top["source"], top["entry_id"]) == ("un_sc", "QDe.004")
    assert 0.88 <= top["score"] <= 1.0
    assert top["explanation"]["summary"]
    assert top["explanation"]["features"]
    assert [lst["source"] for lst in data["lists"]] == ["un_sc"]
    assert data["lists"][0]["as_of"].startswith("2026-05-08")
    assert data["algorithm"]["name"] and data["screening_id"]
    assert response.headers["X-Request-ID"]


def test_unrelated_supplier_is_clear(api: FlaskClient, un_app: Flask) -> None:
    body = {"name": "Acme Stationery Supplies Ltd", "kind": "organization", "country": "GB"}
    data = api.post("/api/v1/screen", json=body, headers=auth(new_key(un_app))).get_json()
    assert data["decision"] == "clear" and data["matches"] == []


def test_the_screening_is_recorded_and_retrievable(api: FlaskClient, un_app: Flask) -> None:
    key = new_key(un_app)
    screened = api.post("/api/v1/screen", json={"name": "Al Qaida"}, headers=auth(key)).get_json()
    stored = api.get(f"/api/v1/screenings/{screened['screening_id']}", headers=auth(key)).get_json()
    assert stored["request"] == {"name": "Al Qaida"}
    assert stored["response"]["results"][0]["matches"][0]["entry_id"] == "QDe.004"
    assert stored["lists"] == screened["lists"]
    assert stored["actor"].startswith("apikey:") and stored["channel"] == "api"
    assert api.get("/api/v1/screenings/nope", headers=auth(key)).status_code == 404


def test_batch_screening_answers_per_supplier(api: FlaskClient, un_app: Flask) -> None:
    body = {
        "suppliers": [
            {"ref": "V-1", "name": "Al Qaida"},
            {"ref": "V-2", "name": "Acme Stationery Supplies Ltd"},
        ]
    }
    data = api.post("/api/v1/screen", json=body, headers=auth(new_key(un_app))).get_json()
    assert [(r["ref"], r["decision"]) for r in data["results"]] == [("V-1", "alert"), ("V-2", "clear")]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer sk_nothere_xyz"}, {"Authorization": "Basic dXNlcjpwdw=="}],
    ids=["missing", "unknown", "wrong-scheme"],
)
def test_without_a_valid_key_the_answer_is_401(api: FlaskClient, headers: dict[str, str]) -> None:
    response = api.post("/api/v1/screen", json={"name": "Al Qaida"}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_revoked_and_expired_keys_are_refused(api: FlaskClient, un_app: Flask) -> None:
    from datetime import timedelta

    expired = new_key(un_app, expires_at=utcnow() - timedelta(seconds=1))
    assert api.post("/api/v1/screen", json={"name": "x"}, headers=auth(expired)).status_code == 401
    key = new_key(un_app)
    runner = un_app.test_cli_runner()
    assert runner.invoke(args=["apikeys", "revoke", key]).exit_code == 0
    response = api.post("/api/v1/screen", json={"name": "x"}, headers=auth(key))
    assert response.status_code == 401 and "revoked" in response.get_json()["error"]["message"]


def test_a_body_that_is_not_json_is_400(api: FlaskClient, un_app: Flask) -> None:
    key = new_key(un_app)
    response = api.post("/api/v1/screen", data="name=Al Qaida", headers=auth(key))
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]["message"]
    response = api.post(
        "/api/v1/screen", data="{broken", headers={**auth(key), "Content-Type": "application/json"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "organization"}, "name"),
        ({"name": ""}, "name"),
        ({"name": 42}, "name"),
        ({"name": "X", "kind": "spaceship"}, "kind"),
        ({"name": "X", "country": "Atlantis"}, "country"),
        ({"name": "X", "colour": "red"}, "colour"),
        ({"suppliers": [{"name": "ok"}, {"nam": "typo"}]}, "suppliers[1].name"),
    ],
)
def test_bad_fields_are_400_naming_the_field(api: FlaskClient, un_app: Flask, body: dict, field: str) -> None:
    response = api.post("/api/v1/screen", json=body, headers=auth(new_key(un_app)))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in [d["field"] for d in error["details"]]


def test_country_names_are_accepted_as_iso_codes(api: FlaskClient, un_app: Flask) -> None:
    response = api.post(
        "/api/v1/screen", json={"name": "Acme", "country": "France"}, headers=auth(new_key(un_app))
    )
    assert response.status_code == 200
    stored = api.get(
        f"/api/v1/screenings/{response.get_json()['screening_id']}", headers=auth(new_key(un_app))
    )
    assert stored.status_code == 200


def test_batch_over_the_limit_is_413_naming_the_limit(api: FlaskClient, un_app: Flask) -> None:
    body = {"suppliers": [{"name": f"Supplier {i}"} for i in range(1001)]}
    response = api.post("/api/v1/screen", json=body, headers=auth(new_key(un_app)))
    assert response.status_code == 413
    assert response.get_json()["error"]["details"] == {"limit": 1000}


def test_lists_endpoint_reports_the_loaded_version(api: FlaskClient, un_app: Flask) -> None:
    data = api.get("/api/v1/lists", headers=auth(new_key(un_app))).get_json()
    un = next(s for s in data["sources"] if s["source"] == "un_sc")
    assert un["status"] == "ok" and un["version"] == 1 and un["entry_count"] == 1009


def test_unknown_route_answers_json_404(api: FlaskClient) -> None:
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_no_list_loaded_means_503_never_clear(app: Flask) -> None:
    key = new_key(app)
    response = app.test_client().post("/api/v1/screen", json={"name": "Al Qaida"}, headers=auth(key))
    assert response.status_code == 503
    assert "no watchlist is loaded" in response.get_json()["error"]["message"]


def test_owners_are_screened_as_persons(api: FlaskClient, un_app: Flask) -> None:
    body = {
        "name": "Acme Stationery Supplies Ltd",
        "owners": [{"name": "Aiman Muhammed Rabi al-Zawahiri", "role": "director"}],
    }
    data = api.post("/api/v1/screen", json=body, headers=auth(new_key(un_app))).get_json()
    assert data["decision"] == "alert"
    top = data["matches"][0]
    assert top["kind"] == "person" and top["entry_id"].startswith("QDi.")
    assert top["matched_via"] == {"owner": "Aiman Muhammed Rabi al-Zawahiri"}


def test_compare_explains_why_a_pair_matches_or_not(api: FlaskClient, un_app: Flask) -> None:
    key = new_key(un_app)
    inline = {
        "left": {"name": "Al Qaida", "kind": "organization"},
        "right": {"name": "AL-QAIDA", "kind": "organization"},
    }
    data = api.post("/api/v1/compare", json=inline, headers=auth(key)).get_json()
    assert data["match"] is True and data["score"] >= 0.88
    assert data["summary"] and data["features"] and data["algorithm"]["name"]
    listed = {
        "left": {"name": "Acme Stationery Supplies Ltd"},
        "right": {"source": "un_sc", "entry_id": "QDe.004"},
    }
    data = api.post("/api/v1/compare", json=listed, headers=auth(key)).get_json()
    assert data["match"] is False and data["score"] < 0.88 and data["summary"]
    missing = api.post(
        "/api/v1/compare",
        json={"left": {"name": "x"}, "right": {"source": "un_sc", "entry_id": "nope"}},
        headers=auth(key),
    )
    assert missing.status_code == 404
    bad = api.post("/api/v1/compare", json={"left": {"nam": "x"}, "right": {"name": "y"}}, headers=auth(key))
    assert bad.status_code == 400 and bad.get_json()["error"]["details"][0]["field"] == "left.name"
    assert api.post("/api/v1/compare", json={"left": {"name": "x"}}, headers=auth(key)).status_code == 400


def test_rate_limit_per_key_answers_429_with_retry_after(api: FlaskClient, un_app: Flask) -> None:
    from service.ratelimit import RateLimiter

    original = un_app.extensions["screening.ratelimit"]
    un_app.extensions["screening.ratelimit"] = RateLimiter(per_minute=3)
    try:
        key, other = new_key(un_app), new_key(un_app)
        codes = [api.get("/api/v1/lists", headers=auth(key)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = api.get("/api/v1/lists", headers=auth(key))
        assert (
            limited.get_json()["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
        )
        assert api.get("/api/v1/lists", headers=auth(other)).status_code == 200  # per key
    finally:
        un_app.extensions["screening.ratelimit"] = original
