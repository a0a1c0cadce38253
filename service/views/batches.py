"""Spreadsheet screening pages for procurement officers (sign-in required)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.batches import batch_json, build_report, create_batch, get_runner, queue_batch
from service.db import get_session
from service.errors import NotFoundError
from service.models import Batch
from service.spreadsheets import FIELDS, UploadError, build_template, read_upload
from service.users import current_user, login_required, signed_in_user
from service.views.batch_api import REPORT_TYPES

bp = Blueprint("batches", __name__, url_prefix="/batches")
SAMPLE_ROWS = 5


def _actor() -> str:
    return f"user:{signed_in_user().email}"


def _own_batch(batch_id: str) -> Batch:
    """The signed-in officer's batch (reviewers and admins see every batch)."""
    batch = get_session().get(Batch, batch_id)
    user = current_user()
    if batch is None or user is None:
        raise NotFoundError(f"no batch {batch_id!r}")
    if user.role == "officer" and batch.created_by != f"user:{user.email}":
        raise NotFoundError(f"no batch {batch_id!r}")
    return batch


@bp.get("/new")
@login_required("officer", "reviewer", "approver")
def upload() -> str:
    """The upload form."""
    return render_template("batch_upload.html")


@bp.post("/new")
@login_required("officer", "reviewer", "approver")
def receive() -> BaseResponse | tuple[str, int]:
    """Read the file, keep it as a draft, and show the proposed column mapping."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return render_template("batch_upload.html", error="Choose a spreadsheet (XLSX or CSV) first."), 400
    session = get_session()
    try:
        batch = create_batch(
            session, content=sent.read(), filename=sent.filename, created_by=_actor(), status="draft"
        )
    except UploadError as exc:
        return render_template("batch_upload.html", error=exc.message), 400
    session.commit()
    return redirect(url_for("batches.mapping", batch_id=batch.id))


@bp.route("/<batch_id>/mapping", methods=["GET", "POST"])
@login_required("officer", "reviewer", "approver")
def mapping(batch_id: str) -> BaseResponse | str | tuple[str, int]:
    """Show (GET) or confirm (POST) which column holds which field, then start screening."""
    batch = _own_batch(batch_id)
    upload = read_upload(batch.content, batch.filename)
    if request.method == "GET" or batch.status != "draft":
        return render_template(
            "batch_mapping.html", batch=batch, upload=upload, fields=FIELDS, sample=upload.rows[:SAMPLE_ROWS]
        )
    chosen = {f: int(request.form[f]) for f in FIELDS if request.form.get(f, "") not in ("", "-")}
    try:
        queue_batch(batch, upload, chosen)
    except UploadError as exc:
        page = render_template(
            "batch_mapping.html",
            batch=batch,
            upload=upload,
            fields=FIELDS,
            sample=upload.rows[:SAMPLE_ROWS],
            error=exc.message,
        )
        return page, 400
    get_session().commit()
    get_runner(current_app._get_current_object()).wake()  # type: ignore[attr-defined]
    return redirect(url_for("batches.show", batch_id=batch.id))


@bp.get("/<batch_id>")
@login_required()
def show(batch_id: str) -> str:
    """Progress (the page polls progress.json) and, when done, the report links."""
    return render_template("batch_show.html", batch=_own_batch(batch_id))


@bp.get("/<batch_id>/progress.json")
@login_required()
def progress(batch_id: str) -> Response:
    """The batch's progress for the page's progress bar."""
    return jsonify(batch_json(_own_batch(batch_id)))


@bp.get("/<batch_id>/report.<fmt>")
@login_required()
def report(batch_id: str, fmt: str) -> Response:
    """Download the report (xlsx or csv)."""
    if fmt not in REPORT_TYPES:
        raise NotFoundError(f"no report format {fmt!r}")
    batch = _own_batch(batch_id)
    name = batch.filename.rsplit(".", 1)[0] + f" - screening report.{fmt}"
    data = build_report(get_session(), batch, fmt)
    return Response(
        data, mimetype=REPORT_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/template.xlsx")
def template() -> Response:
    """The blank upload template."""
    headers = {"Content-Disposition": 'attachment; filename="supplier screening template.xlsx"'}
    return Response(build_template(), mimetype=REPORT_TYPES["xlsx"], headers=headers)
