"""Configuration: defaults from config.yaml, environment overrides, one error listing all problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.yaml"


def test_defaults_come_from_config_yaml() -> None:
    settings = load_settings(CONFIG, environ={})
    assert settings.database.url == "sqlite:///instance/screening.sqlite"
    assert settings.screening.threshold == 0.88
    un = settings.watchlists.get("un_sc")
    assert un is not None and un.format == "un_sc_xml" and un.min_entries == 500


def test_every_key_can_be_overridden_from_the_environment() -> None:
    env = {
        "SCREENING_DATABASE__URL": "postgresql+psycopg://u@db/screening",
        "SCREENING_SCREENING__THRESHOLD": "0.9",
        "SCREENING_SCREENING__LIMIT": "25",
        "SCREENING_APP__LOG_FORMAT": "json",
        "SCREENING_WATCHLISTS__SOURCES__UN_SC__MIN_ENTRIES": "800",
        "SCREENING_WATCHLISTS__SOURCES__UN_SC__ENABLED": "false",
        "SCREENING_WATCHLISTS__MIRROR_DIR": "/srv/mirror",
        "UNRELATED": "ignored",
    }
    settings = load_settings(CONFIG, environ=env)
    assert settings.database.url == "postgresql+psycopg://u@db/screening"
    assert settings.screening.threshold == 0.9
    assert settings.screening.limit == 25
    assert settings.app.log_format == "json"
    un = settings.watchlists.get("un_sc")
    assert un is not None and un.min_entries == 800 and un.enabled is False
    assert settings.watchlists.mirror_dir == "/srv/mirror"


def test_secrets_come_from_the_environment_only(tmp_path: Path) -> None:
    settings = load_settings(
        CONFIG, environ={"SCREENING_APP__SECRET_KEY": "s3cret", "SCREENING_DATABASE__PASSWORD": "pw"}
    )
    assert settings.app.secret_key == "s3cret"
    assert settings.database.password == "pw"
    bad = tmp_path / "config.yaml"
    bad.write_text(CONFIG.read_text().replace("app:\n", "app:\n  secret_key: hunter2\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(bad, environ={})
    assert "app.secret_key: secrets must come from the environment (SCREENING_APP__SECRET_KEY)" in str(
        excinfo.value
    )


def test_invalid_config_lists_every_problem_at_once() -> None:
    env = {
        "SCREENING_SCREENING__THRESHOLD": "1.5",
        "SCREENING_SCREENING__LIMIT": "many",
        "SCREENING_DATABASE__URL": "mysql://x",
        "SCREENING_APP__COLOUR": "blue",
        "SCREENING_WATCHLISTS__SOURCES__UN_SC__FORMAT": "pdf",
        "SCREENING_WATCHLISTS__SOURCES__UN_SC__REFRESH": "hourly",
    }
    with pytest.raises(ConfigError) as excinfo:
        load_settings(CONFIG, environ=env)
    text = str(excinfo.value)
    assert text.startswith("invalid configuration (7 problem(s))")
    for expected in (
        "app.colour: unknown setting",
        "screening.limit: expected int, got 'many'",
        "screening.threshold: must be in (0, 1], got 1.5",
        "screening.strong_threshold: must not be below screening.threshold",
        "database.url: only sqlite and postgresql are supported",
        "watchlists.sources.un_sc.format: unknown format 'pdf'",
        "watchlists.sources.un_sc.refresh: must be a 5-field cron expression, got 'hourly'",
    ):
        assert expected in text


def test_production_requires_a_secret_key() -> None:
    with pytest.raises(ConfigError, match="app.secret_key: required in production"):
        load_settings(CONFIG, environ={"SCREENING_APP__ENV": "production"})
    settings = load_settings(
        CONFIG, environ={"SCREENING_APP__ENV": "production", "SCREENING_APP__SECRET_KEY": "k" * 40}
    )
    assert settings.app.env == "production"


def test_missing_and_malformed_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml", environ={})
    broken = tmp_path / "broken.yaml"
    broken.write_text("app: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(broken, environ={})


def test_custom_lists_are_configured_in_the_file(tmp_path: Path) -> None:
    custom = """
    custom:ungm_ineligible:
      title: UNGM ineligible vendors (our records)
      format: custom_csv
      columns: {entry_id: "Vendor no.", name: "Vendor name", country: "Country"}
      options: {delimiter: ";"}
      min_entries: 1
"""
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.read_text(encoding="utf-8") + custom, encoding="utf-8")
    spec = load_settings(path, environ={}).watchlists.get("custom:ungm_ineligible")
    assert spec is not None and spec.parser_options == {
        "delimiter": ";",
        "columns": {"entry_id": "Vendor no.", "name": "Vendor name", "country": "Country"},
    }
    path.write_text(
        CONFIG.read_text(encoding="utf-8")
        + custom.replace('name: "Vendor name", ', "").replace('";"', '"|"'),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    assert "watchlists.sources.custom:ungm_ineligible" in str(excinfo.value)
    bad_id = CONFIG.read_text(encoding="utf-8") + custom.replace("custom:ungm_ineligible", "Custom List")
    path.write_text(bad_id, encoding="utf-8")
    with pytest.raises(ConfigError, match="source ids are lower-case words"):
        load_settings(path, environ={})
