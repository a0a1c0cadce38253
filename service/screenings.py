"""Screening a supplier: run the engine, shape the answer, record what was asked and answered."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from screening import Identifier, Match, Matcher, Query
from service.audit import record_event
from service.config import ScreeningSettings
from service.engine import LoadedIndex
from service.errors import NotReadyError
from service.models import Screening
from service.schemas import SupplierInput
from service.suppliers import record_findings, upsert_supplier


def lists_used(index: LoadedIndex) -> list[dict[str, Any]]:
    """The list versions an answer was computed on."""
    return [
        {
            "source": v.source,
            "version": v.version,
            "as_of": v.published_at or v.fetched_at.isoformat(),
            "fetched_at": v.fetched_at.isoformat(),
            "entry_count": v.entry_count,
        }
        for v in index.versions
    ]


def match_to_json(index: LoadedIndex, match: Match, strong_threshold: float) -> dict[str, Any]:
    """One match as the API returns it: list entry summary, score and explanation."""
    entry = index.entries[match.key]
    return {
        "source": entry.source,
        "entry_id": entry.entry_id,
        "name": entry.name,
        "kind": entry.kind,
        "programs": list(entry.programs),
        "countries": list(entry.countries),
        "score": round(match.score, 4),
        "strong": match.score >= strong_threshold,
        "matched_name": match.matched_name,
        "query_name": match.query_name,
        "explanation": {
            "summary": match.summary,
            "query_normalized": match.query_normalized,
            "matched_normalized": match.matched_normalized,
            "features": [asdict(f) for f in match.features],
            "detail": match.detail,
        },
    }


def supplier_queries(supplier: SupplierInput) -> list[tuple[Query, str | None]]:
    """The supplier itself, then each owner or director as a person: (query, owner name)."""
    identifiers = tuple(Identifier("registration_number", n) for n in supplier.registration_numbers)
    if supplier.tax_id:
        identifiers += (Identifier("tax_id", supplier.tax_id),)
    own = Query(
        name=supplier.name,
        kind=supplier.kind,  # type: ignore[arg-type]
        country=supplier.country,
        aliases=supplier.all_other_names,
        identifiers=identifiers,
    )
    owners = [(Query(name=o.name, kind="person", country=o.country), o.name) for o in supplier.owners]
    return [(own, None), *owners]


def screen_supplier(
    index: LoadedIndex, supplier: SupplierInput, settings: ScreeningSettings
) -> list[dict[str, Any]]:
    """All alerts for one supplier and its owners, best first; one per list entry."""
    best: dict[str, dict[str, Any]] = {}
    for query, owner in supplier_queries(supplier):
        for match in index.matcher.screen(query, threshold=settings.threshold, limit=settings.limit):
            found = match_to_json(index, match, settings.strong_threshold)
            found["matched_via"] = {"owner": owner} if owner else {"supplier": supplier.name}
            if match.key not in best or found["score"] > best[match.key]["score"]:
                best[match.key] = found
    ranked = sorted(best.values(), key=lambda m: m["score"], reverse=True)
    return ranked[: settings.limit]


def run_screening(
    session: Session,
    index: LoadedIndex | None,
    suppliers: Sequence[SupplierInput],
    settings: ScreeningSettings,
    *,
    channel: str,
    actor: str,
    request_id: str | None,
    request_body: dict[str, Any],
) -> tuple[Screening, list[dict[str, Any]]]:
    """Screen `suppliers`, store a `Screening` row (not committed), return it and the results."""
    if index is None:
        raise NotReadyError(
            "no watchlist is loaded, so no supplier can be cleared; "
            "import one with 'flask --app service lists import un_sc FILE'"
        )
    started = time.perf_counter()
    results = []
    for supplier in suppliers:
        matches = screen_supplier(index, supplier, settings)
        results.append(
            {
                "ref": supplier.ref,
                "name": supplier.name,
                "decision": "alert" if matches else "clear",
                "matches": matches,
            }
        )
    algorithm = f"{Matcher.NAME}/{Matcher.VERSION}"
    screening = Screening(
        channel=channel,
        actor=actor,
        request_id=request_id,
        algorithm=algorithm,
        threshold=settings.threshold,
        list_versions={"lists": lists_used(index)},
        request=request_body,
        response={},
        alert_count=sum(1 for r in results if r["decision"] == "alert"),
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    session.add(screening)
    session.flush()
    record_event(
        session, actor, "screening", subject=screening.id, details=_audit_details(screening, len(suppliers))
    )
    for supplier, result in zip(suppliers, results, strict=True):
        if supplier.ref:
            _register(session, supplier, result, screening)
    screening.response = {"results": results}  # with the finding ids
    return screening, results


def _audit_details(screening: Screening, suppliers: int) -> dict[str, Any]:
    return {
        "channel": screening.channel,
        "suppliers": suppliers,
        "alerts": screening.alert_count,
        "algorithm": screening.algorithm,
        "threshold": screening.threshold,
        "lists": [(v["source"], v["version"]) for v in screening.list_versions["lists"]],
    }


def _register(
    session: Session, supplier: SupplierInput, result: dict[str, Any], screening: Screening
) -> None:
    """Add the supplier to the registry and turn its alerts into findings (idempotent)."""
    row = upsert_supplier(session, supplier)
    row.last_screened_at = screening.created_at
    record_findings(session, row, result["matches"], screening.id, screening.algorithm)
