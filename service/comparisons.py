"""Screening and comparing records given as JSON: the evaluation contract and /compare.

The record format is the one of `../shared/eval/README.md`: `{"name", "kind", "country",
"aliases", "identifiers": [{"type", "value"}]}`. Unknown extra keys are ignored, so holdout
files with more fields never fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import IO, Any, cast

from screening import Identifier, Kind, Match, Matcher, Query, Record, RecordName
from service.config import ScreeningSettings
from service.engine import LoadedIndex

KINDS = ("organization", "person", "vessel", "aircraft", "unknown")


class RecordError(ValueError):
    """A JSON record lacks a usable field; `field` names it (with the line in files)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


def record_fields(
    data: Any, where: str
) -> tuple[str, Kind, str | None, tuple[str, ...], tuple[Identifier, ...]]:
    """(name, kind, country, aliases, identifiers) of a JSON record, validated."""
    if not isinstance(data, dict):
        raise RecordError(where, "must be an object")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RecordError(f"{where}.name", "must be a non-empty string")
    given = data.get("kind")
    kind = cast(Kind, given if given in KINDS else "unknown")
    country = data.get("country")
    country = country.upper() if isinstance(country, str) and len(country) == 2 else None
    aliases = tuple(a for a in data.get("aliases") or () if isinstance(a, str) and a.strip())
    identifiers = tuple(
        Identifier(str(i.get("type", "")), str(i["value"]))
        for i in data.get("identifiers") or ()
        if isinstance(i, dict) and i.get("value")
    )
    return name, kind, country, aliases, identifiers


def to_query(data: Any, where: str) -> Query:
    """A JSON record as the supplier side of a screening."""
    name, kind, country, aliases, identifiers = record_fields(data, where)
    return Query(name=name, kind=kind, country=country, aliases=aliases, identifiers=identifiers)


def to_record(data: Any, where: str, key: str = "right") -> Record:
    """A JSON record as the listed side of a comparison."""
    name, kind, country, aliases, identifiers = record_fields(data, where)
    names = (RecordName(name),) + tuple(RecordName(a, type="alias") for a in aliases)
    return Record(
        key=key, kind=kind, names=names, countries=(country,) if country else (), identifiers=identifiers
    )


def explain(match: Match) -> dict[str, Any]:
    """The full explanation of a match as JSON."""
    return {
        "score": round(match.score, 4),
        "query_name": match.query_name,
        "matched_name": match.matched_name,
        "query_normalized": match.query_normalized,
        "matched_normalized": match.matched_normalized,
        "summary": match.summary,
        "features": [asdict(f) for f in match.features],
        "detail": match.detail,
        "algorithm": match.algorithm,
    }


def read_jsonl(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; RecordError naming a bad line."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordError(f"line {number}", f"not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict) or "id" not in data:
            raise RecordError(f"line {number}", "each line must be an object with an 'id'")
        yield number, data


def screen_lines(
    index: LoadedIndex, settings: ScreeningSettings, lines: Iterable[tuple[int, dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    """One result line per query: exactly the alerts at the configured threshold, best first."""
    for number, data in lines:
        query = to_query(data, f"line {number}")
        matches = index.matcher.screen(query, threshold=settings.threshold, limit=settings.limit)
        yield {
            "id": data["id"],
            "matches": [
                {
                    "source": index.entries[m.key].source,
                    "entry_id": index.entries[m.key].entry_id,
                    "name": index.entries[m.key].name,
                    "score": round(m.score, 4),
                    "matched_name": m.matched_name,
                }
                for m in matches
            ],
        }


def compare_lines(
    matcher: Matcher, threshold: float, lines: Iterable[tuple[int, dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    """One result line per pair: the score and the decision at `threshold`."""
    for number, data in lines:
        match = matcher.compare(
            to_query(data.get("left"), f"line {number}: left"),
            to_record(data.get("right"), f"line {number}: right"),
        )
        yield {
            "id": data["id"],
            "score": round(match.score, 4),
            "match": match.score >= threshold,
            "summary": match.summary,
        }
