"""Benchmark the screening engine on the eval index, against a brute-force rapidfuzz baseline.

Reads the eval index that `make eval` leaves in build/eval/eval.sqlite (sqlite3 + json: the
bench does not need the service), builds a `Matcher` and measures in one run:

- index build time and memory (resident memory the built index keeps);
- single-query latency p50/p99 in-process, on a sample of the suppliers;
- throughput on N supplier names (default 100,000) generated with a fixed seed from the real
  company names in shared/data/negatives plus supplier-style variants of them and of listed
  names, on --workers processes (default 2) that share the built index (fork);
- the same suppliers against a brute force: rapidfuzz `process.cdist` with token_sort_ratio
  on the engine's normalised names, every supplier against every listed name, workers=2,
  alerting at 87 (the anchor of shared/eval/README.md, section D); timed on a sample and
  given per second, since all of it takes minutes;
- candidate loss: on a sample of suppliers, the alerts that the engine's own scorer raises
  when run exhaustively over every record, and the share of them that `screen` (candidate
  lookup + shortlist) does not raise.

    PYTHONPATH=. .venv/bin/python bench/bench_screening.py [--suppliers 100000] [--loss 200]

rapidfuzz's cdist needs numpy, which the project does not install; without it the brute
force runs `process.extract` per supplier on the same workers instead, and says so. The
last lines print a markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from rapidfuzz import fuzz, process

from screening import Identifier, Matcher, Query, Record, RecordName
from screening.normalize import normalize_name
from screening.types import Kind

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = 0.88  # config.yaml screening.threshold
BRUTE_CUTOFF = 87  # token_sort_ratio anchor of the eval README
KINDS = ("person", "organization", "vessel", "aircraft", "unknown")
NEGATIVE_FILES = (
    ("forbes_global_2000/Forbes_Global_2000_(2025).csv", "Name"),
    ("nasdaq/nasdaq-listed-symbols.csv", "Company Name"),
    ("sp500/constituents.csv", "Security"),
    ("toronto_awarded_contracts/Awarded Contracts.csv", "Successful Supplier"),
)
LEGAL_FORMS = ("Ltd", "Limited", "LLC", "Inc.", "Corp.", "Co., Ltd.", "GmbH", "S.A.", "PLC", "JSC")
EXTRA_WORDS = ("Trading", "Group", "Holdings", "Services", "International", "Solutions")
ABBREVIATIONS = {"International": "Intl", "Corporation": "Corp", "Company": "Co", "Trading": "Trdg"}

_MATCHER: Matcher | None = None  # set before forking: workers share the built index


def load_records(db: Path) -> list[Record]:
    """Every entry of every current list version in the eval database, as engine records."""
    sql = "SELECT e.data FROM list_entry e JOIN list_version v ON v.id = e.list_version_id WHERE v.is_current"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return [_record(json.loads(data)) for (data,) in connection.execute(sql)]


def _record(data: dict[str, Any]) -> Record:
    kind = data["kind"] if data["kind"] in KINDS else "unknown"
    countries = [
        *data.get("countries", ()),
        *(a["country"] for a in data.get("addresses", ()) if a.get("country")),
    ]
    return Record(
        key=f"{data['source']}\x1f{data['entry_id']}",
        kind=cast(Kind, kind),
        names=tuple(
            RecordName(n["value"], weak=n["type"] == "weak_alias", type=n["type"]) for n in data["names"]
        ),
        countries=tuple(dict.fromkeys(countries)),
        identifiers=tuple(Identifier(i["type"], i["value"]) for i in data.get("identifiers", ())),
    )


def load_negatives(data: Path) -> list[str]:
    """Real company names, deduplicated on their case-folded form."""
    names: dict[str, str] = {}
    for file, column in NEGATIVE_FILES:
        with (data / "negatives" / file).open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                value = " ".join((row.get(column) or "").split())
                if value:
                    names.setdefault(value.casefold(), value)
    return list(names.values())


def make_suppliers(
    negatives: list[str], records: list[Record], count: int, seed: int, listed_share: float = 0.1
) -> list[Query]:
    """`count` supplier queries: company names and listed names, most with variations."""
    rng = random.Random(seed)
    listed = [(r.names[0].value, r.kind) for r in records if r.names and not r.names[0].weak]
    queries = []
    for _ in range(count):
        if rng.random() >= listed_share:
            name, kind = rng.choice(negatives), "organization"
        else:
            name, kind = rng.choice(listed)
        for _ in range(rng.choice((0, 1, 1, 2))):
            name = _vary(name, kind, rng)
        queries.append(Query(name, cast(Kind, kind)))
    return queries


def _vary(name: str, kind: str, rng: random.Random) -> str:
    """One supplier-style variation: a typo, reordered words, legal form, extra word, case."""
    words = name.split()
    choice = rng.randrange(6 if kind != "person" else 3)
    if choice == 0:
        long_words = [i for i, w in enumerate(words) if len(w) >= 5]
        if long_words:
            i = rng.choice(long_words)
            j = rng.randrange(1, len(words[i]))
            words[i] = words[i][:j] + rng.choice("aeiourstnl") + words[i][j + 1 :]
    elif choice == 1 and len(words) > 1:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif choice == 2:
        return name.upper() if rng.random() < 0.5 else name.title()
    elif choice == 3:
        words.append(rng.choice(LEGAL_FORMS))
    elif choice == 4:
        words.insert(rng.randrange(len(words) + 1), rng.choice(EXTRA_WORDS))
    else:
        words = [ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(words)


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _screen_count(queries: Sequence[Query]) -> int:
    assert _MATCHER is not None
    return sum(len(_MATCHER.screen(q, threshold=THRESHOLD)) for q in queries)


def _loss_one(query: Query) -> tuple[int, int]:
    """(alerts of the exhaustive scorer, those of them that screen() does not raise)."""
    assert _MATCHER is not None
    every = {m.key for m in _MATCHER.screen(query, threshold=THRESHOLD, limit=10_000, exhaustive=True)}
    found = {m.key for m in _MATCHER.screen(query, threshold=THRESHOLD, limit=10_000)}
    return len(every), len(every - found)


def _chunks(items: Sequence[Query], size: int) -> Iterator[Sequence[Query]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def measure_latency(matcher: Matcher, queries: Sequence[Query]) -> list[float]:
    """Milliseconds per query, one at a time in this process, after a warm-up."""
    for query in queries[:200]:
        matcher.screen(query, threshold=THRESHOLD)
    latencies = []
    for query in queries:
        start = time.perf_counter()
        matcher.screen(query, threshold=THRESHOLD)
        latencies.append((time.perf_counter() - start) * 1000)
    return sorted(latencies)


def measure_throughput(queries: Sequence[Query], workers: int) -> tuple[float, int]:
    """(seconds, alerts) for screening every query on `workers` forked processes."""
    gc.freeze()  # the forked workers share the index: keep the collector off its pages
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        alerts = sum(pool.imap_unordered(_screen_count, _chunks(queries, 1000)))
    return time.perf_counter() - start, alerts


def measure_brute_force(
    queries: Sequence[Query], records: Sequence[Record], workers: int
) -> tuple[str, float, int, int]:
    """(method, seconds, alerts, listed names) of token_sort_ratio over every listed name."""
    choices = [
        normalize_name(name.value, record.kind).compare
        for record in records
        for name in record.names
        if not name.weak
    ]
    texts = [normalize_name(q.name, q.kind).compare for q in queries]
    start = time.perf_counter()
    try:
        import numpy as np
    except ImportError:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            alerts = sum(pool.starmap(_extract_count, ((t, choices) for t in texts), chunksize=50))
        return "process.extract (no numpy)", time.perf_counter() - start, alerts, len(choices)
    alerts = 0
    for block in range(0, len(texts), 200):
        matrix = process.cdist(
            texts[block : block + 200],
            choices,
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=BRUTE_CUTOFF,
            dtype=np.uint8,
            workers=workers,
        )
        alerts += int((matrix > 0).sum())
    return f"process.cdist, workers={workers}", time.perf_counter() - start, alerts, len(choices)


def _extract_count(text: str, choices: list[str]) -> int:
    hits = process.extract(
        text, choices, scorer=fuzz.token_sort_ratio, processor=None, score_cutoff=BRUTE_CUTOFF, limit=None
    )
    return len(hits)


def measure_loss(queries: Sequence[Query], workers: int) -> tuple[int, int, float]:
    """(exhaustive alerts, lost alerts, seconds) over `queries`."""
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(_loss_one, queries, chunksize=1)
    return sum(r[0] for r in results), sum(r[1] for r in results), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the figures and a markdown table."""
    global _MATCHER
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "build/eval/eval.sqlite")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--latency", type=int, default=5_000, help="suppliers timed one by one")
    parser.add_argument("--brute", type=int, default=4_000, help="suppliers run by brute force")
    parser.add_argument("--loss", type=int, default=200, help="suppliers scored exhaustively")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    records = load_records(args.db)
    names = sum(len(r.names) for r in records)
    gc.collect()
    rss_before = _rss_mib()
    start = time.perf_counter()
    matcher = _MATCHER = Matcher(records)
    build_s = time.perf_counter() - start
    gc.collect()
    index_mib = _rss_mib() - rss_before
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"index: {len(records):,} records, {names:,} names, build {build_s:.1f} s, +{index_mib:.0f} MiB")

    rng = random.Random(args.seed)
    negatives = load_negatives(args.data)
    suppliers = make_suppliers(negatives, records, args.suppliers, args.seed)
    ms = measure_latency(matcher, rng.sample(suppliers, min(args.latency, len(suppliers))))
    p50, p99 = statistics.median(ms), ms[int(0.99 * (len(ms) - 1))]
    print(f"latency: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {ms[-1]:.1f} ms over {len(ms):,} suppliers")

    seconds, alerts = measure_throughput(suppliers, args.workers)
    rate = len(suppliers) / seconds
    print(f"throughput: {len(suppliers):,} suppliers in {seconds:.1f} s ({rate:.0f}/s), {alerts:,} alerts")

    sample = rng.sample(suppliers, min(args.brute, len(suppliers)))
    method, brute_s, brute_alerts, choices = measure_brute_force(sample, records, args.workers)
    brute_qps = len(sample) / brute_s
    brute_all = len(suppliers) / brute_qps
    print(
        f"brute force ({method}): {len(sample):,} suppliers x {choices:,} names in {brute_s:.1f} s "
        f"({brute_qps:.0f}/s, {brute_all:.0f} s for all), {brute_alerts:,} alerts at {BRUTE_CUTOFF}"
    )

    # Loss is only measurable where something alerts, so half of this sample varies listed names.
    loss_sample = make_suppliers(negatives, records, args.loss, args.seed + 1, listed_share=0.5)
    every, lost, loss_s = measure_loss(loss_sample, args.workers)
    share = lost / every if every else 0.0
    print(f"candidate loss: {lost} of {every} exhaustive alerts ({share:.2%}) in {loss_s:.0f} s")

    rows = [
        ("measure", f"engine ({Matcher.NAME} {Matcher.VERSION})", "brute force token_sort_ratio", "target"),
        ("index", f"{len(records):,} records, {names:,} names", f"{choices:,} strong names", ""),
        ("index build", f"{build_s:.1f} s", "none", ""),
        ("index memory (resident)", f"{index_mib:.0f} MiB (process peak {peak_mib:.0f} MiB)", "", "< 500 MB"),
        ("single query p50 / p99", f"{p50:.2f} / {p99:.2f} ms", "", "p99 < 5 ms"),
        (
            f"{len(suppliers):,} suppliers, {args.workers} workers",
            f"{seconds:.1f} s ({rate:.0f}/s)",
            f"{brute_all:.0f} s ({brute_qps:.0f}/s, {method}, {len(sample):,} timed)",
            "< 60 s",
        ),
        (
            "alerts per 1,000 suppliers",
            f"{1000 * alerts / len(suppliers):.1f} (at {THRESHOLD})",
            f"{1000 * brute_alerts / len(sample):.1f} (at {BRUTE_CUTOFF})",
            "",
        ),
        (
            f"exhaustive alerts lost by the candidate lookup ({len(loss_sample)} suppliers)",
            f"{share:.2%} ({lost} of {every})",
            "0 by construction",
            "<= 0.5%",
        ),
    ]
    print()
    for i, row in enumerate(rows):
        print("| " + " | ".join(row) + " |")
        if i == 0:
            print("|---|---:|---:|---:|")
    return 0


if __name__ == "__main__":
    sys.exit(main())
