"""The review pages, as signed-in people use them: the queue, a finding side by side with its
evidence, decisions by role with four eyes, refusals shown as messages, attachments.
Runs on SQLite and PostgreSQL with the real UN list."""

from __future__ import annotations

import io
import re

import pytest
from findings_support import UN_NEW, Api, csrf, import_list, make_api, signed_in
from flask import Flask
from flask.testing import FlaskClient

from service.views.review import highlight


@pytest.fixture
def api(db_app: Flask) -> Api:
    import_list(db_app, "un_sc", UN_NEW)
    return make_api(db_app)


def decide(client: FlaskClient, finding_id: int, action: str, **form: str) -> str:
    """Press a decision button; returns the finding page it leads back to."""
    page = f"/findings/{finding_id}"
    answer = client.post(
        f"{page}/decisions", data={"action": action, "csrf_token": csrf(client, page), **form}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == page, answer.status_code
    return client.get(page).get_data(as_text=True)


def status_of(page: str) -> str:
    found = re.search(r'id="status">([^<]+)<', page)
    assert found
    return found.group(1)


def test_highlight_escapes_everything_and_marks_matched_words() -> None:
    marked = highlight("<b>AL-QA'IDA</b> & Co", {"al", "qaida"})
    assert str(marked) == "&lt;b&gt;<mark>AL</mark>-<mark>QA&#39;IDA</mark>&lt;/b&gt; &amp; Co"
    assert str(highlight(None, {"x"})) == ""


def test_the_queue_page_filters_and_pages(db_app: Flask, api: Api) -> None:
    aq = api.screen("V-1", "Al Qaida")["QDe.004"]
    log = api.screen("V-2", "Logarcheo AG")["IQe.200"]
    reviewer = signed_in(db_app, "rev@example.org", "reviewer")
    home = reviewer.get("/").get_data(as_text=True)
    assert 'href="/findings"' in home  # in the navigation
    page = reviewer.get("/findings").get_data(as_text=True)
    assert f'href="/findings/{aq}"' in page and f'href="/findings/{log}"' in page
    assert "Findings 1–2 of 2" in page
    first = reviewer.get("/findings?limit=1&sort=created_at&order=asc").get_data(as_text=True)
    assert f'data-finding="{aq}"' in first and f'data-finding="{log}"' not in first
    assert 'rel="next"' in first and "offset=1" in first
    second = reviewer.get("/findings?limit=1&offset=1&sort=created_at&order=asc").get_data(as_text=True)
    assert f'data-finding="{log}"' in second and 'rel="prev"' in second
    none = reviewer.get("/findings?status=confirmed").get_data(as_text=True)
    assert "No finding matches these filters" in none
    bad = reviewer.get("/findings?min_score=lots")
    assert bad.status_code == 400 and "min_score" in bad.get_data(as_text=True)
    assert db_app.test_client().get("/findings").status_code == 302  # sign in first


def test_a_finding_page_shows_both_sides_highlighted_with_the_explanation(db_app: Flask, api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida", country="AF")["QDe.004"]
    officer = signed_in(db_app, "officer@example.org", "officer")
    page = officer.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert "Supplier V-1" in page and "List entry as matched" in page and "List entry now" in page
    assert "<mark>Al</mark> <mark>Qaida</mark>" in page  # the supplier's name
    assert re.search(r'class="matched"[^>]*><mark>Al</mark> <mark>Qa&#39;ida</mark>', page)  # listed name
    assert "matched listed name" in page  # the explanation sentence
    assert "name similarity" in page and "Unchanged since it was matched" in page
    assert 'id="decide"' not in page  # officers see, they do not decide
    assert (
        officer.post(
            f"/findings/{finding_id}/decisions",
            data={"action": "comment", "reason": "x", "csrf_token": csrf(officer, f"/findings/{finding_id}")},
        ).status_code
        == 403
    )


def test_decisions_from_the_page_with_four_eyes_and_refusals_as_messages(db_app: Flask, api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    reviewer = signed_in(db_app, "rev@example.org", "reviewer")
    approver = signed_in(db_app, "appr@example.org", "approver")
    approver2 = signed_in(db_app, "appr2@example.org", "approver")
    page = reviewer.get(f"/findings/{finding_id}").get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" name="action" value="(\w+)"', page)
    assert buttons == ["start_review", "dismiss", "escalate", "comment", "assign"]

    page = decide(reviewer, finding_id, "start_review")
    assert status_of(page) == "in review" and "assigned to user:rev@example.org" in page
    page = decide(reviewer, finding_id, "dismiss")
    assert "dismiss needs a reason" in page and status_of(page) == "in review"
    page = decide(reviewer, finding_id, "propose_confirm", reason="<script>alert(1)</script>")
    assert status_of(page) == "pending confirmation"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    page = decide(reviewer, finding_id, "approve")
    assert "role &#39;reviewer&#39; may not approve" in page and status_of(page) == "pending confirmation"

    page = decide(approver, finding_id, "approve", reason="agreed")
    assert status_of(page) == "confirmed"
    page = decide(approver, finding_id, "dismiss", reason="x")
    assert "cannot dismiss" in page and "it is &#39;confirmed&#39;" in page and status_of(page) == "confirmed"

    page = decide(approver, finding_id, "reopen", reason="the person is a namesake")
    assert status_of(page) == "pending reversal"
    assert "another approver must approve it" in page  # the proposer gets no approve button
    page = decide(approver, finding_id, "approve")
    assert "four eyes" in page and status_of(page) == "pending reversal"
    page = decide(approver2, finding_id, "approve")
    assert status_of(page) == "in review"
    history = re.findall(r"<td>(user:[^<]+)</td><td>([^<]+)</td>", page)
    assert history == [
        ("user:rev@example.org", "start review"),
        ("user:rev@example.org", "propose confirm"),
        ("user:appr@example.org", "approve"),
        ("user:appr@example.org", "reopen"),
        ("user:appr2@example.org", "approve"),
    ]


def test_attachments_from_the_page(db_app: Flask, api: Api) -> None:
    finding_id = api.screen("V-1", "Al Qaida")["QDe.004"]
    reviewer = signed_in(db_app, "rev@example.org", "reviewer")
    page = f"/findings/{finding_id}"
    sent = reviewer.post(
        f"{page}/attachments",
        data={
            "file": (io.BytesIO(b"%PDF-1.7\n"), "Registry extract.pdf"),
            "csrf_token": csrf(reviewer, page),
        },
    )
    assert sent.status_code == 302
    shown = reviewer.get(page).get_data(as_text=True)
    assert "attached Registry_extract.pdf" in shown
    link = re.search(rf'href="({page}/attachments/\d+)">Registry_extract.pdf<', shown)
    assert link
    download = signed_in(db_app, "officer@example.org", "officer").get(link.group(1))
    assert download.data == b"%PDF-1.7\n" and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == 'attachment; filename="Registry_extract.pdf"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    refused = reviewer.post(
        f"{page}/attachments",
        data={"file": (io.BytesIO(b"<svg onload=alert(1)>"), "x.svg"), "csrf_token": csrf(reviewer, page)},
        follow_redirects=True,
    )
    assert "does not end in .txt" in refused.get_data(as_text=True)
    assert reviewer.get(f"{page}/attachments/999").status_code == 404
    assert reviewer.get("/findings/999999").status_code == 404
