"""What every use case is handed: settings, storage, the bank, Slack, the clock, follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp

from bot.background.answer_writer import AnswerWriter
from bot.background.tasks import Background
from bot.db.engine import Database
from bot.db.models import Check
from bot.plumbing.budget import Budget
from bot.plumbing.cache import Lru
from bot.plumbing.clock import Clock
from bot.plumbing.config import Settings
from bot.plumbing.workspace import Workspace
from bot.slack.gateway import SlackGateway
from bot.slack.installations import Installations
from bot.slack.members import ChannelMembers
from bot.slack.state import SlackState
from questions.bank import Bank


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    bank: Bank
    gateway: SlackGateway
    clock: Clock
    members: ChannelMembers
    background: Background = field(default_factory=Background)
    # checks with their questions and participants, which never change once started;
    # status, position and message timestamps are always read fresh from storage
    started_checks: Lru[int, Check] = field(default_factory=lambda: Lru(256))
    # the Slack client's shared HTTP session, when prepare_services opened it
    http: aiohttp.ClientSession | None = None
    # OAuth mode: every workspace's installation and bot token (None: one SLACK_BOT_TOKEN)
    installations: Installations | None = None
    # workspaces by team id, with the token that acts for each (bot/usecases/workspaces.py)
    workspaces: Lru[str, Workspace] = field(default_factory=lambda: Lru(1024))
    # the link to Slack as last seen (auth.test, Socket Mode), for /healthz
    slack: SlackState = field(default_factory=SlackState)
    # answer clicks, stored in batches (group commit)
    answers: AnswerWriter = field(init=False)
    # how long a request may work before Slack must be answered
    budget: Budget = field(default_factory=Budget)

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", AnswerWriter(self.db))

    async def close(self) -> None:
        """Store the clicks still queued and close the Slack connections (not the database)."""
        await self.answers.stop()
        if self.http is not None and not self.http.closed:
            await self.http.close()
        if self.gateway.keepalive is not None:
            await self.gateway.keepalive.close()
