"""Benchmark the screening engine on real list names.

Builds a `Matcher` from the stdlib-readable lists under shared/data/watchlists (OFAC SDN +
aliases, OFAC consolidated + aliases, UN, Canada SEMA, EBRD, OpenSanctions UA: about 60,000
names), then screens real company names (negatives) and a sample of listed names, and prints
build time, queries per second, p50/p99 latency, peak memory and the alert rate.

    PYTHONPATH=. .venv/bin/python bench/bench_screening.py [--data ../shared/data] [--queries N]

It loads its own small parsers on purpose: the engine is measured alone, not `watchlists`.
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import resource
import statistics
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from screening import Matcher, Query, Record, RecordName
from screening.types import Kind

THRESHOLD = 0.88
OFAC_KINDS: dict[str, Kind] = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}


def _ofac(sdn: Path, alt: Path, source: str) -> Iterator[Record]:
    aliases: dict[str, list[RecordName]] = defaultdict(list)
    with alt.open(encoding="latin-1", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) >= 4 and row[3].strip() not in ("", "-0-"):
                aliases[row[0]].append(RecordName(row[3].strip(), type=row[2].strip() or "aka"))
    with sdn.open(encoding="latin-1", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) < 3 or not row[0].strip().isdigit():
                continue
            kind = OFAC_KINDS.get(row[2].strip().casefold(), "organization")
            names = (RecordName(row[1].strip()), *aliases.get(row[0], ()))
            yield Record(f"{source}:{row[0]}", kind, names)


def _un(path: Path) -> Iterator[Record]:
    root = ET.parse(path).getroot()
    kinds: tuple[tuple[str, Kind], ...] = (("INDIVIDUAL", "person"), ("ENTITY", "organization"))
    for tag, kind in kinds:
        for node in root.iter(tag):
            parts = [node.findtext(f"{n}_NAME") or "" for n in ("FIRST", "SECOND", "THIRD")]
            parts.append(node.findtext("FOURTH_NAME") or "")
            names = [RecordName(" ".join(" ".join(parts).split()))]
            for alias in node.iter(f"{tag}_ALIAS"):
                value = (alias.findtext("ALIAS_NAME") or "").strip()
                if value:
                    weak = (alias.findtext("QUALITY") or "").strip() == "Low"
                    names.append(RecordName(value, weak=weak, type="alias"))
            original = (node.findtext("NAME_ORIGINAL_SCRIPT") or "").strip()
            if original:
                names.append(RecordName(original, type="original_script"))
            ref = node.findtext("REFERENCE_NUMBER") or node.findtext("DATAID") or ""
            yield Record(f"un_sc:{ref.strip()}", kind, tuple(names))


def _canada(path: Path) -> Iterator[Record]:
    merged: dict[str, tuple[Kind, list[RecordName]]] = {}
    for node in ET.parse(path).getroot().iter("record"):
        entity = (node.findtext("EntityOrShip") or "").strip()
        person = f"{node.findtext('GivenName') or ''} {node.findtext('LastName') or ''}".strip()
        name = entity or person
        if not name:
            continue
        kind: Kind = "organization" if entity else "person"
        names = merged.setdefault(name.casefold(), (kind, [RecordName(name)]))[1]
        for alias in (node.findtext("Aliases") or "").split(","):
            if alias.strip():
                names.append(RecordName(alias.strip(), type="alias"))
    for key, (kind, names) in merged.items():
        yield Record(f"ca_sema:{key}", kind, tuple(names))


def _named_csv(path: Path, column: str, source: str) -> Iterator[Record]:
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            name = " ".join((row.get(column) or "").split())
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                yield Record(f"{source}:{name.casefold()}", "organization", (RecordName(name),))


def _opensanctions(path: Path) -> Iterator[Record]:
    kinds: dict[str, Kind] = {"Person": "person", "Vessel": "vessel"}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names = [RecordName(row["name"])]
            names += [RecordName(a, type="alias") for a in row["aliases"].split(";") if a.strip()]
            countries = tuple(c.upper() for c in row["countries"].split(";") if c)
            kind = kinds.get(row["schema"], "organization")
            yield Record(f"os_ua:{row['id']}", kind, tuple(names), countries)


def load_records(data: Path) -> list[Record]:
    """Every record of the stdlib-readable lists under `data`/watchlists."""
    lists = data / "watchlists"
    return [
        *_ofac(lists / "ofac/sdn.csv", lists / "ofac/alt.csv", "us_ofac_sdn"),
        *_ofac(
            lists / "ofac_consolidated/cons_prim.csv",
            lists / "ofac_consolidated/cons_alt.csv",
            "us_ofac_cons",
        ),
        *_un(lists / "un/consolidated.xml"),
        *_canada(lists / "canada_sema/cannada.xml"),
        *_named_csv(
            lists / "ebrd/european_bank_for_reconstruction_and_development_ineligible_firms.csv",
            "Firm Name",
            "ebrd",
        ),
        *_opensanctions(lists / "opensanctions/targets.simple.csv"),
    ]


def load_negatives(data: Path) -> list[Query]:
    """Real company names that should (mostly) not alert."""
    sources = (
        ("forbes_global_2000/Forbes_Global_2000_(2025).csv", "Name"),
        ("nasdaq/nasdaq-listed-symbols.csv", "Company Name"),
        ("sp500/constituents.csv", "Security"),
        ("toronto_awarded_contracts/Awarded Contracts.csv", "Successful Supplier"),
    )
    names: dict[str, str] = {}
    for file, column in sources:
        with (data / "negatives" / file).open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                value = " ".join((row.get(column) or "").split())
                names.setdefault(value.casefold(), value)
    return [Query(name, "organization") for name in names.values() if name]


def _time_queries(matcher: Matcher, queries: list[Query]) -> tuple[list[float], list[int]]:
    latencies, alerts = [], []
    for query in queries:
        start = time.perf_counter()
        hits = matcher.screen(query, threshold=THRESHOLD)
        latencies.append(time.perf_counter() - start)
        alerts.append(len(hits))
    return latencies, alerts


def _report(label: str, latencies: list[float], alerts: list[int]) -> None:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    alerted = sum(1 for a in alerts if a)
    print(
        f"{label:<18} n={len(ms):>5}  {len(ms) / sum(latencies):>7.0f} q/s  "
        f"p50 {statistics.median(ms):.2f} ms  p99 {p99:.2f} ms  max {ms[-1]:.1f} ms  "
        f"alerted {alerted}/{len(ms)} ({alerted / len(ms):.1%})"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared/data")
    parser.add_argument("--queries", type=int, default=3000, help="negatives to screen")
    parser.add_argument("--tracemalloc", action="store_true", help="trace build allocations")
    args = parser.parse_args(argv)
    records = load_records(args.data)
    n_names = sum(len(r.names) for r in records)
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    matcher = Matcher(records)
    build = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else 0
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"records {len(records):,}  names {n_names:,}  build {build:.2f} s")
    grown = (rss_after - rss_before) / 1024
    print(f"peak RSS {rss_after / 1024:.0f} MiB (+{grown:.0f} MiB during the build)")
    if args.tracemalloc:
        print(f"tracemalloc peak during build {traced / 2**20:.0f} MiB")
    rng = random.Random(7)
    negatives = load_negatives(args.data)
    negatives = rng.sample(negatives, min(args.queries, len(negatives)))
    listed = [Query(r.names[0].value, r.kind) for r in rng.sample(records, 1000)]
    _time_queries(matcher, negatives[:50])  # warm caches and the allocator
    _report("negatives", *_time_queries(matcher, negatives))
    _report("listed names", *_time_queries(matcher, listed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
