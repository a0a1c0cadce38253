"""Turn published bytes into a validated `Snapshot`: checksum, parse, enforce bounds.

Pure: no network and no database. The service stores a snapshot only after this succeeded,
so a truncated, unparsable or implausibly small file never replaces a serving version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace

from watchlists.errors import ParseError, ValidationError
from watchlists.formats import SINGLE_FILE, Options, get_format, parse_format
from watchlists.types import ParseReport, Snapshot

HTML_SIGNATURES = (b"<!doctype html", b"<html")


def checksum(files: Mapping[str, bytes] | bytes) -> str:
    """SHA-256 of a published file, or of a file set (each part's digest, by part name)."""
    if isinstance(files, bytes):
        return hashlib.sha256(files).hexdigest()
    if set(files) == {SINGLE_FILE}:
        return hashlib.sha256(files[SINGLE_FILE]).hexdigest()
    combined = hashlib.sha256()
    for part in sorted(files):
        combined.update(f"{part}:{hashlib.sha256(files[part]).hexdigest()}\n".encode())
    return combined.hexdigest()


def looks_like_html(data: bytes) -> bool:
    """True for an HTML page (a portal's error or login page served instead of the list)."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(HTML_SIGNATURES)


def build_snapshot(
    source: str,
    fmt: str,
    files: Mapping[str, bytes] | bytes,
    *,
    min_entries: int = 1,
    options: Options | None = None,
) -> Snapshot:
    """Parse `files` (part → bytes, or the bytes of a single-file format) as `source`.

    Raises ParseError when the files are empty, an HTML page or not a valid `fmt` file;
    ValidationError when they hold fewer than `min_entries` entries or repeat an entry id.
    """
    parts = {SINGLE_FILE: files} if isinstance(files, bytes) else dict(files)
    for part, data in parts.items():
        where = f"part {part!r}" if part != SINGLE_FILE else None
        if not data.strip():
            raise ParseError(source, "the file is empty", where)
        if looks_like_html(data) and not fmt.endswith("_html"):
            raise ParseError(source, "got an HTML page instead of the list file", where)
    report = ParseReport()
    # A shared parser may not know the configured source id (e.g. us_ofac_cons via ofac_csv).
    entries = tuple(
        e if e.source == source else replace(e, source=source)
        for e in parse_format(get_format(fmt), source, parts, report, options)
    )
    seen: set[str] = set()
    for entry in entries:
        if entry.entry_id in seen:
            raise ValidationError(f"{source}: entry id {entry.entry_id!r} occurs twice")
        seen.add(entry.entry_id)
    if len(entries) < min_entries:
        raise ValidationError(
            f"{source}: the file holds {len(entries)} entries, fewer than the minimum {min_entries}"
        )
    return Snapshot(source, entries, report.published_at, checksum(parts), dict(report.counts))
