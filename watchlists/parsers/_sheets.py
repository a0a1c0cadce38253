"""Helpers shared by the spreadsheet parsers (gb_ofsi, au_dfat, worldbank, iadb).

Cells arrive from `watchlists.xlsx.read_rows` (or a CSV reader) as str, number or None;
`text` collapses them to one-line strings; `headed_rows` and `header_index` find the
columns. `country_codes` reads a cell that may list several countries or demonyms
("a) Pakistani b) Saudi Arabian", "Russian and Ukrainian") through
`watchlists.countries.to_alpha2`, which knows these publishers' spellings ("Hong Kong SAR,
China") and demonyms. `primary_first` orders a designation's names; `split_embedded`
reads "X a.k.a. Y" in the World Bank and IDB names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from watchlists.countries import to_alpha2
from watchlists.errors import ParseError
from watchlists.parsers._common import collapse
from watchlists.types import Name, NameType, ParseReport
from watchlists.xlsx import CellValue, XlsxError, read_rows

ZIP_MAGIC = b"PK\x03\x04"

_COUNTRY_PLACEHOLDERS = frozenset({"na", "n/a", "n.a.", "none", "unknown", "regional", "-", "nil"})
_QUALIFIER = re.compile(r"^(?:possibly|probably|reportedly)\s+", re.IGNORECASE)
_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)?\s*$")
_LIST_SEPARATOR = re.compile(r"\s*(?:;|,|/|\.\s|\band\b|\bor\b)\s*", re.IGNORECASE)

# "(1) A (2) B", "(1) to (6) A (7) B", "(1-3) A" and "a) A b) B" list markers.
_ITEM_MARKER = re.compile(
    r"\(\s*\d+\s*\)(?:\s*(?:-|to)\s*\(\s*\d+\s*\))?|\(\s*\d+\s*-\s*\d+\s*\)|(?:(?<=\s)|^)[a-z]\)"
)

# "X a.k.a. Y", "X (formerly known as Y)", "X, d/b/a Y": the marker and its name type.
_ALIAS_MARKERS = (
    r"also\s+known\s+as|known\s+as|a\.\s?k\.\s?a\.?|aka|n\.\s?k\.\s?a\.?|now\s+known\s+as"
    r"|currently\s+known\s+as|(?:also\s+|currently\s+)?(?:d/b/a|dba)|(?:also\s+|currently\s+)?doing\s+business"
    r"\s+(?:as|under)|also"
)
_FORMER_MARKERS = (
    r"formerly\s+known\s+as|formerly\s+operating\s+as|formerly|previously\s+known\s+as"
    r"|f\.\s?k\.\s?a\.?|f/k/a|fka"
)
_NAME_TRIM = " ,;:[]'\"“”‘’"
_EMBEDDED = re.compile(
    rf"(?:^|(?<=[\s,(\[]))(?:(?P<former>{_FORMER_MARKERS})|(?P<alias>{_ALIAS_MARKERS}))(?![A-Za-z])[\s:]*",
    re.IGNORECASE,
)


def xlsx_rows(data: bytes, source: str) -> Iterator[tuple[int, list[CellValue]]]:
    """The first sheet's rows, with XLSX failures raised as ParseError of `source`."""
    try:
        yield from read_rows(data)
    except XlsxError as exc:
        raise ParseError(source, exc.message, exc.location) from exc


def headed_rows(
    data: bytes, source: str, required: Iterable[str]
) -> tuple[dict[str, int], Iterator[tuple[int, list[CellValue]]]]:
    """The columns of a sheet whose header is row 1 (see `header_index`), and its other rows."""
    rows = xlsx_rows(data, source)
    header = next(rows, None)
    if header is None:
        raise ParseError(source, "the sheet is empty", "row 1")
    return header_index(header[1], required, source, f"row {header[0]}"), rows


def text(value: CellValue) -> str:
    """A cell as one line of text: whitespace (incl. no-break spaces) collapsed, None -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return collapse(str(value))


def cell(row: Sequence[CellValue], index: int) -> CellValue:
    """The value at `index`, or None past the end of a short row."""
    return row[index] if index < len(row) else None


def header_index(
    row: Sequence[CellValue], required: Iterable[str], source: str, location: str
) -> dict[str, int]:
    """Column name (as printed, whitespace-collapsed) -> index; all `required` must be there."""
    index: dict[str, int] = {}
    for position, value in enumerate(row):
        index.setdefault(text(value), position)
    missing = [name for name in required if name not in index]
    if missing:
        raise ParseError(source, f"header lacks column(s) {', '.join(map(repr, missing))}", location)
    return index


# --- countries ---------------------------------------------------------------------------


def country_code(value: str, report: ParseReport) -> str | None:
    """ISO alpha-2 for one printed country or demonym; placeholders and unknowns give None."""
    codes = country_codes(value, report)
    return codes[0] if len(codes) == 1 else None


def country_codes(value: str, report: ParseReport) -> list[str]:
    """ISO alpha-2 codes for a printed country, demonym or list of them.

    Lists may be enumerated ("(1) Syria (2) Iraq", "a) Pakistani b) Saudi Arabian") or
    joined with ",", ";", "/", "and" ("Russian and Ukrainian"). A string that resolves as
    a whole ("Bosnia and Herzegovina") is never split. Counts ``country_placeholder``
    and ``unknown_country`` (once per unresolved part).
    """
    value = collapse(value).strip(" .,;")
    if not value:
        return []
    if value.casefold() in _COUNTRY_PLACEHOLDERS:
        report.count("country_placeholder")
        return []
    code = _lookup(value)
    if code:
        return [code]
    codes: list[str] = []
    for item in enumerated_items(value):
        code = _lookup(item)
        if code:
            codes.append(code)
            continue
        parts = [p for p in _LIST_SEPARATOR.split(item) if p.strip(" .")]
        found = [_lookup(p.strip(" .")) for p in parts]
        if len(parts) > 1 and any(found):
            codes += [c for c in found if c]
            if not all(found):
                report.count("unknown_country", sum(1 for c in found if not c))
        elif item.casefold() in _COUNTRY_PLACEHOLDERS:
            report.count("country_placeholder")
        else:
            report.count("unknown_country")
    return list(dict.fromkeys(codes))


def _lookup(value: str) -> str | None:
    """One country name, code or demonym, with qualifiers ("Possibly", "(as at 2003)") off."""
    bare = _QUALIFIER.sub("", value)
    return to_alpha2(value) or to_alpha2(bare) or to_alpha2(_TRAILING_BRACKET.sub("", bare))


# --- lists and names -------------------------------------------------------------------------


def enumerated_items(value: str) -> list[str]:
    """Split "(1) A (2) B", "(1-3) A (4) B" and "a) A b) B" into items; else [value]."""
    parts = [p.strip(" .,;") for p in _ITEM_MARKER.split(value)]
    return [p for p in parts if p] or ([value] if value else [])


def primary_first(found: list[Name], report: ParseReport, *, keep_quality: bool) -> tuple[Name, ...]:
    """The first primary name, then the other names in order, one name per value.

    A list without a primary promotes its first name (``missing_primary_name``), keeping
    its quality only with `keep_quality` (OFSI's quality is the row's Alias Quality, which
    a primary has too; DFAT's is the printed Name Type, which a primary has not). A second,
    different primary becomes an ``alias`` (``extra_primary_name``).
    """
    primaries = [n for n in found if n.type == "primary"]
    if not primaries and found:
        report.count("missing_primary_name")
        first = found[0]
        primaries = [Name(first.value, "primary", first.lang, first.quality if keep_quality else None)]
    ordered = primaries[:1]
    for name in found:
        if name.type == "primary" and name.value != ordered[0].value:
            report.count("extra_primary_name")
            name = Name(name.value, "alias", name.lang, name.quality)
        ordered.append(name)
    distinct: dict[str, Name] = {}
    for name in ordered:
        distinct.setdefault(name.value, name)
    return tuple(distinct.values())


def split_embedded(value: str) -> tuple[str, list[tuple[str, NameType]]]:
    """Split "X a.k.a. Y", "X (formerly Y)", "d/b/a Y" into X and its typed other names.

    Returns the head (the text before the first marker, "" when the value starts with
    one) and (name, "alias" | "former") for each marked name. A bare "also" counts as a
    marker only at the start ("also MR. X"). The World Bank and IDB grammar: how it differs
    from `_listkit.split_embedded` is said there.
    """
    matches = [
        m
        for m in _EMBEDDED.finditer(value)
        if m["former"] or m["alias"].casefold() != "also" or m.start() == 0
    ]
    if not matches:
        return value, []
    head = value[: matches[0].start()].strip(" ,;:([")
    names: list[tuple[str, NameType]] = []
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        name = value[match.end() : following.start() if following else len(value)]
        if value[: match.start()].rstrip().endswith("("):
            name = _until_closed(name)  # "X (a.k.a. Y) (Z)": Y ends at its bracket
        name = name.strip(_NAME_TRIM)
        while name.endswith(")") and name.count(")") > name.count("("):
            name = name[:-1].strip(_NAME_TRIM)
        if name:
            names.append((name, "former" if match["former"] else "alias"))
    return head, names


def _until_closed(text_after: str) -> str:
    """The text up to the ")" closing a bracket opened before it."""
    depth = 1
    for position, char in enumerate(text_after):
        depth += (char == "(") - (char == ")")
        if depth == 0:
            return text_after[:position]
    return text_after
