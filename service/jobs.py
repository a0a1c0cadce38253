"""The scheduled jobs, and running one with its history recorded.

Jobs come from the configuration: one `refresh:<source>` per enabled source (its own cron),
`sweep` (nightly delta), `sweep_full` (weekly), `outbox` (notifications and referral
deliveries) and `retention` (audit events past the retention period). `run_job` records a
`JobRun` (started, finished, outcome, duration, what the job reported) and refuses to start a
job that is already running anywhere, so a job never overlaps itself, whether started by the
scheduler, the CLI or an admin.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy import select, update

from service import get_settings
from service.db import session_scope
from service.models import JobRun, utcnow

log = logging.getLogger(__name__)
# A run still marked running after this long belongs to a process that died.
ABANDONED_AFTER = timedelta(hours=6)


class JobBusyError(Exception):
    """The job is already running."""


class UnknownJobError(KeyError):
    """No job has that name."""


class JobFailedError(Exception):
    """A job that ended in an expected failure (a list that did not download): no traceback."""


@dataclass(frozen=True)
class Job:
    name: str
    cron: str  # 5-field, UTC
    description: str
    action: Callable[[Flask], dict[str, Any]]

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone="UTC")

    def next_run(self, after: datetime) -> datetime | None:
        fire: datetime | None = self.trigger().get_next_fire_time(None, after)
        return fire

    def previous_run(self, now: datetime, window: timedelta) -> datetime | None:
        """The latest scheduled time in (now - window, now], if any."""
        trigger, previous = self.trigger(), None
        fire: datetime | None = trigger.get_next_fire_time(None, now - window)
        while fire is not None and fire <= now:
            previous = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return previous


def job_table(app: Flask) -> dict[str, Job]:
    """Every job the configuration defines, by name."""
    settings = get_settings(app)
    sch = settings.scheduler
    jobs = [
        Job(f"refresh:{src.id}", src.refresh, f"refresh the {src.id} list", _refresh_action(src.id))
        for src in settings.watchlists.sources
        if src.enabled and (src.url or src.parts)
    ]
    jobs += [
        Job("sweep", sch.sweep, "delta sweep: changed suppliers and changed entries", _sweep_action("delta")),
        Job(
            "sweep_full",
            sch.full_sweep,
            "full sweep: every supplier against every list",
            _sweep_action("full"),
        ),
        Job("outbox", sch.outbox, "deliver notifications and referrals", _outbox),
        Job("retention", sch.retention, "prune audit events past the retention period", _retention),
    ]
    return {job.name: job for job in jobs}


def run_job(app: Flask, name: str, *, trigger: str = "manual", holder: str = "cli") -> JobRun:
    """Run one job now and record it; JobBusyError if it is running, UnknownJobError if unknown.

    The job's own failure is recorded (status `failed` with the error), not raised.
    """
    job = job_table(app).get(name)
    if job is None:
        raise UnknownJobError(name)
    run_id = _begin(app, name, trigger, holder)
    started = time.perf_counter()
    status, details, error = "success", {}, None
    try:
        details = job.action(app)
    except JobFailedError as exc:
        log.error("job %s failed: %s", name, exc)
        status, error = "failed", str(exc)
    except Exception as exc:  # the job's top level: record why, keep the scheduler going
        log.exception("job %s failed", name)
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    duration = round(time.perf_counter() - started, 3)
    with session_scope(app) as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        run.status, run.finished_at, run.duration_seconds = status, utcnow(), duration
        run.details, run.error = details, error
        session.flush()
        session.expunge(run)
    quiet = name == "outbox" and status == "success" and not any(_counts(details))
    log.log(logging.DEBUG if quiet else logging.INFO, "job %s %s in %.1fs", name, status, duration)
    return run


def _counts(details: Any) -> list[int]:
    """Every number in a job's report (an outbox run that moved nothing reports only zeros)."""
    if isinstance(details, dict):
        return [n for value in details.values() for n in _counts(value)]
    return [details] if isinstance(details, int) and not isinstance(details, bool) else []


def _begin(app: Flask, name: str, trigger: str, holder: str) -> int:
    now = utcnow()
    with session_scope(app) as session:
        # Runs of a process that died are closed first, so they do not block forever.
        session.execute(
            update(JobRun)
            .where(JobRun.job == name, JobRun.status == "running", JobRun.started_at < now - ABANDONED_AFTER)
            .values(status="failed", finished_at=now, error="abandoned: its process stopped")
        )
        running = session.scalar(
            select(JobRun).where(JobRun.job == name, JobRun.status == "running").with_for_update()
        )
        if running is not None:
            raise JobBusyError(
                f"job {name} is already running (since {running.started_at.isoformat(timespec='seconds')}"
                f" on {running.holder})"
            )
        run = JobRun(job=name, trigger=trigger, holder=holder, status="running", started_at=now)
        session.add(run)
        session.flush()
        return run.id


def last_runs(app: Flask) -> dict[str, JobRun]:
    """The latest run of each job."""
    with session_scope(app) as session:
        latest = select(JobRun.job, JobRun.id).order_by(JobRun.job, JobRun.id.desc())
        ids: dict[str, int] = {}
        for job, run_id in session.execute(latest):
            ids.setdefault(job, run_id)
        runs = {run.job: run for run in session.scalars(select(JobRun).where(JobRun.id.in_(ids.values())))}
        session.expunge_all()
        return runs


def ran_since(app: Flask, name: str, since: datetime) -> bool:
    """True when the job started at or after `since` (whatever its outcome)."""
    with session_scope(app) as session:
        return (
            session.scalar(select(JobRun.id).where(JobRun.job == name, JobRun.started_at >= since).limit(1))
            is not None
        )


def jobs_json(app: Flask, active_holder: str | None = None) -> list[dict[str, Any]]:
    """Every job with its schedule, next run, and last run's outcome (API, page, CLI)."""
    now = utcnow()
    runs = last_runs(app)
    out = []
    for job in job_table(app).values():
        run = runs.get(job.name)
        next_run = job.next_run(now)
        out.append(
            {
                "name": job.name,
                "description": job.description,
                "cron": job.cron,
                "next_run_at": next_run.isoformat() if next_run else None,
                "last_run": run_json(run) if run is not None else None,
            }
        )
    return out


def run_json(run: JobRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "job": run.job,
        "trigger": run.trigger,
        "holder": run.holder,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "duration_seconds": run.duration_seconds,
        "details": run.details,
        "error": run.error,
    }


# --- the actions ---------------------------------------------------------------------------


def _refresh_action(source: str) -> Callable[[Flask], dict[str, Any]]:
    def refresh(app: Flask) -> dict[str, Any]:
        from service.refresh import refresh_source

        result = refresh_source(app, source)
        if result.outcome == "failed":
            raise JobFailedError(result.message or f"refresh of {source} failed")
        return {
            "source": source,
            "outcome": result.outcome,
            "version": result.version,
            "message": result.message,
        }

    return refresh


def _sweep_action(kind: str) -> Callable[[Flask], dict[str, Any]]:
    def sweep(app: Flask) -> dict[str, Any]:
        from service.sweeps import run_sweep

        return run_sweep(app, kind).as_dict()

    return sweep


def _outbox(app: Flask) -> dict[str, Any]:
    """Deliver what is due: the day's digests once, every due notification, then referrals."""
    from service import notify
    from service.referral_delivery import deliver_referrals

    settings = get_settings(app)
    with session_scope(app) as session:
        digests = notify.build_digests(session, settings, utcnow())
    report = notify.deliver_due(app, settings)
    referrals = deliver_referrals(app, settings)
    return {"digests": digests, "notifications": report.as_dict(), "referrals": referrals.as_dict()}


def _retention(app: Flask) -> dict[str, Any]:
    from service.audit import prune_events, retention_cutoff

    years = get_settings(app).audit.retention_years
    with session_scope(app) as session:
        pruned = prune_events(session, retention_cutoff(years), retention_years=years)
    return {"pruned_events": pruned, "retention_years": years}
