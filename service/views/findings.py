"""Findings over the API: the review queue, one finding with its history, decisions, evidence."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from service.attachments import MAX_ATTACHMENT_BYTES, add_attachment, attachment_json
from service.auth import require_api_key
from service.db import get_session
from service.errors import NotFoundError, ValidationError
from service.finding_queries import finding_detail, list_findings, parse_filter
from service.findings import decide, finding_json
from service.models import Finding, FindingAttachment
from service.views.api import json_body

bp = Blueprint("findings", __name__, url_prefix="/api/v1/findings")
DECISION_FIELDS = frozenset({"action", "reason", "assignee"})


def _actor() -> str:
    return f"apikey:{g.api_key.id}:{g.api_key.name}"


def finding_or_404(finding_id: int, *, lock: bool = False) -> Finding:
    """The finding; `lock` holds its row until commit so two decisions cannot interleave."""
    finding = get_session().get(Finding, finding_id, with_for_update=lock)
    if finding is None:
        raise NotFoundError(f"no finding {finding_id}")
    return finding


def attachment_or_404(finding_id: int, attachment_id: int) -> FindingAttachment:
    attachment = get_session().get(FindingAttachment, attachment_id)
    if attachment is None or attachment.finding_id != finding_id:
        raise NotFoundError(f"no attachment {attachment_id} on finding {finding_id}")
    return attachment


def attachment_response(attachment: FindingAttachment) -> Response:
    """The file as a download, never rendered inline by the browser."""
    headers = {
        "Content-Disposition": f'attachment; filename="{attachment.filename}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return Response(attachment.content, mimetype=attachment.content_type, headers=headers)


@bp.get("")
@require_api_key()
def index() -> Response:
    """A page of the review queue (filters, sorting and paging in the query string)."""
    wanted = parse_filter(request.args, me=_actor())
    rows, total = list_findings(get_session(), wanted)
    return jsonify(
        {
            "total": total,
            "limit": wanted.limit,
            "offset": wanted.offset,
            "findings": [finding_json(f) for f in rows],
        }
    )


@bp.get("/<int:finding_id>")
@require_api_key()
def show(finding_id: int) -> Response:
    """One finding: supplier, entry as matched and as now, history, attachments."""
    return jsonify(finding_detail(get_session(), finding_or_404(finding_id)))


def _decision(body: Any) -> tuple[str, str | None, str | None]:
    """(action, reason, assignee) from a decision body; ValidationError naming the field."""
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object", [{"field": "", "message": "not an object"}])
    problems = [
        {"field": k, "message": f"unknown field (allowed: {', '.join(sorted(DECISION_FIELDS))})"}
        for k in sorted(set(body) - DECISION_FIELDS)
    ]
    if not isinstance(body.get("action"), str):
        problems.append({"field": "action", "message": "required: a string"})
    for field in ("reason", "assignee"):
        if body.get(field) is not None and not isinstance(body[field], str):
            problems.append({"field": field, "message": "must be a string"})
    if problems:
        raise ValidationError(f"invalid decision: {', '.join(p['field'] for p in problems)}", problems)
    return body["action"], body.get("reason"), body.get("assignee")


@bp.post("/<int:finding_id>/decisions")
@require_api_key("reviewer", "approver")
def decisions(finding_id: int) -> Response:
    """Take a decision: {"action", "reason", "assignee"}; answers the updated finding."""
    action, reason, assignee = _decision(json_body())
    session = get_session()
    finding = finding_or_404(finding_id, lock=True)
    decide(
        session, finding, actor=_actor(), role=g.api_key.role, action=action, reason=reason, assignee=assignee
    )
    session.commit()
    return jsonify(finding_detail(session, finding))


@bp.post("/<int:finding_id>/attachments")
@require_api_key("reviewer", "approver")
def upload(finding_id: int) -> tuple[Response, int]:
    """Attach evidence (multipart field `file`)."""
    finding = finding_or_404(finding_id)
    sent = request.files.get("file")
    if sent is None:
        raise ValidationError(
            "send the file as multipart/form-data field 'file'", [{"field": "file", "message": "required"}]
        )
    session = get_session()
    content = sent.read(MAX_ATTACHMENT_BYTES + 1)  # one byte more tells "too large" apart
    attachment = add_attachment(
        session, finding, filename=sent.filename or "", content=content, actor=_actor()
    )
    session.commit()
    return jsonify(attachment_json(attachment)), 201


@bp.get("/<int:finding_id>/attachments/<int:attachment_id>")
@require_api_key()
def download(finding_id: int, attachment_id: int) -> Response:
    """Download one attachment."""
    return attachment_response(attachment_or_404(finding_id, attachment_id))
