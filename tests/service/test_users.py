"""Web sign-in: hashed passwords, lockout, CSRF on every form, safe redirects, CLI."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service.db import session_scope
from service.models import User
from service.users import MAX_FAILED_LOGINS, create_user

PASSWORD = "correct horse battery"


def token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form carries a CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token(client), **extra}
    )


def make_user(app: Flask, email: str = "officer@example.org", role: str = "officer") -> None:
    with session_scope(app) as s:
        create_user(s, email, PASSWORD, role)


def test_passwords_are_hashed_and_sign_in_works(db_app: Flask) -> None:
    make_user(db_app)
    with session_scope(db_app) as s:
        user = s.scalars(select(User)).one()
        assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")
    client = db_app.test_client()
    response = sign_in(client, "Officer@Example.org", PASSWORD, next="/readyz")
    assert response.status_code == 302 and response.headers["Location"] == "/readyz"
    assert "officer@example.org" in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token(client, "/")})
    assert "officer@example.org" not in client.get("/").get_data(as_text=True)


def test_wrong_passwords_lock_the_account(db_app: Flask) -> None:
    make_user(db_app)
    client = db_app.test_client()
    for _ in range(MAX_FAILED_LOGINS):
        response = sign_in(client, "officer@example.org", "wrong password!!")
        assert response.status_code == 401 and "wrong e-mail or password" in response.get_data(as_text=True)
    locked = sign_in(client, "officer@example.org", PASSWORD)
    assert locked.status_code == 401 and "locked" in locked.get_data(as_text=True)
    unknown = sign_in(client, "nobody@example.org", PASSWORD)
    assert unknown.status_code == 401 and "wrong e-mail or password" in unknown.get_data(as_text=True)


def test_forms_without_the_csrf_token_are_refused(db_app: Flask) -> None:
    make_user(db_app)
    client = db_app.test_client()
    client.get("/login")
    response = client.post("/login", data={"email": "officer@example.org", "password": PASSWORD})
    assert response.status_code == 400 and "form expired" in response.get_json()["error"]["message"]
    forged = client.post(
        "/login", data={"email": "officer@example.org", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status_code == 400


def test_redirect_after_sign_in_stays_on_this_site(db_app: Flask) -> None:
    make_user(db_app)
    response = sign_in(db_app.test_client(), "officer@example.org", PASSWORD, next="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_session_cookie_flags(db_app: Flask) -> None:
    make_user(db_app)
    response = sign_in(db_app.test_client(), "officer@example.org", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_users_cli(app: Flask) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["users", "create", "rev@example.org", "--role", "reviewer"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert created.exit_code == 0 and "created rev@example.org (reviewer)" in created.output
    again = runner.invoke(
        args=["users", "create", "rev@example.org", "--role", "reviewer", "--password", PASSWORD]
    )
    assert again.exit_code == 2 and "already exists" in again.output
    short = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "reviewer", "--password", "short"]
    )
    assert short.exit_code == 2 and "at least 12 characters" in short.output


def test_admins_manage_api_keys_on_a_page(db_app: Flask) -> None:
    make_user(db_app, "admin@example.org", "admin")
    make_user(db_app, "officer@example.org", "officer")
    officer = db_app.test_client()
    sign_in(officer, "officer@example.org", PASSWORD)
    assert officer.get("/admin/apikeys").status_code == 403
    admin = db_app.test_client()
    sign_in(admin, "admin@example.org", PASSWORD)
    form = token(admin, "/admin/apikeys")
    page = admin.post(
        "/admin/apikeys",
        data={"name": "ERP", "role": "officer", "expires_in_days": "90", "csrf_token": form},
        follow_redirects=True,
    )
    text = page.get_data(as_text=True)
    key = re.search(r'<code id="new-key">(sk_[^<]+)</code>', text).group(1)
    assert "ERP" in text and "active" in text
    assert (
        db_app.test_client().get("/api/v1/lists", headers={"Authorization": f"Bearer {key}"}).status_code
        == 200
    )
    again = admin.get("/admin/apikeys").get_data(as_text=True)
    assert key not in again  # shown once
    prefix = key.split("_")[1]
    admin.post(f"/admin/apikeys/{prefix}/revoke", data={"csrf_token": form})
    assert (
        db_app.test_client().get("/api/v1/lists", headers={"Authorization": f"Bearer {key}"}).status_code
        == 401
    )
