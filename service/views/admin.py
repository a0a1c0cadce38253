"""Administration pages (admin role): API keys for calling systems."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, get_flashed_messages, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from service.audit import record_event
from service.auth import create_api_key, revoke_api_key
from service.config import ROLES
from service.db import get_session
from service.models import ApiKey, utcnow
from service.users import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


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
