"""API keys for calling systems.

A key reads `sk_<prefix>_<secret>`. The prefix finds the row; only the SHA-256 of the whole
key is stored (keys are 256-bit random, so a slow password hash adds nothing), and the
comparison is constant-time. The plaintext is shown once, at creation.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Response, current_app, g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import record_event
from service.config import ROLES
from service.db import get_session, session_scope
from service.errors import ForbiddenError, TooManyRequestsError, UnauthorizedError
from service.models import ApiKey, utcnow

KEY_PREFIX = "sk_"
F = TypeVar("F", bound=Callable[..., Any])


def hash_key(plaintext: str) -> str:
    """SHA-256 hex digest of a key."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_api_key(
    session: Session, name: str, role: str, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plaintext (never stored)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    prefix = secrets.token_hex(6)
    plaintext = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name, prefix=prefix, key_hash=hash_key(plaintext), role=role, expires_at=expires_at)
    session.add(key)
    session.flush()
    return key, plaintext


def revoke_api_key(session: Session, prefix: str) -> ApiKey | None:
    """Revoke the key with `prefix`; returns it, or None if there is none."""
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is not None and key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def authenticate(session: Session, authorization: str | None) -> ApiKey:
    """The active key named by an `Authorization: Bearer ...` header, else UnauthorizedError."""
    if not authorization:
        raise UnauthorizedError("missing Authorization header; send 'Authorization: Bearer <API key>'")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
        raise UnauthorizedError("Authorization must be 'Bearer <API key>'")
    prefix = token[len(KEY_PREFIX) :].split("_", 1)[0]
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not hmac.compare_digest(key.key_hash, hash_key(token)):
        raise UnauthorizedError("invalid API key")
    now = utcnow()
    if not key.is_active(now):
        raise UnauthorizedError("API key revoked or expired")
    key.last_used_at = now
    return key


def audit_api_call(response: Response) -> Response:
    """After every API call made with a key: one audit event naming the key (own transaction)."""
    key = g.get("api_key")
    if key is not None:
        with session_scope() as session:
            details = {
                "method": request.method,
                "status": response.status_code,
                "request_id": g.get("request_id"),
            }
            record_event(
                session, f"apikey:{key.id}:{key.name}", "api.call", subject=request.path, details=details
            )
    return response


def require_api_key(*roles: str) -> Callable[[F], F]:
    """View decorator: authenticate the caller; if `roles` are given, require one of them."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            session = get_session()
            key = authenticate(session, request.headers.get("Authorization"))
            session.commit()  # keep last_used_at even when the view fails later
            wait = current_app.extensions["screening.ratelimit"].acquire(key.id)
            if wait:
                raise TooManyRequestsError(f"rate limit of this API key reached; retry in {wait:.0f} s", wait)
            if roles and key.role not in roles and key.role != "admin":
                raise ForbiddenError(f"role {key.role!r} may not do this; needs one of {', '.join(roles)}")
            g.api_key = key
            return view(*args, **kwargs)

        wrapper.access = ("api_key", roles)  # type: ignore[attr-defined]  # read by the route-table test
        return wrapper  # type: ignore[return-value]

    return decorator
