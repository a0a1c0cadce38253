"""Benchmark: nightly sweeps of a 100,000-supplier registry against the shared lists.

    make eval            # once: builds build/eval/eval.sqlite (27,848 list entries)
    PYTHONPATH=. .venv/bin/python bench/bench_sweeps.py [--suppliers 100000]

Copies the evaluation database, registers N suppliers (real company names from
../shared/data/negatives with seeded variants, plus one in fifty a listed name with a typo,
so that sweeps raise findings), then times, in one run:

1. the first sweep (full: every supplier against every list);
2. a delta sweep with nothing changed;
3. a refresh that changes 1% of all list entries (a new version of the largest source with
   that many entries' names altered), then the delta sweep that follows it;
4. a second full sweep (every finding already there: nothing new).

Targets (issue 7): delta sweep after a 1% refresh under 10 s; full sweep under 60 s.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_batches import supplier_rows  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from service import create_app  # noqa: E402
from service.config import load_settings  # noqa: E402
from service.db import get_db, session_scope, upgrade  # noqa: E402
from service.engine import get_index_holder  # noqa: E402
from service.models import Finding, ListVersion, Supplier, utcnow  # noqa: E402
from service.schemas import SupplierInput  # noqa: E402
from service.store import iter_current_entries, store_snapshot  # noqa: E402
from service.suppliers import supplier_hash  # noqa: E402
from service.sweeps import run_sweep  # noqa: E402
from watchlists.types import Name, Snapshot  # noqa: E402

EVAL_DB = ROOT / "build" / "eval" / "eval.sqlite"
CHANGED_SHARE = 0.01
PROFILE = "--profile" in sys.argv


def register(app, count: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Insert `count` suppliers in bulk (the registry as a purchasing system would have it)."""
    with session_scope(app) as session:
        listed = [
            entry.names[0].value
            for _, entry in iter_current_entries(session)
            if entry.names and entry.kind == "organization"
        ]
    rows = supplier_rows(count)
    now = utcnow()
    values = []
    for i, (ref, name, country) in enumerate(rows):
        if i % 50 == 0:
            name = listed[rng.randrange(len(listed))]
            if len(name) > 6:
                at = rng.randrange(1, len(name) - 1)
                name = name[:at] + name[at + 1 :]  # one letter dropped
        supplier = SupplierInput(name=name, kind="organization", country=country or None, ref=ref)
        values.append(
            {
                "ref": ref,
                "name": name,
                "kind": "organization",
                "country": country or None,
                "other_names": {"names": []},
                "details": {"registration_numbers": [], "tax_id": None, "address": None, "owners": []},
                "screened_hash": supplier_hash(supplier),
                "created_at": now,
                "updated_at": now,
            }
        )
    with session_scope(app) as session:
        for start in range(0, len(values), 5000):
            session.execute(insert(Supplier), values[start : start + 5000])


def change_one_percent(app, rng: random.Random) -> int:  # type: ignore[no-untyped-def]
    """A new version of the largest source with 1% of all entries' names altered; returns how many."""
    with session_scope(app) as session:
        total = session.scalar(select(func.sum(ListVersion.entry_count)).where(ListVersion.is_current)) or 0
        largest = session.scalars(
            select(ListVersion).where(ListVersion.is_current).order_by(ListVersion.entry_count.desc())
        ).first()
        assert largest is not None
        entries = [entry for version, entry in iter_current_entries(session) if version.id == largest.id]
        wanted = int(total * CHANGED_SHARE)
        altered = set(rng.sample(range(len(entries)), wanted))
        new_entries = []
        for i, entry in enumerate(entries):
            if i in altered and entry.names:
                first = entry.names[0]
                entry = replace(entry, names=(Name(first.value + " HOLDING", first.type), *entry.names[1:]))
            new_entries.append(entry)
        checksum = hashlib.sha256(f"bench-{time.time()}".encode()).hexdigest()
        snapshot = Snapshot(largest.source, tuple(new_entries), largest.published_at, checksum)
        version = store_snapshot(session, snapshot, origin="bench: 1% of entries altered")
        assert version is not None
        return version.changed + version.added


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="profile the delta sweep after the refresh")
    args = parser.parse_args()
    if not EVAL_DB.exists():
        raise SystemExit(f"{EVAL_DB} not found: run `make eval` first")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        with sqlite3.connect(EVAL_DB) as source, sqlite3.connect(db) as copy:
            source.backup(copy)
        base = load_settings(environ={})
        settings = replace(
            base,
            app=replace(base.app, env="testing", instance_dir=str(Path(tmp) / "instance")),
            database=replace(base.database, url=f"sqlite:///{db}"),
        )
        app = create_app(settings)
        upgrade(get_db(app).engine)
        started = time.perf_counter()
        register(app, args.suppliers, rng)
        register_s = time.perf_counter() - started
        get_index_holder(app).get()
        timings = []
        first = run_sweep(app, "delta")
        timings.append(("first sweep (full: every supplier, every list)", first))
        quiet = run_sweep(app, "delta")
        timings.append(("delta sweep, nothing changed", quiet))
        started = time.perf_counter()
        changed = change_one_percent(app, rng)
        refresh_s = time.perf_counter() - started
        holder = get_index_holder(app)
        holder._refresh_if_changed()  # the process notices the new version and rebuilds
        holder.wait_for_rebuild()
        if PROFILE:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.enable()
        delta = run_sweep(app, "delta")
        if PROFILE:
            profile.disable()
            pstats.Stats(profile).sort_stats("cumtime").print_stats(25)
        timings.append((f"delta sweep after a refresh changing {changed} entries (1%)", delta))
        full = run_sweep(app, "full")
        timings.append(("full sweep (findings already there)", full))
        with session_scope(app) as session:
            findings = session.scalar(select(func.count()).select_from(Finding))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.suppliers:,} suppliers registered in {register_s:.1f} s; 1% refresh in {refresh_s:.1f} s")
    print("| sweep | seconds | suppliers screened | entries considered | new findings |")
    print("|---|---:|---:|---:|---:|")
    for label, outcome in timings:
        print(
            f"| {label} | {outcome.seconds:.1f} | {outcome.suppliers_screened:,} | "
            f"{outcome.entries_considered:,} | {outcome.new_findings:,} |"
        )
    print(f"findings in the registry: {findings:,}; peak RSS {peak_mb:.0f} MB (parent process)")


if __name__ == "__main__":
    main()
