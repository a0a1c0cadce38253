"""Golden expectations: tests/screening/cases.csv, one realistic (query, listed name) per row.

Every listed name becomes one record of a single matcher, together with ~3,000 background
names (every 5th entry of the OFAC SDN CSV in ../shared/data, read in place, never copied)
that give the tokens realistic frequencies (IDF); the background is never asserted on.
A row passes when the listed record is among the alerts at the service's default threshold
exactly when `expect_alert` says so.
Rows whose note starts with "known gap:" are what v1 cannot do yet; they are strict xfails,
so fixing one makes the suite say so.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from screening import Matcher, Query, Record, RecordName
from screening.types import Kind

HERE = Path(__file__).parent
THRESHOLD = 0.88
KINDS: dict[str, Kind] = {
    "person": "person",
    "organization": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
    "unknown": "unknown",
}


def _rows() -> list[dict[str, str]]:
    with (HERE / "cases.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _background(shared_data: Path) -> list[Record]:
    path = shared_data / "watchlists" / "ofac" / "sdn.csv"
    with path.open(encoding="latin-1", newline="") as handle:
        rows = [row for row in csv.reader(handle) if len(row) >= 3 and row[0].strip().isdigit()]
    kinds: dict[str, Kind] = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
    return [
        Record(f"bg:{row[0]}", kinds.get(row[2].strip(), "organization"), (RecordName(row[1]),))
        for row in rows[::5]
    ]


def _case_record(row: dict[str, str]) -> Record:
    return Record(f"case:{row['listed_name']}", KINDS[row["listed_kind"]], (RecordName(row["listed_name"]),))


@cache
def _build_matcher(shared_data: Path) -> Matcher:
    cases = {row["listed_name"]: _case_record(row) for row in _rows()}
    return Matcher([*_background(shared_data), *cases.values()])


@pytest.fixture
def matcher(shared_data: Path) -> Matcher:
    """One matcher for the whole module, built on first use."""
    return _build_matcher(shared_data)


def _params() -> list[object]:
    params: list[object] = []
    for row in _rows():
        marks = []
        if row["note"].startswith("known gap:"):
            marks.append(pytest.mark.xfail(reason=row["note"], strict=True))
        case_id = f"{row['query']} ~ {row['listed_name']}"
        params.append(pytest.param(row, id=case_id, marks=marks))
    return params


def test_the_csv_holds_about_forty_cases_with_both_outcomes() -> None:
    rows = _rows()
    assert len(rows) >= 40
    assert {row["expect_alert"] for row in rows} == {"true", "false"}


@pytest.mark.parametrize("row", _params())
def test_golden_case(row: dict[str, str], matcher: Matcher) -> None:
    query = Query(row["query"], KINDS[row["kind"]])
    record = _case_record(row)
    alerts = matcher.screen(query, threshold=THRESHOLD, limit=50)
    alerted = record.key in {match.key for match in alerts}
    explanation = matcher.compare(query, record)
    assert alerted is (row["expect_alert"] == "true"), explanation.summary
    # screen() and compare() agree on the score of the listed record.
    assert (explanation.score >= THRESHOLD) is alerted, explanation.summary
