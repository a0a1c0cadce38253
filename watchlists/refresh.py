"""Turn published bytes into a validated `Snapshot`: checksum, parse, enforce bounds.

Pure: no network and no database. The service stores a snapshot only after this succeeded,
so a truncated, unparsable or implausibly small file never replaces a serving version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import replace

from watchlists.errors import ParseError, ValidationError
from watchlists.parsers import un_sc_xml
from watchlists.types import ListEntry, ParseReport, Snapshot

Parser = Callable[[bytes, ParseReport | None], Iterator[ListEntry]]

PARSERS: dict[str, Parser] = {
    "un_sc_xml": un_sc_xml.parse,
}


def get_parser(fmt: str) -> Parser:
    """The parser for format `fmt`; ValueError naming the known formats otherwise."""
    try:
        return PARSERS[fmt]
    except KeyError:
        raise ValueError(f"unknown list format {fmt!r} (known: {', '.join(sorted(PARSERS))})") from None


def checksum(data: bytes) -> str:
    """SHA-256 hex digest of a published file."""
    return hashlib.sha256(data).hexdigest()


def build_snapshot(source: str, fmt: str, data: bytes, *, min_entries: int = 1) -> Snapshot:
    """Parse `data` as `fmt` into a snapshot of `source`.

    Raises ParseError when the file is not a valid `fmt` file, ValidationError when it holds
    fewer than `min_entries` entries or repeats an entry id.
    """
    if not data.strip():
        raise ParseError(source, "the file is empty")
    report = ParseReport()
    # A shared parser (e.g. for custom lists) may not know the configured source id.
    entries = tuple(
        e if e.source == source else replace(e, source=source) for e in get_parser(fmt)(data, report)
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
    return Snapshot(source, entries, report.published_at, checksum(data), dict(report.counts))
