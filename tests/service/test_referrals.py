"""Referrals: confirmed findings on the real UN list packaged, approved by a second person and
delivered to a real local HTTP receiver (and a real SMTP server), through the API and the pages.

The receiver behaves as a real one would: it keeps each Idempotency-Key once. It answers 500,
answers too late (a timeout for the sender, but it had stored the referral), drops the
connection, then 200; the service must stop at its first 2xx. Services are restarted (new app
objects over the same database) between attempts, and one sending process is killed mid-attempt.
Runs on SQLite and PostgreSQL (`db_app`); nothing is mocked.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from findings_support import UN_NEW, Api, csrf, import_list, make_api, reload_index, signed_in
from flask import Flask
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from pypdf import PdfReader
from receivers_support import Receiver, Reply, receiving, smtp_server
from sqlalchemy import select

from service import create_app, get_settings
from service.audit import verify_chain
from service.config import ReferralSettings, Settings
from service.db import get_db, session_scope
from service.delivery import SIGNATURE_HEADER, verify_signature
from service.models import AuditEvent, Notification, Referral, ReferralAttempt, utcnow
from service.referral_delivery import ReferralReport, deliver_referrals
from service.referral_requests import PRACTICES

SECRET = "referral-signing-secret"
ORG = {
    "organisation": "UN Agency for Tests",
    "focal_point_name": "Ada Focal",
    "focal_point_email": "focal@example.org",
}
BODY: dict[str, Any] = {
    "practices": ["human_trafficking", "forced_labour"],
    "sanction": "debarment",
    "sanction_from": "2026-06-01",
    "permanent": True,
    "narrative": "The supplier is the listed organisation: same name and country, confirmed by two people.",
    "affiliates": [{"name": "Al Qaida Logistics", "relationship": "common ownership", "country": "AF"}],
    "vendor": {"former_names": ["The Base Trading"]},
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


# --- helpers ------------------------------------------------------------------------------------


def configure(app: Flask, **changes: Any) -> Settings:
    """Give the app referral settings: the test organisation, fast timeouts, no backoff."""
    base = ReferralSettings(**ORG, timeout_seconds=0.5, backoff_seconds=0.0, max_attempts=6)
    settings = replace(get_settings(app), referrals=replace(base, **changes))
    app.extensions["screening"] = settings
    return settings


def to_receiver(app: Flask, receiver: Receiver, **changes: Any) -> Settings:
    return configure(app, endpoint_url=receiver.url, signing_secret=SECRET, **changes)


@pytest.fixture
def api(db_app: Flask) -> Api:
    import_list(db_app, "un_sc", UN_NEW)
    configure(db_app)
    return make_api(db_app)


def confirmed(
    api: Api, ref: str = "V-1", name: str = "Al Qaida", entry: str = "QDe.004", **supplier: Any
) -> int:
    """A finding confirmed by a reviewer and a different approver."""
    finding_id = api.screen(ref, name, **supplier)[entry]
    for action, role in (
        ("start_review", "reviewer"),
        ("propose_confirm", "reviewer"),
        ("approve", "approver"),
    ):
        assert api.decide(finding_id, action, role).status_code == 200
    return finding_id


def create(api: Api, finding_ids: list[int], role: str = "reviewer", **changes: Any) -> Any:
    body = {**BODY, "finding_ids": finding_ids, **changes}
    return api.client.post("/api/v1/referrals", json=body, headers=api.headers[role])


def step(api: Api, referral_id: int, name: str, role: str, **body: Any) -> Any:
    return api.client.post(
        f"/api/v1/referrals/{referral_id}/{name}", json=body or None, headers=api.headers[role]
    )


def approved(api: Api, finding_ids: list[int]) -> int:
    """A referral written and submitted by the reviewer, approved by the approver."""
    made = create(api, finding_ids)
    assert made.status_code == 201, made.get_json()
    referral_id: int = made.get_json()["id"]
    assert step(api, referral_id, "submit", "reviewer").status_code == 200
    assert step(api, referral_id, "approve", "approver").status_code == 200
    return referral_id


def shown(api: Api, referral_id: int) -> dict[str, Any]:
    answer = api.get(f"/api/v1/referrals/{referral_id}")
    assert answer.status_code == 200
    result: dict[str, Any] = answer.get_json()
    return result


@contextmanager
def restarted(app: Flask) -> Iterator[Flask]:
    """Another service process over the same database: a new app object, nothing shared in memory."""
    other = create_app(get_settings(app))
    try:
        yield other
    finally:
        other.extensions["screening.batches"].stop()
        other.extensions["screening.scheduler"].stop()
        get_db(other).engine.dispose()


def schema_validator(api: Api) -> Draft202012Validator:
    schema = api.client.get("/api/v1/schemas/referral.json").get_json()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# --- the whole way through the API ---------------------------------------------------------------


def test_from_confirmed_findings_to_delivered_and_listed(db_app: Flask, api: Api, receiver: Receiver) -> None:
    finding_id = confirmed(api, kind="organization", country="AF", registration_numbers=["AF-REG-1"])
    made = create(api, [finding_id])
    assert made.status_code == 201, made.get_json()
    referral = made.get_json()
    assert (referral["status"], referral["created_by"], referral["finding_ids"]) == (
        "draft",
        api.actors["reviewer"],
        [finding_id],
    )
    assert referral["allowed_actions"] == ["submit", "withdraw"]
    assert referral["document"]["approval"]["approved_by"] is None  # a draft's document is live
    referral_id = referral["id"]
    assert step(api, referral_id, "submit", "reviewer").get_json()["status"] == "submitted_for_approval"
    done = step(api, referral_id, "approve", "approver", reason="evidence complete")
    assert done.status_code == 200 and done.get_json()["status"] == "approved"
    document = done.get_json()["document"]
    assert document["approval"]["approved_by"] == api.actors["approver"]

    settings = to_receiver(db_app, receiver)
    assert deliver_referrals(db_app, settings) == ReferralReport(queued=1, delivered=1, listed=1)
    assert deliver_referrals(db_app, settings) == ReferralReport()  # nothing left to do
    [request] = receiver.requests
    assert request.headers["Idempotency-Key"] == referral["key"]
    assert request.headers["Content-Type"] == "application/json"
    assert verify_signature(SECRET, request.headers[SIGNATURE_HEADER], request.body)
    assert json.loads(request.body) == document  # exactly what was approved
    assert api.get(f"/api/v1/referrals/{referral_id}.json").data == request.body

    final = shown(api, referral_id)
    assert (final["status"], final["channel"], final["attempts"]) == ("delivered", "webhook", 1)
    assert final["delivery_reference"] == '{"case": "CASE-1"}' and final["listed_at"]
    assert [(h["actor"], h["action"], h["to_status"]) for h in final["history"]] == [
        (api.actors["reviewer"], "create", "draft"),
        (api.actors["reviewer"], "submit", "submitted_for_approval"),
        (api.actors["approver"], "approve", "approved"),
        ("system", "queue", "queued"),
        ("system", "deliver", "delivered"),
        ("system", "list", "delivered"),
    ]
    assert final["allowed_actions"] == []
    with session_scope(db_app) as s:
        audited = s.scalars(select(AuditEvent.action).where(AuditEvent.subject == f"referral:{referral_id}"))
        assert list(audited) == [f"referral.{h['action']}" for h in final["history"]]
        assert list(verify_chain(s)) == []

    # The supplier is now on the organisation's own list: every later screening alerts on it.
    entry = api.get(f"/api/v1/lists/custom:referred/entries/referral-{referral_id}").get_json()
    assert entry["names"][0] == {"value": "Al Qaida", "type": "primary", "lang": None, "quality": None}
    assert {"value": "The Base Trading", "type": "former", "lang": None, "quality": None} in entry["names"]
    assert entry["countries"] == ["AF"] and entry["programs"] == ["human_trafficking", "forced_labour"]
    assert "recommended sanction: debarment from 2026-06-01, permanent" in entry["remarks"]
    reload_index(db_app)
    again = api.client.post(
        "/api/v1/screen",
        json={"ref": "V-1", "name": "Al Qaida", "country": "AF"},
        headers=api.headers["officer"],
    ).get_json()
    assert again["decision"] == "alert"
    assert ("custom:referred", f"referral-{referral_id}") in {
        (m["source"], m["entry_id"]) for m in again["matches"]
    }
    assert {"source": "custom:referred", "version": 1} in [
        {"source": v["source"], "version": v["version"]} for v in again["lists"]
    ]


def test_the_document_validates_against_its_published_schema(db_app: Flask, api: Api) -> None:
    referral_id = approved(api, [confirmed(api, kind="organization", country="AF")])
    validator = schema_validator(api)
    document = json.loads(api.get(f"/api/v1/referrals/{referral_id}.json").data)
    errors = sorted(validator.iter_errors(document), key=str)
    assert errors == [], [e.message for e in errors]
    schema = api.client.get("/api/v1/schemas/referral.json").get_json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(":1.0.0") and document["schema"] == schema["$id"]
    assert schema["properties"]["practices"]["items"]["enum"] == list(PRACTICES)
    assert all("description" in p for p in schema["properties"].values() if "const" not in p)

    [evidence] = document["evidence"]
    with session_scope(db_app) as s:
        from service.store import get_current_version

        un = get_current_version(s, "un_sc")
        assert un is not None
        published, version = un.published_at, un.version
    assert evidence["list_version"]["version"] == version
    assert evidence["list_version"]["published_at"] == published and published
    assert evidence["entry"]["entry_id"] == "QDe.004" and evidence["entry"]["names"][0]["value"] == "AL-QAIDA"
    assert [d["action"] for d in evidence["decisions"]] == [
        "created",
        "start_review",
        "propose_confirm",
        "approve",
    ]
    assert evidence["decisions"][-1]["actor"] == api.actors["approver"]
    assert evidence["screenings"] and evidence["screenings"][0]["channel"] == "api"
    assert (
        document["vendor"]["ungm_vendor_number"] == "V-1" and document["vendor"]["legal_name"] == "Al Qaida"
    )
    assert document["referring_organisation"] == {
        "name": "UN Agency for Tests",
        "focal_point": {"name": "Ada Focal", "email": "focal@example.org"},
    }
    bad = {**document, "practices": ["bribery"]}
    assert not validator.is_valid(bad)


def test_xlsx_and_pdf_open_and_show_the_evidence(db_app: Flask, api: Api) -> None:
    finding_id = confirmed(api, kind="organization", country="AF", original_script_name="القاعدة")
    referral_id = approved(api, [finding_id])
    xlsx = api.get(f"/api/v1/referrals/{referral_id}.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert xlsx.headers["Content-Disposition"] == f'attachment; filename="referral-{referral_id}.xlsx"'
    book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert book.sheetnames == ["Referral", "Vendor", "Evidence", "Decisions", "Screenings"]
    evidence = list(book["Evidence"].iter_rows(values_only=True))
    assert evidence[0][:4] == ("Finding", "List", "Entry ID", "Version")
    assert evidence[1][:3] == (finding_id, "un_sc", "QDe.004") and "AL-QAIDA" in evidence[1][6]
    assert evidence[1][4]  # the publisher's date
    decisions = list(book["Decisions"].iter_rows(values_only=True))
    assert (decisions[-1][2], decisions[-1][3]) == (api.actors["approver"], "approve")
    vendor = dict(row[:2] for row in book["Vendor"].iter_rows(values_only=True) if row and row[0])
    assert vendor["Legal name"] == "Al Qaida" and vendor["Former names"] == "The Base Trading"
    summary = dict(row[:2] for row in book["Referral"].iter_rows(values_only=True))
    assert summary["Proscribed practices"] == "human trafficking, forced labour"
    assert summary["Approved"].endswith(f"by {api.actors['approver']}")

    pdf = api.get(f"/api/v1/referrals/{referral_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf.data))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    text = " ".join(text.split())
    for expected in (
        f"Referral {referral_id}: Al Qaida",
        "QDe.004",
        "AL-QAIDA",
        "human trafficking, forced labour",
        "debarment from 2026-06-01, permanent",
        api.actors["approver"],
        "Al Qaida Logistics",
        "[transliterated]",  # the Arabic name, shown in Latin letters and said so
    ):
        assert expected in text, expected
    assert reader.metadata is not None and reader.metadata.title == f"Referral {referral_id}: Al Qaida"
    assert api.get(f"/api/v1/referrals/{referral_id}.docx").status_code == 404


# --- four eyes, roles, transitions, withdrawal, validation -------------------------------------------


def test_four_eyes_and_roles(api: Api) -> None:
    finding_id = confirmed(api)
    assert create(api, [finding_id], role="officer").status_code == 403
    referral_id = create(api, [finding_id], role="approver").get_json()["id"]
    assert step(api, referral_id, "submit", "officer").status_code == 403
    assert step(api, referral_id, "submit", "approver").status_code == 200
    own = step(api, referral_id, "approve", "approver")
    assert own.status_code == 403 and "four eyes" in own.get_json()["error"]["message"]
    assert step(api, referral_id, "approve", "reviewer").status_code == 403  # not an approver
    assert shown(api, referral_id)["status"] == "submitted_for_approval"
    assert step(api, referral_id, "approve", "approver2").get_json()["status"] == "approved"


def test_whoever_submits_cannot_approve_either(api: Api) -> None:
    referral_id = create(api, [confirmed(api)], role="reviewer").get_json()["id"]
    assert step(api, referral_id, "submit", "approver").status_code == 200  # not the author, but submits
    assert step(api, referral_id, "approve", "approver").status_code == 403
    assert step(api, referral_id, "approve", "admin").get_json()["approved_by"] == api.actors["admin"]


def test_a_step_not_allowed_answers_409_naming_the_status(
    db_app: Flask, api: Api, receiver: Receiver
) -> None:
    referral_id = create(api, [confirmed(api)]).get_json()["id"]
    early = step(api, referral_id, "approve", "approver")
    assert early.status_code == 409
    error = early.get_json()["error"]
    assert "it is 'draft'" in error["message"] and error["details"]["status"] == "draft"
    assert error["details"]["allowed_actions"] == ["submit", "withdraw"]
    assert step(api, referral_id, "mark-delivered", "approver").status_code == 409
    assert step(api, referral_id, "retry", "approver").status_code == 409
    step(api, referral_id, "submit", "reviewer")
    twice = step(api, referral_id, "submit", "reviewer")
    assert twice.status_code == 409 and "'submitted_for_approval'" in twice.get_json()["error"]["message"]
    step(api, referral_id, "approve", "approver")
    deliver_referrals(db_app, to_receiver(db_app, receiver))
    late = step(api, referral_id, "withdraw", "reviewer", reason="changed our mind")
    assert late.status_code == 409 and late.get_json()["error"]["details"]["status"] == "delivered"
    assert step(api, 999999, "submit", "reviewer").status_code == 404


def test_a_finding_reopened_meanwhile_blocks_submission_and_approval(api: Api) -> None:
    finding_id = confirmed(api)
    referral_id = create(api, [finding_id]).get_json()["id"]
    assert api.decide(finding_id, "reopen", "reviewer", reason="new evidence").status_code == 200
    blocked = step(api, referral_id, "submit", "reviewer")
    assert blocked.status_code == 409
    assert blocked.get_json()["error"]["details"]["finding_id"] == finding_id
    assert "'pending_reversal' now" in blocked.get_json()["error"]["message"]
    assert api.decide(finding_id, "reject", "approver", reason="the match stands").status_code == 200
    assert step(api, referral_id, "submit", "reviewer").status_code == 200


def test_withdrawing_needs_a_reason_and_frees_the_findings(api: Api) -> None:
    finding_id = confirmed(api)
    referral_id = approved(api, [finding_id])
    taken = create(api, [finding_id])
    assert taken.status_code == 409
    assert taken.get_json()["error"]["details"] == {
        "finding_id": finding_id,
        "referral_id": referral_id,
        "status": "approved",
    }
    no_reason = step(api, referral_id, "withdraw", "reviewer")
    assert no_reason.status_code == 400 and no_reason.get_json()["error"]["details"][0]["field"] == "reason"
    gone = step(
        api, referral_id, "withdraw", "reviewer", reason="the vendor was merged; refer the new entity"
    )
    assert gone.status_code == 200 and gone.get_json()["status"] == "withdrawn"
    assert gone.get_json()["withdraw_reason"] == "the vendor was merged; refer the new entity"
    assert create(api, [finding_id]).status_code == 201
    extra = step(api, referral_id, "submit", "reviewer", reason="x", colour="red")
    assert extra.status_code == 400 and extra.get_json()["error"]["details"][0]["field"] == "colour"


def test_bad_requests_name_the_field(db_app: Flask, api: Api) -> None:
    finding_id = confirmed(api)
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"finding_ids": []}, ["finding_ids"]),
        ({"finding_ids": ["7"]}, ["finding_ids[0]"]),
        ({"practices": ["bribery", "fraud"]}, ["practices[0]"]),
        ({"practices": []}, ["practices"]),
        ({"sanction": "fine"}, ["sanction"]),
        (
            {"sanction": "suspension", "sanction_from": None, "permanent": False},
            ["sanction_from", "sanction_until"],
        ),
        ({"sanction": "suspension", "sanction_until": "2027-01-01"}, ["permanent"]),
        ({"sanction_until": "2026-01-01", "permanent": False}, ["sanction_until"]),
        ({"sanction_from": "1 June 2026"}, ["sanction_from"]),
        ({"sanction": "debarment", "permanent": False}, ["sanction_until"]),
        ({"sanction": "other", "permanent": False}, ["sanction_text"]),
        ({"narrative": "  "}, ["narrative"]),
        (
            {"affiliates": [{"name": "X Ltd", "relationship": "parent", "country": "Atlantis"}]},
            ["affiliates[0].country"],
        ),
        ({"affiliates": [{"relationship": "parent"}]}, ["affiliates[0].name"]),
        ({"vendor": {"colour": "red"}}, ["vendor.colour"]),
        ({"focal_point": {"name": "Ada", "email": "not-an-address"}}, ["focal_point.email"]),
        ({"urgent": True}, ["urgent"]),
    ]
    for changes, fields in cases:
        body = {**BODY, "finding_ids": [finding_id], **changes}
        answer = api.client.post("/api/v1/referrals", json=body, headers=api.headers["reviewer"])
        assert answer.status_code == 400, (changes, answer.get_json())
        assert [d["field"] for d in answer.get_json()["error"]["details"]] == fields, changes
    unknown = create(api, [finding_id, 999999])
    assert (
        unknown.status_code == 400 and unknown.get_json()["error"]["details"][0]["field"] == "finding_ids[1]"
    )
    open_finding = api.screen("V-2", "Logarcheo AG")["IQe.200"]
    not_confirmed = create(api, [open_finding])
    assert not_confirmed.status_code == 409
    assert not_confirmed.get_json()["error"]["details"] == {"finding_id": open_finding, "status": "new"}
    other = confirmed(api, ref="V-3", name="Logarcheo AG", entry="IQe.200")
    mixed = create(api, [finding_id, other])
    assert mixed.status_code == 400 and mixed.get_json()["error"]["details"][0]["field"] == "finding_ids[1]"
    assert "one supplier" in mixed.get_json()["error"]["message"]
    configure(db_app, organisation=None)
    unnamed = create(api, [finding_id])
    assert [d["field"] for d in unnamed.get_json()["error"]["details"]] == ["referring_organisation"]
    assert create(api, [finding_id], referring_organisation="UNOPS").status_code == 201
    assert api.get("/api/v1/referrals?status=sent").status_code == 400


def test_the_list_filters_by_status_and_supplier(api: Api) -> None:
    first = approved(api, [confirmed(api)])
    second = create(api, [confirmed(api, ref="V-3", name="Logarcheo AG", entry="IQe.200")]).get_json()["id"]

    def ids(query: str) -> list[int]:
        answer = api.get(f"/api/v1/referrals{query}")
        assert answer.status_code == 200, answer.get_json()
        return [r["id"] for r in answer.get_json()["referrals"]]

    assert ids("") == [second, first]
    assert ids("?status=approved") == [first] and ids("?status=draft,approved") == [second, first]
    assert ids("?supplier=V-3") == [second] and ids("?limit=1&offset=1") == [first]


# --- delivery: retries, restarts, a killed process, concurrency, dead, e-mail, by hand ---------------


def test_each_referral_reaches_the_receiver_once_through_failures_and_restarts(
    db_app: Flask, api: Api, receiver: Receiver
) -> None:
    referral_id = approved(api, [confirmed(api)])
    settings = to_receiver(db_app, receiver)
    receiver.replies = [Reply(500), Reply(delay=1.5), Reply(close=True), Reply(200), Reply(200)]
    reports = [deliver_referrals(db_app, settings)]
    with restarted(db_app) as second:  # the service restarted between attempts
        reports.append(deliver_referrals(second, settings))
    with restarted(db_app) as third:
        reports.append(deliver_referrals(third, settings))
    reports.append(deliver_referrals(db_app, settings))
    assert reports == [
        ReferralReport(queued=1, retried=1),
        ReferralReport(retried=1),
        ReferralReport(retried=1),
        ReferralReport(delivered=1, listed=1),
    ]
    for _ in range(2):
        assert deliver_referrals(db_app, settings) == ReferralReport()
    key = shown(api, referral_id)["key"]
    assert len(receiver.requests) == 4  # it stopped at its first 2xx: the last 200 was never asked for
    assert {r.headers["Idempotency-Key"] for r in receiver.requests} == {key}
    assert len({r.body for r in receiver.requests}) == 1
    assert all(verify_signature(SECRET, r.headers[SIGNATURE_HEADER], r.body) for r in receiver.requests)
    assert list(receiver.stored) == [key]  # the timed-out one was stored; the repeat kept once
    final = shown(api, referral_id)
    assert [(a["number"], a["outcome"]) for a in final["delivery_attempts"]] == [
        (1, "retry"),
        (2, "retry"),
        (3, "retry"),
        (4, "delivered"),
    ]
    errors = [a["error"] for a in final["delivery_attempts"]]
    assert "HTTP 500" in errors[0] and "timed out" in errors[1] and "RemoteProtocolError" in errors[2]
    assert final["status"] == "delivered" and final["attempts"] == 4
    assert [h["action"] for h in final["history"]][3:] == [
        "queue",
        "attempt_failed",
        "attempt_failed",
        "attempt_failed",
        "deliver",
        "list",
    ]


KILLED_SENDER = """
from service import create_app, get_settings
from service.referral_delivery import deliver_referrals
app = create_app()
deliver_referrals(app, get_settings(app))
"""


def test_a_sender_killed_mid_attempt_loses_nothing(
    db_app: Flask, api: Api, receiver: Receiver, tmp_path: Path
) -> None:
    referral_id = approved(api, [confirmed(api)])
    settings = to_receiver(db_app, receiver, timeout_seconds=30.0)
    receiver.replies = [Reply(delay=3.0), Reply(200)]  # the receiver takes its time the first time
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")},
        "SCREENING_DATABASE__URL": settings.database.url,
        "SCREENING_APP__ENV": "testing",
        "SCREENING_APP__INSTANCE_DIR": str(tmp_path / "sender"),
        "SCREENING_REFERRALS__ENDPOINT_URL": receiver.url,
        "SCREENING_REFERRALS__SIGNING_SECRET": SECRET,
        "SCREENING_REFERRALS__TIMEOUT_SECONDS": "30",
        "PYTHONPATH": str(ROOT),
    }
    sender = subprocess.Popen([sys.executable, "-c", KILLED_SENDER], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while not receiver.requests and time.monotonic() < deadline and sender.poll() is None:
            time.sleep(0.05)
        assert receiver.requests, "the sender never reached the receiver"
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait()
    with session_scope(db_app) as s:
        row = s.get(Referral, referral_id)
        assert row is not None and (row.status, row.attempts) == ("queued", 1)
        outcomes = list(
            s.scalars(select(ReferralAttempt.outcome).where(ReferralAttempt.referral_id == referral_id))
        )
        assert outcomes == ["in_progress"]
    busy = step(api, referral_id, "withdraw", "reviewer", reason="too late")
    assert busy.status_code == 409 and "being delivered" in busy.get_json()["error"]["message"]
    assert deliver_referrals(db_app, settings) == ReferralReport()  # its claim still holds

    later = utcnow() + timedelta(minutes=6)  # the dead sender's claim has run out
    assert deliver_referrals(db_app, settings, later) == ReferralReport(delivered=1, listed=1)
    final = shown(api, referral_id)
    assert [(a["number"], a["outcome"]) for a in final["delivery_attempts"]] == [
        (1, "abandoned"),
        (2, "delivered"),
    ]
    assert {r.headers["Idempotency-Key"] for r in receiver.requests} == {final["key"]}
    assert list(receiver.stored) == [final["key"]]  # stored by the first request, kept once


def test_two_senders_at_once_never_deliver_the_same_referral(
    db_app: Flask, api: Api, receiver: Receiver
) -> None:
    referral_ids = [approved(api, [confirmed(api, ref=f"V-{n}")]) for n in range(5)]
    settings = to_receiver(db_app, receiver)
    receiver.replies = [Reply(200, delay=0.05)]
    reports: list[ReferralReport] = []
    senders = [
        threading.Thread(target=lambda: reports.append(deliver_referrals(db_app, settings))) for _ in range(3)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sum(r.delivered for r in reports) == 5 and sum(r.queued for r in reports) == 5
    assert len(receiver.requests) == 5 and len(receiver.stored) == 5
    deliver_referrals(db_app, settings)  # lists what a concurrent listing postponed, if any
    assert {shown(api, i)["status"] for i in referral_ids} == {"delivered"}
    assert all(shown(api, i)["listed_at"] for i in referral_ids)
    entries = api.get("/api/v1/lists/custom:referred/versions").get_json()["versions"][0]
    assert entries["entry_count"] == 5


def test_failed_after_max_attempts_alerts_admins_and_can_be_retried(
    db_app: Flask, api: Api, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    referral_id = approved(api, [confirmed(api)])
    settings = to_receiver(db_app, receiver, max_attempts=3)
    notifications = replace(
        settings.notifications, webhook_url=f"{receiver.url}/alerts", webhook_secret=SECRET
    )
    settings = replace(settings, notifications=notifications)
    receiver.replies = [Reply(503)]
    reports = [deliver_referrals(db_app, settings) for _ in range(4)]
    assert reports == [
        ReferralReport(queued=1, retried=1),
        ReferralReport(retried=1),
        ReferralReport(failed=1),
        ReferralReport(),
    ]
    failed = shown(api, referral_id)
    assert (failed["status"], failed["attempts"]) == ("failed", 3) and "HTTP 503" in failed["last_error"]
    assert failed["history"][-1]["action"] == "fail" and "after 3 attempts" in failed["history"][-1]["reason"]
    dead = [
        r for r in caplog.records if r.levelname == "ERROR" and f"referral {referral_id}" in r.getMessage()
    ]
    assert len(dead) == 1
    with session_scope(db_app) as s:
        [alert] = s.scalars(select(Notification).where(Notification.kind == "referral_failed"))
        assert (
            alert.payload["referral_id"] == referral_id
            and alert.payload["link"] == f"/referrals/{referral_id}"
        )
    assert step(api, referral_id, "retry", "reviewer").status_code == 403
    again = step(api, referral_id, "retry", "approver")
    assert again.status_code == 200 and again.get_json()["status"] == "approved"
    receiver.replies = [Reply(200)]
    assert deliver_referrals(db_app, settings) == ReferralReport(queued=1, delivered=1, listed=1)
    assert len(receiver.stored) == 1


def test_a_refusal_fails_at_once(db_app: Flask, api: Api, receiver: Receiver) -> None:
    referral_id = approved(api, [confirmed(api)])
    receiver.replies = [Reply(422)]
    assert deliver_referrals(db_app, to_receiver(db_app, receiver)) == ReferralReport(queued=1, failed=1)
    assert "refused by the receiver: HTTP 422" in shown(api, referral_id)["last_error"]


def test_delivery_by_email_carries_the_json_and_the_pdf(db_app: Flask, api: Api) -> None:
    referral_id = approved(api, [confirmed(api)])
    with smtp_server() as (mailbox, port):
        settings = configure(db_app, email_to=("ungm-focal@example.org",), email_from="screening@example.org")
        notifications = replace(settings.notifications, smtp_host="127.0.0.1", smtp_port=port)
        settings = replace(settings, notifications=replace(notifications, smtp_starttls=False))
        assert deliver_referrals(db_app, settings) == ReferralReport(queued=1, delivered=1, listed=1)
    [message] = mailbox.messages
    final = shown(api, referral_id)
    assert message["To"] == "ungm-focal@example.org" and message["Idempotency-Key"] == final["key"]
    assert f"[referral {referral_id}] Al Qaida (V-1): human trafficking, forced labour" == message["Subject"]
    parts = {
        part.get_filename(): part.get_payload(decode=True) for part in message.walk() if part.get_filename()
    }
    assert json.loads(parts[f"referral-{referral_id}.json"]) == final["document"]
    assert parts[f"referral-{referral_id}.pdf"].startswith(b"%PDF-")
    assert final["channel"] == "email" and final["delivery_reference"] == "e-mailed to ungm-focal@example.org"


def test_without_a_channel_a_focal_point_submits_by_hand(db_app: Flask, api: Api) -> None:
    referral_id = approved(api, [confirmed(api)])
    assert deliver_referrals(db_app, get_settings(db_app)) == ReferralReport()  # nowhere to send it
    assert shown(api, referral_id)["status"] == "approved"
    assert step(api, referral_id, "mark-delivered", "reviewer").status_code == 403
    done = step(
        api, referral_id, "mark-delivered", "approver2", reason="UNGM case 2026-114, submitted by hand"
    )
    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["channel"]) == ("delivered", "manual")
    assert done.get_json()["delivery_reference"] == "UNGM case 2026-114, submitted by hand"
    assert deliver_referrals(db_app, get_settings(db_app)) == ReferralReport(listed=1)
    history = shown(api, referral_id)["history"]
    assert [(h["actor"], h["action"]) for h in history][-2:] == [
        (api.actors["approver2"], "mark_delivered"),
        ("system", "list"),
    ]


def test_referral_responses_match_the_openapi_document(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").get_json()

    def check(path: str, method: str, response: Any) -> None:
        documented = spec["paths"][path][method]["responses"]
        assert str(response.status_code) in documented, (path, response.status_code)
        schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
        Draft202012Validator({"components": spec["components"], **schema}).validate(response.get_json())

    finding_id = confirmed(api)
    check("/api/v1/referrals", "post", create(api, [finding_id]))
    check("/api/v1/referrals", "post", create(api, [finding_id]))  # 409: already referred
    check("/api/v1/referrals", "post", create(api, [finding_id], practices=[]))
    check("/api/v1/referrals", "get", api.get("/api/v1/referrals"))
    referral_id = api.get("/api/v1/referrals").get_json()["referrals"][0]["id"]
    check("/api/v1/referrals/{referral_id}", "get", api.get(f"/api/v1/referrals/{referral_id}"))
    check("/api/v1/referrals/{referral_id}", "get", api.get("/api/v1/referrals/0"))
    path = "/api/v1/referrals/{referral_id}/"
    check(path + "approve", "post", step(api, referral_id, "approve", "approver"))
    check(path + "submit", "post", step(api, referral_id, "submit", "reviewer"))
    check(path + "approve", "post", step(api, referral_id, "approve", "reviewer"))
    check(path + "withdraw", "post", step(api, referral_id, "withdraw", "reviewer"))


# --- pages -----------------------------------------------------------------------------------------


def test_refer_from_a_finding_page_through_approval_and_downloads(db_app: Flask, api: Api) -> None:
    finding_id = confirmed(api)
    author = signed_in(db_app, "reviewer@example.org", "reviewer")
    finding_page = author.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert f'href="/referrals/new?finding={finding_id}"' in finding_page
    form = author.get(f"/referrals/new?finding={finding_id}")
    assert form.status_code == 200 and "Refer Al Qaida (V-1)" in form.get_data(as_text=True)
    supplier_id = int(form.get_data(as_text=True).split('name="supplier_id" value="')[1].split('"')[0])
    fields = {
        "csrf_token": csrf(author, f"/referrals/new?finding={finding_id}"),
        "supplier_id": str(supplier_id),
        "finding_ids": str(finding_id),
        "practices": ["forced_labour", "human_trafficking"],
        "sanction": "suspension",
        "sanction_from": "2026-06-01",
        "narrative": "Workers' passports were withheld.",
        "affiliates": "Al Qaida Logistics | common ownership | AF\n",
    }
    refused = author.post("/referrals", data=fields)
    assert refused.status_code == 400 and "sanction_until" in refused.get_data(as_text=True)
    made = author.post("/referrals", data={**fields, "sanction_until": "2028-05-31"})
    assert made.status_code == 302, made.get_data(as_text=True)
    page = made.headers["Location"]
    referral_id = int(page.rsplit("/", 1)[1])
    shown_page = author.get(page).get_data(as_text=True)
    assert (
        'id="status">draft<' in shown_page and "Al Qaida Logistics" in shown_page and "QDe.004" in shown_page
    )
    assert 'value="submit"' in shown_page and 'value="approve"' not in shown_page
    submitted = author.post(f"{page}/actions", data={"action": "submit", "csrf_token": csrf(author, page)})
    assert submitted.status_code == 302
    refused_step = author.post(
        f"{page}/actions", data={"action": "approve", "csrf_token": csrf(author, page)}
    )
    assert "may not approve" in author.get(refused_step.headers["Location"]).get_data(as_text=True)

    approver = signed_in(db_app, "approver@example.org", "approver")
    before = approver.get(page).get_data(as_text=True)
    assert 'id="status">submitted for approval<' in before and 'value="approve"' in before
    approver.post(f"{page}/actions", data={"action": "approve", "csrf_token": csrf(approver, page)})
    after = approver.get(page).get_data(as_text=True)
    assert 'id="status">approved<' in after and "submit it to UNGM by hand" in after
    assert 'value="mark_delivered"' in after
    for fmt, start in (("pdf", b"%PDF-"), ("xlsx", b"PK"), ("json", b"{")):
        download = author.get(f"{page}.{fmt}")
        assert download.status_code == 200 and download.data.startswith(start), fmt
    approver.post(
        f"{page}/actions",
        data={"action": "mark_delivered", "reason": "UNGM case 77", "csrf_token": csrf(approver, page)},
    )
    assert shown(api, referral_id)["status"] == "delivered"
    listing = author.get("/referrals?status=delivered").get_data(as_text=True)
    assert f'data-referral="{referral_id}"' in listing
    assert 'data-referral="' not in author.get("/referrals?supplier=V-9").get_data(as_text=True)
    assert author.get("/referrals?status=lost").status_code == 400
    officer = signed_in(db_app, "officer@example.org", "officer")
    assert officer.get(f"/referrals/new?finding={finding_id}").status_code == 403
    assert officer.get(page).status_code == 200  # anyone signed in may read it
    assert "Refer to the shared marketplace" not in officer.get(f"/findings/{finding_id}").get_data(
        as_text=True
    )


# --- configuration ---------------------------------------------------------------------------------


def test_referral_settings_are_checked_and_the_secret_comes_from_the_environment(tmp_path: Path) -> None:
    from service.config import ConfigError, load_settings

    config = ROOT / "config.yaml"
    env = {
        "SCREENING_REFERRALS__ORGANISATION": "UNICEF",
        "SCREENING_REFERRALS__ENDPOINT_URL": "https://cases.example.org/referrals",
        "SCREENING_REFERRALS__SIGNING_SECRET": "s3cret",
        "SCREENING_REFERRALS__EMAIL_TO": "[ungm@example.org]",
    }
    with pytest.raises(ConfigError) as problems:
        load_settings(config, environ=env)
    assert "referrals.email_to: needs an SMTP server" in str(problems.value)
    env.pop("SCREENING_REFERRALS__EMAIL_TO")
    settings = load_settings(config, environ=env)
    assert settings.referrals.organisation == "UNICEF" and settings.referrals.signing_secret == "s3cret"
    assert settings.referrals.list_source == "custom:referred" and settings.referrals.max_attempts == 10
    bad = {
        "SCREENING_REFERRALS__ENDPOINT_URL": "http://cases.example.org/x",
        "SCREENING_REFERRALS__MAX_ATTEMPTS": "0",
    }
    with pytest.raises(ConfigError) as problems:
        load_settings(config, environ=bad)
    message = str(problems.value)
    assert "referrals.endpoint_url: must be https://" in message
    assert "referrals.signing_secret: required with an endpoint_url" in message
    assert "referrals: max_attempts must be at least 1" in message
    in_file = tmp_path / "config.yaml"
    in_file.write_text(
        config.read_text().replace("referrals:\n", "referrals:\n  signing_secret: hunter2\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as problems:
        load_settings(in_file, environ={})
    assert "referrals.signing_secret: secrets must come from the environment" in str(problems.value)
