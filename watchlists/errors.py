"""Exceptions raised by the watchlists package.

WatchlistError
├── ParseError       the file is not what its format promises (names source and location)
├── ValidationError  the parsed list breaks a bound (too few entries, shrank too much)
└── FetchError       download failed, timed out, was truncated or was not the file
"""

from __future__ import annotations


class WatchlistError(Exception):
    """Root of every error raised by `watchlists`."""


class ParseError(WatchlistError):
    """A published file could not be parsed; `location` names the row, element or field."""

    def __init__(self, source: str, message: str, location: str | None = None) -> None:
        self.source = source
        self.location = location
        where = f" at {location}" if location else ""
        super().__init__(f"{source}: {message}{where}")


class ValidationError(WatchlistError):
    """A parsed list failed a sanity bound and must not replace the current version."""


class FetchError(WatchlistError):
    """A download failed or did not return the expected file."""
