"""Sweeps: the supplier registry re-screened against the lists, resumable, never duplicated.

A **delta** sweep (nightly, after the refreshes) screens

1. the suppliers added or changed since the last finished sweep against every list
   (phase "suppliers"), then
2. every supplier against the entries added or changed since then (phase "entries"), on a
   small index of just those entries: a refresh that changed 1% of a list costs about 1% of
   a full sweep.

A **full** sweep screens every supplier against every list (weekly, and on demand). The first
sweep ever is a full one whatever was asked, since nothing was swept before.

Work is committed in chunks of suppliers in id order, with the sweep's cursor and counters in
the same transaction as the chunk's findings. A sweep that was killed stays `running`; once its
heartbeat is older than `SWEEP_LEASE`, the next sweep call resumes it from its cursor rather
than starting another. Findings are idempotent (one per supplier and entry), so a chunk that
ran twice changes nothing.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, aliased

from screening import Matcher
from service import get_settings
from service.audit import record_event
from service.config import Settings
from service.db import get_db, session_scope
from service.engine import LoadedIndex, build_index, get_index_holder
from service.models import ListChange, ListEntryRow, ListVersion, Screening, Supplier, SweepRun, utcnow
from service.notify import notify_findings
from service.parallel import screen_chunks
from service.schemas import Owner, SupplierInput
from service.screenings import lists_used
from service.suppliers import REOPENABLE, record_findings
from watchlists.types import ListEntry

log = logging.getLogger(__name__)
SWEEP_CHUNK = 500  # suppliers per committed chunk
SWEEP_LEASE = timedelta(minutes=5)  # a running sweep whose heartbeat is older was abandoned
KINDS = ("delta", "full")


class SweepBusyError(Exception):
    """Another process is running a sweep right now."""


@dataclass(frozen=True)
class SweepOutcome:
    """What one call to `run_sweep` did (the run's counters, for the job history)."""

    id: int
    kind: str
    resumed: bool
    suppliers_screened: int
    entries_considered: int
    new_findings: int
    reopened_findings: int
    errors: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def run_sweep(
    app: Flask,
    kind: str = "delta",
    *,
    chunk_size: int = SWEEP_CHUNK,
    on_chunk: Callable[[dict[str, Any]], None] | None = None,
) -> SweepOutcome:
    """Run a sweep to its end, resuming an abandoned one first; returns its counters.

    `on_chunk` is called after each committed chunk (the CLI prints progress with it).
    Raises SweepBusyError when another process's sweep is alive, RuntimeError when no list
    is loaded (a sweep against nothing would clear everyone).
    """
    if kind not in KINDS:
        raise ValueError(f"sweep kind must be one of {', '.join(KINDS)}, got {kind!r}")
    started = time.perf_counter()
    index = get_index_holder(app).get()
    if index is None:
        raise RuntimeError("no watchlist is loaded; a sweep would clear every supplier")
    sweep_id, resumed = _start_or_resume(app, kind, index)
    try:
        _run_phases(app, sweep_id, index, chunk_size, on_chunk)
    except Exception as exc:
        log.exception("sweep %d failed", sweep_id)
        with session_scope(app) as session:
            run = session.get(SweepRun, sweep_id)
            assert run is not None
            run.status, run.error, run.finished_at = "failed", f"{type(exc).__name__}: {exc}", utcnow()
        raise
    with session_scope(app) as session:
        run = session.get(SweepRun, sweep_id)
        assert run is not None
        run.status, run.finished_at = "done", utcnow()
        record_event(session, "system", "sweep.done", subject=f"sweep:{run.id}", details=sweep_json(run))
        outcome = SweepOutcome(
            run.id,
            run.kind,
            resumed,
            run.suppliers_screened,
            run.entries_considered,
            run.new_findings,
            run.reopened_findings,
            run.errors,
            round(time.perf_counter() - started, 3),
        )
    log.info("sweep %d (%s) done: %s", outcome.id, outcome.kind, outcome.as_dict())
    return outcome


def _start_or_resume(app: Flask, kind: str, index: LoadedIndex) -> tuple[int, bool]:
    now = utcnow()
    with session_scope(app) as session:
        running = session.scalar(
            select(SweepRun).where(SweepRun.status == "running").order_by(SweepRun.id).with_for_update()
        )
        if running is not None:
            if running.heartbeat_at > now - SWEEP_LEASE:
                raise SweepBusyError(
                    f"sweep {running.id} ({running.kind}) is running; last progress at "
                    f"{running.heartbeat_at.isoformat(timespec='seconds')}"
                )
            log.warning("resuming sweep %d (%s) after supplier %d", running.id, running.kind, running.cursor)
            running.heartbeat_at = now
            return running.id, True
        last = session.scalar(
            select(SweepRun).where(SweepRun.status == "done").order_by(SweepRun.until.desc()).limit(1)
        )
        since = last.until if last is not None and kind == "delta" else None
        screening = Screening(
            channel="sweep",
            actor="system",
            algorithm=f"{Matcher.NAME}/{Matcher.VERSION}",
            threshold=get_settings(app).screening.threshold,
            list_versions={"lists": lists_used(index)},
            request={"sweep": "full" if since is None else "delta", "since": since and since.isoformat()},
            response={},
        )
        session.add(screening)
        session.flush()
        run = SweepRun(
            kind="full" if since is None else "delta",
            since=since,
            until=now,
            started_at=now,
            heartbeat_at=now,
            screening_id=screening.id,
            list_versions={"lists": lists_used(index)},
        )
        session.add(run)
        session.flush()
        screening.response = {"sweep_id": run.id}
        record_event(
            session,
            "system",
            "sweep.start",
            subject=f"sweep:{run.id}",
            details={"kind": run.kind, "since": since and since.isoformat(), "screening_id": screening.id},
        )
        return run.id, False


def _run_phases(
    app: Flask,
    sweep_id: int,
    index: LoadedIndex,
    chunk_size: int,
    on_chunk: Callable[[dict[str, Any]], None] | None,
) -> None:
    with session_scope(app) as session:
        run = session.get(SweepRun, sweep_id)
        assert run is not None
        phase, since, until = run.phase, run.since, run.until
    if phase == "suppliers":
        _sweep_suppliers(app, sweep_id, index, since, chunk_size, on_chunk)
        if since is None:
            return  # a full sweep is one phase
        with session_scope(app) as session:
            run = session.get(SweepRun, sweep_id)
            assert run is not None
            run.phase, run.cursor = "entries", 0
    assert since is not None
    changed = _changed_entries_index(app, since, until, index)
    if changed is not None:
        _sweep_suppliers(app, sweep_id, changed, None, chunk_size, on_chunk, entries=len(changed.entries))


def _sweep_suppliers(
    app: Flask,
    sweep_id: int,
    index: LoadedIndex,
    changed_since: datetime | None,
    chunk_size: int,
    on_chunk: Callable[[dict[str, Any]], None] | None,
    *,
    entries: int | None = None,
) -> None:
    """Screen the suppliers after the sweep's cursor (all, or those changed since) in chunks."""
    settings_all = get_settings(app)
    settings = settings_all.screening
    started = time.perf_counter()
    with session_scope(app) as session:
        run = session.get(SweepRun, sweep_id)
        assert run is not None
        if entries is not None and run.entries_considered == 0:
            run.entries_considered = entries
        stmt = select(Supplier.id).where(Supplier.archived_at.is_(None), Supplier.id > run.cursor)
        if changed_since is not None:
            stmt = stmt.where(or_(Supplier.updated_at > changed_since, Supplier.created_at > changed_since))
        ids = list(session.scalars(stmt.order_by(Supplier.id)))
    chunks = [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]
    # Each chunk's rows are read by the process that screens it (forked workers in parallel).
    results = screen_chunks(index, settings, chunks, load=SupplierLoader(app))
    for chunk, alerts in zip(chunks, results, strict=True):
        with session_scope(app) as session:
            run = session.get(SweepRun, sweep_id, with_for_update=True)
            assert run is not None
            _store_chunk(session, run, chunk, alerts, settings_all)
            progress = sweep_json(run)
        if on_chunk is not None:
            on_chunk(progress)  # after the commit: what it reports is stored
    log.info(
        "sweep %d: %d suppliers screened against %d entries in %.1f s",
        sweep_id,
        len(ids),
        len(index.entries),
        time.perf_counter() - started,
    )


class SupplierLoader:
    """Reads suppliers by id for screening; in a forked worker, on connections of its own."""

    # Plain columns through the connection, not ORM objects: 100,000 suppliers load in seconds.
    COLUMNS = (
        Supplier.id,
        Supplier.ref,
        Supplier.name,
        Supplier.kind,
        Supplier.country,
        Supplier.other_names,
        Supplier.details,
    )

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._pid = os.getpid()

    def __call__(self, ids: Sequence[int]) -> list[SupplierInput | None]:
        """The suppliers with these ids, in order (None for one archived since it was listed)."""
        if os.getpid() != self._pid:
            # A forked child must not use the connections its parent's pool holds.
            get_db(self._app).engine.dispose(close=False)
            self._pid = os.getpid()
        with session_scope(self._app) as session:
            stmt = select(*self.COLUMNS).where(Supplier.id.in_(ids), Supplier.archived_at.is_(None))
            found = {row[0]: _input(*row[1:]) for row in session.connection().execute(stmt)}
        return [found.get(supplier_id) for supplier_id in ids]


def _store_chunk(
    session: Session,
    run: SweepRun,
    chunk: Sequence[int],
    alerts: Sequence[list[dict[str, Any]]],
    settings: Settings,
) -> None:
    """One chunk's findings, their notifications, the cursor and counters: one transaction."""
    algorithm = f"{Matcher.NAME}/{Matcher.VERSION}"
    assert run.screening_id is not None
    now = utcnow()
    for supplier_id, matches in zip(chunk, alerts, strict=True):
        if not matches:
            continue
        supplier = session.get(Supplier, supplier_id)
        assert supplier is not None
        before = {(f.source, f.entry_id): f.status for f in supplier.findings}
        findings = record_findings(session, supplier, matches, run.screening_id, algorithm)
        new = [f for f in findings if (f.source, f.entry_id) not in before]
        reopened = [
            f for f in findings if before.get((f.source, f.entry_id)) in REOPENABLE and f.status == "changed"
        ]
        run.new_findings += len(new)
        run.reopened_findings += len(reopened)
        notify_findings(session, settings, new, "new_alert")
        notify_findings(session, settings, reopened, "changed_finding")
    session.execute(
        update(Supplier)
        .where(Supplier.id.in_(chunk))
        .values(last_screened_at=now)
        .execution_options(synchronize_session=False)
    )
    run.suppliers_screened += len(chunk)
    run.cursor = chunk[-1]
    run.heartbeat_at = now


def _changed_entries_index(
    app: Flask, since: datetime, until: datetime, current: LoadedIndex
) -> LoadedIndex | None:
    """A small index of the current entries added or changed by versions fetched in (since, until].

    It scores with the `current` index's token weights: a pair's score, and so its finding,
    is the same whether a delta or a full sweep found it.
    """
    with session_scope(app) as session:
        changed_version = aliased(ListVersion)
        stmt = (
            select(ListVersion, ListEntryRow.data)
            .join(ListEntryRow, ListEntryRow.list_version_id == ListVersion.id)
            .join(ListChange, ListChange.entry_id == ListEntryRow.entry_id)
            .join(changed_version, changed_version.id == ListChange.list_version_id)
            .where(
                ListVersion.is_current.is_(True),
                ListChange.change.in_(("added", "changed")),
                changed_version.source == ListEntryRow.source,
                changed_version.fetched_at > since,
                changed_version.fetched_at <= until,
            )
        )
        pairs: dict[tuple[str, str], tuple[ListVersion, ListEntry]] = {}
        for version, data in session.execute(stmt):
            entry = ListEntry.from_dict(data)
            pairs[(entry.source, entry.entry_id)] = (version, entry)
        if not pairs:
            return None
        return build_index(pairs.values(), weights=current.matcher.weights)


def supplier_input(row: Supplier) -> SupplierInput:
    """A registered supplier as screening reads it."""
    return _input(row.ref, row.name, row.kind, row.country, row.other_names, row.details)


def _input(
    ref: str,
    name: str,
    kind: str,
    country: str | None,
    other: dict[str, Any] | None,
    details: dict[str, Any] | None,
) -> SupplierInput:
    details = details or {}
    other = other or {}
    return SupplierInput(
        name=name,
        kind=kind,
        country=country,
        other_names=tuple(other.get("names", ())),
        original_script_name=other.get("original_script_name"),
        ref=ref,
        registration_numbers=tuple(details.get("registration_numbers", ())),
        tax_id=details.get("tax_id"),
        address=details.get("address"),
        owners=tuple(Owner(**owner) for owner in details.get("owners", ())),
    )


def sweep_json(run: SweepRun) -> dict[str, Any]:
    """One sweep as the run history shows it."""
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "since": run.since.isoformat() if run.since else None,
        "phase": run.phase,
        "suppliers_screened": run.suppliers_screened,
        "entries_considered": run.entries_considered,
        "new_findings": run.new_findings,
        "reopened_findings": run.reopened_findings,
        "errors": run.errors,
        "error": run.error,
        "screening_id": run.screening_id,
    }
