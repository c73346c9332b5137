"""LOG_LEVEL and LOG_FORMAT: one JSON object a line, APScheduler's per-run lines below INFO."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.plumbing.config import ConfigError, log_settings
from bot.plumbing.logs import configure_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_and_a_quiet_scheduler(restored_logging, capsys) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("bot.example").warning("Sent %d messages", 3)
    logging.getLogger("apscheduler.executors.default").info('Running job "deliver"')
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message"] == "Sent 3 messages"
    assert record["level"] == "WARNING" and record["logger"] == "bot.example"
    assert "asctime" in record

    configure_logging("DEBUG", "text")
    logging.getLogger("apscheduler.executors.default").info('Running job "deliver"')
    assert "DEBUG apscheduler.executors.default" in capsys.readouterr().err


def test_log_settings_are_checked() -> None:
    assert log_settings({"LOG_LEVEL": "debug", "LOG_FORMAT": "JSON"}) == ("DEBUG", "json")
    assert log_settings({}) == ("INFO", "text")
    with pytest.raises(ConfigError, match="LOG_FORMAT must be text or json"):
        log_settings({"LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="LOG_LEVEL must be one of"):
        log_settings({"LOG_LEVEL": "loud"})
