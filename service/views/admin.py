"""Administration pages (admin role): API keys for calling systems, and web users.

Every change is an audit event with the signed-in admin as its actor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, get_flashed_messages, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.audit import record_event
from service.auth import create_api_key, revoke_api_key
from service.config import ROLES
from service.db import get_session
from service.models import ApiKey, User, utcnow
from service.users import (
    MIN_PASSWORD_LENGTH,
    UserAdminError,
    change_role,
    create_user,
    current_user,
    login_required,
    set_active,
    unlock_user,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")
DONE = {
    "user.role": "role changed",
    "user.deactivate": "deactivated",
    "user.reactivate": "reactivated",
    "user.unlock": "unlocked",
}


def _actor() -> str:
    user = current_user()
    return f"user:{user.email}" if user else "unknown"


@bp.get("/apikeys")
@login_required("admin")
def apikeys() -> str:
    """Every key (never its secret), with its role, state and last use."""
    keys = list(get_session().scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))
    created = get_flashed_messages(category_filter=["new_key"])
    return render_template("admin_apikeys.html", keys=keys, roles=ROLES, now=utcnow(), created=created)


@bp.post("/apikeys")
@login_required("admin")
def create_key() -> Response:
    """Create a key; its secret is shown once, on the next page."""
    name = request.form.get("name", "").strip()
    role = request.form.get("role", "")
    days = request.form.get("expires_in_days", "").strip()
    if not name or role not in ROLES or (days and not days.isdigit()):
        flash("Give the key a name, a role and, optionally, a number of days until it expires.", "error")
        return redirect(url_for("admin.apikeys"))
    expires = utcnow() + timedelta(days=int(days)) if days else None
    session = get_session()
    key, plaintext = create_api_key(session, name, role, expires)
    record_event(session, _actor(), "apikey.create", subject=key.prefix, details={"name": name, "role": role})
    session.commit()
    flash(plaintext, "new_key")
    return redirect(url_for("admin.apikeys"))


@bp.post("/apikeys/<prefix>/revoke")
@login_required("admin")
def revoke_key(prefix: str) -> Response:
    """Revoke a key at once."""
    session = get_session()
    if revoke_api_key(session, prefix) is None:
        flash(f"No key {prefix}.", "error")
    else:
        record_event(session, _actor(), "apikey.revoke", subject=prefix)
    session.commit()
    return redirect(url_for("admin.apikeys"))


@bp.get("/users")
@login_required("admin")
def users() -> str:
    """Every web user: role, state, last sign-in, lockout; forms to change them."""
    rows = list(get_session().scalars(select(User).order_by(User.email)))
    return render_template(
        "admin_users.html",
        users=rows,
        roles=ROLES,
        now=utcnow(),
        me=current_user(),
        min_password=MIN_PASSWORD_LENGTH,
    )


@bp.post("/users")
@login_required("admin")
def create_user_account() -> Response:
    """Create a user with an initial password (checked for length and guessability)."""
    session = get_session()
    form = request.form
    try:
        user = create_user(session, form.get("email", ""), form.get("password", ""), form.get("role", ""))
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.users"))
    record_event(session, _actor(), "user.create", subject=user.email, details={"role": user.role})
    session.commit()
    flash(f"Created {user.email} ({user.role}).", "done")
    return redirect(url_for("admin.users"))


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _admin() -> User:
    admin = current_user()
    assert admin is not None  # login_required ran first
    return admin


@bp.post("/users/<int:user_id>/role")
@login_required("admin")
def change_user_role(user_id: int) -> Response:
    """Give a user another role (the last active admin keeps theirs)."""
    user, role = _user_or_404(user_id), request.form.get("role", "")
    return _apply(user, "user.role", lambda s: {"old": change_role(s, user, role), "new": role})


@bp.post("/users/<int:user_id>/deactivate")
@login_required("admin")
def deactivate_user(user_id: int) -> Response:
    """Sign a user out for good (never oneself, never the last active admin)."""
    user = _user_or_404(user_id)
    return _apply(user, "user.deactivate", lambda s: set_active(s, _admin(), user, False))


@bp.post("/users/<int:user_id>/reactivate")
@login_required("admin")
def reactivate_user(user_id: int) -> Response:
    """Let a deactivated user sign in again."""
    user = _user_or_404(user_id)
    return _apply(user, "user.reactivate", lambda s: set_active(s, _admin(), user, True))


@bp.post("/users/<int:user_id>/unlock")
@login_required("admin")
def unlock_user_account(user_id: int) -> Response:
    """Lift a lockout after failed sign-ins."""
    user = _user_or_404(user_id)
    return _apply(user, "user.unlock", lambda s: unlock_user(user))


def _apply(user: User, action: str, change: Callable[[Session], dict[str, Any] | None]) -> Response:
    """Make one change to `user`, record it with the admin as actor, commit once."""
    session = get_session()
    try:
        details = change(session) or {}
    except UserAdminError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.users"))
    record_event(session, _actor(), action, subject=user.email, details=details)
    session.commit()
    flash(f"{user.email}: {DONE[action]}.", "done")
    return redirect(url_for("admin.users"))
