"""The supplier registry and its findings. Functions take `session` first and never commit.

A finding is about (supplier, source, entry id) and is idempotent: screening the same
supplier again updates it. A dismissed finding stays dismissed unless the list entry's content
or the supplier's screened fields changed since it was decided; then it reopens as `changed`
with what changed recorded. Confirmed findings are never silently closed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from service.models import Finding, ListEntryRow, ListVersion, Supplier, utcnow
from service.schemas import SupplierInput

REOPENABLE = frozenset({"dismissed"})


def supplier_hash(supplier: SupplierInput) -> str:
    """Hash of the fields screening reads: a change reopens dismissed findings."""
    screened = {
        "name": supplier.name,
        "other_names": sorted(supplier.all_other_names),
        "kind": supplier.kind,
        "country": supplier.country,
        "registration_numbers": sorted(supplier.registration_numbers),
        "tax_id": supplier.tax_id,
        "owners": sorted(o.name for o in supplier.owners),
    }
    return hashlib.sha256(json.dumps(screened, sort_keys=True).encode()).hexdigest()


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
        match["finding_id"] = finding.id
        findings.append(finding)
    return findings


def _record_finding(
    session: Session, supplier: Supplier, match: dict[str, Any], screening_id: str, algorithm: str
) -> Finding:
    version_id, entry_hash, entry_data = _current_entry(session, match["source"], match["entry_id"])
    finding = session.scalar(
        select(Finding).where(
            Finding.supplier_id == supplier.id,
            Finding.source == match["source"],
            Finding.entry_id == match["entry_id"],
        )
    )
    now = utcnow()
    reopened = (finding.explanation or {}).get("reopened") if finding is not None else None
    if finding is None:
        finding = Finding(
            supplier_id=supplier.id,
            source=match["source"],
            entry_id=match["entry_id"],
            status="new",
            entry_hash=entry_hash,
            entry_snapshot=entry_data,
            supplier_hash=supplier.screened_hash,
            created_at=now,
        )
    elif finding.status in REOPENABLE and (
        finding.entry_hash != entry_hash or finding.supplier_hash != supplier.screened_hash
    ):
        reopened = _what_changed(finding, entry_hash, supplier)
        finding.status = "changed"
        finding.entry_hash, finding.entry_snapshot = entry_hash, entry_data
        finding.supplier_hash = supplier.screened_hash
    finding.score = match["score"]
    finding.list_version_id = version_id
    # Why a dismissed finding reopened stays with it through later screenings.
    finding.explanation = {**match["explanation"], **({"reopened": reopened} if reopened else {})}
    finding.algorithm = algorithm
    finding.screening_id = screening_id
    finding.updated_at = now
    session.add(finding)
    session.flush()
    return finding


def _what_changed(finding: Finding, entry_hash: str, supplier: Supplier) -> list[str]:
    changed = []
    if finding.entry_hash != entry_hash:
        changed.append("list entry")
    if finding.supplier_hash != supplier.screened_hash:
        changed.append("supplier's screened fields")
    return changed


def _current_entry(session: Session, source: str, entry_id: str) -> tuple[int, str, dict[str, Any]]:
    row = session.execute(
        select(ListEntryRow.list_version_id, ListEntryRow.content_hash, ListEntryRow.data)
        .join(ListVersion)
        .where(
            ListVersion.is_current.is_(True), ListEntryRow.source == source, ListEntryRow.entry_id == entry_id
        )
    ).one()
    return row[0], row[1], row[2]


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding as the API shows it."""
    return {
        "id": finding.id,
        "supplier_ref": finding.supplier.ref,
        "source": finding.source,
        "entry_id": finding.entry_id,
        "listed_name": (finding.entry_snapshot or {}).get("names", [{}])[0].get("value"),
        "status": finding.status,
        "score": finding.score,
        "algorithm": finding.algorithm,
        "list_version_id": finding.list_version_id,
        "screening_id": finding.screening_id,
        "created_at": finding.created_at.isoformat(),
        "updated_at": finding.updated_at.isoformat(),
        "explanation": finding.explanation,
    }


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
