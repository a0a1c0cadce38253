"""The audit trail, read back (admin role): the export API, and the page with its downloads.

`GET /api/v1/audit/events` streams the events a filter selects as CSV or one JSON document
(see `service.audit_export`); the page `/admin/audit` shows them newest first, page by page,
with the same filters, download links, and the state of the hash chain.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Response as BaseResponse

from service import get_settings
from service.audit import PRUNE_ACTION, record_event, verify_chain
from service.audit_export import (
    EventFilter,
    FilterError,
    export_chunks,
    export_filename,
    iter_events,
    latest_event_id,
    parse_filter,
    parse_format,
)
from service.auth import require_api_key
from service.db import get_db, get_session
from service.errors import ValidationError
from service.models import AuditEvent
from service.users import current_user, login_required

bp = Blueprint("audit", __name__)
PAGE_SIZE = 50
VERIFY_ACTION = "audit.verify"
MIMETYPES = {"csv": "text/csv", "json": "application/json"}


@bp.get("/api/v1/audit/events")
@require_api_key("admin")
def events() -> Response:
    """Export events: ?from=&to= (YYYY-MM-DD, inclusive), ?supplier=, ?actor=, ?action=, ?format=."""
    try:
        flt, fmt = parse_filter(request.args), parse_format(request.args.get("format"))
    except FilterError as exc:
        raise ValidationError(str(exc), [{"field": exc.field, "message": exc.message}]) from None
    return _download(flt, fmt)


@bp.get("/admin/audit/export")
@login_required("admin")
def export() -> Response:
    """The page's download links: the same export, as a file."""
    try:
        flt, fmt = parse_filter(request.args), parse_format(request.args.get("format"))
    except FilterError as exc:
        abort(400, description=str(exc))
    return _download(flt, fmt)


def _download(flt: EventFilter, fmt: str) -> Response:
    # As of now: not the api.call event this request adds, nor anything after it.
    upto = latest_event_id(get_session())
    disposition = f'attachment; filename="{export_filename(flt, fmt)}"'
    chunks = _stream(get_db().sessionmaker, flt, fmt, upto)
    return Response(chunks, mimetype=MIMETYPES[fmt], headers={"Content-Disposition": disposition})


def _stream(factory: sessionmaker[Session], flt: EventFilter, fmt: str, upto: int) -> Iterator[str]:
    """The export, read in a session of its own: the request's is closed before streaming ends."""
    with factory() as session:
        yield from export_chunks(session, flt, fmt, upto)


@bp.get("/admin/audit")
@login_required("admin")
def page() -> tuple[str, int]:
    """Events newest first, PAGE_SIZE at a time (?before=ID), filtered like the export."""
    session = get_session()
    try:
        flt, error = parse_filter(request.args), None
        before = int(request.args["before"]) if request.args.get("before", "").isdigit() else None
        rows = list(iter_events(session, flt, before_id=before, newest_first=True, limit=PAGE_SIZE + 1))
    except FilterError as exc:
        flt, error, rows = EventFilter(), str(exc), []
    filters = {k: v for k, v in flt.describe().items() if v}
    return render_template(
        "admin_audit.html",
        events=rows[:PAGE_SIZE],
        older=rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None,
        filters=filters,
        error=error,
        chain=_chain_state(),
        retention_years=get_settings().audit.retention_years,
    ), 400 if error else 200


def _chain_state() -> dict[str, AuditEvent | None]:
    """The latest verification and prune checkpoint (cheap: two indexed lookups)."""
    session = get_session()
    latest = {}
    for action in (VERIFY_ACTION, PRUNE_ACTION):
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()).limit(1)
        latest[action.removeprefix("audit.")] = session.scalar(stmt)
    return latest


@bp.post("/admin/audit/verify")
@login_required("admin")
def verify() -> BaseResponse:
    """Recompute the whole chain now and record the outcome as an event."""
    session = get_session()
    problems = list(verify_chain(session))
    last_id = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    details = {
        "ok": not problems,
        "last_event_id": last_id,
        "problems": [{"event_id": p.event_id, "message": p.message} for p in problems[:50]],
        "problem_count": len(problems),
    }
    user = current_user()
    record_event(session, f"user:{user.email}" if user else "unknown", VERIFY_ACTION, details=details)
    session.commit()
    return redirect(url_for("audit.page"))
