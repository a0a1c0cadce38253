"""Sweeps on the real UN lists: full and delta, the entries a refresh added, and a killed sweep resumed."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import ROOT, SHARED_DATA, _close, settings_for
from e2e_support import server_env
from flask import Flask
from sqlalchemy import delete, func, select, update

from screening import Matcher, Query
from service import create_app, get_settings, parallel
from service.db import get_db, session_scope, upgrade
from service.engine import entry_to_record, get_index_holder
from service.models import Finding, FindingEvent, ListVersion, Notification, Supplier, SweepRun, utcnow
from service.schemas import SupplierInput
from service.suppliers import upsert_supplier
from service.sweeps import SweepBusyError, run_sweep
from watchlists.formats import get_format, parse_format
from watchlists.types import ParseReport

UN_DIR = SHARED_DATA / "watchlists" / "un"
UN_NEW = UN_DIR / "consolidated.xml"
UN_OLD = UN_DIR / "previous_2026-02-27"


def _old_file() -> str:
    files = sorted(p for p in UN_OLD.rglob("*.xml")) if UN_OLD.is_dir() else []
    if not files:
        pytest.skip(f"older UN snapshot not found under {UN_OLD}")
    return str(files[0])


def _import(app: Flask, path: str) -> None:
    done = app.test_cli_runner().invoke(args=["lists", "import", "un_sc", path])
    assert done.exit_code == 0, done.output


def _register(app: Flask, *suppliers: tuple[str, str]) -> None:
    with session_scope(app) as s:
        for ref, name in suppliers:
            upsert_supplier(s, SupplierInput(name=name, kind="unknown", country=None, ref=ref))


def _findings(app: Flask) -> list[tuple[str, str, str]]:
    with session_scope(app) as s:
        rows = s.scalars(select(Finding).order_by(Finding.id))
        return [(f.supplier.ref, f.entry_id, f.status) for f in rows]


@pytest.fixture
def un_app(db_app: Flask) -> Flask:
    if not UN_NEW.exists():
        pytest.skip(f"UN list not found at {UN_NEW}")
    return db_app


def test_first_sweep_is_full_and_a_delta_sweep_screens_only_what_changed(un_app: Flask) -> None:
    _import(un_app, str(UN_NEW))
    _register(un_app, ("V-1", "Al Qaida"), ("V-2", "Acme Stationery Supplies Ltd"), ("V-3", "Orion Textiles"))
    first = run_sweep(un_app, "delta")
    assert (first.kind, first.suppliers_screened, first.new_findings) == ("full", 3, 1)
    assert _findings(un_app) == [("V-1", "QDe.004", "new")]
    again = run_sweep(un_app, "delta")
    assert (again.kind, again.suppliers_screened, again.entries_considered, again.new_findings) == (
        "delta",
        0,
        0,
        0,
    )
    _register(un_app, ("V-2", "Al-Qa'ida in Iraq"))  # the supplier's screened name changed
    changed = run_sweep(un_app, "delta")
    assert (changed.suppliers_screened, changed.new_findings) == (1, 1)
    assert sorted(_findings(un_app)) == [("V-1", "QDe.004", "new"), ("V-2", "QDe.115", "new")]
    full = run_sweep(un_app, "full")
    assert (full.kind, full.suppliers_screened, full.new_findings) == ("full", 3, 0)
    assert len(_findings(un_app)) == 2  # idempotent: no duplicate findings


def test_a_delta_sweep_finds_suppliers_matching_entries_a_refresh_added(un_app: Flask) -> None:
    old_path = _old_file()
    old_bytes = Path(old_path).read_bytes()
    old = {
        e.entry_id for e in parse_format(get_format("un_sc_xml"), "un_sc", {"file": old_bytes}, ParseReport())
    }
    new_entries = parse_format(get_format("un_sc_xml"), "un_sc", {"file": UN_NEW.read_bytes()}, ParseReport())
    added = [e for e in new_entries if e.entry_id not in old and e.kind == "person" and e.names]
    assert added, "the newer UN snapshot adds people"
    target = added[0]
    _import(un_app, old_path)
    _register(un_app, ("V-9", target.names[0].value), ("V-2", "Acme Stationery Supplies Ltd"))
    baseline = run_sweep(un_app, "delta")
    assert baseline.kind == "full"
    assert not [f for f in _findings(un_app) if f[1] == target.entry_id]
    _import(un_app, str(UN_NEW))
    delta = run_sweep(un_app, "delta")
    assert delta.kind == "delta" and delta.suppliers_screened == 2  # every supplier, in the entries phase
    with session_scope(un_app) as s:
        version = s.scalars(select(ListVersion).where(ListVersion.is_current.is_(True))).one()
        # Only the entries the refresh added or changed, not the whole list.
        assert delta.entries_considered == version.added + version.changed < version.entry_count
    assert ("V-9", target.entry_id, "new") in _findings(un_app)


def test_a_sweep_on_forked_workers_reading_their_own_rows_matches_in_process(
    un_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers fork, open their own connections (SQLite and PostgreSQL) and read their chunks."""
    _import(un_app, str(UN_NEW))
    names = ["Al Qaida", "Orion Textiles", "Taliban", "Acme Stationery Supplies Ltd", "Al-Qa'ida in Iraq"]
    _register(un_app, *[(f"V-{i:03d}", names[i % len(names)]) for i in range(60)])
    with session_scope(un_app) as s:  # an archived supplier is not read, on any process
        s.execute(update(Supplier).where(Supplier.ref == "V-000").values(archived_at=utcnow()))
    index, settings = get_index_holder(un_app).get(), get_settings(un_app).screening
    assert index is not None and parallel.worker_count(index, settings, 9, 59) == 1
    in_process = run_sweep(un_app, "full", chunk_size=7)
    expected = _findings(un_app)
    with session_scope(un_app) as s:
        s.execute(delete(FindingEvent))
        s.execute(delete(Notification))
        s.execute(delete(Finding))
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ENTRIES", 0)  # fork even for the UN list alone
    assert parallel.worker_count(index, settings, 9, 59) == 2
    forked = run_sweep(un_app, "full", chunk_size=7)
    assert forked.suppliers_screened == in_process.suppliers_screened == 59
    assert forked.new_findings == in_process.new_findings == len(expected)
    assert _findings(un_app) == expected
    al_qaida = {ref for ref, entry, _ in expected if entry == "QDe.004"}
    assert al_qaida == {f"V-{i:03d}" for i in range(5, 60, 5)}  # every "Al Qaida" but the archived one
    assert ("V-000", "QDe.004", "new") not in expected


def test_the_changed_entries_index_scores_every_pair_as_the_whole_index_does() -> None:
    """A delta sweep's small index borrows the whole index's token weights: same pairs, same scores."""
    if not UN_NEW.exists():
        pytest.skip(f"UN list not found at {UN_NEW}")
    entries = parse_format(get_format("un_sc_xml"), "un_sc", {"file": UN_NEW.read_bytes()}, ParseReport())
    records = [entry_to_record(e) for e in entries]
    whole = Matcher(records)
    changed = records[::20]  # a refresh that changed one entry in twenty
    borrowed, own = Matcher(changed, weights=whole.weights), Matcher(changed)
    keys = {r.key for r in changed}
    same = differ = 0
    for r in changed:  # each changed entry's first name, with a letter dropped
        name = r.names[0].value
        query = Query(name[:3] + name[4:], r.kind)
        expected = {m.key: m.score for m in whole.screen(query, threshold=0.8, limit=50) if m.key in keys}
        assert {m.key: m.score for m in borrowed.screen(query, threshold=0.8, limit=50)} == expected, name
        mine = {m.key: m.score for m in own.screen(query, threshold=0.8, limit=50)}
        same += sum(1 for key, score in expected.items() if score < 1.0)
        differ += sum(1 for key, score in expected.items() if mine.get(key) != score)
    assert same >= 20  # typo'd names: partial scores, where weights matter
    assert differ >= 10  # with weights of its own the small index would score them otherwise


def test_a_killed_sweep_resumes_where_it_stopped_without_duplicates(
    un_app: Flask, database_url: str, tmp_path: Path
) -> None:
    _import(un_app, str(UN_NEW))
    names = [
        "Al Qaida",
        "Orion Textiles",
        "Taliban Trading",
        "Al-Qa'ida in Iraq",
        "Acme Stationery Supplies Ltd",
    ]
    _register(un_app, *[(f"V-{i:03d}", names[i % len(names)]) for i in range(150)])
    env = server_env(database_url, tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "service", "sweep", "run", "--kind", "full", "--chunk", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    progress = 0
    for line in process.stdout:
        progress += line.startswith("sweep ")
        if progress == 20:
            process.kill()  # SIGKILL: no cleanup, like a crash
            break
    process.wait(timeout=30)
    process.stdout.close()
    assert progress == 20, "the sweep finished before it could be killed"
    with session_scope(un_app) as s:
        run = s.scalars(select(SweepRun)).one()
        assert run.status == "running" and 20 <= run.suppliers_screened < 150
        done_before = run.suppliers_screened
    with pytest.raises(SweepBusyError):
        run_sweep(un_app, "full")  # its heartbeat is fresh: it might still be alive
    with session_scope(un_app) as s:
        s.execute(update(SweepRun).values(heartbeat_at=utcnow() - timedelta(minutes=10)))
    resumed = run_sweep(un_app, "full")
    assert resumed.resumed and resumed.suppliers_screened == 150
    assert resumed.suppliers_screened - done_before == 150 - done_before
    with session_scope(un_app) as s:
        assert s.scalar(select(func.count()).select_from(SweepRun)) == 1
        per_pair = s.execute(
            select(Finding.supplier_id, Finding.entry_id, func.count()).group_by(
                Finding.supplier_id, Finding.entry_id
            )
        ).all()
    assert per_pair and all(count == 1 for *_, count in per_pair)
    alerting = {ref for ref, _, _ in _findings(un_app)}
    assert len(alerting) == 60  # Al Qaida and Al-Qa'ida in Iraq rows: 2 of every 5 suppliers


def test_a_sweep_queues_one_notification_per_new_finding_and_never_twice(
    database_url: str, tmp_path: Path
) -> None:
    if not UN_NEW.exists():
        pytest.skip(f"UN list not found at {UN_NEW}")
    base = settings_for(database_url, tmp_path)
    notifications = replace(
        base.notifications, webhook_url="http://127.0.0.1:9/hook", webhook_secret="s" * 32
    )
    app = create_app(replace(base, notifications=notifications))
    upgrade(get_db(app).engine)
    try:
        _import(app, str(UN_NEW))
        _register(app, ("V-1", "Al Qaida"), ("V-2", "Al-Qa'ida in Iraq"), ("V-3", "Orion Textiles"))
        assert run_sweep(app, "full").new_findings == 2
        assert run_sweep(app, "full").new_findings == 0
        with session_scope(app) as s:
            queued = [(n.kind, n.channel, n.payload["supplier_ref"]) for n in s.scalars(select(Notification))]
    finally:
        _close(app)
    assert sorted(queued) == [("new_alert", "webhook", "V-1"), ("new_alert", "webhook", "V-2")]
