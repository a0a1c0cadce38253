"""Support for the findings tests: real UN lists imported, one API key per role, real screenings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED_DATA
from flask import Flask
from flask.testing import FlaskClient

from service import get_settings
from service.auth import create_api_key
from service.db import session_scope
from service.engine import IndexHolder

UN_DIR = SHARED_DATA / "watchlists" / "un"
UN_NEW = UN_DIR / "consolidated.xml"
UN_OLD = UN_DIR / "previous_2026-02-27" / "consolidated.xml"
DPL_FILE = SHARED_DATA / "watchlists" / "us_bis_dpl" / "dpl.txt"
KEY_ROLES = ("officer", "reviewer", "reviewer2", "approver", "approver2", "admin")


@dataclass
class Api:
    """A test client plus one API key per role, and the actor string each key decides as."""

    app: Flask
    client: FlaskClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, role: str = "officer") -> Any:
        return self.client.get(path, headers=self.headers[role])

    def decide(self, finding_id: int, action: str, role: str, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/findings/{finding_id}/decisions",
            json={"action": action, **body},
            headers=self.headers[role],
        )

    def screen(self, ref: str, name: str, **supplier: Any) -> dict[str, int]:
        """Screen one supplier with a ref; entry id → finding id of its alerts."""
        answer = self.client.post(
            "/api/v1/screen", json={"ref": ref, "name": name, **supplier}, headers=self.headers["officer"]
        )
        assert answer.status_code == 200, answer.get_json()
        return {m["entry_id"]: m["finding_id"] for m in answer.get_json()["matches"]}


def import_list(app: Flask, source: str, path: Path) -> None:
    """`flask --app service lists import SOURCE PATH`, then screen with what it stored."""
    if not path.exists():
        pytest.skip(f"list file not found at {path}")
    result = app.test_cli_runner().invoke(args=["lists", "import", source, str(path)])
    assert result.exit_code == 0, result.output
    reload_index(app)


def reload_index(app: Flask) -> None:
    """A fresh index holder: the next screening builds on the current versions right away."""
    app.extensions["screening.index"] = IndexHolder(app, get_settings(app).screening)


def make_api(app: Flask) -> Api:
    api = Api(app, app.test_client())
    with session_scope(app) as s:
        for name in KEY_ROLES:
            key, plaintext = create_api_key(s, name, name.rstrip("2"))
            api.headers[name] = {"Authorization": f"Bearer {plaintext}"}
            api.actors[name] = f"apikey:{key.id}:{key.name}"
    return api


def with_mirror(app: Flask, mirror: Path) -> None:
    """Point the app's list refresh at a mirror folder (offline installs)."""
    settings = get_settings(app)
    app.extensions["screening"] = replace(
        settings, watchlists=replace(settings.watchlists, mirror_dir=str(mirror))
    )


PASSWORD = "correct horse battery"


def make_user(app: Flask, email: str, role: str) -> None:
    from service.users import create_user

    with session_scope(app) as s:
        create_user(s, email, PASSWORD, role)


def csrf(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on `path`."""
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found, f"no form with a CSRF token on {path}"
    return found.group(1)


def signed_in(app: Flask, email: str, role: str) -> FlaskClient:
    """A browser signed in as a new user with `role`."""
    make_user(app, email, role)
    client = app.test_client()
    answer = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client, "/login")}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client
