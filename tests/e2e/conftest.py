"""Fixtures for end-to-end tests (the helpers live in tests/e2e_support.py)."""

from e2e_support import chromium_path

__all__ = ["chromium_path"]
