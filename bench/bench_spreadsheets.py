"""Benchmark the spreadsheet layer: read a 100,000-row upload, write a 100,000-row report.

    PYTHONPATH=. .venv/bin/python bench/bench_spreadsheets.py [--rows N]

Input files are prepared first (untimed); each measurement then runs in a child process
of its own, so that the peak RSS it prints is that of the work measured:

* read: `read_upload` + `apply_mapping` of an XLSX of N suppliers in the template's nine
  columns, once as Excel writes it (shared strings, a ``<dimension>`` element) and once as
  openpyxl writes it (inline strings, no ``<dimension>``), then of the same rows as CSV.
* write: `write_report_xlsx` and `write_report_csv` for N rows of which 2% are alerts
  (two matches each, full explanations) and 1% errors.
"""

from __future__ import annotations

import argparse
import io
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

from service.spreadsheets import (
    ListUsed,
    ReportSummary,
    RowOutcome,
    RowProblem,
    UploadRow,
    apply_mapping,
    read_upload,
    write_report_csv,
    write_report_xlsx,
)

HEADER = [
    *("Supplier name", "Vendor no.", "Country", "Type", "Other names", "Registration no."),
    *("Tax ID", "Address", "Owners"),
]
COUNTRIES = ("FR", "Germany", "Kenya", "Côte d'Ivoire", "BR", "Inde", "US", "Viet Nam")


def supplier_row(i: int) -> list[Any]:
    return [
        f"ACME {i} TRADING COMPANY LTD",
        100_000 + i,
        COUNTRIES[i % len(COUNTRIES)],
        "organization" if i % 7 else "person",
        f"ACME{i}; ACME TRADING {i}" if i % 3 == 0 else None,
        f"RCS {i:09d}",
        f"FR{i:011d}",
        f"{i} rue de la Paix\n75002 Paris",
        f"Jean Dupont {i}; Marie Curie {i}" if i % 5 == 0 else None,
    ]


def build_xlsx(rows: int, *, excel_like: bool) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Suppliers")
    sheet.append(HEADER)
    for i in range(rows):
        sheet.append(supplier_row(i))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _as_excel_writes_it(buffer.getvalue(), f"A1:I{rows + 1}") if excel_like else buffer.getvalue()


_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', re.DOTALL)
_SHARED_STRINGS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SHARED_STRINGS_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _as_excel_writes_it(data: bytes, ref: str) -> bytes:
    """The workbook with a <dimension> and shared strings, as Excel writes every sheet.

    openpyxl writes every string inline and leaves <dimension> out; openpyxl's reader then
    builds an object per inline string and parses a sheet without <dimension> once more
    on opening, so its own files read about twice as slowly as Excel's.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    strings: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = strings.setdefault(match[2], len(strings))
        return b'<c r="' + match[1] + b'" t="s"><v>' + str(index).encode() + b"</v></c>"

    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    sheet = _INLINE.sub(shared, parts["xl/worksheets/sheet1.xml"])
    dimension = b'\\1<dimension ref="' + ref.encode() + b'"/>'
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb"(<worksheet[^>]*>)", dimension, sheet, count=1)
    items = b"".join(b'<si><t xml:space="preserve">' + text + b"</t></si>" for text in strings)
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
        + str(len(strings)).encode()
        + b'">'
        + items
        + b"</sst>"
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + _SHARED_STRINGS_TYPE + b'"/></Types>',
    )
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSS" Type="'
        + _SHARED_STRINGS_REL
        + b'" Target="sharedStrings.xml"/></Relationships>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def build_csv(rows: int) -> bytes:
    lines = [",".join(HEADER)]
    for i in range(rows):
        cells = ["" if v is None else str(v) for v in supplier_row(i)]
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def match(i: int, rank: int) -> dict[str, Any]:
    return {
        "source": "us_ofac_sdn",
        "entry_id": f"OFAC-{i}-{rank}",
        "name": f"ACME {i} TRADING CO",
        "kind": "organization",
        "programs": ["SDGT", "IRAN"],
        "countries": ["IR"],
        "score": 0.93 - rank / 100,
        "strong": False,
        "matched_name": f"ACME {i} TRADING CO",
        "query_name": f"ACME {i} TRADING COMPANY LTD",
        "matched_via": {"supplier": f"ACME {i} TRADING COMPANY LTD"},
        "explanation": {
            "summary": "names agree on 3 of 3 tokens; legal forms differ",
            "query_normalized": f"acme {i} trading co ltd",
            "matched_normalized": f"acme {i} trading co",
            "features": [
                {"name": "name", "contribution": 0.91, "detail": "token alignment 3/3"},
                {"name": "country", "contribution": -0.02, "detail": "different country (FR vs IR)"},
            ],
            "detail": {"aligned": [["acme", "acme"], [str(i), str(i)], ["trading", "trading"]]},
        },
    }


def outcomes(rows: int) -> tuple[list[UploadRow], list[RowOutcome]]:
    upload_rows, results = [], []
    for i in range(rows):
        number = i + 2
        upload_rows.append(UploadRow(number, tuple("" if v is None else str(v) for v in supplier_row(i))))
        if i % 100 == 0:
            problem = RowProblem(number, 'A "Supplier name"', "no supplier name; the row is not screened")
            results.append(RowOutcome(number, screened=False, problems=(problem,)))
        elif i % 50 == 1:
            results.append(RowOutcome(number, screened=True, matches=(match(i, 0), match(i, 1))))
        else:
            results.append(RowOutcome(number, screened=True))
    return upload_rows, results


def timed(label: str, action: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = action()
    print(f"  {label:<44} {time.perf_counter() - started:7.2f} s")
    return value


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM, since ru_maxrss carries the parent's peak over exec."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_read(path: Path, rows: int) -> None:
    """Read one prepared file (RSS: the interpreter, the file's bytes and the upload)."""
    print(f"  peak RSS after imports {peak_rss_mb():,.0f} MB")
    data = path.read_bytes()
    upload = timed("read_upload", lambda: read_upload(data, path.name))
    print(f"  peak RSS {peak_rss_mb():,.0f} MB")
    results = timed("apply_mapping", lambda: list(apply_mapping(upload, upload.mapping)))
    assert len(results) == rows and all(r.supplier for r in results)
    print(f"  peak RSS {peak_rss_mb():,.0f} MB (RowResults kept in a list)")


def phase_write(rows: int) -> None:
    print(f"write: peak RSS after imports {peak_rss_mb():,.0f} MB")
    upload_rows, results = outcomes(rows)
    summary = ReportSummary(
        run_by="bench",
        run_at=datetime.now(UTC),
        filename="bench.xlsx",
        lists=(ListUsed("us_ofac_sdn", "2026-11-01", "2026-11-01"),),
        algorithm="token-v1/1.0.0",
        threshold=0.88,
        strong_threshold=0.95,
    )
    print(f"write: report of {rows:,} rows ({sum(len(r.matches) for r in results):,} matches)")
    report = timed("write_report_xlsx", lambda: write_report_xlsx(HEADER, upload_rows, results, summary))
    print(f"  XLSX {len(report) / 2**20:.1f} MB, peak RSS {peak_rss_mb():,.0f} MB")
    text = timed("write_report_csv", lambda: write_report_csv(HEADER, upload_rows, results))
    print(f"  CSV {len(text) / 2**20:.1f} MB, peak RSS {peak_rss_mb():,.0f} MB (whole phase)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        measure_read(args.read, args.rows)
    elif args.write:
        phase_write(args.rows)
    else:
        run_all(args.rows)


def run_all(rows: int) -> None:
    """Each measurement in a child process of its own, on files prepared here."""
    child = [sys.executable, __file__, "--rows", str(rows)]
    with tempfile.TemporaryDirectory() as folder:
        files = {
            "XLSX as Excel writes it": (Path(folder, "excel.xlsx"), build_xlsx(rows, excel_like=True)),
            "XLSX as openpyxl writes it": (Path(folder, "openpyxl.xlsx"), build_xlsx(rows, excel_like=False)),
            "CSV (UTF-8)": (Path(folder, "suppliers.csv"), build_csv(rows)),
        }
        for label, (path, data) in files.items():
            path.write_bytes(data)
            print(f"read: {label}, {rows:,} rows, {len(data) / 2**20:.1f} MB", flush=True)
            subprocess.run([*child, "--read", str(path)], check=True)
    subprocess.run([*child, "--write"], check=True)


if __name__ == "__main__":
    main()
