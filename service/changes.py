"""What changed, field by field: between two stored list entries, or two copies of a supplier's
screened fields. Shown when a dismissed or delisted finding reopens, and beside a finding's
entry as matched and as it is now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

_ENTRY_LISTS: dict[str, Callable[[Any], str]] = {
    "names": lambda n: n["value"] if n.get("type") == "primary" else f"{n['value']} ({n.get('type')})",
    "countries": str,
    "nationalities": str,
    "identifiers": lambda i: (
        f"{i.get('type')}: {i.get('value')}" + (f" ({i['country']})" if i.get("country") else "")
    ),
    "addresses": lambda a: a.get("full", ""),
    "birth_dates": str,
    "birth_places": str,
    "programs": str,
}
_ENTRY_SCALARS = ("kind", "listed_on", "remarks", "url")
_SUPPLIER_LISTS = ("other_names", "registration_numbers", "owners")
_SUPPLIER_SCALARS = ("name", "kind", "country", "tax_id")


def _set_change(old: Iterable[str], new: Iterable[str]) -> dict[str, list[str]] | None:
    before, after = set(old), set(new)
    if before == after:
        return None
    return {"added": sorted(after - before), "removed": sorted(before - after)}


def diff_entry(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, Any]:
    """Field by field, what differs between two stored list entries (names added/removed...)."""
    old, new = old or {}, new or {}
    changes: dict[str, Any] = {}
    for field, label in _ENTRY_LISTS.items():
        found = _set_change(map(label, old.get(field) or []), map(label, new.get(field) or []))
        if found:
            changes[field] = found
    for field in _ENTRY_SCALARS:
        if old.get(field) != new.get(field):
            changes[field] = {"from": old.get(field), "to": new.get(field)}
    props_old, props_new = old.get("properties") or {}, new.get("properties") or {}
    props = {
        key: found
        for key in sorted(set(props_old) | set(props_new))
        if (found := _set_change(props_old.get(key) or [], props_new.get(key) or []))
    }
    if props:
        changes["properties"] = props
    return changes


def diff_supplier(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """Field by field, what differs in a supplier's screened fields (None: no earlier copy)."""
    if old is None:
        return {"screened_fields": "changed (no copy of the earlier values was kept)"}
    changes: dict[str, Any] = {}
    for field in _SUPPLIER_SCALARS:
        if old.get(field) != new.get(field):
            changes[field] = {"from": old.get(field), "to": new.get(field)}
    for field in _SUPPLIER_LISTS:
        found = _set_change(old.get(field) or [], new.get(field) or [])
        if found:
            changes[field] = found
    return changes
