"""The engine stays pure: stdlib, rapidfuzz (in distance.py only) and anyascii."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import screening

PACKAGE = Path(screening.__file__).parent
FORBIDDEN = {"flask", "sqlalchemy", "apscheduler", "openpyxl", "service", "watchlists"}
THIRD_PARTY = {"rapidfuzz", "anyascii"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_screening_imports_only_the_standard_library_rapidfuzz_and_anyascii() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        roots = _imports(path) - {"screening", "__future__"}
        assert not roots & FORBIDDEN, path.name
        outside = {root for root in roots if root not in sys.stdlib_module_names}
        assert outside <= THIRD_PARTY, f"{path.name}: {outside}"
        if "rapidfuzz" in roots:
            assert path.name == "distance.py"


def test_public_names_are_curated() -> None:
    assert sorted(screening.__all__) == screening.__all__
    for name in screening.__all__:
        assert getattr(screening, name) is not None
