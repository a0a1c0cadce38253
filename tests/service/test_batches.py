"""Spreadsheet batches end to end: API and pages, background job, resume after a crash."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from conftest import SHARED_DATA
from flask import Flask
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

import service.batches as batches
import service.parallel as parallel
from service.auth import create_api_key
from service.batches import process_batch, wait_for
from service.db import session_scope
from service.models import Batch, BatchRow, Finding, utcnow
from service.screenings import screen_supplier
from service.users import create_user

UN_FILE = SHARED_DATA / "watchlists" / "un" / "consolidated.xml"
ROWS = [
    ("Vendor no.", "Supplier name", "Pays"),
    ("V-1", "Al Qaida", "Afghanistan"),
    ("V-2", "Acme Stationery Supplies Ltd", "France"),
    ("V-3", "", "Kenya"),
    ("V-4", "@Risk Trading Co", "GB"),  # a cell that spreadsheet programs would run as a formula
]


def xlsx(rows: list[tuple[str, ...]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def loaded(db_app: Flask) -> Flask:
    if not UN_FILE.exists():
        pytest.skip(f"UN list not found at {UN_FILE}")
    assert db_app.test_cli_runner().invoke(args=["lists", "import", "un_sc", str(UN_FILE)]).exit_code == 0
    return db_app


def api_key(app: Flask) -> dict[str, str]:
    with session_scope(app) as s:
        _, key = create_api_key(s, "erp", "officer")
    return {"Authorization": f"Bearer {key}"}


def test_api_upload_runs_in_the_background_and_reports(loaded: Flask) -> None:
    client, headers = loaded.test_client(), api_key(loaded)
    sent = client.post(
        "/api/v1/batches", data={"file": (io.BytesIO(xlsx(ROWS)), "bidders.xlsx")}, headers=headers
    )
    assert sent.status_code == 202, sent.get_json()
    batch_id = sent.get_json()["id"]
    assert sent.get_json()["rows_total"] == 4
    assert wait_for(loaded, batch_id) == "done"
    state = client.get(f"/api/v1/batches/{batch_id}", headers=headers).get_json()
    assert (state["status"], state["rows_done"], state["rows_with_alerts"], state["rows_with_errors"]) == (
        "done",
        4,
        1,
        1,
    )
    assert state["errors"][0]["row"] == 4 and "name" in state["errors"][0]["message"].lower()
    report = client.get(f"/api/v1/batches/{batch_id}/report.xlsx", headers=headers)
    assert report.status_code == 200 and "attachment" in report.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(report.data))
    results = [[c.value for c in row] for row in book["Results"].iter_rows()]
    assert results[0][:3] == ["Vendor no.", "Supplier name", "Pays"]
    by_ref = {row[0]: row for row in results[1:]}
    assert "alert" in [str(v).lower() for v in by_ref["V-1"]] and "QDe.004" in by_ref["V-1"]
    assert by_ref["V-4"][1] == "'@Risk Trading Co"  # neutralised: no formula injection
    csv_report = client.get(f"/api/v1/batches/{batch_id}/report.csv", headers=headers)
    assert csv_report.status_code == 200 and "QDe.004" in csv_report.get_data(as_text=True)
    with session_scope(loaded) as s:  # the alert row with a vendor number became a finding
        assert [(f.supplier.ref, f.entry_id) for f in s.scalars(select(Finding))] == [("V-1", "QDe.004")]


def test_bad_uploads_get_a_clear_error_and_store_nothing(loaded: Flask) -> None:
    client, headers = loaded.test_client(), api_key(loaded)
    cases = [
        (b"%PDF-1.7 not a spreadsheet", "list.pdf"),
        (xlsx([("Colour", "Size"), ("red", "L")]), "nonames.xlsx"),
        (b"", "empty.csv"),
    ]
    for content, name in cases:
        answer = client.post("/api/v1/batches", data={"file": (io.BytesIO(content), name)}, headers=headers)
        assert answer.status_code == 400, (name, answer.get_json())
        assert answer.get_json()["error"]["message"]
    assert (
        client.post("/api/v1/batches", data={}, headers=headers).get_json()["error"]["details"][0]["field"]
        == "file"
    )
    bad_mapping = client.post(
        "/api/v1/batches",
        data={"file": (io.BytesIO(xlsx(ROWS)), "b.xlsx"), "mapping": '{"name": 9}'},
        headers=headers,
    )
    assert bad_mapping.status_code == 400
    with session_scope(loaded) as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 0


def test_report_before_the_end_is_refused(loaded: Flask) -> None:
    headers = api_key(loaded)
    with session_scope(loaded) as s:
        batch = batches.create_batch(s, content=xlsx(ROWS), filename="b.xlsx", created_by="t")
        batch_id = batch.id
    answer = loaded.test_client().get(f"/api/v1/batches/{batch_id}/report.xlsx", headers=headers)
    assert answer.status_code == 400 and "queued" in answer.get_json()["error"]["message"]


def test_a_crashed_batch_resumes_without_duplicates(loaded: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [("Vendor no.", "Supplier name")] + [
        (f"V-{i}", "Al Qaida" if i % 3 == 0 else f"Orion Textiles {i}") for i in range(12)
    ]
    monkeypatch.setattr(batches, "CHUNK_ROWS", 5)
    with session_scope(loaded) as s:
        batch_id = batches.create_batch(s, content=xlsx(rows), filename="big.xlsx", created_by="t").id
    calls = {"n": 0}
    real_store = batches._store_chunk

    def crash_after_first_chunk(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("process killed")  # not an Exception: like a kill, nothing is recorded
        return real_store(*args, **kwargs)

    monkeypatch.setattr(batches, "_store_chunk", crash_after_first_chunk)
    with pytest.raises(KeyboardInterrupt):
        process_batch(loaded, batch_id, "worker-a")
    with session_scope(loaded) as s:
        batch = s.get(Batch, batch_id)
        assert (batch.status, batch.done_rows) == ("running", 5)
    monkeypatch.setattr(batches, "_store_chunk", real_store)
    assert process_batch(loaded, batch_id, "worker-b") == "skipped"  # the lease still holds
    with session_scope(loaded) as s:
        s.execute(update(Batch).values(heartbeat_at=utcnow() - timedelta(minutes=5)))
    assert process_batch(loaded, batch_id, "worker-b") == "done"
    with session_scope(loaded) as s:
        batch = s.get(Batch, batch_id)
        assert (batch.done_rows, batch.alert_rows) == (12, 4)
        numbers = list(
            s.scalars(
                select(BatchRow.row_number).where(BatchRow.batch_id == batch_id).order_by(BatchRow.row_number)
            )
        )
        assert numbers == list(range(2, 14))
        assert s.scalar(select(func.count()).select_from(Finding)) == 4


def test_officer_pages_upload_map_and_download(loaded: Flask) -> None:
    with session_scope(loaded) as s:
        create_user(s, "officer@example.org", "correct horse battery", "officer")
    client = loaded.test_client()
    assert client.get("/batches/new").status_code == 302  # sign-in first
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    client.post(
        "/login",
        data={"email": "officer@example.org", "password": "correct horse battery", "csrf_token": token},
    )
    form = client.get("/batches/new").get_data(as_text=True)  # signing in starts a new session
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    page = client.post(
        "/batches/new", data={"file": (io.BytesIO(xlsx(ROWS)), "bidders.xlsx"), "csrf_token": token}
    )
    assert page.status_code == 302
    mapping_url = page.headers["Location"]
    mapping = client.get(mapping_url).get_data(as_text=True)
    assert "Supplier name" in mapping and "4 rows" in mapping
    started = client.post(mapping_url, data={"name": "1", "ref": "0", "country": "2", "csrf_token": token})
    assert started.status_code == 302
    batch_id = started.headers["Location"].rsplit("/", 1)[-1]
    assert wait_for(loaded, batch_id) == "done"
    shown = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "report.xlsx" in shown
    progress = client.get(f"/batches/{batch_id}/progress.json").get_json()
    assert progress["rows_done"] == 4 and progress["status"] == "done"
    assert client.get(f"/batches/{batch_id}/report.xlsx").status_code == 200
    bad = client.post("/batches/new", data={"file": (io.BytesIO(b"garbage"), "x.xlsx"), "csrf_token": token})
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)
    assert client.get("/batches/template.xlsx").status_code == 200


def test_a_large_batch_screened_on_forked_workers_matches_in_process_screening(
    loaded: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["Al Qaida", "Orion Textiles", "Taliban", "Acme Stationery Supplies Ltd", "Al-Qa'ida in Iraq"]
    rows = [("Vendor no.", "Supplier name")] + [(f"V-{i}", names[i % 5]) for i in range(47)]
    monkeypatch.setattr(batches, "CHUNK_ROWS", 10)  # 5 chunks, so the job forks its workers...
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ENTRIES", 0)  # ...even for the UN list alone
    assert batches.get_settings(loaded).screening.batch_workers == 0  # one per core
    with session_scope(loaded) as s:
        batch_id = batches.create_batch(s, content=xlsx(rows), filename="many.xlsx", created_by="t").id
    assert process_batch(loaded, batch_id, "worker-a") == "done"
    index = batches.get_index_holder(loaded).get()
    settings = batches.get_settings(loaded).screening
    with session_scope(loaded) as s:
        stored = {r.row_number: r for r in s.scalars(select(BatchRow).where(BatchRow.batch_id == batch_id))}
        upload = batches.read_upload(xlsx(rows), "many.xlsx")
        expected = {
            r.row: screen_supplier(index, r.supplier, settings)
            for r in batches.apply_mapping(upload, upload.mapping)
        }
        assert sorted(stored) == sorted(expected) == list(range(2, 49))
        for number, matches in expected.items():
            got = stored[number].result["matches"]
            assert [(m["source"], m["entry_id"], m["score"]) for m in got] == [
                (m["source"], m["entry_id"], m["score"]) for m in matches
            ], number
        assert sum(1 for r in stored.values() if r.status == "alert") >= 18
