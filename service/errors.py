"""HTTP error mapping: the only place that knows status codes for our exceptions.

Every error answers `{"error": {"code", "message", "details"}}`. Tracebacks are logged only
for 5xx; 4xx are the caller's to fix and are logged at INFO.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from service.comparisons import RecordError

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """Root of errors the service answers with a JSON body."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequestError(ServiceError):
    status = 400
    code = "bad_request"


class ValidationError(BadRequestError):
    """A request field is missing or wrong; `details` names the field(s)."""

    code = "validation_error"


class UnauthorizedError(ServiceError):
    status = 401
    code = "unauthorized"


class ForbiddenError(ServiceError):
    status = 403
    code = "forbidden"


class NotFoundError(ServiceError):
    status = 404
    code = "not_found"


class ConflictError(ServiceError):
    """The request is valid but not in the record's current state (e.g. a finding's status)."""

    status = 409
    code = "conflict"


class PayloadTooLargeError(ServiceError):
    status = 413
    code = "payload_too_large"


class TooManyRequestsError(ServiceError):
    """The key's rate limit is spent; `retry_after` says for how long (seconds)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, {"retry_after_seconds": round(retry_after, 1)})
        self.retry_after = retry_after


class NotReadyError(ServiceError):
    """The service cannot answer honestly yet (e.g. no watchlist loaded)."""

    status = 503
    code = "not_ready"


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    """The uniform JSON error body with `status`."""
    body = {"error": {"code": code, "message": message, "details": details}}
    body["error"]["request_id"] = g.get("request_id")
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="screening"'
    return response


def _handle_service_error(exc: ServiceError) -> Response:
    if exc.status >= 500:
        log.error("%s: %s", exc.code, exc.message)
    else:
        log.info("%s %s: %s", exc.status, exc.code, exc.message)
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, TooManyRequestsError):
        response.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    return response


def _handle_record_error(exc: RecordError) -> Response:
    return error_response(400, "validation_error", str(exc), [{"field": exc.field, "message": exc.reason}])


def _wants_html() -> bool:
    """A person's browser on a page (not the API): answer with a page, not JSON."""
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def _handle_http_exception(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    code = (exc.name or "error").lower().replace(" ", "_")
    if _wants_html():
        return render_template("error.html", status=status, title=exc.name, message=exc.description), status
    return error_response(status, code, exc.description or exc.name, None)


def _handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "internal_error", "internal server error; see the log for this request id")


def register_error_handlers(app: Flask) -> None:
    """Install the type → JSON handler table on `app`."""
    app.register_error_handler(ServiceError, _handle_service_error)
    app.register_error_handler(RecordError, _handle_record_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
