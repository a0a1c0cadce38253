"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the views it describes; tests/service/test_openapi.py checks that every
route is documented (and nothing else), that the document is valid OpenAPI 3.1, and that real
responses validate against the schemas given here.
"""

from __future__ import annotations

from typing import Any

from service.findings import ACTIONS as FINDING_ACTIONS
from service.findings import STATUSES as FINDING_STATUSES
from service.referral_requests import PRACTICES, SANCTIONS
from service.referral_schema import SCHEMA_ID
from service.referrals import ACTIONS as REFERRAL_ACTIONS
from service.referrals import STATUSES as REFERRAL_STATUSES

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
        supplier_name=STR,
        source=STR,
        entry_id=STR,
        listed_name=NSTR,
        status={"type": "string", "enum": list(FINDING_STATUSES)},
        score=NUM,
        assignee={**NSTR, "description": "user:<email> or apikey:<id>:<name>"},
        proposed_by={**NSTR, "description": "who proposed the pending confirmation or reversal"},
        proposed_action={"type": ["string", "null"], "enum": ["confirm", "reverse", None]},
        needs_review={**BOOL, "description": "confirmed, then its list entry was delisted"},
        algorithm=STR,
        list_version_id=INT,
        screening_id=STR,
        created_at=STR,
        updated_at=STR,
        decided_at=NSTR,
        explanation={"type": "object"},
    ),
    "FindingEvent": _obj(
        ["id", "at", "actor", "action", "from_status", "to_status", "reason", "details"],
        id=INT,
        at=STR,
        actor=STR,
        action=STR,
        from_status=NSTR,
        to_status=STR,
        reason=NSTR,
        details={"type": "object"},
    ),
    "Attachment": _obj(
        ["id", "filename", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"],
        id=INT,
        filename=STR,
        content_type=STR,
        size=INT,
        sha256=STR,
        uploaded_by=STR,
        uploaded_at=STR,
    ),
    "FindingDetail": {
        "allOf": [
            _ref("Finding"),
            _obj(
                ["supplier", "entry_as_matched", "entry_now", "allowed_actions", "history", "attachments"],
                supplier=_ref("Supplier"),
                entry_as_matched={"type": "object", "description": "the list entry when it matched"},
                entry_now={
                    "type": ["object", "null"],
                    "description": "the entry in the current list version; null once delisted",
                },
                entry_changes={"type": ["object", "null"], "description": "field by field, since matched"},
                allowed_actions={"type": "array", "items": {"type": "string", "enum": list(FINDING_ACTIONS)}},
                history={"type": "array", "items": _ref("FindingEvent")},
                attachments={"type": "array", "items": _ref("Attachment")},
            ),
        ]
    },
    "Decision": {
        **_obj(
            ["action"],
            action={"type": "string", "enum": list(FINDING_ACTIONS)},
            reason={**NSTR, "description": "required to dismiss or comment"},
            assignee={**NSTR, "description": "an e-mail or apikey:<id>:<name>; '' unassigns"},
        ),
        "additionalProperties": False,
    },
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
    409: "Not allowed from the record's current state (the message names it)",
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


AUDIT_EVENT: Schema = _obj(
    ["id", "created_at", "actor", "action", "subject", "reason", "details", "prev_hash", "hash"],
    id=INT,
    created_at={"type": "string", "description": "ISO 8601, UTC, exactly as hashed"},
    actor={"type": "string", "description": "user:<e-mail>, apikey:<id>:<name>, cli or system"},
    action=STR,
    subject=NSTR,
    reason=NSTR,
    details={"type": "object"},
    prev_hash={"type": "string", "description": "SHA-256 of the event before it in the chain"},
    hash={"type": "string", "description": "SHA-256 of this event's content and prev_hash"},
)


def _audit_events() -> dict[str, Any]:
    day = {"type": "string", "format": "date", "description": "YYYY-MM-DD (UTC), inclusive"}
    query = {
        "from": day,
        "to": day,
        "supplier": {"type": "string", "description": "Events about this supplier ref"},
        "actor": {"type": "string", "description": "Exact actor, e.g. user:someone@example.org"},
        "action": {"type": "string", "description": "Exact action, or a prefix ending in * (finding.*)"},
        "format": {"type": "string", "enum": ["json", "csv"], "default": "json"},
    }
    export = _obj(
        ["from", "to", "filters", "as_of_id", "events", "count"],
        **{"from": {"type": ["string", "null"]}, "to": {"type": ["string", "null"]}},
        filters={"type": "object"},
        as_of_id=INT,
        events={"type": "array", "items": AUDIT_EVENT},
        count=INT,
    )
    return _op(
        "Export audit events (admin): streamed in id order, as JSON or as CSV with a header row",
        {
            "200": {
                "description": "The events; CSV cells that a spreadsheet would read as formulas start with '",
                "content": {"application/json": {"schema": export}, "text/csv": {}},
            }
        },
        400,
        403,
        parameters=[{"name": k, "in": "query", "schema": v} for k, v in query.items()],
    )


FINDING_ID = _path_param("finding_id", "The finding id", "integer")
FINDING_FILTERS = [
    {"name": "status", "in": "query", "schema": STR, "description": "Repeat or comma-separate"},
    {"name": "source", "in": "query", "schema": STR, "description": "Repeat or comma-separate"},
    {"name": "min_score", "in": "query", "schema": {"type": "number", "minimum": 0, "maximum": 1}},
    {"name": "max_score", "in": "query", "schema": {"type": "number", "minimum": 0, "maximum": 1}},
    {"name": "assignee", "in": "query", "schema": STR, "description": "user:<email>, me or none"},
    {"name": "supplier", "in": "query", "schema": STR, "description": "The supplier's ref"},
    *(
        {"name": n, "in": "query", "schema": STR, "description": "YYYY-MM-DD or ISO datetime (UTC)"}
        for n in ("created_from", "created_to", "updated_from", "updated_to")
    ),
    {"name": "needs_review", "in": "query", "schema": BOOL},
    {
        "name": "sort",
        "in": "query",
        "schema": {"type": "string", "enum": ["score", "created_at", "updated_at"]},
    },
    {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["desc", "asc"]}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]
ATTACHMENT_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)


def _finding_paths() -> dict[str, Any]:
    page = _obj(
        ["total", "limit", "offset", "findings"],
        total=INT,
        limit=INT,
        offset=INT,
        findings={"type": "array", "items": _ref("Finding")},
    )
    upload = _obj(["file"], file={"type": "string", "contentMediaType": "application/octet-stream"})
    attach = _op(
        "Attach evidence: PDF, PNG, JPEG, UTF-8 text or CSV, XLSX or DOCX (checked by content)",
        {"201": _json(_ref("Attachment"), "Attached")},
        400,
        403,
        404,
        parameters=[FINDING_ID],
    )
    attach["responses"]["413"] = _json(_ref("Error"), "The file is larger than the attachment limit")
    attach["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": upload}}}
    return {
        "/api/v1/findings": {
            "get": _op(
                "The review queue: filter, sort, page", {"200": _json(page)}, 400, parameters=FINDING_FILTERS
            )
        },
        "/api/v1/findings/{finding_id}": {
            "get": _op(
                "A finding with its supplier, the entry as matched and as now, history and files",
                {"200": _json(_ref("FindingDetail"))},
                404,
                parameters=[FINDING_ID],
            )
        },
        "/api/v1/findings/{finding_id}/decisions": {
            "post": _op(
                "Decide: start_review, propose_confirm, approve, reject, dismiss, escalate, reopen, "
                "comment or assign. 409 names the current status; 403 for the role or self-approval",
                {"200": _json(_ref("FindingDetail"))},
                400,
                403,
                404,
                409,
                body=_ref("Decision"),
                parameters=[FINDING_ID],
            )
        },
        "/api/v1/findings/{finding_id}/attachments": {"post": attach},
        "/api/v1/findings/{finding_id}/attachments/{attachment_id}": {
            "get": {
                **_op(
                    "Download an attachment (always as a download, with nosniff)",
                    {},
                    404,
                    parameters=[FINDING_ID, _path_param("attachment_id", "The attachment id", "integer")],
                ),
                "responses": {
                    "200": {
                        "description": "The file",
                        "content": {content_type: {} for content_type in ATTACHMENT_TYPES},
                    },
                    **_errors(401, 404, 429),
                },
            }
        },
    }


JOB_RUN: Schema = _obj(
    [
        "id",
        "job",
        "trigger",
        "holder",
        "status",
        "started_at",
        "finished_at",
        "duration_seconds",
        "details",
        "error",
    ],
    id=INT,
    job=STR,
    trigger={"type": "string", "enum": ["schedule", "catch-up", "manual"]},
    holder={"type": "string", "description": "the scheduler process, cli, or the user or key that asked"},
    status={"type": "string", "enum": ["running", "success", "failed"]},
    started_at=STR,
    finished_at=NSTR,
    duration_seconds={"type": ["number", "null"]},
    details={
        "type": "object",
        "description": "what the job reported (a sweep's counters, a refresh's outcome)",
    },
    error=NSTR,
)
SWEEP: Schema = _obj(
    ["id", "kind", "status", "started_at", "finished_at", "suppliers_screened", "new_findings"],
    id=INT,
    kind={"type": "string", "enum": ["delta", "full"]},
    status={"type": "string", "enum": ["running", "done", "failed"]},
    started_at=STR,
    finished_at=NSTR,
    since=NSTR,
    phase={"type": "string", "enum": ["suppliers", "entries"]},
    suppliers_screened=INT,
    entries_considered=INT,
    new_findings=INT,
    reopened_findings=INT,
    errors=INT,
    error=NSTR,
    screening_id=NSTR,
)


def _job_paths() -> dict[str, Any]:
    job = _obj(
        ["name", "description", "cron", "next_run_at", "last_run"],
        name={"type": "string", "description": "refresh:<source>, sweep, sweep_full, outbox or retention"},
        description=STR,
        cron={"type": "string", "description": "5-field cron expression, UTC"},
        next_run_at=NSTR,
        last_run={"oneOf": [JOB_RUN, {"type": "null"}]},
    )
    return {
        "/api/v1/jobs": {
            "get": _op(
                "Every scheduled job with its next run and last outcome (admin)",
                {
                    "200": _json(
                        _obj(["scheduler", "jobs"], scheduler=NSTR, jobs={"type": "array", "items": job})
                    )
                },
                403,
            )
        },
        "/api/v1/jobs/{name}/run": {
            "post": _op(
                "Start a job now; it runs in the background (admin)",
                {"202": _json(_obj(["job", "status"], job=STR, status=STR), "Started")},
                403,
                404,
                409,
                parameters=[_path_param("name", "The job's name, e.g. sweep")],
            )
        },
        "/api/v1/sweeps": {
            "get": _op(
                "The latest sweeps with their counters (admin, reviewer, approver)",
                {"200": _json(_obj(["sweeps"], sweeps={"type": "array", "items": SWEEP}))},
                403,
            )
        },
    }


REFERRAL_ID = _path_param("referral_id", "The referral id", "integer")
DATE: Schema = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
REFERRAL_SCHEMAS: dict[str, Schema] = {
    "ReferralIn": {
        **_obj(
            ["finding_ids", "practices", "sanction", "narrative"],
            finding_ids={
                "type": "array",
                "minItems": 1,
                "maxItems": 50,
                "items": INT,
                "description": "Confirmed findings, all of one supplier",
            },
            practices={"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(PRACTICES)}},
            sanction={"type": "string", "enum": list(SANCTIONS)},
            sanction_from={**DATE, "description": "Required for suspension and debarment"},
            sanction_until={**DATE, "description": "Required for suspension; for debarment unless permanent"},
            permanent={**BOOL, "description": "A permanent debarment"},
            sanction_text={**STR, "description": "Required for other: the measures"},
            narrative={"type": "string", "maxLength": 20000},
            affiliates={
                "type": "array",
                "items": {
                    **_obj(["name", "relationship"], name=STR, relationship=STR, country=NSTR),
                    "additionalProperties": False,
                },
            },
            vendor={
                **_obj(
                    [],
                    legal_name=STR,
                    other_names=STRS,
                    former_names=STRS,
                    ungm_vendor_number={**STR, "description": "Default: the supplier ref"},
                    registration_numbers=STRS,
                    tax_id=STR,
                    country=STR,
                    address=STR,
                ),
                "additionalProperties": False,
            },
            referring_organisation={**STR, "description": "Default: referrals.organisation"},
            focal_point={
                **_obj([], name=STR, email=STR),
                "description": "Default: referrals.focal_point_name and focal_point_email",
            },
        ),
        "additionalProperties": False,
    },
    "Referral": _obj(
        ["id", "key", "status", "supplier_ref", "finding_ids", "practices", "sanction", "created_by"],
        id=INT,
        key={**STR, "description": "Idempotency-Key of every delivery attempt"},
        status={"type": "string", "enum": list(REFERRAL_STATUSES)},
        supplier_ref=STR,
        supplier_name=STR,
        finding_ids={"type": "array", "items": INT},
        practices=STRS,
        sanction={"type": "object"},
        created_by=STR,
        created_at=STR,
        updated_at=STR,
        submitted_by=NSTR,
        submitted_at=NSTR,
        approved_by=NSTR,
        approved_at=NSTR,
        withdrawn_by=NSTR,
        withdrawn_at=NSTR,
        withdraw_reason=NSTR,
        channel={"type": ["string", "null"], "enum": ["webhook", "email", "manual", None]},
        queued_at=NSTR,
        attempts=INT,
        next_attempt_at=NSTR,
        last_error=NSTR,
        delivered_at=NSTR,
        delivery_reference=NSTR,
        failed_at=NSTR,
        listed_at={**NSTR, "description": "When the supplier was added to custom:referred"},
    ),
    "ReferralDetail": {
        "allOf": [
            _ref("Referral"),
            _obj(
                ["allowed_actions", "history", "delivery_attempts", "document"],
                allowed_actions={
                    "type": "array",
                    "items": {"type": "string", "enum": list(REFERRAL_ACTIONS)},
                },
                history={"type": "array", "items": _ref("FindingEvent")},
                delivery_attempts={
                    "type": "array",
                    "items": _obj(
                        ["number", "channel", "started_at", "outcome"],
                        number=INT,
                        channel=STR,
                        started_at=STR,
                        finished_at=NSTR,
                        outcome={
                            "type": "string",
                            "enum": ["in_progress", "delivered", "retry", "failed", "abandoned"],
                        },
                        status_code=NINT,
                        error=NSTR,
                    ),
                },
                document={
                    "type": "object",
                    "description": f"The referral document ({SCHEMA_ID}, at /api/v1/schemas/referral.json)",
                },
            ),
        ]
    },
}
SCHEMAS.update(REFERRAL_SCHEMAS)
STEP_TEXT = {
    "submit": "Submit a draft for approval (reviewer, approver)",
    "approve": "Approve: an approver who neither wrote nor submitted it (else 403); freezes the document",
    "withdraw": 'Withdraw before delivery; {"reason"} required',
    "mark-delivered": 'Record a delivery made by hand (approver); {"reason"}: the case reference',
    "retry": "Send a failed referral again (approver): back to approved, the outbox queues it",
}


def _referral_paths() -> dict[str, Any]:
    page = _obj(
        ["total", "limit", "offset", "referrals"],
        total=INT,
        limit=INT,
        offset=INT,
        referrals={"type": "array", "items": _ref("Referral")},
    )
    filters = [
        {"name": "status", "in": "query", "schema": STR, "description": "Repeat or comma-separate"},
        {"name": "supplier", "in": "query", "schema": STR, "description": "The supplier's ref"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    ]
    step_body = {
        "required": False,
        "content": {"application/json": {"schema": {**_obj([], reason=STR), "additionalProperties": False}}},
    }
    paths: dict[str, Any] = {
        "/api/v1/schemas/referral.json": {
            "get": {
                "summary": "The JSON Schema (2020-12) of the referral document (public)",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The schema")},
            }
        },
        "/api/v1/referrals": {
            "get": _op("Referrals, newest first", {"200": _json(page)}, 400, parameters=filters),
            "post": _op(
                "Create a draft referral from confirmed findings of one supplier (reviewer, approver). "
                "409 names a finding that is not confirmed or already referred",
                {"201": _json(_ref("ReferralDetail"), "Created")},
                400,
                403,
                409,
                body=_ref("ReferralIn"),
            ),
        },
        "/api/v1/referrals/{referral_id}": {
            "get": _op(
                "A referral with its document, history and delivery attempts",
                {"200": _json(_ref("ReferralDetail"))},
                404,
                parameters=[REFERRAL_ID],
            )
        },
        "/api/v1/referrals/{referral_id}.{fmt}": {
            "get": {
                **_op("The referral document as a download", {}, 404, parameters=[REFERRAL_ID]),
                "parameters": [
                    REFERRAL_ID,
                    {
                        "name": "fmt",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ["json", "xlsx", "pdf"]},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "JSON (exactly what is delivered), XLSX or the PDF evidence document",
                        "content": {
                            "application/json": {},
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                            "application/pdf": {},
                        },
                    },
                    **_errors(401, 404, 429),
                },
            }
        },
    }
    for step, summary in STEP_TEXT.items():
        operation = _op(
            f"{summary}. 409 names the current status",
            {"200": _json(_ref("ReferralDetail"))},
            400,
            403,
            404,
            409,
            parameters=[REFERRAL_ID],
        )
        operation["requestBody"] = step_body
        paths[f"/api/v1/referrals/{{referral_id}}/{step}"] = {"post": operation}
    return paths


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
        "/api/v1/audit/events": {"get": _audit_events()},
        **_job_paths(),
    }
    paths.update(_finding_paths())
    paths.update(_referral_paths())
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
