"""Benchmark: parsing the shared list files, and a refresh of every shared source from a mirror.

    .venv/bin/python bench/bench_lists.py

Prints one table of parse times (best of --repeat runs) and the wall time and peak memory of
refreshing all eleven shared sources from a mirror folder into a fresh SQLite database, the
way an offline install does (`watchlists.mirror_dir`). Targets (issue 3): OFAC SDN CSV set
< 2 s, UN XML < 1 s, the whole mirror refresh < 15 s with peak memory < 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from service.config import load_settings  # noqa: E402
from service.db import get_db, upgrade  # noqa: E402
from service.refresh import refresh_source  # noqa: E402
from watchlists.formats import SINGLE_FILE  # noqa: E402
from watchlists.refresh import build_snapshot  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "watchlists"
# source id → (format, {part: file under shared/data/watchlists})
SHARED = {
    "un_sc": ("un_sc_xml", {SINGLE_FILE: "un/consolidated.xml"}),
    "us_ofac_sdn": (
        "ofac_csv",
        {
            "primary": "ofac/sdn.csv",
            "alt": "ofac/alt.csv",
            "add": "ofac/add.csv",
            "comments": "ofac/sdn_comments.csv",
        },
    ),
    "us_ofac_cons": ("ofac_xml", {SINGLE_FILE: "ofac_consolidated/consolidated.xml"}),
    "eu_fsf": ("eu_fsf_xml", {SINGLE_FILE: "eu/eu_sample.xml"}),
    "gb_ofsi": ("gb_ofsi", {SINGLE_FILE: "uk_ofsi/ConList.xlsx"}),
    "au_dfat_sanctions": (
        "au_dfat_xlsx",
        {SINGLE_FILE: "australia_dfat/australia_autonomous_financial_sanctions.xlsx"},
    ),
    "ca_sema_sanctions": ("ca_sema_xml", {SINGLE_FILE: "canada_sema/cannada.xml"}),
    "worldbank_debarred": (
        "worldbank_xlsx",
        {SINGLE_FILE: "worldbank/world_bank_listing_of_ineligible_firms_and_individuals.xlsx"},
    ),
    "ebrd_ineligible": (
        "ebrd_csv",
        {SINGLE_FILE: "ebrd/european_bank_for_reconstruction_and_development_ineligible_firms.csv"},
    ),
    "iadb_sanctions": (
        "iadb_xlsx",
        {SINGLE_FILE: "idb/Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx"},
    ),
    "us_bis_dpl": ("us_bis_dpl_tsv", {SINGLE_FILE: "us_bis_dpl/dpl.txt"}),
    "opensanctions": ("opensanctions_csv", {SINGLE_FILE: "opensanctions/targets.simple.csv"}),
}


def parse_times(repeat: int) -> list[tuple[str, int, float]]:
    rows = []
    for source, (fmt, parts) in SHARED.items():
        files = {part: (DATA / name).read_bytes() for part, name in parts.items()}
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            snapshot = build_snapshot(source, fmt, files)
            best = min(best, time.perf_counter() - started)
        rows.append((source, len(snapshot.entries), best))
    return rows


def mirror_refresh(folder: Path) -> tuple[float, int]:
    """Refresh every shared source from a mirror of symlinks; returns (seconds, entries)."""
    mirror = folder / "mirror"
    base = load_settings(environ={})
    sources = []
    for spec in base.watchlists.sources:
        if spec.id not in SHARED:
            continue
        fmt, parts = SHARED[spec.id]
        names = {part: Path(name).name for part, name in parts.items()}
        spec = replace(
            spec,
            format=fmt,
            url=None,
            min_entries=1,
            parts={} if SINGLE_FILE in parts else dict.fromkeys(parts, "http://mirror/"),
            mirror=names,
        )
        (mirror / spec.id).mkdir(parents=True)
        for part, name in parts.items():
            (mirror / spec.id / names[part]).symlink_to(DATA / name)
        sources.append(spec)
    settings = replace(
        base,
        app=replace(base.app, instance_dir=str(folder / "instance")),
        database=replace(base.database, url=f"sqlite:///{folder / 'bench.sqlite'}"),
        watchlists=replace(base.watchlists, mirror_dir=str(mirror), sources=tuple(sources)),
    )
    app = create_app(settings)
    upgrade(get_db(app).engine)
    started = time.perf_counter()
    results = [refresh_source(app, spec.id) for spec in sources]
    elapsed = time.perf_counter() - started
    failed = [r for r in results if r.outcome != "new_version"]
    if failed:
        raise SystemExit(f"refresh failed: {failed}")
    with app.app_context():
        from sqlalchemy import func, select

        from service.db import get_session
        from service.models import ListEntryRow

        entries = get_session().scalar(select(func.count()).select_from(ListEntryRow)) or 0
    return elapsed, entries


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'source':<20} {'entries':>8} {'parse s':>8}")
    for source, count, seconds in parse_times(args.repeat):
        print(f"{source:<20} {count:>8} {seconds:>8.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, entries = mirror_refresh(Path(tmp))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmirror refresh of {len(SHARED)} sources: {entries} entries stored in {elapsed:.1f} s")
    print(f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
