"""Command-line interface: `flask --app service lists|apikeys ...`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from screening import Matcher
from service import get_settings
from service.audit import (
    ChainProblem,
    prunable_events,
    prune_events,
    record_event,
    retention_cutoff,
    verify_chain,
    verify_exported,
)
from service.audit_export import FORMATS as EXPORT_FORMATS
from service.audit_export import FilterError, export_chunks, parse_filter
from service.auth import create_api_key, revoke_api_key
from service.batches import build_report, create_batch, process_batch
from service.comparisons import RecordError, compare_lines, read_jsonl, screen_lines
from service.config import ROLES
from service.db import session_scope
from service.engine import LoadedIndex, get_index_holder
from service.lists import assign_parts, import_files, source_overview
from service.models import ApiKey, AuditEvent, Batch, utcnow
from service.refresh import refresh_source
from service.spreadsheets import UploadError
from service.store import ShrinkError, get_current_version, get_diff, get_version, record_failure
from service.users import create_user
from watchlists import WatchlistError
from watchlists.formats import FORMATS


def init_app(app: Flask) -> None:
    """Register the command groups on `app`."""
    app.cli.add_command(lists_cli)
    app.cli.add_command(apikeys_cli)
    app.cli.add_command(screen_file_command)
    app.cli.add_command(compare_file_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    from service.cli_jobs import jobs_cli, scheduler_command, sweep_cli

    app.cli.add_command(jobs_cli)
    app.cli.add_command(sweep_cli)
    app.cli.add_command(scheduler_command)


@click.group("lists", help="Watchlist sources and versions.")
def lists_cli() -> None:
    pass


@lists_cli.command("import")
@click.argument("source")
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", default=None, help="Override the configured format (see 'lists formats').")
@with_appcontext
def import_command(source: str, files: tuple[str, ...], fmt: str | None) -> None:
    """Store the published file(s) FILES as a new version of SOURCE (offline installs).

    Multi-file formats take part=path arguments (e.g. primary=sdn.csv alt=alt.csv), or
    file names that say the part.
    """
    settings = get_settings()
    spec = settings.watchlists.get(source)
    if spec is None:
        raise click.UsageError(
            f"unknown source {source!r}; configured: {', '.join(s.id for s in settings.watchlists.sources)}"
        )
    try:
        parts = assign_parts(fmt or spec.format, list(files))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    for path in parts.values():
        if not path.is_file():
            raise click.UsageError(f"file not found: {path}")
    try:
        with session_scope() as session:
            version = import_files(session, settings, source, parts, fmt)
            details = {
                "files": [str(p) for p in parts.values()],
                "version": version.version if version else None,
            }
            record_event(session, "cli", "list.import", subject=source, details=details)
    except (WatchlistError, ShrinkError, OSError) as exc:
        with session_scope() as session:
            record_failure(session, source, str(exc))
            record_event(session, "cli", "list.import", subject=source, details={"error": str(exc)})
        raise click.ClickException(f"import failed, the current version keeps serving: {exc}") from None
    if version is None:
        click.echo(f"{source}: unchanged (same file as the current version)")
        return
    click.echo(
        f"{source}: version {version.version} with {version.entry_count} entries "
        f"(+{version.added} added, {version.changed} changed, -{version.removed} removed)"
    )


@lists_cli.command("refresh")
@click.argument("sources", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Every enabled source.")
@with_appcontext
def refresh_command(sources: tuple[str, ...], all_sources: bool) -> None:
    """Download SOURCES (or --all enabled ones) and store each new version that passes the checks."""
    settings = get_settings()
    if all_sources == bool(sources):
        raise click.UsageError("name one or more sources, or --all")
    wanted = [s.id for s in settings.watchlists.sources if s.enabled] if all_sources else list(sources)
    failed = 0
    for source in wanted:
        result = refresh_source(current_app._get_current_object(), source)  # type: ignore[attr-defined]
        version = f" version {result.version}" if result.version else ""
        click.echo(f"{source}: {result.outcome}{version} {result.message}".rstrip())
        failed += result.outcome in ("failed", "busy")
    if failed:
        raise click.ClickException(
            f"{failed} of {len(wanted)} source(s) not refreshed; the current versions keep serving"
        )


@lists_cli.command("diff")
@click.argument("source")
@click.option("--version", "number", type=int, default=None, help="Version number (default: current).")
@with_appcontext
def diff_command(source: str, number: int | None) -> None:
    """Show what a version of SOURCE added, changed and removed against the one before it."""
    with session_scope() as session:
        version = get_version(session, source, number) if number else get_current_version(session, source)
        if version is None:
            raise click.ClickException(f"{source}: no such version")
        diff = get_diff(session, version)
        click.echo(f"{source} version {version.version} (published {version.published_at or '-'}):")
        for label, ids in (("added", diff.added), ("changed", diff.changed), ("removed", diff.removed)):
            click.echo(f"  {label} ({len(ids)}): {', '.join(ids[:50])}{' …' if len(ids) > 50 else ''}")


@lists_cli.command("formats")
def formats_command() -> None:
    """List the list formats this service reads."""
    for fmt in FORMATS.values():
        parts = f" (parts: {', '.join(fmt.parts)})" if fmt.multi_file else ""
        click.echo(f"{fmt.name:<20} {fmt.description}{parts}")


@lists_cli.command("status")
@with_appcontext
def status_command() -> None:
    """Show every source's status, serving version and last error."""
    with session_scope() as session:
        rows = source_overview(session)
    for row in rows:
        version = f"v{row['version']} {row['entry_count']} entries" if row["version"] else "no version"
        line = f"{row['source']:<22} {row['status']:<7} {version:<24} published {row['published_at'] or '-'}"
        if row["last_error"]:
            line += f"  last error: {row['last_error']}"
        click.echo(line)


@click.group("apikeys", help="API keys for calling systems.")
def apikeys_cli() -> None:
    pass


@apikeys_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--expires-in-days", type=click.IntRange(min=1), default=None)
@with_appcontext
def create_key_command(name: str, role: str, expires_in_days: int | None) -> None:
    """Create a key for NAME; it is printed once and only its hash is stored."""
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    with session_scope() as session:
        key, plaintext = create_api_key(session, name, role, expires_at)
        prefix = key.prefix
        record_event(session, "cli", "apikey.create", subject=prefix, details={"name": name, "role": role})
    click.echo(plaintext)
    click.echo(f"(key {prefix} for {name!r}, role {role}; store it now, it cannot be shown again)", err=True)


@apikeys_cli.command("list")
@with_appcontext
def list_keys_command() -> None:
    """List keys (never their secrets)."""

    now = utcnow()
    with session_scope() as session:
        for key in session.scalars(select(ApiKey).order_by(ApiKey.id)):
            state = "active" if key.is_active(now) else ("revoked" if key.revoked_at else "expired")
            used = key.last_used_at.isoformat() if key.last_used_at else "never used"
            click.echo(f"{key.prefix}  {key.role:<9} {state:<8} {key.name}  ({used})")


@apikeys_cli.command("revoke")
@click.argument("prefix")
@with_appcontext
def revoke_key_command(prefix: str) -> None:
    """Revoke the key whose prefix is PREFIX (the part after 'sk_')."""
    with session_scope() as session:
        key = revoke_api_key(session, prefix.removeprefix("sk_").split("_")[0])
        if key is not None:
            record_event(session, "cli", "apikey.revoke", subject=key.prefix)
    if key is None:
        raise click.ClickException(f"no key with prefix {prefix!r}")
    click.echo(f"revoked {key.prefix} ({key.name})")


@click.command("screen-file")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="JSONL results (default: stdout), or the report file for a spreadsheet.")  # fmt: skip
@with_appcontext
def screen_file_command(path: Path, output: Path | None) -> None:
    """Screen a file of suppliers against the loaded lists (the lists are not changed).

    A .jsonl file of queries in the evaluation format (../shared/eval/README.md) gives one
    result line per query. A spreadsheet (.xlsx, .csv) is screened like an upload and gives
    the XLSX report (or CSV, when --output ends in .csv).
    """
    index = get_index_holder().get()
    if index is None:
        raise click.ClickException("no watchlist is loaded; import one first ('lists import')")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        _screen_jsonl(path, output, index)
    else:
        _screen_spreadsheet(path, output)


def _screen_jsonl(path: Path, output: Path | None, index: LoadedIndex) -> None:
    count = 0
    with (
        path.open(encoding="utf-8") as queries,
        click.open_file(str(output or "-"), "w", encoding="utf-8") as out,
    ):
        try:
            for result in screen_lines(index, get_settings().screening, read_jsonl(queries)):
                out.write(json.dumps(result, ensure_ascii=False) + "\n")
                count += 1
        except RecordError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"screened {count} queries against {len(index.entries)} entries", err=True)


def _screen_spreadsheet(path: Path, output: Path | None) -> None:
    output = output or path.with_name(f"{path.stem} - screening report.xlsx")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with session_scope() as session:
            batch_id = create_batch(
                session, content=path.read_bytes(), filename=path.name, created_by="cli"
            ).id
    except UploadError as exc:
        raise click.ClickException(f"{path.name}: {exc.message}") from None
    if process_batch(app, batch_id, "cli") != "done":
        with session_scope() as session:
            raise click.ClickException(f"screening failed: {session.get(Batch, batch_id).error}")  # type: ignore[union-attr]
    with session_scope() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        output.write_bytes(build_report(session, batch, "csv" if output.suffix.lower() == ".csv" else "xlsx"))
        click.echo(
            f"{batch.done_rows} rows screened: {batch.alert_rows} with alerts, "
            f"{batch.error_rows} with errors; report written to {output}",
            err=True,
        )


@click.command("compare-file")
@click.argument("pairs", type=click.File("r", encoding="utf-8"))
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Results JSONL (default: stdout).",
)
@with_appcontext
def compare_file_command(pairs: IO[str], output: IO[str]) -> None:
    """Score every {"left", "right"} pair of a JSONL file; write id, score and decision."""
    index = get_index_holder().get()
    matcher = index.matcher if index is not None else Matcher([])  # list statistics weight tokens
    threshold = get_settings().screening.threshold
    count = 0
    try:
        for result in compare_lines(matcher, threshold, read_jsonl(pairs)):
            output.write(json.dumps(result, ensure_ascii=False) + "\n")
            count += 1
    except RecordError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"compared {count} pairs", err=True)


@click.group("users", help="People who sign in to the web pages.")
def users_cli() -> None:
    pass


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.password_option(help="Asked for when not given (at least 12 characters).")
@with_appcontext
def create_user_command(email: str, role: str, password: str) -> None:
    """Create a web user EMAIL with ROLE."""
    try:
        with session_scope() as session:
            user = create_user(session, email, password, role)
            email = user.email
            record_event(session, "cli", "user.create", subject=email, details={"role": role})
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"created {email} ({role})")


@click.group("audit", help="The append-only audit trail.")
def audit_cli() -> None:
    pass


@audit_cli.command("verify")
@click.option("--file", "exported", type=click.File("r", encoding="utf-8"), default=None,
              help="Check a JSON export ('audit export') instead of the database.")  # fmt: skip
@with_appcontext
def audit_verify_command(exported: IO[str] | None) -> None:
    """Recompute the hash chain; exit 1 naming every event that was edited, inserted or deleted."""
    if exported is not None:
        problems, count = _verify_export_file(exported)
    else:
        with session_scope() as session:
            problems = list(verify_chain(session))
            count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    for problem in problems:
        click.echo(f"event {problem.event_id}: {problem.message}", err=True)
    if problems:
        raise click.ClickException(f"the audit trail was tampered with ({len(problems)} problem(s))")
    click.echo(f"audit trail intact: {count} events")


def _verify_export_file(exported: IO[str]) -> tuple[list[ChainProblem], int]:
    try:
        document = json.load(exported)
        events, filters = document["events"], document.get("filters") or {}
    except (ValueError, KeyError, TypeError):
        raise click.ClickException(f"{exported.name}: not a JSON export of the audit trail") from None
    contiguous = not any(filters.get(k) for k in ("supplier", "actor", "action"))
    return list(verify_exported(events, contiguous=contiguous)), len(events)


@audit_cli.command("export")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (UTC), inclusive.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (UTC), inclusive.")
@click.option("--supplier", help="Only events about this supplier ref (screenings, findings, ...).")
@click.option("--actor", help="Only events by this actor, e.g. user:someone@example.org.")
@click.option("--action", help="Only this action, or a prefix ending in * (finding.*).")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None,
              help="Default: from the output's suffix, else json.")  # fmt: skip
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: stdout).")  # fmt: skip
@with_appcontext
def audit_export_command(fmt: str | None, output: Path | None, **args: str | None) -> None:
    """Write the events a filter selects, in id order, as CSV or JSON (with their hashes)."""
    try:
        flt = parse_filter({"from": args["start"] or "", "to": args["end"] or "",
                            **{k: args[k] or "" for k in ("supplier", "actor", "action")}})  # fmt: skip
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None
    fmt = fmt or ("csv" if output and output.suffix.lower() == ".csv" else "json")
    with session_scope() as session, click.open_file(str(output or "-"), "w", encoding="utf-8") as out:
        count = 0
        for chunk in export_chunks(session, flt, fmt):
            out.write(chunk)
            count += 1
    lines = count - (1 if fmt == "csv" else 2)  # the header row; the JSON head and tail
    click.echo(f"exported {lines} events{f' to {output}' if output else ''}", err=True)


@audit_cli.command("prune")
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Remove events before this day (UTC); default: the retention cutoff.")  # fmt: skip
@click.option("--apply", "apply_", is_flag=True, help="Delete them; without it, only say what would go.")
@with_appcontext
def audit_prune_command(before: datetime | None, apply_: bool) -> None:
    """Remove events older than the retention period (audit.retention_years), keeping the chain
    verifiable; a dry run unless --apply."""
    years = get_settings().audit.retention_years
    cutoff = retention_cutoff(years)
    when = before.replace(tzinfo=UTC) if before else cutoff
    if when > cutoff:
        raise click.UsageError(f"events are kept {years} years: --before may not be after {cutoff.date()}")
    with session_scope() as session:
        if not apply_:
            count, last = prunable_events(session, when)
            upto = f" (events up to #{last.id})" if last else ""
            click.echo(f"would prune {count} events recorded before {when.date()}{upto}; --apply to do it")
            return
        count = prune_events(session, when, retention_years=years, actor="cli")
    click.echo(f"pruned {count} events recorded before {when.date()}; the chain verifies from the checkpoint")
