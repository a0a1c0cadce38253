"""Shared fixtures.

Fixture strategy:
- `settings_for(url, tmp_path)` builds test `Settings`; nothing reads the developer's
  environment or config overrides except `config.yaml` itself.
- `app` is a fresh app on its own migrated SQLite file per test (cheap: one small schema).
- `db_app` runs a test twice: on SQLite and on the local PostgreSQL server
  (127.0.0.1:5432, user postgres, database `test`), each test in a schema of its own that is
  dropped afterwards. Without a reachable server the PostgreSQL half skips with the reason,
  except under CI=true, where it fails: CI must never pass by skipping the database it targets.
- Real published files are read from ../shared/data (`shared_data` fixture); they are never
  copied into the repository.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from service import create_app
from service.config import DatabaseSettings, Settings, load_settings
from service.db import get_db, upgrade

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
POSTGRES_URL = os.environ.get(
    "SCREENING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def settings_for(url: str, tmp_path: Path) -> Settings:
    """config.yaml defaults with a test database and a private instance folder."""
    base = load_settings(ROOT / "config.yaml", environ={})
    return replace(
        base,
        app=replace(base.app, env="testing", instance_dir=str(tmp_path / "instance")),
        database=DatabaseSettings(url=url),
    )


def _postgres_problem() -> str | None:
    """None when the PostgreSQL test server answers, else why not."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", reported
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server URL; skips (or fails under CI=true) when PostgreSQL is not reachable."""
    problem = _postgres_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true requires the PostgreSQL suite: {problem}", pytrace=False)
        pytest.skip(problem)
    return POSTGRES_URL


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DATA}")
    return SHARED_DATA


def _make_app(url: str, tmp_path: Path) -> Flask:
    app = create_app(settings_for(url, tmp_path))
    upgrade(get_db(app).engine)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A migrated app on a private SQLite file."""
    app = _make_app(f"sqlite:///{tmp_path / 'test.sqlite'}", tmp_path)
    yield app
    _close(app)


def _close(app: Flask) -> None:
    """Stop the app's background threads, then its connections."""
    app.extensions["screening.batches"].stop()
    app.extensions["screening.scheduler"].stop()
    get_db(app).engine.dispose()


@contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A database URL on `server` whose tables live in a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on SQLite, then on PostgreSQL (its own schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def db_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A migrated app on SQLite, then on PostgreSQL."""
    app = _make_app(database_url, tmp_path)
    yield app
    _close(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
