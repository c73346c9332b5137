"""Settings: read once at start-up from the environment (and an optional `.env`)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///partnercheck.db"
DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"
MANIFEST_PATH = "deploy/slack-manifest.yml"
STATE_SECRET_MIN_LENGTH = 16  # characters of SLACK_STATE_SECRET, which signs OAuth states


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence for a person."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    database_url: str
    slack_api_base_url: str
    port: int
    nudge_delay: timedelta
    tick_seconds: float
    reminder_after: timedelta
    calendar_poll_seconds: float
    tick_threshold: float = 4.0
    divergence: float = 1.5
    calendar_allow_private: bool = False
    slack_rate: float = 1.0  # messages per second per workspace the dispatcher allows itself
    claim_lease_seconds: float = 120.0
    keep_checks_days: float | None = None  # closed checks older than this are deleted
    questions_dir: Path | None = None  # a practice's own templates and questions
    access_log: bool = False  # one log line per HTTP request (off: it costs CPU per click)
    # OAuth mode (install to any number of workspaces) when both are set
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_state_secret: str | None = None  # signs OAuth states (needed in OAuth mode)
    retention_days: float = 30.0  # an uninstalled workspace's data is deleted after this

    @property
    def oauth(self) -> bool:
        """True when the app installs through Slack's OAuth flow instead of one bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = None
    ) -> Settings:
        """Build settings from `env` (default: the process environment over `.env`)."""
        if env is None:
            env = environment(dotenv)
        return cls(
            slack_bot_token=_optional(env, "SLACK_BOT_TOKEN"),
            slack_signing_secret=_optional(env, "SLACK_SIGNING_SECRET"),
            slack_app_token=_optional(env, "SLACK_APP_TOKEN"),
            database_url=normalise_database_url(
                _optional(env, "DATABASE_URL") or DEFAULT_DATABASE_URL
            ),
            slack_api_base_url=_base_url(env),
            port=_integer(env, "PORT", 3000, low=1, high=65535),
            nudge_delay=timedelta(minutes=_number(env, "PARTNERCHECK_NUDGE_DELAY", 30)),
            tick_seconds=_number(env, "PARTNERCHECK_TICK_SECONDS", 15, low=0.1),
            reminder_after=timedelta(hours=_number(env, "PARTNERCHECK_REMINDER_HOURS", 24)),
            calendar_poll_seconds=_number(env, "PARTNERCHECK_CALENDAR_POLL_SECONDS", 900, low=10),
            tick_threshold=_number(env, "PARTNERCHECK_TICK_THRESHOLD", 4, low=1, high=5),
            divergence=_number(env, "PARTNERCHECK_DIVERGENCE", 1.5, low=0.1, high=4),
            calendar_allow_private=_flag(env, "PARTNERCHECK_CALENDAR_ALLOW_PRIVATE"),
            slack_rate=_number(env, "PARTNERCHECK_SLACK_RATE", 1.0, low=0.01),
            claim_lease_seconds=_number(env, "PARTNERCHECK_CLAIM_LEASE_SECONDS", 120, low=1),
            keep_checks_days=_days_or_off(env, "PARTNERCHECK_KEEP_CHECKS_DAYS"),
            questions_dir=_folder(env, "PARTNERCHECK_QUESTIONS_DIR"),
            access_log=_flag(env, "PARTNERCHECK_ACCESS_LOG"),
            slack_client_id=_optional(env, "SLACK_CLIENT_ID"),
            slack_client_secret=_optional(env, "SLACK_CLIENT_SECRET"),
            slack_state_secret=_optional(env, "SLACK_STATE_SECRET"),
            retention_days=_number(env, "PARTNERCHECK_RETENTION_DAYS", 30, low=0),
        )

    def require_slack(self, *, socket_mode: bool) -> None:
        """Raise ConfigError naming every Slack credential that serving needs but lacks."""
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            raise ConfigError(
                "Set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth mode, any number of "
                "workspaces), or neither (one workspace with SLACK_BOT_TOKEN)."
            )
        needed = [] if self.oauth else ["SLACK_BOT_TOKEN"]
        needed.append("SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET")
        values = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
        }
        missing = [name for name in needed if not values[name]]
        if missing:
            raise ConfigError(
                f"Set {_join(missing)} in the environment or in a .env file "
                f"(create the Slack app from {MANIFEST_PATH}; the README's "
                "'Create the Slack app' section shows where each value is found)."
            )
        if self.oauth and len(self.slack_state_secret or "") < STATE_SECRET_MIN_LENGTH:
            problem = "is not set" if not self.slack_state_secret else "is too short"
            raise ConfigError(
                f"SLACK_STATE_SECRET {problem}: OAuth mode signs each install's state with it, so "
                f"set it to a random string of at least {STATE_SECRET_MIN_LENGTH} characters "
                "(for example the output of `openssl rand -hex 32`)."
            )
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.")
        if socket_mode and self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.")


def environment(dotenv: Path | None = None) -> dict[str, str]:
    """The process environment over `.env` (or `dotenv`)."""
    merged: dict[str, str] = {}
    env_file = dotenv if dotenv is not None else Path(".env")
    if env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return merged


def questions_dir(env: Mapping[str, str]) -> Path | None:
    """PARTNERCHECK_QUESTIONS_DIR, read alone (the command line's `questions` needs no more)."""
    return _folder(env, "PARTNERCHECK_QUESTIONS_DIR")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


def log_settings(env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(LOG_LEVEL, LOG_FORMAT) from `env` (default: the environment over `.env`)."""
    if env is None:
        env = environment()
    level = (_optional(env, "LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}.")
    log_format = (_optional(env, "LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be text or json, not {log_format!r}.")
    return level, log_format


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings and return one SQLAlchemy async URL."""
    url = url.strip()
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise ConfigError(
        "DATABASE_URL must start with sqlite:// or postgresql:// "
        "(for example sqlite:///partnercheck.db or postgresql://user@host/dbname)."
    )


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _base_url(env: Mapping[str, str]) -> str:
    url = _optional(env, "SLACK_API_BASE_URL") or DEFAULT_SLACK_API_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigError("SLACK_API_BASE_URL must be an http:// or https:// URL.")
    return url if url.endswith("/") else url + "/"


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    low: float = 0.0,
    high: float = float("inf"),
) -> float:
    raw = _optional(env, name)
    if raw is None:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a number, not {raw!r}.")
    if value < low:
        raise ConfigError(f"{name} must be at least {low:g}, not {raw}.")
    if value > high:
        raise ConfigError(f"{name} must be at most {high:g}, not {raw}.")
    return value


def _folder(env: Mapping[str, str], name: str) -> Path | None:
    raw = _optional(env, name)
    if raw is None:
        return None
    if not Path(raw).is_dir():
        raise ConfigError(f"{name} must be a folder of question files; {raw!r} is not a folder.")
    return Path(raw)


def _days_or_off(env: Mapping[str, str], name: str) -> float | None:
    """A number of days (at least 1), or None when unset or `off`."""
    raw = _optional(env, name)
    if raw is None or raw.lower() == "off":
        return None
    return _number(env, name, 0, low=1)


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (_optional(env, name) or "false").lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"{name} must be true or false, not {raw!r}.")
    return raw in ("true", "1", "yes")


def _integer(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = _optional(env, name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {raw!r}.")
    return int(raw)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
