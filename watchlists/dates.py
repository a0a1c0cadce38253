"""Dates as publishers print them, turned into ISO 8601 (possibly partial) strings.

Results are "YYYY-MM-DD", "YYYY-MM" or "YYYY"; a range is the ISO 8601 interval
"1960/1962". Anything unreadable gives None, and the caller counts it: a list entry is
never dropped for a bad date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "janvier"),
            ("feb", "february", "fevrier", "février"),
            ("mar", "march", "mars"),
            ("apr", "april", "avril"),
            ("may", "mai"),
            ("jun", "june", "juin"),
            ("jul", "july", "juillet"),
            ("aug", "august", "aout", "août"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "octobre"),
            ("nov", "november", "novembre"),
            ("dec", "december", "decembre", "décembre"),
        ),
        start=1,
    )
    for name in names
}
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0, accounting for its 1900 leap-year bug

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(?:c(?:irca|a)?\.?\s*|approx(?:imately)?\.?\s*|about\s+)?(\d{4})$", re.IGNORECASE)
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-zéû]+)\.?,?\s+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-zéû]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([A-Za-zéû]+)\.?,?\s+(\d{4})$")
_RANGE = re.compile(r"^(\d{4})\s*(?:-|–|to|/|and)\s*(\d{4})$", re.IGNORECASE)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str | None, *, day_first: bool = True) -> str | None:
    """Read one printed date; `day_first` decides "03/04/2020" (UK/EU: 3 April)."""
    if text is None:
        return None
    value = " ".join(str(text).split()).strip(" .,")
    if not value:
        return None
    if m := _ISO.match(value):
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    if m := _ISO_MONTH.match(value):
        return f"{int(m[1]):04d}-{int(m[2]):02d}" if 1 <= int(m[2]) <= 12 else None
    if m := _YEAR.match(value):
        return m[1]
    if m := _RANGE.match(value):
        return f"{m[1]}/{m[2]}" if m[1] != m[2] else m[1]
    if m := _NUMERIC.match(value):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        day, month = (first, second) if day_first else (second, first)
        return _iso(year, month, day)
    return _parse_words(value)


def _parse_words(value: str) -> str | None:
    if m := _DAY_MONTH_YEAR.match(value):
        month = MONTHS.get(m[2].lower())
        return _iso(int(m[3]), month, int(m[1])) if month else None
    if m := _MONTH_DAY_YEAR.match(value):
        month = MONTHS.get(m[1].lower())
        return _iso(int(m[3]), month, int(m[2])) if month else None
    if m := _MONTH_YEAR.match(value):
        month = MONTHS.get(m[1].lower())
        return f"{int(m[2]):04d}-{month:02d}" if month else None
    return None


def excel_serial_to_iso(serial: float | int | str) -> str | None:
    """An Excel date serial number (e.g. 45635) as an ISO date."""
    try:
        days = float(serial)
    except (TypeError, ValueError):
        return None
    if not 1 <= days < 2_958_466:  # Excel's valid range ends at 9999-12-31
        return None
    return (EXCEL_EPOCH + timedelta(days=int(days))).isoformat()


def datetime_to_iso(value: datetime | date) -> str:
    """A date or datetime as an ISO date string."""
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
