"""Each process screens with the current list versions and swaps in new ones atomically."""

from __future__ import annotations

import time
from dataclasses import replace

from factories import make_entry
from flask import Flask

from service import get_settings
from service.db import session_scope
from service.engine import IndexHolder, get_index_holder
from service.store import store_snapshot
from watchlists import Name, Snapshot


def fast_checks(app: Flask) -> IndexHolder:
    settings = get_settings(app)
    holder = IndexHolder(app, replace(settings.screening, index_check_seconds=0.05))
    app.extensions["screening.index"] = holder
    return holder


def test_a_new_version_is_built_beside_the_old_and_swapped_in(db_app: Flask) -> None:
    holder = fast_checks(db_app)
    assert holder.get() is None  # nothing loaded: callers must refuse, not clear
    with session_scope(db_app) as s:
        store_snapshot(s, Snapshot("un_sc", (make_entry("A", "ACME TRADING LTD"),), None, "c1"), origin="t")
    first = holder.get()
    assert first is not None and [v.version for v in first.versions] == [1]
    with session_scope(db_app) as s:
        store_snapshot(
            s,
            Snapshot(
                "un_sc",
                (
                    make_entry("A", "ACME TRADING LTD"),
                    make_entry("B", "ZENITH SHIPPING", names=(Name("ZENITH SHIPPING"),)),
                ),
                None,
                "c2",
            ),
            origin="t",
        )
    time.sleep(0.06)
    during = holder.get()  # the rebuild runs in the background; the old index keeps answering
    assert during is first or [v.version for v in during.versions] == [2]
    holder.wait_for_rebuild()
    time.sleep(0.06)
    second = holder.get()
    assert second is not None and second is not first
    assert [v.version for v in second.versions] == [2]
    assert set(second.entries) == {"un_sc\x1fA", "un_sc\x1fB"}
    assert len(first.entries) == 1  # the old index object was never modified


def test_the_app_holder_is_per_app(db_app: Flask) -> None:
    assert isinstance(get_index_holder(db_app), IndexHolder)
