"""List refresh against a local HTTP server started by the test: every failure keeps the
previous version serving, and the source's status says what failed.

Runs on SQLite and PostgreSQL. The two real UN snapshots give a real diff.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import SHARED_DATA
from flask import Flask

from service import get_settings
from service.db import session_scope
from service.lists import source_overview
from service.refresh import refresh_source
from service.store import get_current_version, get_diff, get_source_statuses

UN_DIR = SHARED_DATA / "watchlists" / "un"
UN_NEW = UN_DIR / "consolidated.xml"
UN_OLD = UN_DIR / "previous_2026-02-27" / "consolidated.xml"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut_at: int | None = None  # announce the full length, send only this many bytes


class ListServer:
    """A tiny publisher: answers the queued replies in order, then repeats the last one."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests.append(dict(self.headers))
                reply = server.replies.pop(0) if len(server.replies) > 1 else server.replies[0]
                time.sleep(reply.delay)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body[: reply.cut_at] if reply.cut_at is not None else reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/consolidated.xml"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def publisher() -> Iterator[ListServer]:
    server = ListServer()
    yield server
    server.close()


@pytest.fixture
def un_bytes() -> tuple[bytes, bytes]:
    if not UN_NEW.exists() or not UN_OLD.exists():
        pytest.skip(f"UN snapshots not found under {UN_DIR}")
    return UN_OLD.read_bytes(), UN_NEW.read_bytes()


def point_at(app: Flask, url: str, **source_changes: object) -> None:
    """Aim the app's un_sc source at `url`, with fast timeouts and no backoff."""
    settings = get_settings(app)
    un = replace(settings.watchlists.get("un_sc"), url=url, **source_changes)  # type: ignore[arg-type]
    sources = tuple(un if s.id == "un_sc" else s for s in settings.watchlists.sources)
    wl = replace(settings.watchlists, sources=sources, timeout_seconds=1.0, attempts=2, backoff_seconds=0.0)
    app.extensions["screening"] = replace(settings, watchlists=wl)


def serving(app: Flask) -> tuple[int | None, int | None]:
    with session_scope(app) as s:
        v = get_current_version(s, "un_sc")
        return (v.version, v.entry_count) if v else (None, None)


def status(app: Flask) -> dict[str, object]:
    with session_scope(app) as s:
        return next(row for row in source_overview(s, get_settings(app)) if row["source"] == "un_sc")


def test_good_update_stores_a_real_diff(db_app: Flask, publisher: ListServer, un_bytes) -> None:
    old, new = un_bytes
    point_at(db_app, publisher.url)
    publisher.replies = [Reply(body=old, headers={"ETag": '"v1"'})]
    first = refresh_source(db_app, "un_sc")
    assert (first.outcome, first.version) == ("new_version", 1)
    assert serving(db_app) == (1, 1003)
    publisher.replies = [Reply(body=new, headers={"ETag": '"v2"'})]
    second = refresh_source(db_app, "un_sc")
    assert (second.outcome, second.version) == ("new_version", 2)
    assert serving(db_app) == (2, 1009)
    assert publisher.requests[-1].get("If-None-Match") == '"v1"'  # conditional request
    with session_scope(db_app) as s:
        version = get_current_version(s, "un_sc")
        assert version is not None
        diff = get_diff(s, version)
        assert (len(diff.added), len(diff.changed), len(diff.removed)) == (
            version.added,
            version.changed,
            version.removed,
        )
        assert len(diff.added) - len(diff.removed) == 1009 - 1003
        assert diff.added and diff.removed and diff.changed
    assert status(db_app)["status"] == "ok"


def test_304_and_same_checksum_make_no_new_version(db_app: Flask, publisher: ListServer, un_bytes) -> None:
    _, new = un_bytes
    point_at(db_app, publisher.url)
    publisher.replies = [Reply(body=new, headers={"ETag": '"v1"'})]
    assert refresh_source(db_app, "un_sc").outcome == "new_version"
    publisher.replies = [Reply(status=304)]
    assert refresh_source(db_app, "un_sc").outcome == "not_modified"
    publisher.replies = [Reply(body=new)]  # a server without validators: same bytes
    assert refresh_source(db_app, "un_sc").outcome == "unchanged"
    assert serving(db_app) == (1, 1009)


def truncated(body: bytes) -> Reply:
    return Reply(body=body, cut_at=len(body) // 2)


@pytest.mark.parametrize(
    ("make_reply", "expected_error"),
    [
        (lambda body: Reply(status=500, body=b"oops"), "HTTP 500"),
        (lambda body: Reply(status=404, body=b"gone"), "HTTP 404"),
        (lambda body: Reply(body=body, delay=2.0), "timed out"),
        (
            lambda body: Reply(
                body=b"<!DOCTYPE html><html><body>Maintenance</body></html>",
                headers={"Content-Type": "text/html; charset=utf-8"},
            ),
            "HTML page",
        ),
        (
            lambda body: Reply(
                body=b"<!doctype html><p>login</p>", headers={"Content-Type": "application/xml"}
            ),
            "HTML page",
        ),
        (truncated, "truncated"),
        (
            lambda body: Reply(body=body[: len(body) // 2]),
            "un_sc",
        ),  # cut file with a matching length: parse error
        (
            lambda body: Reply(
                body=b'<?xml version="1.0"?><CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>'
            ),
            "fewer than the minimum 500",
        ),
        (lambda body: Reply(body=b""), "empty"),
    ],
    ids=[
        "500",
        "404",
        "timeout",
        "html-content-type",
        "html-body",
        "truncated",
        "unparsable",
        "empty-list",
        "empty-body",
    ],
)
def test_every_failure_keeps_the_previous_version(
    db_app: Flask, publisher: ListServer, un_bytes, make_reply, expected_error: str
) -> None:
    _, new = un_bytes
    point_at(db_app, publisher.url)
    publisher.replies = [Reply(body=new)]
    assert refresh_source(db_app, "un_sc").outcome == "new_version"
    publisher.replies = [make_reply(new)]
    result = refresh_source(db_app, "un_sc")
    assert result.outcome == "failed"
    assert expected_error in result.message
    assert serving(db_app) == (1, 1009)
    row = status(db_app)
    assert row["status"] == "failed" and expected_error in str(row["last_error"])
    assert row["last_success_at"] is not None and row["version"] == 1


def test_a_list_shrunk_past_the_bound_is_refused(db_app: Flask, publisher: ListServer, un_bytes) -> None:
    _, new = un_bytes
    point_at(db_app, publisher.url, max_shrink=0.0)  # the older snapshot is 6 entries smaller
    publisher.replies = [Reply(body=new)]
    assert refresh_source(db_app, "un_sc").outcome == "new_version"
    publisher.replies = [Reply(body=un_bytes[0])]
    result = refresh_source(db_app, "un_sc")
    assert result.outcome == "failed" and "1003 entries against 1009 now serving" in result.message
    assert serving(db_app) == (1, 1009)


def test_a_failure_first_time_leaves_nothing_serving_and_says_so(
    db_app: Flask, publisher: ListServer
) -> None:
    point_at(db_app, publisher.url)
    publisher.replies = [Reply(status=503)]
    assert refresh_source(db_app, "un_sc").outcome == "failed"
    assert len(publisher.requests) == 2  # retried once
    assert serving(db_app) == (None, None)
    assert status(db_app)["status"] == "failed"


def test_a_gzip_encoded_download_is_accepted(db_app: Flask, publisher: ListServer, un_bytes) -> None:
    _, new = un_bytes
    point_at(db_app, publisher.url)
    publisher.replies = [Reply(body=gzip.compress(new), headers={"Content-Encoding": "gzip"})]
    assert refresh_source(db_app, "un_sc").outcome == "new_version"
    assert serving(db_app) == (1, 1009)


def test_mirror_folder_refresh_for_offline_installs(db_app: Flask, tmp_path: Path, un_bytes) -> None:
    _, new = un_bytes
    settings = get_settings(db_app)
    db_app.extensions["screening"] = replace(
        settings, watchlists=replace(settings.watchlists, mirror_dir=str(tmp_path))
    )
    missing = refresh_source(db_app, "un_sc")
    assert missing.outcome == "failed" and "mirror file(s) not found" in missing.message
    (tmp_path / "un_sc").mkdir()
    (tmp_path / "un_sc" / "consolidated.xml").write_bytes(new)
    assert refresh_source(db_app, "un_sc").outcome == "new_version"
    assert refresh_source(db_app, "un_sc").outcome == "unchanged"


def test_a_running_refresh_blocks_a_second_one(db_app: Flask, publisher: ListServer, un_bytes) -> None:
    _, new = un_bytes
    point_at(db_app, publisher.url)
    publisher.replies = [Reply(body=new, delay=0.8)]
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(refresh_source(db_app, "un_sc").outcome))
    worker.start()
    time.sleep(0.3)
    second = refresh_source(db_app, "un_sc")
    worker.join()
    assert second.outcome == "busy" and "already running" in second.message
    assert results == ["new_version"]
    with session_scope(db_app) as s:
        assert get_source_statuses(s)["un_sc"].refreshing_since is None  # released


def test_lists_api_shows_versions_diffs_and_entries(db_app: Flask, publisher: ListServer, un_bytes) -> None:
    from service.auth import create_api_key

    old, new = un_bytes
    point_at(db_app, publisher.url)
    for body in (old, new):
        publisher.replies = [Reply(body=body)]
        assert refresh_source(db_app, "un_sc").outcome == "new_version"
    with session_scope(db_app) as s:
        _, key = create_api_key(s, "t", "officer")
    client = db_app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    sources = client.get("/api/v1/lists", headers=headers).get_json()["sources"]
    un = next(row for row in sources if row["source"] == "un_sc")
    assert (un["status"], un["version"], un["entry_count"], un["last_outcome"]) == (
        "ok",
        2,
        1009,
        "new_version",
    )
    assert un["next_run_at"] and un["published_at"].startswith("2026-05-08")
    assert {row["source"] for row in sources} >= {"us_ofac_sdn", "eu_fsf", "worldbank_debarred"}
    never = next(row for row in sources if row["source"] == "eu_fsf")
    assert never["status"] == "never" and never["version"] is None
    versions = client.get("/api/v1/lists/un_sc/versions", headers=headers).get_json()["versions"]
    assert [(v["version"], v["current"], v["entry_count"]) for v in versions] == [
        (2, True, 1009),
        (1, False, 1003),
    ]
    diff = client.get("/api/v1/lists/un_sc/versions/2/diff", headers=headers).get_json()
    assert len(diff["diff"]["added"]) == diff["added"] and diff["diff"]["removed"]
    added = diff["diff"]["added"][0]
    entry = client.get(f"/api/v1/lists/un_sc/entries/{added}", headers=headers).get_json()
    assert entry["entry_id"] == added and entry["names"]
    removed = diff["diff"]["removed"][0]
    assert client.get(f"/api/v1/lists/un_sc/entries/{removed}", headers=headers).status_code == 404
    assert client.get("/api/v1/lists/un_sc/versions/9/diff", headers=headers).status_code == 404
    assert client.get("/api/v1/lists/nope/versions", headers=headers).status_code == 404
