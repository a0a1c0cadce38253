"""Exceptions raised by the screening engine.

    ScreeningError              root: catch this to catch anything the engine raises
    ├── InvalidQueryError       a query the engine cannot screen (blank or non-text name)
    ├── InvalidParameterError   a bad argument to screen() (threshold outside 0..1, limit < 1)
    └── IndexBuildError         the records given to Matcher cannot form an index
        └── DuplicateKeyError   two records share one key

The engine never raises for a query that simply matches nothing: that is an empty list.
"""

from __future__ import annotations


class ScreeningError(Exception):
    """Root of every error raised by `screening`."""


class InvalidQueryError(ScreeningError, ValueError):
    """The query cannot be screened; `field` names the offending attribute."""

    def __init__(self, message: str, field: str = "name") -> None:
        self.field = field
        super().__init__(f"invalid query {field}: {message}")


class InvalidParameterError(ScreeningError, ValueError):
    """An argument to a matcher method is out of range."""


class IndexBuildError(ScreeningError):
    """The records given to the matcher cannot be indexed."""


class DuplicateKeyError(IndexBuildError):
    """Two records carry the same key; the caller must merge them into one record."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"duplicate record key {key!r}: merge its names into one Record")
