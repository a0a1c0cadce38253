"""Scheduled jobs and sweeps: `GET /api/v1/jobs`, a manual run, the sweep history, and the admin page."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Blueprint, Flask, Response, current_app, flash, jsonify, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from service.audit import record_event
from service.auth import require_api_key
from service.db import get_session
from service.errors import ConflictError, NotFoundError
from service.jobs import JobBusyError, job_table, jobs_json, run_job
from service.models import JobRun, SweepRun
from service.scheduler import lease_holder
from service.sweeps import sweep_json
from service.users import current_user, login_required

log = logging.getLogger(__name__)
bp = Blueprint("jobs", __name__)
HISTORY = 20


def start_job(app: Flask, name: str, actor: str) -> None:
    """Run job `name` in a background thread (it may take minutes); ConflictError if it is running."""
    if name not in job_table(app):
        raise NotFoundError(f"no job {name!r}")
    session = get_session()
    running = session.scalar(select(JobRun.id).where(JobRun.job == name, JobRun.status == "running"))
    if running is not None:
        raise ConflictError(f"job {name} is already running")
    record_event(session, actor, "job.run", subject=f"job:{name}")
    session.commit()

    def work() -> None:
        try:
            run_job(app, name, trigger="manual", holder=actor)
        except JobBusyError as exc:
            log.info("manual run of %s skipped: %s", name, exc)

    threading.Thread(target=work, name=f"job-{name}", daemon=True).start()


def _sweeps(limit: int = HISTORY) -> list[dict[str, Any]]:
    runs = get_session().scalars(select(SweepRun).order_by(SweepRun.id.desc()).limit(limit))
    return [sweep_json(run) for run in runs]


@bp.get("/api/v1/jobs")
@require_api_key("admin")
def api_jobs() -> Response:
    """Every job: schedule, next run, last run's outcome and duration; and the active scheduler."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return jsonify({"scheduler": lease_holder(app), "jobs": jobs_json(app)})


@bp.post("/api/v1/jobs/<name>/run")
@require_api_key("admin")
def api_run_job(name: str) -> tuple[Response, int]:
    """Start a job now; 202 (it runs in the background), 404 unknown, 409 already running."""
    from flask import g

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    start_job(app, name, f"apikey:{g.api_key.id}:{g.api_key.name}")
    return jsonify({"job": name, "status": "started"}), 202


@bp.get("/api/v1/sweeps")
@require_api_key("admin", "reviewer", "approver")
def api_sweeps() -> Response:
    """The latest sweeps, newest first, with their counters."""
    return jsonify({"sweeps": _sweeps()})


@bp.get("/admin/jobs")
@login_required("admin")
def jobs_page() -> str:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return render_template("admin_jobs.html", jobs=jobs_json(app), holder=lease_holder(app), sweeps=_sweeps())


@bp.post("/admin/jobs/<name>/run")
@login_required("admin")
def run_job_page(name: str) -> BaseResponse:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    user = current_user()
    try:
        start_job(app, name, f"user:{user.email if user else 'unknown'}")
        flash(f"Job {name} started; reload to see its outcome.", "info")
    except (ConflictError, NotFoundError) as exc:
        flash(str(exc), "error")
    return redirect(url_for("jobs.jobs_page"))
