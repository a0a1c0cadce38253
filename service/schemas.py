"""Request validation for the JSON API.

Each parser takes the decoded JSON and returns a frozen dataclass, or raises
`ValidationError` whose `details` list every bad field by its path (`suppliers[3].country`),
so a calling system can fix its request in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.errors import ValidationError
from watchlists.countries import to_alpha2

KINDS = ("organization", "person", "vessel", "aircraft", "unknown")
KIND_SYNONYMS = {"company": "organization", "entity": "organization", "individual": "person"}
MAX_NAME_LENGTH = 500
MAX_OTHER_NAMES = 50
SUPPLIER_FIELDS = frozenset(
    {
        "ref",
        "name",
        "other_names",
        "original_script_name",
        "kind",
        "country",
        "registration_numbers",
        "tax_id",
        "address",
        "owners",
    }
)
OWNER_FIELDS = frozenset({"name", "country", "kind", "role"})


@dataclass(frozen=True)
class Owner:
    name: str
    country: str | None
    role: str | None


@dataclass(frozen=True)
class SupplierInput:
    name: str
    kind: str
    country: str | None
    other_names: tuple[str, ...] = ()
    original_script_name: str | None = None
    ref: str | None = None
    registration_numbers: tuple[str, ...] = ()
    tax_id: str | None = None
    address: str | None = None
    owners: tuple[Owner, ...] = ()

    @property
    def all_other_names(self) -> tuple[str, ...]:
        """Other names plus the original-script name: every name screened besides `name`."""
        extra = (self.original_script_name,) if self.original_script_name else ()
        return tuple(dict.fromkeys(self.other_names + extra))


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})


def parse_screen_request(body: Any, max_batch: int) -> tuple[list[SupplierInput], bool]:
    """Parse a /screen body: one supplier, or {"suppliers": [...]}. Returns (suppliers, is_batch)."""
    if not isinstance(body, dict):
        raise ValidationError(
            "request body must be a JSON object", [{"field": "", "message": "not an object"}]
        )
    problems = _Problems()
    if "suppliers" in body:
        extra = sorted(set(body) - {"suppliers"})
        for key in extra:
            problems.add(key, "unknown field next to 'suppliers'")
        items = body["suppliers"]
        if not isinstance(items, list) or not items:
            raise ValidationError(
                "'suppliers' must be a non-empty list",
                [{"field": "suppliers", "message": "must be a non-empty list"}],
            )
        suppliers = [_supplier(item, f"suppliers[{i}]", problems) for i, item in enumerate(items)]
        batch = True
    else:
        suppliers = [_supplier(body, "", problems)]
        batch = False
    if problems.items:
        fields = ", ".join(p["field"] for p in problems.items[:10])
        raise ValidationError(f"invalid request: {fields}", problems.items)
    return suppliers, batch  # type: ignore[return-value]


def parse_supplier(body: Any) -> SupplierInput:
    """Parse one supplier object; ValidationError naming every bad field."""
    problems = _Problems()
    supplier = _supplier(body, "", problems)
    if problems.items or supplier is None:
        fields = ", ".join(p["field"] for p in problems.items[:10])
        raise ValidationError(f"invalid supplier: {fields}", problems.items)
    return supplier


def _supplier(data: Any, path: str, problems: _Problems) -> SupplierInput | None:
    prefix = f"{path}." if path else ""
    if not isinstance(data, dict):
        problems.add(path or "", "must be an object")
        return None
    for key in sorted(set(data) - SUPPLIER_FIELDS):
        problems.add(prefix + key, f"unknown field (allowed: {', '.join(sorted(SUPPLIER_FIELDS))})")
    name = _name(data.get("name"), prefix + "name", problems, required=True)
    return SupplierInput(
        name=name or "",
        kind=_kind(data.get("kind"), prefix + "kind", problems),
        country=_country(data.get("country"), prefix + "country", problems),
        other_names=_names(data.get("other_names"), prefix + "other_names", problems),
        original_script_name=_name(
            data.get("original_script_name"), prefix + "original_script_name", problems
        ),
        ref=_text(data.get("ref"), prefix + "ref", problems, 100),
        registration_numbers=_texts(
            data.get("registration_numbers"), prefix + "registration_numbers", problems
        ),
        tax_id=_text(data.get("tax_id"), prefix + "tax_id", problems, 100),
        address=_text(data.get("address"), prefix + "address", problems, 1000),
        owners=_owners(data.get("owners"), prefix + "owners", problems),
    )


def _name(value: Any, field: str, problems: _Problems, required: bool = False) -> str | None:
    if value is None:
        if required:
            problems.add(field, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(field, "must be a non-empty string")
        return None
    if len(value) > MAX_NAME_LENGTH:
        problems.add(field, f"longer than {MAX_NAME_LENGTH} characters")
        return None
    return " ".join(value.split())


def _names(value: Any, field: str, problems: _Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_OTHER_NAMES:
        problems.add(field, f"must be a list of at most {MAX_OTHER_NAMES} strings")
        return ()
    names = [_name(v, f"{field}[{i}]", problems) for i, v in enumerate(value)]
    return tuple(n for n in names if n)


def _text(value: Any, field: str, problems: _Problems, max_length: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > max_length:
        problems.add(field, f"must be a string of at most {max_length} characters")
        return None
    return value.strip() or None


def _texts(value: Any, field: str, problems: _Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.add(field, "must be a list of strings")
        return ()
    texts = [_text(v, f"{field}[{i}]", problems, 100) for i, v in enumerate(value)]
    return tuple(t for t in texts if t)


def _kind(value: Any, field: str, problems: _Problems) -> str:
    if value is None:
        return "unknown"
    kind = KIND_SYNONYMS.get(str(value).strip().lower(), str(value).strip().lower())
    if kind not in KINDS:
        problems.add(field, f"must be one of {', '.join(KINDS)}")
        return "unknown"
    return kind


def _country(value: Any, field: str, problems: _Problems) -> str | None:
    if value is None or value == "":
        return None
    code = to_alpha2(value) if isinstance(value, str) else None
    if code is None:
        problems.add(field, f"unknown country {value!r}; use an ISO 3166-1 alpha-2 code such as 'FR'")
    return code


def _owners(value: Any, field: str, problems: _Problems) -> tuple[Owner, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add(field, "must be a list of objects with 'name'")
        return ()
    owners = []
    for i, item in enumerate(value):
        path = f"{field}[{i}]"
        if not isinstance(item, dict):
            problems.add(path, "must be an object with 'name'")
            continue
        for key in sorted(set(item) - OWNER_FIELDS):
            problems.add(f"{path}.{key}", f"unknown field (allowed: {', '.join(sorted(OWNER_FIELDS))})")
        name = _name(item.get("name"), f"{path}.name", problems, required=True)
        country = _country(item.get("country"), f"{path}.country", problems)
        role = _text(item.get("role"), f"{path}.role", problems, 100)
        if name:
            owners.append(Owner(name, country, role))
    return tuple(owners)
