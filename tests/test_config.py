"""Settings: defaults, every variable read, and one clear sentence for each bad value."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.plumbing.config import ConfigError, Settings, normalise_database_url


def test_defaults_work_on_a_fresh_laptop() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite+aiosqlite:///partnercheck.db"
    assert settings.slack_api_base_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.nudge_delay == timedelta(minutes=30)
    assert settings.tick_seconds == 15
    assert settings.access_log is False


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_APP_TOKEN": "xapp-1",
            "DATABASE_URL": "postgresql://u@db/partners",
            "SLACK_API_BASE_URL": "http://127.0.0.1:9999/api",
            "PORT": "8080",
            "PARTNERCHECK_NUDGE_DELAY": "5",
            "PARTNERCHECK_ACCESS_LOG": "true",
        }
    )
    assert settings.database_url == "postgresql+asyncpg://u@db/partners"
    assert settings.slack_api_base_url == "http://127.0.0.1:9999/api/"
    assert settings.port == 8080
    assert settings.nudge_delay == timedelta(minutes=5)
    assert settings.access_log is True
    settings.require_slack(socket_mode=True)
    settings.require_slack(socket_mode=False)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"PORT": "70000"}, "PORT must be a whole number from 1 to 65535"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with sqlite:// or postgresql://"),
        ({"SLACK_API_BASE_URL": "slack.com"}, "SLACK_API_BASE_URL must be an http"),
        ({"PARTNERCHECK_TICK_SECONDS": "soon"}, "PARTNERCHECK_TICK_SECONDS must be a number"),
        ({"PARTNERCHECK_TICK_SECONDS": "nan"}, "PARTNERCHECK_TICK_SECONDS must be a number"),
        ({"PARTNERCHECK_NUDGE_DELAY": "inf"}, "PARTNERCHECK_NUDGE_DELAY must be a number"),
        ({"PARTNERCHECK_TICK_SECONDS": "0"}, "PARTNERCHECK_TICK_SECONDS must be at least"),
    ],
)
def test_malformed_values_name_the_variable(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(env)


def test_missing_credentials_are_named_with_the_manifest() -> None:
    with pytest.raises(ConfigError) as missing:
        Settings.from_env({}).require_slack(socket_mode=False)
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in str(missing.value)
    assert "deploy/slack-manifest.yml" in str(missing.value)
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).require_slack(socket_mode=True)
    with pytest.raises(ConfigError, match="starting with 'xoxb-'"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_SIGNING_SECRET": "s"}).require_slack(
            socket_mode=False
        )


def test_oauth_mode_needs_the_client_id_and_secret_instead_of_a_bot_token() -> None:
    oauth = Settings.from_env(
        {
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "x",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_STATE_SECRET": "0123456789abcdef",
        }
    )
    assert oauth.oauth and oauth.retention_days == 30
    assert oauth.slack_state_secret == "0123456789abcdef"
    oauth.require_slack(socket_mode=False)  # no SLACK_BOT_TOKEN needed
    assert not Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).oauth
    with pytest.raises(ConfigError, match="both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"):
        Settings.from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}).require_slack(
            socket_mode=False
        )
    with pytest.raises(ConfigError, match="PARTNERCHECK_RETENTION_DAYS"):
        Settings.from_env({"PARTNERCHECK_RETENTION_DAYS": "-1"})


@pytest.mark.parametrize(
    ("secret", "problem"), [(None, "is not set"), ("15-characters!!", "is too short")]
)
def test_oauth_mode_needs_a_state_secret_of_16_characters(secret: str | None, problem: str) -> None:
    env = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x", "SLACK_SIGNING_SECRET": "s"}
    if secret is not None:
        env["SLACK_STATE_SECRET"] = secret
    with pytest.raises(ConfigError, match=f"SLACK_STATE_SECRET {problem}") as refused:
        Settings.from_env(env).require_slack(socket_mode=False)
    assert "at least 16 characters" in str(refused.value)
    # one workspace with a bot token signs no OAuth state: no state secret needed
    Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}).require_slack(
        socket_mode=False
    )


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".env").write_text("PORT=4000\nSLACK_BOT_TOKEN=xoxb-from-file\n")
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    settings = Settings.from_env(dotenv=tmp_path / ".env")
    assert settings.port == 5000
    assert settings.slack_bot_token == "xoxb-from-file"


def test_database_url_spellings() -> None:
    assert normalise_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert normalise_database_url("postgres://h/d") == "postgresql+asyncpg://h/d"
    assert normalise_database_url("sqlite+aiosqlite:///y.db") == "sqlite+aiosqlite:///y.db"
