"""Deciding findings through the API: the decision table cell by cell, four eyes, roles, sticky
dismissals across screenings and list refreshes (the two real UN snapshots), delisting, the
queue, and evidence attachments. Runs on SQLite and PostgreSQL; nothing is mocked.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from findings_support import DPL_FILE, UN_NEW, UN_OLD, Api, import_list, make_api, with_mirror
from flask import Flask
from jsonschema import Draft202012Validator
from openpyxl import Workbook
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from service.attachments import MAX_ATTACHMENT_BYTES
from service.audit import verify_chain
from service.db import session_scope
from service.engine import get_index_holder
from service.findings import APPROVER_ROLES, DELISTED_CONFIRMED_REASON, REVIEWER_ROLES, RULES, STATUSES
from service.models import AuditEvent, Finding, FindingEvent, Supplier
from service.refresh import refresh_source

ALL_ROLES = ("officer", "reviewer", "approver", "admin")
REVIEWERS = ("reviewer", "approver", "admin")
APPROVERS = ("approver", "admin")
# The decision table, written out independently of service.findings.RULES: action → {from: to}.
MOVES = {
    "start_review": {"new": "in_review", "changed": "in_review", "escalated": "in_review"},
    "propose_confirm": {"in_review": "pending_confirmation", "escalated": "pending_confirmation"},
    "approve": {"pending_confirmation": "confirmed", "pending_reversal": "in_review"},
    "reject": {"pending_confirmation": "in_review", "pending_reversal": "confirmed"},
    "dismiss": {s: "dismissed" for s in ("new", "changed", "in_review", "escalated")},
    "escalate": {s: "escalated" for s in ("new", "changed", "in_review")},
    "reopen": {"dismissed": "in_review", "delisted": "in_review", "confirmed": "pending_reversal"},
    "comment": {s: s for s in STATUSES},
    "assign": {s: s for s in STATUSES},
}
ROLES = {
    "start_review": REVIEWERS,
    "propose_confirm": REVIEWERS,
    "approve": APPROVERS,
    "reject": APPROVERS,
    "dismiss": REVIEWERS,
    "escalate": REVIEWERS,
    "reopen": REVIEWERS,
    "comment": REVIEWERS,
    "assign": REVIEWERS,
}
NEEDS_REASON = {"dismiss", "comment"}


@pytest.fixture
def api(db_app: Flask) -> Api:
    import_list(db_app, "un_sc", UN_NEW)
    return make_api(db_app)


def body_for(action: str) -> dict[str, str]:
    extra = {"reason": "checked against the registry extract"}
    return {**extra, "assignee": ""} if action == "assign" else extra


def set_state(app: Flask, finding_id: int, status: str, proposed_by: str | None = None) -> None:
    with session_scope(app) as s:
        s.execute(
            update(Finding)
            .where(Finding.id == finding_id)
            .values(
                status=status,
                proposed_by=proposed_by,
                proposed_action={"pending_confirmation": "confirm", "pending_reversal": "reverse"}.get(
                    status
                ),
            )
        )


def test_the_decision_table_is_the_documented_one() -> None:
    assert {a: dict(r.moves) for a, r in RULES.items()} == {
        a: {k: ("previous" if a == "reject" else v) for k, v in m.items()} for a, m in MOVES.items()
    }
    assert {a: r.roles for a, r in RULES.items()} == ROLES
    assert {a for a, r in RULES.items() if r.reason_required} == NEEDS_REASON
    assert (REVIEWER_ROLES, APPROVER_ROLES) == (REVIEWERS, APPROVERS)


def fresh_finding(app: Flask, template_id: int, status: str) -> int:
    """A copy of finding `template_id` on a new supplier, in `status`, with no history yet."""
    with session_scope(app) as s:
        template = s.get(Finding, template_id)
        assert template is not None
        n = s.scalar(select(func.count()).select_from(Supplier))
        supplier = Supplier(ref=f"COPY-{n}", name=template.supplier.name, screened_hash="-")
        columns = {c.key: getattr(template, c.key) for c in Finding.__table__.columns if c.key != "id"}
        copy = Finding(**{**columns, "supplier_id": None}, supplier=supplier)
        s.add(copy)
        s.flush()
        finding_id = copy.id
    set_state(app, finding_id, status, proposed_by="user:someone.else@example.org")
    return finding_id


def test_every_cell_of_the_decision_table(db_app: Flask, api: Api) -> None:
    """Each action from each status: the documented move, or 409 naming the status."""
    template = api.screen("V-1", "Al Qaida")["QDe.004"]
    for action, moves in MOVES.items():
        for status in STATUSES:
            finding_id = fresh_finding(db_app, template, status)
            answer = api.decide(finding_id, action, "admin", **body_for(action))
            if status in moves:
                assert answer.status_code == 200, (action, status, answer.get_json())
                assert answer.get_json()["status"] == moves[status], (action, status)
            else:
                assert answer.status_code == 409, (action, status, answer.get_json())
                error = answer.get_json()["error"]
                assert error["code"] == "conflict" and f"it is {status!r}" in error["message"]
                assert error["details"]["status"] == status
                assert action not in error["details"]["allowed_actions"]


def test_every_role_for_every_action(db_app: Flask, api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    for action, roles in ROLES.items():
        start = next(iter(MOVES[action]))
        for role in ALL_ROLES:
            set_state(db_app, finding_id, start, proposed_by="user:someone.else@example.org")
            answer = api.decide(finding_id, action, role, **body_for(action))
            expected = 200 if role in roles else 403
            assert answer.status_code == expected, (action, role, answer.get_json())
            if expected == 403:
                assert answer.get_json()["error"]["code"] == "forbidden"


def test_four_eyes_on_confirming_and_on_reversing(db_app: Flask, api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    assert api.decide(finding_id, "start_review", "reviewer").get_json()["assignee"] == api.actors["reviewer"]
    proposed = api.decide(finding_id, "propose_confirm", "reviewer", reason="same entity, same country")
    assert proposed.get_json()["status"] == "pending_confirmation"
    assert proposed.get_json()["proposed_by"] == api.actors["reviewer"]
    assert api.decide(finding_id, "approve", "reviewer").status_code == 403  # a reviewer may not approve
    approved = api.decide(finding_id, "approve", "approver", reason="agreed")
    assert approved.status_code == 200 and approved.get_json()["status"] == "confirmed"
    assert approved.get_json()["proposed_by"] is None and approved.get_json()["decided_at"]

    # An approver who proposes may not approve their own proposal, not even as admin.
    reversal = api.decide(finding_id, "reopen", "approver", reason="wrong person")
    assert reversal.get_json()["status"] == "pending_reversal"
    own = api.decide(finding_id, "approve", "approver")
    assert own.status_code == 403
    assert (
        "four eyes" in own.get_json()["error"]["message"]
        and "different approver" in own.get_json()["error"]["message"]
    )
    assert api.get(f"/api/v1/findings/{finding_id}").get_json()["status"] == "pending_reversal"
    kept = api.decide(finding_id, "reject", "approver2", reason="the match stands")
    assert kept.get_json()["status"] == "confirmed"  # back to what it was before the proposal

    reversal = api.decide(finding_id, "reopen", "reviewer", reason="new evidence")
    assert api.decide(finding_id, "approve", "approver2").get_json()["status"] == "in_review"

    history = api.get(f"/api/v1/findings/{finding_id}").get_json()["history"]
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("created", None, "new"),
        ("start_review", "new", "in_review"),
        ("propose_confirm", "in_review", "pending_confirmation"),
        ("approve", "pending_confirmation", "confirmed"),
        ("reopen", "confirmed", "pending_reversal"),
        ("reject", "pending_reversal", "confirmed"),
        ("reopen", "confirmed", "pending_reversal"),
        ("approve", "pending_reversal", "in_review"),
    ]
    assert history[3]["actor"] == api.actors["approver"] and history[3]["reason"] == "agreed"
    assert history[3]["details"]["proposed_by"] == api.actors["reviewer"]
    with session_scope(db_app) as s:
        audited = s.scalars(select(AuditEvent.action).where(AuditEvent.subject == f"finding:{finding_id}"))
        assert list(audited) == [f"finding.{h['action']}" for h in history[1:]]
        assert list(verify_chain(s)) == []


def test_reject_restores_the_status_before_the_proposal(api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    api.decide(finding_id, "escalate", "reviewer", reason="needs legal")
    api.decide(finding_id, "propose_confirm", "reviewer")
    assert api.decide(finding_id, "reject", "approver").get_json()["status"] == "escalated"


def test_bad_decisions_name_the_field(api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    unknown = api.decide(finding_id, "delete", "reviewer")
    assert unknown.status_code == 400 and unknown.get_json()["error"]["details"][0]["field"] == "action"
    assert "start_review" in unknown.get_json()["error"]["message"]
    no_reason = api.decide(finding_id, "dismiss", "reviewer", reason="  ")
    assert no_reason.status_code == 400 and no_reason.get_json()["error"]["details"][0]["field"] == "reason"
    extra = api.decide(finding_id, "comment", "reviewer", reason="x", colour="red")
    assert extra.status_code == 400 and extra.get_json()["error"]["details"][0]["field"] == "colour"
    missing = api.client.post(
        f"/api/v1/findings/{finding_id}/decisions", json={"reason": "x"}, headers=api.headers["reviewer"]
    )
    assert missing.status_code == 400 and missing.get_json()["error"]["details"][0]["field"] == "action"
    nobody = api.decide(finding_id, "assign", "reviewer", assignee="ghost@example.org")
    assert nobody.status_code == 400 and nobody.get_json()["error"]["details"][0]["field"] == "assignee"
    assert api.decide(999999, "comment", "reviewer", reason="x").status_code == 404
    officer = api.decide(finding_id, "comment", "officer", reason="x")
    assert officer.status_code == 403


def test_assignment(api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    assigned = api.decide(finding_id, "assign", "reviewer", assignee=api.actors["reviewer2"])
    assert assigned.status_code == 200 and assigned.get_json()["assignee"] == api.actors["reviewer2"]
    assert assigned.get_json()["status"] == "new"
    started = api.decide(finding_id, "start_review", "reviewer", assignee=api.actors["reviewer2"])
    assert started.get_json()["assignee"] == api.actors["reviewer2"]  # told otherwise: not the actor
    cleared = api.decide(finding_id, "assign", "reviewer", assignee="")
    assert cleared.get_json()["assignee"] is None


def test_dismissals_stick_across_screenings_until_something_changes(db_app: Flask, api: Api) -> None:
    supplier = {"kind": "organization", "country": "AF", "registration_numbers": ["R-1"]}
    finding_id = api.screen("V-7", "Al Qaida", **supplier)["QDe.004"]
    api.decide(finding_id, "dismiss", "reviewer", reason="our vendor is a stationery shop in Kabul")
    for _ in range(2):
        assert api.screen("V-7", "Al Qaida", **supplier)["QDe.004"] == finding_id
        assert api.get(f"/api/v1/findings/{finding_id}").get_json()["status"] == "dismissed"

    changed = {**supplier, "other_names": ["The Base"], "registration_numbers": ["R-2"]}
    api.screen("V-7", "Al Qaida", **changed)
    shown = api.get(f"/api/v1/findings/{finding_id}").get_json()
    assert shown["status"] == "changed"
    assert shown["explanation"]["reopened"] == ["supplier's screened fields"]
    assert shown["explanation"]["changes"]["supplier"] == {
        "other_names": {"added": ["The Base"], "removed": []},
        "registration_numbers": {"added": ["R-2"], "removed": ["R-1"]},
    }
    reopened = shown["history"][-1]
    assert (reopened["actor"], reopened["action"], reopened["from_status"], reopened["to_status"]) == (
        "system",
        "reopened",
        "dismissed",
        "changed",
    )
    assert reopened["details"]["changes"] == shown["explanation"]["changes"]
    assert reopened["reason"] == "reopened: the supplier's screened fields changed"
    api.screen("V-7", "Al Qaida", **changed)  # the same again: nothing new to decide
    assert len(api.get(f"/api/v1/findings/{finding_id}").get_json()["history"]) == len(shown["history"])


def test_confirmed_findings_are_never_reopened_by_screening(api: Api) -> None:
    finding_id = api.screen("V-8", "Al Qaida")["QDe.004"]
    api.decide(finding_id, "start_review", "reviewer")
    api.decide(finding_id, "propose_confirm", "reviewer")
    api.decide(finding_id, "approve", "approver")
    api.screen("V-8", "Al Qaida", other_names=["Al Qaeda"], country="AF")
    shown = api.get(f"/api/v1/findings/{finding_id}").get_json()
    assert shown["status"] == "confirmed" and [h["action"] for h in shown["history"]][-1] == "approve"


def test_sticky_dismissals_and_delisting_across_real_un_refreshes(db_app: Flask) -> None:
    """The February 2026 UN list, then the May one: QDe.137 (al-Nusrah Front / HTS) was removed,
    QDe.004 and TAi.026 changed, IQe.200 did not."""
    import_list(db_app, "un_sc", UN_OLD)
    api = make_api(db_app)
    unchanged = api.screen("V-LOG", "Logarcheo SA", kind="organization")["IQe.200"]
    remarks = api.screen("V-AQ", "Al Qaida", kind="organization")["QDe.004"]
    names = api.screen("V-AKM", "Amir Khan Motaqi", kind="person")["TAi.026"]
    open_hts = api.screen("V-HTS", "Hayat Tahrir al-Sham", kind="organization")["QDe.137"]
    confirmed_hts = api.screen("V-NUS", "Al-Nusrah Front", kind="organization")["QDe.137"]
    for finding_id in (unchanged, remarks, names):
        assert api.decide(finding_id, "dismiss", "reviewer", reason="different party").status_code == 200
    api.decide(open_hts, "start_review", "reviewer")
    for action, role in (
        ("start_review", "reviewer"),
        ("propose_confirm", "reviewer"),
        ("approve", "approver"),
    ):
        assert api.decide(confirmed_hts, action, role).status_code == 200

    import_list(db_app, "un_sc", UN_NEW)  # version 2: QDe.137 removed
    delisted = api.get(f"/api/v1/findings/{open_hts}").get_json()
    assert delisted["status"] == "delisted" and delisted["entry_now"] is None
    assert (delisted["history"][-1]["actor"], delisted["history"][-1]["action"]) == ("system", "delisted")
    flagged = api.get(f"/api/v1/findings/{confirmed_hts}").get_json()
    assert flagged["status"] == "confirmed" and flagged["needs_review"] is True
    assert flagged["history"][-1]["reason"] == DELISTED_CONFIRMED_REASON
    queue = api.get("/api/v1/findings?needs_review=true").get_json()
    assert [f["id"] for f in queue["findings"]] == [confirmed_hts]

    for ref, name, kind in (
        ("V-LOG", "Logarcheo SA", "organization"),
        ("V-AQ", "Al Qaida", "organization"),
        ("V-AKM", "Amir Khan Motaqi", "person"),
    ):
        api.screen(ref, name, kind=kind)
    assert api.get(f"/api/v1/findings/{unchanged}").get_json()["status"] == "dismissed"
    changed_remarks = api.get(f"/api/v1/findings/{remarks}").get_json()
    assert changed_remarks["status"] == "changed"
    assert changed_remarks["explanation"]["reopened"] == ["list entry"]
    entry_changes = changed_remarks["explanation"]["changes"]["entry"]
    assert set(entry_changes) == {"remarks", "properties"}
    assert entry_changes["properties"]["interpol_link"]["added"] == [
        "https://www.interpol.int/en/How-we-work/Notices/View-UN-Notices-Entities"
    ]
    changed_names = api.get(f"/api/v1/findings/{names}").get_json()
    assert changed_names["status"] == "changed"
    assert changed_names["explanation"]["changes"]["entry"]["names"] == {
        "added": ["AMIR KHAN MUTAQI (alias)"],
        "removed": [],
    }

    import_list(db_app, "un_sc", UN_OLD)  # version 3: QDe.137 is back
    api.screen("V-HTS", "Hayat Tahrir al-Sham", kind="organization")
    relisted = api.get(f"/api/v1/findings/{open_hts}").get_json()
    assert relisted["status"] == "changed" and "listed again" in relisted["explanation"]["reopened"]
    api.screen("V-NUS", "Al-Nusrah Front", kind="organization")
    assert api.get(f"/api/v1/findings/{confirmed_hts}").get_json()["status"] == "confirmed"


def test_a_scheduled_refresh_delists_too(db_app: Flask, tmp_path: Path) -> None:
    import_list(db_app, "un_sc", UN_OLD)
    api = make_api(db_app)
    finding_id = api.screen("V-HTS", "Hayat Tahrir al-Sham", kind="organization")["QDe.137"]
    mirror = tmp_path / "mirror" / "un_sc"
    mirror.mkdir(parents=True)
    shutil.copy(UN_NEW, mirror / "consolidated.xml")
    with_mirror(db_app, tmp_path / "mirror")
    assert refresh_source(db_app, "un_sc").outcome == "new_version"
    assert api.get(f"/api/v1/findings/{finding_id}").get_json()["status"] == "delisted"
    # Until this process has rebuilt its index it still matches the removed entry: no finding.
    stale = api.client.post(
        "/api/v1/screen",
        json={"ref": "V-HTS2", "name": "Hayat Tahrir al-Sham", "kind": "organization"},
        headers=api.headers["officer"],
    )
    get_index_holder(db_app).wait_for_rebuild()
    assert [(m["entry_id"], "finding_id" in m) for m in stale.get_json()["matches"]] == [("QDe.137", False)]
    assert api.get("/api/v1/findings?supplier=V-HTS2").get_json()["total"] == 0
    with session_scope(db_app) as s:
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.subject == f"finding:{finding_id}")) == (
            "finding.delisted"
        )


def test_a_finding_shows_the_entry_as_matched_and_as_now(db_app: Flask) -> None:
    import_list(db_app, "un_sc", UN_OLD)
    api = make_api(db_app)
    finding_id = api.screen("V-AQ", "Al Qaida", kind="organization")["QDe.004"]
    import_list(db_app, "un_sc", UN_NEW)
    shown = api.get(f"/api/v1/findings/{finding_id}").get_json()
    assert shown["supplier"]["ref"] == "V-AQ" and shown["supplier"]["kind"] == "organization"
    assert "interpol_link" not in shown["entry_as_matched"]["properties"]
    assert "interpol_link" in shown["entry_now"]["properties"]
    assert set(shown["entry_changes"]) == {"remarks", "properties"}
    assert shown["explanation"]["matched_name"] and shown["explanation"]["query_name"] == "Al Qaida"
    assert shown["allowed_actions"] == ["start_review", "dismiss", "escalate", "comment", "assign"]
    assert shown["status"] == "new"  # an open finding is not reopened, it shows both versions


def test_the_queue_filters_sorts_and_pages(db_app: Flask, api: Api) -> None:
    import_list(db_app, "us_bis_dpl", DPL_FILE)
    aq = api.screen("V-1", "Al Qaida")["QDe.004"]
    log = api.screen("V-2", "Logarcheo AG")["IQe.200"]
    villa = api.screen("V-3", "Aaron Abraham Villa", kind="person")
    dpl = next(iter(villa.values()))
    api.decide(log, "start_review", "reviewer")
    api.decide(aq, "dismiss", "reviewer", reason="not them")
    with session_scope(db_app) as s:
        s.execute(update(Finding).where(Finding.id == dpl).values(score=0.9))
        s.execute(update(Finding).where(Finding.id == log).values(score=0.95))
        s.execute(update(Finding).where(Finding.id == aq).values(score=1.0))
        s.execute(
            update(Finding).where(Finding.id == aq).values(created_at=datetime(2026, 1, 5, 12, tzinfo=UTC))
        )

    def ids(query: str, role: str = "officer") -> list[int]:
        answer = api.get(f"/api/v1/findings{query}", role)
        assert answer.status_code == 200, answer.get_json()
        return [f["id"] for f in answer.get_json()["findings"]]

    assert ids("") == [aq, log, dpl]  # highest score first
    assert ids("?sort=score&order=asc") == [dpl, log, aq]
    assert ids("?sort=created_at&order=asc")[0] == aq
    assert ids("?status=new") == [dpl]
    assert ids("?status=new&status=in_review") == ids("?status=new,in_review") == [log, dpl]
    assert ids("?source=us_bis_dpl") == [dpl]
    assert ids("?min_score=0.92&max_score=0.99") == [log]
    assert ids(f"?assignee={api.actors['reviewer']}") == [log]
    assert ids("?assignee=me", "reviewer") == [log]
    assert ids("?assignee=none") == [aq, dpl]
    assert ids("?supplier=V-3") == [dpl]
    assert ids("?created_to=2026-01-05") == [aq] and ids("?created_from=2026-01-06") == [log, dpl]
    assert ids("?updated_from=2026-01-01T00:00:00") == [aq, log, dpl]
    assert ids("?needs_review=false") == [aq, log, dpl]
    page = api.get("/api/v1/findings?limit=2&offset=1").get_json()
    assert (page["total"], page["limit"], page["offset"], [f["id"] for f in page["findings"]]) == (
        3,
        2,
        1,
        [log, dpl],
    )
    bad = api.get("/api/v1/findings?status=open&min_score=high&created_from=yesterday&sort=name")
    assert bad.status_code == 400
    assert [d["field"] for d in bad.get_json()["error"]["details"]] == [
        "status",
        "min_score",
        "created_from",
        "sort",
    ]


# --- attachments -------------------------------------------------------------------------------


def _xlsx() -> bytes:
    book = Workbook()
    book.active.append(["Registry extract", "V-1"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ACCEPTED = [
    (
        "registry extract.pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "application/pdf",
        "registry_extract.pdf",
    ),
    ("photo.PNG", PNG, "image/png", "photo.png"),
    ("scan.jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg", "scan.jpeg"),
    ("notes.txt", "Réunion avec le fournisseur\n".encode(), "text/plain", "notes.txt"),
    ("owners.csv", b"name;country\nX;AF\n", "text/csv", "owners.csv"),
    ("../../etc/passwd.txt", b"root:x:0:0\n", "text/plain", "passwd.txt"),
    ("\u6587\u6863.pdf", b"%PDF-1.4\n", "application/pdf", "attachment.pdf"),
]


def _upload(api: Api, finding_id: int, name: str, content: bytes, role: str = "reviewer"):  # type: ignore[no-untyped-def]
    return api.client.post(
        f"/api/v1/findings/{finding_id}/attachments",
        data={"file": (io.BytesIO(content), name)},
        headers=api.headers[role],
    )


def test_attachments_are_checked_by_content_and_downloaded_safely(db_app: Flask, api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    cases = [
        *ACCEPTED,
        (
            "extract.xlsx",
            _xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "extract.xlsx",
        ),
        (
            "letter.docx",
            _docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "letter.docx",
        ),
    ]
    for name, content, content_type, stored in cases:
        sent = _upload(api, finding_id, name, content)
        assert sent.status_code == 201, (name, sent.get_json())
        meta = sent.get_json()
        assert (meta["filename"], meta["content_type"], meta["size"]) == (stored, content_type, len(content))
        got = api.get(f"/api/v1/findings/{finding_id}/attachments/{meta['id']}")  # any role may read
        assert got.status_code == 200 and got.data == content and got.mimetype == content_type
        assert got.headers["Content-Disposition"] == f'attachment; filename="{stored}"'
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    shown = api.get(f"/api/v1/findings/{finding_id}").get_json()
    assert [a["filename"] for a in shown["attachments"]] == [c[3] for c in cases]
    assert shown["history"][-1]["action"] == "attach" and shown["history"][-1]["details"]["sha256"]


def test_attachments_refused(db_app: Flask, api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    refused = [
        ("page.html", b"<html><script>alert(1)</script></html>", "does not end in .txt"),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", "not an accepted file type"),
        ("photo.pdf", PNG, "the content is image/png"),
        ("archive.zip", _docx()[:40], "not an accepted file type"),
        ("bare.xlsx", _zip_without_office_parts(), "not an accepted file type"),
        ("empty.txt", b"", "the file is empty"),
        ("latin1.txt", "café".encode("latin-1"), "not an accepted file type"),
    ]
    for name, content, message in refused:
        answer = _upload(api, finding_id, name, content)
        assert answer.status_code == 400, name
        error = answer.get_json()["error"]
        assert message in error["message"] and error["details"][0]["field"] == "file", (name, error)
    # Encoded up front: the test client would spool a body this size to a file it never closes.
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES), "big.pdf")}
    )
    too_big = api.client.post(
        f"/api/v1/findings/{finding_id}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=api.headers["reviewer"],
    )
    assert too_big.status_code == 413 and "at most 10 MB" in too_big.get_json()["error"]["message"]
    assert _upload(api, finding_id, "a.pdf", b"%PDF-1.4", role="officer").status_code == 403
    no_file = api.client.post(
        f"/api/v1/findings/{finding_id}/attachments", data={}, headers=api.headers["reviewer"]
    )
    assert no_file.status_code == 400 and no_file.get_json()["error"]["details"][0]["field"] == "file"
    other = api.screen("V-2", "Logarcheo AG")["IQe.200"]
    stored = _upload(api, other, "a.pdf", b"%PDF-1.4").get_json()["id"]
    assert api.get(f"/api/v1/findings/{finding_id}/attachments/{stored}").status_code == 404
    with session_scope(db_app) as s:
        assert (
            s.scalar(
                select(FindingEvent.id).where(
                    FindingEvent.action == "attach", FindingEvent.finding_id == finding_id
                )
            )
            is None
        )


def _zip_without_office_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "hello")
    return out.getvalue()


def test_finding_responses_match_the_openapi_document(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").get_json()

    def check(path: str, method: str, response) -> None:  # type: ignore[no-untyped-def]
        documented = spec["paths"][path][method]["responses"]
        assert str(response.status_code) in documented, (path, response.status_code)
        schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
        Draft202012Validator({"components": spec["components"], **schema}).validate(response.get_json())

    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    path, decisions = "/api/v1/findings/{finding_id}", "/api/v1/findings/{finding_id}/decisions"
    check("/api/v1/findings", "get", api.get("/api/v1/findings?status=new"))
    check("/api/v1/findings", "get", api.get("/api/v1/findings?limit=0"))
    check(path, "get", api.get(f"/api/v1/findings/{finding_id}"))
    check(path, "get", api.get("/api/v1/findings/0"))
    check(decisions, "post", api.decide(finding_id, "start_review", "reviewer"))
    check(decisions, "post", api.decide(finding_id, "approve", "approver"))
    check(decisions, "post", api.decide(finding_id, "approve", "reviewer"))
    check(decisions, "post", api.decide(finding_id, "dismiss", "reviewer"))
    attachments = "/api/v1/findings/{finding_id}/attachments"
    check(attachments, "post", _upload(api, finding_id, "a.pdf", b"%PDF-1.4"))
    check(attachments, "post", _upload(api, finding_id, "a.pdf", b"\x00"))
