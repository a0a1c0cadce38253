"""Referrals over the API: create from confirmed findings, list, read (JSON, XLSX, PDF), and the
steps submit, approve, withdraw, mark-delivered and retry; plus the referral document's schema."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.datastructures import MultiDict

from service import get_settings
from service.auth import require_api_key
from service.db import get_session
from service.errors import NotFoundError, ValidationError
from service.models import Referral
from service.referral_documents import document_bytes
from service.referral_files import PDF_TYPE, XLSX_TYPE, build_pdf, build_xlsx
from service.referral_requests import parse_referral_request
from service.referral_schema import REFERRAL_SCHEMA
from service.referrals import (
    STATUSES,
    act,
    create_referral,
    document_of,
    list_referrals,
    referral_detail,
    referral_json,
    referral_or_404,
)
from service.views.api import json_body

bp = Blueprint("referrals", __name__, url_prefix="/api/v1")
FORMATS = ("json", "xlsx", "pdf")
MAX_PAGE_SIZE = 500


def _actor() -> str:
    return f"apikey:{g.api_key.id}:{g.api_key.name}"


def parse_list_args(args: MultiDict[str, str]) -> dict[str, Any]:
    """status (repeat or comma-separate), supplier, limit, offset; ValidationError naming each bad one."""
    statuses = tuple(s for value in args.getlist("status") for s in value.split(",") if s)
    problems = [
        {"field": "status", "message": f"unknown status {s!r}; one of {', '.join(STATUSES)}"}
        for s in statuses
        if s not in STATUSES
    ]
    numbers = {}
    for name, default, high in (("limit", 50, MAX_PAGE_SIZE), ("offset", 0, None)):
        text = args.get(name, str(default))
        if not text.isdigit() or (high is not None and not 1 <= int(text) <= high):
            problems.append(
                {"field": name, "message": f"must be a whole number{f' from 1 to {high}' if high else ''}"}
            )
        else:
            numbers[name] = int(text)
    if problems:
        raise ValidationError(f"invalid query: {', '.join(p['field'] for p in problems)}", problems)
    return {"statuses": statuses, "supplier": args.get("supplier") or None, **numbers}


def file_response(referral: Referral, fmt: str) -> Response:
    """The referral document as a download: JSON (as delivered), XLSX or PDF."""
    if fmt not in FORMATS:
        raise NotFoundError(f"no referral format {fmt!r}; use .json, .xlsx or .pdf")
    document = document_of(get_session(), referral)
    if fmt == "json":
        data, mimetype = document_bytes(document), "application/json"
    elif fmt == "xlsx":
        data, mimetype = build_xlsx(document, referral.status), XLSX_TYPE
    else:
        data, mimetype = build_pdf(document, referral.status), PDF_TYPE
    name = f"referral-{referral.id}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"}
    return Response(data, mimetype=mimetype, headers=headers)


@bp.get("/schemas/referral.json")
def schema() -> Response:
    """The JSON Schema of the referral document (public: it holds no data)."""
    return jsonify(REFERRAL_SCHEMA)


@bp.get("/referrals")
@require_api_key()
def index() -> Response:
    """A page of referrals, newest first (filters: status, supplier)."""
    wanted = parse_list_args(request.args)
    rows, total = list_referrals(get_session(), **wanted)
    return jsonify(
        {
            "total": total,
            "limit": wanted["limit"],
            "offset": wanted["offset"],
            "referrals": [referral_json(r) for r in rows],
        }
    )


@bp.post("/referrals")
@require_api_key("reviewer", "approver")
def create() -> tuple[Response, int]:
    """A draft referral from confirmed findings of one supplier."""
    wanted = parse_referral_request(json_body(), get_settings().referrals)
    session = get_session()
    referral = create_referral(session, wanted, actor=_actor())
    session.commit()
    return jsonify(referral_detail(session, referral, g.api_key.role)), 201


@bp.get("/referrals/<int:referral_id>")
@require_api_key()
def show(referral_id: int) -> Response:
    """The referral with its document, history and delivery attempts."""
    session = get_session()
    return jsonify(referral_detail(session, referral_or_404(session, referral_id), g.api_key.role))


@bp.get("/referrals/<int:referral_id>.<fmt>")
@require_api_key()
def download(referral_id: int, fmt: str) -> Response:
    """The referral document as JSON, XLSX or PDF."""
    return file_response(referral_or_404(get_session(), referral_id), fmt)


def _reason() -> str | None:
    """The optional {"reason": "..."} of a step; an empty body is no reason."""
    if not request.get_data():
        return None
    body = json_body()
    if not isinstance(body, dict) or set(body) - {"reason"}:
        raise ValidationError(
            'the body must be {"reason": "..."} or empty',
            [
                {"field": k, "message": "unknown field (allowed: reason)"}
                for k in sorted(set(body) - {"reason"})
            ]
            if isinstance(body, dict)
            else [{"field": "", "message": "not an object"}],
        )
    if body.get("reason") is not None and not isinstance(body["reason"], str):
        raise ValidationError("reason must be a string", [{"field": "reason", "message": "must be a string"}])
    return body.get("reason")


def _step(referral_id: int, action: str) -> Response:
    session = get_session()
    referral = referral_or_404(session, referral_id, lock=True)
    act(session, referral, actor=_actor(), role=g.api_key.role, action=action, reason=_reason())
    session.commit()
    return jsonify(referral_detail(session, referral, g.api_key.role))


@bp.post("/referrals/<int:referral_id>/submit")
@require_api_key("reviewer", "approver")
def submit(referral_id: int) -> Response:
    """Submit a draft for approval."""
    return _step(referral_id, "submit")


@bp.post("/referrals/<int:referral_id>/approve")
@require_api_key("approver")
def approve(referral_id: int) -> Response:
    """Approve (another person than its author and submitter); freezes the document."""
    return _step(referral_id, "approve")


@bp.post("/referrals/<int:referral_id>/withdraw")
@require_api_key("reviewer", "approver")
def withdraw(referral_id: int) -> Response:
    """Withdraw before delivery: {"reason": "..."} required."""
    return _step(referral_id, "withdraw")


@bp.post("/referrals/<int:referral_id>/mark-delivered")
@require_api_key("approver")
def mark_delivered(referral_id: int) -> Response:
    """Record a delivery made by hand (the focal point submitted it): {"reason": "UNGM case ..."}."""
    return _step(referral_id, "mark_delivered")


@bp.post("/referrals/<int:referral_id>/retry")
@require_api_key("approver")
def retry(referral_id: int) -> Response:
    """Send a failed referral again: back to approved, the outbox queues it afresh."""
    return _step(referral_id, "retry")
