"""The referral document: what a referral says, as one JSON object (schema: `service.referral_schema`).

It carries the vendor's identification, its known affiliates, the proscribed practices, the
sanction recommended, the narrative, the referring organisation and its focal point, and the
evidence: for every finding, the list entry exactly as it was when matched (with the list, its
version and the publisher's date), the screenings that raised it, and every decision on it
with who took it and when. `document_bytes` is the canonical encoding that is signed and sent.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Finding, ListEntryRow, ListVersion, Referral, Screening, utcnow
from service.referral_schema import SCHEMA_ID, SCHEMA_VERSION


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def build_document(session: Session, referral: Referral, now: datetime | None = None) -> dict[str, Any]:
    """The referral document as of `now` (approval freezes it)."""
    content = referral.content
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "referral_id": referral.id,
        "key": referral.key,
        "created_at": _iso(referral.created_at),
        "created_by": referral.created_by,
        "generated_at": (now or utcnow()).isoformat(),
        "referring_organisation": content["referring_organisation"],
        "vendor": content["vendor"],
        "affiliates": content["affiliates"],
        "practices": content["practices"],
        "sanction": content["sanction"],
        "narrative": content["narrative"],
        "evidence": [evidence_item(session, link.finding) for link in referral.links],
        "approval": {
            "submitted_by": referral.submitted_by,
            "submitted_at": _iso(referral.submitted_at),
            "approved_by": referral.approved_by,
            "approved_at": _iso(referral.approved_at),
        },
    }


def document_bytes(document: dict[str, Any]) -> bytes:
    """The canonical UTF-8 JSON of a document: the same bytes every time it is sent."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def evidence_item(session: Session, finding: Finding) -> dict[str, Any]:
    """One finding as evidence: the entry as matched, its list version, screenings, decisions."""
    entry = finding.entry_snapshot or {}
    explanation = finding.explanation or {}
    version = _version_as_matched(session, finding)
    return {
        "finding_id": finding.id,
        "status": finding.status,
        "score": round(finding.score, 4),
        "source": finding.source,
        "entry_id": finding.entry_id,
        "listed_name": ((entry.get("names") or [{}])[0]).get("value"),
        "matched_name": explanation.get("matched_name"),
        "query_name": explanation.get("query_name"),
        "summary": explanation.get("summary"),
        "algorithm": finding.algorithm,
        "list_version": {
            "source": version.source,
            "version": version.version,
            "published_at": version.published_at,
            "fetched_at": _iso(version.fetched_at),
            "checksum": version.checksum,
        },
        "entry": entry,
        "screenings": _screenings(session, finding),
        "decisions": [
            {
                "at": _iso(event.at),
                "actor": event.actor,
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "reason": event.reason,
            }
            for event in finding.events
        ],
    }


def _version_as_matched(session: Session, finding: Finding) -> ListVersion:
    """The newest version holding the entry exactly as the finding saw it (else the finding's)."""
    version = session.scalar(
        select(ListVersion)
        .join(ListEntryRow, ListEntryRow.list_version_id == ListVersion.id)
        .where(
            ListEntryRow.source == finding.source,
            ListEntryRow.entry_id == finding.entry_id,
            ListEntryRow.content_hash == finding.entry_hash,
            ListVersion.id <= finding.list_version_id,
        )
        .order_by(ListVersion.version.desc())
        .limit(1)
    )
    if version is None:
        version = session.get(ListVersion, finding.list_version_id)
    assert version is not None  # a finding's list version is never deleted (foreign key)
    return version


def _screenings(session: Session, finding: Finding) -> list[dict[str, Any]]:
    """The screenings that raised or re-raised the finding, oldest first."""
    ids = [e.details.get("screening_id") for e in finding.events if e.details.get("screening_id")]
    ids = list(dict.fromkeys([*ids, finding.screening_id]))
    rows = session.scalars(select(Screening).where(Screening.id.in_(ids)).order_by(Screening.created_at))
    return [
        {
            "id": row.id,
            "created_at": _iso(row.created_at),
            "channel": row.channel,
            "actor": row.actor,
            "algorithm": row.algorithm,
            "threshold": row.threshold,
            "lists": row.list_versions.get("lists", []),
        }
        for row in rows
    ]


def sanction_text(sanction: dict[str, Any]) -> str:
    """The sanction in words: `debarment from 2026-01-01, permanent`, `censure`, ..."""
    parts = [
        f"from {sanction['from']}" if sanction.get("from") else "",
        f"until {sanction['until']}" if sanction.get("until") else "",
        "permanent" if sanction.get("permanent") else "",
    ]
    dated = ", ".join(p for p in parts if p)
    text = f"{sanction['type']} {dated}".strip()
    return f"{text} ({sanction['text']})" if sanction.get("text") else text
