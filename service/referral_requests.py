"""Reading a referral request (`POST /api/v1/referrals` and the creation page).

`parse_referral_request` takes the decoded JSON and returns a frozen `ReferralRequest`, or
raises `ValidationError` whose `details` name every bad field (`affiliates[1].country`,
`sanction_until`), so a caller fixes its request in one go. Whether the findings exist, are
confirmed and belong to one supplier is decided later, against the database
(`service.referrals.create_referral`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from service.config import EMAIL, ReferralSettings
from service.errors import ValidationError
from watchlists.countries import to_alpha2

# The proscribed practices of the UN system's vendor sanctions framework (UNGM).
PRACTICES = (
    "corruption",
    "fraud",
    "coercion",
    "collusion",
    "obstruction",
    "unethical_practice",
    "sexual_exploitation_and_abuse",
    "sexual_harassment",
    "human_trafficking",
    "forced_labour",
)
SANCTIONS = ("censure", "suspension", "debarment", "other")
BODY_FIELDS = frozenset(
    {
        *("finding_ids", "practices", "sanction", "sanction_from", "sanction_until", "permanent"),
        *("sanction_text", "narrative", "affiliates", "vendor", "referring_organisation", "focal_point"),
    }
)
VENDOR_LISTS = ("other_names", "former_names", "registration_numbers")
VENDOR_TEXTS = ("legal_name", "ungm_vendor_number", "tax_id", "address")
VENDOR_FIELDS = frozenset({*VENDOR_LISTS, *VENDOR_TEXTS, "country"})
AFFILIATE_FIELDS = frozenset({"name", "relationship", "country"})
MAX_FINDINGS = 50
MAX_AFFILIATES = 100
MAX_LIST_ITEMS = 50
MAX_TEXT = 500
MAX_NARRATIVE = 20_000


@dataclass(frozen=True)
class Sanction:
    """The measure recommended: censure, suspension (dates), debarment (dates or permanent), other."""

    type: str
    start: str | None = None  # ISO date
    until: str | None = None  # ISO date
    permanent: bool = False
    text: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "from": self.start,
            "until": self.until,
            "permanent": self.permanent,
            "text": self.text,
        }


@dataclass(frozen=True)
class ReferralRequest:
    finding_ids: tuple[int, ...]
    practices: tuple[str, ...]
    sanction: Sanction
    narrative: str
    affiliates: tuple[dict[str, str | None], ...] = ()
    vendor: dict[str, Any] = field(default_factory=dict)  # overrides of the supplier's record
    organisation: dict[str, Any] = field(default_factory=dict)  # {"name", "focal_point": {...}}


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})


def parse_referral_request(body: Any, settings: ReferralSettings) -> ReferralRequest:
    """The referral request in `body`; ValidationError naming every bad field."""
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object", [{"field": "", "message": "not an object"}])
    problems = _Problems()
    for name in sorted(set(body) - BODY_FIELDS):
        problems.add(name, f"unknown field (allowed: {', '.join(sorted(BODY_FIELDS))})")
    request = ReferralRequest(
        finding_ids=_finding_ids(body.get("finding_ids"), problems),
        practices=_practices(body.get("practices"), problems),
        sanction=_sanction(body, problems),
        narrative=_text(body.get("narrative"), "narrative", problems, MAX_NARRATIVE, required=True) or "",
        affiliates=_affiliates(body.get("affiliates"), problems),
        vendor=_vendor(body.get("vendor"), problems),
        organisation=_organisation(body, settings, problems),
    )
    if problems.items:
        fields = ", ".join(dict.fromkeys(p["field"] for p in problems.items))
        raise ValidationError(f"invalid referral: {fields}", problems.items)
    return request


def _finding_ids(value: Any, problems: _Problems) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        problems.add("finding_ids", "required: a list of one or more confirmed finding ids")
        return ()
    if len(value) > MAX_FINDINGS:
        problems.add("finding_ids", f"at most {MAX_FINDINGS} findings per referral")
    ids = []
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            problems.add(f"finding_ids[{index}]", "must be a finding id (a positive integer)")
        elif item in ids:
            problems.add(f"finding_ids[{index}]", f"finding {item} is listed twice")
        else:
            ids.append(item)
    return tuple(ids)


def _practices(value: Any, problems: _Problems) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        problems.add("practices", f"required: a list of one or more of {', '.join(PRACTICES)}")
        return ()
    found: list[str] = []
    for index, item in enumerate(value):
        if item not in PRACTICES:
            problems.add(f"practices[{index}]", f"unknown practice {item!r}; one of {', '.join(PRACTICES)}")
        elif item not in found:
            found.append(item)
    return tuple(sorted(found, key=PRACTICES.index))


def _sanction(body: dict[str, Any], problems: _Problems) -> Sanction:
    kind = body.get("sanction")
    if kind not in SANCTIONS:
        problems.add("sanction", f"required: one of {', '.join(SANCTIONS)}")
        return Sanction(type=str(kind))
    start = _date(body.get("sanction_from"), "sanction_from", problems)
    until = _date(body.get("sanction_until"), "sanction_until", problems)
    permanent = body.get("permanent", False)
    if not isinstance(permanent, bool):
        problems.add("permanent", "must be true or false")
        permanent = False
    text = _text(
        body.get("sanction_text"), "sanction_text", problems, MAX_NARRATIVE, required=kind == "other"
    )
    if kind in ("suspension", "debarment") and body.get("sanction_from") is None:
        problems.add("sanction_from", f"required for {kind}: the first day (YYYY-MM-DD)")
    if kind == "suspension" and body.get("sanction_until") is None:
        problems.add("sanction_until", "required for suspension: the last day (YYYY-MM-DD)")
    if kind == "debarment" and body.get("sanction_until") is None and not permanent:
        problems.add("sanction_until", "debarment needs an end date (sanction_until) or permanent: true")
    if permanent and (kind != "debarment" or until is not None):
        problems.add("permanent", "only a debarment may be permanent, and then without sanction_until")
    if start and until and until <= start:
        problems.add("sanction_until", f"must be after sanction_from ({start})")
    return Sanction(kind, start, until, permanent, text)


def _date(value: Any, name: str, problems: _Problems) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _is_date(value):
        return value
    problems.add(name, f"must be a date YYYY-MM-DD, got {value!r}")
    return None


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _text(value: Any, name: str, problems: _Problems, limit: int, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(name, "required: a non-empty text")
        return None
    if not isinstance(value, str):
        problems.add(name, "must be a string")
        return None
    if len(value) > limit:
        problems.add(name, f"at most {limit:,} characters")
    return value.strip()


def _country(value: Any, name: str, problems: _Problems) -> str | None:
    if value is None or value == "":
        return None
    code = to_alpha2(value) if isinstance(value, str) else None
    if code is None:
        problems.add(name, f"unknown country {value!r}; use an ISO 3166-1 alpha-2 code such as 'FR'")
    return code


def _strings(value: Any, name: str, problems: _Problems) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        problems.add(name, f"must be a list of at most {MAX_LIST_ITEMS} strings")
        return []
    found = []
    for index, item in enumerate(value):
        text = _text(item, f"{name}[{index}]", problems, MAX_TEXT, required=True)
        if text and text not in found:
            found.append(text)
    return found


def _affiliates(value: Any, problems: _Problems) -> tuple[dict[str, str | None], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_AFFILIATES:
        problems.add("affiliates", f"must be a list of at most {MAX_AFFILIATES} objects")
        return ()
    found = []
    for index, item in enumerate(value):
        at = f"affiliates[{index}]"
        if not isinstance(item, dict):
            problems.add(at, "must be an object {name, relationship, country}")
            continue
        for extra in sorted(set(item) - AFFILIATE_FIELDS):
            problems.add(f"{at}.{extra}", "unknown field (allowed: country, name, relationship)")
        found.append(
            {
                "name": _text(item.get("name"), f"{at}.name", problems, MAX_TEXT, required=True),
                "relationship": _text(
                    item.get("relationship"), f"{at}.relationship", problems, MAX_TEXT, required=True
                ),
                "country": _country(item.get("country"), f"{at}.country", problems),
            }
        )
    return tuple(found)


def _vendor(value: Any, problems: _Problems) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add("vendor", "must be an object")
        return {}
    for extra in sorted(set(value) - VENDOR_FIELDS):
        problems.add(f"vendor.{extra}", f"unknown field (allowed: {', '.join(sorted(VENDOR_FIELDS))})")
    found: dict[str, Any] = {}
    for name in VENDOR_LISTS:
        if name in value:
            found[name] = _strings(value[name], f"vendor.{name}", problems)
    for name in VENDOR_TEXTS:
        if name in value:
            found[name] = _text(
                value[name], f"vendor.{name}", problems, MAX_TEXT, required=name == "legal_name"
            )
    if "country" in value:
        found["country"] = _country(value["country"], "vendor.country", problems)
    return found


def _organisation(body: dict[str, Any], settings: ReferralSettings, problems: _Problems) -> dict[str, Any]:
    """The referring organisation and its focal point: the configured ones unless the body says."""
    name = _text(body.get("referring_organisation"), "referring_organisation", problems, MAX_TEXT)
    focal = body.get("focal_point") or {}
    if not isinstance(focal, dict) or set(focal) - {"name", "email"}:
        problems.add("focal_point", "must be an object {name, email}")
        focal = {}
    person = _text(focal.get("name"), "focal_point.name", problems, MAX_TEXT)
    email = _text(focal.get("email"), "focal_point.email", problems, MAX_TEXT)
    organisation = name or settings.organisation
    person = person or settings.focal_point_name
    address = email or settings.focal_point_email
    if not organisation:
        problems.add("referring_organisation", "required: set referrals.organisation or give it here")
    if not person:
        problems.add("focal_point.name", "required: set referrals.focal_point_name or give it here")
    if not address or not EMAIL.match(address):
        problems.add("focal_point.email", "required: an e-mail address (referrals.focal_point_email)")
    return {"name": organisation, "focal_point": {"name": person, "email": address}}
