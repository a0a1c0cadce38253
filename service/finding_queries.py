"""Reading findings: the review queue (filters, sorting, pages) and one finding's full record.

`parse_filter` reads the same query parameters for the API and the queue page, and raises
`ValidationError` naming each bad parameter. Functions take `session` first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager
from werkzeug.datastructures import MultiDict

from service.attachments import attachment_json
from service.changes import diff_entry
from service.errors import ValidationError
from service.findings import STATUSES, allowed_actions, event_json, finding_json
from service.models import Finding, Supplier
from service.store import get_entry
from service.suppliers import supplier_json

SORTS = {"score": Finding.score, "created_at": Finding.created_at, "updated_at": Finding.updated_at}
ORDERS = ("desc", "asc")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
UNASSIGNED = "none"  # ?assignee=none: findings nobody has taken


@dataclass(frozen=True)
class FindingFilter:
    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_score: float | None = None
    max_score: float | None = None
    assignee: str | None = None
    supplier: str | None = None  # the supplier's ref
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_from: datetime | None = None
    updated_before: datetime | None = None
    needs_review: bool | None = None
    sort: str = "score"
    order: str = "desc"
    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})


def parse_filter(args: MultiDict[str, str], *, me: str | None = None) -> FindingFilter:
    """The queue filter from query parameters; `assignee=me` means `me` (the caller)."""
    problems = _Problems()
    statuses = _multi(args, "status")
    for status in statuses:
        if status not in STATUSES:
            problems.add("status", f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    assignee = _text(args, "assignee")
    found = FindingFilter(
        statuses=statuses,
        sources=_multi(args, "source"),
        min_score=_number(args, "min_score", problems, float, 0.0, 1.0),
        max_score=_number(args, "max_score", problems, float, 0.0, 1.0),
        assignee=me if assignee == "me" and me else assignee,
        supplier=_text(args, "supplier"),
        created_from=_moment(args, "created_from", problems, end=False),
        created_before=_moment(args, "created_to", problems, end=True),
        updated_from=_moment(args, "updated_from", problems, end=False),
        updated_before=_moment(args, "updated_to", problems, end=True),
        needs_review=_flag(args, "needs_review", problems),
        sort=_choice(args, "sort", tuple(SORTS), problems),
        order=_choice(args, "order", ORDERS, problems),
        limit=_number(args, "limit", problems, int, 1, MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE,
        offset=_number(args, "offset", problems, int, 0, None) or 0,
    )
    if problems.items:
        fields = ", ".join(p["field"] for p in problems.items)
        raise ValidationError(f"invalid query parameter(s): {fields}", problems.items)
    return found


def _text(args: MultiDict[str, str], name: str) -> str | None:
    value = (args.get(name) or "").strip()
    return value or None


def _multi(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    """Repeated (?status=a&status=b) or comma-separated (?status=a,b) values."""
    values = [v.strip() for raw in args.getlist(name) for v in raw.split(",")]
    return tuple(dict.fromkeys(v for v in values if v))


def _number(
    args: MultiDict[str, str],
    name: str,
    problems: _Problems,
    kind: Callable[[str], Any],
    low: float,
    high: float | None,
) -> Any:
    raw = _text(args, name)
    if raw is None:
        return None
    try:
        value = kind(raw)
    except ValueError:
        problems.add(name, f"not a number: {raw!r}")
        return None
    if value < low or (high is not None and value > high):
        problems.add(name, f"must be between {low} and {high}" if high is not None else f"must be ≥ {low}")
        return None
    return value


def _moment(args: MultiDict[str, str], name: str, problems: _Problems, *, end: bool) -> datetime | None:
    """A date (a `_to` date includes its whole day) or an ISO datetime, as UTC."""
    raw = _text(args, name)
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        moment = datetime.fromisoformat(raw)
    except ValueError:
        problems.add(name, f"not a date (YYYY-MM-DD) or ISO datetime: {raw!r}")
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(microseconds=1) if end else moment


def _flag(args: MultiDict[str, str], name: str, problems: _Problems) -> bool | None:
    raw = _text(args, name)
    if raw is None:
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    problems.add(name, "must be true or false")
    return None


def _choice(args: MultiDict[str, str], name: str, choices: tuple[str, ...], problems: _Problems) -> str:
    raw = _text(args, name)
    if raw is None:
        return choices[0]
    if raw not in choices:
        problems.add(name, f"must be one of {', '.join(choices)}")
        return choices[0]
    return raw


def list_findings(session: Session, wanted: FindingFilter) -> tuple[list[Finding], int]:
    """One page of findings matching `wanted`, and how many match in all."""
    stmt = _where(select(Finding).join(Finding.supplier), wanted)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    column = SORTS[wanted.sort]
    ordering = (column.desc(), Finding.id.desc()) if wanted.order == "desc" else (column, Finding.id)
    page = stmt.options(contains_eager(Finding.supplier)).order_by(*ordering)
    rows = session.scalars(page.limit(wanted.limit).offset(wanted.offset))
    return list(rows), total


def _where(stmt: Select[Finding], wanted: FindingFilter) -> Select[Finding]:
    conditions: list[Any] = []
    if wanted.statuses:
        conditions.append(Finding.status.in_(wanted.statuses))
    if wanted.sources:
        conditions.append(Finding.source.in_(wanted.sources))
    if wanted.min_score is not None:
        conditions.append(Finding.score >= wanted.min_score)
    if wanted.max_score is not None:
        conditions.append(Finding.score <= wanted.max_score)
    if wanted.assignee == UNASSIGNED:
        conditions.append(Finding.assignee.is_(None))
    elif wanted.assignee:
        conditions.append(Finding.assignee == wanted.assignee)
    if wanted.supplier:
        conditions.append(Supplier.ref == wanted.supplier)
    if wanted.needs_review is not None:
        conditions.append(Finding.needs_review.is_(wanted.needs_review))
    for column, low, high in (
        (Finding.created_at, wanted.created_from, wanted.created_before),
        (Finding.updated_at, wanted.updated_from, wanted.updated_before),
    ):
        if low is not None:
            conditions.append(column >= low)
        if high is not None:
            conditions.append(column < high)
    return stmt.where(*conditions)


def filter_args(wanted: FindingFilter) -> dict[str, Any]:
    """The filter as query parameters (for the page's links), without paging."""
    return {
        k: v
        for k, v in {
            "status": ",".join(wanted.statuses),
            "source": ",".join(wanted.sources),
            "min_score": wanted.min_score,
            "max_score": wanted.max_score,
            "assignee": wanted.assignee,
            "supplier": wanted.supplier,
            "needs_review": None if wanted.needs_review is None else str(wanted.needs_review).lower(),
            "sort": wanted.sort,
            "order": wanted.order,
        }.items()
        if v not in (None, "")
    }


def finding_detail(session: Session, finding: Finding) -> dict[str, Any]:
    """A finding with its supplier, the entry as matched and as it is now, history, files."""
    now = get_entry(session, finding.source, finding.entry_id)
    current = now.to_dict() if now is not None else None
    return {
        **finding_json(finding),
        "supplier": supplier_json(finding.supplier),
        "entry_as_matched": finding.entry_snapshot,
        "entry_now": current,
        "entry_changes": diff_entry(finding.entry_snapshot, current) if current is not None else None,
        "allowed_actions": allowed_actions(finding.status),
        "history": [event_json(e) for e in finding.events],
        "attachments": [attachment_json(a) for a in finding.attachments],
    }
