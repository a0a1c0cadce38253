"""Outbound delivery: signed webhooks and SMTP e-mail, one attempt each, plus the retry backoff.

Shared by the notification outbox (`service.notify`) and referral delivery. Every failure is
a `DeliveryError`; `permanent` says that trying again cannot help (the receiver refused the
message), anything else is worth a retry after `backoff_delay`.

A webhook is a JSON POST with `Idempotency-Key: <key>` and `X-Screening-Signature:
t=<unix ts>,v1=<hex>`, the hex being the HMAC-SHA256 of "<ts>.<body>" under the shared
secret. Receivers check it with `verify_signature`, which also refuses old timestamps
(replays) and accepts several `v1=` values (one per secret while a sender rotates them).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import smtplib
import ssl
import time
from datetime import timedelta
from email.message import EmailMessage

import httpx

from service.config import NotificationSettings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Screening-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300  # receivers refuse older signatures (replay)
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})  # other 4xx: the receiver refuses the message
MAX_BACKOFF = timedelta(hours=6)
JITTER = 0.25  # up to this share of a retry delay is added at random: retries spread out


class DeliveryError(Exception):
    """One attempt failed; `permanent` when trying again cannot help (the receiver refused it)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


def backoff_delay(attempt: int, base_seconds: float, retry_after: float | None = None) -> timedelta:
    """The wait after failed attempt `attempt` (1, 2, ...): doubling from the base, capped, plus jitter.

    A receiver's Retry-After is honoured when longer (up to the cap).
    """
    cap = MAX_BACKOFF.total_seconds()
    seconds = min(base_seconds * 2 ** min(attempt - 1, 32), cap) * (1 + JITTER * random.random())
    if retry_after is not None:
        seconds = max(seconds, min(retry_after, cap))
    return timedelta(seconds=seconds)


# --- webhooks -------------------------------------------------------------------------------


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The `X-Screening-Signature` value: `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    tolerance_seconds: float = SIGNATURE_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> bool:
    """True when `header` signs exactly `body` under `secret`, made within `tolerance_seconds` of now."""
    timestamp: int | None = None
    signatures = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, body, timestamp).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def post_signed(
    url: str, body: bytes, secret: str, key: str, timeout: float, *, client: httpx.Client | None = None
) -> httpx.Response:
    """POST `body` (JSON) signed now, with `Idempotency-Key: key`; the 2xx response.

    Raises DeliveryError: `permanent` for a 4xx other than 408 and 429 (the receiver refuses
    the message); otherwise (5xx, 3xx, timeouts, connection errors) worth retrying.
    Redirects are not followed: a signed body goes only where it was configured to.
    """
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
    }
    try:
        if client is None:
            with httpx.Client() as own:
                response = own.post(url, content=body, headers=headers, timeout=timeout)
        else:
            response = client.post(url, content=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"timed out after {timeout:g} s ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if response.is_success:
        return response
    status = response.status_code
    raise DeliveryError(
        f"HTTP {status} {response.reason_phrase}: {response.text[:200]}".rstrip(": "),
        permanent=400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS,
        retry_after=_retry_after(response),
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isascii() and value.isdigit() else None


# --- e-mail ---------------------------------------------------------------------------------


def send_email(settings: NotificationSettings, message: EmailMessage) -> None:
    """Send through the configured SMTP server; with `smtp_starttls`, never in clear.

    Raises DeliveryError, `permanent` when the server refuses the message or every recipient
    for good (5xx); connection problems, timeouts and 4xx are worth a retry.
    """
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server configured (notifications.smtp_host)")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryError(
            f"every recipient refused: {exc.recipients}", permanent=min(codes) >= 500
        ) from exc
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise DeliveryError(
            f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from exc
    if refused:
        log.warning("%s: some recipients refused: %s", message["Message-ID"], refused)
