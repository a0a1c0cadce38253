"""The overview page in a real headless Chromium, against a real server with the UN list loaded.

Set SCREENING_SCREENSHOT_DIR to keep a screenshot (the README's comes from here, via
`make screenshot`).
"""

from __future__ import annotations

import os
from pathlib import Path

from e2e_support import server_env, start_server, stop_server
from playwright.sync_api import sync_playwright

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
