"""The dependency direction of DESIGN.md §2, enforced on the source text.

`screening/` and `watchlists/` are pure cores: they import neither the web and persistence
stack nor `service`, nor each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_FOR_CORE = {"flask", "sqlalchemy", "apscheduler", "openpyxl", "alembic", "werkzeug", "service"}
RULES = {
    "screening": FORBIDDEN_FOR_CORE | {"watchlists"},
    "watchlists": FORBIDDEN_FOR_CORE | {"screening"},
}


def imported_modules(path: Path) -> set[str]:
    """Top-level module names imported anywhere in `path` (including inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(RULES))
def test_core_packages_do_not_import_forbidden_modules(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    violations = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in imported_modules(path) & RULES[package]
    }
    assert not violations, sorted(violations)


def test_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from flask import Flask\n    import sqlalchemy.orm\n")
    assert imported_modules(module) == {"flask", "sqlalchemy"}
