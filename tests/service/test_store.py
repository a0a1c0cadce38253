"""List versions in the database: all-or-nothing storage, diffs, current-version switching.

Runs on SQLite and on PostgreSQL (`db_app`).
"""

from __future__ import annotations

import pytest
from factories import make_entry
from flask import Flask
from sqlalchemy import func, select

from service.db import session_scope
from service.models import ListEntryRow, ListVersion
from service.store import (
    EntryDiff,
    ShrinkError,
    get_current_version,
    get_diff,
    get_entry,
    get_source_statuses,
    iter_current_entries,
    record_failure,
    store_snapshot,
)
from watchlists import Name, Snapshot


def snapshot(*entries, checksum: str = "c1") -> Snapshot:
    return Snapshot("un_sc", tuple(entries), published_at="2026-05-08", checksum=checksum)


def test_store_makes_a_new_current_version_with_its_diff(db_app: Flask) -> None:
    with session_scope(db_app) as s:
        v1 = store_snapshot(s, snapshot(make_entry("A"), make_entry("B"), make_entry("C")), origin="f1")
        assert v1 is not None and v1.version == 1 and v1.added == 3
    changed_b = make_entry("B", names=(Name("ACME TRADING LTD"), Name("ACME TRDG", "alias")))
    with session_scope(db_app) as s:
        v2 = store_snapshot(
            s, snapshot(make_entry("A"), changed_b, make_entry("D"), checksum="c2"), origin="f2"
        )
        assert v2 is not None
        assert (v2.version, v2.added, v2.changed, v2.removed, v2.entry_count) == (2, 1, 1, 1, 3)
        assert get_diff(s, v2) == EntryDiff(added=("D",), changed=("B",), removed=("C",))
    with session_scope(db_app) as s:
        current = get_current_version(s, "un_sc")
        assert current is not None and current.version == 2
        assert s.scalar(select(func.count()).select_from(ListVersion).where(ListVersion.is_current)) == 1
        assert sorted(e.entry_id for _, e in iter_current_entries(s)) == ["A", "B", "D"]
        entry = get_entry(s, "un_sc", "B")
        assert entry == changed_b  # round-trips through JSON unchanged
        assert get_entry(s, "un_sc", "C") is None  # removed from the serving version
        status = get_source_statuses(s)["un_sc"]
        assert status.current_version_id == current.id and status.last_error is None
        assert status.last_success_at is not None and status.last_success_at.tzinfo is not None


def test_same_checksum_makes_no_new_version(db_app: Flask) -> None:
    with session_scope(db_app) as s:
        store_snapshot(s, snapshot(make_entry("A")), origin="f")
    with session_scope(db_app) as s:
        assert store_snapshot(s, snapshot(make_entry("A")), origin="f") is None
        assert s.scalar(select(func.count()).select_from(ListVersion)) == 1


def test_shrink_past_the_bound_keeps_the_current_version(db_app: Flask) -> None:
    with session_scope(db_app) as s:
        store_snapshot(s, snapshot(*(make_entry(str(i)) for i in range(20))), origin="f")
    with pytest.raises(ShrinkError, match=r"15 entries against 20 now serving \(25.0% fewer, limit 10%\)"):
        with session_scope(db_app) as s:
            store_snapshot(
                s,
                snapshot(*(make_entry(str(i)) for i in range(15)), checksum="c2"),
                origin="f",
                max_shrink=0.1,
            )
    with session_scope(db_app) as s:
        record_failure(s, "un_sc", "shrank")
    with session_scope(db_app) as s:
        current = get_current_version(s, "un_sc")
        assert current is not None and current.version == 1 and current.entry_count == 20
        assert s.scalar(select(func.count()).select_from(ListEntryRow)) == 20
        assert get_source_statuses(s)["un_sc"].last_error == "shrank"


def test_a_failed_transaction_leaves_nothing_half_written(db_app: Flask) -> None:
    with session_scope(db_app) as s:
        store_snapshot(s, snapshot(make_entry("A")), origin="f")
    with pytest.raises(RuntimeError):
        with session_scope(db_app) as s:
            store_snapshot(s, snapshot(make_entry("A"), make_entry("B"), checksum="c2"), origin="f")
            raise RuntimeError("crash after writing, before commit")
    with session_scope(db_app) as s:
        assert s.scalar(select(func.count()).select_from(ListVersion)) == 1
        assert s.scalar(select(func.count()).select_from(ListEntryRow)) == 1
        current = get_current_version(s, "un_sc")
        assert current is not None and current.version == 1
