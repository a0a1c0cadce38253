"""CLI for scheduled work: `jobs list|run`, `sweep run|history`, and the `scheduler` process."""

from __future__ import annotations

import json
import signal
import sys
from types import FrameType
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from service.db import session_scope
from service.jobs import JobBusyError, UnknownJobError, jobs_json, run_job
from service.models import SweepRun
from service.scheduler import Scheduler, lease_holder
from service.sweeps import KINDS, SWEEP_CHUNK, SweepBusyError, run_sweep, sweep_json


@click.group("jobs", help="Scheduled jobs: list them, or run one now.")
def jobs_cli() -> None:
    pass


@jobs_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def jobs_list_command(as_json: bool) -> None:
    """Every job with its schedule (UTC), next run and last outcome."""
    jobs = jobs_json(current_app)
    if as_json:
        click.echo(json.dumps({"scheduler": lease_holder(current_app), "jobs": jobs}, indent=2))
        return
    click.echo(f"active scheduler: {lease_holder(current_app) or 'none'}")
    for job in jobs:
        last = job["last_run"]
        outcome = (
            f"{last['status']} at {last['started_at'][:19]} ({last['duration_seconds'] or 0:.1f}s)"
            if last
            else "never run"
        )
        click.echo(f"{job['name']:<28} {job['cron']:<14} next {job['next_run_at'][:16]}  last: {outcome}")


@jobs_cli.command("run")
@click.argument("name")
@with_appcontext
def jobs_run_command(name: str) -> None:
    """Run job NAME now (in this process) and record it like a scheduled run."""
    try:
        run = run_job(current_app, name, trigger="manual", holder="cli")
    except UnknownJobError:
        raise click.ClickException(f"no job {name!r}; see 'flask --app service jobs list'") from None
    except JobBusyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{run.job}: {run.status} in {run.duration_seconds:.1f}s {json.dumps(run.details)}")
    if run.status != "success":
        raise click.ClickException(run.error or "failed")


@click.group("sweep", help="Re-screen the supplier registry.")
def sweep_cli() -> None:
    pass


@sweep_cli.command("run")
@click.option("--kind", type=click.Choice(KINDS), default="delta", show_default=True)
@click.option("--chunk", type=click.IntRange(min=1), default=SWEEP_CHUNK, show_default=True)
@with_appcontext
def sweep_run_command(kind: str, chunk: int) -> None:
    """Run a sweep (or resume an interrupted one) to its end, printing progress per chunk."""

    def progress(run: dict[str, Any]) -> None:
        click.echo(f"sweep {run['id']} {run['phase']}: {run['suppliers_screened']} suppliers screened")

    try:
        outcome = run_sweep(current_app, kind, chunk_size=chunk, on_chunk=progress)
    except (SweepBusyError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(outcome.as_dict()))


@sweep_cli.command("history")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@with_appcontext
def sweep_history_command(limit: int) -> None:
    """The latest sweeps, newest first, as JSON lines."""
    with session_scope(current_app) as session:
        for run in session.scalars(select(SweepRun).order_by(SweepRun.id.desc()).limit(limit)):
            click.echo(json.dumps(sweep_json(run)))


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler in the foreground (production: exactly one such process is active)."""
    scheduler = Scheduler(current_app._get_current_object())  # type: ignore[attr-defined]

    def stop(signum: int, frame: FrameType | None) -> None:
        click.echo(f"signal {signum}: stopping the scheduler", err=True)
        scheduler._stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"scheduler {scheduler.holder} starting", err=True)
    scheduler.run_forever()
    sys.exit(0)
