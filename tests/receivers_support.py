"""Real local receivers for outbound deliveries: an HTTP endpoint and an SMTP server.

The HTTP receiver answers each POST with the next queued `Reply` (then repeats the last) and
behaves as a deduplicating intake would: it keeps the first body of each Idempotency-Key it
accepts (2xx), even when its answer comes too late for the sender. GET answers 404. The SMTP
server (aiosmtpd) keeps every message and refuses the recipients in `Mailbox.refuse`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Reply:
    status: int = 200
    delay: float = 0.0  # stored first, answered after this (longer than the sender waits: a timeout)
    close: bool = False  # hang up before storing or answering anything
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> str:
        return self.headers["Idempotency-Key"]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the sender gave up on a slow answer: expected here


class Receiver:
    """An HTTP intake on a free local port; see the module docstring."""

    def __init__(self) -> None:
        self.replies: list[Reply] = [Reply()]
        self.requests: list[Request] = []
        self.stored: dict[str, bytes] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Request(dict(self.headers), body))
                replies = receiver.replies
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if reply.close:
                    self.close_connection = True
                    return
                if reply.status < 300:
                    receiver.stored.setdefault(self.headers.get("Idempotency-Key", ""), body)
                time.sleep(reply.delay)
                answer = json.dumps({"case": f"CASE-{len(receiver.stored)}"}).encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_GET(self) -> None:  # noqa: N802
                self.send_response(404)
                self.send_header("Content-Length", "9")
                self.end_headers()
                self.wfile.write(b"not here\n")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = f"{self.base}/intake"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def accepted(self) -> dict[str, int]:
        """Idempotency key → how many requests carried it (what a deduplicating receiver keeps once)."""
        counts: dict[str, int] = {}
        for request in self.requests:
            counts[request.key] = counts.get(request.key, 0) + 1
        return counts

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Mailbox:
    """aiosmtpd handler keeping every message; refuses recipients listed in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.close()


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A running SMTP server on a free local port: (its mailbox, its port)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()
