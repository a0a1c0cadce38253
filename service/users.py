"""Web users: accounts, password checks with lockout, the signed-in user, CSRF tokens.

Passwords are hashed with scrypt (werkzeug). After `MAX_FAILED_LOGINS` wrong passwords in a
row an account is locked for `LOCKOUT_TIME`; the error never says whether the e-mail exists.
Every form carries a CSRF token bound to the session (`csrf_token()` in templates); POSTs
without the right one are refused.
"""

from __future__ import annotations

import functools
import hmac
import re
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
MIN_DISTINCT_CHARACTERS = 6
# Passwords made of one of these words plus digits or symbols are the first ones guessed.
COMMON_WORDS = frozenset(
    {"password", "passwort", "motdepasse", "qwerty", "qwertyuiop", "azerty", "letmein", "welcome",
     "admin", "administrator", "changeme", "iloveyou", "secret", "abc", "abcdef", "abcdefgh"}
)  # fmt: skip
F = TypeVar("F", bound=Callable[..., Any])


class LoginError(Exception):
    """Wrong e-mail or password, or a locked or inactive account (message safe to show)."""


class UserAdminError(ValueError):
    """A change to a user that is not allowed (message safe to show)."""


def check_password(password: str, email: str = "") -> None:
    """ValueError saying why `password` is too weak: too short, too uniform, or guessable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        raise ValueError(f"the password must use at least {MIN_DISTINCT_CHARACTERS} different characters")
    letters = re.sub(r"[^a-z]", "", password.lower())
    if not letters or letters in COMMON_WORDS:
        raise ValueError("the password is too easy to guess: use a few unrelated words")
    name = email.split("@", 1)[0].lower()
    if len(name) >= 3 and name in password.lower():
        raise ValueError("the password must not contain the e-mail address")


def create_user(session: Session, email: str, password: str, role: str) -> User:
    """Add a user; ValueError for a bad role, a weak password or a taken e-mail."""
    email = email.strip().lower()
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    check_password(password, email)
    if "@" not in email:
        raise ValueError(f"not an e-mail address: {email!r}")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise ValueError(f"a user {email} already exists")
    user = User(email=email, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def change_role(session: Session, user: User, role: str) -> str:
    """Give `user` another role; returns the old one."""
    if role not in ROLES:
        raise UserAdminError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if user.role == "admin" and role != "admin":
        _keep_an_admin(session, user)
    old, user.role = user.role, role
    return old


def set_active(session: Session, admin: User, user: User, active: bool) -> None:
    """Deactivate (signed out at once, cannot sign in) or reactivate `user`."""
    if not active and user.id == admin.id:
        raise UserAdminError("you cannot deactivate yourself; ask another admin")
    if not active and user.role == "admin":
        _keep_an_admin(session, user)
    user.active = active


def unlock_user(user: User) -> None:
    """Lift a lockout after failed sign-ins."""
    user.locked_until, user.failed_logins = None, 0


def _keep_an_admin(session: Session, leaving: User) -> None:
    """Refuse to take away the last active admin (rows locked: two admins cannot race)."""
    stmt = select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()
    if not set(session.scalars(stmt)) - {leaving.id}:
        raise UserAdminError(f"{leaving.email} is the last active admin; make another user admin first")


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


def signed_in_user() -> User:
    """The signed-in user, in a view behind `login_required` (which has turned others away)."""
    user = current_user()
    assert user is not None, "login_required runs first"
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
