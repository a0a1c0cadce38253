"""Support for the parser tests in tests/watchlists/: shared data, the eval index, inputs, errors.

Imported as `from watchlists_support import ...` (pyproject puts `tests` on the path), the way
tests/e2e/ imports tests/e2e_support.py. Real published files are read from ../shared and never
copied into the repository; a test that needs a missing one skips with the path as its reason.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from conftest import SHARED_DATA

from watchlists.errors import ParseError
from watchlists.types import ListEntry, ParseReport

WATCHLISTS = SHARED_DATA / "watchlists"
INDEX_KEYS = SHARED_DATA.parent / "eval" / "index_keys.jsonl"


# --- shared data files ---------------------------------------------------------------------------


def read(path: Path) -> bytes:
    """The bytes of a shared data file, or skip the test when it is not there."""
    if not path.is_file():
        pytest.skip(f"shared test data not found: {path}")
    return path.read_bytes()


def truncated(path: Path, divisor: int = 2) -> bytes:
    """The first 1/`divisor` of a shared data file, as a download cut short (skips when absent)."""
    data = read(path)
    return data[: len(data) // divisor]


@functools.cache
def parsed_file(
    parse: Callable[..., Iterable[ListEntry]], path: Path, *, distinct_ids: bool = False, **options: Any
) -> tuple[dict[str, ListEntry], ParseReport]:
    """Entries by entry_id and the report of `parse(read(path), report, **options)`.

    Cached because several tests read one file. With `distinct_ids`, asserts that no entry_id is
    yielded twice.
    """
    report = ParseReport()
    found = list(parse(read(path), report, **options))
    entries = {entry.entry_id: entry for entry in found}
    if distinct_ids:
        assert len(entries) == len(found)
    return entries, report


# --- the eval index (../shared/eval/index_keys.jsonl) --------------------------------------------


def eval_index(source: str | None = None) -> list[dict[str, str]]:
    """The rows of the eval index (those of `source` when given), or skip when it is absent."""
    if not INDEX_KEYS.is_file():
        pytest.skip(f"eval index not found: {INDEX_KEYS}")
    lines = INDEX_KEYS.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [row for row in rows if source is None or row["source"] == source]


def eval_rows_by_id(source: str) -> dict[str, dict[str, str]]:
    """The eval index rows of an id-keyed source by entry_id."""
    return {row["entry_id"]: row for row in eval_index(source)}


def eval_key(name: str) -> str:
    """The scorer's comparison form for name-keyed sources: casefold + whitespace collapse."""
    return " ".join(name.casefold().split())


def eval_kinds_by_key(source: str) -> dict[str, str]:
    """The kind of every key of a name-keyed source in the eval index, keys compared as the scorer does."""
    return {eval_key(row["name"]): row["kind"] for row in eval_index(source)}


def kinds_by_key(entries: Iterable[ListEntry]) -> dict[str, str]:
    """The kind of every parsed entry by eval_key(entry_id), to set beside `eval_kinds_by_key`."""
    return {eval_key(entry.entry_id): entry.kind for entry in entries}


# --- inputs and results --------------------------------------------------------------------------


def xlsx_bytes(
    rows: Iterable[Sequence[object]], *, title: str | None = None, extra: Mapping[str, Sequence[object]] = {}
) -> bytes:
    """A workbook whose first sheet holds `rows` (titled `title` if given), after the sheets in `extra`."""
    book = openpyxl.Workbook()
    first = book.active
    for name, content in extra.items():
        book.create_sheet(name, 0).append(content)
    if title is not None:
        first.title = title
    for row in rows:
        first.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def parse_error(
    parse: Callable[..., Iterable[object]], *args: Any, match: str | None = None, **kwargs: Any
) -> ParseError:
    """The ParseError raised while reading `parse(*args, **kwargs)` to the end; fails without one."""
    with pytest.raises(ParseError, match=match) as caught:
        list(parse(*args, **kwargs))
    return caught.value


def names_of(item: ListEntry, name_type: str) -> list[str]:
    """The values of an entry's names of one type, in order."""
    return [name.value for name in item.names if name.type == name_type]
