"""Engine, sessions and migrations.

One engine and one `sessionmaker` per app, kept on `app.extensions["screening.db"]`.
`get_session()` gives the request's session (cached on `g`, closed and rolled back at
teardown); jobs and CLI commands use `session_scope(app)`. Store code never commits: the view
or command that owns the unit of work does, once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import orjson
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.config import PROJECT_ROOT, DatabaseSettings

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]


def build_engine(settings: DatabaseSettings) -> Engine:
    """Create the engine for `settings.url`; relative SQLite paths are under the project root."""
    url = make_url(settings.url)
    if settings.password:
        url = url.set(password=settings.password)
    kwargs: dict[str, Any] = {"echo": settings.echo, "future": True, "json_deserializer": load_json}
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            if not path.is_absolute():
                path = PROJECT_ROOT / path
            path.parent.mkdir(parents=True, exist_ok=True)
            url = url.set(database=str(path))
        # Web workers and the scheduler thread share the file; wait for locks, don't fail.
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs.update(pool_size=settings.pool_size, pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def load_json(text: str | bytes) -> Any:
    """Read a stored JSON value: orjson, five times faster than the standard library.

    Reading JSON columns (list entries, suppliers' names and details) is most of what loading
    an index or a registry costs. Values orjson refuses (NaN, which `json.dumps` writes) are
    read by the standard library.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the refresh writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask, settings: DatabaseSettings) -> None:
    """Attach the engine and session factory to `app` and register the `db` commands."""
    engine = build_engine(settings)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions["screening.db"] = Database(engine, factory)
    app.teardown_appcontext(_close_session)
    app.cli.add_command(db_cli)


def get_db(app: Flask | None = None) -> Database:
    """The app's `Database` (engine and session factory)."""
    db: Database = (app or current_app).extensions["screening.db"]
    return db


def get_session() -> Session:
    """The current app context's session, created on first use."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back anything the view did not commit


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (jobs, CLI)."""
    with get_db(app).sessionmaker.begin() as session:
        yield session


# --- migrations ---------------------------------------------------------------------------


def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic config pointing at our migrations, bound to `engine`."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision`."""
    command.upgrade(alembic_config(engine), revision)


def migration_state(engine: Engine) -> tuple[str | None, str | None]:
    """(current revision in the database, head revision of the code)."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head


@click.group("db", help="Database schema migrations (Alembic).")
def db_cli() -> None:
    pass


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Create or migrate the schema to REVISION (default: head)."""
    engine = get_db().engine
    upgrade(engine, revision)
    current, _ = migration_state(engine)
    click.echo(f"database at revision {current} ({engine.url.render_as_string(hide_password=True)})")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade_command(revision: str) -> None:
    """Migrate the schema down to REVISION (e.g. -1 or base)."""
    command.downgrade(alembic_config(get_db().engine), revision)


@db_cli.command("current")
@with_appcontext
def current_command() -> None:
    """Show the database revision and the code's head revision."""
    current, head = migration_state(get_db().engine)
    state = "up to date" if current == head else "needs upgrade"
    click.echo(f"database: {current}  code head: {head}  ({state})")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
@with_appcontext
def revision_command(message: str, autogenerate: bool) -> None:
    """Write a new migration script (autogenerated from the models by default)."""
    command.revision(alembic_config(get_db().engine), message=message, autogenerate=autogenerate)
