"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from service.db import get_db, get_session, migration_state
from service.lists import source_overview

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready when the database answers, the schema is current and at least one list serves."""
    checks = _readiness_checks()
    ok = all(c["ok"] for c in checks.values())
    return jsonify({"status": "ready" if ok else "unavailable", "checks": checks}), 200 if ok else 503


def _readiness_checks() -> dict[str, Any]:
    try:
        get_session().execute(text("SELECT 1"))
        current, head = migration_state(get_db().engine)
    except Exception as exc:  # noqa: BLE001 - any failure here means "not ready", reported as such
        return {"database": {"ok": False, "error": f"{type(exc).__name__}: {exc}"}}
    checks: dict[str, Any] = {
        "database": {"ok": True},
        "migrations": {"ok": current == head, "current": current, "head": head},
    }
    if current != head:
        return checks  # the tables below may not exist yet
    sources = source_overview(get_session())
    checks["lists"] = {"ok": any(s["version"] is not None for s in sources), "sources": sources}
    return checks
