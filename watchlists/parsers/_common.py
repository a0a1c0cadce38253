"""Helpers every parser group shares (private to `watchlists.parsers`).

* `parse_xml`: defusedxml with DTDs refused; every failure becomes a ParseError with the
  line and column. `local_name` / `children` match elements whatever their namespace.
* `decode_text` (strict UTF-8, a ParseError otherwise) and `decode_text_or_cp1252` (a
  counted cp1252 fallback) for delimited text files.
* `collapse`: whitespace collapsed to single spaces.
* `country`: ISO alpha-2 through `watchlists.countries.to_alpha2`, counting
  ``unknown_country`` (and ``country_placeholder`` for the placeholders a publisher prints).
* `unique` / `properties`: first-seen de-duplication without empty values.
* `is_latin`: whether a name is written in Latin script.

What stays with its group: `_listkit` (the CSV reader, multi-valued cells and the "a.k.a." /
"d/b/a" splitter of the Canada, EBRD, BIS, CSL and OpenSanctions parsers), `_sheets`
(sheet rows and cells, cells listing countries, name order, and the World Bank / IDB name
splitter) and `_ofac_common` (OFAC's entry model, "-0-" null marker and "a.k.a."
splitter). The three name splitters read different publishers' grammars and are kept
apart: see each. Country spellings and demonyms belong to `watchlists.countries`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TypeVar
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XMLSyntaxError
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from watchlists.countries import to_alpha2
from watchlists.errors import ParseError
from watchlists.types import ParseReport

_T = TypeVar("_T")

# --- XML ---------------------------------------------------------------------------------


def parse_xml(source: str, data: bytes) -> Element:
    """Parse with defusedxml, refusing any DTD, and wrap every failure in ParseError."""
    try:
        root: Element = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ParseError(source, f"unsafe XML refused: {exc!r}") from exc
    except XMLSyntaxError as exc:
        line, column = exc.position
        reason = ErrorString(exc.code) or str(exc)
        raise ParseError(source, f"malformed XML: {reason}", f"line {line}, column {column}") from exc
    except LookupError as exc:  # expat's answer to an unknown declared encoding
        raise ParseError(source, f"malformed XML: {exc}", "XML declaration") from exc
    return root


def local_name(tag: object) -> str:
    """The tag without its ``{namespace}``; "" for comments and processing instructions."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def children(element: Element, name: str) -> list[Element]:
    """Direct children whose local name is `name`, in document order."""
    return [child for child in element if local_name(child.tag) == name]


# --- text --------------------------------------------------------------------------------


def decode_text(source: str, data: bytes) -> str:
    """UTF-8 text without BOM or DOS end-of-file mark; ParseError for binary or other encodings."""
    nul = data.find(b"\x00", 0, 4096)
    if nul >= 0:
        raise ParseError(source, "binary data, not a text file", f"byte {nul}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(source, f"not UTF-8 text: {exc.reason}", f"byte {exc.start}") from exc
    return text.rstrip("\x1a")


def decode_text_or_cp1252(data: bytes, report: ParseReport, reason: str) -> str:
    """UTF-8 text without BOM; text that is not UTF-8 is read as cp1252, counted as `reason`.

    For publishers whose files have been seen in both encodings (OFAC, OFSI). Binary data
    and end-of-file marks are left to the caller.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.count(reason)
        return data.decode("cp1252", errors="replace")


def collapse(value: str | None) -> str:
    """Whitespace (including no-break spaces and newlines) collapsed to single spaces."""
    return " ".join(value.split()) if value else ""


def is_latin(value: str) -> bool:
    """True when every letter is Latin (Basic Latin to Latin Extended-B, or Additional)."""
    return all(not c.isalpha() or ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF for c in value)


# --- countries ---------------------------------------------------------------------------


def country(
    value: str,
    report: ParseReport,
    *,
    placeholders: Collection[str] = (),
    lookup: Callable[[str], str | None] = to_alpha2,
) -> str | None:
    """ISO alpha-2 for a printed country or code, or None.

    Args:
        value: the country as printed; "" gives None, uncounted.
        report: counts ``country_placeholder`` for a value in `placeholders` (compared
            casefolded) and ``unknown_country`` for one `lookup` does not resolve.
        placeholders: the publisher's "no country" values ("na", "undetermined", "00").
        lookup: `to_alpha2`, or a publisher's variant of it (OFAC strips "Region: ").
    """
    if not value:
        return None
    if value.casefold() in placeholders:
        report.count("country_placeholder")
        return None
    code = lookup(value)
    if code is None:
        report.count("unknown_country")
    return code


# --- collections -------------------------------------------------------------------------


def unique(items: Iterable[_T | None]) -> tuple[_T, ...]:
    """Distinct truthy items in first-seen order."""
    return tuple(dict.fromkeys(filter(None, items)))


def properties(found: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """Property values de-duplicated, empty ones left out."""
    return {key: unique(values) for key, values in found.items() if any(values)}
