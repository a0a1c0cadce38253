"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the views it describes; tests/service/test_openapi.py checks that every
route is documented (and nothing else), that the document is valid OpenAPI 3.1, and that real
responses validate against the schemas given here.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
API_VERSION = "1.0.0"


def _obj(required: list[str], **props: Schema) -> Schema:
    return {"type": "object", "required": required, "properties": props}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


STR: Schema = {"type": "string"}
NSTR: Schema = {"type": ["string", "null"]}
INT: Schema = {"type": "integer"}
NINT: Schema = {"type": ["integer", "null"]}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
KIND: Schema = {"type": "string", "enum": ["organization", "person", "vessel", "aircraft", "unknown"]}
STRS: Schema = {"type": "array", "items": STR}

SCHEMAS: dict[str, Schema] = {
    "Error": _obj(
        ["error"],
        error=_obj(["code", "message", "details"], code=STR, message=STR, details={}, request_id=NSTR),
    ),
    "Owner": _obj(["name"], name=STR, country=NSTR, role=NSTR),
    "SupplierIn": {
        **_obj(
            ["name"],
            ref=NSTR,
            name={"type": "string", "maxLength": 500},
            kind={
                "type": ["string", "null"],
                "description": "organization, person, vessel, aircraft or unknown",
            },
            country={"type": ["string", "null"], "description": "ISO 3166-1 alpha-2, or a country name"},
            other_names=STRS,
            original_script_name=NSTR,
            registration_numbers={"type": ["array", "string"], "items": STR},
            tax_id=NSTR,
            address=NSTR,
            owners={"type": "array", "items": _ref("Owner")},
        ),
        "additionalProperties": False,
    },
    "Explanation": _obj(
        ["summary", "features"],
        summary=STR,
        query_normalized=STR,
        matched_normalized=STR,
        features={
            "type": "array",
            "items": _obj(["name", "contribution", "detail"], name=STR, contribution=NUM, detail=STR),
        },
        detail={"type": "object"},
    ),
    "Match": _obj(
        ["source", "entry_id", "name", "kind", "score", "strong", "matched_name", "explanation"],
        source=STR,
        entry_id=STR,
        name=STR,
        kind=STR,
        programs=STRS,
        countries=STRS,
        score={"type": "number", "minimum": 0, "maximum": 1},
        strong=BOOL,
        matched_name=STR,
        query_name=STR,
        matched_via={"type": "object"},
        finding_id=INT,
        explanation=_ref("Explanation"),
    ),
    "ListUsed": _obj(
        ["source", "version", "as_of"], source=STR, version=INT, as_of=STR, fetched_at=STR, entry_count=INT
    ),
    "Algorithm": _obj(["name", "version"], name=STR, version=STR),
    "SupplierResult": _obj(
        ["name", "decision", "matches"],
        ref=NSTR,
        name=STR,
        decision={"type": "string", "enum": ["alert", "clear"]},
        matches={"type": "array", "items": _ref("Match")},
    ),
    "ScreenAnswer": {
        "type": "object",
        "required": ["screening_id", "lists", "algorithm", "threshold"],
        "properties": {
            "screening_id": STR,
            "lists": {"type": "array", "items": _ref("ListUsed")},
            "algorithm": _ref("Algorithm"),
            "threshold": NUM,
            "decision": {"type": "string", "enum": ["alert", "clear"]},
            "matches": {"type": "array", "items": _ref("Match")},
            "results": {"type": "array", "items": _ref("SupplierResult")},
        },
    },
    "Screening": _obj(
        [
            "screening_id",
            "created_at",
            "channel",
            "actor",
            "algorithm",
            "threshold",
            "lists",
            "request",
            "response",
        ],
        screening_id=STR,
        created_at=STR,
        channel=STR,
        actor=STR,
        algorithm=STR,
        threshold=NUM,
        lists={"type": "array", "items": _ref("ListUsed")},
        request={},
        response={"type": "object"},
        duration_ms=NUM,
    ),
    "Comparison": _obj(
        ["score", "match", "strong", "summary", "features", "algorithm"],
        score={"type": "number", "minimum": 0, "maximum": 1},
        match=BOOL,
        strong=BOOL,
        threshold=NUM,
        query_name=STR,
        matched_name=STR,
        query_normalized=STR,
        matched_normalized=STR,
        summary=STR,
        features={"type": "array"},
        detail={"type": "object"},
        algorithm=_ref("Algorithm"),
    ),
    "Source": _obj(
        [
            "source",
            "status",
            "version",
            "entry_count",
            "published_at",
            "last_success_at",
            "last_error",
            "next_run_at",
        ],
        source=STR,
        title=STR,
        format=NSTR,
        enabled=BOOL,
        status={"type": "string", "enum": ["ok", "stale", "failed", "never"]},
        version=NINT,
        entry_count=NINT,
        published_at=NSTR,
        fetched_at=NSTR,
        age_hours={"type": ["number", "null"]},
        last_attempt_at=NSTR,
        last_success_at=NSTR,
        last_outcome=NSTR,
        last_error=NSTR,
        next_run_at=NSTR,
    ),
    "ListVersion": _obj(
        ["source", "version", "current", "fetched_at", "entry_count", "added", "changed", "removed"],
        source=STR,
        version=INT,
        current=BOOL,
        fetched_at=STR,
        published_at=NSTR,
        entry_count=INT,
        checksum=STR,
        origin=STR,
        added=INT,
        changed=INT,
        removed=INT,
        parse_stats={"type": "object"},
    ),
    "ListEntry": _obj(
        ["source", "entry_id", "kind", "names"],
        source=STR,
        entry_id=STR,
        kind=KIND,
        names={
            "type": "array",
            "items": _obj(["value", "type"], value=STR, type=STR, lang=NSTR, quality=NSTR),
        },
        countries=STRS,
        nationalities=STRS,
        identifiers={"type": "array"},
        addresses={"type": "array"},
        birth_dates=STRS,
        birth_places=STRS,
        programs=STRS,
        listed_on=NSTR,
        remarks=NSTR,
        url=NSTR,
        properties={"type": "object"},
    ),
    "Finding": _obj(
        ["id", "supplier_ref", "source", "entry_id", "status", "score", "algorithm", "screening_id"],
        id=INT,
        supplier_ref=STR,
        source=STR,
        entry_id=STR,
        listed_name=NSTR,
        status=STR,
        score=NUM,
        algorithm=STR,
        list_version_id=INT,
        screening_id=STR,
        created_at=STR,
        updated_at=STR,
        explanation={"type": "object"},
    ),
    "Batch": _obj(
        [
            "id",
            "filename",
            "status",
            "rows_total",
            "rows_done",
            "rows_with_alerts",
            "rows_with_errors",
            "errors",
        ],
        id=STR,
        filename=STR,
        status={"type": "string", "enum": ["queued", "running", "done", "failed"]},
        created_at=STR,
        created_by=STR,
        rows_total=INT,
        rows_done=INT,
        rows_with_alerts=INT,
        rows_with_errors=INT,
        errors={"type": "array", "items": {"type": "object"}},
        warnings=STRS,
        error=NSTR,
        finished_at=NSTR,
        mapping={"type": "object", "additionalProperties": INT},
    ),
    "Supplier": _obj(
        ["ref", "name", "kind", "country", "archived"],
        ref=STR,
        name=STR,
        kind=STR,
        country=NSTR,
        other_names=STRS,
        original_script_name=NSTR,
        registration_numbers=STRS,
        tax_id=NSTR,
        address=NSTR,
        owners={"type": "array", "items": _ref("Owner")},
        archived=BOOL,
        created_at=STR,
        updated_at=STR,
        last_screened_at=NSTR,
        findings={"type": "array", "items": _ref("Finding")},
    ),
}


def _json(schema: Schema, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_TEXT = {
    400: "Bad JSON or a bad field (details name it)",
    401: "Missing, invalid, revoked or expired API key",
    403: "The key's role may not do this",
    404: "Not found",
    413: "Too many suppliers in one request",
    429: "Rate limit exceeded (see Retry-After)",
    503: "No watchlist is loaded yet",
}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _json(_ref("Error"), ERROR_TEXT[code]) for code in codes}


def _op(
    summary: str, ok: dict[str, Any], *errors: int, body: Schema | None = None, **extra: Any
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**ok, **_errors(401, 429, *errors)}, **extra}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _path_param(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": kind},
    }


SCREEN_BODY: Schema = {
    "oneOf": [
        _ref("SupplierIn"),
        {
            **_obj(["suppliers"], suppliers={"type": "array", "minItems": 1, "items": _ref("SupplierIn")}),
            "additionalProperties": False,
        },
    ]
}
SOURCE = _path_param("source", "Source id, e.g. un_sc")


def build_openapi() -> dict[str, Any]:
    """The whole document."""
    paths = {
        "/api/v1/screen": {
            "post": _op(
                "Screen one supplier or a batch against every loaded list",
                {"200": _json(_ref("ScreenAnswer"))},
                400,
                403,
                413,
                503,
                body=SCREEN_BODY,
            ),  # fmt: skip
        },
        "/api/v1/screenings/{screening_id}": {
            "get": _op(
                "What a screening asked and answered, with which list versions",
                {"200": _json(_ref("Screening"))},
                404,
                parameters=[_path_param("screening_id", "The screening id")],
            ),  # fmt: skip
        },
        "/api/v1/compare": {
            "post": _op(
                "Score a supplier against one record or list entry, with the full explanation",
                {"200": _json(_ref("Comparison"))},
                400,
                403,
                404,
                body=_obj(["left", "right"], left=_ref("SupplierIn"), right={"type": "object"}),
            ),  # fmt: skip
        },
        "/api/v1/lists": {
            "get": _op(
                "Every configured source with its status and serving version",
                {"200": _json(_obj(["sources"], sources={"type": "array", "items": _ref("Source")}))},
            ),  # fmt: skip
        },
        "/api/v1/lists/{source}/versions": {
            "get": _op(
                "Every stored version of a source, newest first",
                {
                    "200": _json(
                        _obj(
                            ["source", "versions"],
                            source=STR,
                            versions={"type": "array", "items": _ref("ListVersion")},
                        )
                    )
                },
                404,
                parameters=[SOURCE],
            ),  # fmt: skip
        },
        "/api/v1/lists/{source}/versions/{number}/diff": {
            "get": _op(
                "The entries a version added, changed and removed",
                {
                    "200": _json(
                        {
                            "allOf": [
                                _ref("ListVersion"),
                                _obj(
                                    ["diff"],
                                    diff=_obj(
                                        ["added", "changed", "removed"],
                                        added=STRS,
                                        changed=STRS,
                                        removed=STRS,
                                    ),
                                ),
                            ]
                        }
                    )
                },
                404,
                parameters=[SOURCE, _path_param("number", "Version number", "integer")],
            ),  # fmt: skip
        },
        "/api/v1/lists/{source}/entries/{entry_id}": {
            "get": _op(
                "An entry as the serving version has it",
                {"200": _json(_ref("ListEntry"))},
                404,
                parameters=[SOURCE, _path_param("entry_id", "The publisher's entry id")],
            ),  # fmt: skip
        },
        "/api/v1/suppliers": {
            "get": _op(
                "A page of the supplier registry",
                {
                    "200": _json(
                        _obj(
                            ["total", "limit", "offset", "suppliers"],
                            total=INT,
                            limit=INT,
                            offset=INT,
                            suppliers={"type": "array", "items": _ref("Supplier")},
                        )
                    )
                },
                400,
                parameters=[
                    {"name": "q", "in": "query", "schema": STR, "description": "Part of the name or ref"},
                    {"name": "archived", "in": "query", "schema": BOOL},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 500}},
                    {"name": "offset", "in": "query", "schema": INT},
                ],
            ),  # fmt: skip
        },
        "/api/v1/batches": {
            "post": {
                **_op(
                    "Upload a spreadsheet (XLSX or CSV) to screen in the background",
                    {"202": _json(_ref("Batch"), "Queued")},
                    400,
                    403,
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": _obj(
                                ["file"],
                                file={"type": "string", "contentMediaType": "application/octet-stream"},
                                mapping={
                                    "type": "string",
                                    "description": 'JSON {"name": 0, "country": 2}: field → 0-based column',
                                },
                            )
                        }
                    },
                },
            },  # fmt: skip
        },
        "/api/v1/batches/{batch_id}": {
            "get": _op(
                "Status, rows done and total, alerts so far, errors",
                {"200": _json(_ref("Batch"))},
                404,
                parameters=[_path_param("batch_id", "The batch id")],
            ),  # fmt: skip
        },
        "/api/v1/batches/{batch_id}/report.{fmt}": {
            "get": {
                **_op(
                    "The report once the batch is done",
                    {},
                    400,
                    404,
                    parameters=[
                        _path_param("batch_id", "The batch id"),
                        {
                            "name": "fmt",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": ["xlsx", "csv"]},
                        },
                    ],
                ),
                "responses": {
                    "200": {
                        "description": "The report file",
                        "content": {
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                            "text/csv": {},
                        },
                    },
                    **_errors(400, 401, 404, 429),
                },
            },  # fmt: skip
        },
        "/api/v1/suppliers/{ref}": {
            "parameters": [_path_param("ref", "The supplier (vendor) number")],
            "get": _op("A supplier with its findings", {"200": _json(_ref("Supplier"))}, 404),
            "put": _op(
                "Add or update a supplier",
                {"200": _json(_ref("Supplier"), "Updated"), "201": _json(_ref("Supplier"), "Created")},
                400,
                403,
                body=_ref("SupplierIn"),
            ),  # fmt: skip
            "delete": _op(
                "Archive a supplier (its history stays)", {"200": _json(_ref("Supplier"))}, 403, 404
            ),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Supplier screening API",
            "version": API_VERSION,
            "description": "Screen suppliers against sanctions and debarment lists. Every call needs "
            '`Authorization: Bearer <API key>`; errors answer {"error": {code, message, details}}.',
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key: sk_…"}
            },
        },
    }
