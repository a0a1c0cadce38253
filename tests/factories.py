"""Tiny builders for test records."""

from __future__ import annotations

from typing import Any

from watchlists import ListEntry, Name


def make_entry(entry_id: str = "X1", name: str = "ACME TRADING LTD", **kw: Any) -> ListEntry:
    """A list entry with sensible defaults; keyword arguments override fields."""
    fields: dict[str, Any] = {
        "source": "un_sc",
        "entry_id": entry_id,
        "kind": "organization",
        "names": (Name(name, "primary"),),
    }
    fields.update(kw)
    return ListEntry(**fields)
