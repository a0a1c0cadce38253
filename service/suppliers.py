"""The supplier registry and its findings. Functions take `session` first and never commit.

A finding is about (supplier, source, entry id) and is idempotent: screening the same
supplier again updates it. A dismissed finding stays dismissed unless the list entry's content
or the supplier's screened fields changed since it was decided; then it reopens as `changed`
with what changed recorded field by field. A delisted finding whose entry is listed again
reopens the same way. Confirmed findings are never silently closed or reopened. Decisions
themselves are `service.findings`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from service.changes import diff_entry, diff_supplier
from service.findings import finding_json, record_system_event
from service.models import Finding, ListEntryRow, ListVersion, Supplier, utcnow
from service.schemas import SupplierInput

log = logging.getLogger(__name__)
REOPENABLE = frozenset({"dismissed", "delisted"})  # a delisted finding matched again: relisted
_REOPEN_REASONS = {
    "listed again": "the entry is on the list again",
    "list entry": "the list entry changed",
    "supplier's screened fields": "the supplier's screened fields changed",
}


def _screened(
    name: str,
    other_names: Sequence[str],
    kind: str,
    country: str | None,
    registration_numbers: Sequence[str],
    tax_id: str | None,
    owners: Sequence[str],
) -> dict[str, Any]:
    return {
        "name": name,
        "other_names": sorted(other_names),
        "kind": kind,
        "country": country,
        "registration_numbers": sorted(registration_numbers),
        "tax_id": tax_id,
        "owners": sorted(owners),
    }


def supplier_hash(supplier: SupplierInput) -> str:
    """Hash of the fields screening reads: a change reopens dismissed findings."""
    screened = _screened(
        supplier.name,
        supplier.all_other_names,
        supplier.kind,
        supplier.country,
        supplier.registration_numbers,
        supplier.tax_id,
        [o.name for o in supplier.owners],
    )
    return hashlib.sha256(json.dumps(screened, sort_keys=True).encode()).hexdigest()


def screened_fields(row: Supplier) -> dict[str, Any]:
    """The registered supplier's screened fields (what `supplier_hash` covers), for diffs."""
    names = list(row.other_names.get("names", []))
    original = row.other_names.get("original_script_name")
    details = row.details or {}
    return _screened(
        row.name,
        list(dict.fromkeys(names + ([original] if original else []))),
        row.kind,
        row.country,
        details.get("registration_numbers", []),
        details.get("tax_id"),
        [o["name"] for o in details.get("owners", [])],
    )


def get_supplier(session: Session, ref: str) -> Supplier | None:
    """The supplier with vendor number `ref` (archived ones included)."""
    return session.scalar(select(Supplier).where(Supplier.ref == ref))


def upsert_supplier(session: Session, supplier: SupplierInput) -> Supplier:
    """Add the supplier to the registry or update it (un-archiving it); `ref` is required."""
    assert supplier.ref, "a supplier needs a ref to be registered"
    row = get_supplier(session, supplier.ref) or Supplier(ref=supplier.ref)
    row.name = supplier.name
    row.kind = supplier.kind
    row.country = supplier.country
    row.other_names = {
        "names": list(supplier.other_names),
        "original_script_name": supplier.original_script_name,
    }
    row.details = {
        "registration_numbers": list(supplier.registration_numbers),
        "tax_id": supplier.tax_id,
        "address": supplier.address,
        "owners": [asdict(o) for o in supplier.owners],
    }
    new_hash = supplier_hash(supplier)
    if row.id is None or row.screened_hash != new_hash:
        row.updated_at = utcnow()
    row.screened_hash = new_hash
    row.archived_at = None
    session.add(row)
    session.flush()
    return row


def list_suppliers(
    session: Session, *, query: str | None = None, archived: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[Supplier], int]:
    """A page of suppliers (name or ref containing `query`) and the total count."""
    stmt = select(Supplier)
    if not archived:
        stmt = stmt.where(Supplier.archived_at.is_(None))
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(or_(func.lower(Supplier.name).like(like), func.lower(Supplier.ref).like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Supplier.ref).limit(limit).offset(offset))
    return list(rows), total


def record_findings(
    session: Session, supplier: Supplier, matches: Sequence[dict[str, Any]], screening_id: str, algorithm: str
) -> list[Finding]:
    """Create or update one finding per alert; adds `finding_id` to each match dict."""
    findings = []
    for match in matches:
        finding = _record_finding(session, supplier, match, screening_id, algorithm)
        if finding is not None:
            match["finding_id"] = finding.id
            findings.append(finding)
    return findings


def _record_finding(
    session: Session, supplier: Supplier, match: dict[str, Any], screening_id: str, algorithm: str
) -> Finding | None:
    current = _current_entry(session, match["source"], match["entry_id"])
    if current is None:
        # The index still held a version that a refresh just replaced without this entry.
        log.info("%s %s left the list while screening; no finding", match["source"], match["entry_id"])
        return None
    version_id, entry_hash, entry_data = current
    finding = session.scalar(
        select(Finding).where(
            Finding.supplier_id == supplier.id,
            Finding.source == match["source"],
            Finding.entry_id == match["entry_id"],
        )
    )
    now = utcnow()
    event: tuple[str, str | None, dict[str, Any]] | None = None
    kept = (
        {k: v for k, v in (finding.explanation or {}).items() if k in ("reopened", "changes")}
        if finding
        else {}
    )
    if finding is None:
        finding = Finding(
            supplier_id=supplier.id,
            supplier=supplier,
            source=match["source"],
            entry_id=match["entry_id"],
            status="new",
            entry_hash=entry_hash,
            entry_snapshot=entry_data,
            supplier_hash=supplier.screened_hash,
            supplier_snapshot=screened_fields(supplier),
            created_at=now,
        )
        event = ("created", None, {"screening_id": screening_id, "score": match["score"]})
    elif finding.status in REOPENABLE and (
        finding.status == "delisted"
        or finding.entry_hash != entry_hash
        or finding.supplier_hash != supplier.screened_hash
    ):
        kept = _what_changed(finding, entry_hash, entry_data, supplier)
        event = ("reopened", finding.status, {"screening_id": screening_id, **kept})
        finding.status = "changed"
        finding.entry_hash, finding.entry_snapshot = entry_hash, entry_data
        finding.supplier_hash = supplier.screened_hash
        finding.supplier_snapshot = screened_fields(supplier)
    finding.score = match["score"]
    finding.list_version_id = version_id
    # Why a finding reopened stays with it through later screenings.
    names = {k: match[k] for k in ("matched_name", "query_name", "matched_via") if match.get(k)}
    finding.explanation = {**match["explanation"], **names, **kept}
    finding.algorithm = algorithm
    finding.screening_id = screening_id
    finding.updated_at = now
    session.add(finding)
    session.flush()
    if event is not None:
        action, before, details = event
        reopened = action == "reopened"
        reason = (
            f"reopened: {'; '.join(_REOPEN_REASONS[r] for r in details['reopened'])}" if reopened else None
        )
        record_system_event(session, finding, action, before, details, reason=reason, audit=reopened)
    return finding


def _what_changed(
    finding: Finding, entry_hash: str, entry_data: dict[str, Any], supplier: Supplier
) -> dict[str, Any]:
    """`reopened`: which side changed; `changes`: field by field, what (names added, ...)."""
    reopened, changes = [], {}
    if finding.status == "delisted":
        reopened.append("listed again")
    if finding.entry_hash != entry_hash:
        reopened.append("list entry")
        changes["entry"] = diff_entry(finding.entry_snapshot, entry_data) or {
            "content": "changed (order or formatting only)"
        }
    if finding.supplier_hash != supplier.screened_hash:
        reopened.append("supplier's screened fields")
        changes["supplier"] = diff_supplier(finding.supplier_snapshot, screened_fields(supplier))
    return {"reopened": reopened, "changes": changes}


def _current_entry(session: Session, source: str, entry_id: str) -> tuple[int, str, dict[str, Any]] | None:
    row = session.execute(
        select(ListEntryRow.list_version_id, ListEntryRow.content_hash, ListEntryRow.data)
        .join(ListVersion)
        .where(
            ListVersion.is_current.is_(True), ListEntryRow.source == source, ListEntryRow.entry_id == entry_id
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def supplier_json(row: Supplier, *, with_findings: bool = False) -> dict[str, Any]:
    """One supplier as the API shows it."""
    data = {
        "ref": row.ref,
        "name": row.name,
        "kind": row.kind,
        "country": row.country,
        "other_names": row.other_names.get("names", []),
        "original_script_name": row.other_names.get("original_script_name"),
        **(row.details or {}),
        "archived": row.archived_at is not None,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "last_screened_at": row.last_screened_at.isoformat() if row.last_screened_at else None,
    }
    if with_findings:
        data["findings"] = [finding_json(f) for f in sorted(row.findings, key=lambda f: -f.score)]
    return data
