"""The scheduler's lease, catch-up after downtime, job runs, and two real scheduler processes."""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ROOT, _close, settings_for
from e2e_support import server_env
from flask import Flask
from sqlalchemy import select, update
from web_support import make_user, signed_in, token

from service import create_app
from service.auth import create_api_key
from service.db import get_db, session_scope, upgrade
from service.jobs import Job, JobBusyError, job_table, run_job
from service.models import JobRun, SchedulerLease, utcnow
from service.scheduler import Scheduler, lease_holder


@pytest.fixture
def quiet_app(database_url: str, tmp_path: Path) -> Flask:
    """An app whose list refreshes read an empty mirror folder: no network, quick failures."""
    base = settings_for(database_url, tmp_path)
    (tmp_path / "mirror").mkdir()
    settings = replace(
        base,
        watchlists=replace(base.watchlists, mirror_dir=str(tmp_path / "mirror")),
        scheduler=replace(base.scheduler, lease_seconds=2),
    )
    app = create_app(settings)
    upgrade(get_db(app).engine)
    yield app
    _close(app)


def test_one_scheduler_holds_the_lease_and_another_takes_over_when_it_expires(
    quiet_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.scheduler")
    first, second = Scheduler(quiet_app, "host-a:1:aaa"), Scheduler(quiet_app, "host-b:2:bbb")
    first.grace = second.grace = timedelta(0)  # no catch-up runs in this test
    try:
        first.tick()
        second.tick()
        assert first.active and not second.active
        assert lease_holder(quiet_app) == "host-a:1:aaa"
        assert "lease acquired: host-a:1:aaa" in caplog.text
        assert "standby: lease held by host-a:1:aaa" in caplog.text
        first.tick()  # renewing keeps it
        second.tick()
        assert first.active and not second.active
        # The holder dies: it stops renewing, and its lease runs out.
        with session_scope(quiet_app) as s:
            s.execute(update(SchedulerLease).values(expires_at=utcnow() - timedelta(seconds=1)))
        second.tick()
        assert second.active and "lease acquired: host-b:2:bbb" in caplog.text
        first.tick()  # back from the dead: it must stand by
        assert not first.active and lease_holder(quiet_app) == "host-b:2:bbb"
    finally:
        first.stop()
        second.stop()
    assert lease_holder(quiet_app) is None  # a clean stop gives the lease up at once


def test_previous_run_finds_the_latest_scheduled_time_within_the_window() -> None:
    job = Job("sweep", "30 2 * * *", "nightly", lambda app: {})
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert job.previous_run(now, timedelta(hours=12)) == datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    assert job.previous_run(now, timedelta(hours=6)) is None  # missed too long ago: wait for tonight
    assert job.next_run(now) == datetime(2026, 11, 29, 2, 30, tzinfo=UTC)


def test_a_missed_nightly_run_runs_once_at_start_not_once_per_missed_night(quiet_app: Flask) -> None:
    scheduler = Scheduler(quiet_app, "host-a:1:aaa")
    scheduler.grace = timedelta(days=3)  # three missed nights of sweeps and retention
    try:
        scheduler.tick()
        deadline = time.monotonic() + 60
        now = utcnow()
        expected = {
            name for name, job in job_table(quiet_app).items() if job.previous_run(now, scheduler.grace)
        }
        assert {"sweep", "retention", "outbox", "refresh:un_sc"} <= expected
        while time.monotonic() < deadline:
            with session_scope(quiet_app) as s:
                done = {r.job for r in s.scalars(select(JobRun).where(JobRun.status != "running"))}
            if done >= expected:
                break
            time.sleep(0.2)
    finally:
        scheduler.stop()
    with session_scope(quiet_app) as s:
        runs = list(s.scalars(select(JobRun)))
    by_job: dict[str, list[JobRun]] = {}
    for run in runs:
        by_job.setdefault(run.job, []).append(run)
    assert set(by_job) == expected
    assert all(len(job_runs) == 1 and job_runs[0].trigger == "catch-up" for job_runs in by_job.values())
    # The mirror is empty and no list is loaded: refreshes and sweeps fail, and say why.
    assert by_job["sweep"][0].status == "failed" and "no watchlist is loaded" in by_job["sweep"][0].error
    assert by_job["retention"][0].status == "success"
    refresh = by_job["refresh:un_sc"][0]
    assert refresh.status == "failed" and refresh.error
    # A second start finds them run since their last scheduled time: nothing to catch up.
    again = Scheduler(quiet_app, "host-b:2:bbb")
    again.grace = timedelta(days=3)
    try:
        again.tick()
        time.sleep(1.0)
    finally:
        again.stop()
    after = utcnow()
    with session_scope(quiet_app) as s:
        later = {r.job for r in s.scalars(select(JobRun).where(JobRun.id.not_in([r.id for r in runs])))}
    # Only a job whose schedule came round since its catch-up may run again (the outbox runs
    # every minute: when a minute turns during the test, it is due once more).
    caught_up = {r.job: r.started_at for r in runs}
    came_round = {
        name
        for name, job in job_table(quiet_app).items()
        if (last := job.previous_run(after, again.grace)) is not None
        and (name not in caught_up or last > caught_up[name])
    }
    assert later <= came_round
    assert "sweep" not in came_round and "retention" not in came_round  # nightly: not again


def test_a_job_never_overlaps_itself(quiet_app: Flask) -> None:
    with session_scope(quiet_app) as s:
        s.add(JobRun(job="retention", trigger="schedule", holder="elsewhere", status="running"))
    with pytest.raises(JobBusyError, match="already running"):
        run_job(quiet_app, "retention")
    with session_scope(quiet_app) as s:  # a run from a process that died hours ago is closed
        s.execute(update(JobRun).values(started_at=utcnow() - timedelta(hours=7)))
    assert run_job(quiet_app, "retention").status == "success"
    with session_scope(quiet_app) as s:
        statuses = sorted((r.status, r.error or "") for r in s.scalars(select(JobRun)))
    assert statuses == [("failed", "abandoned: its process stopped"), ("success", "")]


def test_jobs_cli_lists_and_runs(quiet_app: Flask) -> None:
    runner = quiet_app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0
    assert "sweep" in listed.output and "refresh:un_sc" in listed.output and "never run" in listed.output
    ran = runner.invoke(args=["jobs", "run", "retention"])
    assert ran.exit_code == 0 and "retention: success" in ran.output
    unknown = runner.invoke(args=["jobs", "run", "nope"])
    assert unknown.exit_code != 0 and "no job 'nope'" in unknown.output


def _reader(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)


def _wait_for(lines: queue.Queue[str], seen: list[str], text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"{text!r} not seen in:\n{''.join(seen)}")


def test_two_scheduler_processes_one_active_and_a_takeover_when_it_is_killed(
    quiet_app: Flask, database_url: str, tmp_path: Path
) -> None:
    env = {
        **server_env(database_url, tmp_path),
        "SCREENING_SCHEDULER__LEASE_SECONDS": "2",
        "SCREENING_SCHEDULER__MISFIRE_GRACE_SECONDS": "0",
        "SCREENING_WATCHLISTS__MIRROR_DIR": str(tmp_path / "mirror"),
    }
    command = [sys.executable, "-m", "flask", "--app", "service", "scheduler"]
    processes, lines = [], []
    try:
        seen: list[list[str]] = [[], []]
        for number in range(2):
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            out: queue.Queue[str] = queue.Queue()
            threading.Thread(target=_reader, args=(process, out), daemon=True).start()
            processes.append(process)
            lines.append(out)
            if number == 0:  # the second starts once the first is active
                first = _wait_for(lines[0], seen[0], "lease acquired")
        holder = first.split("lease acquired: ")[1].split()[0]
        assert holder.split(":")[1] == str(processes[0].pid)
        _wait_for(lines[1], seen[1], f"standby: lease held by {holder}")
        processes[0].send_signal(signal.SIGKILL)  # no clean release: the lease must expire
        processes[0].wait(timeout=10)
        started = time.monotonic()
        second = _wait_for(lines[1], seen[1], "lease acquired")
        assert str(processes[1].pid) in second
        assert time.monotonic() - started < 15
        assert lease_holder(quiet_app) == second.split("lease acquired: ")[1].split()[0]
        processes[1].send_signal(signal.SIGTERM)  # a clean stop gives the lease up
        assert processes[1].wait(timeout=20) == 0
        assert lease_holder(quiet_app) is None
    finally:
        for process in processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


def _wait_for_run(app: Flask, job: str, timeout: float = 30.0) -> JobRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(app) as s:
            run = s.scalar(select(JobRun).where(JobRun.job == job, JobRun.status != "running"))
            if run is not None:
                s.expunge(run)
                return run
        time.sleep(0.1)
    raise AssertionError(f"job {job} did not finish")


def test_jobs_api_lists_and_starts_jobs_for_admins_only(quiet_app: Flask) -> None:
    with session_scope(quiet_app) as s:
        _, admin = create_api_key(s, "ops", "admin")
        _, officer = create_api_key(s, "erp", "officer")
    client = quiet_app.test_client()
    as_admin = {"Authorization": f"Bearer {admin}"}
    listed = client.get("/api/v1/jobs", headers=as_admin).get_json()
    names = {job["name"] for job in listed["jobs"]}
    assert {"sweep", "sweep_full", "outbox", "retention", "refresh:un_sc"} <= names
    assert all(job["next_run_at"] and job["last_run"] is None for job in listed["jobs"])
    assert client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {officer}"}).status_code == 403
    started = client.post("/api/v1/jobs/retention/run", headers=as_admin)
    assert started.status_code == 202 and started.get_json() == {"job": "retention", "status": "started"}
    run = _wait_for_run(quiet_app, "retention")
    assert run.status == "success" and run.trigger == "manual" and run.holder.startswith("apikey:")
    shown = {j["name"]: j for j in client.get("/api/v1/jobs", headers=as_admin).get_json()["jobs"]}
    assert shown["retention"]["last_run"]["status"] == "success"
    assert client.post("/api/v1/jobs/nope/run", headers=as_admin).status_code == 404
    with session_scope(quiet_app) as s:
        s.add(JobRun(job="sweep", trigger="schedule", holder="elsewhere", status="running"))
    busy = client.post("/api/v1/jobs/sweep/run", headers=as_admin)
    assert busy.status_code == 409 and "already running" in busy.get_json()["error"]["message"]
    assert client.get("/api/v1/sweeps", headers=as_admin).get_json() == {"sweeps": []}


def test_admins_see_jobs_and_run_one_from_the_page(quiet_app: Flask) -> None:
    make_user(quiet_app, "ops@example.org", "admin")
    make_user(quiet_app, "officer@example.org", "officer")
    page = signed_in(quiet_app, "ops@example.org")
    html = page.get("/admin/jobs").get_data(as_text=True)
    assert 'data-job="sweep"' in html and "never" in html
    ran = page.post("/admin/jobs/retention/run", data={"csrf_token": token(page, "/admin/jobs")})
    assert ran.status_code == 302
    assert _wait_for_run(quiet_app, "retention").holder == "user:ops@example.org"
    assert "Job retention started" in page.get("/admin/jobs").get_data(as_text=True)
    assert signed_in(quiet_app, "officer@example.org").get("/admin/jobs").status_code == 403
