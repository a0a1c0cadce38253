"""The scheduler: APScheduler 3 running the configured jobs, in exactly one process at a time.

Every process that may schedule (each web worker with `scheduler.embedded`, or the
`flask --app service scheduler` process) runs a `Scheduler`. A lease row in the database
decides which one acts: the holder renews it every third of `scheduler.lease_seconds`; the
others stand by and check as often. If the holder dies, its lease expires and the next
standby to check takes it over. Operators see `lease acquired` when a scheduler becomes the
active one and `standby: lease held by <holder>` while another holds it.

Jobs never overlap themselves (APScheduler `max_instances=1`, and `run_job` refuses a job
that is running anywhere). After downtime, a job whose latest scheduled time passed less than
`scheduler.misfire_grace_seconds` ago without a run runs once when the scheduler becomes
active (coalesced: once, not once per missed night).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from service import get_settings
from service.db import session_scope
from service.jobs import JobBusyError, job_table, ran_since, run_job
from service.models import SchedulerLease, utcnow

log = logging.getLogger(__name__)
# APScheduler logs every job it adds and runs at INFO; our own lines say what matters.
logging.getLogger("apscheduler").setLevel(logging.WARNING)
LEASE_NAME = "scheduler"


def new_holder_id() -> str:
    """host:pid:random, so an operator can tell which process holds the lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def try_acquire(app: Flask, holder: str, ttl: timedelta) -> tuple[bool, str | None]:
    """Take or renew the lease; returns (held by `holder`, current holder)."""
    now = utcnow()
    with session_scope(app) as session:
        renewed = session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
            .values(renewed_at=now, expires_at=now + ttl)
        )
        if renewed.rowcount == 1:  # type: ignore[attr-defined]
            return True, holder
        taken = session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.expires_at < now)
            .values(holder=holder, acquired_at=now, renewed_at=now, expires_at=now + ttl)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True, holder
        current = session.scalar(select(SchedulerLease.holder).where(SchedulerLease.name == LEASE_NAME))
        if current is not None:
            return False, current
    try:
        with session_scope(app) as session:
            session.add(
                SchedulerLease(
                    name=LEASE_NAME, holder=holder, acquired_at=now, renewed_at=now, expires_at=now + ttl
                )
            )
        return True, holder
    except IntegrityError:  # another process created it first
        return False, lease_holder(app)


def release(app: Flask, holder: str) -> None:
    """Give the lease up at once (clean shutdown), so a standby need not wait for it to expire."""
    with session_scope(app) as session:
        session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def lease_holder(app: Flask) -> str | None:
    """The holder of an unexpired lease, if any."""
    with session_scope(app) as session:
        lease = session.get(SchedulerLease, LEASE_NAME)
        if lease is None or lease.expires_at < utcnow():
            return None
        return lease.holder


class Scheduler:
    """One process's scheduler: stands by, or runs the jobs while it holds the lease."""

    def __init__(self, app: Flask, holder: str | None = None) -> None:
        self.app = app
        self.holder = holder or new_holder_id()
        settings = get_settings(app).scheduler
        self.ttl = timedelta(seconds=settings.lease_seconds)
        self.grace = timedelta(seconds=settings.misfire_grace_seconds)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._aps: BackgroundScheduler | None = None
        self._standby_for: str | None = None

    @property
    def active(self) -> bool:
        return self._aps is not None

    def start(self) -> None:
        """Start the lease loop in a daemon thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="scheduler-lease", daemon=True)
            self._thread.start()

    def run_forever(self) -> None:
        """The `flask scheduler` process: the lease loop in the foreground until stopped."""
        try:
            self._loop()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop the jobs (waiting for a running one), give the lease up, end the loop."""
        if self._thread is None and self._aps is None and not self._stop.is_set():
            return  # never started
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._deactivate(wait=True)
        try:
            release(self.app, self.holder)
        except Exception:  # shutting down: the lease simply expires
            log.warning("could not release the scheduler lease", exc_info=True)

    def tick(self) -> None:
        """One lease check: become active, stay active, or stand by."""
        held, current = try_acquire(self.app, self.holder, self.ttl)
        if held and not self.active:
            log.info("lease acquired: %s runs the scheduled jobs", self.holder)
            self._standby_for = None
            self._activate()
        elif not held:
            if self.active:
                log.warning("lease lost to %s: stopping the scheduled jobs", current)
                self._deactivate(wait=False)
            if current != self._standby_for:
                log.info("standby: lease held by %s", current)
                self._standby_for = current

    def _loop(self) -> None:
        interval = max(self.ttl.total_seconds() / 3, 0.5)
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # a database hiccup: try again next tick; the lease may lapse
                log.exception("scheduler lease check failed")
            self._stop.wait(interval)

    def _activate(self) -> None:
        aps = BackgroundScheduler(
            timezone="UTC",
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(self.grace.total_seconds()) or None,
            },
        )
        for job in job_table(self.app).values():
            aps.add_job(
                self._run, job.trigger(), args=(job.name, "schedule"), id=job.name, name=job.description
            )
        aps.start()
        self._aps = aps
        self._catch_up()

    def _deactivate(self, wait: bool) -> None:
        aps, self._aps = self._aps, None
        if aps is not None:
            aps.shutdown(wait=wait)

    def _catch_up(self) -> None:
        """Run once, now, each job whose latest scheduled time passed within the grace period unrun."""
        if self._aps is None or not self.grace:
            return
        now = utcnow()
        for job in job_table(self.app).values():
            missed = job.previous_run(now, self.grace)
            if missed is not None and not ran_since(self.app, job.name, missed):
                log.info("job %s missed its run at %s: running it once now", job.name, missed.isoformat())
                self._aps.add_job(self._run, args=(job.name, "catch-up"), id=f"{job.name}:catch-up")

    def _run(self, name: str, trigger: str) -> None:
        if not self.active or self._stop.is_set():
            return
        try:
            run_job(self.app, name, trigger=trigger, holder=self.holder)
        except JobBusyError as exc:
            log.info("job %s skipped: %s", name, exc)


def init_app(app: Flask) -> None:
    """Keep a `Scheduler` for this app; serving processes start it (see create_app)."""
    app.extensions["screening.scheduler"] = Scheduler(app)


def get_scheduler(app: Flask) -> Scheduler:
    scheduler: Scheduler = app.extensions["screening.scheduler"]
    return scheduler
