"""Supplier sanctions screening engine: normalise names, index listed records, score matches.

The package is pure: it imports only the standard library, rapidfuzz (in `distance` only) and
anyascii. It knows nothing of list sources, files, databases or HTTP; the service adapts list
entries into `Record`s and supplier input into `Query`s and passes threshold and limit in as
arguments. It must never import `service`, `watchlists`, flask, sqlalchemy, apscheduler or
openpyxl.

    matcher = Matcher(records)
    alerts = matcher.screen(Query("Al Qaida"), threshold=0.88)
    explanation = matcher.compare(Query("Al Qaida"), record)
"""

from __future__ import annotations

from screening.errors import (
    DuplicateKeyError,
    IndexBuildError,
    InvalidParameterError,
    InvalidQueryError,
    ScreeningError,
)
from screening.index import TokenWeights
from screening.matcher import Matcher
from screening.normalize import NormalizedName, normalize_name, normalize_text
from screening.types import FeatureResult, Identifier, Kind, Match, Query, Record, RecordName

__all__ = [
    "DuplicateKeyError",
    "FeatureResult",
    "Identifier",
    "IndexBuildError",
    "InvalidParameterError",
    "InvalidQueryError",
    "Kind",
    "Match",
    "Matcher",
    "NormalizedName",
    "Query",
    "Record",
    "RecordName",
    "ScreeningError",
    "TokenWeights",
    "normalize_name",
    "normalize_text",
]
