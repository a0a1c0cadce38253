"""The supplier registry over the API: /api/v1/suppliers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from service.auth import require_api_key
from service.db import get_session
from service.errors import NotFoundError, ValidationError
from service.models import Supplier, utcnow
from service.schemas import parse_supplier
from service.suppliers import get_supplier, list_suppliers, supplier_json, upsert_supplier
from service.views.api import json_body

bp = Blueprint("suppliers", __name__, url_prefix="/api/v1/suppliers")
MAX_PAGE_SIZE = 500


def _supplier_or_404(ref: str) -> Supplier:
    row = get_supplier(get_session(), ref)
    if row is None:
        raise NotFoundError(f"no supplier {ref!r}")
    return row


@bp.get("")
@require_api_key()
def index() -> Response:
    """A page of suppliers: ?q= (name or ref), ?archived=true, ?limit=, ?offset=."""
    try:
        limit = min(int(request.args.get("limit", 50)), MAX_PAGE_SIZE)
        offset = max(int(request.args.get("offset", 0)), 0)
    except ValueError:
        raise ValidationError(
            "limit and offset must be integers", [{"field": "limit/offset", "message": "not an integer"}]
        ) from None
    archived = request.args.get("archived", "false").lower() in ("1", "true", "yes")
    rows, total = list_suppliers(
        get_session(), query=request.args.get("q"), archived=archived, limit=limit, offset=offset
    )
    return jsonify(
        {"total": total, "limit": limit, "offset": offset, "suppliers": [supplier_json(r) for r in rows]}
    )


@bp.put("/<ref>")
@require_api_key("officer", "reviewer", "approver")
def put(ref: str) -> tuple[Response, int]:
    """Add or update supplier REF (the body's `ref`, if any, must equal it)."""
    body = json_body()
    if isinstance(body, dict) and body.get("ref") not in (None, ref):
        raise ValidationError(
            "ref in the body differs from the URL", [{"field": "ref", "message": f"must be {ref!r}"}]
        )
    supplier = parse_supplier({**body, "ref": ref} if isinstance(body, dict) else body)
    session = get_session()
    existed = get_supplier(session, ref) is not None
    row = upsert_supplier(session, supplier)
    session.commit()
    return jsonify(supplier_json(row)), 200 if existed else 201


@bp.get("/<ref>")
@require_api_key()
def show(ref: str) -> Response:
    """Supplier REF with its findings."""
    return jsonify(supplier_json(_supplier_or_404(ref), with_findings=True))


@bp.delete("/<ref>")
@require_api_key("officer", "reviewer", "approver")
def archive(ref: str) -> Response:
    """Archive supplier REF: it leaves the registry and sweeps, its history stays."""
    row = _supplier_or_404(ref)
    row.archived_at = row.archived_at or utcnow()
    get_session().commit()
    return jsonify(supplier_json(row))
