"""Benchmark: a 100,000-row spreadsheet screened as an upload batch, end to end.

    make eval            # once: builds build/eval/eval.sqlite (27,848 list entries)
    PYTHONPATH=. .venv/bin/python bench/bench_batches.py [--rows 100000] [--format xlsx|csv]

Builds a supplier file from the real company names in ../shared/data/negatives (with
seeded variants to reach the row count), copies the evaluation database, then times the
three steps an officer waits for: queueing the upload (reading and checking it), the
background job (screening every row, storing results and findings in chunks), and the
XLSX report. Prints wall times and peak RSS. Target (issue 5): under 2 minutes and
1.5 GB for 100,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import io
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

from service import create_app  # noqa: E402
from service.batches import build_report, create_batch, process_batch  # noqa: E402
from service.config import load_settings  # noqa: E402
from service.db import get_db, session_scope, upgrade  # noqa: E402
from service.engine import get_index_holder  # noqa: E402
from service.models import Batch  # noqa: E402

NEGATIVES = ROOT.parent / "shared" / "data" / "negatives"
EVAL_DB = ROOT / "build" / "eval" / "eval.sqlite"
SUFFIXES = ("", " Ltd", " LLC", " Holdings", " Trading Co", " International", " S.A.", " GmbH", " Group")
COUNTRIES = ("US", "CA", "GB", "FR", "DE", "CN", "IN", "BR", "KE", "BD", "")


def company_names() -> list[str]:
    """Real company names from the negatives files."""
    names: list[str] = []
    for path, column in (
        (NEGATIVES / "forbes_global_2000" / "Forbes_Global_2000_(2025).csv", "Name"),
        (NEGATIVES / "nasdaq" / "nasdaq-listed-symbols.csv", "Company Name"),
        (NEGATIVES / "sp500" / "constituents.csv", "Security"),
        (NEGATIVES / "toronto_awarded_contracts" / "Awarded Contracts.csv", "Successful Supplier"),
    ):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            names += [row[column].strip() for row in csv.DictReader(handle) if row.get(column, "").strip()]
    return sorted(set(names))


def supplier_rows(count: int) -> list[list[str]]:
    """`count` rows of vendor number, name, country: real names, then seeded variants."""
    rng = random.Random(20261128)
    base = company_names()
    rows = []
    for i in range(count):
        name = base[i % len(base)]
        if i >= len(base):
            name = f"{name.split(' ')[0]}{rng.choice(SUFFIXES)} {rng.randint(1, 999)}"
        rows.append([f"V-{i:06d}", name, rng.choice(COUNTRIES)])
    return rows


def build_file(rows: list[list[str]], fmt: str) -> bytes:
    header = ["Vendor no.", "Supplier name", "Country"]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Suppliers")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    args = parser.parse_args()
    if not EVAL_DB.exists():
        raise SystemExit(f"{EVAL_DB} not found: run `make eval` first")
    content = build_file(supplier_rows(args.rows), args.format)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        with sqlite3.connect(EVAL_DB) as source, sqlite3.connect(db) as copy:
            source.backup(copy)  # WAL-safe copy
        base = load_settings(environ={})
        settings = replace(
            base,
            app=replace(base.app, env="testing", instance_dir=str(Path(tmp) / "instance")),
            database=replace(base.database, url=f"sqlite:///{db}"),
        )
        app = create_app(settings)
        upgrade(get_db(app).engine)
        started = time.perf_counter()
        get_index_holder(app).get()
        index_s = time.perf_counter() - started
        started = time.perf_counter()
        with session_scope(app) as session:
            batch_id = create_batch(
                session, content=content, filename=f"suppliers.{args.format}", created_by="bench"
            ).id
        queue_s = time.perf_counter() - started
        started = time.perf_counter()
        status = process_batch(app, batch_id, "bench")
        job_s = time.perf_counter() - started
        started = time.perf_counter()
        with session_scope(app) as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            report = build_report(session, batch, "xlsx")
            counts = (batch.done_rows, batch.alert_rows, batch.error_rows)
        report_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = queue_s + job_s + report_s
    size = f"{args.format}, {len(content) / 1e6:.1f} MB"
    print(f"{args.rows:,} rows ({size}): job {status}; rows done/alerts/errors {counts}")
    print("| step | seconds |\n|---|---:|")
    print(f"| index build (once per process) | {index_s:.1f} |")
    print(f"| upload checked and queued | {queue_s:.1f} |")
    print(f"| background job (screen, store, findings) | {job_s:.1f} |")
    print(f"| XLSX report ({len(report) / 1e6:.1f} MB) | {report_s:.1f} |")
    print(f"| **total the officer waits** | **{total:.1f}** |")
    print(f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
