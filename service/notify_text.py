"""What a notification says: the webhook's JSON body and the e-mail's subject and plain text."""

from __future__ import annotations

import json
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from service.config import NotificationSettings


def webhook_body(key: str, kind: str, payload: dict[str, Any], created_at: datetime) -> bytes:
    """The JSON a webhook receiver gets: the same bytes on every attempt."""
    envelope = {"key": key, "kind": kind, "created_at": created_at.isoformat(), "data": payload}
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_email(
    settings: NotificationSettings, key: str, kind: str, payload: dict[str, Any], created_at: datetime
) -> EmailMessage:
    """A plain-text e-mail; its Message-ID comes from the key, so a resend is recognisably the same."""
    subject, text = render_text(kind, payload)
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = settings.email_from or ""
    email["To"] = ", ".join(settings.email_to)
    email["Date"] = format_datetime(created_at)
    domain = (settings.email_from or "screening.invalid").rpartition("@")[2]
    email["Message-ID"] = f"<{key.replace(':', '.')}@{domain}>"
    email.set_content(text)
    return email


def render_text(kind: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(subject, plain-text body) of a message; the subject names the kind and the count."""
    if kind == "refresh_failed":
        return f"[screening] 1 list refresh failed: {payload['source']}", _refresh_text(payload)
    if kind == "referral_failed":
        subject = f"[screening] referral {payload['referral_id']} failed: {payload['supplier_name']}"
        return subject, _referral_text(payload)
    if kind == "digest":
        counts = payload["counts"]
        summary = ", ".join(
            [_count(counts["new_alert"], "new alert"), _count(counts["changed_finding"], "changed finding")]
        )
        lines = [f"Screening digest for {payload['date']}: {summary}.", ""]
        lines += [f"- {_item_line(item)}" for item in payload["items"]]
        if payload.get("more"):
            lines.append(f"- and {payload['more']} more: {payload.get('url') or payload['link']}")
        return f"[screening] Daily digest {payload['date']}: {summary}", "\n".join([*lines, ""])
    title = "1 new alert" if kind == "new_alert" else "1 changed finding"
    subject = f"[screening] {title}: {payload['supplier_name']} ~ {payload['listed_name']}"
    return subject, _finding_text(kind, payload)


def _refresh_text(payload: dict[str, Any]) -> str:
    serving = payload.get("serving_version")
    still = (
        f"Still serving: version {serving} (last success {payload.get('last_success_at')})."
        if serving is not None
        else "Nothing serves for this list yet: suppliers are not screened against it."
    )
    lead = f"The refresh of {payload['source']} failed at {payload['failed_at']}."
    return "\n".join([lead, f"Error: {payload['error']}", still, ""])


def _referral_text(payload: dict[str, Any]) -> str:
    lines = [
        f"Referral {payload['referral_id']} about {payload['supplier_name']} (ref {payload['supplier_ref']}) "
        f"could not be delivered after {payload['attempts']} attempt(s) and is now failed.",
        f"Last error: {payload['error']}",
        "An approver can retry it or mark it delivered by hand once it was submitted another way.",
        f"Referral: {payload.get('url') or payload['link']}",
    ]
    return "\n".join([*lines, ""])


def _finding_text(kind: str, payload: dict[str, Any]) -> str:
    lead = (
        "A supplier matches a listed entry."
        if kind == "new_alert"
        else f"A finding reopened: {', '.join(payload.get('changed') or ['it changed'])}."
    )
    rows = [
        ("Supplier", f"{payload['supplier_name']} (ref {payload['supplier_ref']})"),
        ("Listed name", payload["listed_name"]),
        ("List", f"{payload['source']}, entry {payload['entry_id']}"),
        ("Score", f"{payload['score']:.2f}"),
        ("Status", payload["status"]),
        ("Why", payload.get("reason")),
        ("Review", payload.get("url") or payload["link"]),
    ]
    return "\n".join([lead, "", *(f"{label + ':':<13}{value}" for label, value in rows if value), ""])


def _item_line(item: dict[str, Any]) -> str:
    label = "new alert" if item["kind"] == "new_alert" else "changed"
    where = item.get("url") or item["link"]
    return (
        f"[{label}] {item['supplier_name']} ({item['supplier_ref']}) ~ {item['listed_name']}, "
        f"{item['source']} {item['entry_id']}, score {item['score']:.2f}: {where}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
