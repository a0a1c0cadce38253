"""Helpers shared by the Canada, EBRD, BIS, CSL and OpenSanctions parsers (private).

XML parsing, text decoding, countries and de-duplication are in `_common`; here:

* `read_csv`: the csv reader over `_common.decode_text` output, so an unterminated quoted
  field or a short row is a ParseError naming its line; `split_multi` for ";" cells.
* `split_embedded`: "X a.k.a. Y", "X (formerly Y)", "X d/b/a Y" packed in one name field.
* `looks_like_organization`: a legal-form or institution word in the name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from watchlists.errors import ParseError
from watchlists.parsers._common import collapse
from watchlists.types import NameType, ParseReport

# --- delimited text ----------------------------------------------------------------------


def read_csv(
    source: str,
    text: str,
    required: Iterable[str],
    report: ParseReport,
    *,
    delimiter: str = ",",
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The stripped header and an iterator of (line number, row by stripped column name).

    Rows are read as Python's lenient csv reader reads them (the eval keys were made that
    way), so a stray quote such as ``""Supper Fortuna" LLC"`` is kept as the lenient reader
    gives it and counted as ``malformed_quoting``. Raises ParseError when a required column
    is missing, a row has another number of fields than the header, or a quoted field never
    ends (a truncated file).
    """
    lines = list(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(csv.reader(lines[:1], delimiter=delimiter), [])]
    missing = [column for column in required if column not in header]
    if missing:
        raise ParseError(source, f"missing column(s) {', '.join(missing)}", "header")
    return header, _rows(source, lines, header, delimiter, report)


def _rows(
    source: str, lines: list[str], header: list[str], delimiter: str, report: ParseReport
) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(lines[1:], delimiter=delimiter)
    end = 1
    for row in reader:
        start, end = end, reader.line_num + 1
        try:
            for _ in csv.reader(lines[start:end], delimiter=delimiter, strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                message = "unterminated quoted field (truncated file?)"
                raise ParseError(source, message, f"line {start + 1}") from exc
            report.count("malformed_quoting")
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            raise ParseError(source, f"{len(row)} fields, the header has {len(header)}", f"line {start + 1}")
        yield start + 1, dict(zip(header, row, strict=True))


def split_multi(cell: str, separator: str = ";") -> list[str]:
    """The non-empty, whitespace-collapsed parts of a multi-valued cell."""
    return [part for part in (collapse(p) for p in cell.split(separator)) if part]


# --- names -------------------------------------------------------------------------------

# This splitter and `_sheets.split_embedded` read different grammars and are kept apart so
# each group's names (and the eval keys built from them) stay as they are. This one splits
# the parts after a marker on ";" and " or ", recurses into "(a.k.a. …)" brackets and keeps
# the value whole when there is no marker; the sheets one knows more markers ("n.k.a.",
# "now known as", a leading "also"), does not split parts and gives "" as the head of a
# value that starts with a marker. OFAC's splitter (`_ofac_common`) reads only "x.k.a.".
_MARKER = (
    r"(?:(?P<former>f/k/a|f\.k\.a\.?|formerly\s+(?:known|operating)\s+as:?|previously\s+known\s+as"
    r"|formerly)|(?P<alias>a\.k\.a\.?|aka|also\s+known\s+as|(?:may\s+)?also\s+(?:be\s+)?doing\s+"
    r"business\s+(?:as|under)|doing\s+business\s+as|(?:also\s+)?d\.b\.a\.?|d/b/a))"
)
_BRACKETED = re.compile(rf"\(\s*{_MARKER}[\s:]+(?P<inner>[^()]*(?:\([^()]*\)[^()]*)*)\)", re.IGNORECASE)
_UNBRACKETED = re.compile(rf"[\s,;]*\(?(?<![\w/.]){_MARKER}(?![\w/])[\s:]+", re.IGNORECASE)
_OR = re.compile(r";|\s+or\s+")


def split_embedded(value: str) -> tuple[str, list[tuple[str, NameType]]]:
    """Split "X a.k.a. Y", "X (formerly known as Y)", "X d/b/a Y; also d.b.a. Z".

    Returns the name with the embedded names removed and the (name, type) pairs found:
    f.k.a. / formerly / previously known as give ``former``, the others ``alias``.
    Without a marker it returns (value, []).
    """
    found: list[tuple[str, NameType]] = []

    def take(match: re.Match[str]) -> str:
        inner_head, inner_found = split_embedded(match["inner"])
        found.extend((part, _marker_type(match)) for part in _parts(inner_head))
        found.extend(inner_found)
        return " "

    rest = collapse(_BRACKETED.sub(take, value))
    markers = list(_UNBRACKETED.finditer(rest))
    ends = [m.start() for m in markers[1:]] + [len(rest)]
    for match, end in zip(markers, ends[: len(markers)], strict=True):
        found.extend((part, _marker_type(match)) for part in _parts(rest[match.end() : end]))
    head = clean_name(rest[: markers[0].start()] if markers else rest)
    return (head, found) if found else (value, [])


def _marker_type(match: re.Match[str]) -> NameType:
    return "former" if match["former"] else "alias"


def _parts(segment: str) -> list[str]:
    return [part for part in (clean_name(p) for p in _OR.split(segment)) if part]


def clean_name(value: str) -> str:
    """Whitespace collapsed, separators and unbalanced brackets trimmed from both ends."""
    value = collapse(value).lstrip(" ,;:)").rstrip(" ,;:(")
    if value.startswith('" '):  # a quote followed by a space closes the previous part
        value = value[2:]
    if value.endswith(")") and "(" not in value:
        value = value[:-1].rstrip(" ,;:")
    if value.startswith("(") and ")" not in value:
        value = value[1:].lstrip(" ,;:")
    return value


_ORG_WORDS = frozenset(
    """ltd limited llc inc incorporated corp corporation co company companies gmbh ag sa sas sarl
    srl spa bv nv ab oy plc lp llp pte pvt jsc ojsc cjsc pjsc ooo zao oao ao fze fzco fzc est
    establishment group holding holdings industries industrial international trading enterprise
    enterprises bank airlines airline aviation technologies technology tech systems solutions
    institute university center centre ministry association foundation organization organisation
    factory plant services shipping logistics agency bureau committee electronics engineering
    import export imports exports partnership cooperative firm sdn bhd kft doo""".split()
)


def looks_like_organization(name: str) -> bool:
    """True when a token (dots removed, casefolded) is a legal form or institution word."""
    tokens = (token.replace(".", "").strip(",;:()\"'") for token in name.casefold().split())
    return any(token in _ORG_WORDS for token in tokens)
