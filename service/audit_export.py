"""Reading the audit trail back: filters, pages, and CSV or JSON exports.

An export is one JSON document, streamed::

    {"from": "2026-01-01", "to": "2026-03-31", "filters": {...}, "as_of_id": 1234,
     "events": [{"id", "created_at", "actor", "action", "subject", "reason", "details",
                 "prev_hash", "hash"}, ...],
     "count": 2}

or CSV with the same columns (details as JSON text) behind a header row, UTF-8 with a BOM for
Excel, and every cell that a spreadsheet would read as a formula prefixed with ' . The JSON
form carries each event exactly as it was hashed, so `flask --app service audit verify --file`
can check it; the CSV form is for reading.

An event "refers to" supplier REF when its subject is `supplier:REF` or the supplier's API
path, its details name it (`supplier_ref` or `supplier`, or a `supplier_refs` list), or it records a
screening that was asked about REF (found through the stored screening and the findings).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, Text, and_, cast, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.models import AuditEvent, Finding, Screening, Supplier
from service.spreadsheets import neutralize

FORMATS = ("json", "csv")
COLUMNS = ("id", "created_at", "actor", "action", "subject", "reason", "details", "prev_hash", "hash")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SUPPLIER_KEYS = ("supplier_ref", "supplier")  # details keys that name one supplier by its ref
MAX_SQL_IDS = 1000  # more screening ids than this are matched in Python, not in an IN list


class FilterError(ValueError):
    """A bad filter value; `field` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class EventFilter:
    """Which events: a date range (inclusive days, UTC), a supplier, an actor, an action.

    `action` is exact, or a prefix when it ends in `*` (`finding.*`).
    """

    start: date | None = None
    end: date | None = None
    supplier: str | None = None
    actor: str | None = None
    action: str | None = None

    @property
    def contiguous(self) -> bool:
        """True when only the date range narrows it, so the events form one piece of the chain."""
        return not (self.supplier or self.actor or self.action)

    def describe(self) -> dict[str, str | None]:
        """The filters as the query parameters that give them."""
        values = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()}
        return {"from": values.pop("start"), "to": values.pop("end"), **values}


def parse_filter(args: Mapping[str, str]) -> EventFilter:
    """An EventFilter from query parameters `from`, `to`, `supplier`, `actor`, `action`."""
    start, end = _day(args, "from"), _day(args, "to")
    if start and end and start > end:
        raise FilterError("from", f"{start} is after to={end}")
    text = {k: (args.get(k) or "").strip() or None for k in ("supplier", "actor", "action")}
    return EventFilter(start, end, **text)


def parse_format(value: str | None) -> str:
    """`json` (the default) or `csv`."""
    fmt = (value or "json").lower()
    if fmt not in FORMATS:
        raise FilterError("format", f"must be json or csv, got {value!r}")
    return fmt


def _day(args: Mapping[str, str], name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        if not DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(name, f"must be a date YYYY-MM-DD, got {value!r}") from None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def latest_event_id(session: Session) -> int:
    """The newest event's id (0 when there is none): an export reads up to it."""
    return int(session.scalar(select(func.max(AuditEvent.id))) or 0)


def iter_events(
    session: Session,
    flt: EventFilter,
    *,
    upto_id: int | None = None,
    before_id: int | None = None,
    newest_first: bool = False,
    limit: int | None = None,
) -> Iterator[AuditEvent]:
    """The events `flt` selects, in id order (or newest first), read in chunks."""
    stmt = _select(flt)
    if upto_id is not None:
        stmt = stmt.where(AuditEvent.id <= upto_id)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    stmt = stmt.order_by(AuditEvent.id.desc() if newest_first else AuditEvent.id)
    refers = _supplier_check(session, flt) if flt.supplier else None
    if refers is not None:
        stmt = stmt.where(refers.clause)
    elif limit is not None:
        stmt = stmt.limit(limit)
    found = 0
    result = session.scalars(stmt.execution_options(yield_per=500))
    try:
        for event in result:
            if refers is not None and not refers.matches(event):
                continue
            yield event
            found += 1
            if limit is not None and found >= limit:
                return
    finally:
        result.close()  # the server-side cursor, also when a page stops early


def _select(flt: EventFilter) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if flt.start:
        stmt = stmt.where(AuditEvent.created_at >= _midnight(flt.start))
    if flt.end:
        stmt = stmt.where(AuditEvent.created_at < _midnight(flt.end + timedelta(days=1)))
    if flt.actor:
        stmt = stmt.where(AuditEvent.actor == flt.actor)
    if flt.action and flt.action.endswith("*"):
        stmt = stmt.where(AuditEvent.action.startswith(flt.action[:-1], autoescape=True))
    elif flt.action:
        stmt = stmt.where(AuditEvent.action == flt.action)
    return stmt


@dataclass(frozen=True)
class _SupplierCheck:
    """A SQL pre-filter that may let too much through, and the exact test in Python."""

    ref: str
    subjects: frozenset[str]
    screenings: frozenset[str]
    clause: ColumnElement[bool]

    def matches(self, event: AuditEvent) -> bool:
        if event.subject in self.subjects:
            return True
        if event.action == "screening" and event.subject in self.screenings:
            return True
        details = event.details if isinstance(event.details, dict) else {}
        refs = details.get("supplier_refs")
        named = any(details.get(key) == self.ref for key in SUPPLIER_KEYS)
        return named or (isinstance(refs, list) and self.ref in refs)


def _supplier_check(session: Session, flt: EventFilter) -> _SupplierCheck:
    ref = flt.supplier or ""
    subjects = frozenset({f"supplier:{ref}", f"/api/v1/suppliers/{ref}"})
    screenings = frozenset(_screenings_of(session, ref, flt))
    as_text = cast(AuditEvent.details, Text)
    named = [as_text.contains(p, autoescape=True) for p in _json_forms(ref)]
    if not screenings:
        screened: ColumnElement[bool] = false()
    elif len(screenings) <= MAX_SQL_IDS:
        screened = and_(AuditEvent.action == "screening", AuditEvent.subject.in_(sorted(screenings)))
    else:
        screened = AuditEvent.action == "screening"
    clause = or_(AuditEvent.subject.in_(sorted(subjects)), screened, *named)
    return _SupplierCheck(ref, subjects, screenings, clause)


def _json_forms(text: str) -> set[str]:
    """`text` as it appears inside stored JSON (ASCII-escaped on SQLite, raw on PostgreSQL)."""
    return {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}


def _screenings_of(session: Session, ref: str, flt: EventFilter) -> set[str]:
    """Ids of the screenings that were asked about supplier `ref` (within the date range)."""
    stmt = select(Screening.id, Screening.request, Screening.response)
    slack = timedelta(days=1)  # a screening is stored just before its event
    if flt.start:
        stmt = stmt.where(Screening.created_at >= _midnight(flt.start) - slack)
    if flt.end:
        stmt = stmt.where(Screening.created_at < _midnight(flt.end) + 2 * slack)
    texts = [cast(column, Text) for column in (Screening.request, Screening.response)]
    stmt = stmt.where(or_(*(t.contains(p, autoescape=True) for t in texts for p in _json_forms(ref))))
    found = {sid for sid, request, response in session.execute(stmt) if _names_ref((request, response), ref)}
    # Uploads store no refs with the screening; their alerts do, on the findings they raised.
    raised = select(Finding.screening_id).join(Supplier, Finding.supplier_id == Supplier.id)
    found.update(session.scalars(raised.where(Supplier.ref == ref)))
    return found


def _names_ref(value: Any, ref: str) -> bool:
    """True if some object inside `value` has "ref": ref."""
    if isinstance(value, dict):
        return value.get("ref") == ref or any(_names_ref(v, ref) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_names_ref(v, ref) for v in value)
    return False


def event_json(event: AuditEvent) -> dict[str, Any]:
    """One event as exported: its content exactly as hashed, with both hashes."""
    return {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "reason": event.reason,
        "details": event.details,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def csv_chunks(events: Iterator[AuditEvent]) -> Iterator[str]:
    """CSV text: a BOM and the header row, then one row per event, formulas neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield "\ufeff" + _take(buffer)
    for event in events:
        row = event_json(event)
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        writer.writerow(["" if row[c] is None else _cell(row[c]) for c in COLUMNS])
        yield _take(buffer)


def _cell(value: Any) -> Any:
    return neutralize(value) if isinstance(value, str) else value


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_chunks(events: Iterator[AuditEvent], flt: EventFilter, upto_id: int) -> Iterator[str]:
    """One JSON document, streamed: the filters, the events in id order, their count last."""
    described = flt.describe()
    head = {"from": described["from"], "to": described["to"], "filters": described, "as_of_id": upto_id}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "events": ['
    count = 0
    for event in events:
        yield ("," if count else "") + "\n" + json.dumps(event_json(event), ensure_ascii=False)
        count += 1
    yield f'\n], "count": {count}}}\n'


def export_chunks(session: Session, flt: EventFilter, fmt: str, upto_id: int | None = None) -> Iterator[str]:
    """The whole export of `flt` in `fmt`, up to event `upto_id` (default: the newest now)."""
    upto = latest_event_id(session) if upto_id is None else upto_id
    events = iter_events(session, flt, upto_id=upto)
    return csv_chunks(events) if fmt == "csv" else json_chunks(events, flt, upto)


def export_filename(flt: EventFilter, fmt: str) -> str:
    """audit-events[-from][-to][-supplier].fmt, safe as a file name."""
    parts = ["audit-events", *(str(p) for p in (flt.start, flt.end, flt.supplier) if p)]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(parts)) + f".{fmt}"
