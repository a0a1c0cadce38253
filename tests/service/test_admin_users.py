"""The users page: admins create users, change roles, deactivate, reactivate and unlock; each
change is an audit event naming the admin; nobody removes the last active admin. Real sign-in
through the form, CSRF tokens from the page. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from web_support import PASSWORD, make_user, sign_in, signed_in, token

from service.audit import verify_chain
from service.db import session_scope
from service.models import AuditEvent, User
from service.users import MAX_FAILED_LOGINS, check_password

ADMIN = "admin@example.org"


def user(app: Flask, email: str) -> User:
    with session_scope(app) as s:
        found = s.scalar(select(User).where(User.email == email))
        assert found is not None
        return found


def events(app: Flask, prefix: str = "user.") -> list[tuple[str, str, str | None, dict[str, object]]]:
    with session_scope(app) as s:
        rows = s.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
        )
        return [(e.actor, e.action, e.subject, e.details) for e in rows]


def post(client: FlaskClient, path: str, **form: str) -> str:
    """Submit a form on the users page; the page shown after it."""
    response = client.post(path, data={"csrf_token": token(client, "/admin/users"), **form})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def admin(db_app: Flask) -> FlaskClient:
    make_user(db_app, ADMIN, "admin")
    return signed_in(db_app, ADMIN)


def test_admin_creates_a_user_who_can_sign_in(db_app: Flask, admin: FlaskClient) -> None:
    page = post(admin, "/admin/users", email="Rev@Example.org", role="reviewer", password="short")
    assert "at least 12 characters" in page
    page = post(admin, "/admin/users", email="rev@example.org", role="reviewer", password="Password1234!")
    assert "too easy to guess" in page
    page = post(admin, "/admin/users", email="rev@example.org", role="reviewer", password=PASSWORD)
    assert "Created rev@example.org (reviewer)" in page and 'data-user="rev@example.org"' in page
    assert "already exists" in post(
        admin, "/admin/users", email="rev@example.org", role="officer", password=PASSWORD
    )
    assert events(db_app) == [(f"user:{ADMIN}", "user.create", "rev@example.org", {"role": "reviewer"})]
    assert sign_in(db_app.test_client(), "rev@example.org").status_code == 302


def test_role_changes_take_effect_at_once_and_are_recorded(db_app: Flask, admin: FlaskClient) -> None:
    make_user(db_app, "someone@example.org", "officer")
    someone = signed_in(db_app, "someone@example.org")
    assert someone.get("/admin/users").status_code == 403
    target = user(db_app, "someone@example.org").id
    page = post(admin, f"/admin/users/{target}/role", role="admin")
    assert "someone@example.org: role changed" in page
    assert someone.get("/admin/users").status_code == 200  # the next request already sees it
    assert "unknown role" in post(admin, f"/admin/users/{target}/role", role="superuser")
    assert events(db_app) == [
        (f"user:{ADMIN}", "user.role", "someone@example.org", {"old": "officer", "new": "admin"})
    ]


def test_deactivated_users_are_signed_out_and_can_come_back(db_app: Flask, admin: FlaskClient) -> None:
    make_user(db_app, "leaver@example.org", "approver")
    leaver = signed_in(db_app, "leaver@example.org")
    target = user(db_app, "leaver@example.org").id
    assert "leaver@example.org: deactivated" in post(admin, f"/admin/users/{target}/deactivate")
    assert leaver.get("/batches/new").status_code == 302  # signed out: back to the sign-in page
    assert sign_in(db_app.test_client(), "leaver@example.org").status_code == 401
    assert "reactivated" in post(admin, f"/admin/users/{target}/reactivate")
    assert sign_in(db_app.test_client(), "leaver@example.org").status_code == 302
    actions = [(actor, action, subject) for actor, action, subject, _ in events(db_app)]
    assert actions == [
        (f"user:{ADMIN}", "user.deactivate", "leaver@example.org"),
        (f"user:{ADMIN}", "user.reactivate", "leaver@example.org"),
    ]


def test_admin_unlocks_a_locked_account(db_app: Flask, admin: FlaskClient) -> None:
    make_user(db_app, "typo@example.org", "officer")
    for _ in range(MAX_FAILED_LOGINS):
        sign_in(db_app.test_client(), "typo@example.org", "wrong password!!")
    assert sign_in(db_app.test_client(), "typo@example.org").status_code == 401
    page = admin.get("/admin/users").get_data(as_text=True)
    target = user(db_app, "typo@example.org").id
    assert f"/admin/users/{target}/unlock" in page
    assert "typo@example.org: unlocked" in post(admin, f"/admin/users/{target}/unlock")
    assert sign_in(db_app.test_client(), "typo@example.org").status_code == 302
    assert events(db_app)[-1][:3] == (f"user:{ADMIN}", "user.unlock", "typo@example.org")


def test_nobody_removes_the_last_active_admin(db_app: Flask, admin: FlaskClient) -> None:
    me = user(db_app, ADMIN).id
    assert "cannot deactivate yourself" in post(admin, f"/admin/users/{me}/deactivate")
    assert "last active admin" in post(admin, f"/admin/users/{me}/role", role="officer")
    assert user(db_app, ADMIN).role == "admin" and user(db_app, ADMIN).active
    make_user(db_app, "second@example.org", "admin")
    second = user(db_app, "second@example.org").id
    assert "deactivated" in post(admin, f"/admin/users/{second}/deactivate")
    assert "last active admin" in post(admin, f"/admin/users/{me}/role", role="officer")
    post(admin, f"/admin/users/{second}/reactivate")
    form = {"csrf_token": token(admin, "/admin/users"), "role": "officer"}  # now another admin exists
    assert admin.post(f"/admin/users/{me}/role", data=form).status_code == 302
    assert admin.get("/admin/users").status_code == 403
    assert [action for _, action, _, _ in events(db_app)] == [
        "user.deactivate",
        "user.reactivate",
        "user.role",
    ]
    with session_scope(db_app) as s:
        assert list(verify_chain(s)) == []


def test_forms_need_the_csrf_token_and_the_admin_role(db_app: Flask, admin: FlaskClient) -> None:
    make_user(db_app, "officer@example.org", "officer")
    target = user(db_app, "officer@example.org").id
    refused = admin.post(f"/admin/users/{target}/deactivate")
    assert refused.status_code == 400 and user(db_app, "officer@example.org").active
    assert admin.post("/admin/users", data={"email": "x@example.org", "role": "admin"}).status_code == 400
    officer = signed_in(db_app, "officer@example.org")
    form = token(officer, "/")
    assert officer.get("/admin/users").status_code == 403
    assert (
        officer.post(f"/admin/users/{target}/role", data={"csrf_token": form, "role": "admin"}).status_code
        == 403
    )
    assert user(db_app, "officer@example.org").role == "officer"
    assert db_app.test_client().get("/admin/users").status_code == 302  # not signed in: to the sign-in page
    assert (
        admin.post(
            "/admin/users/999999/unlock", data={"csrf_token": token(admin, "/admin/users")}
        ).status_code
        == 404
    )
    assert events(db_app) == []


def test_admin_sees_the_links_in_the_navigation(db_app: Flask, admin: FlaskClient) -> None:
    page = admin.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in page and 'href="/admin/audit"' in page
    make_user(db_app, "officer@example.org", "officer")
    assert 'href="/admin/users"' not in signed_in(db_app, "officer@example.org").get("/").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 12"),
        ("aaaaaaaaaaaaaaa", "different characters"),
        ("123456789012", "too easy"),
        ("Tulip-Orbit-42", None),
        ("Password2024!", "too easy"),
        ("jane.doe-winter-22", "e-mail"),
        ("correct horse battery", None),
    ],
)
def test_password_checks(password: str, problem: str | None) -> None:
    if problem is None:
        check_password(password, "jane.doe@example.org")
    else:
        with pytest.raises(ValueError, match=problem):
            check_password(password, "jane.doe@example.org")
