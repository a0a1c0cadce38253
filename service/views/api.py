"""JSON API for purchasing systems, versioned under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from screening import Matcher, Record
from service import get_settings
from service.auth import require_api_key
from service.comparisons import explain, to_query, to_record
from service.db import get_session
from service.engine import LoadedIndex, entry_to_record, get_index_holder
from service.errors import BadRequestError, NotFoundError, PayloadTooLargeError, ValidationError
from service.models import Screening
from service.openapi import build_openapi
from service.schemas import parse_screen_request
from service.screenings import run_screening
from service.store import get_entry

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body() -> Any:
    if not request.is_json:
        raise BadRequestError(
            "request body must be JSON (Content-Type: application/json)",
            [{"field": "", "message": "not JSON"}],
        )
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequestError("request body is not valid JSON", [{"field": "", "message": "invalid JSON"}])
    return body


@bp.post("/screen")
@require_api_key("officer", "reviewer", "approver")
def screen() -> Response:
    """Screen one supplier, or {"suppliers": [...]}, against every loaded list."""
    settings = get_settings().screening
    body = json_body()
    if (
        isinstance(body, dict)
        and isinstance(body.get("suppliers"), list)
        and len(body["suppliers"]) > settings.max_batch
    ):
        raise PayloadTooLargeError(
            f"at most {settings.max_batch} suppliers per request", {"limit": settings.max_batch}
        )
    suppliers, batch = parse_screen_request(body, settings.max_batch)
    index = get_index_holder().get()
    session = get_session()
    screening, results = run_screening(
        session,
        index,
        suppliers,
        settings,
        channel="api",
        actor=f"apikey:{g.api_key.id}:{g.api_key.name}",
        request_id=g.request_id,
        request_body=body,
    )
    session.commit()
    return jsonify(_screen_answer(screening, results, batch))


def _screen_answer(screening: Screening, results: list[dict[str, Any]], batch: bool) -> dict[str, Any]:
    common = {
        "screening_id": screening.id,
        "lists": screening.list_versions["lists"],
        "algorithm": {"name": Matcher.NAME, "version": Matcher.VERSION},
        "threshold": screening.threshold,
    }
    return {"results": results, **common} if batch else {**results[0], **common}


@bp.get("/screenings/<screening_id>")
@require_api_key()
def get_screening(screening_id: str) -> Response:
    """What was asked, what was answered, with which list versions."""
    screening = get_session().get(Screening, screening_id)
    if screening is None:
        raise NotFoundError(f"no screening {screening_id!r}")
    return jsonify(
        {
            "screening_id": screening.id,
            "created_at": screening.created_at.isoformat(),
            "channel": screening.channel,
            "actor": screening.actor,
            "algorithm": screening.algorithm,
            "threshold": screening.threshold,
            "lists": screening.list_versions["lists"],
            "request": screening.request,
            "response": screening.response,
            "duration_ms": round(screening.duration_ms, 2),
        }
    )


@bp.post("/compare")
@require_api_key("officer", "reviewer", "approver")
def compare() -> Response:
    """Score a supplier against one record (or a listed entry) with the full explanation."""
    body = json_body()
    if not isinstance(body, dict) or "left" not in body or "right" not in body:
        raise ValidationError(
            "body must be {'left': {...}, 'right': {...}}", [{"field": "left/right", "message": "required"}]
        )
    index = get_index_holder().get()
    query = to_query(body["left"], "left")
    record = _compare_target(index, body["right"])
    match = (index.matcher if index else Matcher([])).compare(query, record)
    settings = get_settings().screening
    return jsonify(
        {
            **explain(match),
            "match": match.score >= settings.threshold,
            "strong": match.score >= settings.strong_threshold,
            "threshold": settings.threshold,
            "algorithm": {"name": Matcher.NAME, "version": Matcher.VERSION},
        }
    )


def _compare_target(index: LoadedIndex | None, right: Any) -> Record:
    """`right` as a record: inline, or {"source", "entry_id"} of a serving list entry."""
    if isinstance(right, dict) and "source" in right and "entry_id" in right and "name" not in right:
        entry = get_entry(get_session(), str(right["source"]), str(right["entry_id"]))
        if entry is None:
            raise NotFoundError(
                f"no entry {right['entry_id']!r} in the current version of {right['source']!r}"
            )
        return entry_to_record(entry)
    return to_record(right, "right")


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API (public: it holds no data)."""
    return jsonify(build_openapi())
