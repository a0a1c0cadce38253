"""Deciding findings: the decision table, the state machine, each finding's history, delisting.

Functions take `session` first and never commit. A finding moves only through `decide`
(people) or through screening and list refreshes (the `system` actor). Every move is a
`FindingEvent` (the finding's own history, append-only), and every human decision is also
an audit event.

    new / changed ──start_review──▶ in_review ──propose_confirm──▶ pending_confirmation
        │  ▲                           │  ▲                           │ approve (another person)
        │  └──────────start_review─────┘  │                           ▼
        ├──escalate──▶ escalated ─────────┘ (start_review)         confirmed
        └──dismiss───▶ dismissed ──reopen──▶ in_review                │ reopen
                                                                      ▼
      delisted ──reopen──▶ in_review          in_review ◀──approve── pending_reversal

`reject` sends a pending finding back to the status it had before the proposal. Confirming
and reversing a confirmation need four eyes: the approver must not be the proposer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import record_event
from service.errors import ConflictError, ForbiddenError, ValidationError
from service.models import ApiKey, Finding, FindingEvent, ListEntryRow, ListVersion, User, utcnow

STATUSES = (
    "new",
    "changed",
    "in_review",
    "pending_confirmation",
    "confirmed",
    "pending_reversal",
    "dismissed",
    "escalated",
    "delisted",
)
# Closed by a delisting; a confirmed (or pending reversal) finding is flagged instead.
OPEN_STATUSES = frozenset({"new", "changed", "in_review", "escalated", "pending_confirmation"})
REVIEWER_ROLES = ("reviewer", "approver", "admin")
APPROVER_ROLES = ("approver", "admin")
SYSTEM_ACTOR = "system"
PREVIOUS = "previous"  # `reject`: back to the status the finding had before the proposal
MAX_REASON_LENGTH = 4000
DELISTED_CONFIRMED_REASON = "delisted: confirmed finding flagged for review"


@dataclass(frozen=True)
class Rule:
    """Who may take an action, from which statuses, to which status (the same: no move)."""

    roles: tuple[str, ...]
    moves: Mapping[str, str]
    reason_required: bool = False


def _stay(statuses: Iterable[str]) -> dict[str, str]:
    return {status: status for status in statuses}


RULES: dict[str, Rule] = {
    "start_review": Rule(
        REVIEWER_ROLES, {"new": "in_review", "changed": "in_review", "escalated": "in_review"}
    ),
    "propose_confirm": Rule(
        REVIEWER_ROLES, {"in_review": "pending_confirmation", "escalated": "pending_confirmation"}
    ),
    "approve": Rule(APPROVER_ROLES, {"pending_confirmation": "confirmed", "pending_reversal": "in_review"}),
    "reject": Rule(APPROVER_ROLES, {"pending_confirmation": PREVIOUS, "pending_reversal": PREVIOUS}),
    "dismiss": Rule(
        REVIEWER_ROLES,
        {s: "dismissed" for s in ("new", "changed", "in_review", "escalated")},
        reason_required=True,
    ),
    "escalate": Rule(REVIEWER_ROLES, {s: "escalated" for s in ("new", "changed", "in_review")}),
    "reopen": Rule(
        REVIEWER_ROLES, {"dismissed": "in_review", "delisted": "in_review", "confirmed": "pending_reversal"}
    ),
    "comment": Rule(REVIEWER_ROLES, _stay(STATUSES), reason_required=True),
    "assign": Rule(REVIEWER_ROLES, _stay(STATUSES)),
}
ACTIONS = tuple(RULES)
# What `reject` restores when the history does not say (it always does for new findings).
_BEFORE_PROPOSAL = {"pending_confirmation": "in_review", "pending_reversal": "confirmed"}


def allowed_actions(status: str, role: str | None = None) -> list[str]:
    """The actions possible from `status` (for `role`, when given), in table order."""
    return [
        action
        for action, rule in RULES.items()
        if status in rule.moves and (role is None or role in rule.roles)
    ]


def decide(
    session: Session,
    finding: Finding,
    *,
    actor: str,
    role: str,
    action: str,
    reason: str | None = None,
    assignee: str | None = None,
) -> FindingEvent:
    """Take `action` on `finding` as `actor` (with `role`); returns the history event.

    Raises ValidationError (unknown action, missing reason or assignee), ForbiddenError (the
    role may not, or the approver made the proposal) and ConflictError (not from this status).
    """
    rule = _rule(action)
    reason = _reason(reason, action, rule)
    if action == "assign" and assignee is None:
        raise ValidationError(
            "assign needs an assignee ('' to unassign)", [{"field": "assignee", "message": "required"}]
        )
    if role not in rule.roles:
        raise ForbiddenError(
            f"role {role!r} may not {action} a finding; needs one of {', '.join(rule.roles)}",
            {"action": action, "roles": list(rule.roles)},
        )
    before = finding.status
    if before not in rule.moves:
        allowed = allowed_actions(before)
        raise ConflictError(
            f"cannot {action} finding {finding.id}: it is {before!r}; "
            f"allowed from {before!r}: {', '.join(allowed)}",
            {"status": before, "action": action, "allowed_actions": allowed},
        )
    if action == "approve" and finding.proposed_by == actor:
        raise ForbiddenError(
            f"four eyes: {actor} proposed this ({finding.proposed_action}); "
            "a different approver must approve it",
            {"proposed_by": finding.proposed_by},
        )
    after = rule.moves[before]
    if after == PREVIOUS:
        after = _status_before_proposal(session, finding)
    details = _apply(session, finding, action, actor, after, assignee)
    return _log(session, finding, actor, action, before, reason, details, audit=True)


def _rule(action: str) -> Rule:
    return lookup_rule(RULES, action)


def lookup_rule(rules: Mapping[str, Rule], action: str) -> Rule:
    """The rule for `action` in a decision table; ValidationError naming the known actions."""
    rule = rules.get(action)
    if rule is None:
        known = ", ".join(rules)
        raise ValidationError(
            f"unknown action {action!r}; use one of {known}",
            [{"field": "action", "message": f"must be one of {known}"}],
        )
    return rule


def _reason(reason: str | None, action: str, rule: Rule) -> str | None:
    return clean_reason(reason, action, rule)


def clean_reason(reason: str | None, action: str, rule: Rule) -> str | None:
    """The stripped reason (None if blank); ValidationError when required and missing, or too long."""
    text = (reason or "").strip() or None
    if rule.reason_required and text is None:
        raise ValidationError(
            f"{action} needs a reason", [{"field": "reason", "message": f"required to {action}"}]
        )
    if text is not None and len(text) > MAX_REASON_LENGTH:
        raise ValidationError(
            f"the reason is longer than {MAX_REASON_LENGTH} characters",
            [{"field": "reason", "message": f"at most {MAX_REASON_LENGTH} characters"}],
        )
    return text


def _apply(
    session: Session, finding: Finding, action: str, actor: str, after: str, assignee: str | None
) -> dict[str, Any]:
    """Change the finding for `action`; returns what the history should say besides the move."""
    details: dict[str, Any] = {}
    if assignee is not None:
        finding.assignee = details["assignee"] = normalize_assignee(session, assignee)
    elif action == "start_review" or (action == "reopen" and after == "in_review" and not finding.assignee):
        finding.assignee = details["assignee"] = actor  # who takes it up owns it unless told otherwise
    if action == "propose_confirm":
        finding.proposed_by, finding.proposed_action = actor, "confirm"
    elif action == "reopen" and after == "pending_reversal":
        finding.proposed_by, finding.proposed_action = actor, "reverse"
    elif action in ("approve", "reject"):
        details["proposed_by"] = finding.proposed_by
        if finding.proposed_action == "reverse":
            finding.needs_review = False  # an approver has now looked at the confirmation again
        finding.proposed_by = finding.proposed_action = None
    if action == "dismiss":
        _rebase(session, finding)  # the dismissal covers what the reviewer saw
    now = utcnow()
    if action not in ("comment", "assign"):
        finding.decided_at = now
    finding.status = after
    finding.updated_at = now
    return details


def normalize_assignee(session: Session, value: str) -> str | None:
    """`user:<email>` (a bare e-mail is accepted) or `apikey:<id>:<name>` of an existing actor."""
    value = value.strip()
    if not value:
        return None
    if "@" in value and not value.startswith("user:"):
        value = f"user:{value}"
    kind, _, rest = value.partition(":")
    exists = False
    if kind == "user":
        user = session.scalar(select(User).where(User.email == rest.lower()))
        exists, value = user is not None and user.active, f"user:{rest.lower()}"
    elif kind == "apikey":
        key_id = rest.split(":", 1)[0]
        exists = key_id.isdigit() and session.get(ApiKey, int(key_id)) is not None
    if not exists:
        raise ValidationError(
            f"unknown assignee {value!r}: give an active user's e-mail or an apikey:<id>:<name>",
            [{"field": "assignee", "message": "no such user or API key"}],
        )
    return value


def _status_before_proposal(session: Session, finding: Finding) -> str:
    proposed = session.scalar(
        select(FindingEvent.from_status)
        .where(
            FindingEvent.finding_id == finding.id,
            FindingEvent.action.in_(("propose_confirm", "reopen")),
            FindingEvent.to_status == finding.status,
        )
        .order_by(FindingEvent.id.desc())
        .limit(1)
    )
    return proposed or _BEFORE_PROPOSAL[finding.status]


def _rebase(session: Session, finding: Finding) -> None:
    """Point the finding at the entry and supplier as they are now (what a dismissal covers)."""
    from service.suppliers import screened_fields  # suppliers imports this module

    row = session.execute(
        select(ListEntryRow.list_version_id, ListEntryRow.content_hash, ListEntryRow.data)
        .join(ListVersion)
        .where(
            ListVersion.is_current.is_(True),
            ListEntryRow.source == finding.source,
            ListEntryRow.entry_id == finding.entry_id,
        )
    ).one_or_none()
    if row is not None:
        finding.list_version_id, finding.entry_hash, finding.entry_snapshot = row[0], row[1], row[2]
    finding.supplier_hash = finding.supplier.screened_hash
    finding.supplier_snapshot = screened_fields(finding.supplier)


def _log(
    session: Session,
    finding: Finding,
    actor: str,
    action: str,
    before: str | None,
    reason: str | None,
    details: dict[str, Any],
    *,
    audit: bool,
) -> FindingEvent:
    event = FindingEvent(
        finding=finding,
        at=utcnow(),
        actor=actor,
        action=action,
        from_status=before,
        to_status=finding.status,
        reason=reason,
        details=details,
    )
    session.add(event)
    if audit:
        about = {"supplier": finding.supplier.ref, "source": finding.source, "entry_id": finding.entry_id}
        record_event(
            session,
            actor,
            f"finding.{action}",
            subject=f"finding:{finding.id}",
            details={"from": before, "to": finding.status, **about, **details},
            reason=reason,
        )
    session.flush()
    return event


def record_action(
    session: Session, finding: Finding, actor: str, action: str, details: dict[str, Any]
) -> FindingEvent:
    """History and audit event for a step that does not move the finding (e.g. an attachment)."""
    return _log(session, finding, actor, action, finding.status, None, details, audit=True)


def record_system_event(
    session: Session,
    finding: Finding,
    action: str,
    before: str | None,
    details: dict[str, Any],
    *,
    reason: str | None = None,
    audit: bool = False,
) -> FindingEvent:
    """History written by screening or a list refresh (actor `system`)."""
    return _log(session, finding, SYSTEM_ACTOR, action, before, reason, details, audit=audit)


# --- delisting ------------------------------------------------------------------------------

DELISTING_CHUNK = 500  # entry ids per IN (...) query


def apply_delisting(session: Session, version: ListVersion, removed: Sequence[str]) -> int:
    """Findings on entries that `version` removed: open ones close as `delisted`, confirmed
    ones are flagged `needs_review`. Returns how many findings changed."""
    changed = 0
    for start in range(0, len(removed), DELISTING_CHUNK):
        stmt = select(Finding).where(
            Finding.source == version.source, Finding.entry_id.in_(removed[start : start + DELISTING_CHUNK])
        )
        for finding in session.scalars(stmt):
            changed += _delist(session, finding, version)
    return changed


def _delist(session: Session, finding: Finding, version: ListVersion) -> int:
    before = finding.status
    details = {"list_version": version.version, "list_version_id": version.id}
    if before in OPEN_STATUSES:
        finding.status = "delisted"
        finding.proposed_by = finding.proposed_action = None
        reason = f"the entry was removed from {version.source} in version {version.version}"
    elif before in ("confirmed", "pending_reversal"):
        finding.needs_review = True
        reason = DELISTED_CONFIRMED_REASON
    else:
        return 0  # dismissed or already delisted: nothing to decide
    finding.updated_at = utcnow()
    record_system_event(session, finding, "delisted", before, details, reason=reason, audit=True)
    return 1


# --- as the API shows them --------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding as the API lists it."""
    return {
        "id": finding.id,
        "supplier_ref": finding.supplier.ref,
        "supplier_name": finding.supplier.name,
        "source": finding.source,
        "entry_id": finding.entry_id,
        "listed_name": (finding.entry_snapshot or {}).get("names", [{}])[0].get("value"),
        "status": finding.status,
        "score": finding.score,
        "assignee": finding.assignee,
        "proposed_by": finding.proposed_by,
        "proposed_action": finding.proposed_action,
        "needs_review": finding.needs_review,
        "algorithm": finding.algorithm,
        "list_version_id": finding.list_version_id,
        "screening_id": finding.screening_id,
        "created_at": _iso(finding.created_at),
        "updated_at": _iso(finding.updated_at),
        "decided_at": _iso(finding.decided_at),
        "explanation": finding.explanation,
    }


def event_json(event: FindingEvent) -> dict[str, Any]:
    """One step of a finding's history."""
    return {
        "id": event.id,
        "at": _iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
        "details": event.details,
    }
