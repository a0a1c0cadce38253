"""Download published list files: the only network I/O in the package.

`fetch` takes an `httpx.Client` (tests hand in one aimed at a local server) and returns the
body, or `NotModified` when the publisher answers 304 to our conditional request. Every way
a download can go wrong becomes a `FetchError` naming the URL: HTTP errors, timeouts after
the retries, a body cut short of its Content-Length, a body over the size cap, an HTML page
where a data file was expected.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from watchlists.errors import FetchError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_BYTES = 300 * 1024 * 1024  # the full EU XML is ~25 MB; leave room, refuse absurd
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "supplier-screening/1.0 (+list refresh)"


@dataclass(frozen=True)
class Downloaded:
    url: str
    data: bytes
    etag: str | None
    last_modified: str | None
    content_type: str | None


@dataclass(frozen=True)
class NotModified:
    url: str


@dataclass(frozen=True)
class FetchPolicy:
    """Timeouts, size cap and retry schedule (exponential backoff with jitter)."""

    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_bytes: int = DEFAULT_MAX_BYTES
    attempts: int = 3
    backoff_seconds: float = 2.0


def fetch(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    policy: FetchPolicy = FetchPolicy(),
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Downloaded | NotModified:
    """GET `url` with retries; conditional on `etag`/`last_modified` when given."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    last_error: FetchError | None = None
    for attempt in range(1, policy.attempts + 1):
        try:
            return _fetch_once(client, url, headers, policy)
        except _RetryableError as exc:
            last_error = FetchError(str(exc))
            if attempt < policy.attempts:
                delay = policy.backoff_seconds * 2 ** (attempt - 1) * (0.5 + random.random())
                log.warning("%s (attempt %d of %d); retrying in %.1fs", exc, attempt, policy.attempts, delay)
                sleep(delay)
    assert last_error is not None
    raise last_error


class _RetryableError(Exception):
    pass


def _fetch_once(
    client: httpx.Client, url: str, headers: dict[str, str], policy: FetchPolicy
) -> Downloaded | NotModified:
    try:
        with client.stream(
            "GET", url, headers=headers, timeout=policy.timeout_seconds, follow_redirects=True
        ) as response:
            if response.status_code == 304:
                return NotModified(url)
            if response.status_code in RETRYABLE_STATUS:
                raise _RetryableError(f"{url}: HTTP {response.status_code}")
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            data = _read_capped(response, url, policy.max_bytes)
    except httpx.TimeoutException as exc:
        raise _RetryableError(
            f"{url}: timed out after {policy.timeout_seconds:.0f}s ({type(exc).__name__})"
        ) from exc
    except httpx.RemoteProtocolError as exc:  # the connection closed before the promised length
        raise _RetryableError(f"{url}: truncated download ({exc})") from exc
    except httpx.TransportError as exc:
        raise _RetryableError(f"{url}: {type(exc).__name__}: {exc}") from exc
    content_type = response.headers.get("Content-Type")
    if content_type and content_type.split(";")[0].strip().lower() == "text/html":
        raise FetchError(f"{url}: got an HTML page (Content-Type {content_type}) instead of the list file")
    return Downloaded(
        url, data, response.headers.get("ETag"), response.headers.get("Last-Modified"), content_type
    )


def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    expected = response.headers.get("Content-Length")
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if expected and expected.isdigit() and int(expected) > max_bytes:
        raise FetchError(f"{url}: {int(expected):,} bytes announced, over the {max_bytes:,}-byte cap")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: more than the {max_bytes:,}-byte cap")
        chunks.append(chunk)
    raw_size = response.num_bytes_downloaded
    if expected and expected.isdigit() and raw_size < int(expected):
        raise _RetryableError(f"{url}: truncated: {raw_size:,} of {int(expected):,} bytes")
    if not encoded and expected and expected.isdigit() and size != int(expected):
        raise _RetryableError(f"{url}: truncated: {size:,} of {int(expected):,} bytes")
    return b"".join(chunks)
