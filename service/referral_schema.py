"""The JSON Schema (2020-12) of the referral document, published at /api/v1/schemas/referral.json.

Versioned: `$id` ends in the schema version. A change that a receiver could trip over (a field
removed, renamed or retyped, a new required field) is a new major version; adding an optional
field is a minor one. Documents name the version they follow in `schema` and `schema_version`.
Tests validate real documents against it.
"""

from __future__ import annotations

from typing import Any

from service.referral_requests import PRACTICES, SANCTIONS

SCHEMA_VERSION = "1.0.0"
SCHEMA_ID = f"urn:supplier-screening:schema:referral:{SCHEMA_VERSION}"
Schema = dict[str, Any]


def _text(description: str, *, nullable: bool = False) -> Schema:
    return {"type": ["string", "null"] if nullable else "string", "description": description}


def _texts(description: str) -> Schema:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def _object(description: str, required: list[str], **properties: Schema) -> Schema:
    return {
        "type": "object",
        "description": description,
        "required": required,
        "properties": properties,
    }


DATE = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": ["string", "null"], "format": "date-time"}
ACTOR = "who: user:<e-mail>, apikey:<id>:<name> or system"

ENTRY: Schema = {
    **_object(
        "The list entry exactly as it was when the supplier matched it (the publisher's data)",
        ["source", "entry_id", "kind", "names"],
        source=_text("Source id, e.g. un_sc, us_ofac_sdn, custom:<name>"),
        entry_id=_text("The publisher's own id (UN reference number, OFAC ent_num, ...)"),
        kind={"enum": ["person", "organization", "vessel", "aircraft", "unknown"]},
        names={
            "type": "array",
            "items": _object(
                "One name as printed",
                ["value", "type"],
                value={"type": "string"},
                type={"enum": ["primary", "alias", "weak_alias", "original_script", "former"]},
                lang={"type": ["string", "null"]},
                quality={"type": ["string", "null"]},
            ),
        },
        countries=_texts("ISO 3166-1 alpha-2"),
        identifiers={"type": "array", "items": {"type": "object"}},
        addresses={"type": "array", "items": {"type": "object"}},
        birth_dates=_texts("ISO 8601, possibly partial"),
        programs=_texts("Sanctions programmes, regimes or debarment grounds"),
        listed_on=DATE | {"description": "When the publisher listed it"},
        remarks=_text("The publisher's remarks", nullable=True),
        url=_text("The publisher's page about the entry", nullable=True),
        properties={"type": "object"},
    ),
    "additionalProperties": True,
}

EVIDENCE: Schema = _object(
    "One confirmed finding: the supplier matched a list entry, and people confirmed it",
    ["finding_id", "source", "entry_id", "score", "list_version", "entry", "screenings", "decisions"],
    finding_id={"type": "integer"},
    status=_text("The finding's status when the document was made (confirmed)"),
    score={"type": "number", "minimum": 0, "maximum": 1, "description": "Match score, 0..1"},
    source=_text("Source id of the list"),
    entry_id=_text("The publisher's entry id"),
    listed_name=_text("The entry's primary name", nullable=True),
    matched_name=_text("The listed name the supplier matched", nullable=True),
    query_name=_text("The supplier's name that matched", nullable=True),
    summary=_text("Why it matched, in one sentence", nullable=True),
    algorithm=_text("The matching algorithm and version"),
    list_version=_object(
        "The list version the entry was taken from",
        ["source", "version", "published_at", "fetched_at"],
        source={"type": "string"},
        version={"type": "integer", "description": "The service's version number of that list"},
        published_at=_text("The publisher's own date of that version", nullable=True),
        fetched_at=MOMENT | {"description": "When the service loaded it"},
        checksum=_text("SHA-256 of the published file"),
    ),
    entry=ENTRY,
    screenings={
        "type": "array",
        "items": _object(
            "A screening that raised the finding",
            ["id", "created_at", "channel", "actor"],
            id={"type": "string"},
            created_at=MOMENT,
            channel=_text("api, upload, sweep or cli"),
            actor=_text(ACTOR),
            algorithm={"type": "string"},
            threshold={"type": "number"},
            lists={"type": "array", "items": {"type": "object"}},
        ),
    },
    decisions={
        "type": "array",
        "items": _object(
            "One step of the finding's history (the second confirmation is by another person)",
            ["at", "actor", "action", "to_status"],
            at=MOMENT,
            actor=_text(ACTOR),
            action=_text("created, start_review, propose_confirm, approve, ..."),
            from_status={"type": ["string", "null"]},
            to_status={"type": "string"},
            reason={"type": ["string", "null"]},
        ),
    },
)

REFERRAL_SCHEMA: Schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Supplier referral to the shared marketplace",
    "description": "Confirmed findings about one supplier, the proscribed practices, the sanction "
    "recommended and the evidence, as approved by two people of the referring organisation.",
    **_object(
        "The referral document",
        [
            *("schema", "schema_version", "referral_id", "key", "created_at", "referring_organisation"),
            *("vendor", "affiliates", "practices", "sanction", "narrative", "evidence", "approval"),
        ],
        schema={"const": SCHEMA_ID},
        schema_version={"const": SCHEMA_VERSION},
        referral_id={"type": "integer", "description": "The referral's number in the referring service"},
        key=_text("Idempotency key: the same on every delivery of this referral; keep it once"),
        created_at=MOMENT | {"description": "When the referral was written"},
        created_by=_text(f"Its author, {ACTOR}"),
        generated_at=MOMENT | {"description": "When the document was made (at approval once approved)"},
        referring_organisation=_object(
            "Who refers, and the focal point who answers for it",
            ["name", "focal_point"],
            name={"type": "string"},
            focal_point=_object(
                "The focal point",
                ["name", "email"],
                name={"type": "string"},
                email={"type": "string", "format": "email"},
            ),
        ),
        vendor=_object(
            "The vendor's identification",
            ["legal_name", "ungm_vendor_number", "country"],
            legal_name={"type": "string"},
            other_names=_texts("Other names the vendor uses"),
            former_names=_texts("Names it used before"),
            original_script_name={"type": ["string", "null"]},
            ungm_vendor_number=_text("UNGM vendor number (the supplier ref unless given)"),
            supplier_ref=_text("The organisation's own vendor number"),
            kind={"enum": ["person", "organization", "vessel", "aircraft", "unknown"]},
            registration_numbers=_texts("Company registration numbers"),
            tax_id={"type": ["string", "null"]},
            country={"type": ["string", "null"], "description": "ISO 3166-1 alpha-2"},
            address={"type": ["string", "null"]},
            owners={"type": "array", "items": {"type": "object"}},
        ),
        affiliates={
            "type": "array",
            "description": "Known affiliates (common ownership or control)",
            "items": _object(
                "An affiliate",
                ["name", "relationship"],
                name={"type": "string"},
                relationship=_text("e.g. common ownership, parent company, director"),
                country={"type": ["string", "null"]},
            ),
        },
        practices={
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"enum": list(PRACTICES)},
            "description": "The proscribed practices",
        },
        sanction={
            **_object(
                "The sanction recommended",
                ["type", "from", "until", "permanent"],
                type={"enum": list(SANCTIONS)},
                **{"from": DATE | {"description": "First day"}},
                until=DATE | {"description": "Last day; null when permanent or not dated"},
                permanent={"type": "boolean", "description": "A permanent debarment"},
                text={"type": ["string", "null"], "description": "Other measures, or conditions"},
            ),
        },
        narrative=_text("The basis of the referral, in the organisation's words"),
        evidence={
            "type": "array",
            "minItems": 1,
            "items": EVIDENCE,
            "description": "Each confirmed finding with the list entry as matched, screenings and decisions",
        },
        approval=_object(
            "The four eyes: who submitted and who (another person) approved",
            ["submitted_by", "submitted_at", "approved_by", "approved_at"],
            submitted_by={"type": ["string", "null"]},
            submitted_at=MOMENT,
            approved_by={"type": ["string", "null"]},
            approved_at=MOMENT,
        ),
    ),
}
