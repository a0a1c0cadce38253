"""Referral pages for people: the list, one referral (document, status, history, actions,
downloads), and the form that creates one from a confirmed finding ("Refer").

Creation and every step go through the same functions as the API; a refused step (wrong
status, wrong role, four eyes, missing reason) comes back as a message on the referral's page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from service import get_settings
from service.db import get_session
from service.errors import ServiceError
from service.models import Finding, Referral, Supplier
from service.referral_delivery import delivery_channel
from service.referral_requests import PRACTICES, SANCTIONS, parse_referral_request
from service.referrals import STATUSES, act, allowed_actions, create_referral, list_referrals, referral_detail
from service.users import login_required, signed_in_user
from service.views.referrals import file_response, parse_list_args

bp = Blueprint("referral_pages", __name__, url_prefix="/referrals")


def _referral_or_404(referral_id: int, *, lock: bool = False) -> Referral:
    referral = get_session().get(Referral, referral_id, with_for_update=lock)
    if referral is None:
        abort(404, description=f"no referral {referral_id}")
    return referral


@bp.get("")
@login_required()
def index() -> str | tuple[str, int]:
    """Every referral, newest first, with filters."""
    try:
        wanted = parse_list_args(request.args)
    except ServiceError as exc:
        return render_template(
            "referrals_list.html", error=exc.message, rows=[], total=0, statuses=STATUSES
        ), 400
    rows, total = list_referrals(get_session(), **wanted)
    return render_template(
        "referrals_list.html", rows=rows, total=total, wanted=wanted, statuses=STATUSES, error=None
    )


@bp.get("/<int:referral_id>")
@login_required()
def show(referral_id: int) -> str:
    """The referral: document, status, history, delivery attempts, actions, downloads."""
    referral, user = _referral_or_404(referral_id), signed_in_user()
    return render_template(
        "referral_show.html",
        referral=referral,
        detail=referral_detail(get_session(), referral, user.role),
        actions=allowed_actions(referral.status, user.role),
        me=f"user:{user.email}",
        channel=delivery_channel(get_settings()),
    )


@bp.get("/<int:referral_id>.<fmt>")
@login_required()
def download(referral_id: int, fmt: str) -> Response:
    """The referral document as JSON, XLSX or PDF."""
    return file_response(_referral_or_404(referral_id), fmt)


@bp.post("/<int:referral_id>/actions")
@login_required("reviewer", "approver")
def action(referral_id: int) -> Response:
    """Take the step of the button pressed; refusals come back as a message."""
    session, user = get_session(), signed_in_user()
    referral = _referral_or_404(referral_id, lock=True)
    step = request.form.get("action", "")
    try:
        act(
            session,
            referral,
            actor=f"user:{user.email}",
            role=user.role,
            action=step,
            reason=request.form.get("reason"),
        )
    except ServiceError as exc:
        session.rollback()
        flash(exc.message, "error")
    else:
        session.commit()
        flash(f"{step.replace('_', ' ')}: the referral is now {referral.status.replace('_', ' ')}", "ok")
    return redirect(url_for("referral_pages.show", referral_id=referral_id))


def _candidates(supplier_id: int) -> list[Finding]:
    """The supplier's confirmed findings, which a referral can be built on."""
    stmt = select(Finding).where(Finding.supplier_id == supplier_id, Finding.status == "confirmed")
    return list(get_session().scalars(stmt.order_by(Finding.id)))


def _form_page(supplier: Supplier, form: MultiDict[str, str], errors: list[dict[str, Any]]) -> str:
    return render_template(
        "referral_new.html",
        supplier=supplier,
        findings=_candidates(supplier.id),
        form=form,
        errors=errors,
        practices=PRACTICES,
        sanctions=SANCTIONS,
        settings=get_settings().referrals,
    )


@bp.get("/new")
@login_required("reviewer", "approver")
def new() -> str:
    """The creation form for the supplier of `?finding=ID` (that finding ticked)."""
    finding = get_session().get(Finding, request.args.get("finding", type=int) or 0)
    if finding is None:
        abort(404, description="open the form from a confirmed finding's page (no such finding)")
    return _form_page(finding.supplier, MultiDict({"finding_ids": str(finding.id)}), [])


@bp.post("")
@login_required("reviewer", "approver")
def create() -> Response | tuple[str, int]:
    """Create the draft from the form; a bad field comes back on the form, named."""
    session, user = get_session(), signed_in_user()
    supplier = session.get(Supplier, request.form.get("supplier_id", type=int) or 0)
    if supplier is None:
        abort(404, description="no such supplier")
    try:
        wanted = parse_referral_request(form_body(request.form), get_settings().referrals)
        referral = create_referral(session, wanted, actor=f"user:{user.email}")
    except ServiceError as exc:
        session.rollback()
        problems = exc.details if isinstance(exc.details, list) else [{"field": "", "message": exc.message}]
        return _form_page(supplier, request.form, problems), 400
    session.commit()
    flash(f"referral {referral.id} created as a draft: check it, then submit it for approval", "ok")
    return redirect(url_for("referral_pages.show", referral_id=referral.id))


def form_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The API body the creation form stands for (one affiliate per line: name | relationship | country)."""
    body: dict[str, Any] = {
        "finding_ids": [int(v) if v.isdigit() else v for v in form.getlist("finding_ids")],
        "practices": form.getlist("practices"),
        "sanction": form.get("sanction") or None,
        "narrative": form.get("narrative", ""),
        "permanent": form.get("permanent") == "on",
    }
    for name in ("sanction_from", "sanction_until", "sanction_text"):
        if form.get(name):
            body[name] = form[name]
    affiliates = []
    for line in form.get("affiliates", "").splitlines():
        if line.strip():
            name, relationship, country = ([p.strip() for p in line.split("|")] + ["", "", ""])[:3]
            affiliates.append({"name": name, "relationship": relationship, "country": country or None})
    if affiliates:
        body["affiliates"] = affiliates
    vendor: dict[str, Any] = {}
    if form.get("ungm_vendor_number", "").strip():
        vendor["ungm_vendor_number"] = form["ungm_vendor_number"].strip()
    former = [n.strip() for n in form.get("former_names", "").splitlines() if n.strip()]
    if former:
        vendor["former_names"] = former
    if vendor:
        body["vendor"] = vendor
    return body
