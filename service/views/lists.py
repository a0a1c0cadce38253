"""Watchlist sources over the API: status, versions, diffs, entries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from service.auth import require_api_key
from service.db import get_session
from service.errors import NotFoundError
from service.lists import source_overview
from service.models import ListVersion
from service.store import get_diff, get_entry, get_version, list_versions

bp = Blueprint("lists", __name__, url_prefix="/api/v1/lists")


def version_json(version: ListVersion) -> dict[str, Any]:
    """One list version as the API shows it."""
    return {
        "source": version.source,
        "version": version.version,
        "current": version.is_current,
        "fetched_at": version.fetched_at.isoformat(),
        "published_at": version.published_at,
        "entry_count": version.entry_count,
        "checksum": version.checksum,
        "origin": version.origin,
        "added": version.added,
        "changed": version.changed,
        "removed": version.removed,
        "parse_stats": version.parse_stats,
    }


@bp.get("")
@require_api_key()
def sources() -> Response:
    """Every configured source with its serving version and status."""
    return jsonify({"sources": source_overview(get_session())})


@bp.get("/<source>/versions")
@require_api_key()
def versions(source: str) -> Response:
    """Every stored version of SOURCE, newest first."""
    found = list_versions(get_session(), source)
    if not found:
        raise NotFoundError(f"no versions of source {source!r}")
    return jsonify({"source": source, "versions": [version_json(v) for v in found]})


@bp.get("/<source>/versions/<int:number>/diff")
@require_api_key()
def diff(source: str, number: int) -> Response:
    """What version NUMBER added, changed and removed against the version before it."""
    session = get_session()
    version = get_version(session, source, number)
    if version is None:
        raise NotFoundError(f"no version {number} of source {source!r}")
    changes = get_diff(session, version)
    body = {"added": list(changes.added), "changed": list(changes.changed), "removed": list(changes.removed)}
    return jsonify({**version_json(version), "diff": body})


@bp.get("/<source>/entries/<path:entry_id>")
@require_api_key()
def entry(source: str, entry_id: str) -> Response:
    """The entry as the serving version of SOURCE has it."""
    found = get_entry(get_session(), source, entry_id)
    if found is None:
        raise NotFoundError(f"no entry {entry_id!r} in the current version of {source!r}")
    return jsonify(found.to_dict())
