"""The README's quick start against a real server process: migrate, import the UN list,
create a key, start the server, screen over HTTP. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from e2e_support import UN_FILE, flask, server_env, start_server, stop_server


def test_quick_start_end_to_end(database_url: str, tmp_path: Path) -> None:
    env = server_env(database_url, tmp_path)
    server = start_server(env)
    try:
        again = flask(env, "db", "upgrade")  # migrating twice is harmless
        assert again.returncode == 0, again.stderr
        reimport = flask(env, "lists", "import", "un_sc", str(UN_FILE))
        assert "unchanged" in reimport.stdout
        headers = {"Authorization": f"Bearer {server.api_key}"}
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            assert http.get("/readyz").status_code == 200
            body = {"name": "Al Qaida", "kind": "organization", "country": None}
            hit = http.post("/api/v1/screen", json=body, headers=headers)
            assert hit.status_code == 200, hit.text
            assert hit.json()["decision"] == "alert"
            assert hit.json()["matches"][0]["entry_id"] == "QDe.004"
            clear = http.post(
                "/api/v1/screen", json={"name": "Acme Stationery Supplies Ltd"}, headers=headers
            )
            assert clear.json()["decision"] == "clear"
            assert http.post("/api/v1/screen", json={"name": "Al Qaida"}).status_code == 401
            page = http.get("/")
            assert page.status_code == 200 and "un_sc" in page.text
    finally:
        output = stop_server(server)
    assert "Traceback" not in output, output
