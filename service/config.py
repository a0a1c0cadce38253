"""Settings: `config.yaml` defaults, overlaid by `SCREENING_<SECTION>__<KEY>` variables.

`load_settings()` returns frozen dataclasses or raises one `ConfigError` that lists every
problem at once, so an operator fixes a broken deployment in one pass. Secrets are accepted
only from the environment; a secret written into the YAML file is itself an error.
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from apscheduler.triggers.cron import CronTrigger

from watchlists import WatchlistError
from watchlists.formats import FORMATS, SINGLE_FILE
from watchlists.parsers import custom

ENV_PREFIX = "SCREENING_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.yaml"
# Dotted paths that may only come from the environment.
SECRET_KEYS = frozenset(
    {
        "app.secret_key",
        "database.password",
        "notifications.webhook_secret",
        "notifications.smtp_password",
        "referrals.signing_secret",
    }
)
# Shorter names accepted for a secret besides SCREENING_<SECTION>__<KEY>.
SECRET_ALIASES = {"SCREENING_WEBHOOK_SECRET": "notifications.webhook_secret"}
ROLES = ("officer", "reviewer", "approver", "admin")
SOURCE_ID = re.compile(r"^(custom:)?[a-z][a-z0-9_]*$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$|^[^@\s<>]+@localhost$")
_INVALID: Any = object()  # a value that failed conversion; its field keeps the default


class ConfigError(Exception):
    """The configuration is invalid; `problems` lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration ({len(problems)} problem(s)):\n{listing}")


@dataclass(frozen=True)
class AppSettings:
    env: str = "development"
    log_level: str = "INFO"
    log_format: str = "text"
    max_upload_mb: int = 25
    instance_dir: str = "instance"
    secret_key: str | None = None

    @property
    def instance_path(self) -> Path:
        path = Path(self.instance_dir)
        return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///instance/screening.sqlite"
    echo: bool = False
    pool_size: int = 5
    password: str | None = None


@dataclass(frozen=True)
class ScreeningSettings:
    algorithm: str = "token-v1"
    threshold: float = 0.88
    strong_threshold: float = 0.95
    limit: int = 10
    max_batch: int = 1000
    index_check_seconds: float = 5.0
    batch_workers: int = 0  # processes screening an upload's rows; 0: one per CPU core


@dataclass(frozen=True)
class ApiSettings:
    rate_limit_per_minute: int = 600  # per API key and process; 0 turns the limit off


@dataclass(frozen=True)
class SchedulerSettings:
    """Scheduled jobs (cron expressions in UTC); list refreshes use each source's `refresh`."""

    embedded: bool = True  # run inside the web process (make run); production: `flask scheduler`
    lease_seconds: float = 60.0  # a scheduler that stops renewing loses the lease after this
    misfire_grace_seconds: float = 6 * 3600  # a run missed by less than this runs once at start
    sweep: str = "30 2 * * *"  # nightly delta sweep, after the night's refreshes
    full_sweep: str = "0 4 * * 0"  # weekly full sweep
    outbox: str = "* * * * *"  # notifications and referral deliveries
    retention: str = "15 3 * * *"  # audit events older than audit.retention_years are pruned


@dataclass(frozen=True)
class AuditSettings:
    retention_years: int = 10  # the OFAC record-keeping rule (31 CFR 501.601, since 2025)


@dataclass(frozen=True)
class NotificationSettings:
    """Where new alerts, changed findings and refresh failures are sent (service.notify)."""

    webhook_url: str | None = None
    webhook_secret: str | None = None  # secret: SCREENING_NOTIFICATIONS__WEBHOOK_SECRET
    email_to: tuple[str, ...] = ()
    email_from: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: str | None = None  # secret: SCREENING_NOTIFICATIONS__SMTP_PASSWORD
    base_url: str | None = None  # prefixed to links in messages (https://screening.example.org)
    digest: bool = False  # batch new alerts and changed findings into one message a day
    digest_hour: int = 7  # UTC hour from which the day's digest is built
    max_attempts: int = 8
    backoff_seconds: float = 30.0  # doubles each attempt, with jitter
    timeout_seconds: float = 10.0

    @property
    def channels(self) -> tuple[str, ...]:
        """The configured channels: `webhook` (URL and secret set), `email` (recipients, sender, host)."""
        webhook = ("webhook",) if self.webhook_url and self.webhook_secret else ()
        email = ("email",) if self.email_to and self.email_from and self.smtp_host else ()
        return webhook + email


@dataclass(frozen=True)
class ReferralSettings:
    """Who refers suppliers to the shared marketplace, and where approved referrals go.

    Delivery (service.referral_delivery) is a signed JSON POST to `endpoint_url` when it is
    set, else an e-mail to `email_to` through the SMTP server of `notifications`; with
    neither, approved referrals wait for a focal point to download and submit them by hand.
    """

    organisation: str | None = None  # the referring organisation, e.g. "UNICEF"
    focal_point_name: str | None = None
    focal_point_email: str | None = None
    endpoint_url: str | None = None  # https:// (http only to localhost)
    signing_secret: str | None = None  # secret: SCREENING_REFERRALS__SIGNING_SECRET
    email_to: tuple[str, ...] = ()
    email_from: str | None = None  # default: notifications.email_from
    max_attempts: int = 10  # then the referral is `failed` and an admin is alerted
    backoff_seconds: float = 60.0  # doubles each attempt (capped at 6 hours), with jitter
    timeout_seconds: float = 30.0
    list_source: str = "custom:referred"  # delivered suppliers are added to this list


@dataclass(frozen=True)
class SourceSettings:
    """One list source. Single-file formats set `url`; multi-file ones set `parts`."""

    id: str
    format: str
    title: str = ""
    url: str | None = None
    parts: dict[str, str] = field(default_factory=dict)  # part name → URL
    headers: dict[str, str] = field(default_factory=dict)  # extra request headers
    mirror: dict[str, str] = field(default_factory=dict)  # part name → file name in the mirror
    columns: dict[str, str] = field(default_factory=dict)  # custom lists: field → column header
    options: dict[str, str] = field(default_factory=dict)  # parser options (sheet, delimiter, ...)
    refresh: str = "0 3 * * *"
    min_entries: int = 1
    max_shrink: float = 0.1
    enabled: bool = True

    @property
    def files(self) -> dict[str, str]:
        """Part name → URL for every file this source is read from."""
        return dict(self.parts) if self.parts else ({SINGLE_FILE: self.url} if self.url else {})

    @property
    def parser_options(self) -> dict[str, Any]:
        """What the format's parser is given besides the files."""
        return {**self.options, "columns": dict(self.columns)} if self.columns else dict(self.options)

    def mirror_name(self, part: str) -> str:
        """The file name of `part` inside <mirror_dir>/<source id>/."""
        if part in self.mirror:
            return self.mirror[part]
        url = self.files.get(part, "")
        tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return tail or part


@dataclass(frozen=True)
class WatchlistsSettings:
    mirror_dir: str | None = None
    stale_after_hours: float = 48.0
    timeout_seconds: float = 60.0
    max_download_mb: int = 300
    attempts: int = 3
    backoff_seconds: float = 2.0
    sources: tuple[SourceSettings, ...] = ()

    def get(self, source_id: str) -> SourceSettings | None:
        """The configured source with this id, or None."""
        return next((s for s in self.sources if s.id == source_id), None)


@dataclass(frozen=True)
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    screening: ScreeningSettings = field(default_factory=ScreeningSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    watchlists: WatchlistsSettings = field(default_factory=WatchlistsSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    referrals: ReferralSettings = field(default_factory=ReferralSettings)


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `path` (default: the project's config.yaml), overlay the environment, validate."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    raw = _read_yaml(Path(path or environ.get("SCREENING_CONFIG") or DEFAULT_CONFIG_PATH), problems)
    _reject_file_secrets(raw, problems)
    _overlay_env(raw, environ, problems)
    _overlay_aliases(raw, environ, problems)
    sources = raw.get("watchlists", {}).get("sources") if isinstance(raw.get("watchlists"), dict) else None
    if isinstance(sources, dict):
        raw["watchlists"]["sources"] = [
            {"id": sid, **(spec if isinstance(spec, dict) else {"_invalid": spec})}
            for sid, spec in sources.items()
        ]
    settings = _build(Settings, raw, "", problems)
    if settings is not _INVALID:
        _validate(settings, problems)  # range checks run even when some types were wrong
    if problems:
        raise ConfigError(problems)
    assert isinstance(settings, Settings)
    return settings


def _read_yaml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"config file not found: {path}")
        return {}
    except yaml.YAMLError as exc:
        problems.append(f"{path}: not valid YAML: {exc}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path}: top level must be a mapping")
        return {}
    return data


def _reject_file_secrets(raw: dict[str, Any], problems: list[str]) -> None:
    for dotted in sorted(SECRET_KEYS):
        section, key = dotted.split(".")
        value = raw.get(section, {}).get(key) if isinstance(raw.get(section), dict) else None
        if value not in (None, ""):
            env = f"{ENV_PREFIX}{section.upper()}__{key.upper()}"
            problems.append(f"{dotted}: secrets must come from the environment ({env}), not the file")


def _overlay_env(raw: dict[str, Any], environ: Mapping[str, str], problems: list[str]) -> None:
    """Apply SCREENING_A__B__C=value as raw["a"]["b"]["c"] = yaml-scalar(value)."""
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        if any(not p for p in parts):
            problems.append(f"{name}: malformed variable name")
            continue
        target: dict[str, Any] = raw
        for part in parts[:-1]:
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(f"{name}: {part} is not a section")
                break
            target = child
        else:
            target[parts[-1]] = _parse_scalar(environ[name])


def _overlay_aliases(raw: dict[str, Any], environ: Mapping[str, str], problems: list[str]) -> None:
    for name, dotted in sorted(SECRET_ALIASES.items()):
        if not environ.get(name):
            continue
        section, key = dotted.split(".")
        target = raw.setdefault(section, {})
        if not isinstance(target, dict):
            continue  # reported as a type problem by _build
        if target.get(key) not in (None, "", environ[name]):
            problems.append(f"{dotted}: {name} and {ENV_PREFIX}{section.upper()}__{key.upper()} differ")
        target[key] = environ[name]


def _parse_scalar(text: str) -> Any:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    # A bare word like "no" or "on" would be a YAML 1.1 boolean; keep what people typed for
    # strings that are clearly not meant as one.
    return text if isinstance(value, (dict, list)) and not text.strip().startswith(("[", "{")) else value


def _build(cls: Any, data: Any, path: str, problems: list[str]) -> Any:
    """Construct dataclass `cls` from `data`, appending every type problem to `problems`."""
    if not isinstance(data, dict):
        problems.append(f"{path.rstrip('.') or 'config'}: must be a mapping, got {type(data).__name__}")
        return _INVALID
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    for key in sorted(set(data) - known):
        problems.append(f"{path}{key}: unknown setting")
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in data:
            value = _convert(hints[f.name], data[f.name], f"{path}{f.name}", problems)
            if value is not _INVALID:
                kwargs[f.name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field (e.g. a source's format) is missing
        problems.append(f"{path.rstrip('.') or 'config'}: {exc}")
        return _INVALID


def _convert(hint: Any, value: Any, path: str, problems: list[str]) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, path, problems)
    if origin is dict:
        if not isinstance(value, dict):
            problems.append(f"{path}: must be a mapping")
            return _INVALID
        converted = {str(k): _convert(args[1], v, f"{path}.{k}", problems) for k, v in value.items()}
        return {k: v for k, v in converted.items() if v is not _INVALID}
    if origin is tuple:
        if not isinstance(value, list):
            value = [value] if isinstance(value, str) else value
        if not isinstance(value, list):
            problems.append(f"{path}: must be a list")
            return _INVALID
        items = (_convert(args[0], v, f"{path}[{i}]", problems) for i, v in enumerate(value))
        return tuple(item for item in items if item is not _INVALID)
    if is_dataclass(hint):
        return _build(hint, value, f"{path}.", problems)
    return _scalar(hint, value, path, problems)


def _scalar(hint: Any, value: Any, path: str, problems: list[str]) -> Any:
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    expected = getattr(hint, "__name__", str(hint))
    problems.append(f"{path}: expected {expected}, got {value!r}")
    return _INVALID


def _validate(s: Settings, problems: list[str]) -> None:
    """Range and cross-field checks that types alone cannot express."""
    if s.app.env not in ("development", "production", "testing"):
        problems.append(f"app.env: must be development, production or testing, got {s.app.env!r}")
    if s.app.env == "production" and not s.app.secret_key:
        problems.append("app.secret_key: required in production (set SCREENING_APP__SECRET_KEY)")
    if s.app.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        problems.append(f"app.log_level: unknown level {s.app.log_level!r}")
    if s.app.log_format not in ("text", "json"):
        problems.append(f"app.log_format: must be text or json, got {s.app.log_format!r}")
    if s.app.max_upload_mb <= 0:
        problems.append("app.max_upload_mb: must be positive")
    if not s.database.url.startswith(("sqlite:", "postgresql")):
        problems.append(f"database.url: only sqlite and postgresql are supported, got {s.database.url!r}")
    sc = s.screening
    for name in ("threshold", "strong_threshold"):
        if not 0.0 < getattr(sc, name) <= 1.0:
            problems.append(f"screening.{name}: must be in (0, 1], got {getattr(sc, name)}")
    if sc.strong_threshold < sc.threshold:
        problems.append("screening.strong_threshold: must not be below screening.threshold")
    for name in ("limit", "max_batch"):
        if getattr(sc, name) < 1:
            problems.append(f"screening.{name}: must be at least 1")
    if s.api.rate_limit_per_minute < 0:
        problems.append("api.rate_limit_per_minute: must not be negative (0 turns it off)")
    if sc.index_check_seconds <= 0:
        problems.append("screening.index_check_seconds: must be positive")
    if sc.batch_workers < 0:
        problems.append("screening.batch_workers: must not be negative (0: one per CPU core)")
    _validate_scheduler(s.scheduler, problems)
    if s.audit.retention_years < 1:
        problems.append(f"audit.retention_years: must be at least 1, got {s.audit.retention_years}")
    wl = s.watchlists
    if wl.timeout_seconds <= 0 or wl.max_download_mb <= 0 or wl.attempts < 1 or wl.backoff_seconds < 0:
        problems.append(
            "watchlists: timeout_seconds and max_download_mb must be positive, attempts at least 1"
        )
    for src in wl.sources:
        _validate_source(src, problems)
    _validate_notifications(s.notifications, problems)
    _validate_referrals(s.referrals, s.notifications, problems)


def _https_or_local(url: str) -> bool:
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")
    return bool(parts.hostname) and (parts.scheme == "https" or local)


def _validate_referrals(r: ReferralSettings, n: NotificationSettings, problems: list[str]) -> None:
    if r.endpoint_url is not None:
        if not _https_or_local(r.endpoint_url):
            problems.append(
                f"referrals.endpoint_url: must be https:// (http only to localhost), got {r.endpoint_url!r}"
            )
        if not r.signing_secret:
            problems.append(
                "referrals.signing_secret: required with an endpoint_url "
                "(set SCREENING_REFERRALS__SIGNING_SECRET)"
            )
    addresses = (*r.email_to, *(a for a in (r.email_from, r.focal_point_email) if a))
    for address in addresses:
        if not EMAIL.match(address):
            problems.append(f"referrals: not an e-mail address: {address!r}")
    if r.email_to and not ((r.email_from or n.email_from) and n.smtp_host):
        problems.append(
            "referrals.email_to: needs an SMTP server (notifications.smtp_host) and a sender "
            "(referrals.email_from or notifications.email_from)"
        )
    if r.max_attempts < 1 or r.backoff_seconds < 0 or not 0 < r.timeout_seconds <= 120:
        problems.append(
            "referrals: max_attempts must be at least 1, backoff_seconds not negative, "
            "timeout_seconds in (0, 120]"
        )
    if not (r.list_source.startswith("custom:") and SOURCE_ID.match(r.list_source)):
        problems.append(f"referrals.list_source: must be custom:<name>, got {r.list_source!r}")


def _validate_notifications(n: NotificationSettings, problems: list[str]) -> None:
    if n.webhook_url is not None:
        url = urlsplit(n.webhook_url)
        local = url.scheme == "http" and url.hostname in ("localhost", "127.0.0.1", "::1")
        if not (url.scheme == "https" or local) or not url.hostname:
            problems.append(
                f"notifications.webhook_url: must be https:// (http only to localhost), got {n.webhook_url!r}"
            )
        if not n.webhook_secret:
            problems.append(
                "notifications.webhook_secret: required with a webhook_url "
                "(set SCREENING_NOTIFICATIONS__WEBHOOK_SECRET)"
            )
    for address in (*n.email_to, *([n.email_from] if n.email_from else [])):
        if not EMAIL.match(address):
            problems.append(f"notifications: not an e-mail address: {address!r}")
    if n.email_to and not (n.email_from and n.smtp_host):
        problems.append("notifications: email_to needs email_from and smtp_host")
    if n.smtp_user and not n.smtp_password:
        problems.append(
            "notifications.smtp_password: required with smtp_user "
            "(set SCREENING_NOTIFICATIONS__SMTP_PASSWORD)"
        )
    if not 0 < n.smtp_port < 65536:
        problems.append(f"notifications.smtp_port: must be a port number, got {n.smtp_port}")
    if n.base_url is not None and not n.base_url.startswith(("https://", "http://")):
        problems.append(f"notifications.base_url: must be an http(s) URL, got {n.base_url!r}")
    if not 0 <= n.digest_hour <= 23:
        problems.append(f"notifications.digest_hour: must be 0..23 (UTC), got {n.digest_hour}")
    if n.max_attempts < 1 or n.backoff_seconds < 0 or not 0 < n.timeout_seconds <= 120:
        problems.append(
            "notifications: max_attempts must be at least 1, backoff_seconds not negative, "
            "timeout_seconds in (0, 120]"
        )


def _validate_source(src: SourceSettings, problems: list[str]) -> None:
    base = f"watchlists.sources.{src.id}"
    if not SOURCE_ID.match(src.id):
        problems.append(f"{base}: source ids are lower-case words (un_sc) or custom:<name>")
    if src.format.startswith("custom"):
        try:
            custom.check_options(src.id, src.parser_options)
        except WatchlistError as exc:
            problems.append(f"{base}: {exc}")
    fmt = FORMATS.get(src.format)
    if fmt is None:
        problems.append(f"{base}.format: unknown format {src.format!r} (known: {', '.join(sorted(FORMATS))})")
    elif fmt.multi_file:
        unknown = sorted(set(src.parts) - set(fmt.parts))
        missing = sorted(p for p, required in fmt.parts.items() if required and p not in src.parts)
        if unknown or missing or src.url:
            problems.append(
                f"{base}.parts: format {src.format} reads parts {', '.join(fmt.parts)} (set parts, not url)"
            )
    elif src.parts:
        problems.append(f"{base}.parts: format {src.format} reads one file; set url instead")
    if src.min_entries < 0:
        problems.append(f"{base}.min_entries: must not be negative")
    if not 0.0 <= src.max_shrink <= 1.0:
        problems.append(f"{base}.max_shrink: must be between 0 and 1, got {src.max_shrink}")
    try:
        CronTrigger.from_crontab(src.refresh, timezone="UTC")
    except ValueError as exc:
        problems.append(f"{base}.refresh: must be a 5-field cron expression, got {src.refresh!r} ({exc})")
    for part, url in src.files.items():
        if not url.startswith(("https://", "http://")):
            problems.append(f"{base}: the URL of part {part!r} is not http(s): {url!r}")


def _validate_scheduler(sch: SchedulerSettings, problems: list[str]) -> None:
    if sch.lease_seconds < 2:
        problems.append(f"scheduler.lease_seconds: must be at least 2, got {sch.lease_seconds}")
    if sch.misfire_grace_seconds < 0:
        problems.append("scheduler.misfire_grace_seconds: must not be negative")
    for name in ("sweep", "full_sweep", "outbox", "retention"):
        expression = getattr(sch, name)
        try:
            CronTrigger.from_crontab(expression, timezone="UTC")
        except ValueError as exc:
            problems.append(f"scheduler.{name}: must be a 5-field cron expression: {expression!r} ({exc})")
