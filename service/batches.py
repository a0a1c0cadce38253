"""Spreadsheet batches: an upload screened in the background, resumable, never lost.

The upload itself is stored with the batch, so a job can always start again from it. The
job claims the batch with a lease (`claimed_by`, `heartbeat_at`), screens its rows in chunks
and commits each chunk with its row results: a process that dies mid-way leaves a batch that
another process (or the same one after a restart) resumes from the first row without a
result, after the lease expires. A batch that cannot go on (no list loaded, the file no
longer readable) fails with the reason, never silently.

Alerts on rows that carry a vendor number become findings (idempotent, like the API). Rows
without one are bidders, not yet suppliers: they are reported, not registered.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from screening import Matcher
from service import get_settings
from service.audit import record_event
from service.config import ScreeningSettings
from service.db import session_scope
from service.engine import LoadedIndex, get_index_holder
from service.models import Batch, BatchRow, Screening, utcnow
from service.parallel import screen_chunks
from service.screenings import lists_used
from service.spreadsheets import (
    ListUsed,
    ReportSummary,
    RowOutcome,
    RowProblem,
    RowResult,
    Upload,
    apply_mapping,
    read_upload,
    write_report_csv,
    write_report_xlsx,
)
from service.suppliers import record_findings, upsert_supplier

log = logging.getLogger(__name__)
CHUNK_ROWS = 500
LEASE_TIME = timedelta(minutes=2)  # a claimed batch whose heartbeat is older was abandoned
MAX_ERRORS_KEPT = 1000


class BatchNotReadyError(Exception):
    """The report was asked for before the batch finished."""


def create_batch(
    session: Session,
    *,
    content: bytes,
    filename: str,
    created_by: str,
    mapping: dict[str, int] | None = None,
    status: str = "queued",
) -> Batch:
    """Check the upload (UploadError if unreadable or the mapping is bad) and store a batch.

    `status` "draft" keeps it waiting for the officer to confirm the mapping (`queue_batch`).
    """
    upload = read_upload(content, filename)
    chosen = dict(mapping) if mapping is not None else dict(upload.mapping)
    next(iter(apply_mapping(upload, chosen)), None)  # a bad mapping raises here, before queueing
    batch = Batch(
        filename=filename,
        content=content,
        created_by=created_by,
        mapping=chosen,
        total_rows=len(upload.rows),
        errors={"warnings": list(upload.warnings)},
        status=status,
    )
    session.add(batch)
    session.flush()
    return batch


def queue_batch(batch: Batch, upload: Upload, mapping: dict[str, int]) -> None:
    """Confirm a draft's mapping against its already-read upload (UploadError when bad); queue it."""
    next(iter(apply_mapping(upload, mapping)), None)
    batch.mapping = dict(mapping)
    batch.status = "queued"


def start_runner(app: Flask) -> None:
    """Make sure this process's batch runner is running (cheap when it is)."""
    get_runner(app)


def get_runner(app: Flask) -> BatchRunner:
    """The process's batch runner, started on first use."""
    runner: BatchRunner = app.extensions["screening.batches"]
    runner.start()
    return runner


def _claim(app: Flask, batch_id: str, worker: str) -> bool:
    now = utcnow()
    with session_scope(app) as session:
        claimed = session.execute(
            update(Batch)
            .where(
                Batch.id == batch_id,
                or_(
                    Batch.status == "queued",
                    (Batch.status == "running") & (Batch.heartbeat_at < now - LEASE_TIME),
                ),
            )
            .values(status="running", claimed_by=worker, heartbeat_at=now, started_at=now)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def process_batch(app: Flask, batch_id: str, worker: str | None = None) -> str:
    """Run (or resume) one batch to the end; returns its final status."""
    worker = worker or f"{uuid.uuid4().hex[:8]}"
    if not _claim(app, batch_id, worker):
        return "skipped"
    try:
        _run(app, batch_id, worker)
    except Exception as exc:  # the job's top level: record why, never lose the batch
        log.exception("batch %s failed", batch_id)
        with session_scope(app) as session:
            batch = session.get(Batch, batch_id)
            if batch is not None:
                batch.status, batch.error, batch.finished_at = (
                    "failed",
                    f"{type(exc).__name__}: {exc}",
                    utcnow(),
                )
        return "failed"
    return "done"


def _run(app: Flask, batch_id: str, worker: str) -> None:
    settings = get_settings(app).screening
    index = get_index_holder(app).get()
    if index is None:
        raise RuntimeError("no watchlist is loaded, so no row can be cleared; load a list and retry")
    with session_scope(app) as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        content, filename, mapping = batch.content, batch.filename, dict(batch.mapping)
        done = set(session.scalars(select(BatchRow.row_number).where(BatchRow.batch_id == batch_id)))
        screening_id = _screening_for(session, batch, index, settings.threshold)
    upload = read_upload(content, filename)
    pending = [r for r in apply_mapping(upload, mapping) if r.row not in done]
    del upload
    for outcomes in _screened_chunks(index, settings, pending):
        _store_chunk(app, batch_id, worker, outcomes, screening_id)
    with session_scope(app) as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        batch.status, batch.finished_at = "done", utcnow()
        batch.summary = {**batch.summary, **_summary(index, settings.threshold, settings.strong_threshold)}
        log.info(
            "batch %s done: %d rows, %d with alerts, %d errors",
            batch_id,
            batch.done_rows,
            batch.alert_rows,
            batch.error_rows,
        )


Outcomes = list[tuple[RowResult, list[dict[str, Any]]]]


def _screened_chunks(
    index: LoadedIndex, settings: ScreeningSettings, rows: list[RowResult]
) -> Iterator[Outcomes]:
    """Each chunk of rows with its alerts, in order (on forked workers when there are several)."""
    chunks = [rows[start : start + CHUNK_ROWS] for start in range(0, len(rows), CHUNK_ROWS)]
    suppliers = [[r.supplier for r in chunk] for chunk in chunks]
    for chunk, alerts in zip(chunks, screen_chunks(index, settings, suppliers), strict=True):
        yield list(zip(chunk, alerts, strict=True))


def _screening_for(session: Session, batch: Batch, index: LoadedIndex, threshold: float) -> str:
    """The screening record the batch's findings point to (one per batch)."""
    existing = batch.summary.get("screening_id")
    if existing:
        return str(existing)
    screening = Screening(
        channel="upload",
        actor=batch.created_by,
        algorithm=f"{Matcher.NAME}/{Matcher.VERSION}",
        threshold=threshold,
        list_versions={"lists": lists_used(index)},
        request={"batch_id": batch.id, "filename": batch.filename, "mapping": batch.mapping},
        response={"batch_id": batch.id},
    )
    session.add(screening)
    session.flush()
    details = {
        "channel": "upload",
        "batch_id": batch.id,
        "rows": batch.total_rows,
        "algorithm": screening.algorithm,
        "threshold": threshold,
        "lists": [(v["source"], v["version"]) for v in lists_used(index)],
    }
    record_event(session, batch.created_by, "screening", subject=screening.id, details=details)
    batch.summary = {**batch.summary, "screening_id": screening.id}
    return screening.id


def _store_chunk(
    app: Flask,
    batch_id: str,
    worker: str,
    outcomes: Outcomes,
    screening_id: str,
) -> None:
    """Write one chunk's results and counters in one transaction; lose the lease, stop."""
    algorithm = f"{Matcher.NAME}/{Matcher.VERSION}"
    with session_scope(app) as session:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.claimed_by != worker:
            raise RuntimeError(f"batch {batch_id} was taken over by another worker")
        rows = []
        for result, matches in outcomes:
            if matches and result.supplier is not None and result.supplier.ref:
                supplier = upsert_supplier(session, result.supplier)
                record_findings(session, supplier, matches, screening_id, algorithm)
            rows.append(_row(batch_id, result, matches))
        session.add_all(rows)
        batch.done_rows += len(outcomes)
        batch.alert_rows += sum(1 for _, m in outcomes if m)
        problems = [p for r, _ in outcomes for p in r.errors]
        batch.error_rows += sum(1 for r, _ in outcomes if r.supplier is None)
        kept = batch.errors.get("rows", [])
        room = MAX_ERRORS_KEPT - len(kept)
        batch.errors = {**batch.errors, "rows": kept + [_problem(p) for p in problems[: max(room, 0)]]}
        batch.heartbeat_at = utcnow()


def _row(batch_id: str, result: RowResult, matches: list[dict[str, Any]]) -> BatchRow:
    status = "error" if result.supplier is None else ("alert" if matches else "clear")
    payload = {"matches": matches, "problems": [_problem(p) for p in result.problems]}
    return BatchRow(batch_id=batch_id, row_number=result.row, status=status, result=payload)


def _problem(problem: RowProblem) -> dict[str, Any]:
    return {
        "row": problem.row,
        "column": problem.column,
        "message": problem.message,
        "severity": problem.severity,
    }


def _summary(index: LoadedIndex, threshold: float, strong: float) -> dict[str, Any]:
    return {
        "lists": lists_used(index),
        "algorithm": f"{Matcher.NAME}/{Matcher.VERSION}",
        "threshold": threshold,
        "strong_threshold": strong,
    }


def batch_json(batch: Batch) -> dict[str, Any]:
    """Progress and outcome as the API and the page show them."""
    return {
        "id": batch.id,
        "filename": batch.filename,
        "status": batch.status,
        "created_at": batch.created_at.isoformat(),
        "created_by": batch.created_by,
        "rows_total": batch.total_rows,
        "rows_done": batch.done_rows,
        "rows_with_alerts": batch.alert_rows,
        "rows_with_errors": batch.error_rows,
        "errors": batch.errors.get("rows", [])[:100],
        "warnings": batch.errors.get("warnings", []),
        "error": batch.error,
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
        "mapping": batch.mapping,
    }


def build_report(session: Session, batch: Batch, fmt: str) -> bytes:
    """The XLSX or CSV report of a finished batch."""
    if batch.status != "done":
        raise BatchNotReadyError(f"batch {batch.id} is {batch.status}; the report exists once it is done")
    upload = read_upload(batch.content, batch.filename)  # the officer's own cells, as uploaded
    stored = session.scalars(
        select(BatchRow).where(BatchRow.batch_id == batch.id).order_by(BatchRow.row_number)
    )
    outcomes = [
        RowOutcome(
            r.row_number,
            r.status != "error",
            tuple(r.result["matches"]),
            tuple(
                RowProblem(p["row"], p["column"], p["message"], p["severity"]) for p in r.result["problems"]
            ),
        )
        for r in stored
    ]
    if fmt == "csv":
        return write_report_csv(upload.header, upload.rows, outcomes)
    summary = ReportSummary(
        run_by=batch.created_by,
        run_at=batch.created_at,
        filename=batch.filename,
        lists=tuple(
            ListUsed(lst["source"], str(lst["version"]), lst["as_of"]) for lst in batch.summary["lists"]
        ),
        algorithm=batch.summary["algorithm"],
        threshold=batch.summary["threshold"],
        strong_threshold=batch.summary["strong_threshold"],
        sheet=upload.sheet,
    )
    return write_report_xlsx(upload.header, upload.rows, outcomes, summary)


class BatchRunner:
    """A background thread per process that runs queued batches and resumes abandoned ones."""

    def __init__(self, app: Flask, poll_seconds: float = 2.0) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.worker = f"{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="batch-runner", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Look for work now (a batch was just queued)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current batch's chunk and stop (app shutdown, tests)."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping:
            try:
                for batch_id in self._runnable():
                    process_batch(self.app, batch_id, self.worker)
            except Exception:  # keep the runner alive; the batch itself records its failure
                log.exception("batch runner pass failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _runnable(self) -> list[str]:
        stale = utcnow() - LEASE_TIME
        with session_scope(self.app) as session:
            return list(
                session.scalars(
                    select(Batch.id)
                    .where(
                        or_(
                            Batch.status == "queued",
                            (Batch.status == "running") & (Batch.heartbeat_at < stale),
                        )
                    )
                    .order_by(Batch.created_at)
                )
            )


def wait_for(app: Flask, batch_id: str, timeout: float = 60.0) -> str:
    """Block until the batch is done or failed (tests and the CLI)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(app) as session:
            batch = session.get(Batch, batch_id)
            if batch is not None and batch.status in ("done", "failed"):
                return batch.status
        time.sleep(0.1)
    raise TimeoutError(f"batch {batch_id} not finished after {timeout:.0f}s")
