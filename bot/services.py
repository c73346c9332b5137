"""What every use case is handed: settings, storage, the bank, Slack and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.slack_gateway import SlackGateway
from questions.bank import Bank


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    bank: Bank
    gateway: SlackGateway
    clock: Clock
