"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from service.audit import record_event
from service.db import get_session
from service.users import LoginError, authenticate_user

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after signing in."""
    if not target:
        return url_for("pages.index")
    parts = urlsplit(target)
    return (
        target if not parts.scheme and not parts.netloc and target.startswith("/") else url_for("pages.index")
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in with e-mail and password."""
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    db = get_session()
    try:
        user = authenticate_user(db, request.form.get("email", ""), request.form.get("password", ""))
    except LoginError as exc:
        record_event(db, f"user:{request.form.get('email', '')[:200]}", "login.failed", reason=str(exc))
        db.commit()  # keep the failure count and the event
        return render_template("login.html", error=str(exc), next=request.form.get("next", "")), 401
    record_event(db, f"user:{user.email}", "login")
    db.commit()
    session.clear()
    session["user_id"] = user.id
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    session.clear()
    return redirect(url_for("auth.login"))
