"""The screening service: Flask app, persistence, CLI. The only package that wires
`screening` (the matching engine) and `watchlists` (list parsers) together.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import replace
from datetime import timedelta

from flask import Flask

from service import db, logs
from service.config import Settings, load_settings
from service.ratelimit import RateLimiter

__all__ = ["create_app", "get_settings"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; `settings` defaults to config.yaml plus the environment."""
    settings = settings or load_settings()
    app = Flask(__name__, instance_path=str(settings.app.instance_path))
    settings = _with_secret_key(settings)
    app.extensions["screening"] = settings
    app.config.update(
        SECRET_KEY=settings.app.secret_key,
        MAX_CONTENT_LENGTH=settings.app.max_upload_mb * 1024 * 1024,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.app.env == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    logs.init_app(app, settings.app)
    db.init_app(app, settings.database)

    from service import audit, batches, cli, engine, errors, scheduler, users
    from service.auth import audit_api_call
    from service.views import admin, api, auth, batch_api, health, lists, pages, referral_pages, suppliers
    from service.views import audit as audit_views
    from service.views import batches as batch_pages
    from service.views import findings as finding_api
    from service.views import jobs as job_views
    from service.views import referrals as referral_api
    from service.views import review as review_pages

    errors.register_error_handlers(app)
    engine.init_app(app, settings.screening)
    app.extensions["screening.ratelimit"] = RateLimiter(settings.api.rate_limit_per_minute)
    app.extensions["screening.batches"] = batches.BatchRunner(app)
    scheduler.init_app(app)
    if settings.app.env != "testing":
        # A serving process resumes batches a restart interrupted (CLI commands never serve).
        app.before_request(functools.partial(batches.start_runner, app))
        if settings.scheduler.embedded:
            # The scheduler runs in every serving process; its lease lets one of them act.
            app.before_request(functools.partial(_start_scheduler, app))
            if _serving_from_cli():
                _start_scheduler(app)  # `flask run` (make run): from start-up, not the first request
    cli.init_app(app)
    app.before_request(users.check_csrf)
    app.after_request(audit_api_call)
    app.jinja_env.globals.update(csrf_token=users.csrf_token, current_user=users.current_user)
    for module in (health, api, lists, suppliers, batch_api, batch_pages, auth, admin, pages):
        app.register_blueprint(module.bp)
    app.register_blueprint(finding_api.bp)
    app.register_blueprint(review_pages.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(job_views.bp)
    app.register_blueprint(referral_api.bp)
    app.register_blueprint(referral_pages.bp)
    audit.record_config_at_start(app, settings)  # skipped until the database is migrated
    return app


def _start_scheduler(app: Flask) -> None:
    from service.scheduler import get_scheduler

    get_scheduler(app).start()


def _serving_from_cli() -> bool:
    """True inside `flask run`, whose app loads within the click command named "run"."""
    import click

    context = click.get_current_context(silent=True)
    return context is not None and context.info_name == "run"


def get_settings(app: Flask | None = None) -> Settings:
    """The settings the app was built with."""
    from flask import current_app

    settings: Settings = (app or current_app).extensions["screening"]
    return settings


def _with_secret_key(settings: Settings) -> Settings:
    """In development, generate a secret key once into instance/ and keep it."""
    if settings.app.secret_key:
        return settings
    path = settings.app.instance_path / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    key = path.read_text(encoding="utf-8").strip()
    return replace(settings, app=replace(settings.app, secret_key=key))
