"""The overview page in a real headless Chromium, against a real server with the UN list loaded.

Set SCREENING_SCREENSHOT_DIR to keep a screenshot (the README's comes from here, via
`make screenshot`).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from e2e_support import flask, server_env, start_server, stop_server
from playwright.sync_api import expect, sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_overview_page_shows_the_serving_lists(chromium_path: str, tmp_path: Path) -> None:
    server = start_server(server_env(f"sqlite:///{tmp_path / 'ui.sqlite'}", tmp_path))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 760})
            page.goto(server.base_url + "/")
            row = page.locator("tr[data-source='un_sc']")
            assert row.locator(".status").inner_text() == "ok"
            cells = row.locator("td").all_inner_texts()
            assert cells[2] == "1" and cells[3] == "1,009"
            assert cells[4].startswith("2026-05-08")
            assert page.locator("[role=alert]").count() == 0  # no "no list loaded" warning
            assert page.title() == "Supplier screening"
            if shots := os.environ.get("SCREENING_SCREENSHOT_DIR"):
                page.screenshot(path=str(Path(shots) / "screenshot-overview.png"), full_page=True)
            browser.close()
    finally:
        output = stop_server(server)
    assert "Traceback" not in output, output


def test_officer_screens_a_spreadsheet_in_the_browser(chromium_path: str, tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'ui.sqlite'}", tmp_path)
    server = start_server(env)
    email, password = "officer@example.org", "correct horse battery"
    created = flask(env, "users", "create", email, "--role", "officer", "--password", password)
    assert created.returncode == 0, created.stderr
    sheet = tmp_path / "bidders.csv"
    sheet.write_text(
        "Vendor no.;Supplier name;Country\nV-1;Al Qaida;AF\nV-2;Orion Textiles;BD\n", encoding="utf-8"
    )
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 760}, accept_downloads=True)
            page.goto(server.base_url + "/batches/new")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", password)
            page.click("text=Sign in >> nth=-1")
            page.set_input_files("input[name=file]", str(sheet))
            page.click("text=Upload and check the columns")
            page.wait_for_selector("select[name=name]")
            assert page.locator("select[name=name]").input_value() == "1"  # "Supplier name"
            assert page.locator("select[name=country]").input_value() == "2"  # "Country"
            assert page.locator("select[name=ref]").input_value() == "0"  # "Vendor no."
            page.click("text=Screen 2 suppliers")
            page.wait_for_selector("#downloads:not([hidden])", timeout=30_000)
            assert page.locator("#status").inner_text() == "done"
            assert "2 of 2 rows screened, 1 with alerts" in page.locator("#counts").inner_text()
            if shots := os.environ.get("SCREENING_SCREENSHOT_DIR"):
                page.screenshot(path=str(Path(shots) / "screenshot-batch.png"), full_page=True)
            with page.expect_download() as download:
                page.click("text=Download the report (Excel)")
            assert download.value.suggested_filename == "bidders - screening report.xlsx"
            browser.close()
    finally:
        output = stop_server(server)
    assert "Traceback" not in output, output


def _sign_in(page, base_url: str, email: str, password: str, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + path)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("text=Sign in >> nth=-1")


def test_a_reviewer_proposes_and_another_approver_confirms_in_the_browser(
    chromium_path: str, tmp_path: Path
) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'ui.sqlite'}", tmp_path)
    server = start_server(env)
    password = "correct horse battery"
    for email, role in (("reviewer@example.org", "reviewer"), ("approver@example.org", "approver")):
        created = flask(env, "users", "create", email, "--role", role, "--password", password)
        assert created.returncode == 0, created.stderr
    screened = httpx.post(
        server.base_url + "/api/v1/screen",
        json={"ref": "V-0042", "name": "Al Qaida", "kind": "organization", "country": "AF"},
        headers={"Authorization": f"Bearer {server.api_key}"},
        timeout=30,
    ).json()
    finding_id = screened["matches"][0]["finding_id"]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
            reviewer = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
            _sign_in(reviewer, server.base_url, "reviewer@example.org", password, "/findings")
            row = reviewer.locator(f"tr[data-finding='{finding_id}']")
            assert "Al Qaida" in row.inner_text() and "new" in row.inner_text()
            row.locator("a").first.click()
            expect(reviewer.locator("#status")).to_have_text("new")
            assert reviewer.locator("mark").count() > 0  # the matched names are highlighted
            reviewer.click("button[value=start_review]")
            expect(reviewer.locator("#status")).to_have_text("in review")
            reviewer.fill("textarea[name=reason]", "Same name and country as QDe.004")
            reviewer.click("button[value=propose_confirm]")
            expect(reviewer.locator("#status")).to_have_text("pending confirmation")
            assert reviewer.locator("button[value=approve]").count() == 0  # a reviewer cannot approve
            approver = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
            _sign_in(approver, server.base_url, "approver@example.org", password, f"/findings/{finding_id}")
            approver.click("button[value=approve]")
            expect(approver.locator("#status")).to_have_text("confirmed")
            history = approver.locator("body").inner_text()
            assert "reviewer@example.org" in history and "approver@example.org" in history
            if shots := os.environ.get("SCREENING_SCREENSHOT_DIR"):
                approver.screenshot(path=str(Path(shots) / "screenshot-finding.png"), full_page=True)
            browser.close()
    finally:
        output = stop_server(server)
    assert "Traceback" not in output, output
