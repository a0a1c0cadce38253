"""Web users: accounts, password checks with lockout, the signed-in user, CSRF tokens.

Passwords are hashed with scrypt (werkzeug). After `MAX_FAILED_LOGINS` wrong passwords in a
row an account is locked for `LOCKOUT_TIME`; the error never says whether the e-mail exists.
Every form carries a CSRF token bound to the session (`csrf_token()` in templates); POSTs
without the right one are refused.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from service.config import ROLES
from service.db import get_session
from service.models import User, utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT_TIME = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
F = TypeVar("F", bound=Callable[..., Any])


class LoginError(Exception):
    """Wrong e-mail or password, or a locked or inactive account (message safe to show)."""


def create_user(session: Session, email: str, password: str, role: str) -> User:
    """Add a user; ValueError for a bad role, a short password or a taken e-mail."""
    email = email.strip().lower()
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if "@" not in email:
        raise ValueError(f"not an e-mail address: {email!r}")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise ValueError(f"a user {email} already exists")
    user = User(email=email, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate_user(session: Session, email: str, password: str) -> User:
    """The user whose credentials these are; LoginError otherwise (counting failures)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    now = utcnow()
    if user is None or not user.active:
        generate_password_hash(password)  # same work either way: no timing hint that it exists
        raise LoginError("wrong e-mail or password")
    if user.locked_until and user.locked_until > now:
        raise LoginError("too many failed attempts: the account is locked for a while; try again later")
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT_TIME, 0
        raise LoginError("wrong e-mail or password")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    return user


def current_user() -> User | None:
    """The signed-in user of this request, if any."""
    if "user" not in g:
        user_id = session.get("user_id")
        g.user = get_session().get(User, user_id) if user_id else None
        if g.user is not None and not g.user.active:
            g.user = None
    user: User | None = g.user
    return user


def login_required(*roles: str) -> Callable[[F], F]:
    """Page decorator: sign-in required; with `roles`, one of them (admin may do anything)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and user.role not in roles and user.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = ("login", roles)  # type: ignore[attr-defined]  # read by the route-table test
        return wrapper  # type: ignore[return-value]

    return decorator


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    token: str = session["csrf"]
    return token


def check_csrf() -> None:
    """Refuse a state-changing form request whose token does not match the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith("/api/"):
        return  # the API authenticates every call with a key, not a cookie
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(
            400, description="the form expired or did not come from this site; reload the page and try again"
        )
