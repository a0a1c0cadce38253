"""Review pages for people: the findings queue and one finding with its evidence and decisions.

Decisions and uploads from these pages go through the same functions as the API; a refused
one (not allowed from this status, wrong role, four eyes, missing reason) comes back as a
message on the finding's page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from screening import normalize_text
from service.attachments import ALLOWED, MAX_ATTACHMENT_BYTES, add_attachment
from service.db import get_session
from service.errors import ServiceError
from service.finding_queries import filter_args, finding_detail, list_findings, parse_filter
from service.findings import RULES, STATUSES, allowed_actions, decide
from service.models import Finding, FindingAttachment
from service.users import login_required, signed_in_user
from service.views.findings import attachment_response

bp = Blueprint("review", __name__, url_prefix="/findings")
_WORD = re.compile(r"[\w'’]+")
DATE_PARAMS = ("created_from", "created_to", "updated_from", "updated_to")


def _finding_or_404(finding_id: int, *, lock: bool = False) -> Finding:
    finding = get_session().get(Finding, finding_id, with_for_update=lock)
    if finding is None:
        abort(404, description=f"no finding {finding_id}")
    return finding


def highlight(text: str | None, tokens: Iterable[str]) -> Markup:
    """`text` escaped, with each word whose normalised form is a matched token in <mark>."""
    wanted = {t for t in tokens if t}
    out, last = [], 0
    source = text or ""
    for word in _WORD.finditer(source):
        out.append(escape(source[last : word.start()]))
        folded = normalize_text(word.group()).replace(" ", "")
        piece = escape(word.group())
        out.append(Markup(f"<mark>{piece}</mark>") if folded and folded in wanted else piece)
        last = word.end()
    out.append(escape(source[last:]))
    return Markup("").join(out)


def _matched_tokens(explanation: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(supplier-side tokens, list-side tokens) that the name comparison paired up."""
    pairs = (explanation.get("detail") or {}).get("token_pairs") or []
    paired = [p for p in pairs if isinstance(p, list) and len(p) >= 3 and p[2]]
    return {str(p[0]) for p in paired}, {str(p[1]) for p in paired}


@bp.get("")
@login_required()
def queue() -> str | tuple[str, int]:
    """The review queue with filters, sorting and pages."""
    me = f"user:{signed_in_user().email}"
    try:
        wanted = parse_filter(request.args, me=me)
    except ServiceError as exc:
        return render_template("findings_queue.html", error=exc.message, rows=[], total=0, wanted=None), 400
    rows, total = list_findings(get_session(), wanted)
    return render_template(
        "findings_queue.html",
        rows=rows,
        total=total,
        wanted=wanted,
        args={**filter_args(wanted), **{k: request.args[k] for k in DATE_PARAMS if request.args.get(k)}},
        statuses=STATUSES,
        me=me,
    )


@bp.get("/<int:finding_id>")
@login_required()
def show(finding_id: int) -> str:
    """The finding: supplier and entry side by side, explanation, history, evidence, decisions."""
    finding = _finding_or_404(finding_id)
    user = signed_in_user()
    supplier_tokens, listed_tokens = _matched_tokens(finding.explanation or {})
    return render_template(
        "finding_show.html",
        finding=finding,
        e=finding.explanation or {},
        detail=finding_detail(get_session(), finding),
        actions=allowed_actions(finding.status, user.role),
        rules=RULES,
        me=f"user:{user.email}",
        supplier_tokens=supplier_tokens,
        listed_tokens=listed_tokens,
        highlight=highlight,
        allowed_files=ALLOWED,
        max_mb=MAX_ATTACHMENT_BYTES // 1024 // 1024,
    )


@bp.post("/<int:finding_id>/decisions")
@login_required("reviewer", "approver")
def decisions(finding_id: int) -> Response:
    """Take the decision of the button pressed; refusals come back as a message."""
    session, user = get_session(), signed_in_user()
    finding = _finding_or_404(finding_id, lock=True)  # decisions on one finding never interleave
    action = request.form.get("action", "")
    try:
        decide(
            session,
            finding,
            actor=f"user:{user.email}",
            role=user.role,
            action=action,
            reason=request.form.get("reason"),
            assignee=_assignee(action),
        )
    except ServiceError as exc:
        session.rollback()
        flash(exc.message, "error")
    else:
        session.commit()
        flash(f"{action.replace('_', ' ')}: the finding is now {finding.status.replace('_', ' ')}", "ok")
    return redirect(url_for("review.show", finding_id=finding_id))


def _assignee(action: str) -> str | None:
    """The form's assignee for `assign` ('' unassigns) and, when filled in, `start_review`."""
    value = request.form.get("assignee")
    if action == "assign":
        return value or ""
    return value if action == "start_review" and value else None


@bp.post("/<int:finding_id>/attachments")
@login_required("reviewer", "approver")
def upload(finding_id: int) -> Response:
    """Attach evidence from the page."""
    session, user = get_session(), signed_in_user()
    finding = _finding_or_404(finding_id)
    sent = request.files.get("file")
    try:
        if sent is None or not sent.filename:
            raise ServiceError("choose a file to attach first")
        content = sent.read(MAX_ATTACHMENT_BYTES + 1)
        added = add_attachment(
            session, finding, filename=sent.filename, content=content, actor=f"user:{user.email}"
        )
    except ServiceError as exc:
        session.rollback()
        flash(exc.message, "error")
    else:
        session.commit()
        flash(f"attached {added.filename}", "ok")
    return redirect(url_for("review.show", finding_id=finding_id))


@bp.get("/<int:finding_id>/attachments/<int:attachment_id>")
@login_required()
def attachment(finding_id: int, attachment_id: int) -> Response:
    """Download one attachment."""
    found = get_session().get(FindingAttachment, attachment_id)
    if found is None or found.finding_id != finding_id:
        abort(404, description=f"no attachment {attachment_id} on finding {finding_id}")
    return attachment_response(found)
