"""Spreadsheet batches over the API: /api/v1/batches."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, jsonify, request

from service.auth import require_api_key
from service.batches import BatchNotReadyError, batch_json, build_report, create_batch, get_runner
from service.db import get_session
from service.errors import BadRequestError, NotFoundError, ValidationError
from service.models import Batch

bp = Blueprint("batch_api", __name__, url_prefix="/api/v1/batches")
REPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def batch_or_404(batch_id: str) -> Batch:
    """The batch, or 404 (drafts are not visible through the API)."""
    batch = get_session().get(Batch, batch_id)
    if batch is None or batch.status == "draft":
        raise NotFoundError(f"no batch {batch_id!r}")
    return batch


@bp.post("")
@require_api_key("officer", "reviewer", "approver")
def submit() -> tuple[Response, int]:
    """Upload an XLSX or CSV file (multipart field `file`, optional JSON `mapping`) to screen."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError(
            "send the spreadsheet as multipart field 'file'", [{"field": "file", "message": "required"}]
        )
    mapping = _mapping(request.form.get("mapping"))
    session = get_session()
    batch = create_batch(
        session, content=upload.read(), filename=upload.filename, mapping=mapping,
        created_by=f"apikey:{g.api_key.id}:{g.api_key.name}",
    )  # fmt: skip
    session.commit()
    get_runner(current_app._get_current_object()).wake()  # type: ignore[attr-defined]
    return jsonify(batch_json(batch)), 202


def _mapping(text: str | None) -> dict[str, int] | None:
    if not text:
        return None
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError:
        raise ValidationError(
            'mapping must be JSON: {"name": 0, "country": 2}', [{"field": "mapping", "message": "not JSON"}]
        ) from None
    if not isinstance(mapping, dict):
        raise ValidationError(
            "mapping must be an object of field → column index",
            [{"field": "mapping", "message": "not an object"}],
        )
    return mapping


@bp.get("/<batch_id>")
@require_api_key()
def status(batch_id: str) -> Response:
    """Status, rows done and total, alerts so far, errors."""
    return jsonify(batch_json(batch_or_404(batch_id)))


@bp.get("/<batch_id>/report.<fmt>")
@require_api_key()
def report(batch_id: str, fmt: str) -> Response:
    """The report (xlsx or csv) once the batch is done."""
    if fmt not in REPORT_TYPES:
        raise NotFoundError(f"no report format {fmt!r}; use report.xlsx or report.csv")
    batch = batch_or_404(batch_id)
    try:
        data = build_report(get_session(), batch, fmt)
    except BatchNotReadyError as exc:
        raise BadRequestError(str(exc), {"status": batch.status}) from None
    name = batch.filename.rsplit(".", 1)[0] + f" - screening report.{fmt}"
    return Response(
        data, mimetype=REPORT_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
