"""Support for tests of the web pages: real users, a real sign-in through the form, CSRF tokens
read from the page as a browser would."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from service.audit import GENESIS_HASH, HEAD_ID, event_digest
from service.db import session_scope
from service.models import AuditEvent, AuditHead
from service.users import create_user

PASSWORD = "correct horse battery"


def make_user(app: Flask, email: str, role: str) -> None:
    with session_scope(app) as s:
        create_user(s, email, PASSWORD, role)


def token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on the page at `path`."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"{path} carries a CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token(client, "/login")}
    )


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A client signed in as `email`."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def append_event_at(app: Flask, when: datetime, action: str = "test", **fields: object) -> int:
    """Append a correctly chained event dated `when` (as one imported from an older system would be)."""
    with session_scope(app) as s:
        head = s.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID))
        if head is None:
            head = AuditHead(id=HEAD_ID, last_hash=GENESIS_HASH)
            s.add(head)
        event = AuditEvent(
            created_at=when,
            actor=str(fields.get("actor", "system")),
            action=action,
            subject=fields.get("subject"),
            details=fields.get("details", {}),
            reason=fields.get("reason"),
            prev_hash=head.last_hash,
        )
        event.hash = event_digest(
            head.last_hash, when.isoformat(), event.actor, action, event.subject, event.details, event.reason
        )
        head.last_hash = event.hash
        s.add(event)
        s.flush()
        return event.id
