"""Referrals: confirmed findings of one supplier, packaged, approved and sent to the shared
marketplace (UNGM) through the organisation's own process.

Functions take `session` first and never commit. A referral moves only through `act` (people)
and the outbox (`service.referral_delivery`, actor `system`); every move is a `ReferralEvent`
in the referral's own history and an audit event.

    draft ──submit──▶ submitted_for_approval ──approve (another person)──▶ approved
                                                                          │ outbox
                          failed ◀── max attempts / refused ── queued ◀───┘
                            │ retry ──▶ approved                 │ 2xx / sent
                            └───── mark_delivered ─────────────▶ delivered ◀── mark_delivered
    mark_delivered (delivered by hand): from approved, queued or failed
    withdraw (a reason): from draft, submitted_for_approval, approved, queued or failed

Four eyes: the approver is neither the author nor who submitted it. At approval the referral
document (`service.referral_documents`) is frozen: what was approved is exactly what goes out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit import record_event
from service.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from service.findings import APPROVER_ROLES, REVIEWER_ROLES, Rule, clean_reason, lookup_rule
from service.models import Finding, Referral, ReferralEvent, ReferralFinding, Supplier, utcnow
from service.referral_documents import build_document
from service.referral_requests import ReferralRequest

STATUSES = ("draft", "submitted_for_approval", "approved", "queued", "delivered", "failed", "withdrawn")
CLOSED = frozenset({"delivered", "withdrawn"})  # nothing more happens to these
SYSTEM_ACTOR = "system"


RULES: dict[str, Rule] = {
    "submit": Rule(REVIEWER_ROLES, {"draft": "submitted_for_approval"}),
    "approve": Rule(APPROVER_ROLES, {"submitted_for_approval": "approved"}),
    "withdraw": Rule(
        REVIEWER_ROLES,
        {s: "withdrawn" for s in ("draft", "submitted_for_approval", "approved", "queued", "failed")},
        reason_required=True,
    ),
    "mark_delivered": Rule(APPROVER_ROLES, {s: "delivered" for s in ("approved", "queued", "failed")}),
    "retry": Rule(APPROVER_ROLES, {"failed": "approved"}),
}
ACTIONS = tuple(RULES)


def allowed_actions(status: str, role: str | None = None) -> list[str]:
    """The actions possible from `status` (for `role`, when given; admin may take every one)."""
    return [
        action
        for action, rule in RULES.items()
        if status in rule.moves and (role is None or role == "admin" or role in rule.roles)
    ]


def new_key() -> str:
    """A referral's idempotency key: the same on every delivery attempt, never reused."""
    return f"referral-{uuid.uuid4().hex}"


# --- creating ---------------------------------------------------------------------------------


def create_referral(session: Session, request: ReferralRequest, *, actor: str) -> Referral:
    """A draft referral from `request`'s confirmed findings of one supplier.

    Raises ValidationError (an unknown finding, or findings of several suppliers) and
    ConflictError (a finding not confirmed, or already in a referral not withdrawn), each
    naming the finding.
    """
    findings = _findings_for(session, request.finding_ids)
    supplier = findings[0].supplier
    content = {
        "practices": list(request.practices),
        "sanction": request.sanction.as_dict(),
        "narrative": request.narrative,
        "affiliates": [dict(a) for a in request.affiliates],
        "vendor": vendor_identification(supplier, request.vendor),
        "referring_organisation": request.organisation,
    }
    now = utcnow()
    referral = Referral(
        key=new_key(),
        supplier=supplier,
        status="draft",
        content=content,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    referral.links = [ReferralFinding(finding=f) for f in findings]
    session.add(referral)
    session.flush()
    _log(session, referral, actor, "create", None, None, {"finding_ids": list(request.finding_ids)})
    return referral


def _findings_for(session: Session, finding_ids: tuple[int, ...]) -> list[Finding]:
    """The findings, locked, checked: they exist, are confirmed, share a supplier, are free."""
    stmt = select(Finding).where(Finding.id.in_(finding_ids)).with_for_update()
    found = {f.id: f for f in session.scalars(stmt)}
    problems = [
        {"field": f"finding_ids[{i}]", "message": f"no finding {finding_id}"}
        for i, finding_id in enumerate(finding_ids)
        if finding_id not in found
    ]
    if problems:
        raise ValidationError(f"unknown finding(s): {', '.join(p['field'] for p in problems)}", problems)
    findings = [found[i] for i in finding_ids]
    for finding in findings:
        if finding.status != "confirmed":
            raise ConflictError(
                f"finding {finding.id} is {finding.status!r}: only confirmed findings can be referred",
                {"finding_id": finding.id, "status": finding.status},
            )
    first = findings[0].supplier
    for index, finding in enumerate(findings):
        if finding.supplier_id != first.id:
            raise ValidationError(
                f"finding {finding.id} is about supplier {finding.supplier.ref}, not {first.ref}: "
                "a referral is about one supplier",
                [{"field": f"finding_ids[{index}]", "message": f"supplier {finding.supplier.ref}"}],
            )
    _check_not_referred(session, findings)
    return findings


def _check_not_referred(session: Session, findings: list[Finding]) -> None:
    taken = session.execute(
        select(ReferralFinding.finding_id, Referral.id, Referral.status)
        .join(Referral)
        .where(
            ReferralFinding.finding_id.in_([f.id for f in findings]),
            Referral.status != "withdrawn",
        )
        .order_by(ReferralFinding.finding_id)
    ).first()
    if taken is not None:
        finding_id, referral_id, status = taken
        raise ConflictError(
            f"finding {finding_id} is already in referral {referral_id} ({status}); "
            "withdraw that one first to refer it again",
            {"finding_id": finding_id, "referral_id": referral_id, "status": status},
        )


def vendor_identification(supplier: Supplier, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The vendor as the referral names it: the registry's record, with what the author corrected."""
    details = supplier.details or {}
    names = supplier.other_names or {}
    base: dict[str, Any] = {
        "legal_name": supplier.name,
        "other_names": list(names.get("names", [])),
        "former_names": [],
        "original_script_name": names.get("original_script_name"),
        "ungm_vendor_number": supplier.ref,
        "supplier_ref": supplier.ref,
        "kind": supplier.kind,
        "registration_numbers": list(details.get("registration_numbers", [])),
        "tax_id": details.get("tax_id"),
        "country": supplier.country,
        "address": details.get("address"),
        "owners": [dict(o) for o in details.get("owners", [])],
    }
    return {**base, **{k: v for k, v in overrides.items() if v is not None}}


# --- deciding ---------------------------------------------------------------------------------


def act(
    session: Session,
    referral: Referral,
    *,
    actor: str,
    role: str,
    action: str,
    reason: str | None = None,
) -> ReferralEvent:
    """Take `action` on `referral` as `actor` (with `role`); returns the history event.

    Raises ValidationError (unknown action, missing reason), ForbiddenError (the role may not;
    the author or submitter approving) and ConflictError (not from this status, or while a
    delivery attempt is running).
    """
    rule = _rule(action)
    reason = _reason(reason, action, rule)
    if role != "admin" and role not in rule.roles:
        raise ForbiddenError(
            f"role {role!r} may not {action.replace('_', ' ')} a referral; "
            f"needs one of {', '.join(rule.roles)}",
            {"action": action, "roles": list(rule.roles)},
        )
    before = referral.status
    if before not in rule.moves:
        allowed = allowed_actions(before)
        raise ConflictError(
            f"cannot {action.replace('_', ' ')} referral {referral.id}: it is {before!r}; "
            f"allowed from {before!r}: {', '.join(allowed) or 'nothing'}",
            {"status": before, "action": action, "allowed_actions": allowed},
        )
    if action == "approve" and actor in (referral.created_by, referral.submitted_by):
        raise ForbiddenError(
            f"four eyes: {actor} wrote or submitted this referral; a different approver must approve it",
            {"created_by": referral.created_by, "submitted_by": referral.submitted_by},
        )
    if action in ("submit", "approve"):
        _check_still_confirmed(referral, action)
    if action in ("withdraw", "mark_delivered") and is_claimed(referral):
        raise ConflictError(
            f"referral {referral.id} is being delivered right now; try again in a few minutes",
            {"status": before, "action": action, "claimed_until": _iso(referral.claimed_until)},
        )
    details = _apply(session, referral, action, actor, rule.moves[before], reason)
    return _log(session, referral, actor, action, before, reason, details)


def _rule(action: str) -> Rule:
    return lookup_rule(RULES, action)


def _reason(reason: str | None, action: str, rule: Rule) -> str | None:
    return clean_reason(reason, action, rule)


def _check_still_confirmed(referral: Referral, action: str) -> None:
    """A finding reopened since the referral was written must be decided again first."""
    for link in referral.links:
        if link.finding.status != "confirmed":
            raise ConflictError(
                f"cannot {action} referral {referral.id}: finding {link.finding_id} is "
                f"{link.finding.status!r} now, no longer confirmed; withdraw the referral or "
                "have the finding confirmed again",
                {"status": referral.status, "action": action, "finding_id": link.finding_id},
            )


def is_claimed(referral: Referral) -> bool:
    """True while a delivery attempt holds the referral."""
    return referral.claimed_until is not None and referral.claimed_until > utcnow()


def _apply(
    session: Session, referral: Referral, action: str, actor: str, after: str, reason: str | None
) -> dict[str, Any]:
    now = utcnow()
    details: dict[str, Any] = {}
    if action == "submit":
        referral.submitted_by, referral.submitted_at = actor, now
    elif action == "approve":
        referral.approved_by, referral.approved_at = actor, now
        referral.document = build_document(session, referral, now)  # frozen from here on
    elif action == "withdraw":
        referral.withdrawn_by, referral.withdrawn_at, referral.withdraw_reason = actor, now, reason
        referral.next_attempt_at = None
    elif action == "mark_delivered":
        referral.channel, referral.delivered_at, referral.delivery_reference = "manual", now, reason
        referral.next_attempt_at = None
        details["channel"] = "manual"
    elif action == "retry":
        details["attempts_before"] = referral.attempts
        referral.attempts, referral.failed_at, referral.next_attempt_at = 0, None, None
    referral.status = after
    referral.updated_at = now
    return details


def _log(
    session: Session,
    referral: Referral,
    actor: str,
    action: str,
    before: str | None,
    reason: str | None,
    details: dict[str, Any],
) -> ReferralEvent:
    event = ReferralEvent(
        referral=referral,
        at=utcnow(),
        actor=actor,
        action=action,
        from_status=before,
        to_status=referral.status,
        reason=reason,
        details=details,
    )
    session.add(event)
    record_event(
        session,
        actor,
        f"referral.{action}",
        subject=f"referral:{referral.id}",
        details={"from": before, "to": referral.status, "supplier": referral.supplier.ref, **details},
        reason=reason,
    )
    session.flush()
    return event


def record_system_step(
    session: Session,
    referral: Referral,
    action: str,
    before: str | None,
    details: dict[str, Any],
    *,
    reason: str | None = None,
) -> ReferralEvent:
    """History and audit event of a step the outbox took (actor `system`)."""
    return _log(session, referral, SYSTEM_ACTOR, action, before, reason, details)


# --- reading ----------------------------------------------------------------------------------


def referral_or_404(session: Session, referral_id: int, *, lock: bool = False) -> Referral:
    """The referral; `lock` holds its row until commit so two actions cannot interleave."""
    referral = session.get(Referral, referral_id, with_for_update=lock)
    if referral is None:
        raise NotFoundError(f"no referral {referral_id}")
    return referral


def list_referrals(
    session: Session,
    *,
    statuses: tuple[str, ...] = (),
    supplier: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Referral], int]:
    """A page of referrals, newest first, and how many match."""
    stmt = select(Referral).join(Supplier)
    if statuses:
        stmt = stmt.where(Referral.status.in_(statuses))
    if supplier:
        stmt = stmt.where(Supplier.ref == supplier)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Referral.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def document_of(session: Session, referral: Referral) -> dict[str, Any]:
    """The referral document: frozen once approved, else as it would be approved now."""
    return referral.document if referral.document is not None else build_document(session, referral)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def referral_json(referral: Referral) -> dict[str, Any]:
    """One referral as the API lists it (without the document and history)."""
    content = referral.content
    return {
        "id": referral.id,
        "key": referral.key,
        "status": referral.status,
        "supplier_ref": referral.supplier.ref,
        "supplier_name": referral.supplier.name,
        "finding_ids": [link.finding_id for link in referral.links],
        "practices": content["practices"],
        "sanction": content["sanction"],
        "created_by": referral.created_by,
        "created_at": _iso(referral.created_at),
        "updated_at": _iso(referral.updated_at),
        "submitted_by": referral.submitted_by,
        "submitted_at": _iso(referral.submitted_at),
        "approved_by": referral.approved_by,
        "approved_at": _iso(referral.approved_at),
        "withdrawn_by": referral.withdrawn_by,
        "withdrawn_at": _iso(referral.withdrawn_at),
        "withdraw_reason": referral.withdraw_reason,
        "channel": referral.channel,
        "queued_at": _iso(referral.queued_at),
        "attempts": referral.attempts,
        "next_attempt_at": _iso(referral.next_attempt_at),
        "last_error": referral.last_error,
        "delivered_at": _iso(referral.delivered_at),
        "delivery_reference": referral.delivery_reference,
        "failed_at": _iso(referral.failed_at),
        "listed_at": _iso(referral.listed_at),
    }


def referral_detail(session: Session, referral: Referral, role: str | None = None) -> dict[str, Any]:
    """The referral with its document, history, delivery attempts and what may be done next."""
    return {
        **referral_json(referral),
        "allowed_actions": allowed_actions(referral.status, role),
        "history": [
            {
                "id": e.id,
                "at": _iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason,
                "details": e.details,
            }
            for e in referral.events
        ],
        "delivery_attempts": [
            {
                "number": a.number,
                "channel": a.channel,
                "started_at": _iso(a.started_at),
                "finished_at": _iso(a.finished_at),
                "outcome": a.outcome,
                "status_code": a.status_code,
                "error": a.error,
            }
            for a in referral.delivery_attempts
        ],
        "document": document_of(session, referral),
    }
